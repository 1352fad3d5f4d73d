package altoconf

import (
	"strings"
	"testing"
)

// rejectCases are invalid edits of the example configuration, each with
// the rule it breaks and a part of the path of the node at fault.
var rejectCases = []struct {
	name, old, new string
	rule, path     string
}{
	{"port out of range", `"local-port": 8181`, `"local-port": 70000`, RuleRange, "local-bind[local-address='127.0.0.1']/local-port"},
	{"invalid address", `"local-address": "127.0.0.1"`, `"local-address": "127.0.0.300"`, RuleType, "local-bind[local-address='127.0.0.300']/local-address"},
	{"unknown node", `"alto-server-parameters": {}`, `"alto-server-parameters": {"base-url": "x"}`, RuleUnknown, "alto-server-parameters/base-url"},
	{"unknown module", `"alto-server-parameters": {}`, `"alto-server-parameters": {"example-x:y": 1}`, RuleModule, "alto-server-parameters/example-x:y"},
	{"unsupported feature", `"alto-server": {`, `"alto-client": [{"client-id": "c"}], "alto-server": {`, RuleFeature, "/ietf-alto:alto/alto-client"},
	{"unknown identity", `"resource-type": "cost-map"`, `"resource-type": "cost-mop"`, RuleIdentity, "resource[resource-id='routing-cost-map']/resource-type"},
	{"leafref to nothing", `"cost-type-name": ["num-routing"]`, `"cost-type-name": ["num-nothing"]`, RuleLeafref, "resource[resource-id='routing-cost-map']/alto-costmap-params/cost-type-name"},
	{"missing mandatory leaf", `"cost-mode": "numerical", "cost-metric": "hopcount"`, `"cost-metric": "hopcount"`, RuleMandatory, "cost-type[cost-type-name='num-hop']/cost-mode"},
	{"missing mandatory choice", `"cost-type-name": ["num-routing"], "goalto-alto:topology-cost-algorithm": {}`, `"cost-type-name": ["num-routing"]`, RuleMandatory, "resource[resource-id='routing-cost-map']/alto-costmap-params/algorithm"},
	{"duplicate key", `{"cost-type-name": "num-hop"`, `{"cost-type-name": "num-routing"`, RuleUnique, "cost-type[cost-type-name='num-routing']"},
	{"pattern", `"pid": "seattle"`, `"pid": "seattle city"`, RulePattern, "group[pid='seattle city']/pid"},
	{"length", `"pid": "seattle"`, `"pid": "` + strings.Repeat("s", 65) + `"`, RuleLength, "/pid"},
	{"when false", `"goalto-alto:path": "/networkmap",`, `"goalto-alto:path": "/networkmap", "alto-ird-params": {"delegation": "http://x/"},`, RuleWhen, "resource[resource-id='default-network-map']/alto-ird-params"},
	{"state data", `"alto-server": {`, `"alto-server": {"ietf-alto-stats:server-level-stats": {},`, RuleState, "ietf-alto-stats:server-level-stats"},
	{"two cases of a choice", `"alto-server-parameters": {}`, `"alto-server-parameters": {}}, "https": {`, RuleChoice, "listen/https"},
	{"boolean type", `"filtered": true`, `"filtered": "yes"`, RuleType, "resource[resource-id='filtered-cost-map']/alto-costmap-params/filtered"},
	{"unqualified augment", `"goalto-alto:path": "/networkmap"`, `"path": "/networkmap"`, RuleSyntax, "resource[resource-id='default-network-map']/path"},
	{"data source of wrong type", `"source-type": "goalto-alto:topology-file"`, `"source-type": "goalto-alto:prefix-table"`, RuleSupported, "pid-rule-algorithm/topology"},
	{"role not enforced", `"resource-type": "cost-map",`, `"resource-type": "cost-map", "accepted-role": ["r"],`, RuleLeafref, "accepted-role"},
	{"decimal fraction digits", `"max-cost-types": 2`, `"max-cost-types": 2.5`, RuleType, "max-cost-types"},
	{"digest HA1 pattern", `"alto-server": {`, `"alto-server": {"auth-client": [{"client-id": "dave", "goalto-alto:digest-auth-client": {"ha1-sha256": "` + strings.Repeat("AB", 32) + `"}}],`, RulePattern, "auth-client[client-id='dave']/goalto-alto:digest-auth-client/ha1-sha256"},
	{"digest without SHA-256 HA1", `"alto-server": {`, `"alto-server": {"auth-client": [{"client-id": "dave", "goalto-alto:digest-auth-client": {"ha1-md5": "` + strings.Repeat("ab", 16) + `"}}],`, RuleSupported, "auth-client[client-id='dave']/goalto-alto:digest-auth-client/ha1-sha256"},
	{"nonce lifetime range", `"alto-server": {`, `"alto-server": {"goalto-alto:digest-auth": {"nonce-lifetime": 0},`, RuleRange, "goalto-alto:digest-auth/nonce-lifetime"},
	{"allow-plain-http type", `"alto-server": {`, `"alto-server": {"goalto-alto:allow-plain-http": "yes",`, RuleType, "alto-server/goalto-alto:allow-plain-http"},
	{"unknown digest algorithm", `"alto-server": {`, `"alto-server": {"goalto-alto:digest-auth": {"algorithm": ["SHA-512"]},`, RuleEnum, "goalto-alto:digest-auth/algorithm"},
	{"netdef check", `"cost-metric": "routingcost"`, `"cost-metric": "routingcost", "cost-context": {"cost-source": "sla"}`, RuleSupported, "cost-type[cost-type-name='num-routing']"},
}

func TestRejects(t *testing.T) {
	for _, tc := range rejectCases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, "alto.json", func(s string) string {
				if !strings.Contains(s, tc.old) {
					t.Fatalf("example has no %q", tc.old)
				}
				return strings.Replace(s, tc.old, tc.new, 1)
			})
			_, err := Load(path)
			if tc.rule == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			es := AsErrors(err)
			if len(es) == 0 {
				t.Fatalf("Load = %v, want errors", err)
			}
			for _, e := range es {
				if e.Rule == tc.rule && strings.Contains(e.Path, tc.path) {
					if e.File != path || e.Line == 0 {
						t.Errorf("error %v lacks the file or line", e)
					}
					return
				}
			}
			t.Errorf("errors lack rule %s at %s:\n%v", tc.rule, tc.path, err)
		})
	}
}

func TestSyntaxError(t *testing.T) {
	_, err := Parse([]byte("{\"ietf-alto:alto\": {\n  \"alto-server\": [}\n"), "bad.json")
	es := AsErrors(err)
	if len(es) != 1 || es[0].Rule != RuleSyntax || es[0].Line == 0 || es[0].File != "bad.json" {
		t.Fatalf("err = %v, want one syntax error with its line", err)
	}
}
