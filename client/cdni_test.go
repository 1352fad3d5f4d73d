package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/alttest"
)

// cdniDefinition is a part of the example server of RFC 9241, Section
// 3.7.1: a CDNI Advertisement resource, one with altopid footprints of
// the network map "my-eu-netmap", and a filtered one.
const cdniDefinition = `
network-map:
  resource-id: my-default-network-map
  pids: group
groups:
  - {pid: pid1, prefixes: [192.0.2.0/24]}
  - {pid: pid2, prefixes: [198.51.100.0/24]}
extra-network-maps:
  - resource-id: my-eu-netmap
    pids:
      south-france: [192.0.2.0/24, 198.51.100.0/25]
      germany: [203.0.113.0/24]
resources:
  - {id: my-default-network-map, type: network-map, path: /networkmap}
  - {id: my-eu-netmap, type: network-map, path: /myeunetmap}
  - id: my-default-cdnifci
    type: cdni
    path: /cdnifci
    advertisements: &basic
      - capability-type: FCI.DeliveryProtocol
        capability-value: {delivery-protocols: [http/1.1]}
        footprints:
          - {footprint-type: ipv4cidr, footprint-value: [192.0.2.0/24]}
      - capability-type: FCI.DeliveryProtocol
        capability-value: {delivery-protocols: [https/1.1, http/1.1]}
        footprints:
          - {footprint-type: ipv4cidr, footprint-value: [198.51.100.0/24]}
          - {footprint-type: asn, footprint-value: [as64496]}
      - capability-type: FCI.RedirectionMode
        capability-value: {redirection-modes: [DNS-I, HTTP-I]}
  - id: my-cdnifci-with-pid-footprints
    type: cdni
    path: /networkcdnifci
    uses: [my-eu-netmap]
    advertisements:
      - capability-type: FCI.AcquisitionProtocol
        capability-value: {acquisition-protocols: [https/1.1]}
        footprints:
          - {footprint-type: altopid, footprint-value: [germany, south-france]}
  - id: my-filtered-cdnifci
    type: filtered-cdni
    path: /cdnifci/filtered
    advertisements: *basic
`

// startCDNIClient serves cdniDefinition and returns a client for it.
func startCDNIClient(t *testing.T) *client.Client {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cdni.yaml")
	if err := os.WriteFile(path, []byte(cdniDefinition), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(alttest.Start(t, path))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// capabilityTypes returns the capability type of each advertisement.
func capabilityTypes(a *alto.CDNIAdvertisement) []string {
	var out []string
	for _, ad := range a.Data.CapabilitiesWithFootprints {
		out = append(out, ad.CapabilityType)
	}
	return out
}

func TestCDNIAdvertisement(t *testing.T) {
	c := startCDNIClient(t)
	ctx := context.Background()

	a, err := c.CDNI(ctx, "my-default-cdnifci")
	if err != nil {
		t.Fatalf("CDNI: %v", err)
	}
	if a.Meta.VTag == nil || a.Meta.VTag.ResourceID != "my-default-cdnifci" {
		t.Errorf("vtag = %+v, want resource-id my-default-cdnifci", a.Meta.VTag)
	}
	want := []string{alto.CapabilityDeliveryProtocol, alto.CapabilityDeliveryProtocol, alto.CapabilityRedirectionMode}
	if got := capabilityTypes(a); !slices.Equal(got, want) {
		t.Fatalf("capability types = %v, want %v", got, want)
	}
	second := a.Data.CapabilitiesWithFootprints[1]
	wantFootprints := []alto.Footprint{
		{FootprintType: alto.FootprintIPv4CIDR, FootprintValue: []string{"198.51.100.0/24"}},
		{FootprintType: alto.FootprintASN, FootprintValue: []string{"as64496"}},
	}
	if !slices.EqualFunc(second.Footprints, wantFootprints, footprintEqual) {
		t.Errorf("footprints = %+v, want %+v", second.Footprints, wantFootprints)
	}
	var value struct {
		Protocols []string `json:"delivery-protocols"`
	}
	if err := json.Unmarshal(second.CapabilityValue, &value); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(value.Protocols, []string{"https/1.1", "http/1.1"}) {
		t.Errorf("delivery-protocols = %v", value.Protocols)
	}
	if n := len(a.Data.CapabilitiesWithFootprints[2].Footprints); n != 0 {
		t.Errorf("redirection mode has %d footprints, want none (every footprint)", n)
	}
}

func footprintEqual(a, b alto.Footprint) bool {
	return a.FootprintType == b.FootprintType && slices.Equal(a.FootprintValue, b.FootprintValue)
}

func TestCDNIByResourceID(t *testing.T) {
	c := startCDNIClient(t)
	a, err := c.CDNI(context.Background(), "my-cdnifci-with-pid-footprints")
	if err != nil {
		t.Fatalf("CDNI: %v", err)
	}
	if got := capabilityTypes(a); !slices.Equal(got, []string{alto.CapabilityAcquisitionProtocol}) {
		t.Errorf("capability types = %v", got)
	}
	if !slices.ContainsFunc(a.Meta.DependentVTags, func(v alto.VersionTag) bool { return v.ResourceID == "my-eu-netmap" }) {
		t.Errorf("dependent-vtags %+v lack the network map my-eu-netmap", a.Meta.DependentVTags)
	}
}

func TestCDNIFirstResource(t *testing.T) {
	c := startCDNIClient(t)
	ctx := context.Background()
	rs, err := c.Resources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rs, func(r client.Resource) bool { return r.MediaType == alto.MediaTypeCDNI && r.Accepts == "" })
	if i < 0 {
		t.Fatal("the directory lists no cdni resource")
	}
	a, err := c.CDNI(ctx, "")
	if err != nil {
		t.Fatalf("CDNI: %v", err)
	}
	if a.Meta.VTag == nil || a.Meta.VTag.ResourceID != rs[i].ID {
		t.Errorf("vtag = %+v, want resource-id %s, the first cdni resource of the directory", a.Meta.VTag, rs[i].ID)
	}
}

func TestFilteredCDNI(t *testing.T) {
	c := startCDNIClient(t)
	ctx := context.Background()
	https := &alto.CDNIFilterParams{Capabilities: []alto.CDNICapability{{
		CapabilityType:  alto.CapabilityDeliveryProtocol,
		CapabilityValue: json.RawMessage(`{"delivery-protocols":["https/1.1"]}`),
	}}}
	tests := []struct {
		name string
		req  *alto.CDNIFilterParams
		want int // number of advertisements
	}{
		{"nil request", nil, 3},
		{"empty list", &alto.CDNIFilterParams{}, 3},
		{"covered value", https, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := c.FilteredCDNI(ctx, "", tt.req)
			if err != nil {
				t.Fatalf("FilteredCDNI: %v", err)
			}
			if n := len(a.Data.CapabilitiesWithFootprints); n != tt.want {
				t.Errorf("%d advertisements, want %d: %v", n, tt.want, capabilityTypes(a))
			}
			if a.Meta.VTag == nil || a.Meta.VTag.ResourceID != "my-filtered-cdnifci" {
				t.Errorf("vtag = %+v, want resource-id my-filtered-cdnifci", a.Meta.VTag)
			}
		})
	}

	a, err := c.FilteredCDNI(ctx, "my-filtered-cdnifci", https)
	if err != nil {
		t.Fatal(err)
	}
	got := a.Data.CapabilitiesWithFootprints[0].CapabilityValue
	if !strings.Contains(string(got), "https/1.1") {
		t.Errorf("the matching advertisement has value %s, want the one with https/1.1", got)
	}
}

func TestFilteredCDNIInvalidValue(t *testing.T) {
	c := startCDNIClient(t)
	req := &alto.CDNIFilterParams{Capabilities: []alto.CDNICapability{{
		CapabilityType:  alto.CapabilityDeliveryProtocol,
		CapabilityValue: json.RawMessage(`{"acquisition-protocols":["https/1.1"]}`),
	}}}
	_, err := c.FilteredCDNI(context.Background(), "", req)
	var altoErr *alto.Error
	if !errors.As(err, &altoErr) {
		t.Fatalf("error %v is not an ALTO error", err)
	}
	if altoErr.Code != alto.ErrInvalidFieldValue {
		t.Errorf("code = %v, want %v", altoErr.Code, alto.ErrInvalidFieldValue)
	}
	if altoErr.Field != "cdni-capabilities" {
		t.Errorf("field = %q, want cdni-capabilities", altoErr.Field)
	}
}

func TestCDNIResourceErrors(t *testing.T) {
	c := startCDNIClient(t)
	ctx := context.Background()
	if _, err := c.CDNI(ctx, "my-filtered-cdnifci"); err == nil || !strings.Contains(err.Error(), "read with GET") {
		t.Errorf("CDNI of the filtered resource: error %v, want one naming the GET form", err)
	}
	if _, err := c.FilteredCDNI(ctx, "my-default-cdnifci", nil); err == nil || !strings.Contains(err.Error(), alto.MediaTypeCDNIFilter) {
		t.Errorf("FilteredCDNI of the GET resource: error %v, want one naming %s", err, alto.MediaTypeCDNIFilter)
	}

	plain, _ := startClient(t)
	if _, err := plain.CDNI(ctx, ""); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("CDNI without a cdni resource: error %v, want ErrNotFound", err)
	}
}
