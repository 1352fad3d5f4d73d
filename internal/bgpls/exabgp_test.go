package bgpls

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"

	"github.com/goalto/goalto/internal/datadir"
)

// exaSample is one file of the ExaBGP decoding tests: a header line, the
// message in hex and ExaBGP's JSON decoding of it.
type exaSample struct {
	name  string
	bare  bool // the hex is a bare NLRI, not an UPDATE
	raw   []byte
	nlris []map[string]any // the NLRIs as ExaBGP decoded them
	attrs map[string]any   // ExaBGP's "bgp-ls" attribute, nil without one
}

func loadExaBGP(t *testing.T) []exaSample {
	t.Helper()
	dir := datadir.Path(t, "bgp-ls-exabgp")
	var samples []exaSample
	for i := 1; i <= 10; i++ {
		name := fmt.Sprintf("bgp-ls-%d", i)
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitN(strings.TrimSpace(string(data)), "\n", 3)
		if len(lines) != 3 {
			t.Fatalf("%s: %d lines, want 3", name, len(lines))
		}
		raw, err := hex.DecodeString(strings.ReplaceAll(lines[1], " ", ""))
		if err != nil {
			t.Fatalf("%s: hex: %v", name, err)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(lines[2]), &doc); err != nil {
			t.Fatalf("%s: JSON: %v", name, err)
		}
		s := exaSample{name: name, bare: strings.HasPrefix(lines[0], "nlri"), raw: raw}
		if s.bare {
			s.nlris = []map[string]any{doc}
		} else {
			s.nlris, s.attrs = exaUpdate(t, name, doc)
		}
		samples = append(samples, s)
	}
	return samples
}

// exaUpdate returns the announced NLRIs and the BGP-LS attribute of
// ExaBGP's JSON of an UPDATE.
func exaUpdate(t *testing.T, name string, doc map[string]any) ([]map[string]any, map[string]any) {
	t.Helper()
	update := dig(doc, "neighbor", "message", "update")
	if update == nil {
		t.Fatalf("%s: JSON without neighbor.message.update", name)
	}
	var nlris []map[string]any
	for _, list := range dig(update, "announce", "bgp-ls bgp-ls") {
		for _, n := range list.([]any) {
			nlris = append(nlris, n.(map[string]any))
		}
	}
	return nlris, dig(update, "attribute", "bgp-ls")
}

func dig(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			return nil
		}
		m = next
	}
	return m
}

// applySample decodes a sample with gobgp's parser into db.
func applySample(t *testing.T, db *Database, s exaSample) {
	t.Helper()
	if s.bare {
		nlri, err := bgp.NLRIFromSlice(bgp.RF_LS, s.raw)
		if err != nil {
			t.Fatalf("%s: decoding NLRI: %v", s.name, err)
		}
		if err := db.Announce(nlri, nil); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		return
	}
	u := decodeUpdate(t, s.name, s.raw)
	n, err := db.ApplyUpdate(u)
	if err != nil {
		t.Fatalf("%s: %v", s.name, err)
	}
	if n != len(s.nlris) {
		t.Errorf("%s: applied %d NLRIs, ExaBGP decoded %d", s.name, n, len(s.nlris))
	}
}

// decodeUpdate decodes a whole BGP message (with the 16-byte marker) or
// an UPDATE body.
func decodeUpdate(t testing.TB, name string, raw []byte) *bgp.BGPUpdate {
	t.Helper()
	if len(raw) >= 19 && raw[0] == 0xff {
		msg, err := bgp.ParseBGPMessage(raw)
		if err != nil {
			t.Fatalf("%s: decoding message: %v", name, err)
		}
		u, ok := msg.Body.(*bgp.BGPUpdate)
		if !ok {
			t.Fatalf("%s: message is %T, not an UPDATE", name, msg.Body)
		}
		return u
	}
	u := &bgp.BGPUpdate{}
	if err := u.DecodeFromBytes(raw); err != nil {
		t.Fatalf("%s: decoding UPDATE: %v", name, err)
	}
	return u
}

// The reference below reads ExaBGP's JSON only, never gobgp's decoding.

// refRouterID writes a router ID of ExaBGP's JSON in gobgp's notation:
// IS-IS system IDs as "xxxx.xxxx.xxxx" with "-NN" for a pseudonode, OSPF
// pseudonodes as "router-ID:interface".
func refRouterID(protocol int, desc map[string]any) string {
	id := desc["router-id"].(string)
	if protocol == 1 || protocol == 2 {
		out := id[0:4] + "." + id[4:8] + "." + id[8:12]
		if len(id) == 14 {
			out += "-" + id[12:]
		}
		return out
	}
	if dr, ok := desc["designated-router-id"].(string); ok {
		return id + ":" + dr
	}
	return id
}

// refNode merges a list of ExaBGP node descriptor objects.
func refNode(nlri map[string]any, key string) NodeID {
	desc := map[string]any{}
	for _, d := range nlri[key].([]any) {
		for k, v := range d.(map[string]any) {
			desc[k] = v
		}
	}
	protocol := int(nlri["protocol-id"].(float64))
	id := NodeID{Instance: uint64(nlri["l3-routing-topology"].(float64)), RouterID: refRouterID(protocol, desc)}
	if asn, ok := desc["autonomous-system"].(float64); ok {
		id.ASN = uint32(asn)
	}
	_, id.Pseudo = desc["psn"]
	if _, dr := desc["designated-router-id"]; dr {
		id.Pseudo = true
	}
	return id
}

// refContents builds the expected database contents from the JSON. The
// same link announced twice counts once.
func refContents(t *testing.T, samples []exaSample) Contents {
	t.Helper()
	var c Contents
	seenLink := map[string]bool{}
	for _, s := range samples {
		for _, n := range s.nlris {
			protocol := bgp.LsProtocolID(n["protocol-id"].(float64))
			switch n["ls-nlri-type"] {
			case "bgpls-node":
				node := Node{ID: refNode(n, "node-descriptors"), Protocol: protocol}
				if name, ok := s.attrs["node-name"].(string); ok {
					node.Name = name
				}
				c.Nodes = append(c.Nodes, node)
			case "bgpls-link":
				l := Link{Local: refNode(n, "local-node-descriptors"), Remote: refNode(n, "remote-node-descriptors"), Protocol: protocol}
				l.IGPMetric = refUint(s.attrs["igp-metric"])
				l.TEMetric = refUint(s.attrs["te-metric"])
				if d, ok := s.attrs["unidirectional-link-delay"].(map[string]any); ok {
					l.DelayMicros = refUint(d["delay-us"])
				}
				if bw, ok := s.attrs["maximum-link-bandwidth"].(float64); ok {
					f := float32(bw)
					l.MaxBandwidth = &f
				}
				key := fmt.Sprint(n)
				if !seenLink[key] {
					seenLink[key] = true
					c.Links = append(c.Links, l)
				}
			case "bgpls-prefix-v4", "bgpls-prefix-v6":
				p := netip.MustParsePrefix(n["ip-reach-prefix"].(string))
				c.Prefixes = append(c.Prefixes, Prefix{Node: refNode(n, "node-descriptors"), Protocol: protocol, Prefix: p})
			default:
				t.Fatalf("%s: unknown NLRI type %v", s.name, n["ls-nlri-type"])
			}
		}
	}
	return c
}

func refUint(v any) *uint32 {
	f, ok := v.(float64)
	if !ok {
		return nil
	}
	u := uint32(f)
	return &u
}

func TestExaBGPSamplesMatchReference(t *testing.T) {
	samples := loadExaBGP(t)
	db := NewDatabase()
	for _, s := range samples {
		applySample(t, db, s)
	}
	got := db.Contents()
	want := refContents(t, samples)

	t.Run("nodes", func(t *testing.T) {
		if len(got.Nodes) != len(want.Nodes) {
			t.Fatalf("%d nodes, want %d", len(got.Nodes), len(want.Nodes))
		}
		for _, w := range want.Nodes {
			if !containsNode(got.Nodes, w) {
				t.Errorf("node %+v missing; have %+v", w, got.Nodes)
			}
		}
	})
	t.Run("links", func(t *testing.T) {
		if len(got.Links) != len(want.Links) {
			t.Fatalf("%d links, want %d", len(got.Links), len(want.Links))
		}
		for _, w := range want.Links {
			if !containsLink(got.Links, w) {
				t.Errorf("link %s -> %s missing or different", w.Local, w.Remote)
			}
		}
	})
	t.Run("prefixes", func(t *testing.T) {
		if len(got.Prefixes) != len(want.Prefixes) {
			t.Fatalf("%d prefixes, want %d", len(got.Prefixes), len(want.Prefixes))
		}
		for i := range want.Prefixes {
			if got.Prefixes[i] != want.Prefixes[i] {
				t.Errorf("prefix %+v, want %+v", got.Prefixes[i], want.Prefixes[i])
			}
		}
	})
	if got.Ignored != 0 {
		t.Errorf("ignored %d NLRIs, want 0", got.Ignored)
	}
}

func containsNode(nodes []Node, want Node) bool {
	for _, n := range nodes {
		if n == want {
			return true
		}
	}
	return false
}

func containsLink(links []Link, want Link) bool {
	for _, l := range links {
		if l.Local == want.Local && l.Remote == want.Remote && l.Protocol == want.Protocol &&
			eqPtr(l.IGPMetric, want.IGPMetric) && eqPtr(l.TEMetric, want.TEMetric) &&
			eqPtr(l.DelayMicros, want.DelayMicros) && eqPtr(l.MaxBandwidth, want.MaxBandwidth) {
			return true
		}
	}
	return false
}

func eqPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func TestOpenDaylightUpdate(t *testing.T) {
	raw, err := os.ReadFile(datadir.Path(t, "bgp-ls-opendaylight", "up3.bin"))
	if err != nil {
		t.Fatal(err)
	}
	db := NewDatabase()
	n, err := db.ApplyUpdate(decodeUpdate(t, "up3.bin", raw))
	if err != nil {
		t.Fatal(err)
	}
	// The message carries three OSPFv2 Node NLRIs of AS 100, instance 1:
	// a pseudonode (designated router 3.3.3.4, interface 11.11.11.3) and
	// the routers 3.3.3.4 and 1.1.1.2.
	if n != 3 {
		t.Fatalf("applied %d NLRIs, want 3", n)
	}
	g := db.Graph(Options{})
	want := []string{"100:1:1.1.1.2", "100:1:3.3.3.4"}
	if len(g.Nodes) != len(want) {
		t.Fatalf("graph nodes %+v, want %v", g.Nodes, want)
	}
	for i, id := range want {
		if g.Nodes[i].ID != id {
			t.Errorf("node %d is %q, want %q", i, g.Nodes[i].ID, id)
		}
	}
}

func TestOpenDaylightOpen(t *testing.T) {
	raw, err := os.ReadFile(datadir.Path(t, "bgp-ls-opendaylight", "up4.bin"))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := bgp.ParseBGPMessage(raw)
	if err != nil {
		t.Fatal(err)
	}
	open, ok := msg.Body.(*bgp.BGPOpen)
	if !ok {
		t.Fatalf("message is %T, want an OPEN", msg.Body)
	}
	found := false
	for _, p := range open.OptParams {
		cp, ok := p.(*bgp.OptionParameterCapability)
		if !ok {
			continue
		}
		for _, c := range cp.Capability {
			if mp, ok := c.(*bgp.CapMultiProtocol); ok && mp.CapValue == bgp.RF_LS {
				found = true
			}
		}
	}
	if !found {
		t.Error("OPEN does not announce the BGP-LS multiprotocol capability")
	}
}
