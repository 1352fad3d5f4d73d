package transport

import (
	"bytes"
	"net/http"
	"testing"
)

// BenchmarkGET downloads the 1 MiB /big response with parallel clients
// over each protocol. h1 and h2 use TLS like h3, and h1-plain and h2c
// show the cost of TLS.
func BenchmarkGET(b *testing.B) {
	cert := newCert(b, "bench")
	plain := startServer(b, Config{Listen: "127.0.0.1:0"}, testHandler())
	secure := startServer(b, Config{Listen: "127.0.0.1:0", CertFile: cert.certFile, KeyFile: cert.keyFile}, testHandler())
	h3, _ := h3Client(b, cert.pool())

	benchmarks := []struct {
		name   string
		client *http.Client
		url    string
	}{
		{"h1-plain", h1Client(b, nil), plain.URL()},
		{"h2c", h2cClient(b), plain.URL()},
		{"h1", h1Client(b, cert.pool()), secure.URL()},
		{"h2", defaultClient(b, cert.pool()), secure.URL()},
		{"h3", h3, secure.URL()},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			get(b, bm.client, bm.url+"/big") // sets up a connection
			b.SetBytes(int64(len(bigBody)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_, body, err := tryGet(bm.client, bm.url+"/big")
					if err != nil {
						b.Error(err)
						return
					}
					if !bytes.Equal(body, bigBody) {
						b.Errorf("body of %d bytes differs from the handler's", len(body))
						return
					}
				}
			})
		})
	}
}
