package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/alttest"
)

// cdniDefinition is a part of the example server of RFC 9241, Section
// 3.7.1, with a GET and a filtered CDNI Advertisement resource of the
// same advertisements.
const cdniDefinition = `
groups:
  - {pid: pid1, prefixes: [192.0.2.0/24]}
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - id: dcdn-a
    type: cdni
    path: /cdnifci
    advertisements: &ads
      - capability-type: FCI.DeliveryProtocol
        capability-value: {delivery-protocols: [http/1.1]}
        footprints:
          - {footprint-type: ipv4cidr, footprint-value: [192.0.2.0/24]}
          - {footprint-type: ipv6cidr, footprint-value: ["2001:db8::/32"]}
      - capability-type: FCI.DeliveryProtocol
        capability-value: {delivery-protocols: [https/1.1, http/1.1]}
        footprints:
          - {footprint-type: ipv4cidr, footprint-value: [198.51.100.0/24, 203.0.113.0/24]}
          - {footprint-type: asn, footprint-value: [as64496]}
      - capability-type: FCI.RedirectionMode
        capability-value: {redirection-modes: [DNS-I, HTTP-I]}
  - id: dcdn-a-filtered
    type: filtered-cdni
    path: /cdnifci/filtered
    advertisements: *ads
`

func startCDNIServer(t *testing.T) (string, *client.Client) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cdni.yaml")
	if err := os.WriteFile(path, []byte(cdniDefinition), 0o644); err != nil {
		t.Fatal(err)
	}
	url := alttest.Start(t, path)
	c, err := client.New(url)
	if err != nil {
		t.Fatal(err)
	}
	return url, c
}

// wantCDNILines returns the fields of the table line of each
// advertisement: the type, the compact value and each word of the
// footprints text.
func wantCDNILines(t *testing.T, ad *alto.CDNIAdvertisement) [][]string {
	t.Helper()
	var lines [][]string
	for _, obj := range ad.Data.CapabilitiesWithFootprints {
		value, err := json.Marshal(obj.CapabilityValue)
		if err != nil {
			t.Fatal(err)
		}
		fields := []string{obj.CapabilityType, string(value)}
		if len(obj.Footprints) == 0 {
			fields = append(fields, "(all)")
		}
		for i, f := range obj.Footprints {
			values := strings.Join(f.FootprintValue, ",")
			if i < len(obj.Footprints)-1 {
				values += ";"
			}
			fields = append(fields, f.FootprintType+":", values)
		}
		lines = append(lines, fields)
	}
	return lines
}

func TestCDNITable(t *testing.T) {
	url, c := startCDNIServer(t)
	header, rows := tableRows(t, runOK(t, url, "cdni", "--resource", "dcdn-a"))
	if !slices.Equal(header, []string{"CAPABILITY-TYPE", "CAPABILITY-VALUE", "FOOTPRINTS"}) {
		t.Fatalf("header = %v", header)
	}
	ad, err := c.CDNI(context.Background(), "dcdn-a")
	if err != nil {
		t.Fatal(err)
	}
	if want := wantCDNILines(t, ad); !reflect.DeepEqual(rows, want) {
		t.Errorf("rows:\n%v\nwant the client's advertisements:\n%v", rows, want)
	}
	wantSecond := []string{"FCI.DeliveryProtocol", `{"delivery-protocols":["https/1.1","http/1.1"]}`, "ipv4cidr:", "198.51.100.0/24,203.0.113.0/24;", "asn:", "as64496"}
	if len(rows) != 3 || !slices.Equal(rows[1], wantSecond) {
		t.Errorf("second row = %v, want %v", rows[1:2], wantSecond)
	}
}

func TestCDNIFilteredTable(t *testing.T) {
	url, c := startCDNIServer(t)
	value := `{"delivery-protocols": ["https/1.1"]}`
	out := runOK(t, url, "cdni", "--capability-type", alto.CapabilityDeliveryProtocol, "--capability-value", value)
	_, rows := tableRows(t, out)

	ad, err := c.FilteredCDNI(context.Background(), "dcdn-a-filtered", &alto.CDNIFilterParams{
		Capabilities: []alto.CDNICapability{{CapabilityType: alto.CapabilityDeliveryProtocol, CapabilityValue: json.RawMessage(value)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := wantCDNILines(t, ad)
	if len(want) != 1 {
		t.Fatalf("the client got %d advertisements, want the one with https/1.1", len(want))
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows %v, want %v", rows, want)
	}
}

func TestCDNIFilteredResourceWithoutCapabilities(t *testing.T) {
	url, _ := startCDNIServer(t)
	_, rows := tableRows(t, runOK(t, url, "cdni", "--resource", "dcdn-a-filtered"))
	if len(rows) != 3 {
		t.Errorf("%d rows, want all 3 advertisements for an empty filter: %v", len(rows), rows)
	}
}

func TestCDNIJSON(t *testing.T) {
	url, c := startCDNIServer(t)
	var got alto.CDNIAdvertisement
	if err := json.Unmarshal([]byte(runOK(t, url, "--json", "cdni", "--resource", "dcdn-a")), &got); err != nil {
		t.Fatalf("--json output: %v", err)
	}
	want, err := c.CDNI(context.Background(), "dcdn-a")
	if err != nil {
		t.Fatal(err)
	}
	gotLines, wantLines := wantCDNILines(t, &got), wantCDNILines(t, want)
	if !reflect.DeepEqual(gotLines, wantLines) || !reflect.DeepEqual(got.Meta, want.Meta) {
		t.Errorf("--json output %+v, want %+v", got, want)
	}
}

func TestCDNIErrors(t *testing.T) {
	url, _ := startCDNIServer(t)
	plain, _ := startServer(t)
	tests := []struct {
		name     string
		server   string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"value inconsistent with type", url, []string{"--capability-type", "FCI.DeliveryProtocol", "--capability-value", `{"redirection-modes":["DNS-I"]}`}, exitFailure, "E_INVALID_FIELD_VALUE"},
		{"value not JSON", url, []string{"--capability-type", "FCI.DeliveryProtocol", "--capability-value", "{delivery"}, exitUsage, "not JSON"},
		{"type without value", url, []string{"--capability-type", "FCI.DeliveryProtocol"}, exitUsage, "one value per type"},
		{"filter on GET resource", url, []string{"--resource", "dcdn-a", "--capability-type", "FCI.RedirectionMode", "--capability-value", "{}"}, exitUsage, "read with GET"},
		{"resource of other type", url, []string{"--resource", "default-network-map"}, exitFailure, "want application/alto-cdni+json"},
		{"unknown resource", url, []string{"--resource", "nope"}, exitFailure, "not found"},
		{"server without CDNI", plain, nil, exitFailure, "no CDNI Advertisement resource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, nil, append([]string{"--server", tt.server, "cdni"}, tt.args...)...)
			if res.code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr %q", res.code, tt.wantCode, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", res.stderr, tt.wantErr)
			}
			if res.stdout != "" {
				t.Errorf("stdout %q, want nothing", res.stdout)
			}
		})
	}
}
