package pathvector_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/pathvector"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/updates"
)

// exampleDomain is the server domain name of the RFC 9275 examples.
const exampleDomain = "alto.example.com"

// start serves a definition with the path vector service, whose parts
// name exampleDomain, and returns the base URL.
func start(t *testing.T, definition string) string {
	t.Helper()
	register := func(h *server.Handler, _ *updates.Engine, logger *slog.Logger) {
		s := pathvector.New(pathvector.Config{Domain: exampleDomain, Logger: logger})
		h.Handle(netdef.TypePathVectorCostMap, s)
		h.Handle(netdef.TypePathVectorEndpointCost, s)
	}
	d := alttest.StartConfig(t, daemon.Config{Definition: definition, Services: []daemon.Registrar{register}})
	return strings.TrimSuffix(d.IRDURL(), netdef.DefaultDirectory)
}

// reply is a response read in full.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func post(t *testing.T, url, contentType, body string) reply {
	t.Helper()
	return postAccept(t, url, contentType, `multipart/related; type="application/alto-costmap+json", multipart/related; type="application/alto-endpointcost+json", application/alto-error+json`, body)
}

// postAccept sends a POST request with an Accept header.
func postAccept(t *testing.T, url, contentType, accept, body string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// decode decodes a successful path vector reply.
func decode(t *testing.T, r reply) *pathvector.Message {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %s", r.status, r.body)
	}
	m, err := pathvector.Decode(r.header.Get("Content-Type"), bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("decoding the reply: %v\n%s", err, r.body)
	}
	return m
}

// pvPart is the path vector part of either resource type.
type pvPart struct {
	Meta struct {
		VTag           alto.VersionTag   `json:"vtag"`
		DependentVTags []alto.VersionTag `json:"dependent-vtags"`
		CostType       alto.CostType     `json:"cost-type"`
	} `json:"meta"`
	CostMap         map[string]map[string]anePath `json:"cost-map"`
	EndpointCostMap map[string]map[string]anePath `json:"endpoint-cost-map"`
}

// anePath is the path vector of one pair: its array of ANE names, alone
// or, in a multi-cost response, as the one array among the pair's values;
// nil when a multi-cost response has no path vector.
type anePath []string

func (a *anePath) UnmarshalJSON(b []byte) error {
	var names []string
	if err := json.Unmarshal(b, &names); err == nil {
		*a = names
		return nil
	}
	var values []json.RawMessage
	if err := json.Unmarshal(b, &values); err != nil {
		return err
	}
	for _, v := range values {
		if json.Unmarshal(v, &names) == nil {
			*a = names
			return nil
		}
	}
	*a = nil // a multi-cost value without the path vector type
	return nil
}

// paths returns the cost map or the endpoint cost map.
func (p *pvPart) paths() map[string]map[string]anePath {
	if p.CostMap != nil {
		return p.CostMap
	}
	return p.EndpointCostMap
}

type propPart struct {
	Meta struct {
		DependentVTags []alto.VersionTag `json:"dependent-vtags"`
	} `json:"meta"`
	PropertyMap map[string]map[string]any `json:"property-map"`
}

// parts decodes the two JSON parts of a message.
func parts(t *testing.T, m *pathvector.Message) (*pvPart, *propPart) {
	t.Helper()
	var pv pvPart
	if err := json.Unmarshal(m.Root().Body, &pv); err != nil {
		t.Fatalf("path vector part: %v", err)
	}
	var props propPart
	if err := json.Unmarshal(m.PropertyMap().Body, &props); err != nil {
		t.Fatalf("property map part: %v", err)
	}
	return &pv, &props
}
