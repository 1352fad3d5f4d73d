package alto

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkEndpointLimit compares two ways to reject an endpoint cost
// request whose srcs list has one entry more than the limit of 1,000:
// decoding the whole request and then counting, as the server did
// before, and the count before decoding.
func BenchmarkEndpointLimit(b *testing.B) {
	const limit = 1000
	srcs := make([]string, limit+1)
	for i := range srcs {
		srcs[i] = fmt.Sprintf(`"ipv4:10.%d.%d.1"`, i/256, i%256)
	}
	body := []byte(`{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"endpoints":{"srcs":[` +
		strings.Join(srcs, ",") + `],"dsts":["ipv4:10.0.0.1"]}}`)
	b.Run("decode-then-count", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			req, err := DecodeEndpointCostParams(body)
			if err != nil || len(req.Endpoints.Srcs) <= limit {
				b.Fatalf("decoded %v, %v; want %d sources", req, err, limit+1)
			}
		}
	})
	b.Run("count-before-decoding", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := DecodeEndpointCostParamsLimit(body, limit); err == nil {
				b.Fatal("request over the limit accepted")
			}
		}
	})
}
