package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/server"
)

// rfc8896Dir holds the example network of RFC 8896 with its calendar
// files, and one request and response fixture per example exchange.
// README.md there lists every change made to the RFC text.
const rfc8896Dir = "testdata/rfc8896"

// rfc8896RequestTime is the request time of the examples of RFC 8896,
// Sections 5.1.3, 5.2.3 and 5.2.4: 1 July 2019 at 13:15 GMT.
var rfc8896RequestTime = time.Date(2019, time.July, 1, 13, 15, 0, 0, time.UTC)

// startCalendarServer starts a server on the RFC 8896 example network
// whose clock reads rfc8896RequestTime.
func startCalendarServer(t *testing.T) *exampleServer {
	t.Helper()
	snap, err := daemon.Build(filepath.Join(rfc8896Dir, "network.yaml"))
	if err != nil {
		t.Fatalf("building the RFC 8896 example network: %v", err)
	}
	h := server.New(server.Limits{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.SetClock(func() time.Time { return rfc8896RequestTime })
	h.Publish(snap)
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	origin, err := url.Parse(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	srv := &exampleServer{origin: origin, client: &http.Client{Transport: &http.Transport{DisableCompression: true}}}
	srv.tag = srv.fetchNetworkMapTag(t)
	return srv
}

// TestRFC8896Examples replays each example exchange of RFC 8896.
func TestRFC8896Examples(t *testing.T) {
	srv := startCalendarServer(t)
	for _, f := range []struct{ name, section string }{
		{"02-directory", "4.3"},
		{"04-fcm-calendar", "5.1.3"},
		{"05-ecs-calendar", "5.2.3"},
		{"06-ecs-multicost-calendar", "5.2.4"},
	} {
		t.Run(f.name, func(t *testing.T) {
			srv.replayFixture(t, rfc8896Dir, f.name, "RFC 8896, Section "+f.section)
		})
	}
}

// TestCalendarRequests checks calendared requests beyond the examples:
// single values for calendared false, mixed requests, ordinal ranks per
// interval and ignored constraints.
func TestCalendarRequests(t *testing.T) {
	srv := startCalendarServer(t)
	tag := `{"resource-id":"my-default-network-map","tag":"` + "%TAG%" + `"}`
	tests := []struct {
		name, path, body, want string
	}{
		{
			"calendared false gives cost map value",
			"/calendar/costmap/filtered",
			`{"cost-type":{"cost-mode":"numerical","cost-metric":"tput"},"calendared":[false],"pids":{"srcs":["PID1"],"dsts":["PID2"]}}`,
			`{"meta":{"dependent-vtags":[` + tag + `],"cost-type":{"cost-mode":"numerical","cost-metric":"tput"}},"cost-map":{"PID1":{"PID2":13}}}`,
		},
		{
			"mixed multi-cost",
			"/calendar/costmap/filtered",
			`{"multi-cost-types":[{"cost-mode":"numerical","cost-metric":"tput"},{"cost-mode":"numerical","cost-metric":"routingcost"}],"calendared":[false,true],"pids":{"srcs":["PID1"],"dsts":["PID2"]}}`,
			`{"meta":{"dependent-vtags":[` + tag + `],"cost-type":{},"multi-cost-types":[{"cost-mode":"numerical","cost-metric":"tput"},{"cost-mode":"numerical","cost-metric":"routingcost"}],` +
				`"calendar-response-attributes":[{"cost-type-names":["num-routingcost"],"calendar-start-time":"Mon, 01 Jul 2019 12:00:00 GMT","time-interval-size":7200,"number-of-intervals":12}]},` +
				`"cost-map":{"PID1":{"PID2":[13,[100,100,100,100,100,150,200,300,300,300,300,250]]}}}`,
		},
		{
			"ordinal ranks each interval",
			"/calendar/costmap/filtered",
			`{"cost-type":{"cost-mode":"ordinal","cost-metric":"routingcost"},"calendared":[true],"pids":{"srcs":["PID1"],"dsts":["PID2","PID3"]}}`,
			`{"meta":{"dependent-vtags":[` + tag + `],"cost-type":{"cost-mode":"ordinal","cost-metric":"routingcost"},` +
				`"calendar-response-attributes":[{"calendar-start-time":"Mon, 01 Jul 2019 12:00:00 GMT","time-interval-size":7200,"number-of-intervals":12}]},` +
				`"cost-map":{"PID1":{"PID2":[2,2,2,2,1,1,1,1,1,1,1,2],"PID3":[1,1,1,1,2,1,2,2,2,2,2,1]}}}`,
		},
		{
			"constraints ignored",
			"/calendar/costmap/filtered",
			`{"cost-type":{"cost-mode":"numerical","cost-metric":"tput"},"calendared":[true],"constraints":["gt 1000"],"pids":{"srcs":["PID1"],"dsts":["PID2"]}}`,
			`{"meta":{"dependent-vtags":[` + tag + `],"cost-type":{"cost-mode":"numerical","cost-metric":"tput"},` +
				`"calendar-response-attributes":[{"calendar-start-time":"Mon, 01 Jul 2019 12:00:00 GMT","time-interval-size":7200,"number-of-intervals":12}]},` +
				`"cost-map":{"PID1":{"PID2":[13,4,15,16,17,18,19,20,11,12,13,14]}}}`,
		},
		{
			"true without calendar is a single value",
			"/calendar/costmap/filtered",
			`{"multi-cost-types":[{"cost-mode":"numerical","cost-metric":"delay-ow"},{"cost-mode":"numerical","cost-metric":"tput"}],"calendared":[true,false],"pids":{"srcs":["PID1"],"dsts":["PID2"]}}`,
			`{"meta":{"dependent-vtags":[` + tag + `],"cost-type":{},"multi-cost-types":[{"cost-mode":"numerical","cost-metric":"delay-ow"},{"cost-mode":"numerical","cost-metric":"tput"}]},"cost-map":{"PID1":{"PID2":[30,13]}}}`,
		},
		{
			"all false on endpoint cost",
			"/calendar/endpointcost/lookup",
			`{"multi-cost-types":[{"cost-mode":"numerical","cost-metric":"routingcost"},{"cost-mode":"numerical","cost-metric":"delay-ow"}],"calendared":[false,false],"endpoints":{"srcs":["ipv4:192.0.2.2"],"dsts":["ipv4:192.0.2.89"]}}`,
			`{"meta":{"cost-type":{},"multi-cost-types":[{"cost-mode":"numerical","cost-metric":"routingcost"},{"cost-mode":"numerical","cost-metric":"delay-ow"}]},"endpoint-cost-map":{"ipv4:192.0.2.2":{"ipv4:192.0.2.89":[100,30]}}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, got := srv.post(t, tc.path, tc.body)
			if status != http.StatusOK {
				t.Fatalf("status = %d, want 200; body:\n%s", status, got)
			}
			want := decodeJSON(t, "expected body", []byte(strings.ReplaceAll(tc.want, "%TAG%", srv.tag)))
			if d := firstDiff("$", want, decodeJSON(t, "response body", got)); d != "" {
				t.Errorf("body differs: %s\nresponse body:\n%s", d, got)
			}
		})
	}
}

// TestCalendarErrors checks that each invalid use of "calendared" is
// rejected with the error of RFC 7285, Section 8.5.2.
func TestCalendarErrors(t *testing.T) {
	srv := startCalendarServer(t)
	tests := []struct {
		name, path, body, code, field string
	}{
		{"not an array", "/calendar/costmap/filtered",
			`{"cost-type":{"cost-mode":"numerical","cost-metric":"tput"},"calendared":true,"pids":{"srcs":[],"dsts":[]}}`,
			"E_INVALID_FIELD_TYPE", "calendared"},
		{"not booleans", "/calendar/costmap/filtered",
			`{"cost-type":{"cost-mode":"numerical","cost-metric":"tput"},"calendared":[1],"pids":{"srcs":[],"dsts":[]}}`,
			"E_INVALID_FIELD_TYPE", "calendared"},
		{"empty array", "/calendar/costmap/filtered",
			`{"cost-type":{"cost-mode":"numerical","cost-metric":"tput"},"calendared":[],"pids":{"srcs":[],"dsts":[]}}`,
			"E_INVALID_FIELD_VALUE", "calendared"},
		{"too many for cost-type", "/calendar/costmap/filtered",
			`{"cost-type":{"cost-mode":"numerical","cost-metric":"tput"},"calendared":[true,true],"pids":{"srcs":[],"dsts":[]}}`,
			"E_INVALID_FIELD_VALUE", "calendared"},
		{"too few for multi-cost", "/calendar/endpointcost/lookup",
			`{"multi-cost-types":[{"cost-mode":"numerical","cost-metric":"routingcost"},{"cost-mode":"numerical","cost-metric":"delay-ow"}],"calendared":[true],"endpoints":{"srcs":["ipv4:192.0.2.2"],"dsts":["ipv4:192.0.2.89"]}}`,
			"E_INVALID_FIELD_VALUE", "calendared"},
		{"resource without calendar", "/costmap/filtered",
			`{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"calendared":[true],"pids":{"srcs":[],"dsts":[]}}`,
			"E_INVALID_FIELD_VALUE", "calendared"},
		{"cost type not offered", "/calendar/costmap/filtered",
			`{"cost-type":{"cost-mode":"numerical","cost-metric":"hopcount"},"calendared":[true],"pids":{"srcs":[],"dsts":[]}}`,
			"E_INVALID_FIELD_VALUE", "cost-type/cost-metric"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, got := srv.post(t, tc.path, tc.body)
			if status != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400; body:\n%s", status, got)
			}
			body := decodeJSON(t, "error body", got).(map[string]any)
			meta, _ := body["meta"].(map[string]any)
			if meta["code"] != tc.code {
				t.Errorf("code = %v, want %s; body:\n%s", meta["code"], tc.code, got)
			}
			if meta["field"] != tc.field {
				t.Errorf("field = %v, want %s; body:\n%s", meta["field"], tc.field, got)
			}
		})
	}
}

// post sends a JSON body to a cost resource and returns the status and
// body of the response.
func (s *exampleServer) post(t *testing.T, path, body string) (int, []byte) {
	t.Helper()
	ct := "application/alto-costmapfilter+json"
	if strings.Contains(path, "endpointcost") {
		ct = "application/alto-endpointcostparams+json"
	}
	resp, err := s.client.Post(s.origin.String()+path, ct, strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("POST %s: reading the body: %v", path, err)
	}
	return resp.StatusCode, got
}
