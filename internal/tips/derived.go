package tips

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/updates"
)

// derived is the source of a view of a POST-mode resource (RFC 9569,
// Section 6.1): the response of the resource to one input. The service
// computes it again for each snapshot that the handler serves, and
// publishes it to the view's own updates graph.
type derived struct {
	resourceID string
	input      []byte
	// req carries the host and the client address of the open request,
	// on whose behalf the input is evaluated, without its context.
	req *http.Request

	mu   sync.Mutex         // guards snap and serializes publishing
	snap *snapshot.Snapshot // the snapshot of the latest version
}

// derivedKey returns the key of the view of a POST-mode resource and an
// input: the resource ID, ".", and a hash of the input as canonical
// JSON, so that requests with the same input share the view (RFC 9569,
// Section 8.3). A resource ID has no ".", so the key names its resource.
func derivedKey(resourceID string, input json.RawMessage) (string, []byte, error) {
	var v any
	if err := json.Unmarshal(input, &v); err != nil {
		return "", nil, alto.SyntaxErrorOf(input, err)
	}
	canonical, err := json.Marshal(v) // objects with sorted members
	if err != nil {
		return "", nil, fmt.Errorf("encoding the input: %w", err)
	}
	sum := sha256.Sum256(canonical)
	return resourceID + "." + hex.EncodeToString(sum[:12]), canonical, nil
}

// resourceOfKey returns the resource ID of a view key.
func resourceOfKey(key string) string {
	id, _, _ := strings.Cut(key, ".")
	return id
}

// openDerived evaluates the input of an open request for a POST-mode
// resource and returns the view of the resource and input, with the
// response as its latest version.
func (s *Service) openDerived(r *http.Request, snap *snapshot.Snapshot, res *snapshot.Resource, input json.RawMessage) (*view, error) {
	key, canonical, err := derivedKey(res.ID, input)
	if err != nil {
		return nil, err
	}
	if err := s.checkOpenDerived(clientIP(r), key); err != nil {
		return nil, err
	}
	mediaType, body, err := s.handler.Evaluate(r, snap, res, canonical)
	if err != nil {
		return nil, inputError(err)
	}
	src := &derived{resourceID: res.ID, input: canonical, req: r.Clone(context.Background()), snap: snap}
	src.req.Body = http.NoBody
	v, err := s.openDerivedView(clientIP(r), key, src)
	if err != nil {
		return nil, err
	}
	if err := v.derived.publish(v.graph, snap, mediaType, body); err != nil {
		s.closeView(v, "the first response of the view could not be published")
		return nil, alto.NewInvalidValue("resource-id", res.ID,
			fmt.Sprintf("resource %q has a response that TIPS cannot offer as a view: %v", res.ID, err))
	}
	return v, nil
}

// publish adds a response to a view's graph as a new version when it
// differs from the latest. Its tag is a hash of the body, because the
// responses of POST-mode resources have no version tag of their own.
func (d *derived) publish(g *updates.Graph, snap *snapshot.Snapshot, mediaType string, body []byte) error {
	sum := sha256.Sum256(body)
	_, _, err := g.Publish(updates.Content{MediaType: mediaType, Body: body, Tag: hex.EncodeToString(sum[:16])})
	d.snap = snap
	return err
}

// refresh brings a view of a POST-mode resource to the snapshot that the
// handler serves. It reports false when the resource rejects the input
// since a reload, or the resource is gone, so that the view must close.
func (s *Service) refresh(v *view) bool {
	d := v.derived
	if d == nil {
		return true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	snap := s.handler.Snapshot()
	if snap == nil || snap == d.snap {
		return true
	}
	res := snap.ResourceByID(d.resourceID)
	if res == nil {
		return false
	}
	mediaType, body, err := s.handler.Evaluate(d.req, snap, res, d.input)
	if err != nil {
		s.logger.Debug("TIPS view input rejected since a reload", "resource_id", d.resourceID, "view", v.path, "err", err)
		return false
	}
	if err := d.publish(v.graph, snap, mediaType, body); err != nil {
		s.logger.Warn("publishing a TIPS view version failed", "resource_id", d.resourceID, "view", v.path, "err", err)
		return false
	}
	return true
}

// followReloads refreshes a view of a POST-mode resource each time the
// update engine signals a reload, until ctx ends, so that a long poll on
// the view gets the versions of new snapshots.
func (s *Service) followReloads(ctx context.Context, v *view) {
	gen := s.engine.Generation()
	for {
		next, err := s.engine.Wait(ctx, gen)
		if err != nil {
			return
		}
		gen = next
		if !s.refresh(v) {
			s.closeView(v, "the resource rejects the input of the view since a reload")
			return
		}
	}
}

// inputError returns the error of an input that the resource rejected,
// with the field path under "input".
func inputError(err error) error {
	var ae *alto.Error
	if !errors.As(err, &ae) {
		return alto.NewInvalidValue("input", "", "the resource rejected the input: "+err.Error())
	}
	out := *ae
	out.Status = 0
	out.Field = "input"
	if ae.Field != "" {
		out.Field += "/" + ae.Field
	}
	return &out
}
