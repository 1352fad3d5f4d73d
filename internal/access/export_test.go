package access

import "time"

// SetClock replaces the clock with which p mints and checks Digest
// nonces.
func SetClock(p *Policy, now func() time.Time) { p.now = now }
