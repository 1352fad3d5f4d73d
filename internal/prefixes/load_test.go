package prefixes

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	pyasnSample = "; IP-ASN32-DAT file\n; Prefixes : 2\n1.0.0.0/24\t15169\n2001:db8::/32\t64500\n"
	csvSample   = "prefix,pid,asn\n192.0.2.0/24,pid1,64500\n"
	yamlSample  = "prefixes:\n  - {prefix: 192.0.2.0/24, pid: pid1, asn: 64500}\n"
	jsonSample  = `{"prefixes": [{"prefix": "192.0.2.0/24", "pid": "pid1", "asn": 64500}]}`
)

var (
	pyasnSampleEntries = []Entry{
		{Prefix: netip.MustParsePrefix("1.0.0.0/24"), ASN: 15169},
		{Prefix: netip.MustParsePrefix("2001:db8::/32"), ASN: 64500},
	}
	listSampleEntries = []Entry{
		{Prefix: netip.MustParsePrefix("192.0.2.0/24"), PID: "pid1", ASN: 64500},
	}
)

func gzipBytes(t *testing.T, text string) []byte {
	t.Helper()
	var buffer bytes.Buffer
	writer := gzip.NewWriter(&buffer)
	if _, err := writer.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := writer.Close(); err != nil {
		t.Fatal(err)
	}
	return buffer.Bytes()
}

func writeFile(t *testing.T, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadFormats(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		content []byte
		want    []Entry
	}{
		{"pyasn plain", "routes.dat", []byte(pyasnSample), pyasnSampleEntries},
		{"pyasn gzip", "routes.dat.gz", gzipBytes(t, pyasnSample), pyasnSampleEntries},
		{"pyasn gzip without gz name", "routes.dat", gzipBytes(t, pyasnSample), pyasnSampleEntries},
		{"plain text with gz name", "routes.dat.gz", []byte(pyasnSample), pyasnSampleEntries},
		{"pyasn by content", "routes.txt", []byte(pyasnSample), pyasnSampleEntries},
		{"pyasn gzip by content", "routes", gzipBytes(t, pyasnSample), pyasnSampleEntries},
		{"pyasn by content after blank line", "routes.txt", []byte("\n" + pyasnSample), pyasnSampleEntries},
		{"csv", "list.csv", []byte(csvSample), listSampleEntries},
		{"csv gzip", "list.csv.gz", gzipBytes(t, csvSample), listSampleEntries},
		{"csv upper-case extension", "LIST.CSV", []byte(csvSample), listSampleEntries},
		{"yaml", "list.yaml", []byte(yamlSample), listSampleEntries},
		{"yml", "list.yml", []byte(yamlSample), listSampleEntries},
		{"json", "list.json", []byte(jsonSample), listSampleEntries},
		{"json gzip", "list.json.gz", gzipBytes(t, jsonSample), listSampleEntries},
		{"empty pyasn", "routes.dat", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file, tt.content)
			table, err := Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if table.File != path {
				t.Errorf("File = %q, want %q", table.File, path)
			}
			assertEntries(t, table.Entries, tt.want)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		content []byte
		want    string
	}{
		{"unknown format", "list.txt", []byte(csvSample), "unknown format"},
		{"empty file of unknown format", "list.txt", nil, "unknown format"},
		{"comments only", "routes.txt", []byte("; header\n"), "unknown format"},
		{"long first line", "routes.txt", []byte(strings.Repeat("1", sniffSize+10) + "\t1\n"), "unknown format"},
		{"corrupt gzip", "routes.dat", append([]byte{0x1f, 0x8b}, "not gzip"...), "gzip"},
		{"truncated gzip", "routes.dat.gz", gzipBytes(t, pyasnSample)[:30], "unexpected EOF"},
		{"truncated gzip of unknown format", "routes.gz", gzipBytes(t, pyasnSample)[:30], "unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file, tt.content)
			table, err := Load(path)
			if err == nil {
				t.Fatalf("Load = %+v, want error containing %q", table, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error = %q, want it to name %s", err, path)
			}
		})
	}
}

func TestLoadParseErrorNamesFile(t *testing.T) {
	path := writeFile(t, "list.yaml.gz", gzipBytes(t, "prefixes:\n  - {prefix: 192.0.2.0/24, pid: a.b}\n"))
	table, err := Load(path)
	assertParseError(t, table, err, path, 2, "prefixes[0].pid", `invalid PID name "a.b"`)
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "missing.dat"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error = %v, want fs.ErrNotExist", err)
	}
}
