package server

import (
	"testing"
	"time"
)

func TestSmoothWeighsBySampleAge(t *testing.T) {
	tests := []struct {
		name       string
		elapsed    time.Duration
		minW, maxW float64 // bounds of the weight of the new sample
	}{
		{"one millisecond", time.Millisecond, 0.2, 0.25},
		{"four milliseconds", 4 * time.Millisecond, 0.6, 0.65},
		{"after an idle half second", 500 * time.Millisecond, 0.999, 1},
		{"first sample", time.Duration(1 << 62), 0.999, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// From an average of 100 towards a sample of 0, the new
			// average is 100 times the weight of the old one.
			w := 1 - smooth(100, 0, tt.elapsed)/100
			if w < tt.minW || w > tt.maxW {
				t.Errorf("weight of a sample %v after the last = %.4f, want %.3f to %.3f", tt.elapsed, w, tt.minW, tt.maxW)
			}
		})
	}
}

func TestIdleGateAdmitsAfterBurst(t *testing.T) {
	g := newCPUGate(DefaultMaxRunnablePerCPU)
	if g == nil {
		t.Skip("the runtime does not offer the run queue metric")
	}
	now := time.Now()
	g.avg, g.last = 1000, now // as at the end of a burst
	g.over.Store(true)
	if g.overloaded(now.Add(time.Second)) {
		t.Errorf("a request a second after a burst is shed; the average was %.1f", g.avg)
	}
}
