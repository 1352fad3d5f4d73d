package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goalto/goalto/alto"
)

// sseEvent is one event of a server-sent event stream.
type sseEvent struct {
	// Type is the event type: the value of the last "event" field, or
	// "message" when the event had none.
	Type string
	// Data is the values of the "data" fields joined with LF.
	Data string
	// ID is the last event ID: the value of the last "id" field seen in
	// the stream so far.
	ID string
	// Retry is the reconnection time of the last valid "retry" field in
	// the stream so far, or 0.
	Retry time.Duration
}

// eventReader parses a stream of server-sent events as the HTML Living
// Standard, Section 9.2.6 ("Interpreting an event stream") specifies.
// Lines end at CR LF, LF or CR, and a leading byte order mark is
// skipped. Comments and unknown fields are ignored. A blank line
// dispatches the event when it has data.
type eventReader struct {
	sc      *bufio.Scanner
	lastID  string
	retry   time.Duration
	maxData int
	started bool
}

// newEventReader returns a reader of the event stream r that rejects
// lines and events longer than maxSize bytes.
func newEventReader(r io.Reader, maxSize int) *eventReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxSize+1)
	sc.Split(splitEventLines)
	return &eventReader{sc: sc, maxData: maxSize}
}

// splitEventLines splits at CR LF, LF or a lone CR. A CR at the end of
// the buffer waits for more input, in case an LF follows.
func splitEventLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	i := bytes.IndexAny(data, "\r\n")
	switch {
	case i < 0 && atEOF && len(data) > 0:
		return len(data), data, nil
	case i < 0:
		return 0, nil, nil
	case data[i] == '\n':
		return i + 1, data[:i], nil
	case i+1 < len(data) && data[i+1] == '\n':
		return i + 2, data[:i], nil
	case i+1 < len(data) || atEOF:
		return i + 1, data[:i], nil
	}
	return 0, nil, nil
}

// Next returns the next event. At the end of the stream it returns
// io.EOF, and an incomplete last event is dropped, as the standard
// requires.
func (r *eventReader) Next() (sseEvent, error) {
	var eventType string
	var data strings.Builder
	hasData := false
	for r.sc.Scan() {
		line := r.sc.Text()
		if !r.started {
			r.started = true
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if line == "" {
			if !hasData {
				eventType = ""
				continue
			}
			if eventType == "" {
				eventType = "message"
			}
			text := strings.TrimSuffix(data.String(), "\n")
			return sseEvent{Type: eventType, Data: text, ID: r.lastID, Retry: r.retry}, nil
		}
		if strings.HasPrefix(line, ":") {
			continue // a comment, such as a keep-alive
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			eventType = value
		case "data":
			if data.Len()+len(value)+1 > r.maxData {
				return sseEvent{}, fmt.Errorf("%w: data over %d bytes", errEventTooLarge, r.maxData)
			}
			data.WriteString(value)
			data.WriteByte('\n')
			hasData = true
		case "id":
			if !strings.ContainsRune(value, 0) {
				r.lastID = value
			}
		case "retry":
			if ms, err := strconv.ParseUint(value, 10, 32); err == nil && value != "" && !strings.ContainsAny(value, "+-") {
				r.retry = time.Duration(ms) * time.Millisecond
			}
		}
	}
	if err := r.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return sseEvent{}, fmt.Errorf("%w: a line over %d bytes", errEventTooLarge, r.maxData)
		}
		return sseEvent{}, err
	}
	return sseEvent{}, io.EOF
}

// errEventTooLarge is an event over the client's maximum body size.
var errEventTooLarge = errors.New("event too large (see WithMaxBodySize)")

// Reconnection limits of an update stream follower.
const (
	// sseReconnectAttempts is the number of failed attempts in a row
	// after which the follower stops.
	sseReconnectAttempts = 5
	// sseReconnectDelay is the first delay before a reconnection, unless
	// the stream set another with a "retry" field. It doubles after each
	// failed attempt, up to sseReconnectMaxDelay.
	sseReconnectDelay    = time.Second
	sseReconnectMaxDelay = 30 * time.Second
)

// sseSession is the update stream of a follower, RFC 8895.
type sseSession struct {
	f      *Follower
	stream Resource

	mu         sync.Mutex
	controlURI string
	subs       map[string]string // active substream ID to resource ID
	removed    map[string]bool   // substream IDs that Remove stopped
	nextID     int
	retry      time.Duration // reconnection time that the stream set
	// reconnected maps the substreams of a new stream, until their
	// first update, to the reason the previous stream ended.
	reconnected map[string]string
}

// sseConn is one open update stream.
type sseConn struct {
	body   io.ReadCloser
	events *eventReader
}

// controlMessage is an UpdateStreamControlEvent, RFC 8895, Section 5.3.
type controlMessage struct {
	ControlURI  string   `json:"control-uri"`
	Started     []string `json:"started"`
	Stopped     []string `json:"stopped"`
	Description string   `json:"description"`
}

// addEntry is an AddUpdateReq, RFC 8895, Section 6.5.
type addEntry struct {
	ResourceID string `json:"resource-id"`
	Tag        string `json:"tag,omitempty"`
}

// FollowSSE opens the update stream with resource ID streamID (RFC
// 8895) and follows the given resources over it: network maps and cost
// maps that the stream's "uses" lists. The returned follower has
// received the control URI but no state yet. The context bounds the
// whole follow; Close stops it earlier.
//
// The follower applies each full replacement and patch in order. It
// fetches a resource again with GET, and sends an Update marked Resync,
// in three cases: a patch fails, a result is not a valid JSON object, or
// a cost map names in "dependent-vtags" a network map version other than
// the one the follower holds. When the stream ends, the follower opens a new
// one with the vtags of the network maps it holds (RFC 8895, Section
// 6.5), and sends the full replacements that change its states as
// Resync updates.
func (c *Client) FollowSSE(ctx context.Context, streamID string, resourceIDs []string, opts ...FollowOption) (*Follower, error) {
	stream, err := c.ResourceOfType(ctx, streamID, alto.MediaTypeEventStream, alto.MediaTypeUpdateStreamParams)
	if err != nil {
		return nil, err
	}
	resources, err := c.followedResources(ctx, stream, resourceIDs)
	if err != nil {
		return nil, err
	}
	f := newFollower(ctx, c, ViaSSE, opts)
	s := &sseSession{f: f, stream: stream, subs: make(map[string]string), removed: make(map[string]bool)}
	f.sse = s
	f.track(resources)
	conn, err := s.connect(f.ctx, "")
	if err != nil {
		f.cancel(err)
		return nil, err
	}
	f.start(func() { s.run(conn) })
	return f, nil
}

// newSubstreamIDs assigns a new substream ID to each resource. IDs are
// never reused, since a stream must not add an ID twice (RFC 8895,
// Section 7.6). The caller holds s.mu.
func (s *sseSession) newSubstreamIDs(resourceIDs []string) map[string]string {
	out := make(map[string]string, len(resourceIDs))
	for _, id := range resourceIDs {
		s.nextID++
		sub := "s" + strconv.Itoa(s.nextID)
		out[sub] = id
	}
	return out
}

// connect opens a stream for every followed resource and reads its
// first event, the control URI (RFC 8895, Section 6.7.1).
// A non-empty reason marks the stream as the replacement of a stream
// that ended for that reason.
func (s *sseSession) connect(ctx context.Context, reason string) (*sseConn, error) {
	ids := s.f.ResourceIDs()
	s.mu.Lock()
	subs := s.newSubstreamIDs(ids)
	s.mu.Unlock()

	add := make(map[string]addEntry, len(subs))
	for sub, id := range subs {
		add[sub] = addEntry{ResourceID: id, Tag: s.f.tagOf(id)}
	}
	body, err := json.Marshal(map[string]any{"add": add})
	if err != nil {
		return nil, fmt.Errorf("encode update stream request: %w", err)
	}
	conn, base, err := s.open(ctx, body)
	if err != nil {
		return nil, s.describeRejection(err, subs)
	}
	controlURI, err := readControlURI(conn, base)
	if err != nil {
		conn.body.Close()
		return nil, err
	}

	s.mu.Lock()
	s.controlURI, s.subs, s.removed = controlURI, subs, make(map[string]bool)
	s.reconnected = make(map[string]string)
	if reason != "" {
		for sub := range subs {
			s.reconnected[sub] = reason
		}
	}
	s.mu.Unlock()
	return conn, nil
}

// describeRejection names the resource of a substream that the server
// rejected.
func (s *sseSession) describeRejection(err error, subs map[string]string) error {
	var altoErr *alto.Error
	if !errors.As(err, &altoErr) {
		return err
	}
	sub, ok := strings.CutPrefix(altoErr.Field, "add/")
	sub, _, _ = strings.Cut(sub, "/")
	if id, known := subs[sub]; ok && known {
		return &rejectedResource{resourceID: id, err: err}
	}
	return err
}

// rejectedResource is an update stream request that the server rejected
// because of one resource.
type rejectedResource struct {
	resourceID string
	err        error
}

func (e *rejectedResource) Error() string {
	return fmt.Sprintf("update stream rejected resource %q: %v", e.resourceID, e.err)
}

func (e *rejectedResource) Unwrap() error { return e.err }

// open POSTs an update stream request and returns the stream and its
// URL after redirects, the base of a relative control URI (RFC 8895,
// Section 7.1).
func (s *sseSession) open(ctx context.Context, body []byte) (*sseConn, *url.URL, error) {
	c := s.f.c
	req, err := c.newRequest(ctx, http.MethodPost, s.stream.URI, alto.MediaTypeEventStream, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", alto.MediaTypeUpdateStreamParams)
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	got := responseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode == http.StatusOK && got == alto.MediaTypeEventStream {
		return &sseConn{body: resp.Body, events: newEventReader(resp.Body, int(min(c.maxBodySize, 1<<30)))}, resp.Request.URL, nil
	}
	defer resp.Body.Close()
	return nil, nil, c.responseError(req, resp, alto.MediaTypeEventStream)
}

// responseError reads the body of a response that is not the expected
// success and returns its error.
func (c *Client) responseError(req *http.Request, resp *http.Response, mediaType string) error {
	finalURL := resp.Request.URL.String()
	body, err := c.readBody(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read response: %w", req.Method, finalURL, err)
	}
	got := responseMediaType(resp.Header.Get("Content-Type"))
	if got == alto.MediaTypeError {
		return decodeALTOError(req.Method, finalURL, resp, body)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newHTTPError(req.Method, finalURL, resp, body)
	}
	return fmt.Errorf("%s %s: %w %q, want %q", req.Method, finalURL, ErrUnexpectedMediaType, got, mediaType)
}

// readControlURI reads the first event of a stream, which must be a
// control update message with the control URI.
func readControlURI(conn *sseConn, base *url.URL) (string, error) {
	ev, err := conn.events.Next()
	if err != nil {
		return "", fmt.Errorf("reading the first event of the update stream: %w", err)
	}
	if ev.Type != alto.MediaTypeUpdateStreamControl {
		return "", fmt.Errorf("first event of the update stream is %q, want %s with the control URI", ev.Type, alto.MediaTypeUpdateStreamControl)
	}
	var msg controlMessage
	if err := json.Unmarshal([]byte(ev.Data), &msg); err != nil {
		return "", fmt.Errorf("decoding the control event: %w", err)
	}
	if msg.ControlURI == "" {
		return "", errors.New("first control event of the update stream has no control-uri")
	}
	u, err := base.Parse(msg.ControlURI)
	if err != nil {
		return "", fmt.Errorf("invalid control-uri %q: %w", msg.ControlURI, err)
	}
	return u.String(), nil
}

// run reads streams until the follower stops, and opens a new stream
// when one ends.
func (s *sseSession) run(conn *sseConn) {
	f := s.f
	for {
		err := s.read(conn)
		conn.body.Close()
		if f.ctx.Err() != nil {
			return
		}
		if errors.Is(err, errNothingLeft) || len(f.ResourceIDs()) == 0 {
			f.stop(errNothingLeft)
			return
		}
		if !retryable(err) {
			f.stop(err)
			return
		}
		f.warnf("", "%v; opening a new update stream", err)
		if conn, err = s.reconnect(err.Error()); err != nil {
			f.stop(err)
			return
		}
	}
}

// Ends of an update stream that a new stream may recover from.
var (
	// errStreamEnded is the end of a stream whose substreams the server
	// stopped.
	errStreamEnded = errors.New("the server stopped every substream")
	// errStreamLost is a stream that ended or failed without a control
	// event.
	errStreamLost = errors.New("update stream lost")
)

// retryable reports whether a request may succeed when sent again: the
// stream ended, the connection failed, or the server responded with
// 408, 429 or a 5xx status.
func retryable(err error) bool {
	if errors.Is(err, errStreamEnded) || errors.Is(err, errStreamLost) {
		return true
	}
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) {
		return true
	}
	status := statusOf(err)
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// statusOf returns the HTTP status of an ALTO error or an HTTPError, or
// 0 for other errors.
func statusOf(err error) int {
	var altoErr *alto.Error
	var httpErr *HTTPError
	switch {
	case errors.As(err, &altoErr):
		return altoErr.HTTPStatus()
	case errors.As(err, &httpErr):
		return httpErr.StatusCode
	}
	return 0
}

// reconnect opens a new stream after a delay, retrying with longer
// delays. A resource that the server rejects is dropped with a warning.
func (s *sseSession) reconnect(reason string) (*sseConn, error) {
	f := s.f
	s.mu.Lock()
	delay := s.retry
	s.mu.Unlock()
	if delay <= 0 {
		delay = sseReconnectDelay
	}
	var lastErr error
	for attempt := 0; attempt < sseReconnectAttempts; {
		if err := sleepContext(f.ctx, delay); err != nil {
			return nil, err
		}
		conn, err := s.connect(f.ctx, "update stream reconnected after: "+reason)
		if err == nil {
			return conn, nil
		}
		var rejected *rejectedResource
		if errors.As(err, &rejected) {
			f.warnf(rejected.resourceID, "no longer following %s: %v", rejected.resourceID, rejected.err)
			f.untrack(rejected.resourceID)
			if len(f.ResourceIDs()) == 0 {
				return nil, err
			}
			continue
		}
		if !retryable(err) {
			return nil, err
		}
		lastErr = err
		attempt++
		f.warnf("", "opening a new update stream failed (attempt %d of %d): %v", attempt, sseReconnectAttempts, err)
		delay = min(2*delay, sseReconnectMaxDelay)
	}
	return nil, fmt.Errorf("update stream lost, and %d attempts to open a new one failed: %w", sseReconnectAttempts, lastErr)
}

// sleepContext waits for d or until ctx ends.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// read handles the events of one stream until it ends.
func (s *sseSession) read(conn *sseConn) error {
	for {
		ev, err := conn.events.Next()
		if errors.Is(err, errEventTooLarge) {
			return err
		}
		if err != nil {
			return fmt.Errorf("%w: %w", errStreamLost, err)
		}
		if ev.Retry > 0 {
			s.mu.Lock()
			s.retry = ev.Retry
			s.mu.Unlock()
		}
		if ev.Type == alto.MediaTypeUpdateStreamControl {
			err = s.handleControl(ev)
		} else {
			err = s.handleData(ev)
		}
		if err != nil {
			return err
		}
	}
}

// handleControl handles a control update message (RFC 8895, Section
// 5.3). It returns errNothingLeft when Remove stopped the last
// substream, and errStreamEnded when the server stopped it.
func (s *sseSession) handleControl(ev sseEvent) error {
	var msg controlMessage
	if err := json.Unmarshal([]byte(ev.Data), &msg); err != nil {
		s.f.warnf("", "ignoring an invalid control event: %v", err)
		return nil
	}
	s.mu.Lock()
	if msg.ControlURI != "" {
		if u, err := url.Parse(s.controlURI); err == nil {
			if ref, err := u.Parse(msg.ControlURI); err == nil {
				s.controlURI = ref.String()
			}
		}
	}
	var stoppedByServer []string
	for _, sub := range msg.Stopped {
		id, active := s.subs[sub]
		delete(s.subs, sub)
		if active && !s.removed[sub] {
			stoppedByServer = append(stoppedByServer, id)
		}
	}
	left := len(s.subs)
	s.mu.Unlock()

	for _, id := range stoppedByServer {
		s.f.warnf(id, "the server stopped the substream of %s: %s", id, msg.Description)
	}
	switch {
	case len(msg.Stopped) == 0:
		return nil
	case left > 0:
		// The other substreams go on, so the server no longer offers
		// these resources on this stream.
		for _, id := range stoppedByServer {
			s.f.untrack(id)
		}
		return nil
	case len(stoppedByServer) == 0:
		return errNothingLeft
	}
	return fmt.Errorf("%w: %s", errStreamEnded, msg.Description)
}

// handleData applies a data update message (RFC 8895, Section 5.2),
// and resynchronises the resource when it does not apply.
func (s *sseSession) handleData(ev sseEvent) error {
	mediaType, sub, ok := strings.Cut(ev.Type, ",")
	s.mu.Lock()
	id, active := s.subs[sub]
	s.mu.Unlock()
	if !ok || !active {
		return nil // a removed substream, or an event type of no substream
	}
	kind, err := s.kindOf(id, mediaType)
	if err == nil {
		m := message{kind: kind, body: []byte(ev.Data)}
		s.mu.Lock()
		if reason, ok := s.reconnected[sub]; ok && kind == KindFull {
			m.resync, m.skipEqual = reason, true
		}
		delete(s.reconnected, sub)
		s.mu.Unlock()
		err = s.f.applyMessage(s.f.ctx, id, m, dependencyExact)
	}
	var inc *inconsistency
	if errors.As(err, &inc) {
		return s.resync(inc.resourceID, inc.reason)
	}
	return err
}

// kindOf returns the update kind of an event's media type.
func (s *sseSession) kindOf(resourceID, mediaType string) (UpdateKind, error) {
	switch mediaType {
	case alto.MediaTypeMergePatch:
		return KindMergePatch, nil
	case alto.MediaTypeJSONPatch:
		return KindJSONPatch, nil
	}
	s.f.mu.Lock()
	t, ok := s.f.resources[resourceID]
	s.f.mu.Unlock()
	if ok && mediaType != t.res.MediaType {
		return "", &inconsistency{resourceID: resourceID, reason: fmt.Sprintf("update of media type %q, want %s or a patch", mediaType, t.res.MediaType)}
	}
	return KindFull, nil
}

// resync fetches a resource again, and then the network map it depends
// on when the follower holds another version of it.
func (s *sseSession) resync(resourceID, reason string) error {
	f := s.f
	if err := f.resyncByGet(f.ctx, resourceID, reason); err != nil {
		return err
	}
	meta, err := decodeMeta(f.State(resourceID))
	if err != nil {
		return nil // removed meanwhile
	}
	if missing, _ := f.missingDependency(meta, dependencyExact); missing != nil {
		return f.resyncByGet(f.ctx, missing.ResourceID, resourceID+" "+dependencyReason(*missing))
	}
	return nil
}

// add sends a stream control request that adds substreams.
func (s *sseSession) add(ctx context.Context, resourceIDs []string) error {
	f := s.f
	resources, err := f.c.followedResources(ctx, s.stream, resourceIDs)
	if err != nil {
		return err
	}
	for _, id := range resourceIDs {
		if slices.Contains(f.ResourceIDs(), id) {
			return fmt.Errorf("resource %q is followed already", id)
		}
	}
	f.track(resources)
	s.mu.Lock()
	subs := s.newSubstreamIDs(resourceIDs)
	for sub, id := range subs {
		s.subs[sub] = id
	}
	s.mu.Unlock()

	add := make(map[string]addEntry, len(subs))
	for sub, id := range subs {
		add[sub] = addEntry{ResourceID: id}
	}
	if err := s.control(ctx, map[string]any{"add": add}); err != nil {
		s.mu.Lock()
		for sub := range subs {
			delete(s.subs, sub)
		}
		s.mu.Unlock()
		for _, id := range resourceIDs {
			f.untrack(id)
		}
		return err
	}
	return nil
}

// remove sends a stream control request that removes substreams, and
// drops the states at once.
func (s *sseSession) remove(ctx context.Context, resourceIDs []string) error {
	s.mu.Lock()
	var subs []string
	for _, id := range resourceIDs {
		found := false
		for sub, rid := range s.subs {
			if rid == id {
				subs = append(subs, sub)
				s.removed[sub] = true
				found = true
			}
		}
		if !found {
			s.mu.Unlock()
			return fmt.Errorf("resource %q: %w among the followed resources", id, ErrNotFound)
		}
	}
	s.mu.Unlock()
	for _, id := range resourceIDs {
		s.f.untrack(id)
	}
	return s.control(ctx, map[string]any{"remove": subs})
}

// control POSTs a stream control request (RFC 8895, Section 7.5) to the
// control URI of the current stream.
func (s *sseSession) control(ctx context.Context, request any) error {
	s.mu.Lock()
	uri := s.controlURI
	s.mu.Unlock()
	body, err := json.Marshal(request)
	if err != nil {
		return fmt.Errorf("encode stream control request: %w", err)
	}
	c := s.f.c
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("POST %s: %w", uri, err)
	}
	req.Header.Set("Content-Type", alto.MediaTypeUpdateStreamParams)
	req.Header.Set("Accept", alto.MediaTypeError)
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 && responseMediaType(resp.Header.Get("Content-Type")) != alto.MediaTypeError {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil
	}
	return c.responseError(req, resp, "")
}
