package sse

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/goalto/goalto/alto"
)

// controlEvent is an UpdateStreamControlEvent, RFC 8895, Section 5.3.
type controlEvent struct {
	ControlURI  string   `json:"control-uri,omitempty"`
	Started     []string `json:"started,omitempty"`
	Stopped     []string `json:"stopped,omitempty"`
	Description string   `json:"description,omitempty"`
}

// eventWriter writes server-sent events to a response and flushes each
// one. After the first failed write every call returns that error.
type eventWriter struct {
	w io.Writer
	// rc flushes and sets write deadlines; nil when w is not an HTTP
	// response, as in unit tests.
	rc *http.ResponseController
	// timeout bounds the write of each event, or of each writeChunk
	// bytes of a larger one; zero or negative for none.
	timeout time.Duration
	// writes counts the events and comments written.
	writes uint64
	err    error
}

func newEventWriter(w http.ResponseWriter, timeout time.Duration) *eventWriter {
	return &eventWriter{w: w, rc: http.NewResponseController(w), timeout: timeout}
}

// control writes a control update message (RFC 8895, Section 5.3).
func (ew *eventWriter) control(ev controlEvent) error {
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return ew.event(alto.MediaTypeUpdateStreamControl, data)
}

// data writes a data update message for a substream (RFC 8895, Section
// 5.2): the event field is the media type and the substream ID.
func (ew *eventWriter) data(mediaType, substreamID string, body []byte) error {
	return ew.event(mediaType+","+substreamID, body)
}

// event writes one event: an event field and one data field per line of
// data, as the SSE format requires of multi-line data.
func (ew *eventWriter) event(eventType string, data []byte) error {
	ew.begin()
	ew.write([]byte("event: " + eventType + "\n"))
	for _, line := range splitLines(data) {
		ew.write([]byte("data: "))
		ew.write(line)
		ew.write([]byte("\n"))
	}
	ew.write([]byte("\n"))
	return ew.flush()
}

// comment writes an SSE comment line, which clients ignore; RFC 8895,
// Section 6.8 uses one as a keep-alive.
func (ew *eventWriter) comment(text string) error {
	ew.begin()
	ew.write([]byte(": " + text + "\n\n"))
	return ew.flush()
}

// begin sets the write deadline of the next event or chunk.
func (ew *eventWriter) begin() {
	if ew.err != nil || ew.rc == nil || ew.timeout <= 0 {
		return
	}
	err := ew.rc.SetWriteDeadline(time.Now().Add(ew.timeout))
	if err != nil && !errors.Is(err, http.ErrNotSupported) {
		ew.err = err
	}
}

// end clears the write deadline, so that it cannot fail a later request
// on the same HTTP/1.1 connection.
func (ew *eventWriter) end() {
	if ew.rc != nil && ew.timeout > 0 {
		_ = ew.rc.SetWriteDeadline(time.Time{})
	}
}

// writeChunk is the most that write writes under one deadline, so that
// a large full replacement to a slow client that keeps reading does not
// time out.
const writeChunk = 64 << 10

func (ew *eventWriter) write(p []byte) {
	for ew.err == nil && len(p) > 0 {
		n := min(len(p), writeChunk)
		_, ew.err = ew.w.Write(p[:n])
		p = p[n:]
		if len(p) > 0 {
			ew.begin()
		}
	}
}

func (ew *eventWriter) flush() error {
	if ew.err == nil && ew.rc != nil {
		ew.err = ew.rc.Flush()
	}
	if ew.err == nil {
		ew.writes++
	}
	return ew.err
}

// splitLines splits data at CR LF, CR and LF, the line ends of the SSE
// format, and drops the line ends at the end of data. A JSON text has
// line ends only as white space, so the client's data, which joins the
// lines with LF, is the same JSON value.
func splitLines(data []byte) [][]byte {
	for len(data) > 0 && (data[len(data)-1] == '\n' || data[len(data)-1] == '\r') {
		data = data[:len(data)-1]
	}
	var lines [][]byte
	start := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '\n':
			lines = append(lines, data[start:i])
			start = i + 1
		case '\r':
			lines = append(lines, data[start:i])
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			start = i + 1
		}
	}
	return append(lines, data[start:])
}
