package main

import (
	"slices"
	"testing"

	"github.com/goalto/goalto/alto"
)

func TestDiffStatesPropertyMap(t *testing.T) {
	before := []byte(`{"meta": {"vtag": {"resource-id": "pm", "tag": "1"}},
  "property-map": {"ipv4:192.0.2.0/24": {".pid": "a", ".asn": 1}, "ipv4:198.51.100.0/24": {".pid": "b"}}}`)
	after := []byte(`{"meta": {"vtag": {"resource-id": "pm", "tag": "2"}},
  "property-map": {"ipv4:192.0.2.0/24": {".pid": "c"}, "ipv4:203.0.113.0/24": {".pid": "d"}}}`)

	first, err := diffStates(alto.MediaTypePropMap, nil, before)
	if err != nil {
		t.Fatal(err)
	}
	if got := first.lines(); !slices.Equal(got, []string{"first state: 5 entries"}) {
		t.Errorf("first state lines = %q", got)
	}

	ch, err := diffStates(alto.MediaTypePropMap, before, after)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"added", ch.Added, []string{"/property-map/ipv4:203.0.113.0~124/.pid"}},
		{"removed", ch.Removed, []string{"/property-map/ipv4:192.0.2.0~124/.asn", "/property-map/ipv4:198.51.100.0~124/.pid"}},
		{"changed", ch.Changed, []string{"/meta/vtag/tag", "/property-map/ipv4:192.0.2.0~124/.pid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(tt.got, tt.want) {
				t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
			}
		})
	}
	lines := ch.lines()
	if len(lines) == 0 || lines[0] != "1 added, 2 removed, 2 changed" {
		t.Errorf("lines = %q, want a count line first", lines)
	}
}

func TestDiffStatesUnchangedCDNI(t *testing.T) {
	state := []byte(`{"meta": {}, "cdni-advertisement": {"capabilities-with-footprints": []}}`)
	ch, err := diffStates(alto.MediaTypeCDNI, state, state)
	if err != nil {
		t.Fatal(err)
	}
	if got := ch.lines(); !slices.Equal(got, []string{"no change in the values"}) {
		t.Errorf("lines = %q", got)
	}
}

func TestDiffStatesMultipartNotCompared(t *testing.T) {
	ch, err := diffStates("multipart/related;type=application/alto-costmap+json", []byte("--a"), []byte("--b"))
	if err != nil {
		t.Fatal(err)
	}
	if got := ch.lines(); !slices.Equal(got, []string{"not compared: the state is not one JSON document"}) {
		t.Errorf("lines = %q", got)
	}
}
