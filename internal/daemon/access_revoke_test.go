package daemon_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
)

// internalStream is an update stream resource that only internal clients
// may read; its default uses include the numerical cost map.
const internalStream = "  - {id: internal-stream, type: update-stream, path: /updates/internal, accepted-roles: [internal]}\n"

// revocations are the reloads that take the internal role from alice:
// alone, and with a topology change that changes the numerical cost map.
var revocations = []struct {
	name           string
	changeTopology bool
}{
	{"role removed", false},
	{"role removed with topology change", true},
}

// revokeAlice removes alice from the internal role, changes the topology
// when asked, and reloads the definition.
func (s *accessServer) revokeAlice(t *testing.T, changeTopology bool) {
	t.Helper()
	s.editDefinition(t, "clients: [alice, cdn-1]", "clients: [cdn-1]")
	if changeTopology {
		topo := baseTopology
		topo.abMetric = 30
		if err := os.WriteFile(filepath.Join(s.dir, "topology.yaml"), []byte(topo.yaml()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.d.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
}

// openAliceStream opens an update stream on the internal stream resource
// as alice, with one substream "n" of the numerical cost map, and reads
// the control URI and the first full replacement.
func (s *accessServer) openAliceStream(t *testing.T) *bufio.Reader {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), updateTestTimeout)
	t.Cleanup(cancel)

	body := `{"add": {"n": {"resource-id": "num-routing-map"}}}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.origin+"/updates/internal", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", s.basic(s.password))
	req.Header.Set("Content-Type", alto.MediaTypeUpdateStreamParams)
	req.Header.Set("Accept", alto.MediaTypeEventStream+","+alto.MediaTypeError)
	resp, err := s.anonymous.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(resp.Body)
		t.Fatalf("opening the stream: status %d: %s", resp.StatusCode, data)
	}

	events := bufio.NewReader(resp.Body)
	for i, want := range []string{alto.MediaTypeUpdateStreamControl, alto.MediaTypeCostMap + ",n"} {
		ev, err := readSSEEvent(events)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if ev.typ != want {
			t.Fatalf("event %d has type %q, want %q: %s", i, ev.typ, want, ev.data)
		}
	}
	return events
}

func TestAccessRevokedClosesUpdateStream(t *testing.T) {
	for _, tc := range revocations {
		t.Run(tc.name, func(t *testing.T) {
			s := startAccessServer(t)
			s.editDefinition(t, "  - {id: public-stream", internalStream+"  - {id: public-stream")
			if err := s.d.Reload(); err != nil {
				t.Fatalf("Reload: %v", err)
			}
			events := s.openAliceStream(t)

			s.revokeAlice(t, tc.changeTopology)

			ev, err := readSSEEvent(events)
			if err != nil {
				t.Fatalf("reading the event after the reload: %v", err)
			}
			if ev.typ != alto.MediaTypeUpdateStreamControl {
				t.Fatalf("event after the reload has type %q, want a control update message: %s", ev.typ, ev.data)
			}
			var control controlUpdate
			if err := json.Unmarshal([]byte(ev.data), &control); err != nil {
				t.Fatalf("control update message %s: %v", ev.data, err)
			}
			if !slices.Equal(control.Stopped, []string{"n"}) {
				t.Errorf("stopped = %v, want [n]", control.Stopped)
			}
			if control.Description == "" {
				t.Error("the control update message has no description")
			}
			if ev, err := readSSEEvent(events); !errors.Is(err, io.EOF) {
				t.Errorf("after the stopped message: event %q %s, error %v; want the end of the stream", ev.typ, ev.data, err)
			}
			if status, _, body := s.do(t, s.anonymous, http.MethodGet, "/costmap/num", s.basic(s.password), "", ""); status != http.StatusForbidden {
				t.Errorf("GET /costmap/num after the reload: status %d, want 403: %s", status, body)
			}
		})
	}
}

func TestAccessRevokedEndsTIPSLongPoll(t *testing.T) {
	for _, tc := range revocations {
		t.Run(tc.name, func(t *testing.T) {
			s := startAccessServer(t)
			status, _, body := s.do(t, s.anonymous, http.MethodPost, "/tips", s.basic(s.password), alto.MediaTypeTIPSParams, `{"resource-id": "num-routing-map"}`)
			if status != http.StatusOK {
				t.Fatalf("opening a view: status %d: %s", status, body)
			}
			var open tipsResponse
			if err := json.Unmarshal(body, &open); err != nil {
				t.Fatalf("open response %s: %v", body, err)
			}
			view := strings.TrimPrefix(open.TIPSViewURI, s.origin)
			end := open.TIPSViewSummary.UpdatesGraphSummary.EndSeq

			type result struct {
				status      int
				contentType string
				body        []byte
			}
			done := make(chan result, 1)
			go func() {
				req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, fmt.Sprintf("%s%s/ug/%d/%d", s.origin, view, end, end+1), nil)
				if err != nil {
					done <- result{body: []byte(err.Error())}
					return
				}
				req.Header.Set("Authorization", s.basic(s.password))
				resp, err := s.anonymous.Do(req)
				if err != nil {
					done <- result{body: []byte(err.Error())}
					return
				}
				defer resp.Body.Close()
				data, _ := io.ReadAll(resp.Body)
				done <- result{resp.StatusCode, mediaTypeOf(resp.Header), data}
			}()
			waitForWaiters(t, s.tips, 1)

			s.revokeAlice(t, tc.changeTopology)

			got := <-done
			if got.status != http.StatusForbidden {
				t.Fatalf("long poll after the reload: status %d, want 403: %s", got.status, got.body)
			}
			if got.contentType != "text/plain" {
				t.Errorf("Content-Type = %q, want text/plain", got.contentType)
			}
			if n := s.rejections(t, "access_denied"); n != 1 {
				t.Errorf("access_denied = %v, want 1", n)
			}
		})
	}
}
