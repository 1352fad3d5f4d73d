package sse

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/updates"
)

// advanceInput sends a substream of a POST-mode resource its first full
// replacement, and after a reload the change of the response to its
// input. The response is computed again only when the served snapshot
// changed, so that a resource whose responses differ from call to call,
// such as a path vector with ephemeral ANE names, does not send updates
// without a reload. A reload that makes the input invalid, such as one
// that removes a PID that the input names, stops the substream.
func (st *stream) advanceInput(sub *substream, snap *snapshot.Snapshot) error {
	if !sub.sent {
		if err := st.ew.data(sub.docType, sub.id, sub.doc); err != nil {
			return err
		}
		sub.sent = true
	}

	if snap == nil || snap == sub.docSnap {
		return nil
	}
	res := findResource(snap, sub.resourceID)
	if res == nil {
		return nil // dropUnoffered stops the substream
	}
	mediaType, doc, err := st.svc.evaluate(withNameKey(st.req, sub.nameKey), snap, res, sub.input)
	if err != nil {
		st.svc.logger.Debug("the input of a substream is no longer valid", "stream", st.number,
			"substream", sub.id, "resource", sub.resourceID, "err", err)
		return st.stop([]*substream{sub}, fmt.Sprintf("resource %q rejects the input of the substream since a reload: %v", sub.resourceID, err))
	}

	old, oldType := sub.doc, sub.docType
	sub.doc, sub.docType, sub.docSnap = doc, mediaType, snap
	events, ok := changeEvents(sub.id, oldType, old, mediaType, doc)
	if !sub.incremental || !ok {
		return st.ew.data(mediaType, sub.id, doc)
	}
	for _, ev := range events {
		if err := st.ew.data(ev.mediaType, ev.dataID, ev.body); err != nil {
			return err
		}
	}
	return nil
}

// dataEvent is one data update message: its media type, its data-id
// and its data.
type dataEvent struct {
	mediaType string
	dataID    string
	body      []byte
}

// changeEvents returns the data update messages that turn the response
// old into new, or false when a full replacement of the whole response
// is due because the media type changed or a multipart response changed
// its parts. A multipart/related response gets one event per changed
// part, whose data-id is the substream ID, ".", and the Content-ID of
// the part without its angle brackets (RFC 8895, Sections 5.2 and
// 6.7.3). No change gives no events.
func changeEvents(substreamID, oldType string, old []byte, newType string, new []byte) ([]dataEvent, bool) {
	oldBase, oldParams, err1 := mime.ParseMediaType(oldType)
	newBase, newParams, err2 := mime.ParseMediaType(newType)
	if err1 != nil || err2 != nil || oldBase != newBase {
		return nil, false
	}
	if newBase != "multipart/related" {
		if ev, changed := changeEvent(newType, substreamID, old, new); changed {
			return []dataEvent{ev}, true
		}
		return nil, true
	}
	if oldParams["type"] != newParams["type"] {
		return nil, false
	}
	oldParts, err1 := readParts(old, oldParams["boundary"])
	newParts, err2 := readParts(new, newParams["boundary"])
	if err1 != nil || err2 != nil || len(oldParts) != len(newParts) {
		return nil, false
	}
	var events []dataEvent
	for i, p := range newParts {
		if oldParts[i].contentID != p.contentID || oldParts[i].contentType != p.contentType {
			return nil, false
		}
		if ev, changed := changeEvent(p.contentType, substreamID+"."+p.contentID, oldParts[i].body, p.body); changed {
			events = append(events, ev)
		}
	}
	return events, true
}

// changeEvent returns the event that turns the document old of a media
// type into new, and whether they differ: a patch, or the new document
// when no patch is smaller.
func changeEvent(mediaType, dataID string, old, new []byte) (dataEvent, bool) {
	if equal, err := updates.Equal(old, new); err == nil && equal {
		return dataEvent{}, false
	}
	kind, patch, err := updates.DiffFor(partType(mediaType), old, new)
	if err != nil || len(patch) >= len(new) {
		return dataEvent{mediaType: mediaType, dataID: dataID, body: new}, true
	}
	return dataEvent{mediaType: string(kind), dataID: dataID, body: patch}, true
}

// partType returns the media type of a part without parameters.
func partType(contentType string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt
}

// part is one part of a multipart/related response.
type part struct {
	contentID   string // without angle brackets
	contentType string
	body        []byte
}

// readParts splits a multipart body into its parts. Every part must
// have a Content-ID, since RFC 8895, Section 6.7.3 names the parts of
// incremental changes by it.
func readParts(body []byte, boundary string) ([]part, error) {
	if boundary == "" {
		return nil, fmt.Errorf("multipart response without a boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var parts []part
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return parts, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading part %d: %w", len(parts)+1, err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, fmt.Errorf("reading part %d: %w", len(parts)+1, err)
		}
		id := strings.TrimSuffix(strings.TrimPrefix(p.Header.Get("Content-ID"), "<"), ">")
		if id == "" {
			return nil, fmt.Errorf("part %d has no Content-ID", len(parts)+1)
		}
		parts = append(parts, part{contentID: id, contentType: p.Header.Get("Content-Type"), body: data})
	}
}
