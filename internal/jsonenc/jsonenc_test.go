package jsonenc

import (
	"encoding/json"
	"math"
	"testing"
)

func TestNumberMatchesEncodingJSON(t *testing.T) {
	values := []float64{
		0, math.Copysign(0, -1), 1, -1, 42, 1e6, 1e15, 1 << 53, 1<<53 + 2, -(1 << 53), 1e20, 1e21, 1e22,
		0.5, -2.25, 1e-6, 1e-7, 123456.789, math.MaxFloat64, math.SmallestNonzeroFloat64,
	}
	for _, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(Number(nil, v)); got != string(want) {
			t.Errorf("Number(%v) = %s, want %s as encoding/json", v, got, want)
		}
	}
}

func BenchmarkNumber(b *testing.B) {
	for _, tt := range []struct {
		name string
		v    float64
	}{{"integer", 1234567}, {"fraction", 1234.567}} {
		b.Run(tt.name, func(b *testing.B) {
			var buf []byte
			for b.Loop() {
				buf = Number(buf[:0], tt.v)
			}
		})
	}
}
