package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/goalto/goalto/internal/bgp"
)

// BGPSpeaker is the state of a BGP speaker that WatchBGP exports;
// *bgp.Speaker implements it.
type BGPSpeaker interface {
	Peers(ctx context.Context) ([]bgp.PeerStatus, error)
	Stats() bgp.Stats
}

// bgpScrapeTimeout bounds the peer listing of one scrape.
const bgpScrapeTimeout = 5 * time.Second

// WatchBGP exports the state of a BGP speaker at every scrape. Its
// signature fits bgp.Options.OnStart.
func (r *Registry) WatchBGP(s *bgp.Speaker) { r.watchBGP(s) }

func (r *Registry) watchBGP(s BGPSpeaker) { r.reg.MustRegister(newBGPCollector(s)) }

// bgpCollector reads the speaker's state when Prometheus scrapes.
type bgpCollector struct {
	speaker BGPSpeaker

	peerUp, peerTransitions, peerReceived, peerHeld, peerUpdates *prometheus.Desc
	routes, versions, pathChanges, heldExpired, lastPublish      *prometheus.Desc
}

func newBGPCollector(s BGPSpeaker) *bgpCollector {
	name := func(n string) string { return prometheus.BuildFQName(Namespace, "bgp", n) }
	peer := []string{"peer"}
	return &bgpCollector{
		speaker:         s,
		peerUp:          prometheus.NewDesc(name("peer_up"), "1 when the BGP session with the peer is Established, else 0.", peer, nil),
		peerTransitions: prometheus.NewDesc(name("peer_state_transitions_total"), "BGP session state changes of the peer since altod started.", peer, nil),
		peerReceived:    prometheus.NewDesc(name("peer_received_prefixes"), "Prefixes in the Adj-RIB-In of the peer.", peer, nil),
		peerHeld:        prometheus.NewDesc(name("peer_held_routes"), "Routes of the peer that stay in use after its session went down, until the hold time ends.", peer, nil),
		peerUpdates:     prometheus.NewDesc(name("peer_updates_received_total"), "BGP UPDATE messages received from the peer.", peer, nil),
		routes:          prometheus.NewDesc(name("routes"), "Prefixes that feed the network map, by state: best (a best path from an established session) or held (kept from a peer that is down).", []string{"state"}, nil),
		versions:        prometheus.NewDesc(name("map_versions_total"), "Versions of the BGP routes published to the network map, each after a quiet period.", nil, nil),
		pathChanges:     prometheus.NewDesc(name("path_changes_total"), "Best path changes of IPv4 and IPv6 unicast prefixes, withdrawals included.", nil, nil),
		heldExpired:     prometheus.NewDesc(name("held_routes_expired_total"), "Held routes withdrawn because their hold time ended.", nil, nil),
		lastPublish:     prometheus.NewDesc(name("last_publish_timestamp_seconds"), "Unix time of the last published version of the BGP routes; absent before the first.", nil, nil),
	}
}

// Describe sends the descriptors of every BGP metric.
func (c *bgpCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.peerUp, c.peerTransitions, c.peerReceived, c.peerHeld, c.peerUpdates, c.routes, c.versions, c.pathChanges, c.heldExpired, c.lastPublish} {
		ch <- d
	}
}

// Collect reads the speaker's peers and totals.
func (c *bgpCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), bgpScrapeTimeout)
	defer cancel()
	if peers, err := c.speaker.Peers(ctx); err == nil {
		for _, p := range peers {
			up := 0.0
			if p.State == "established" {
				up = 1
			}
			ch <- prometheus.MustNewConstMetric(c.peerUp, prometheus.GaugeValue, up, p.Address)
			ch <- prometheus.MustNewConstMetric(c.peerTransitions, prometheus.CounterValue, float64(p.Transitions), p.Address)
			ch <- prometheus.MustNewConstMetric(c.peerReceived, prometheus.GaugeValue, float64(p.Received), p.Address)
			ch <- prometheus.MustNewConstMetric(c.peerHeld, prometheus.GaugeValue, float64(p.Held), p.Address)
			ch <- prometheus.MustNewConstMetric(c.peerUpdates, prometheus.CounterValue, float64(p.UpdatesReceived), p.Address)
		}
	}
	st := c.speaker.Stats()
	ch <- prometheus.MustNewConstMetric(c.routes, prometheus.GaugeValue, float64(st.BestRoutes), "best")
	ch <- prometheus.MustNewConstMetric(c.routes, prometheus.GaugeValue, float64(st.HeldRoutes), "held")
	ch <- prometheus.MustNewConstMetric(c.versions, prometheus.CounterValue, float64(st.Versions))
	ch <- prometheus.MustNewConstMetric(c.pathChanges, prometheus.CounterValue, float64(st.PathsReceived))
	ch <- prometheus.MustNewConstMetric(c.heldExpired, prometheus.CounterValue, float64(st.HeldExpired))
	if !st.LastPublished.IsZero() {
		ch <- prometheus.MustNewConstMetric(c.lastPublish, prometheus.GaugeValue, float64(st.LastPublished.UnixNano())/1e9)
	}
}
