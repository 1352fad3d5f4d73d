package main

import (
	"encoding/json"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

func TestCapabilitiesText(t *testing.T) {
	tests := []struct {
		name string
		caps *alto.Capabilities
		want string
	}{
		{"property map", &alto.Capabilities{Mappings: map[string][]string{"ipv4": {".pid", ".asn"}, "asn": {"priv:prefixes"}}},
			"mappings=asn:priv:prefixes mappings=ipv4:.pid,.asn"},
		{"path vector", &alto.Capabilities{CostTypeNames: []string{"path-vector"}, ANEPropertyNames: []string{"max-reservable-bandwidth", "persistent-entity-id"}},
			"cost-types=path-vector ane-property-names=max-reservable-bandwidth,persistent-entity-id"},
		{"none", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := capabilitiesText(client.Resource{ResourceEntry: alto.ResourceEntry{Capabilities: tt.caps}}); got != tt.want {
				t.Errorf("capabilitiesText = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPathTextANEWithoutProperties(t *testing.T) {
	m := &client.PathVectorMap{
		Paths: map[string]map[string][]string{"a": {"b": {"ane1", "ane2"}}},
		Properties: alto.PropertyMap{PropertyMap: map[string]map[string]json.RawMessage{
			".ane:ane2": {"max-reservable-bandwidth": json.RawMessage("100")},
		}},
	}
	if got, want := pathText(m, "a", "b"), "ane1, ane2 (max-reservable-bandwidth 100)"; got != want {
		t.Errorf("pathText = %q, want %q", got, want)
	}
}
