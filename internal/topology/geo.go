package topology

import "math"

// EarthRadiusKm is the mean radius of the Earth, R1 = 6371.0088 km of the
// IUGG (Moritz, "Geodetic Reference System 1980"), used as the radius of
// the sphere on which great-circle distances are taken.
const EarthRadiusKm = 6371.0088

// FibreSpeedKmPerS is the propagation speed assumed in optical fibre: two
// thirds of the speed of light in vacuum (299792.458 km/s), which is
// about the speed in glass of refractive index 1.5. One kilometre then
// takes about 5.0035 microseconds.
const FibreSpeedKmPerS = 299792.458 * 2 / 3

// GreatCircleKm returns the great-circle distance in kilometres between
// two points given in degrees of latitude and longitude, by the haversine
// formula on a sphere of radius EarthRadiusKm:
//
//	d = 2R asin(sqrt(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2)))
//
// The spherical model differs from the WGS 84 ellipsoid by up to about
// 0.5 %.
func GreatCircleKm(lat1, lon1, lat2, lon2 float64) float64 {
	phi1, phi2 := lat1*math.Pi/180, lat2*math.Pi/180
	dPhi := phi2 - phi1
	dLambda := (lon2 - lon1) * math.Pi / 180
	h := sinSquared(dPhi/2) + math.Cos(phi1)*math.Cos(phi2)*sinSquared(dLambda/2)
	h = min(max(h, 0), 1) // rounding can leave h just outside [0, 1]
	return 2 * EarthRadiusKm * math.Asin(math.Sqrt(h))
}

func sinSquared(x float64) float64 {
	s := math.Sin(x)
	return s * s
}

// PropagationDelayMs returns the one-way propagation delay in milliseconds
// over a fibre of the given length in kilometres, at FibreSpeedKmPerS.
func PropagationDelayMs(km float64) float64 {
	return km / FibreSpeedKmPerS * 1000
}

// LinkDelayMs returns the one-way delay of link l in milliseconds: its
// Latency when set, else the propagation delay over the great-circle
// distance between its endpoints. ok is false when the link has no
// latency and an endpoint has no coordinates, because the delay is then
// unknown. A Latency of 0 counts as unset, as the parsers document.
func (g *Graph) LinkDelayMs(l int) (ms float64, ok bool) {
	link := g.Links[l]
	if link.Latency > 0 {
		return link.Latency, true
	}
	a, b := g.Nodes[link.From], g.Nodes[link.To]
	if !a.HasCoords || !b.HasCoords {
		return 0, false
	}
	return PropagationDelayMs(GreatCircleKm(a.Lat, a.Lon, b.Lat, b.Lon)), true
}
