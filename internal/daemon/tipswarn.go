package daemon

import (
	"net"
	"net/netip"

	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
)

// warnHostHeader logs the warning of hostHeaderWarning for the served
// snapshot and the listener, once at start.
func (d *Daemon) warnHostHeader() {
	snap := d.handler.Snapshot()
	if w := hostHeaderWarning(snap.Def.BaseURL, offersTIPS(snap), d.Addr()); w != "" {
		d.logger.Warn(w)
	}
}

// hostHeaderWarning returns a warning when a definition offers TIPS
// (tips) on a listener at addr that is not on a loopback address and
// baseURL, its base-url, is empty; otherwise "". Without base-url, a
// tips-view-uri (RFC 9569, Section 6.2) is built from the Host header
// of the request, which any client can set. So a proxy or cache in front
// of altod could hand out view URIs on a host that a client chose.
func hostHeaderWarning(baseURL string, tips bool, addr net.Addr) string {
	if baseURL != "" || !tips || loopback(addr) {
		return ""
	}
	return "TIPS is offered on " + addr.String() + " without base-url, so each tips-view-uri names the host of the request's Host header: set base-url in the definition to the server's public URL"
}

func offersTIPS(s *snapshot.Snapshot) bool {
	for _, r := range s.Resources {
		if r.Type == netdef.TypeTIPS {
			return true
		}
	}
	return false
}

// loopback reports whether addr is a TCP or UDP address on a loopback
// IP address; an unspecified address such as 0.0.0.0 is not.
func loopback(addr net.Addr) bool {
	ap, err := netip.ParseAddrPort(addr.String())
	return err == nil && ap.Addr().IsLoopback()
}
