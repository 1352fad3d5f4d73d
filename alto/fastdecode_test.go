package alto

import (
	"reflect"
	"testing"
)

var endpointCostSeeds = []string{
	`{"cost-type":{"cost-mode":"ordinal","cost-metric":"routingcost"},"endpoints":{"srcs":["ipv4:192.0.2.2"],"dsts":["ipv4:192.0.2.89","ipv4:198.51.100.34"]}}`,
	`{"cost-type":{"cost-mode":"numerical","cost-metric":"hopcount"},"constraints":["le 5"],"endpoints":{"dsts":["ipv6:2001:db8::1"]}}`,
	`{"cost-type":{"cost-mode":"numerical"},"endpoints":{"srcs":["ipv4:192.0.2.2"]}}`,
	`{"COST-TYPE":{"cost-mode":"numerical","cost-metric":"x"},"endpoints":{"srcs":["ipv4:192.0.2.2"]}}`,
	`{"cost-type":{"cost-mode":"numerical","cost-metric":"x"},"endpoints":{"srcs":null}}`,
	`{"cost-type":{"cost-mode":"numerical","cost-metric":"x"},"endpoints":{"srcs":[1]}}`,
	`{"cost-type":{"cost-mode":"numerical","cost-metric":"x"},"constraints":["lt"],"endpoints":{"srcs":["ipv4:1.2.3.4"]}}`,
	`{"cost-type":{"cost-mode":"numerical","cost-metric":"x"},"endpoints":{}}`,
	`{"cost-type":{"cost-mode":"numerical","cost-metric":"x"}}`,
}

// FuzzEndpointCostFastPath checks that the one-pass decoder, whenever it
// decides, gives exactly the result of the detailed decoder.
func FuzzEndpointCostFastPath(f *testing.F) {
	for _, s := range endpointCostSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, ok, fastErr := decodeEndpointCostFast(body)
		if !ok {
			return
		}
		slow, slowErr := decodeEndpointCostDetailed(body)
		if !reflect.DeepEqual(fastErr, slowErr) {
			t.Fatalf("%s: fast error %v, detailed error %v", body, fastErr, slowErr)
		}
		if slowErr == nil && !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%s: fast %+v, detailed %+v", body, fast, slow)
		}
	})
}

func TestEndpointCostFastPathDecides(t *testing.T) {
	_, ok, err := decodeEndpointCostFast([]byte(endpointCostSeeds[0]))
	if !ok || err != nil {
		t.Fatalf("fast path on a valid request: ok %v, err %v; want it to decide without error", ok, err)
	}
	for _, s := range endpointCostSeeds[3:6] {
		if _, ok, _ := decodeEndpointCostFast([]byte(s)); ok {
			t.Errorf("fast path decided %s; want the detailed decoder", s)
		}
	}
}
