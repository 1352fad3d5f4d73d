package cdni_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
)

// event is one server-sent event: its type and its data lines joined.
type event struct {
	name string
	data string
}

// readEvents reads n events of a text/event-stream body.
func readEvents(t *testing.T, br *bufio.Reader, n int) []event {
	t.Helper()
	var out []event
	var cur event
	for len(out) < n {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading event %d: %v", len(out)+1, err)
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if cur.name != "" || cur.data != "" {
				out = append(out, cur)
			}
			cur = event{}
		case strings.HasPrefix(line, "event:"):
			cur.name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			if cur.data != "" {
				cur.data += "\n"
			}
			cur.data += strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")
		}
	}
	return out
}

// TestUpdateStreamFullAdvertisement replays the request of RFC 9241,
// Section 3.7.3: an update stream sends the control URI, then the full
// CDNI Advertisement with its media type, equal to the GET response.
func TestUpdateStreamFullAdvertisement(t *testing.T) {
	s := startServer(t, filepath.Join(rfc9241Dir, "network.yaml"))
	full := advertisement(t, s.do(t, http.MethodGet, "/cdnifci", "", "", nil))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	body := `{"add": {"my-cdnifci-stream": {"resource-id": "my-default-cdnifci"}}}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.origin+"/updates/cdnifci", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", alto.MediaTypeUpdateStreamParams)
	req.Header.Set("Accept", "text/event-stream,application/alto-error+json")
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	events := readEvents(t, bufio.NewReader(resp.Body), 2)
	if events[0].name != alto.MediaTypeUpdateStreamControl {
		t.Errorf("first event %q, want %s", events[0].name, alto.MediaTypeUpdateStreamControl)
	}
	if want := alto.MediaTypeCDNI + ",my-cdnifci-stream"; events[1].name != want {
		t.Errorf("second event %q, want %q", events[1].name, want)
	}
	var got alto.CDNIAdvertisement
	if err := json.Unmarshal([]byte(events[1].data), &got); err != nil {
		t.Fatalf("decoding %s: %v", events[1].data, err)
	}
	if !reflect.DeepEqual(&got, full) {
		t.Errorf("streamed advertisement %+v, want the GET response %+v", got, *full)
	}
}
