package server

import (
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/goalto/goalto/alto"
)

// limitLogInterval is the least time between two log lines of one kind
// of rejection.
const limitLogInterval = 10 * time.Second

// RejectionObserver receives one call per request that the handler
// rejects for a limit or an access check, with a reason that the server
// defines (see the Reason constants), so that it can be a metric label.
type RejectionObserver interface {
	ObserveRejection(reason string)
}

// Reasons of RejectionObserver.
const (
	ReasonAuthFailed   = "auth_failed"
	ReasonAccessDenied = "access_denied"
	ReasonRateLimited  = "rate_limited"
	ReasonOverloaded   = "overloaded"
	ReasonJSONDepth    = "json_depth"
	ReasonBodyTooLarge = "body_too_large"
	ReasonCostTypes    = "cost_types"
	// ReasonConnections is reported by the transport through
	// NoteRejection, for connections over a connection limit.
	ReasonConnections = "connections"
	// ReasonUpdateStreams is reported by the update stream service
	// through NoteRejection, for a stream over a limit on open streams.
	ReasonUpdateStreams = "update_streams"
	// ReasonTIPSViews is reported by the TIPS service through
	// NoteRejection, for a view open request over a limit on views.
	ReasonTIPSViews = "tips_views"
	// ReasonTLSHandshake is reported by the transport through
	// NoteRejection, for a connection whose TLS handshake failed.
	ReasonTLSHandshake = "tls_handshake"
	// ReasonPIDs is a PID list over Limits.MaxPIDs.
	ReasonPIDs = "pids"
	// ReasonEndpoints is an endpoint list over Limits.MaxEndpoints, or
	// a property map request with more entities, or more prefixes with
	// values inside its prefixes, than its limits.
	ReasonEndpoints = "endpoints"
	// ReasonANEProperties is an ane-property-names list of a path
	// vector request over its limit.
	ReasonANEProperties = "ane_properties"
	// ReasonPairs is reported by the path vector service through
	// NoteRejection, for a request with more source and destination
	// pairs than its limit.
	ReasonPairs = "pairs"
	// ReasonSubstreams is reported by the update stream service
	// through NoteRejection, for a request that would make a stream
	// exceed its limit on substreams.
	ReasonSubstreams = "substreams"
	// ReasonBodyTimeout is a request body not received within
	// Limits.BodyReadTimeout.
	ReasonBodyTimeout = "body_timeout"
	// ReasonHeaderTimeout is reported by the transport through
	// NoteRejection, for an HTTP/1.1 connection closed because a
	// request's headers were not received in time.
	ReasonHeaderTimeout = "header_timeout"
	// ReasonWriteTimeout is a response not written within
	// Limits.WriteTimeout. The transport reports it through
	// NoteRejection on HTTP/1.1, and the handler on HTTP/2 and HTTP/3.
	ReasonWriteTimeout = "write_timeout"
)

// RejectionReasons lists every reason of RejectionObserver, for metric
// series that exist before the first rejection and for help texts.
var RejectionReasons = []string{
	ReasonAuthFailed, ReasonAccessDenied, ReasonRateLimited, ReasonOverloaded,
	ReasonJSONDepth, ReasonBodyTooLarge, ReasonCostTypes, ReasonConnections,
	ReasonUpdateStreams, ReasonTIPSViews, ReasonTLSHandshake, ReasonPIDs,
	ReasonEndpoints, ReasonANEProperties, ReasonSubstreams, ReasonBodyTimeout,
	ReasonHeaderTimeout, ReasonWriteTimeout, ReasonPairs,
}

// NoteRejection counts and logs, rate-limited, a rejection made outside
// the handler, such as a connection over a limit of the transport.
func (h *Handler) NoteRejection(reason, msg string) { h.limitLog.log(h.logger, reason, msg) }

// NoteListLimit counts and logs, rate-limited, err when it rejects a
// list over a server limit (alto.NewTooMany), under the reason of the
// list's field. Other errors are ignored. Services call it with the
// error of a request that they reject.
func (h *Handler) NoteListLimit(err error) {
	field, ok := alto.ListLimitField(err)
	if !ok {
		return
	}
	reason, msg := ReasonEndpoints, "request rejected: more endpoints or entities in a list than the server accepts"
	switch {
	case strings.HasPrefix(field, "pids"):
		reason, msg = ReasonPIDs, "request rejected: more PIDs in a list than the server accepts"
	case field == "ane-property-names":
		reason, msg = ReasonANEProperties, "request rejected: more ane-property-names than the server accepts"
	}
	h.limitLog.log(h.logger, reason, msg)
}

// limitLog logs rejections of one kind at most once per
// limitLogInterval, with the number of rejections since the last line,
// and passes each one to the rejection observer. Lines carry no client
// address or request content (RFC 7285, Section 15.4).
type limitLog struct {
	observer RejectionObserver // nil for none; set before serving

	mu    sync.Mutex // guards kinds
	kinds map[string]*limitLogKind
}

type limitLogKind struct {
	last       time.Time
	suppressed int
	total      int
}

// log records one rejection of a kind.
func (l *limitLog) log(logger *slog.Logger, kind, msg string) {
	if l.observer != nil {
		l.observer.ObserveRejection(kind)
	}
	l.mu.Lock()
	if l.kinds == nil {
		l.kinds = map[string]*limitLogKind{}
	}
	k := l.kinds[kind]
	if k == nil {
		k = &limitLogKind{}
		l.kinds[kind] = k
	}
	k.total++
	now := time.Now()
	if !k.last.IsZero() && now.Sub(k.last) < limitLogInterval {
		k.suppressed++
		l.mu.Unlock()
		return
	}
	suppressed, total := k.suppressed, k.total
	k.last, k.suppressed = now, 0
	l.mu.Unlock()
	logger.Warn(msg, "reason", kind, "total", total, "suppressed_since_last_line", suppressed)
}

// Rejections returns the number of rejections of each kind since start.
func (h *Handler) Rejections() map[string]int {
	h.limitLog.mu.Lock()
	defer h.limitLog.mu.Unlock()
	out := map[string]int{}
	for kind, k := range h.limitLog.kinds {
		out[kind] = k.total
	}
	return out
}

// SetRejectionObserver makes the handler report every rejection to o.
// It must be called before the handler serves requests.
func (h *Handler) SetRejectionObserver(o RejectionObserver) { h.limitLog.observer = o }
