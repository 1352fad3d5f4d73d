package sse

import (
	"bufio"
	"io"
	"strings"
)

// sseEvent is one event or comment of an event stream.
type sseEvent struct {
	Type    string // the event field
	Data    string // the data lines joined with LF
	Comment string // the text of a comment line; set only for comments
}

// sseReader parses an event stream as the HTML Living Standard,
// Section 9.2.6 specifies, except that it ends lines only at LF and
// CR LF, since goalto writes no lone CR. It returns comments as events
// of their own.
type sseReader struct{ br *bufio.Reader }

func newSSEReader(r io.Reader) *sseReader { return &sseReader{br: bufio.NewReader(r)} }

// Next returns the next event or comment, or io.EOF at the end of the
// stream.
func (r *sseReader) Next() (sseEvent, error) {
	var ev sseEvent
	var data []string
	for {
		line, err := r.br.ReadString('\n')
		if err != nil {
			if err == io.EOF && line != "" {
				err = io.ErrUnexpectedEOF
			}
			return sseEvent{}, err
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		switch {
		case line == "" && data != nil:
			ev.Data = strings.Join(data, "\n")
			return ev, nil
		case line == "":
			ev = sseEvent{} // a blank line without data dispatches nothing
		case strings.HasPrefix(line, ":"):
			if data == nil && ev.Type == "" {
				return sseEvent{Comment: strings.TrimPrefix(line[1:], " ")}, nil
			}
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
