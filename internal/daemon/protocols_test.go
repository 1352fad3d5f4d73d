package daemon_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/testcert"
	"github.com/goalto/goalto/internal/transport"
)

// TestEveryServiceOnEveryHTTPVersion serves the built-in network over
// TLS and checks that HTTP/1.1, HTTP/2 and HTTP/3 clients get the same
// bytes from every service.
func TestEveryServiceOnEveryHTTPVersion(t *testing.T) {
	cert := testcert.New(t, "altod")
	d := alttest.StartConfig(t, daemon.Config{Transport: transport.Config{
		CertFile:  cert.CertFile,
		KeyFile:   cert.KeyFile,
		Protocols: []transport.Protocol{transport.HTTP1, transport.HTTP2, transport.HTTP3},
	}})
	base := strings.TrimSuffix(d.IRDURL(), "/directory")
	h3, _ := testcert.H3Client(t, cert.Pool())
	clients := []struct {
		name  string
		c     *http.Client
		major int
	}{
		{"h1", testcert.H1Client(t, cert.Pool()), 1},
		{"h2", testcert.DefaultClient(t, cert.Pool()), 2},
		{"h3", h3, 3},
	}
	requests := []struct {
		method, path, contentType, body string
	}{
		{"GET", "/directory", "", ""},
		{"GET", "/networkmap", "", ""},
		{"GET", "/costmap/num/routingcost", "", ""},
		{"GET", "/costmap/ord/hopcount", "", ""},
		{"POST", "/networkmap/filtered", alto.MediaTypeNetworkMapFilter, `{"pids":["CERN","FNAL"]}`},
		{"POST", "/costmap/filtered", alto.MediaTypeCostMapFilter, `{"cost-type":{"cost-mode":"ordinal","cost-metric":"routingcost"},"pids":{"srcs":["CERN"],"dsts":[]}}`},
		{"POST", "/endpointprop/lookup", alto.MediaTypeEndpointPropParams, `{"properties":["lhcone-network-map.pid"],"endpoints":["ipv4:128.142.1.1","ipv6:2001:db8::1"]}`},
		{"POST", "/endpointcost/lookup", alto.MediaTypeEndpointCostParams, `{"cost-type":{"cost-mode":"numerical","cost-metric":"hopcount"},"endpoints":{"srcs":["ipv4:192.41.230.1"],"dsts":["ipv4:128.142.1.1","ipv4:131.225.184.1"]}}`},
		{"POST", "/costmap/filtered", alto.MediaTypeCostMapFilter, `{"cost-type":{"cost-mode":"numerical"}}`},
	}
	for _, rq := range requests {
		t.Run(rq.method+rq.path, func(t *testing.T) {
			var first []byte
			var firstStatus int
			for _, cl := range clients {
				req, err := http.NewRequest(rq.method, base+rq.path, strings.NewReader(rq.body))
				if err != nil {
					t.Fatal(err)
				}
				if rq.contentType != "" {
					req.Header.Set("Content-Type", rq.contentType)
				}
				resp, err := cl.c.Do(req)
				if err != nil {
					t.Fatalf("%s: %v", cl.name, err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatalf("%s: reading body: %v", cl.name, err)
				}
				if resp.ProtoMajor != cl.major {
					t.Errorf("%s: HTTP/%d, want HTTP/%d", cl.name, resp.ProtoMajor, cl.major)
				}
				if first == nil {
					first, firstStatus = body, resp.StatusCode
					continue
				}
				if resp.StatusCode != firstStatus || !bytes.Equal(body, first) {
					t.Errorf("%s: status %d with %d bytes, want status %d with the %d bytes of h1", cl.name, resp.StatusCode, len(body), firstStatus, len(first))
				}
			}
		})
	}
}
