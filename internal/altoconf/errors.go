package altoconf

import (
	"fmt"
	"strings"
)

// Rules broken, named in Error.Rule.
const (
	RuleSyntax      = "syntax"       // not JSON or YAML of the right shape
	RuleUnknown     = "unknown-node" // a member that no schema node matches
	RuleModule      = "module"       // a node of a module altod does not implement
	RuleFeature     = "if-feature"   // a node or identity of a feature altod does not support
	RuleState       = "config-false" // state data in a configuration
	RuleType        = "type"         // a value of the wrong type
	RuleRange       = "range"
	RuleLength      = "length"
	RulePattern     = "pattern"
	RuleEnum        = "enumeration"
	RuleIdentity    = "identityref"
	RuleLeafref     = "leafref"   // a reference to a missing instance
	RuleMandatory   = "mandatory" // a missing mandatory node
	RuleKey         = "key"       // a missing list key
	RuleUnique      = "unique"    // a duplicate leaf-list value or list entry
	RuleElements    = "min-elements"
	RuleMaxElements = "max-elements"
	RuleChoice      = "choice" // data of two cases of one choice
	RuleWhen        = "when"   // a node whose when condition is false
	RuleSupported   = "supported"
)

// Error is one reason a configuration is invalid: where, which rule of
// the YANG modules it breaks (or which part altod does not implement),
// and how.
type Error struct {
	File string // empty for a configuration that is not from a file
	Line int    // 0 when unknown
	// Path is the instance identifier of the node at fault, such as
	// "/ietf-alto:alto/alto-server/resource[resource-id='m']/resource-type".
	Path    string
	Rule    string
	Message string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Message)
	if e.Rule != "" {
		b.WriteString(" [" + e.Rule + "]")
	}
	return b.String()
}

// Errors are every problem found in one configuration.
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}
