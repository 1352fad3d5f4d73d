package tips_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/tips"
)

// filteredDefinition is definitionText with a filtered network map, a
// POST-mode resource whose views are one per distinct input.
var filteredDefinition = strings.Replace(definitionText,
	"  - {id: tips, type: tips, path: /tips}\n",
	"  - {id: my-filtered-map, type: filtered-network-map, path: /networkmap/filtered}\n"+
		"  - {id: tips, type: tips, path: /tips, uses: [my-network-map, my-routingcost-map, my-hopcount-map, my-filtered-map]}\n", 1)

// secondClientIP is a loopback address other than 127.0.0.1, so that a
// test has two clients for the per-client limit.
const secondClientIP = "127.0.0.2"

// newClientFrom returns an HTTP/1.1 client whose connections come from
// the loopback address ip.
func newClientFrom(t *testing.T, ip string) *client {
	t.Helper()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DisableCompression: true, DialContext: dialer.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &client{proto: protoHTTP1, http: &http.Client{Transport: tr}}
}

// openInput sends an open request for the filtered network map with an
// input.
func (c *client) openInput(t *testing.T, s *testServer, input string) *response {
	t.Helper()
	return c.mustDo(t, http.MethodPost, s.origin+tipsPath, paramsHeader(), `{"resource-id": "my-filtered-map", "input": `+input+`}`)
}

// openRaw sends an open request for a resource without checking the
// response.
func (c *client) openRaw(t *testing.T, s *testServer, resourceID string) *response {
	t.Helper()
	return c.mustDo(t, http.MethodPost, s.origin+tipsPath, paramsHeader(), `{"resource-id": "`+resourceID+`"}`)
}

// checkClientLimit checks the 429 response of the per-client view limit:
// an ALTO error and a Retry-After of 1 to maxSeconds seconds.
func checkClientLimit(t *testing.T, name string, r *response, maxSeconds int) {
	t.Helper()
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("%s: status %d, want 429; body %s", name, r.status, r.body)
	}
	seconds, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || seconds < 1 || seconds > maxSeconds {
		t.Errorf("%s: Retry-After %q, want 1 to %d seconds", name, r.header.Get("Retry-After"), maxSeconds)
	}
	if e := r.altoError(t); e.Code != alto.ErrInvalidFieldValue {
		t.Errorf("%s: error code %s, want %s", name, e.Code, alto.ErrInvalidFieldValue)
	}
}

// TestViewLimitPerClient checks that a client may hold references to at
// most MaxViewsPerClient views, counted by IP address. The views of
// distinct inputs and the shared views both count. A view the client
// holds may be opened again, and another client is not affected.
func TestViewLimitPerClient(t *testing.T) {
	s := startServer(t, newNetwork(t, filteredDefinition, baseTopology), tips.Config{MaxViewsPerClient: 2})
	first, second := newClient(t, protoHTTP1), newClientFrom(t, secondClientIP)

	held := first.openInput(t, s, `{"pids": []}`)
	if held.status != http.StatusOK {
		t.Fatalf("first view: status %d; body %s", held.status, held.body)
	}
	if r := first.openInput(t, s, `{"pids": ["a"]}`); r.status != http.StatusOK {
		t.Fatalf("second view, at the limit: status %d; body %s", r.status, r.body)
	}
	checkClientLimit(t, "third input", first.openInput(t, s, `{"pids": ["b"]}`), int(tips.DefaultViewIdleTimeout.Seconds()))
	checkClientLimit(t, "shared view over the limit", first.openRaw(t, s, networkMapID), int(tips.DefaultViewIdleTimeout.Seconds()))
	if r := first.openInput(t, s, `{"pids": []}`); r.status != http.StatusOK || string(r.body) != string(held.body) {
		t.Errorf("reopening a held view: status %d, body %s; want 200 and %s", r.status, r.body, held.body)
	}

	if r := second.openInput(t, s, `{"pids": ["b"]}`); r.status != http.StatusOK {
		t.Errorf("another client's view: status %d; body %s", r.status, r.body)
	}
	second.open(t, s, networkMapID, "")
	if got := s.svc.ClientViews("127.0.0.1"); got != 2 {
		t.Errorf("views of 127.0.0.1: %d, want 2", got)
	}
	if got := s.svc.ClientViews(secondClientIP); got != 2 {
		t.Errorf("views of %s: %d, want 2", secondClientIP, got)
	}
	if got := s.svc.Stats().Views; got != 4 {
		t.Errorf("open views: %d, want 4", got)
	}
	if got := s.d.Handler().Rejections()[server.ReasonTIPSViews]; got != 2 {
		t.Errorf("rejections counted as %s: %d, want 2", server.ReasonTIPSViews, got)
	}

	// The server still serves the views and other requests.
	var open openResponse
	if err := json.Unmarshal(held.body, &open); err != nil {
		t.Fatalf("decoding %s: %v", held.body, err)
	}
	if r := first.mustDo(t, http.MethodGet, edgeURI(open.TIPSViewURI, 0, open.TIPSViewSummary.UpdatesGraphSummary.EndSeq), nil, ""); r.status != http.StatusOK {
		t.Errorf("snapshot of a held view: status %d; body %s", r.status, r.body)
	}
	if r := first.mustDo(t, http.MethodGet, s.origin+resourcePaths[networkMapID], nil, ""); r.status != http.StatusOK {
		t.Errorf("GET network map: status %d", r.status)
	}
}

// TestTotalViewLimitCounted checks that a view over MaxViews is counted
// as a rejection with the reason of the view limits.
func TestTotalViewLimitCounted(t *testing.T) {
	s := startServer(t, newNetwork(t, definitionText, baseTopology), tips.Config{MaxViews: 1})
	c := newClient(t, protoHTTP1)
	c.open(t, s, networkMapID, "")
	if r := c.openRaw(t, s, routingCostID); r.status != http.StatusTooManyRequests {
		t.Fatalf("view over the total: status %d, want 429; body %s", r.status, r.body)
	}
	if got := s.d.Handler().Rejections()[server.ReasonTIPSViews]; got != 1 {
		t.Errorf("rejections counted as %s: %d, want 1", server.ReasonTIPSViews, got)
	}
}

// TestClientReferenceExpires checks that a client's reference ends when
// the client has sent no request to the view for the idle timeout, even
// while another client keeps the view open with a long poll.
func TestClientReferenceExpires(t *testing.T) {
	const idle = 200 * time.Millisecond
	s := startServer(t, newNetwork(t, definitionText, baseTopology), tips.Config{MaxViewsPerClient: 1, ViewIdleTimeout: idle})
	first, second := newClient(t, protoHTTP1), newClientFrom(t, secondClientIP)

	shared := first.open(t, s, networkMapID, "")
	if again := second.open(t, s, networkMapID, ""); again.TIPSViewURI != shared.TIPSViewURI {
		t.Fatalf("second client got view %s, want the shared view %s", again.TIPSViewURI, shared.TIPSViewURI)
	}
	end := shared.TIPSViewSummary.UpdatesGraphSummary.EndSeq
	poll, cancel := startPoll(t, second, edgeURI(shared.TIPSViewURI, end, end+1), alto.MediaTypeNetworkMap)
	s.waitForWaiters(t, 1)
	checkClientLimit(t, "second view of the first client", first.openRaw(t, s, routingCostID), 1)

	time.Sleep(3 * idle)
	if got := s.svc.ClientViews("127.0.0.1"); got != 0 {
		t.Errorf("views of 127.0.0.1 after the idle timeout: %d, want 0", got)
	}
	first.open(t, s, routingCostID, "")
	if again := second.open(t, s, networkMapID, ""); again.TIPSViewURI != shared.TIPSViewURI {
		t.Errorf("view during a long poll: %s, want the open view %s", again.TIPSViewURI, shared.TIPSViewURI)
	}

	cancel()
	if out := <-poll; !errors.Is(out.err, context.Canceled) {
		t.Errorf("canceled long poll: response %v, error %v; want context.Canceled", out.r, out.err)
	}
}
