package advert

import (
	"encoding/json"
	"testing"

	"github.com/goalto/goalto/alto"
)

func TestCovers(t *testing.T) {
	tests := []struct {
		name       string
		advertised string
		requested  string
		want       bool
	}{
		{"equal", `{"delivery-protocols":["http/1.1"]}`, `{"delivery-protocols":["http/1.1"]}`, true},
		{"superset", `{"delivery-protocols":["https/1.1","http/1.1"]}`, `{"delivery-protocols":["https/1.1"]}`, true},
		{"subset", `{"delivery-protocols":["http/1.1"]}`, `{"delivery-protocols":["https/1.1","http/1.1"]}`, false},
		{"empty request list", `{"delivery-protocols":["http/1.1"]}`, `{"delivery-protocols":[]}`, true},
		{"empty request object", `{"delivery-protocols":["http/1.1"]}`, `{}`, true},
		{"missing member", `{"delivery-protocols":["http/1.1"]}`, `{"acquisition-protocols":["http/1.1"]}`, false},
		{"nested object", `{"a":{"b":["x","y"],"c":1}}`, `{"a":{"b":["y"]}}`, true},
		{"scalar differs", `{"a":1}`, `{"a":2}`, false},
		{"array against object", `["http/1.1"]`, `{"delivery-protocols":["http/1.1"]}`, false},
		{"invalid JSON", `{`, `{}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Covers(json.RawMessage(tt.advertised), json.RawMessage(tt.requested)); got != tt.want {
				t.Errorf("Covers(%s, %s) = %v, want %v", tt.advertised, tt.requested, got, tt.want)
			}
		})
	}
}

func TestTagFollowsContent(t *testing.T) {
	obj := func(value string) []alto.BaseAdvertisementObject {
		return []alto.BaseAdvertisementObject{{CapabilityType: alto.CapabilityDeliveryProtocol, CapabilityValue: json.RawMessage(value)}}
	}
	a := New(obj(`{"delivery-protocols": ["http/1.1"]}`), nil)
	tests := []struct {
		name string
		b    *Advertisement
		same bool
	}{
		{"same content, other spacing", New(obj(`{"delivery-protocols":["http/1.1"]}`), nil), true},
		{"other value", New(obj(`{"delivery-protocols":["https/1.1"]}`), nil), false},
		{"with network map", New(obj(`{"delivery-protocols":["http/1.1"]}`), &alto.VersionTag{ResourceID: "m", Tag: "1"}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if (a.Tag() == tt.b.Tag()) != tt.same {
				t.Errorf("tags %s and %s: same %v, want %v", a.Tag(), tt.b.Tag(), a.Tag() == tt.b.Tag(), tt.same)
			}
			if len(a.Tag()) != 40 {
				t.Errorf("tag %q has %d characters, want 40", a.Tag(), len(a.Tag()))
			}
		})
	}
}
