package edge

import (
	"context"
	"sync"
	"time"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
	"github.com/kernelwork/kernelwork/core/caller"
)

// Identity is who a socket acts for, as verified at CONNECT (and at each
// re-authentication).
type Identity struct {
	// Auth is caller.AuthToken, or caller.AuthAnonymous on a public
	// namespace.
	Auth      string
	UserID    string
	TenantID  string
	SessionID string
	Issuer    string
	TokenID   string
	Expires   time.Time
}

func (h *Handler) identityOf(c *tokencheck.Claims) Identity {
	return Identity{
		Auth: caller.AuthToken, UserID: c.Subject, TenantID: c.TenantID,
		SessionID: c.SessionID, Issuer: h.issuer(c.Issuer), TokenID: c.TokenID, Expires: c.ExpiresAt,
	}
}

// issuer returns iss, as the copy kept from an earlier token when it is
// the same: an edge sees one issuer or a few, and every socket keeps it.
func (h *Handler) issuer(iss string) string {
	if last := h.lastIssuer.Load(); last != nil && *last == iss {
		return *last
	}
	h.lastIssuer.Store(&iss)
	return iss
}

// state is what the handler keeps with each socket.
type state struct {
	mu sync.Mutex
	id Identity
	// expiry is the socket's place in the handler's expiries, guarded by
	// their lock.
	expiry expiry
	// data is what the core asked the edge to keep, sent back with each
	// event and at disconnect.
	data any
	// connecting is true while Connect decides; a revocation then sets
	// revoked and cancels the connect hook's context with cancel.
	connecting bool
	revoked    bool
	cancel     context.CancelFunc
}

// admitted ends the socket's admission; false when a revocation came
// meanwhile.
func (st *state) admitted() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.connecting, st.cancel = false, nil
	return !st.revoked
}

// revokeConnecting refuses a socket still being admitted, cutting its
// connect hook short; false when it was admitted already.
func (st *state) revokeConnecting() bool {
	st.mu.Lock()
	if !st.connecting {
		st.mu.Unlock()
		return false
	}
	st.revoked = true
	cancel := st.cancel
	st.mu.Unlock()
	cancel()
	return true
}

func (st *state) identity() Identity {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.id
}
