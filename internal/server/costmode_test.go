package server_test

import (
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
)

// TestCostModeErrors checks requests with cost modes that a cost map or
// endpoint cost resource does not serve: each gets E_INVALID_FIELD_VALUE
// naming the cost-mode field and the mode, and a message that gives the reason.
func TestCostModeErrors(t *testing.T) {
	multi, legacy := startMultiCostServers(t)
	tests := []struct {
		name, path, body string
		legacy           bool
		field, value     string
		wantText         string
	}{
		{name: "unregistered mode", path: pathLegacy, legacy: true,
			body:  `{"cost-type":{"cost-mode":"fuzzy","cost-metric":"routingcost"},` + mcAllPIDs + `}`,
			field: "cost-type/cost-mode", value: "fuzzy", wantText: "ALTO Cost Modes registry"},
		{name: "array mode on a cost map", path: pathLegacy, legacy: true,
			body:  `{"cost-type":{"cost-mode":"array","cost-metric":"routingcost"},` + mcAllPIDs + `}`,
			field: "cost-type/cost-mode", value: "array", wantText: "ane-path"},
		{name: "path vector type on a cost map", path: pathLegacy, legacy: true,
			body:  `{"cost-type":{"cost-mode":"array","cost-metric":"ane-path"},` + mcAllPIDs + `}`,
			field: "cost-type/cost-mode", value: "array", wantText: "path vector resources"},
		{name: "private mode", path: pathLegacyECS, legacy: true,
			body:  `{"cost-type":{"cost-mode":"priv:rank","cost-metric":"routingcost"},` + mcEndpoints + `}`,
			field: "cost-type/cost-mode", value: "priv:rank", wantText: "private cost mode"},
		{name: "invalid mode encoding", path: pathLegacyECS, legacy: true,
			body:  `{"cost-type":{"cost-mode":"num erical","cost-metric":"routingcost"},` + mcEndpoints + `}`,
			field: "cost-type/cost-mode", value: "num erical", wantText: "RFC 9274, Section 3.2"},
		{name: "array in multi-cost-types", path: pathMulti,
			body:  `{"multi-cost-types":[` + mcRouting + `,{"cost-mode":"array","cost-metric":"ane-path"}],` + mcAllPIDs + `}`,
			field: "multi-cost-types[1]/cost-mode", value: "array", wantText: "ane-path"},
		{name: "unknown mode in endpoint multi-cost", path: pathMultiECS,
			body:  `{"multi-cost-types":[{"cost-mode":"cardinal","cost-metric":"hopcount"}],` + mcEndpoints + `}`,
			field: "multi-cost-types[0]/cost-mode", value: "cardinal", wantText: `unknown cost mode "cardinal"`},
		{name: "unknown mode in testable-cost-types", path: pathExtended,
			body:  `{"multi-cost-types":[` + mcRouting + `],"testable-cost-types":[{"cost-mode":"fuzzy","cost-metric":"hopcount"}],"constraints":["le 1"],` + mcAllPIDs + `}`,
			field: "testable-cost-types[0]/cost-mode", value: "fuzzy", wantText: `unknown cost mode "fuzzy"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := multi
			if tt.legacy {
				h = legacy
			}
			e := postForError(t, h, tt.path, tt.body)
			checkALTOError(t, e, alto.ErrInvalidFieldValue, tt.field, tt.value)
			if !strings.Contains(e.Message, tt.wantText) {
				t.Errorf("message %q does not mention %q", e.Message, tt.wantText)
			}
		})
	}
}
