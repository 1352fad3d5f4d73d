package restconf_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/restconf"
)

func TestEventStream(t *testing.T) {
	events := restconf.NewEvents(quietLogger())
	base := serve(t, restconf.Config{Events: events, Operators: operators()})

	_, _, body := do(t, http.DefaultClient, "GET", base+"/restconf/data/ietf-restconf-monitoring:restconf-state/streams", readerToken, "")
	if !strings.Contains(body, restconf.StreamPath) {
		t.Fatalf("stream discovery lacks the location %s:\n%s", restconf.StreamPath, body)
	}

	req, _ := http.NewRequest("GET", base+restconf.StreamPath, nil)
	req.Header.Set("Authorization", "Bearer "+readerToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	// The headers arrive after the subscription is registered.
	events.ResourceLimit(restconf.ResourceEvent{ResourceID: "update-stream", UpdStreamThreshold: 2})

	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	data, ok := strings.CutPrefix(strings.TrimSpace(line), "data: ")
	if !ok {
		t.Fatalf("event line %q has no data field", line)
	}
	var v struct {
		Notification struct {
			EventTime string `json:"eventTime"`
			Event     struct {
				ResourceID string `json:"resource-id"`
				Threshold  string `json:"notify-upd-stream-threshold"`
			} `json:"ietf-alto:alto-resource-event"`
		} `json:"ietf-restconf:notification"`
	}
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		t.Fatalf("event %s: %v", data, err)
	}
	n := v.Notification
	if n.EventTime == "" || n.Event.ResourceID != "update-stream" || n.Event.Threshold != "2" {
		t.Errorf("notification %s", data)
	}
}

func TestEventStreamNeedsAuth(t *testing.T) {
	base := serve(t, restconf.Config{Events: restconf.NewEvents(quietLogger()), Operators: operators()})
	status, _, _ := do(t, http.DefaultClient, "GET", base+restconf.StreamPath, "", "")
	if status != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", status)
	}
}
