package conformance

import (
	"context"
	"fmt"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/goalto/goalto/alto"
)

// applyUpdate applies an update of a resource to its document: a full
// replacement in the resource's own media type, a JSON merge patch (RFC
// 7396) or a JSON patch (RFC 6902), the encodings that RFC 8895,
// Section 5.2 and RFC 9569, Section 3 allow.
func applyUpdate(doc []byte, resourceType, mediaType string, data []byte) ([]byte, error) {
	switch mediaType {
	case resourceType:
		return data, nil
	case alto.MediaTypeMergePatch:
		out, err := jsonpatch.MergePatch(doc, data)
		if err != nil {
			return nil, fmt.Errorf("applying a JSON merge patch: %w", err)
		}
		return out, nil
	case alto.MediaTypeJSONPatch:
		patch, err := jsonpatch.DecodePatch(data)
		if err != nil {
			return nil, fmt.Errorf("decoding a JSON patch: %w", err)
		}
		out, err := patch.Apply(doc)
		if err != nil {
			return nil, fmt.Errorf("applying a JSON patch: %w", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("update of media type %q, which is neither %s nor a JSON merge patch or JSON patch", mediaType, resourceType)
}

// trigger runs Config.Trigger and drops the maps fetched before.
func (s *session) trigger(ctx context.Context) error {
	s.forgetMaps()
	if err := s.cfg.Trigger(ctx); err != nil {
		return fmt.Errorf("trigger failed: %w", err)
	}
	return nil
}

// currentBody returns the body of a fresh GET of a resource.
func (s *session) currentBody(ctx context.Context, r *resource) ([]byte, error) {
	x := s.do(ctx, get(r.URI, r.MediaType))
	if err := x.wantSuccess(r.MediaType); err != nil {
		return nil, err
	}
	return x.body, nil
}

// followed is a resource whose versions a check follows through
// updates, with the document the updates have built so far.
type followed struct {
	id      string // substream ID or resource ID
	r       *resource
	doc     []byte
	initial []byte
	updates int
}

// mismatch returns "" when every document equals a fresh GET of its
// resource, and otherwise the first difference.
func (s *session) mismatch(ctx context.Context, list []*followed) (string, error) {
	for _, f := range list {
		body, err := s.currentBody(ctx, f.r)
		if err != nil {
			return "", err
		}
		d, err := bodyDiff(f.doc, body)
		if err != nil {
			return "", fmt.Errorf("%s: %w", f.id, err)
		}
		if d != "" {
			return fmt.Sprintf("%s (%s) differs from GET %s at %s", f.id, f.r.ID, f.r.URI, d), nil
		}
	}
	return "", nil
}

// changedSinceStart reports whether a fresh GET of any followed
// resource differs from the document it started with.
func (s *session) changedSinceStart(ctx context.Context, list []*followed) bool {
	for _, f := range list {
		body, err := s.currentBody(ctx, f.r)
		if err != nil {
			return true
		}
		if d, err := bodyDiff(f.initial, body); err != nil || d != "" {
			return true
		}
	}
	return false
}

// updateOutcome turns the end of a wait for updates into an error: nil
// when every document equals its GET after at least one update, a skip
// when the server did not change, and a failure otherwise.
func (s *session) updateOutcome(ctx context.Context, list []*followed, what string) error {
	updates := 0
	for _, f := range list {
		updates += f.updates
	}
	d, err := s.mismatch(ctx, list)
	if err != nil {
		return err
	}
	switch {
	case updates > 0 && d == "":
		return nil
	case updates > 0:
		return fmt.Errorf("expected the %s to rebuild the GET result within %s; got %s", what, s.cfg.UpdateTimeout, d)
	case !s.changedSinceStart(ctx, list):
		return skipf("the trigger ran, but no followed resource changed within %s", s.cfg.UpdateTimeout)
	}
	return fmt.Errorf("expected the %s to send an update within %s of the change that GET shows; got none", what, s.cfg.UpdateTimeout)
}

func updateChecks() []Check {
	return []Check{
		{
			ID: "sse.patches", Section: "RFC 8895, Section 6.7.1", Feature: FeatureUpdateStream,
			Title: "after a change, the updates of an update stream rebuild the GET result, network map updates first",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindUpdateStream, "update stream service", func(r *resource) error {
					return s.checkStreamPatches(ctx, r)
				}))
			},
		},
		{
			ID: "tips.updates", Section: "RFC 9569, Section 7.2", Feature: FeatureTIPS,
			Title: "after a change, the next update item of a TIPS view rebuilds the GET result",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindTIPS, "TIPS resource", func(r *resource) error {
					return s.checkTIPSUpdates(ctx, r)
				}))
			},
		},
	}
}
