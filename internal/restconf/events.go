package restconf

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// EventStreamName is the name of the stream of ietf-alto notifications
// (RFC 8040, Section 6.2), served at StreamPath.
const EventStreamName = "alto-events"

// subscriberBuffer bounds the notifications queued for one slow
// subscriber. Later ones are dropped for it, with a warning in the log.
const subscriberBuffer = 64

// ResourceEvent is the alto-resource-event notification of ietf-alto:
// a resource reached one of its configured limits.
type ResourceEvent struct {
	ResourceID string
	// MemThreshold is the notify-res-mem-limit that the resource's
	// memory reached, in bytes; 0 when that limit was not the cause.
	MemThreshold uint64
	// UpdStreamThreshold is the notify-upd-stream-limit that the number
	// of update streams reached; 0 when that limit was not the cause.
	UpdStreamThreshold uint64
}

// Events delivers notifications to the subscribers of the event stream
// and logs each one. The zero value is not usable; create it with
// NewEvents. It is safe for concurrent use.
type Events struct {
	logger *slog.Logger
	now    func() time.Time

	mu   sync.Mutex // guards subs
	subs map[chan []byte]struct{}
}

// NewEvents returns an event hub that logs to logger (nil means
// slog.Default()).
func NewEvents(logger *slog.Logger) *Events {
	if logger == nil {
		logger = slog.Default()
	}
	return &Events{logger: logger, now: time.Now, subs: map[chan []byte]struct{}{}}
}

// ResourceLimit logs ev and sends it to every subscriber as an
// alto-resource-event notification.
func (e *Events) ResourceLimit(ev ResourceEvent) {
	attrs := []any{"resource", ev.ResourceID}
	body := map[string]any{"resource-id": ev.ResourceID}
	if ev.MemThreshold > 0 {
		attrs = append(attrs, "notify_res_mem_threshold", ev.MemThreshold)
		body["notify-res-mem-threshold"] = fmt.Sprint(ev.MemThreshold)
	}
	if ev.UpdStreamThreshold > 0 {
		attrs = append(attrs, "notify_upd_stream_threshold", ev.UpdStreamThreshold)
		body["notify-upd-stream-threshold"] = fmt.Sprint(ev.UpdStreamThreshold)
	}
	e.logger.Warn("resource limit reached", attrs...)
	e.publish("ietf-alto:alto-resource-event", body)
}

// publish encodes a notification as RFC 8040, Section 6.4 defines for
// JSON and queues it for every subscriber. uint64 values are strings in
// JSON (RFC 7951, Section 6.1).
func (e *Events) publish(name string, body map[string]any) {
	msg, _ := json.Marshal(map[string]any{
		"ietf-restconf:notification": map[string]any{
			"eventTime": e.now().UTC().Format(time.RFC3339Nano),
			name:        body,
		},
	})
	e.mu.Lock()
	defer e.mu.Unlock()
	for ch := range e.subs {
		select {
		case ch <- msg:
		default:
			e.logger.Warn("restconf event subscriber too slow; notification dropped for it", "notification", name)
		}
	}
}

func (e *Events) subscribe() chan []byte {
	ch := make(chan []byte, subscriberBuffer)
	e.mu.Lock()
	e.subs[ch] = struct{}{}
	e.mu.Unlock()
	return ch
}

func (e *Events) unsubscribe(ch chan []byte) {
	e.mu.Lock()
	delete(e.subs, ch)
	e.mu.Unlock()
}

// Subscribers returns the number of open event streams.
func (e *Events) Subscribers() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.subs)
}

// serveStream sends notifications as server-sent events until the
// client leaves (RFC 8040, Section 6.4). It flushes the headers first,
// so the client knows it is subscribed.
func (e *Events) serveStream(w http.ResponseWriter, r *http.Request) {
	ch := e.subscribe()
	defer e.unsubscribe(ch)
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case msg := <-ch:
			if _, err := fmt.Fprintf(w, "data: %s\n\n", msg); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
}
