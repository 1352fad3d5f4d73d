package measure

import (
	"math"
	"testing"
)

func TestNeeds(t *testing.T) {
	tests := []struct {
		metric string
		want   SeriesKey
		ok     bool
	}{
		{"delay-ow", SeriesKey{Delay, "median"}, true},
		{"delay-rt:p99", SeriesKey{Delay, "p99"}, true},
		{"delay-variation:mean", SeriesKey{DelayVariation, "mean"}, true},
		{"lossrate", SeriesKey{Loss, "median"}, true},
		{"tput:min", SeriesKey{Throughput, "min"}, true},
		{"bw-residual", SeriesKey{Utilization, "cur"}, true},
		{"bw-residual:max", SeriesKey{Utilization, "min"}, true},
		{"bw-residual:p90", SeriesKey{Utilization, "p10"}, true},
		{"bw-available", SeriesKey{AvailableBandwidth, "cur"}, true},
		{"hopcount", SeriesKey{}, false},
		{"routingcost", SeriesKey{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.metric, func(t *testing.T) {
			got, ok := Needs(tc.metric)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Needs(%q) = %v, %v; want %v, %v", tc.metric, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestInvertOperator(t *testing.T) {
	tests := map[string]string{"min": "max", "max": "min", "p95": "p5", "p99.5": "p0.5", "p50": "p50", "mean": "mean", "cur": "cur", "stddev": "stddev"}
	for op, want := range tests {
		t.Run(op, func(t *testing.T) {
			if got := InvertOperator(op); got != want {
				t.Errorf("InvertOperator(%q) = %q, want %q", op, got, want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	samples := []float64{4, 1, 3, 2, 5} // in time order
	tests := []struct {
		op   string
		want float64
	}{
		{"cur", 5},
		{"min", 1},
		{"max", 5},
		{"mean", 3},
		{"median", 3},
		{"p25", 2},
		{"p90", 4.6}, // rank 3.6 between 4 and 5
		{"stdvar", 2},
		{"stddev", math.Sqrt2},
	}
	for _, tc := range tests {
		t.Run(tc.op, func(t *testing.T) {
			if got := Summarize(tc.op, samples); math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("Summarize(%q) = %v, want %v", tc.op, got, tc.want)
			}
		})
	}
	t.Run("no samples", func(t *testing.T) {
		if got := Summarize("mean", nil); !math.IsNaN(got) {
			t.Errorf("Summarize of no samples = %v, want NaN", got)
		}
	})
}

// fold combines link values with the rule of a metric.
func fold(t *testing.T, metric string, values ...float64) float64 {
	t.Helper()
	r, err := RuleFor(metric)
	if err != nil {
		t.Fatal(err)
	}
	acc := r.Start()
	for _, v := range values {
		acc = r.Add(acc, v)
	}
	return r.Finish(acc)
}

func TestRules(t *testing.T) {
	tests := []struct {
		name   string
		metric string
		links  []float64
		want   float64
	}{
		{"delays add", "delay-ow", []float64{100, 250, 50}, 400},
		{"variations add", "delay-variation:p95", []float64{10, 20}, 30},
		{"variances add", "delay-ow:stdvar", []float64{9, 16}, 25},
		{"deviations add in squares", "delay-ow:stddev", []float64{3, 4}, 5},
		{"losses combine", "lossrate", []float64{10, 20}, 100 * (1 - 0.9*0.8)},
		{"one loss", "lossrate:max", []float64{1.5}, 1.5},
		{"bandwidth bottleneck", "bw-available", []float64{300, 100, 200}, 100},
		{"throughput bottleneck", "tput", []float64{5, 7}, 5},
		{"empty delay path", "delay-ow", nil, 0},
		{"empty loss path", "lossrate", nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := fold(t, tc.metric, tc.links...); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("%s over %v = %v, want %v", tc.metric, tc.links, got, tc.want)
			}
		})
	}
	t.Run("empty bandwidth path", func(t *testing.T) {
		if got := fold(t, "bw-residual"); !math.IsNaN(got) {
			t.Errorf("bw-residual of an empty path = %v, want undefined", got)
		}
	})
	for _, metric := range []string{"delay-ow", "lossrate", "bw-available"} {
		t.Run("unknown link "+metric, func(t *testing.T) {
			if got := fold(t, metric, 1, math.NaN(), 2); !math.IsNaN(got) {
				t.Errorf("%s with an unknown link = %v, want undefined", metric, got)
			}
		})
	}
}

func TestRuleForRejectsSpread(t *testing.T) {
	for _, metric := range []string{"lossrate:stddev", "bw-residual:stdvar", "tput:stddev", "hopcount"} {
		t.Run(metric, func(t *testing.T) {
			if _, err := RuleFor(metric); err == nil {
				t.Errorf("RuleFor(%q) accepted a statistic that does not combine along a path", metric)
			}
		})
	}
}
