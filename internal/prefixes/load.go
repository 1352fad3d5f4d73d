package prefixes

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// sniffSize is how much of a file without a known extension Load reads to
// find its first data line.
const sniffSize = 64 << 10

// gzipMagic is the first two bytes of every gzip stream.
var gzipMagic = []byte{0x1f, 0x8b}

// Load reads the prefix source at path. A file that starts with the gzip
// magic bytes is decompressed first, whatever its name. The format then
// follows from the extension, ignoring a trailing ".gz": ".dat" for pyasn
// (ParsePyASN), ".csv" for CSV (ParseCSV), and ".yaml", ".yml" or ".json"
// for YAML (ParseYAML). Load reads a file with another extension as pyasn
// if its first line that is neither blank nor a ';' comment has the form
// "PREFIX<TAB>ASN", and returns an error otherwise.
func Load(path string) (*Table, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open prefix table: %w", err)
	}
	defer file.Close()

	content, closeContent, err := decompress(file, path)
	if err != nil {
		return nil, err
	}
	defer closeContent()

	extension := strings.ToLower(filepath.Ext(strings.TrimSuffix(path, ".gz")))
	switch extension {
	case ".dat":
		return ParsePyASN(content, path)
	case ".csv":
		return ParseCSV(content, path)
	case ".yaml", ".yml", ".json":
		data, err := io.ReadAll(content)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		return ParseYAML(data, path)
	}

	sniffer := bufio.NewReaderSize(content, sniffSize)
	isPyASN, err := looksLikePyASN(sniffer)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if !isPyASN {
		return nil, fmt.Errorf("%s: unknown format; want extension .dat, .csv, .yaml, .yml or .json, or pyasn lines of the form PREFIX<TAB>ASN", path)
	}
	return ParsePyASN(sniffer, path)
}

// decompress returns a reader of the plain content of file and a function
// that releases it.
func decompress(file io.Reader, path string) (io.Reader, func(), error) {
	buffered := bufio.NewReader(file)
	head, err := buffered.Peek(len(gzipMagic))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	if !bytes.Equal(head, gzipMagic) {
		return buffered, func() {}, nil
	}

	unzipped, err := gzip.NewReader(buffered)
	if err != nil {
		return nil, nil, fmt.Errorf("gzip %s: %w", path, err)
	}
	return unzipped, func() { _ = unzipped.Close() }, nil
}

// looksLikePyASN reports whether the first line in the first sniffSize bytes
// that is neither blank nor a ';' comment is a valid "PREFIX<TAB>ASN" line.
func looksLikePyASN(r *bufio.Reader) (bool, error) {
	head, err := r.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return false, err
	}
	truncated := len(head) == sniffSize

	for len(head) > 0 {
		line, rest, found := bytes.Cut(head, []byte{'\n'})
		if !found && truncated {
			return false, nil // the line may continue beyond the peeked bytes
		}
		head = rest

		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(bytes.TrimSpace(line)) == 0 || line[0] == ';' {
			continue
		}
		_, perr := parsePyASNLine(line)
		return perr == nil, nil
	}
	return false, nil
}
