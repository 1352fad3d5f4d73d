package client_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/testcert"
	"github.com/goalto/goalto/internal/transport"
)

// protoRecorder is a transport wrapper that records the HTTP major
// version of every response.
type protoRecorder struct {
	next http.RoundTripper
	mu   *sync.Mutex
	seen *[]int
}

func (p protoRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := p.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	*p.seen = append(*p.seen, resp.ProtoMajor)
	p.mu.Unlock()
	return resp, nil
}

// protoLog collects the versions that its protoRecorders see.
type protoLog struct {
	mu   sync.Mutex
	seen []int
}

func (l *protoLog) wrap(next http.RoundTripper) http.RoundTripper {
	return protoRecorder{next: next, mu: &l.mu, seen: &l.seen}
}

// since returns the versions recorded after the first n.
func (l *protoLog) since(n int) []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]int(nil), l.seen[n:]...)
}

func (l *protoLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.seen)
}

// typedCalls returns every typed call of the client, each a function
// that fails the test on error.
func typedCalls(c *client.Client) []struct {
	name string
	call func(ctx context.Context) error
} {
	num := alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost}
	ord := alto.CostType{Mode: alto.CostModeOrdinal, Metric: alto.CostMetricHopCount}
	return []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Directory", func(ctx context.Context) error { _, err := c.Directory(ctx); return err }},
		{"NetworkMap", func(ctx context.Context) error { _, err := c.NetworkMap(ctx, ""); return err }},
		{"CostMapByType", func(ctx context.Context) error { _, err := c.CostMapByType(ctx, ord); return err }},
		{"CostMap", func(ctx context.Context) error {
			r, err := c.CostMapResource(ctx, num)
			if err != nil {
				return err
			}
			_, err = c.CostMap(ctx, r.ID)
			return err
		}},
		{"FilteredNetworkMap", func(ctx context.Context) error {
			_, err := c.FilteredNetworkMap(ctx, &alto.NetworkMapFilter{PIDs: []string{"CERN", "FNAL"}})
			return err
		}},
		{"FilteredCostMap", func(ctx context.Context) error {
			_, err := c.FilteredCostMap(ctx, &alto.CostMapFilter{CostType: num, PIDs: &alto.PIDFilter{Srcs: []string{"CERN"}}})
			return err
		}},
		{"EndpointProperties", func(ctx context.Context) error {
			_, err := c.EndpointProperties(ctx, &alto.EndpointPropParams{Properties: []string{"lhcone-network-map.pid"}, Endpoints: []string{"ipv4:128.142.1.1"}})
			return err
		}},
		{"EndpointCost", func(ctx context.Context) error {
			_, err := c.EndpointCost(ctx, &alto.EndpointCostParams{CostType: num,
				Endpoints: alto.EndpointFilter{Srcs: []string{"ipv4:192.41.230.1"}, Dsts: []string{"ipv4:128.142.1.1"}}})
			return err
		}},
		{"LocalCostMap", func(ctx context.Context) error {
			lm, err := c.LocalCostMap(ctx, ord)
			if err != nil {
				return err
			}
			_, err = lm.Refresh(ctx)
			return err
		}},
	}
}

func TestEveryCallOverTLS(t *testing.T) {
	cert := testcert.New(t, "altod")
	d := alttest.StartConfig(t, daemon.Config{Transport: transport.Config{
		CertFile:  cert.CertFile,
		KeyFile:   cert.KeyFile,
		Protocols: []transport.Protocol{transport.HTTP1, transport.HTTP2, transport.HTTP3},
	}})
	if !strings.HasPrefix(d.IRDURL(), "https://") {
		t.Fatalf("IRD URL %s is not https", d.IRDURL())
	}
	tlsConfig := testcert.TLSConfig(cert.Pool())
	versions := []struct {
		name  string
		opt   client.Option
		major int
	}{
		{"h3 with WithHTTP3", client.WithHTTP3(tlsConfig), 3},
		{"h2 with WithTLSConfig", client.WithTLSConfig(tlsConfig), 2},
		{"h2 with the default transport", client.WithHTTPClient(testcert.DefaultClient(t, cert.Pool())), 2},
	}
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			log := &protoLog{}
			c := strictClient(t, d.IRDURL(), v.opt, client.WithTransportWrapper(log.wrap))
			t.Cleanup(func() {
				if err := c.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			for _, tc := range typedCalls(c) {
				t.Run(tc.name, func(t *testing.T) {
					before := log.len()
					if err := tc.call(context.Background()); err != nil {
						t.Fatalf("%s: %v", tc.name, err)
					}
					seen := log.since(before)
					if len(seen) == 0 {
						t.Fatal("no response recorded")
					}
					for i, major := range seen {
						if major != v.major {
							t.Errorf("response %d: HTTP/%d, want HTTP/%d", i, major, v.major)
						}
					}
				})
			}
		})
	}
}

func TestCloseEndsHTTP3(t *testing.T) {
	cert := testcert.New(t, "altod")
	d := alttest.StartConfig(t, daemon.Config{Transport: transport.Config{
		CertFile:  cert.CertFile,
		KeyFile:   cert.KeyFile,
		Protocols: []transport.Protocol{transport.HTTP1, transport.HTTP3},
	}})
	c := strictClient(t, d.IRDURL(), client.WithHTTP3(testcert.TLSConfig(cert.Pool())))
	ctx := context.Background()
	if _, err := c.Directory(ctx); err != nil {
		t.Fatalf("Directory before Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := c.Directory(ctx); err == nil {
		t.Error("Directory after Close succeeded, want an error from the closed transport")
	}
}

func TestNewRejectsInvalidTransportWrapper(t *testing.T) {
	tests := []struct {
		name string
		wrap func(http.RoundTripper) http.RoundTripper
	}{
		{"nil wrapper", nil},
		{"wrapper returning nil", func(http.RoundTripper) http.RoundTripper { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := client.New("http://127.0.0.1/directory", client.WithTransportWrapper(tt.wrap)); err == nil {
				t.Error("New succeeded, want an error")
			}
		})
	}
}

func TestNewRejectsEmptyDigestUser(t *testing.T) {
	if _, err := client.New("http://127.0.0.1/directory", client.WithDigestAuth("", "secret")); err == nil {
		t.Error("New with an empty Digest user name succeeded, want an error")
	}
}

func TestWithHTTPClientLeftUnchanged(t *testing.T) {
	hc := &http.Client{}
	if _, err := client.New("http://127.0.0.1/directory", client.WithHTTPClient(hc)); err != nil {
		t.Fatalf("New: %v", err)
	}
	if hc.Transport != nil {
		t.Errorf("New changed the caller's http.Client: Transport = %T", hc.Transport)
	}
}
