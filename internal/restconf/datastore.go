package restconf

import (
	"context"
	"errors"
	"strings"
)

// Datastore is the configuration and state behind the RESTCONF data resource.
// Paths are RESTCONF data resource paths below /restconf/data, such as
// "ietf-alto:alto/alto-server/resource=my-map" (RFC 8040, Section 3.5.3).
type Datastore interface {
	// Get returns the data node at path as RFC 7951 JSON, its enclosing object
	// included ({"ietf-alto:alto": {...}}). With configOnly false it returns
	// configuration and state, with configOnly true configuration only. A missing node is ErrNotFound.
	Get(ctx context.Context, path string, configOnly bool) ([]byte, error)
	// Replace validates the new value of the node at path whole and applies it
	// atomically (PUT, RFC 8040, Section 4.5); on error nothing changes.
	Replace(ctx context.Context, path string, body []byte) error
	// Merge merges body into the node at path (plain PATCH, RFC 8040, Section 4.6.1).
	Merge(ctx context.Context, path string, body []byte) error
	// Delete removes the node at path (RFC 8040, Section 4.7).
	Delete(ctx context.Context, path string) error
}

// ErrNotFound reports a data node that does not exist.
var ErrNotFound = errors.New("data node not found")

// Problem is one reason a change was refused, reported as one entry of the
// RESTCONF error list (RFC 8040, Section 7.1).
type Problem struct {
	Tag     string // error-tag: "invalid-value", "missing-element", "data-missing", "operation-failed", ...
	Path    string // error-path: instance identifier of the node at fault
	Message string // error-message: the rule broken, in words
}

// ValidationError is the error of a rejected change. The RESTCONF layer
// responds with one error entry per problem, each with the status of its tag.
type ValidationError struct{ Problems []Problem }

// Error joins the problems as "path: message" with "; ".
func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Path)
		b.WriteString(": ")
		b.WriteString(p.Message)
	}
	return b.String()
}
