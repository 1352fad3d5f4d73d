package sse

import (
	"errors"
	"testing"

	"github.com/goalto/goalto/alto"
)

// FuzzDecodeRequests checks that the stream and control request
// decoders return a request or an ALTO error for any body.
func FuzzDecodeRequests(f *testing.F) {
	f.Add([]byte(`{"add": {"1": {"resource-id": "my-network-map"}}}`))
	f.Add([]byte(`{"add": {"c": {"resource-id": "my-cost-map", "tag": "abc", "incremental-changes": false}}, "remove": ["a"]}`))
	f.Add([]byte(`{"add": {"e": {"resource-id": "ecs", "input": {"cost-type": {"cost-mode": "numerical", "cost-metric": "routingcost"}}}}}`))
	f.Add([]byte(`{"remove": []}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for name, decode := range map[string]func([]byte) (*updateRequest, error){
			"stream": decodeStreamRequest, "control": decodeControlRequest,
		} {
			req, err := decode(body)
			if err != nil {
				var ae *alto.Error
				if !errors.As(err, &ae) {
					t.Fatalf("%s: error %v is not an ALTO error", name, err)
				}
				continue
			}
			if req == nil {
				t.Fatalf("%s: nil request without an error", name)
			}
		}
	})
}
