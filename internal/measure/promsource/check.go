package promsource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/measure"
	"github.com/goalto/goalto/internal/netdef"
)

// CheckFactory is the daemon.SourceFactory of altod --check. It reads
// the measurements once, as Factory does, but first sends every
// configured query and returns an error naming the file and field of
// each query that Prometheus rejects as invalid (error type bad_data).
// An unreachable or failing server is not an error: its values stay
// missing and the warnings report them.
func CheckFactory(def *netdef.Definition, logger *slog.Logger) (daemon.Source, error) {
	if !def.Measurements.Enabled() {
		return nil, nil
	}
	s, err := New(def, logger)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	if err := s.rejectedQueries(ctx, def.File); err != nil {
		return nil, err
	}
	close(s.done) // no polling goroutine runs, so Close returns at once
	s.poll(ctx)
	return s, nil
}

// rejectedQueries sends the query of each measured kind, and the
// expression of each of its operators, once. It returns the queries
// that Prometheus rejects as bad_data, one per kind, joined.
func (s *Source) rejectedQueries(ctx context.Context, file string) error {
	expressions := map[measure.Kind][]string{}
	for _, key := range s.current {
		expressions[key.Kind] = append(expressions[key.Kind], s.Expression(key))
	}
	for _, key := range s.history {
		expressions[key.Kind] = append(expressions[key.Kind], s.cfg.Links[key.Kind].Query)
	}
	kinds := make([]measure.Kind, 0, len(expressions))
	for kind := range expressions {
		kinds = append(kinds, kind)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })

	var errs []error
	for _, kind := range kinds {
		query := s.cfg.Links[kind].Query
		for _, q := range append([]string{query}, expressions[kind]...) {
			if msg, bad := s.badData(ctx, q); bad {
				errs = append(errs, fmt.Errorf("%s: measurements.links.%s.query: Prometheus rejects %q as an invalid query: %s", file, kind, query, msg))
				break
			}
		}
	}
	return errors.Join(errs...)
}

// badData sends one instant query and reports whether Prometheus rejects
// it as bad_data, with Prometheus's message. Other failures, such as an
// unreachable server, are not reported here.
func (s *Source) badData(ctx context.Context, q string) (string, bool) {
	_, _, _, err := s.api.Query(ctx, q, time.Now())
	var apiErr *v1.Error
	if errors.As(err, &apiErr) && apiErr.Type == v1.ErrBadData {
		return apiErr.Msg, true
	}
	return "", false
}
