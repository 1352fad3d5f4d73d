package restconf_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/goalto/goalto/internal/restconf"
)

// memStore is a Datastore backed by a map of resources, as a test double
// of the configuration packages. It supports two paths: ietf-alto:alto and
// ietf-alto:alto/alto-server/resource=ID. A resource must have a
// resource-type.
type memStore struct {
	mu        sync.Mutex
	resources map[string]map[string]any
	changes   int
}

func newMemStore(ids ...string) *memStore {
	s := &memStore{resources: map[string]map[string]any{}}
	for _, id := range ids {
		s.resources[id] = map[string]any{"resource-id": id, "resource-type": "ietf-alto:network-map"}
	}
	return s
}

func (s *memStore) resourceID(path string) (string, bool, error) {
	if path == "ietf-alto:alto" {
		return "", false, nil
	}
	rest, ok := strings.CutPrefix(path, "ietf-alto:alto/alto-server/resource=")
	if !ok || strings.Contains(rest, "/") {
		return "", false, restconf.ErrNotFound
	}
	id, err := url.PathUnescape(rest)
	return id, true, err
}

func (s *memStore) Get(_ context.Context, path string, _ bool) ([]byte, error) {
	id, one, err := s.resourceID(path)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if one {
		r, ok := s.resources[id]
		if !ok {
			return nil, restconf.ErrNotFound
		}
		return json.Marshal(map[string]any{"ietf-alto:resource": []any{r}})
	}
	list := []any{}
	for _, r := range s.sorted() {
		list = append(list, r)
	}
	return json.Marshal(map[string]any{"ietf-alto:alto": map[string]any{"alto-server": map[string]any{"resource": list}}})
}

func (s *memStore) sorted() []map[string]any {
	var out []map[string]any
	for _, id := range sortedKeys(s.resources) {
		out = append(out, s.resources[id])
	}
	return out
}

// decodeEntry decodes {"ietf-alto:resource": [entry]} and checks it.
func decodeEntry(id string, body []byte) (map[string]any, error) {
	var v struct {
		Resource []map[string]any `json:"ietf-alto:resource"`
	}
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&v); err != nil || len(v.Resource) != 1 {
		return nil, &restconf.ValidationError{Problems: []restconf.Problem{{Tag: "invalid-value", Path: "/ietf-alto:alto/alto-server/resource", Message: "want one list entry"}}}
	}
	e := v.Resource[0]
	if got := fmt.Sprint(e["resource-id"]); got != id {
		return nil, &restconf.ValidationError{Problems: []restconf.Problem{{Tag: "invalid-value", Path: "/ietf-alto:alto/alto-server/resource=" + id + "/resource-id", Message: "the key in the body differs from the key in the path"}}}
	}
	return e, nil
}

// change returns the resource ID of a change's path and the entry of its
// body.
func (s *memStore) change(path string, body []byte) (string, map[string]any, error) {
	id, one, err := s.resourceID(path)
	if err != nil || !one {
		return "", nil, restconf.ErrNotFound
	}
	e, err := decodeEntry(id, body)
	return id, e, err
}

func (s *memStore) Replace(_ context.Context, path string, body []byte) error {
	id, e, err := s.change(path, body)
	if err != nil {
		return err
	}
	if _, ok := e["resource-type"]; !ok {
		return &restconf.ValidationError{Problems: []restconf.Problem{{Tag: "missing-element", Path: "/ietf-alto:alto/alto-server/resource=" + id + "/resource-type", Message: "mandatory leaf resource-type is missing"}}}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resources[id] = e
	s.changes++
	return nil
}

func (s *memStore) Merge(_ context.Context, path string, body []byte) error {
	id, e, err := s.change(path, body)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.resources[id]
	if !ok {
		return restconf.ErrNotFound
	}
	for k, v := range e {
		cur[k] = v
	}
	s.changes++
	return nil
}

func (s *memStore) Delete(_ context.Context, path string) error {
	id, one, err := s.resourceID(path)
	if err != nil || !one {
		return restconf.ErrNotFound
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.resources[id]; !ok {
		return restconf.ErrNotFound
	}
	delete(s.resources, id)
	s.changes++
	return nil
}
