package access

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"sync"
	"time"
)

// Sizes of a Digest nonce before base64url encoding: the issue time in
// Unix nanoseconds, random bytes that make every nonce unique, and a
// truncated HMAC-SHA256 of both.
const (
	nonceTimeSize   = 8
	nonceRandomSize = 8
	nonceMACSize    = 16
	nonceSize       = nonceTimeSize + nonceRandomSize + nonceMACSize
)

// maxTrackedNonces bounds the nonce-count table of Digest replay
// protection. An entry takes about 180 bytes (an estimate), so the table
// stays under about 12 MB.
const maxTrackedNonces = 65536

// ncWindow is the number of nonce-count values accepted out of order.
// Concurrent requests that share a nonce may arrive in any order, and a
// loaded client may send one of them many requests after the others.
// It is a multiple of 64.
const ncWindow = 256

// nonces mints and checks the Digest nonces of the process. Nonces are
// stateless: each carries its issue time and an HMAC under a key made
// at process start, so a nonce stays valid across reloads, which
// compile a new Policy. The nonce-count table is process-wide for the
// same reason, so that a reload does not reopen a replay.
var nonces = newNonceStore()

// nonceStore holds the HMAC key and the nonce counts seen.
type nonceStore struct {
	key    [32]byte
	opaque string
	limit  int // maximum len(seen), maxTrackedNonces outside tests

	mu sync.Mutex // guards the fields below
	// seen holds the nonce counts of each nonce and user that
	// authenticated, until the nonce expires.
	seen map[seenKey]*ncState
	// floor is the latest issue time of a nonce evicted while still
	// valid. A nonce issued at or before it that is not in seen may have
	// been used already, so it is treated as stale.
	floor int64
}

// seenKey names the nonce counts of one user with one nonce.
type seenKey struct {
	nonce string
	user  string
}

// ncState is the replay window of one nonce and user. max is the
// highest nonce count accepted. For a count n within ncWindow of max,
// bit n modulo ncWindow of used is set when n was accepted.
type ncState struct {
	issued  int64 // Unix nanoseconds
	expires int64 // Unix nanoseconds
	max     uint64
	used    [ncWindow / 64]uint64
}

// bit returns the word and mask of count n in used.
func (st *ncState) bit(n uint64) (*uint64, uint64) {
	i := n % ncWindow
	return &st.used[i/64], 1 << (i % 64)
}

func newNonceStore() *nonceStore {
	s := &nonceStore{seen: map[seenKey]*ncState{}, limit: maxTrackedNonces}
	rand.Read(s.key[:])
	mac := hmac.New(sha256.New, s.key[:])
	mac.Write([]byte("opaque"))
	s.opaque = base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
	return s
}

// mint returns a new nonce issued at now.
func (s *nonceStore) mint(now time.Time) string {
	var raw [nonceSize]byte
	binary.BigEndian.PutUint64(raw[:nonceTimeSize], uint64(now.UnixNano()))
	rand.Read(raw[nonceTimeSize : nonceTimeSize+nonceRandomSize])
	copy(raw[nonceTimeSize+nonceRandomSize:], s.mac(raw[:nonceTimeSize+nonceRandomSize]))
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

func (s *nonceStore) mac(data []byte) []byte {
	m := hmac.New(sha256.New, s.key[:])
	m.Write(data)
	return m.Sum(nil)[:nonceMACSize]
}

// issued returns the issue time of a nonce that this process minted, in
// Unix nanoseconds. It reports false for any other string. The HMAC is
// compared in constant time.
func (s *nonceStore) issued(nonce string) (int64, bool) {
	if base64.RawURLEncoding.DecodedLen(len(nonce)) != nonceSize {
		return 0, false
	}
	var raw [nonceSize]byte
	if _, err := base64.RawURLEncoding.Decode(raw[:], []byte(nonce)); err != nil {
		return 0, false
	}
	body := raw[:nonceTimeSize+nonceRandomSize]
	if !hmac.Equal(s.mac(body), raw[nonceTimeSize+nonceRandomSize:]) {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(raw[:nonceTimeSize])), true
}

// nonceVerdict is the outcome of checking a nonce count.
type nonceVerdict int

const (
	nonceFresh    nonceVerdict = iota // first use of this count: accept
	nonceReplayed                     // count seen before or below the window: reject
	nonceStale                        // nonce expired or forgotten: send a new one
)

// use records nonce count nc of a valid nonce with which user sent a
// correct response. issued is the nonce's issue time in Unix
// nanoseconds, and lifetime its validity in nanoseconds.
func (s *nonceStore) use(nonce, user string, nc uint64, issued, lifetime, now int64) nonceVerdict {
	if nc == 0 {
		return nonceReplayed
	}
	if now-issued > lifetime || issued > now {
		return nonceStale
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := seenKey{nonce, user}
	st, ok := s.seen[key]
	if !ok {
		if issued <= s.floor {
			return nonceStale
		}
		s.makeRoomLocked(now)
		st = &ncState{issued: issued, expires: issued + lifetime}
		s.seen[key] = st
	}
	if st.accept(nc) {
		return nonceFresh
	}
	return nonceReplayed
}

// accept marks count nc as used and reports whether it was unused and
// inside the window.
func (st *ncState) accept(nc uint64) bool {
	switch {
	case nc > st.max:
		// The counts between the old max and nc leave the window's
		// slots that they take over, unused.
		if nc-st.max >= ncWindow {
			st.used = [ncWindow / 64]uint64{}
		} else {
			for n := st.max + 1; n < nc; n++ {
				w, b := st.bit(n)
				*w &^= b
			}
		}
		w, b := st.bit(nc)
		*w |= b
		st.max = nc
		return true
	case st.max-nc >= ncWindow:
		return false
	default:
		w, b := st.bit(nc)
		if *w&b != 0 {
			return false
		}
		*w |= b
		return true
	}
}

// makeRoomLocked keeps the table under its limit. It first drops
// the expired entries. If the table is still full, it drops the entry
// with the oldest nonce and raises floor to that nonce's issue time, so
// that under pressure nonces expire sooner instead of becoming
// replayable. It scans the whole table, but only when the table is full.
func (s *nonceStore) makeRoomLocked(now int64) {
	if len(s.seen) < s.limit {
		return
	}
	var oldest seenKey
	oldestIssued := int64(-1)
	for k, st := range s.seen {
		if st.expires < now {
			delete(s.seen, k)
			continue
		}
		if oldestIssued < 0 || st.issued < oldestIssued {
			oldest, oldestIssued = k, st.issued
		}
	}
	if len(s.seen) < s.limit {
		return
	}
	delete(s.seen, oldest)
	s.floor = max(s.floor, oldestIssued)
}
