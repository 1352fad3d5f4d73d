package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/snapshot"
)

// Evaluate computes the response of a POST-mode resource to the request
// body input, as a POST of input to the resource would get from snap, for
// update streams that follow a POST-mode resource (RFC 8895, Section
// 6.5). The request r supplies the context, the client address (the
// endpoint cost service substitutes it for an empty endpoint list) and the
// host (path vector responses name their parts after it). It returns the
// media type and the body of a 200 response, an *alto.Error for a request
// that the resource rejects with an ALTO error, and another error for any
// other status.
func (h *Handler) Evaluate(r *http.Request, snap *snapshot.Snapshot, res *snapshot.Resource, input []byte) (string, []byte, error) {
	if res.Body != nil || res.Accepts == "" {
		return "", nil, fmt.Errorf("resource %q is not a POST-mode resource", res.ID)
	}
	req, err := http.NewRequestWithContext(contextOf(r), http.MethodPost, res.Path, bytes.NewReader(input))
	if err != nil {
		return "", nil, fmt.Errorf("evaluating %s: %w", res.ID, err)
	}
	// No Accept header: every response is acceptable, and the media type
	// of a path vector resource has an unquoted type parameter, which
	// Acceptable would skip.
	req.Header.Set("Content-Type", res.Accepts)
	if r != nil {
		req.RemoteAddr, req.Host, req.TLS = r.RemoteAddr, r.Host, r.TLS
	}
	rec := &bodyRecorder{header: http.Header{}}
	h.servePost(rec, req, snap, res)
	return rec.result(res.ID)
}

func contextOf(r *http.Request) context.Context {
	if r == nil {
		return context.Background()
	}
	return r.Context()
}

// bodyRecorder is the http.ResponseWriter of Evaluate: it keeps the
// status, the header and the body in memory.
type bodyRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bodyRecorder) Header() http.Header { return b.header }

func (b *bodyRecorder) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bodyRecorder) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

// result turns the recorded response into the results of Evaluate.
func (b *bodyRecorder) result(id string) (string, []byte, error) {
	mediaType := b.header.Get("Content-Type")
	ct, _, _ := mime.ParseMediaType(mediaType)
	switch {
	case b.status == http.StatusOK:
		return mediaType, b.body.Bytes(), nil
	case ct == alto.MediaTypeError:
		var ae alto.Error
		if err := ae.UnmarshalJSON(b.body.Bytes()); err != nil {
			return "", nil, fmt.Errorf("resource %s: decoding its error response: %w", id, err)
		}
		ae.Status = b.status
		return "", nil, &ae
	}
	return "", nil, fmt.Errorf("resource %s: status %d: %w", id, b.status, errors.New(string(bytes.TrimSpace(b.body.Bytes()))))
}

// nameKeyContext is the context key of WithNameKey.
type nameKeyContext struct{}

// WithNameKey returns a context that carries a secret key for the names
// that a service makes up in its responses, such as the ephemeral ANE
// names of path vectors. Update streams evaluate each substream's input
// with one key, so that the names stay the same in the responses of one
// substream, as RFC 9275, Section 5.1.2 allows, while the names in
// other responses stay unrelated to them.
func WithNameKey(ctx context.Context, key []byte) context.Context {
	return context.WithValue(ctx, nameKeyContext{}, key)
}

// NameKey returns the key of WithNameKey, or nil.
func NameKey(ctx context.Context) []byte {
	key, _ := ctx.Value(nameKeyContext{}).([]byte)
	return key
}
