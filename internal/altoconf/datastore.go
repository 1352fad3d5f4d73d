package altoconf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/restconf"
	"github.com/goalto/goalto/internal/yangschema"
)

// ErrNotFound reports a data node that does not exist; it is
// restconf.ErrNotFound.
var ErrNotFound = restconf.ErrNotFound

// ApplyFunc builds the maps of a new definition beside the running ones
// and calls commit once they are built. When commit returns nil, it swaps
// the new maps in. On any error the running maps keep serving.
// daemon.Daemon.ApplyDefinition is one.
type ApplyFunc func(def *netdef.Definition, commit func() error) error

// Datastore is the running configuration behind the RESTCONF data
// resource (restconf.Datastore). A change is applied to a copy of the
// configuration and validated whole. The copy is mapped to a definition,
// whose maps are built beside the running ones, written to the
// configuration file and then swapped in. An invalid change is a
// *restconf.ValidationError and changes nothing. Changes are serialised.
type Datastore struct {
	mu    sync.Mutex // guards the following fields and serialises changes
	apply ApplyFunc
	cur   *Config
	// badEdit is the error of a hand-edited file that failed to load at
	// the last refresh, or nil when it loaded.
	badEdit error
	logger  *slog.Logger
}

// SetLogger sets the logger of warnings; the default is slog.Default().
func (s *Datastore) SetLogger(l *slog.Logger) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logger = l
}

// errStarting rejects changes before SetApply.
var errStarting = errors.New("the server is starting: try again once it serves")

// NewDatastore loads the configuration file at path; apply applies each
// accepted change to the running server. apply may be nil and set later
// with SetApply, for a server that starts after its datastore; until
// then changes fail.
func NewDatastore(path string, apply ApplyFunc) (*Datastore, error) {
	c, err := Load(path)
	if err != nil {
		return nil, err
	}
	return &Datastore{apply: apply, cur: c, logger: slog.Default()}, nil
}

// SetApply sets the function that applies changes to the running
// server.
func (s *Datastore) SetApply(apply ApplyFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apply = apply
}

// Config returns the running configuration.
func (s *Datastore) Config() *Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// Get returns the configuration node at path as RFC 7951 JSON. The
// datastore holds configuration only, so configOnly changes nothing.
func (s *Datastore) Get(_ context.Context, path string, _ bool) ([]byte, error) {
	steps, err := parsePath(path)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshLocked()
	n, _, _ := locate(topOf(s.cur.Doc), steps)
	if n == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, path)
	}
	last := steps[len(steps)-1]
	key := memberKey(last)
	if p := last.node.DataParent(); p != nil {
		key = last.node.Module + ":" + last.node.Name
	}
	if last.keys != nil {
		n = &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{n}}
	}
	return encodeJSON(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{strNode(key), n}}, "")
}

// Replace validates and applies a PUT of the node at path, which
// creates it when missing (RFC 8040, Section 4.5).
func (s *Datastore) Replace(_ context.Context, path string, body []byte) error {
	return s.change(path, func(top *yaml.Node, steps []step) error {
		val, err := bodyValue(body, steps)
		if err != nil {
			return err
		}
		return put(top, steps, val)
	})
}

// Merge validates and applies a plain PATCH, merging body into the node
// at path, which must exist (RFC 8040, Section 4.6.1).
func (s *Datastore) Merge(_ context.Context, path string, body []byte) error {
	return s.change(path, func(top *yaml.Node, steps []step) error {
		val, err := bodyValue(body, steps)
		if err != nil {
			return err
		}
		if ps := bodyDuplicates(val, steps); len(ps) > 0 {
			return &restconf.ValidationError{Problems: ps}
		}
		n, _, _ := locate(top, steps)
		if n == nil {
			return fmt.Errorf("%w: %s", ErrNotFound, path)
		}
		merge(n, val, steps[len(steps)-1].node)
		return nil
	})
}

// Delete validates and applies the removal of the node at path (RFC
// 8040, Section 4.7).
func (s *Datastore) Delete(_ context.Context, path string) error {
	return s.change(path, func(top *yaml.Node, steps []step) error {
		n, holder, idx := locate(top, steps)
		if n == nil {
			return fmt.Errorf("%w: %s", ErrNotFound, path)
		}
		if len(steps) == 1 {
			top.Content = nil
			return nil
		}
		if holder.Kind == yaml.SequenceNode {
			holder.Content = append(holder.Content[:idx], holder.Content[idx+1:]...)
			return nil
		}
		holder.Content = append(holder.Content[:idx-1], holder.Content[idx+1:]...)
		return nil
	})
}

// change applies edit to a copy of the running document, validates the
// result whole and applies it, saving the file before the new maps are
// swapped in.
func (s *Datastore) change(path string, edit func(top *yaml.Node, steps []step) error) error {
	steps, err := parsePath(path)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.apply == nil {
		return errStarting
	}
	s.refreshLocked()
	doc := deepCopy(s.cur.Doc)
	if err := edit(topOf(doc), steps); err != nil {
		return err
	}

	c, err := FromDoc(doc, s.cur.File, s.cur.YAML)
	if err != nil {
		return validationError(err)
	}
	data, err := encodeFile(c)
	if err != nil {
		return fmt.Errorf("encoding the configuration: %w", err)
	}

	if err := s.apply(c.Def, func() error { return writeAtomic(c.File, data) }); err != nil {
		var e *Error
		if errors.As(c.Explain(err), &e) {
			// The message names the node by its path, not by a line of the
			// file: the request may not have touched that part of it.
			return &restconf.ValidationError{Problems: []restconf.Problem{{Tag: "invalid-value", Path: e.Path, Message: e.Message}}}
		}
		return fmt.Errorf("applying the configuration: %w", err)
	}
	if s.badEdit != nil {
		s.logger.Warn("a RESTCONF change replaced a hand edit of the configuration file that failed to load",
			"file", c.File, "err", s.badEdit)
	}
	s.cur = c
	return nil
}

// refreshLocked rereads the configuration file, so that a change made
// to the file by hand since the last change is the base of the next one.
// A file that is no longer valid is ignored: the reload of the daemon
// reports it, and the last valid configuration stays the base.
func (s *Datastore) refreshLocked() {
	c, err := Load(s.cur.File)
	s.badEdit = err
	if err == nil {
		s.cur = c
	}
}

// topOf returns the mapping of the top-level object of the ietf-alto
// container: the value of its TopMember.
func topOf(doc *yaml.Node) *yaml.Node {
	n := doc
	if n.Kind == yaml.DocumentNode {
		n = n.Content[0]
	}
	if v := mapValue(n, TopMember); v != nil {
		return v
	}
	return n
}

// bodyValue decodes a request body, an object whose only member is the
// target node (RFC 8040, Section 4.5), and returns the member's value:
// for a list entry, the single entry of the array.
func bodyValue(body []byte, steps []step) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil || len(doc.Content) == 0 {
		return nil, &restconf.ValidationError{Problems: []restconf.Problem{{Tag: "malformed-message", Message: "the body is not a JSON object"}}}
	}
	obj := doc.Content[0]
	last := steps[len(steps)-1]
	want := last.node.Module + ":" + last.node.Name
	if obj.Kind != yaml.MappingNode || len(obj.Content) != 2 || (obj.Content[0].Value != want && obj.Content[0].Value != last.node.Name) {
		return nil, &restconf.ValidationError{Problems: []restconf.Problem{{Tag: "malformed-message", Message: fmt.Sprintf("the body must be an object with the single member %s", want)}}}
	}
	val := plain(obj.Content[1])
	if last.keys == nil {
		return val, nil
	}
	if val.Kind != yaml.SequenceNode || len(val.Content) != 1 {
		return nil, &restconf.ValidationError{Problems: []restconf.Problem{{Tag: "malformed-message", Message: fmt.Sprintf("a list entry is written {%q: [{...}]} with one entry", want)}}}
	}
	if !entryHasKeys(val.Content[0], last.node, last.keys) {
		return nil, &restconf.ValidationError{Problems: []restconf.Problem{{Tag: "invalid-value", Message: "the keys in the body differ from the keys in the path (RFC 8040, Section 4.5)"}}}
	}
	return val.Content[0], nil
}

// put sets the node of the last step to val, creating it and its
// missing ancestors.
func put(top *yaml.Node, steps []step, val *yaml.Node) error {
	if len(steps) == 1 {
		*top = *val
		return nil
	}
	n := top
	for i, st := range steps[1:] {
		lastStep := i == len(steps)-2
		j := memberIndex(n, st)
		if j < 0 {
			child := &yaml.Node{Kind: yaml.MappingNode}
			if st.keys != nil {
				child = &yaml.Node{Kind: yaml.SequenceNode}
			}
			if lastStep && st.keys == nil {
				child = val
			}
			n.Content = append(n.Content, strNode(memberKey(st)), child)
			j = len(n.Content) - 2
		} else if lastStep && st.keys == nil {
			n.Content[j+1] = val
		}
		n = n.Content[j+1]
		if st.keys != nil {
			k := entryIndex(n, st)
			switch {
			case k < 0 && lastStep:
				n.Content = append(n.Content, val)
			case k < 0:
				return fmt.Errorf("%w: list entry %s", ErrNotFound, st.node.Name)
			case lastStep:
				n.Content[k] = val
			default:
				n = n.Content[k]
			}
		}
	}
	return nil
}

// merge merges val into n, the data node of schema node sn, as the merge
// of RFC 8040, Section 4.6.1 does. Members of containers and list entries
// merge recursively, list entries by key and leaf-list values by value.
// Other values replace the old ones.
func merge(n, val *yaml.Node, sn *yangschema.Node) {
	if n.Kind != yaml.MappingNode || val.Kind != yaml.MappingNode {
		*n = *val
		return
	}
	for i := 0; i+1 < len(val.Content); i += 2 {
		k, v := val.Content[i], val.Content[i+1]
		c := childByMember(sn, k.Value)
		j := -1
		for x := 0; x+1 < len(n.Content); x += 2 {
			if c != nil && (n.Content[x].Value == memberName(sn, c) || n.Content[x].Value == c.Module+":"+c.Name) || n.Content[x].Value == k.Value {
				j = x
				break
			}
		}
		switch {
		case j < 0:
			n.Content = append(n.Content, k, v)
		case c != nil && c.Kind == yangschema.List:
			mergeList(n.Content[j+1], v, c)
		case c != nil && c.Kind == yangschema.LeafList:
			mergeLeafList(n.Content[j+1], v)
		case c != nil && c.Kind == yangschema.Container:
			merge(n.Content[j+1], v, c)
		default:
			n.Content[j+1] = v
		}
	}
}

func childByMember(sn *yangschema.Node, member string) *yangschema.Node {
	if sn == nil {
		return nil
	}
	mod, name, ok := strings.Cut(member, ":")
	if !ok {
		mod, name = sn.Module, member
	}
	return sn.Child(mod, name)
}

func mergeList(seq, val *yaml.Node, list *yangschema.Node) {
	if seq.Kind != yaml.SequenceNode || val.Kind != yaml.SequenceNode {
		*seq = *val
		return
	}
	for _, e := range val.Content {
		var keys []string
		for _, k := range list.Keys {
			if v := mapValue(e, k); v != nil {
				keys = append(keys, v.Value)
			}
		}
		j := -1
		if len(keys) == len(list.Keys) {
			j = entryIndex(seq, step{node: list, keys: keys})
		}
		if j < 0 {
			seq.Content = append(seq.Content, e)
			continue
		}
		merge(seq.Content[j], e, list)
	}
}

func mergeLeafList(seq, val *yaml.Node) {
	if seq.Kind != yaml.SequenceNode || val.Kind != yaml.SequenceNode {
		*seq = *val
		return
	}
	have := map[string]bool{}
	for _, e := range seq.Content {
		have[e.Value] = true
	}
	for _, e := range val.Content {
		if !have[e.Value] {
			seq.Content = append(seq.Content, e)
			have[e.Value] = true
		}
	}
}

// validationError turns the errors of a configuration into the RESTCONF
// error list, one entry per problem (RFC 8040, Section 7.1).
func validationError(err error) error {
	es := AsErrors(err)
	if es == nil {
		return &restconf.ValidationError{Problems: []restconf.Problem{{Tag: "invalid-value", Path: "/" + TopMember, Message: err.Error()}}}
	}
	ve := &restconf.ValidationError{}
	for _, e := range es {
		ve.Problems = append(ve.Problems, restconf.Problem{Tag: errorTag(e.Rule), Path: e.Path, Message: e.Message + " [" + e.Rule + "]"})
	}
	return ve
}

// errorTag returns the error-tag of a broken rule, as RFC 7950, Section
// 15 and RFC 6241, Appendix A assign them.
func errorTag(rule string) string {
	switch rule {
	case RuleMandatory, RuleKey:
		// An expected node is missing (RFC 6241, Appendix A).
		return "missing-element"
	case RuleLeafref:
		// RFC 7950, Section 15.5.
		return "data-missing"
	case RuleElements, RuleMaxElements, RuleUnique:
		return "operation-failed"
	case RuleUnknown, RuleFeature, RuleState:
		return "unknown-element"
	case RuleModule:
		return "unknown-namespace"
	case RuleSupported:
		return "operation-not-supported"
	case RuleSyntax:
		return "malformed-message"
	}
	return "invalid-value"
}

// writeAtomic replaces the file at path with data. It writes a temporary
// file in the same directory, syncs it, renames it over path and syncs
// the directory, so that a crash leaves the old or the new file.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("saving the configuration: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("saving the configuration: %w", err)
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return fmt.Errorf("saving the configuration: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("saving the configuration: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("saving the configuration: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("saving the configuration: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("saving the configuration: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("saving the configuration: %w", err)
	}
	return nil
}
