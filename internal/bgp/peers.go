package bgp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"time"

	"github.com/osrg/gobgp/v4/api"

	"github.com/goalto/goalto/internal/netdef"
)

// PeersPath is the path of the peer list on the management listener.
const PeersPath = "/bgp/peers"

// peerInfo is the speaker's record of a configured peer.
type peerInfo struct {
	conf        netdef.BGPPeer
	state       string // lower-case RFC 4271 state name
	since       time.Time
	transitions uint64
	lastError   string // reason the last established session ended
}

// PeerStatus is the state of one peer, as /bgp/peers and altoctl bgp
// peers show it.
type PeerStatus struct {
	Address string `json:"address"`
	Port    int    `json:"port"`
	AS      uint32 `json:"as"`
	// State is the RFC 4271 session state in lower case, such as
	// "established" or "active".
	State string `json:"state"`
	// Since is when the session entered State; zero before the first
	// change.
	Since time.Time `json:"since,omitzero"`
	// Transitions counts the state changes since the speaker started.
	Transitions uint64 `json:"transitions"`
	// Received counts the NLRIs in the peer's Adj-RIB-In over all its
	// families: unicast prefixes, default routes (which the network map
	// ignores) and BGP-LS NLRIs alike.
	Received uint64 `json:"received"`
	// Held counts the routes of the peer that stay in use after its
	// session went down, until the hold time ends.
	Held int `json:"held"`
	// MessagesReceived counts the BGP messages received from the peer,
	// UPDATE messages among them.
	MessagesReceived uint64 `json:"messages-received"`
	UpdatesReceived  uint64 `json:"updates-received"`
	// LastError is the reason the last established session ended.
	LastError string `json:"last-error,omitempty"`
}

// Stats are the totals of the speaker.
type Stats struct {
	Versions       uint64    // network map versions published
	PathsReceived  uint64    // unicast best path changes, withdrawals included
	Withdrawals    uint64    // unicast best paths withdrawn
	HeldExpired    uint64    // held routes dropped at the end of the hold time
	Unchanged      uint64    // quiet periods that ended with the same routes, so no version
	BestRoutes     int       // prefixes with a best path
	HeldRoutes     int       // prefixes kept from peers that are down
	LastPublished  time.Time // zero before the first version
	PublishedCount int       // prefixes of the last version
}

// Stats returns the totals of the speaker.
func (s *Speaker) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.stats
	return Stats{
		Versions: c.versions, PathsReceived: c.pathsReceived, Withdrawals: c.withdrawals,
		HeldExpired: c.heldExpired, Unchanged: c.unchanged, BestRoutes: len(s.rib.best), HeldRoutes: len(s.rib.held),
		LastPublished: c.lastPublished, PublishedCount: c.lastPublishSize,
	}
}

// Peers returns the state of every configured peer, in the order of the
// definition.
func (s *Speaker) Peers(ctx context.Context) ([]PeerStatus, error) {
	counts := map[string]*api.Peer{}
	err := s.server.ListPeer(ctx, &api.ListPeerRequest{}, func(p *api.Peer) {
		counts[p.GetConf().GetNeighborAddress()] = p
	})
	if err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	held := s.rib.heldBy()
	out := make([]PeerStatus, 0, len(s.cfg.Peers))
	for _, conf := range s.cfg.Peers {
		addr := netip.MustParseAddr(conf.Address)
		info := s.peers[addr]
		st := PeerStatus{
			Address: conf.Address, Port: conf.Port, AS: conf.AS,
			State: info.state, Since: info.since, Transitions: info.transitions,
			Held: held[addr], LastError: info.lastError,
		}
		if p := counts[addr.String()]; p != nil {
			st.MessagesReceived = p.GetState().GetMessages().GetReceived().GetTotal()
			st.UpdatesReceived = p.GetState().GetMessages().GetReceived().GetUpdate()
			for _, af := range p.GetAfiSafis() {
				st.Received += af.GetState().GetReceived()
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// ManagementRoutes serves the peer list as JSON at PeersPath.
func (s *Speaker) ManagementRoutes() map[string]http.Handler {
	return map[string]http.Handler{"GET " + PeersPath: http.HandlerFunc(s.servePeers)}
}

func (s *Speaker) servePeers(w http.ResponseWriter, r *http.Request) {
	peers, err := s.Peers(r.Context())
	if err != nil {
		http.Error(w, "listing BGP peers: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(struct {
		Peers []PeerStatus `json:"peers"`
	}{peers})
}
