package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
)

func TestCostTable(t *testing.T) {
	small := map[string]map[string]float64{
		"B": {"A": 2, "B": 0},
		"A": {"A": 0, "C": 1.5},
	}
	large := map[string]map[string]float64{"S": {}}
	for i := range matrixMaxColumns + 1 {
		large["S"][string(rune('a'+i))] = float64(i)
	}
	tests := []struct {
		name       string
		costs      map[string]map[string]float64
		list       bool
		unit       string
		wantHeader []string
		wantRows   [][]string
	}{
		{
			name:       "matrix with missing pairs",
			costs:      small,
			wantHeader: []string{`SRC\DST`, "A", "B", "C"},
			wantRows:   [][]string{{"A", "0", "", "1.5"}, {"B", "2", "0", ""}},
		},
		{
			name:       "list on request",
			costs:      small,
			list:       true,
			wantHeader: []string{"SRC", "DST", "COST"},
			wantRows:   [][]string{{"A", "A", "0"}, {"A", "C", "1.5"}, {"B", "A", "2"}, {"B", "B", "0"}},
		},
		{
			name:       "matrix with unit",
			costs:      small,
			unit:       "microseconds",
			wantHeader: []string{`SRC\DST (microseconds)`, "A", "B", "C"},
			wantRows:   [][]string{{"A", "0", "", "1.5"}, {"B", "2", "0", ""}},
		},
		{
			name:       "list with unit",
			costs:      small,
			list:       true,
			unit:       "bytes/s",
			wantHeader: []string{"SRC", "DST", "COST (bytes/s)"},
			wantRows:   [][]string{{"A", "A", "0"}, {"A", "C", "1.5"}, {"B", "A", "2"}, {"B", "B", "0"}},
		},
		{
			name:       "list for many destinations",
			costs:      large,
			wantHeader: []string{"SRC", "DST", "COST"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header, rows := costTable(tt.costs, tt.list, tt.unit)
			if !slices.Equal(header, tt.wantHeader) {
				t.Errorf("header = %v, want %v", header, tt.wantHeader)
			}
			if tt.wantRows != nil && !slices.EqualFunc(rows, tt.wantRows, slices.Equal) {
				t.Errorf("rows = %v, want %v", rows, tt.wantRows)
			}
			if tt.wantRows == nil && len(rows) != matrixMaxColumns+1 {
				t.Errorf("%d rows, want %d", len(rows), matrixMaxColumns+1)
			}
		})
	}
}

func TestFormatCost(t *testing.T) {
	tests := []struct {
		cost float64
		want string
	}{
		{0, "0"},
		{15, "15"},
		{2.25, "2.25"},
		{1e6, "1000000"},
		{1.0000000000000009, "1"},
		{2.9716840000000078, "2.971684"},
		{0.1 + 0.2, "0.3"},
		{123456789.125, "123456789.125"},
		{0.000012345, "0.000012345"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := formatCost(tt.cost); got != tt.want {
				t.Errorf("formatCost(%v) = %q, want %q", tt.cost, got, tt.want)
			}
		})
	}
}

func TestPrintTable(t *testing.T) {
	var out bytes.Buffer
	err := printTable(&out, []string{"ENDPOINT", "VALUE"}, [][]string{{"ipv4:192.0.2.1", "line\nbreak\tand tab"}, {"ipv4:192.0.2.22", ""}})
	if err != nil {
		t.Fatalf("printTable: %v", err)
	}
	want := "ENDPOINT         VALUE\n" +
		"ipv4:192.0.2.1   line break and tab\n" +
		"ipv4:192.0.2.22  -\n"
	if out.String() != want {
		t.Errorf("output =\n%s\nwant\n%s", out.String(), want)
	}
}

func TestPrintJSON(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"keys sorted", `{"b":1,"a":{"d":[1,2],"c":"x"}}`, "{\n  \"a\": {\n    \"c\": \"x\",\n    \"d\": [\n      1,\n      2\n    ]\n  },\n  \"b\": 1\n}\n"},
		{"numbers kept", `{"n":12345678901234567890,"f":1.50}`, "{\n  \"f\": 1.50,\n  \"n\": 12345678901234567890\n}\n"},
		{"no HTML escaping", `{"s":"<a&b>"}`, "{\n  \"s\": \"<a&b>\"\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := printJSON(&out, []byte(tt.body)); err != nil {
				t.Fatalf("printJSON: %v", err)
			}
			if out.String() != tt.want {
				t.Errorf("output = %q, want %q", out.String(), tt.want)
			}
		})
	}
	t.Run("invalid body", func(t *testing.T) {
		err := printJSON(&bytes.Buffer{}, []byte("<html>"))
		if err == nil || !strings.Contains(err.Error(), "not JSON") {
			t.Errorf("error = %v, want a not-JSON error", err)
		}
	})
}

func TestCostUnit(t *testing.T) {
	tests := []struct {
		ct        alto.CostType
		wantUnit  string
		wantLabel string
	}{
		{alto.CostType{Mode: "numerical", Metric: "routingcost"}, "", "routingcost"},
		{alto.CostType{Mode: "ordinal", Metric: "routingcost"}, "", "routingcost/ordinal"},
		{alto.CostType{Mode: "numerical", Metric: "hopcount"}, "hops", "hopcount (hops)"},
		{alto.CostType{Mode: "numerical", Metric: "delay-ow"}, "microseconds", "delay-ow (microseconds)"},
		{alto.CostType{Mode: "numerical", Metric: "delay-rt:p95"}, "microseconds", "delay-rt:p95 (microseconds)"},
		{alto.CostType{Mode: "numerical", Metric: "delay-variation:stdvar"}, "(microseconds)^2", "delay-variation:stdvar ((microseconds)^2)"},
		{alto.CostType{Mode: "numerical", Metric: "lossrate"}, "percent", "lossrate (percent)"},
		{alto.CostType{Mode: "numerical", Metric: "tput"}, "bytes/s", "tput (bytes/s)"},
		{alto.CostType{Mode: "numerical", Metric: "bw-residual:max"}, "bytes/s", "bw-residual:max (bytes/s)"},
		{alto.CostType{Mode: "numerical", Metric: "bw-available"}, "bytes/s", "bw-available (bytes/s)"},
		{alto.CostType{Mode: "ordinal", Metric: "delay-ow"}, "", "delay-ow/ordinal"},
	}
	for _, tt := range tests {
		t.Run(tt.ct.Metric+"/"+tt.ct.Mode, func(t *testing.T) {
			if got := costUnit(tt.ct); got != tt.wantUnit {
				t.Errorf("unit = %q, want %q", got, tt.wantUnit)
			}
			if got := costLabel(tt.ct); got != tt.wantLabel {
				t.Errorf("label = %q, want %q", got, tt.wantLabel)
			}
		})
	}
}
