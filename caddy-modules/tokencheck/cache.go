package tokencheck

import (
	"crypto/sha256"
	"sync"
)

// verifiedCache remembers the claims of tokens whose signature and format
// were verified, keyed by the SHA-256 of the exact token text, so that a
// client reusing its token costs no cryptography. Time claims, the key's
// presence and revocation are checked again on every use; a token written
// differently (re-encoded) is a different entry and is verified in full.
type verifiedCache struct {
	mu      sync.RWMutex
	max     int
	entries map[[32]byte]*Claims
}

func newVerifiedCache(max int) *verifiedCache {
	if max <= 0 {
		return nil
	}
	return &verifiedCache{max: max, entries: make(map[[32]byte]*Claims, max)}
}

func (c *verifiedCache) get(raw string) (*Claims, bool) {
	if c == nil {
		return nil, false
	}
	sum := sha256.Sum256([]byte(raw))
	c.mu.RLock()
	cl, ok := c.entries[sum]
	c.mu.RUnlock()
	return cl, ok
}

// put stores claims; when full, the cache starts afresh (entries are cheap
// to rebuild and an attacker cannot choose which to keep).
func (c *verifiedCache) put(raw string, cl *Claims) {
	if c == nil {
		return
	}
	sum := sha256.Sum256([]byte(raw))
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		clear(c.entries)
	}
	c.entries[sum] = cl
}
