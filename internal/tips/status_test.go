package tips_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/tips"
	"github.com/goalto/goalto/internal/updates"
)

// startWithHistory serves the test network and changes the metric of
// link a-b until the routingcost map has more versions than the engine
// keeps, so that its start-seq is above 1. It returns the server, a
// client and the routingcost view with its summary.
func startWithHistory(t *testing.T) (*testServer, *client, string, summary) {
	t.Helper()
	s := startServer(t, newNetwork(t, definitionText, baseTopology), tips.Config{})
	topo := baseTopology
	for range updates.DefaultMaxVersions + 2 {
		topo.abMetric++
		s.change(t, topo)
	}
	c := newClient(t, protoHTTP1)
	view := c.open(t, s, routingCostID, "").TIPSViewURI
	sum := c.nextEdge(t, view, routingCostID, "")
	if sum.StartSeq < 2 || sum.EndSeq-sum.StartSeq < 8 {
		t.Fatalf("routingcost versions %d to %d; the test needs start-seq above 1 and at least 9 versions", sum.StartSeq, sum.EndSeq)
	}
	return s, c, view, sum
}

// TestItemStatusCodes checks the status of update item requests for
// every case of RFC 9569, Section 7.2 that needs no waiting.
func TestItemStatusCodes(t *testing.T) {
	_, c, view, sum := startWithHistory(t)
	start, end := sum.StartSeq, sum.EndSeq
	tests := []struct {
		name   string
		i, j   uint64
		status int
	}{
		{"snapshot of end-seq", 0, end, http.StatusOK},
		{"snapshot of start-seq", 0, start, http.StatusOK},
		{"incremental update", end - 1, end, http.StatusOK},
		{"oldest incremental update", start, start + 1, http.StatusOK},
		{"shortcut", end - 2, end, http.StatusOK},
		{"same version", end, end, http.StatusNotFound},
		{"backwards", end, end - 1, http.StatusNotFound},
		{"snapshot no longer kept", 0, start + 1, http.StatusNotFound},
		{"shortcut from dropped body", start + 1, end, http.StatusNotFound},
		{"source below start-seq", start - 1, end, http.StatusGone},
		{"target below start-seq", 0, start - 1, http.StatusGone},
		{"two versions ahead", end, end + 2, http.StatusTooEarly},
		{"next version from older source", end - 1, end + 1, http.StatusTooEarly},
		{"source beyond end-seq", end + 1, end + 2, http.StatusTooEarly},
		{"maximum sequence number", end, 1<<64 - 1, http.StatusTooEarly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.mustDo(t, http.MethodGet, edgeURI(view, tt.i, tt.j), itemAccept(alto.MediaTypeCostMap), "")
			if r.status != tt.status {
				t.Fatalf("GET ug/%d/%d: status %d, want %d; body %s", tt.i, tt.j, r.status, tt.status, r.body)
			}
			if tt.status != http.StatusOK {
				checkErrorResponse(t, r, alto.ErrInvalidFieldValue)
				return
			}
			checkItemHeaders(t, r, tt.i, tt.j)
		})
	}
}

// checkErrorResponse checks an application/alto-error+json response
// that caches must not store.
func checkErrorResponse(t *testing.T, r *response, code alto.ErrorCode) {
	t.Helper()
	e := r.altoError(t)
	if e.Code != code {
		t.Errorf("error code %s, want %s", e.Code, code)
	}
	if e.Message == "" && e.SyntaxError == "" {
		t.Error("error response without message or syntax-error")
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
}

// checkItemHeaders checks the media type and caching headers of an
// update item.
func checkItemHeaders(t *testing.T, r *response, i, j uint64) {
	t.Helper()
	switch mt := r.mediaType(); {
	case i == 0 && mt != alto.MediaTypeCostMap:
		t.Errorf("snapshot Content-Type %q, want %s", mt, alto.MediaTypeCostMap)
	case i != 0 && mt != alto.MediaTypeMergePatch && mt != alto.MediaTypeJSONPatch && mt != alto.MediaTypeCostMap:
		t.Errorf("incremental update Content-Type %q, want a patch type or %s", mt, alto.MediaTypeCostMap)
	}
	if got, want := r.header.Get("ETag"), fmt.Sprintf(`W/"%d-%d"`, i, j); got != want {
		t.Errorf("ETag %q, want %q", got, want)
	}
	if got := r.header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
		t.Errorf("Cache-Control %q, want an immutable item", got)
	}
	if got := r.header.Get("Content-Length"); got != strconv.Itoa(len(r.body)) {
		t.Errorf("Content-Length %q for a body of %d bytes", got, len(r.body))
	}
}

// TestItemMalformedSequence checks that a sequence number that is not
// a canonical decimal uint64 gets 404 in plain text, in either position,
// because such a path names no update item.
func TestItemMalformedSequence(t *testing.T) {
	s := startServer(t, newNetwork(t, definitionText, baseTopology), tips.Config{})
	c := newClient(t, protoHTTP1)
	view := c.open(t, s, routingCostID, "").TIPSViewURI
	values := []string{"abc", "-1", "+1", "18446744073709551616", "1.5", "", "01", "0x1", "1e3", "%201"}
	for _, v := range values {
		for _, position := range []string{"i", "j"} {
			t.Run(position+"="+v, func(t *testing.T) {
				path := view + "/ug/" + v + "/2"
				if position == "j" {
					path = view + "/ug/0/" + v
				}
				r := c.mustDo(t, http.MethodGet, path, itemAccept(alto.MediaTypeCostMap), "")
				if r.status != http.StatusNotFound {
					t.Fatalf("GET %s: status %d, want 404; body %s", path, r.status, r.body)
				}
				checkPlainText(t, r, "in ug/<i>/<j> is invalid")
			})
		}
	}
}

// TestItemRequests checks media type negotiation, methods, conditional
// requests and paths that name no update item.
func TestItemRequests(t *testing.T) {
	s := startServer(t, newNetwork(t, definitionText, baseTopology), tips.Config{})
	c := newClient(t, protoHTTP1)
	open := c.open(t, s, routingCostID, "")
	view := open.TIPSViewURI
	s.change(t, topology{abMetric: 99, ceMetric: 4, dPrefixes: baseTopology.dPrefixes, ePrefixes: baseTopology.ePrefixes})
	end := c.nextEdge(t, view, routingCostID, "").EndSeq

	t.Run("Accept excludes patch", func(t *testing.T) {
		h := http.Header{"Accept": {alto.MediaTypeCostMap + ", " + alto.MediaTypeError}}
		r := c.mustDo(t, http.MethodGet, edgeURI(view, end-1, end), h, "")
		if r.status != http.StatusUnsupportedMediaType {
			t.Fatalf("status %d, want 415; body %s", r.status, r.body)
		}
		checkErrorResponse(t, r, alto.ErrInvalidFieldValue)
	})
	t.Run("Accept excludes snapshot", func(t *testing.T) {
		h := http.Header{"Accept": {alto.MediaTypeMergePatch + ", " + alto.MediaTypeJSONPatch}}
		r := c.mustDo(t, http.MethodGet, edgeURI(view, 0, end), h, "")
		if r.status != http.StatusUnsupportedMediaType {
			t.Fatalf("status %d, want 415; body %s", r.status, r.body)
		}
	})
	t.Run("wildcard Accept", func(t *testing.T) {
		h := http.Header{"Accept": {"application/*"}}
		r := c.mustDo(t, http.MethodGet, edgeURI(view, 0, end), h, "")
		if r.status != http.StatusOK || r.mediaType() != alto.MediaTypeCostMap {
			t.Fatalf("status %d, Content-Type %q; want 200 %s", r.status, r.mediaType(), alto.MediaTypeCostMap)
		}
	})
	t.Run("snapshot equals resource", func(t *testing.T) {
		r := c.mustDo(t, http.MethodGet, edgeURI(view, 0, end), itemAccept(alto.MediaTypeCostMap), "")
		want, _ := c.fetchResource(t, s, routingCostID)
		if ok, diff := sameJSON(t, r.body, want); !ok {
			t.Fatalf("snapshot 0 to %d differs from GET of the cost map:%s", end, diff)
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		r := c.mustDo(t, http.MethodHead, edgeURI(view, 0, end), itemAccept(alto.MediaTypeCostMap), "")
		if r.status != http.StatusOK || len(r.body) != 0 {
			t.Fatalf("status %d with %d body bytes, want 200 without body", r.status, len(r.body))
		}
		if n, err := strconv.Atoi(r.header.Get("Content-Length")); err != nil || n == 0 {
			t.Errorf("Content-Length %q, want the size of the item", r.header.Get("Content-Length"))
		}
	})
	t.Run("If-None-Match", func(t *testing.T) {
		first := c.mustDo(t, http.MethodGet, edgeURI(view, end-1, end), itemAccept(alto.MediaTypeCostMap), "")
		h := itemAccept(alto.MediaTypeCostMap)
		h.Set("If-None-Match", first.header.Get("ETag"))
		r := c.mustDo(t, http.MethodGet, edgeURI(view, end-1, end), h, "")
		if r.status != http.StatusNotModified {
			t.Fatalf("status %d, want 304", r.status)
		}
	})
	t.Run("POST on item", func(t *testing.T) {
		r := c.mustDo(t, http.MethodPost, edgeURI(view, 0, end), paramsHeader(), `{}`)
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET, HEAD" {
			t.Fatalf("status %d, Allow %q; want 405 with Allow: GET, HEAD", r.status, r.header.Get("Allow"))
		}
	})

	u, err := url.Parse(view)
	if err != nil {
		t.Fatal(err)
	}
	token := u.Path[strings.LastIndexByte(u.Path, '/')+1:]
	// An item path of a view that does not exist gets the ALTO error of
	// RFC 9569, Section 7.2.
	noView := map[string]string{
		"wrong token":      strings.TrimSuffix(view, token) + "AAAAAAAAAAAAAAAAAAAAAAAAAA/ug/0/1",
		"other resource":   strings.Replace(view, routingCostID, hopCountID, 1) + "/ug/0/1",
		"unknown resource": strings.Replace(view, routingCostID, "no-such-map", 1) + "/ug/0/1",
	}
	for _, name := range sortedKeys(noView) {
		t.Run(name, func(t *testing.T) {
			r := c.mustDo(t, http.MethodGet, noView[name], itemAccept(alto.MediaTypeCostMap), "")
			if r.status != http.StatusNotFound {
				t.Fatalf("GET %s: status %d, want 404; body %s", noView[name], r.status, r.body)
			}
			checkErrorResponse(t, r, alto.ErrInvalidFieldValue)
		})
	}
	// Other paths name no TIPS resource and get 404 in plain text.
	unknown := map[string]string{
		"edge without j":  view + "/ug/1",
		"edge with extra": view + "/ug/1/2/3",
		"trailing slash":  view + "/ug/0/1/",
		"prefix only":     s.origin + tips.DefaultViewPrefix,
	}
	for _, name := range sortedKeys(unknown) {
		t.Run(name, func(t *testing.T) {
			r := c.mustDo(t, http.MethodGet, unknown[name], itemAccept(alto.MediaTypeCostMap), "")
			if r.status != http.StatusNotFound {
				t.Fatalf("GET %s: status %d, want 404; body %s", unknown[name], r.status, r.body)
			}
			checkPlainText(t, r, "no TIPS resource at this path")
		})
	}
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		t.Run(method+" on view URI", func(t *testing.T) {
			r := c.mustDo(t, method, view, itemAccept(alto.MediaTypeCostMap), "")
			if r.status != http.StatusNotFound {
				t.Fatalf("%s %s: status %d, want 404; body %s", method, view, r.status, r.body)
			}
			checkPlainText(t, r, "a TIPS view URI serves no request itself")
		})
	}
}

// checkPlainText checks that a response is text/plain and contains want.
func checkPlainText(t *testing.T, r *response, want string) {
	t.Helper()
	if r.mediaType() != "text/plain" {
		t.Errorf("Content-Type %q, want text/plain; body %s", r.header.Get("Content-Type"), r.body)
	}
	if !strings.Contains(string(r.body), want) {
		t.Errorf("body %q does not contain %q", r.body, want)
	}
}

// pollOutcome is the outcome of a long poll started in the background.
type pollOutcome struct {
	r   *response
	err error
}

// startPoll sends a request in the background; cancel ends it.
func startPoll(t *testing.T, c *client, uri, mediaType string) (<-chan pollOutcome, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	out := make(chan pollOutcome, 1)
	go func() {
		r, err := c.do(ctx, http.MethodGet, uri, itemAccept(mediaType), "")
		out <- pollOutcome{r, err}
	}()
	return out, cancel
}

// TestLongPollLimits checks the 429 responses of RFC 9569, Section 7.2
// when the long polls of one view or of all views reach their limit.
func TestLongPollLimits(t *testing.T) {
	s := startServer(t, newNetwork(t, definitionText, baseTopology), tips.Config{MaxWaiters: 2, MaxWaitersPerView: 1})
	c := newClient(t, protoH2C)
	views, next := map[string]string{}, map[string]string{}
	for _, id := range sortedKeys(resourcePaths) {
		open := c.open(t, s, id, "")
		end := open.TIPSViewSummary.UpdatesGraphSummary.EndSeq
		views[id], next[id] = open.TIPSViewURI, edgeURI(open.TIPSViewURI, end, end+1)
	}

	first, cancelFirst := startPoll(t, c, next[routingCostID], alto.MediaTypeCostMap)
	s.waitForWaiters(t, 1)
	r := c.mustDo(t, http.MethodGet, next[routingCostID], itemAccept(alto.MediaTypeCostMap), "")
	checkTooMany(t, "second long poll of one view", r)

	second, cancelSecond := startPoll(t, c, next[networkMapID], alto.MediaTypeNetworkMap)
	s.waitForWaiters(t, 2)
	r = c.mustDo(t, http.MethodGet, next[hopCountID], itemAccept(alto.MediaTypeCostMap), "")
	checkTooMany(t, "third long poll in total", r)

	cancelFirst()
	cancelSecond()
	for _, ch := range []<-chan pollOutcome{first, second} {
		if out := <-ch; !errors.Is(out.err, context.Canceled) {
			t.Errorf("canceled long poll: response %v, error %v; want context.Canceled", out.r, out.err)
		}
	}
	s.waitForWaiters(t, 0)
	again, cancelAgain := startPoll(t, c, next[routingCostID], alto.MediaTypeCostMap)
	s.waitForWaiters(t, 1)
	cancelAgain()
	if out := <-again; !errors.Is(out.err, context.Canceled) {
		t.Errorf("long poll after the others ended: response %v, error %v; want it to wait until canceled", out.r, out.err)
	}
	s.waitForWaiters(t, 0)
	if got := s.svc.Stats().Views; got != len(views) {
		t.Errorf("open views: %d, want %d", got, len(views))
	}
}

func checkTooMany(t *testing.T, name string, r *response) {
	t.Helper()
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("%s: status %d, want 429; body %s", name, r.status, r.body)
	}
	if got := r.header.Get("Retry-After"); got != "1" {
		t.Errorf("%s: Retry-After %q, want 1", name, got)
	}
	checkErrorResponse(t, r, alto.ErrInvalidFieldValue)
}

// TestLongPollTimeout checks that a long poll without a new version
// within the timeout gets 425 with Retry-After: 0, for both edges of the
// long polling window.
func TestLongPollTimeout(t *testing.T) {
	s := startServer(t, newNetwork(t, definitionText, baseTopology), tips.Config{LongPollTimeout: time.Nanosecond})
	c := newClient(t, protoHTTP1)
	open := c.open(t, s, routingCostID, "")
	end := open.TIPSViewSummary.UpdatesGraphSummary.EndSeq
	for _, i := range []uint64{end, 0} {
		t.Run(fmt.Sprintf("edge %d to end-seq+1", i), func(t *testing.T) {
			r := c.mustDo(t, http.MethodGet, edgeURI(open.TIPSViewURI, i, end+1), itemAccept(alto.MediaTypeCostMap), "")
			if r.status != http.StatusTooEarly {
				t.Fatalf("status %d, want 425; body %s", r.status, r.body)
			}
			if got := r.header.Get("Retry-After"); got != "0" {
				t.Errorf("Retry-After %q, want 0", got)
			}
			checkErrorResponse(t, r, alto.ErrInvalidFieldValue)
		})
	}
}

// TestLongPollSnapshot checks that a long poll for the snapshot of the
// next version gets that snapshot once it is published.
func TestLongPollSnapshot(t *testing.T) {
	s := startServer(t, newNetwork(t, definitionText, baseTopology), tips.Config{})
	c := newClient(t, protoH2C)
	open := c.open(t, s, routingCostID, "")
	end := open.TIPSViewSummary.UpdatesGraphSummary.EndSeq
	poll, _ := startPoll(t, c, edgeURI(open.TIPSViewURI, 0, end+1), alto.MediaTypeCostMap)
	s.waitForWaiters(t, 1)
	topo := baseTopology
	topo.abMetric = 77
	s.change(t, topo)
	out := <-poll
	if out.err != nil {
		t.Fatal(out.err)
	}
	if out.r.status != http.StatusOK || out.r.mediaType() != alto.MediaTypeCostMap {
		t.Fatalf("status %d, Content-Type %q; want 200 %s", out.r.status, out.r.mediaType(), alto.MediaTypeCostMap)
	}
	want, _ := c.fetchResource(t, s, routingCostID)
	if ok, diff := sameJSON(t, out.r.body, want); !ok {
		t.Fatalf("snapshot differs from GET of the cost map:%s", diff)
	}
}

// TestViewClosedWhenResourceRemoved removes a resource from the
// definition while a long poll waits on its view: the long poll gets
// 404, the resource can no longer be opened, and once it is back its
// view has a new URI.
func TestViewClosedWhenResourceRemoved(t *testing.T) {
	n := newNetwork(t, definitionText, baseTopology)
	s := startServer(t, n, tips.Config{})
	c := newClient(t, protoHTTP1)
	open := c.open(t, s, hopCountID, "")
	end := open.TIPSViewSummary.UpdatesGraphSummary.EndSeq
	poll, _ := startPoll(t, c, edgeURI(open.TIPSViewURI, end, end+1), alto.MediaTypeCostMap)
	s.waitForWaiters(t, 1)

	without := strings.Replace(definitionText,
		"  - {id: my-hopcount-map, type: cost-map, path: /costmap/hopcount, cost-types: [num-hopcount]}\n", "", 1)
	writeFile(t, n.definition, without)
	if err := s.d.Reload(); err != nil {
		t.Fatal(err)
	}
	out := <-poll
	if out.err != nil {
		t.Fatal(out.err)
	}
	if out.r.status != http.StatusNotFound {
		t.Fatalf("long poll on a removed resource: status %d, want 404; body %s", out.r.status, out.r.body)
	}
	r := c.mustDo(t, http.MethodPost, s.origin+tipsPath, paramsHeader(), `{"resource-id": "`+hopCountID+`"}`)
	if r.status != http.StatusBadRequest {
		t.Fatalf("open of a removed resource: status %d, want 400", r.status)
	}

	writeFile(t, n.definition, definitionText)
	if err := s.d.Reload(); err != nil {
		t.Fatal(err)
	}
	reopened := c.open(t, s, hopCountID, "")
	if reopened.TIPSViewURI == open.TIPSViewURI {
		t.Errorf("view URI %s reused after the resource came back", reopened.TIPSViewURI)
	}
	r = c.mustDo(t, http.MethodGet, edgeURI(open.TIPSViewURI, 0, end), itemAccept(alto.MediaTypeCostMap), "")
	if r.status != http.StatusNotFound {
		t.Errorf("item of the closed view: status %d, want 404", r.status)
	}
}

// TestLongPollShutdown checks that pending long polls over HTTP/1.1
// and h2c get 503 when the server shuts down, instead of holding up
// the shutdown until their timeout.
func TestLongPollShutdown(t *testing.T) {
	n := newNetwork(t, definitionText, baseTopology)
	svc := tips.New(tips.Config{LongPollTimeout: time.Hour})
	d, err := daemon.Start(daemon.Config{
		Listen:         "127.0.0.1:0",
		Definition:     n.definition,
		ReloadInterval: -1,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		Services:       []daemon.Registrar{svc.Register},
	})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(d.IRDURL())
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{d: d, svc: svc, net: n, origin: u.Scheme + "://" + u.Host}
	var polls []<-chan pollOutcome
	for _, proto := range []string{protoHTTP1, protoH2C} {
		c := newClient(t, proto)
		open := c.open(t, s, routingCostID, "")
		end := open.TIPSViewSummary.UpdatesGraphSummary.EndSeq
		poll, _ := startPoll(t, c, edgeURI(open.TIPSViewURI, end, end+1), alto.MediaTypeCostMap)
		polls = append(polls, poll)
	}
	s.waitForWaiters(t, len(polls))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := d.Shutdown(ctx); err != nil {
		t.Errorf("shutdown with pending long polls: %v", err)
	}
	for k, poll := range polls {
		out := <-poll
		if out.err != nil {
			t.Errorf("long poll %d: %v", k, out.err)
			continue
		}
		if out.r.status != http.StatusServiceUnavailable || out.r.header.Get("Retry-After") == "" {
			t.Errorf("long poll %d: status %d, Retry-After %q; want 503 with Retry-After", k, out.r.status, out.r.header.Get("Retry-After"))
		}
	}
}
