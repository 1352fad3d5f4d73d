package restconf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
)

// MemLimits returns the notify-res-mem-limit of every resource of the
// configuration in ds that sets one, by resource ID, in bytes. A
// configuration without resources gives an empty map.
func MemLimits(ctx context.Context, ds Datastore) (map[string]uint64, error) {
	data, err := ds.Get(ctx, altoMember, true)
	if errors.Is(err, ErrNotFound) {
		return map[string]uint64{}, nil
	}
	if err != nil {
		return nil, err
	}
	var doc struct {
		Alto struct {
			Server struct {
				Resource []struct {
					ID     string `json:"resource-id"`
					Limits struct {
						Mem json.RawMessage `json:"notify-res-mem-limit"`
					} `json:"resource-limits"`
				} `json:"resource"`
			} `json:"alto-server"`
		} `json:"ietf-alto:alto"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("decoding the configuration: %w", err)
	}
	out := map[string]uint64{}
	for _, r := range doc.Alto.Server.Resource {
		if len(r.Limits.Mem) == 0 {
			continue
		}
		// RFC 7951, Section 6.1 encodes uint64 as a string; a bare
		// number is accepted too.
		var text string
		if json.Unmarshal(r.Limits.Mem, &text) != nil {
			text = string(r.Limits.Mem)
		}
		v, err := strconv.ParseUint(text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("resource %q: invalid notify-res-mem-limit %s", r.ID, r.Limits.Mem)
		}
		out[r.ID] = v
	}
	return out, nil
}

// WatchMemLimits returns ds with each accepted change followed by a call
// of set with the notify-res-mem-limit values of the new configuration.
// A failure to read them is logged and leaves the previous limits.
func WatchMemLimits(ds Datastore, set func(map[string]uint64), logger *slog.Logger) Datastore {
	return &limitWatcher{Datastore: ds, set: set, logger: logger}
}

type limitWatcher struct {
	Datastore
	set    func(map[string]uint64)
	logger *slog.Logger
}

func (w *limitWatcher) Replace(ctx context.Context, path string, body []byte) error {
	return w.after(ctx, w.Datastore.Replace(ctx, path, body))
}

func (w *limitWatcher) Merge(ctx context.Context, path string, body []byte) error {
	return w.after(ctx, w.Datastore.Merge(ctx, path, body))
}

func (w *limitWatcher) Delete(ctx context.Context, path string) error {
	return w.after(ctx, w.Datastore.Delete(ctx, path))
}

// after reads the limits when the change err ended was accepted.
func (w *limitWatcher) after(ctx context.Context, err error) error {
	if err != nil {
		return err
	}
	limits, lerr := MemLimits(ctx, w.Datastore)
	if lerr != nil {
		w.logger.Error("reading notify-res-mem-limit after a change failed; the previous limits stay", "err", lerr)
		return nil
	}
	w.set(limits)
	return nil
}
