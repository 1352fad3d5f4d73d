package access

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"sync"
	"time"
)

// maxCachedChains bounds the cache of certificate chain results.
const maxCachedChains = 4096

// unmatchedTTL is how long a chain that matches no client stays cached,
// so that a certificate that is not yet valid is accepted soon after it
// becomes valid.
const unmatchedTTL = time.Minute

// chainResult is a cached outcome of authCertificate.
type chainResult struct {
	id    string // empty when the chain matches no client
	until time.Time
}

// chainCache remembers which client a certificate chain matched, so that
// a client on a kept-alive TLS connection pays for chain verification
// once rather than on every request. Each Policy has its own cache, and
// a reload compiles a new Policy, so a changed or removed client takes
// effect on the next request, even on an existing connection.
type chainCache struct {
	mu      sync.Mutex
	results map[[32]byte]chainResult
}

// chainKey digests the leaf and intermediates that the peer sent.
func chainKey(chain []*x509.Certificate) [32]byte {
	h := sha256.New()
	for _, cert := range chain {
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(cert.Raw))))
		h.Write(cert.Raw)
	}
	var key [32]byte
	h.Sum(key[:0])
	return key
}

// get returns the cached result for key when it is still valid at now.
func (c *chainCache) get(key [32]byte, now time.Time) (chainResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.results[key]
	if !ok || !now.Before(r.until) {
		return chainResult{}, false
	}
	return r, true
}

// put stores a result, emptying the cache when it is full.
func (c *chainCache) put(key [32]byte, r chainResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.results == nil || len(c.results) >= maxCachedChains {
		c.results = map[[32]byte]chainResult{}
	}
	c.results[key] = r
}

// expiry returns the earliest NotAfter of the chain: a verified chain
// stops verifying once any certificate in it expires.
func expiry(chains [][]*x509.Certificate, leaf *x509.Certificate) time.Time {
	until := leaf.NotAfter
	for _, chain := range chains {
		for _, c := range chain {
			if c.NotAfter.Before(until) {
				until = c.NotAfter
			}
		}
	}
	return until
}
