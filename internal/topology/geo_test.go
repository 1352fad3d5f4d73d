package topology

import (
	"math"
	"testing"
)

// vectorDistanceKm computes the great-circle distance independently of
// the haversine formula: the angle between the two points as unit vectors,
// atan2(|u×v|, u·v), times the radius.
func vectorDistanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	unit := func(lat, lon float64) [3]float64 {
		phi, lambda := lat*math.Pi/180, lon*math.Pi/180
		return [3]float64{math.Cos(phi) * math.Cos(lambda), math.Cos(phi) * math.Sin(lambda), math.Sin(phi)}
	}
	u, v := unit(lat1, lon1), unit(lat2, lon2)
	cross := [3]float64{u[1]*v[2] - u[2]*v[1], u[2]*v[0] - u[0]*v[2], u[0]*v[1] - u[1]*v[0]}
	dot := u[0]*v[0] + u[1]*v[1] + u[2]*v[2]
	return 6371.0088 * math.Atan2(math.Hypot(cross[0], math.Hypot(cross[1], cross[2])), dot)
}

func TestGreatCircleKm(t *testing.T) {
	const r = 6371.0088
	tests := []struct {
		name                   string
		lat1, lon1, lat2, lon2 float64
		want                   float64 // 0: compare with vectorDistanceKm
	}{
		{"same point", 46.2, 6.1, 46.2, 6.1, 0},
		{"quarter meridian", 0, 0, 90, 0, math.Pi / 2 * r},
		{"antipodes", 10, 20, -10, -160, math.Pi * r},
		{"one degree on the equator", 0, 0, 0, 1, 2 * math.Pi * r / 360},
		{"across the date line", 0, 179.5, 0, -179.5, 2 * math.Pi * r / 360},
		// City centre coordinates rounded to 0.01 degree.
		{"London to Paris", 51.51, -0.13, 48.86, 2.35, 0},
		{"Amsterdam to Frankfurt", 52.37, 4.90, 50.11, 8.68, 0},
		{"Oslo to Trondheim", 59.91, 10.75, 63.43, 10.40, 0},
		{"New York to Sydney", 40.71, -74.01, -33.87, 151.21, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want == 0 {
				want = vectorDistanceKm(tt.lat1, tt.lon1, tt.lat2, tt.lon2)
			}
			got := GreatCircleKm(tt.lat1, tt.lon1, tt.lat2, tt.lon2)
			if math.Abs(got-want) > 1e-6 {
				t.Errorf("GreatCircleKm = %.6f km, want %.6f km", got, want)
			}
		})
	}
}

func TestGreatCircleKmKnownRanges(t *testing.T) {
	// Published great-circle distances vary with the chosen coordinates
	// and Earth model, so these check only a plausible range.
	tests := []struct {
		name                   string
		lat1, lon1, lat2, lon2 float64
		minKm, maxKm           float64
	}{
		{"London to Paris", 51.51, -0.13, 48.86, 2.35, 330, 350},
		{"New York to Sydney", 40.71, -74.01, -33.87, 151.21, 15900, 16100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := GreatCircleKm(tt.lat1, tt.lon1, tt.lat2, tt.lon2)
			if got < tt.minKm || got > tt.maxKm {
				t.Errorf("GreatCircleKm = %.1f km, want between %v and %v", got, tt.minKm, tt.maxKm)
			}
		})
	}
}

func TestPropagationDelayMs(t *testing.T) {
	// 1000 km at 2/3 of 299792.458 km/s.
	want := 1000 / 199861.63866666667 * 1000
	if got := PropagationDelayMs(1000); math.Abs(got-want) > 1e-12 {
		t.Errorf("PropagationDelayMs(1000) = %v ms, want %v ms", got, want)
	}
}

func TestLinkDelayMs(t *testing.T) {
	g := &Graph{
		Nodes: []Node{
			{ID: "a", Lat: 0, Lon: 0, HasCoords: true},
			{ID: "b", Lat: 0, Lon: 1, HasCoords: true},
			{ID: "c"},
		},
		Links: []Link{
			{From: 0, To: 1, Metric: 1, Latency: 4},
			{From: 0, To: 1, Metric: 1},
			{From: 1, To: 2, Metric: 1},
			{From: 1, To: 2, Metric: 1, Latency: 0.5},
		},
	}
	degree := PropagationDelayMs(2 * math.Pi * EarthRadiusKm / 360)
	tests := []struct {
		name   string
		link   int
		want   float64
		wantOK bool
	}{
		{"latency given", 0, 4, true},
		{"from coordinates", 1, degree, true},
		{"no coordinates", 2, 0, false},
		{"latency without coordinates", 3, 0.5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := g.LinkDelayMs(tt.link)
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tt.wantOK)
			}
			if math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("delay = %v ms, want %v ms", got, tt.want)
			}
		})
	}
}
