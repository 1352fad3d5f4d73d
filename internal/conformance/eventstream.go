package conformance

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/goalto/goalto/alto"
)

// sseEvent is one event of a server-sent event stream.
type sseEvent struct {
	Type string // the event field
	Data string // the data lines joined with LF
}

// eventStream is an open update stream (RFC 8895, Section 6) whose
// events a goroutine reads into a channel.
type eventStream struct {
	x      *exchange
	cancel context.CancelFunc
	events chan sseEvent
	err    error // set before events is closed
}

// errStreamTimeout is returned by next when no event arrives in time.
var errStreamTimeout = errors.New("no event arrived in time")

// openStream sends an update stream request. On a 200 text/event-stream
// response it returns the stream; otherwise a failure that quotes the
// response.
func (s *session) openStream(ctx context.Context, r *resource, body []byte) (*eventStream, *exchange, error) {
	rq := post(r.URI, alto.MediaTypeUpdateStreamParams, alto.MediaTypeEventStream, body)
	x := &exchange{req: rq}
	want := "200 " + alto.MediaTypeEventStream
	ctx, cancel := context.WithCancel(ctx)
	req, err := newHTTPRequest(ctx, rq)
	if err != nil {
		cancel()
		x.err = err
		return nil, x, x.failure(want, x.describeResponse())
	}

	// The timer bounds the wait for the response header. The stream
	// itself stays open until close.
	timer := time.AfterFunc(s.cfg.RequestTimeout, cancel)
	resp, err := s.http.Do(req)
	if err != nil {
		timer.Stop()
		cancel()
		x.err = err
		return nil, x, x.failure(want, x.describeResponse())
	}
	x.status, x.header, x.proto = resp.StatusCode, resp.Header, resp.ProtoMajor
	isStream := x.status == http.StatusOK && x.mediaType() == alto.MediaTypeEventStream
	if !isStream {
		x.body, x.err = io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	}
	if !timer.Stop() && isStream {
		x.err = fmt.Errorf("the stream timed out after %s", s.cfg.RequestTimeout)
	}
	if !isStream || x.err != nil {
		resp.Body.Close()
		cancel()
		return nil, x, x.failure(want, x.describeResponse())
	}

	st := &eventStream{x: x, cancel: cancel, events: make(chan sseEvent)}
	go st.read(resp.Body)
	return st, x, nil
}

// read parses a server-sent event stream until it ends: an event ends
// at a blank line, its data lines are joined with LF, and comment lines
// (starting with a colon) and fields other than event and data are
// ignored.
func (st *eventStream) read(body io.ReadCloser) {
	defer close(st.events)
	defer body.Close()
	br := bufio.NewReader(body)
	var ev sseEvent
	var data []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			st.err = err
			return
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		switch {
		case line == "" && data != nil:
			ev.Data = strings.Join(data, "\n")
			st.events <- ev
			ev, data = sseEvent{}, nil
		case line == "":
			ev = sseEvent{}
		case strings.HasPrefix(line, ":"):
		default:
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "event":
				ev.Type = value
			case "data":
				data = append(data, value)
			}
		}
	}
}

// next returns the next event within timeout.
func (st *eventStream) next(timeout time.Duration) (sseEvent, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case ev, ok := <-st.events:
		if !ok {
			return sseEvent{}, fmt.Errorf("the stream ended: %w", st.err)
		}
		return ev, nil
	case <-t.C:
		return sseEvent{}, errStreamTimeout
	}
}

// close ends the stream and waits for the reader to stop.
func (st *eventStream) close() {
	st.cancel()
	for range st.events {
	}
}

// splitEventType splits the event field of an update message into the
// media type and the data ID (RFC 8895, Section 5.1).
func splitEventType(t string) (mediaType, dataID string) {
	mediaType, dataID, _ = strings.Cut(t, ",")
	return strings.TrimSpace(mediaType), strings.TrimSpace(dataID)
}
