package conformance

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"

	"github.com/goalto/goalto/alto"
)

func versionChecks() []Check {
	return []Check{
		{
			ID: "http.h1", Section: "RFC 9112, Section 2.3", Feature: FeatureHTTP,
			Title: "over HTTP/1.1 the root IRD is served as over the default transport (skip when the server does not speak HTTP/1.1)",
			run: func(ctx context.Context, s *session) outcome {
				p := new(http.Protocols)
				p.SetHTTP1(true)
				return outcomeOf(s.probeVersion(ctx, "HTTP/1.1", 1, s.transportClient(p), s.cfg.URL))
			},
		},
		{
			ID: "http.h2", Section: "RFC 9113, Section 3", Feature: FeatureHTTP,
			Title: "over HTTP/2 (ALPN h2 with TLS, prior knowledge without) the root IRD is served as over the default transport (skip when the server does not speak HTTP/2)",
			run: func(ctx context.Context, s *session) outcome {
				p := new(http.Protocols)
				if strings.HasPrefix(s.cfg.URL, "https:") {
					p.SetHTTP2(true)
				} else {
					p.SetUnencryptedHTTP2(true)
				}
				return outcomeOf(s.probeVersion(ctx, "HTTP/2", 2, s.transportClient(p), s.cfg.URL))
			},
		},
		{
			ID: "http.h3", Section: "RFC 9114, Section 3.1.1", Feature: FeatureHTTP,
			Title: "HTTP/3 announced in Alt-Svc serves the root IRD as the default transport does (skip when not announced)",
			run:   checkHTTP3,
		},
	}
}

// transportClient returns a client that speaks only the given
// protocols.
func (s *session) transportClient(p *http.Protocols) *http.Client {
	tr := &http.Transport{Protocols: p, Proxy: http.ProxyFromEnvironment}
	if s.cfg.TLSConfig != nil {
		tr.TLSClientConfig = s.cfg.TLSConfig.Clone()
	}
	return &http.Client{Transport: s.cfg.wrap(tr)}
}

// probeVersion fetches the root IRD with a client of one HTTP version.
// A connection that fails skips, because the server need not speak
// every version. A response must be of that version and carry the same
// directory as the default transport's.
func (s *session) probeVersion(ctx context.Context, name string, major int, hc *http.Client, rawURL string) error {
	defer hc.CloseIdleConnections()
	x := s.doWith(ctx, hc, get(rawURL, alto.MediaTypeDirectory))
	if x.err != nil && x.status == 0 {
		return skipf("the server does not speak %s: %v", name, x.err)
	}
	return s.compareDirectory(x, name, major)
}

// compareDirectory checks a root IRD response of one HTTP version
// against the root IRD of the default transport.
func (s *session) compareDirectory(x *exchange, name string, major int) error {
	if x.proto != major {
		return x.failuref(name, "HTTP/%d", x.proto)
	}
	if err := x.wantSuccess(alto.MediaTypeDirectory); err != nil {
		return err
	}
	root := s.dir.root.x
	if root.status != http.StatusOK {
		return nil // ird.media-type reports it
	}
	if d, err := bodyDiff(root.body, x.body); err != nil || d != "" {
		return x.failuref("the directory of the default transport over "+name, "%s%s", d, errText(err))
	}
	return nil
}

// checkHTTP3 fetches the root IRD over HTTP/3 at the authority that the
// Alt-Svc header of the default transport's response announces (RFC
// 7838). An announced HTTP/3 that fails, fails.
func checkHTTP3(ctx context.Context, s *session) outcome {
	root := s.dir.root.x
	authority, ok := altSvcH3(root.header.Values("Alt-Svc"))
	if !ok {
		return skipped("the server announces no h3 in Alt-Svc")
	}
	u, err := url.Parse(s.cfg.URL)
	if err != nil || u.Scheme != "https" {
		return skipped("Alt-Svc announces h3 for %s, but HTTP/3 needs an https URL", s.cfg.URL)
	}

	host, port, err := net.SplitHostPort(authority)
	if err != nil {
		return failed("expected an Alt-Svc h3 authority of the form [host]:port; got %q", authority)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return failed("expected an Alt-Svc h3 port number; got %q", port)
	}
	if host == "" {
		host = u.Hostname()
	}
	alt := *u
	alt.Host = net.JoinHostPort(host, port)

	tlsConfig := &tls.Config{}
	if s.cfg.TLSConfig != nil {
		tlsConfig = s.cfg.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = u.Hostname()
	}
	tr := &http3.Transport{TLSClientConfig: tlsConfig, QUICConfig: &quic.Config{HandshakeIdleTimeout: s.cfg.RequestTimeout}}
	defer tr.Close()

	x := s.doWith(ctx, &http.Client{Transport: s.cfg.wrap(tr)}, get(alt.String(), alto.MediaTypeDirectory))
	if x.err != nil && x.status == 0 {
		return fail(x.failure("an HTTP/3 response, since Alt-Svc announces h3="+strconv.Quote(authority), x.describeResponse()))
	}
	return outcomeOf(s.compareDirectory(x, "HTTP/3", 3))
}

// altSvcH3 returns the alternative authority of the first h3 entry of
// Alt-Svc header values (RFC 7838, Section 3), such as ":8443".
func altSvcH3(values []string) (string, bool) {
	for _, v := range values {
		for _, entry := range strings.Split(v, ",") {
			alternative, _, _ := strings.Cut(entry, ";")
			proto, authority, ok := strings.Cut(strings.TrimSpace(alternative), "=")
			if !ok || strings.TrimSpace(proto) != "h3" {
				continue
			}
			a, err := strconv.Unquote(strings.TrimSpace(authority))
			if err != nil {
				continue
			}
			return a, true
		}
	}
	return "", false
}
