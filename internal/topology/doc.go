// Package topology reads network graphs (Topology Zoo GraphML, goalto's
// YAML/JSON form, the LHCONE simulator YAML) and computes all-pairs shortest
// paths for cost maps.
//
// # Graph model
//
// A [Graph] is a list of [Node] values and a list of [Link] values whose
// From/To fields are indices into Graph.Nodes. Links are undirected unless
// Directed is set. Parallel links and self-loops are kept as they appear in
// the input: shortest paths simply never gain anything from a self-loop and
// pick the cheapest of parallel links. A graph may have several connected
// components; pairs in different components are reported unreachable by
// [Paths.Cost] and [Paths.Hops].
//
// [Load] picks the parser from the file extension: ".graphml" goes to
// [ParseGraphML]; ".yaml", ".yml" and ".json" go to [ParseYAML], which
// recognises goalto's own form (top-level "nodes" is a sequence) and the
// LHCONE simulator form (top-level "nodes" is a mapping). Extensions are
// matched case-insensitively. Every parser returns a graph that passes
// [Graph.Validate].
//
// # Errors
//
// Invalid input is reported as a *[ParseError] carrying the file name, a
// 1-based line number (0 when unknown), the offending field and a reason,
// formatted "FILE:LINE: FIELD: REASON" (the line part is left out when it is
// unknown, the field part when there is no field). Field paths look like
// "links[3].metric" or "nodes[0].prefixes[1]" (goalto form, 0-based
// indices), "nodes.AGLT2.ip-prefixes[1]" or "links[5][1]" (LHCONE form), and
// `node[id="12"].Latitude` or "edge[7].source" (GraphML, edges counted from 0
// in document order).
//
// # goalto YAML/JSON form
//
// The top level is a mapping with these fields (unknown fields are errors):
//
//	name: example            # optional; default: file base name without extension
//	nodes:                   # required, a sequence (may be empty)
//	  - id: a                # required, unique, non-empty string (a number is read as written)
//	    label: Site A        # optional; default: the id
//	    asn: 64500           # optional, 0..4294967295; 0 means unknown
//	    lat: 46.2            # optional, degrees in [-90, 90]; lat and lon go together
//	    lon: 6.1             # degrees in [-180, 180]
//	    prefixes: [192.0.2.0/24, 2001:db8::/48]   # optional; host bits are masked off, duplicates dropped
//	  - id: b
//	links:                   # optional, a sequence
//	  - {from: a, to: b, metric: 10, capacity: 10e9, latency: 2.5, directed: false}
//
// Link fields: from and to (required, node ids), metric (routing metric,
// finite and > 0, default 1), capacity (bits per second, finite and >= 0,
// default 0 = unknown), latency (one-way milliseconds, finite and >= 0,
// default 0 = unknown), directed (bool, default false: the link can be used
// both ways; true: only from -> to). An explicit null counts as an absent
// optional field. Numbers must be YAML numbers (a quoted "10" is an error).
//
// The same document written as JSON is accepted as is, since JSON is YAML:
//
//	{"name": "example",
//	 "nodes": [{"id": "a", "asn": 64500, "prefixes": ["192.0.2.0/24"]}, {"id": "b"}],
//	 "links": [{"from": "a", "to": "b", "metric": 10}]}
//
// Anchors, aliases and merge keys ("<<: *defaults") may be used, for example
// to share link settings. Only one YAML document per file is allowed. Every
// error carries the line of the offending value (or key, for unknown and
// duplicate fields).
//
// # LHCONE simulator form
//
// The files of github.com/openalto/network-simulator-data (data/coreemu)
// have a top-level "nodes" mapping keyed by network name and a "links"
// sequence of [id, id] pairs of integer node ids:
//
//	nodes:
//	  AGLT2:
//	    asn: 229
//	    id: 36
//	    ip-prefixes: [192.41.230.0/23, 192.41.236.0/23, 192.41.238.0/28]
//	    name: AGLT2
//	    providers: [1]
//	    customers: []
//	    peers: []
//	    type: edge
//	    ip: null
//	links:
//	  - [36, 1]
//
// Mapping: Node.ID is the map key, Node.Label is "name" (default: the key),
// Node.ASN is "asn" (absent or null: 0), Node.Prefixes are "ip-prefixes";
// links are undirected with metric 1. The integer "id" must be unique and
// every id used in links, providers, customers and peers must belong to a
// node: a link to an unknown id is rejected with a ParseError naming the
// link and the id, rather than skipped (none of the three published files
// has such a link). The AS relationships (providers, customers, peers) and
// "type" are checked but not kept: Graph has no place for them. The fields
// of the older LHCOne.yaml are accepted too: "ip" (the router's address, a
// valid IP address or null) and "vrf" (bool) are checked and ignored, and
// "prefixes" there is an integer count of routes, not a prefix list, so it
// is checked to be an integer and ignored. Unknown fields are errors. A
// top-level "name" is allowed as in the goalto form. All three published
// files load: LHCOne-final.yaml (62 nodes, 124 links, 114 prefixes),
// LHCOne-final-augment.yaml (76 nodes, 120 links, 114 prefixes) and
// LHCOne.yaml (78 nodes, 94 links, no prefixes). LHCOne-final.yaml lists the
// SINET-NORDUNET link twice ([20, 23] and [23, 20]); both are kept as
// parallel links.
//
// # GraphML (Internet Topology Zoo)
//
// [ParseGraphML] reads one <graph> of a GraphML document with encoding/xml.
// Data keys are resolved through their <key attr.name=...> declarations
// (the d<N> ids differ between files), including <default> values. Node
// "label" gives Node.Label (default: the node id), "Latitude" and
// "Longitude" give the coordinates (HasCoords only when both are present),
// an "asn" key (any case; the Zoo has none) gives Node.ASN. Edge
// "LinkSpeedRaw" (bits per second) gives Link.Capacity; when it is absent,
// "LinkSpeed" times the unit in "LinkSpeedUnits" (K, M, G or T, optionally
// followed by "bps") is used, and an unusable LinkSpeed just leaves the
// capacity unknown. Metric is always 1 and Latency 0 (the Zoo has neither).
// Direction comes from the graph's edgedefault (default undirected) and an
// edge's own "directed" attribute. Graph.Name is the graph's "Network" data,
// else its "label", else the file base name. Nested graphs and hyperedges
// are rejected; ports, descriptions and unknown elements are skipped.
// Elements are matched by local name, so a missing or different XML
// namespace is accepted.
package topology
