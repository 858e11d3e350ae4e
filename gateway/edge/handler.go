package edge

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/gateway"
	"github.com/kernelwork/kernelwork/gateway/hooks"
	"github.com/kernelwork/kernelwork/gateway/internal/smallset"
)

// Verifier checks an access token; *tokencheck.Verifier is one.
type Verifier interface {
	Verify(ctx context.Context, raw string) (*tokencheck.Claims, error)
}

// Events the edge itself answers.
const (
	// EventReauth carries a fresh access token for the socket's session:
	// socket.emit("kw:reauth", {token}, ack). The ack is {ok: true,
	// expires_at} or {ok: false, reason}.
	EventReauth = "kw:reauth"
	// EventRevoked is sent just before the sockets of a revoked session or
	// token are disconnected.
	EventRevoked = "kw:session_revoked"
	// EventExpired is sent just before a socket whose token expired is
	// closed; the client reconnects with a fresh token.
	EventExpired = "kw:token_expired"
)

// Reasons a socket is ended by this package.
const (
	ReasonRevoked = "session revoked"
	ReasonExpired = "token expired"
)

// Config configures a Handler.
type Config struct {
	// Verifier checks access tokens. Required.
	Verifier Verifier
	// Hooks reaches the core. Nil serves without hooks: sockets join only
	// their user room and client events other than relay events are
	// dropped.
	Hooks *Hooks
	// Public lets anonymous sockets in (the namespace is public).
	Public bool
	// RelayEvents are broadcast by the edge to one room of the sender
	// without a round trip to the core.
	RelayEvents []string
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Logger receives security events at info and failures of the core at
	// warn. Default: discard.
	Logger *slog.Logger
	// Metrics counts refusals; nil counts nothing.
	Metrics *gateway.Metrics
}

// Handler serves one namespace for KernelWork clients.
type Handler struct {
	cfg   Config
	relay map[string]bool

	// expiries ends the sockets whose token expired.
	expiries *expiries
	// lastIssuer is the issuer of the last token verified (see issuer).
	lastIssuer atomic.Pointer[string]
	// revocations counts the revocations announced (see Connect).
	revocations atomic.Uint64

	mu sync.Mutex
	// index finds the sockets of a session or of a token id.
	index map[indexKey]*smallset.Set[*gateway.Socket]
}

// New returns a Handler, or an error when cfg lacks its verifier.
func New(cfg Config) (*Handler, error) {
	if cfg.Verifier == nil {
		return nil, errors.New("edge: a token verifier is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{
		cfg: cfg, relay: map[string]bool{},
		index: map[indexKey]*smallset.Set[*gateway.Socket]{},
	}
	for _, e := range cfg.RelayEvents {
		h.relay[e] = true
	}
	h.expiries = newExpiries(cfg.Now, h.expire)
	return h, nil
}

func stateOf(s *gateway.Socket) *state {
	st, _ := s.Data().(*state)
	return st
}

// KickSession disconnects every local socket of a revoked session. The
// client is told it was disconnected and does not reconnect by itself.
func (h *Handler) KickSession(sessionID string) int {
	n := h.kick(sessionKey(sessionID))
	if n > 0 {
		h.cfg.Logger.Info("closed the sockets of a revoked session", "session_id", sessionID,
			"sockets", n)
	}
	return n
}

// KickToken disconnects every local socket authenticated with the revoked
// token id jti of issuer iss.
func (h *Handler) KickToken(iss, jti string) int {
	n := h.kick(tokenKey(iss, jti))
	if n > 0 {
		h.cfg.Logger.Info("closed the sockets of a revoked token", "sockets", n)
	}
	return n
}

func (h *Handler) kick(key indexKey) int {
	h.mu.Lock()
	socks := make([]*gateway.Socket, 0, h.index[key].Len())
	for s := range h.index[key].All() {
		socks = append(socks, s)
	}
	h.mu.Unlock()
	for _, s := range socks {
		if st := stateOf(s); st != nil && st.revokeConnecting() {
			continue // Connect refuses it
		}
		_ = s.Emit(EventRevoked)
		s.Disconnect(true)
	}
	return len(socks)
}

// OnRevocation applies a revocation announcement; pass it to
// tokencheck.Revocations.Subscribe.
func (h *Handler) OnRevocation(r tokencheck.Revocation) {
	h.revocations.Add(1)
	switch r.Kind {
	case tokencheck.KindSession:
		go h.KickSession(r.ID)
	case tokencheck.KindJTI:
		go h.KickToken(r.Iss, r.ID)
	}
}

// indexKey names a session (iss empty) or a token id of an issuer in the
// handler's index. It holds the identity's own strings, so an entry costs
// no string of its own.
type indexKey struct {
	iss, id string
	token   bool
}

func sessionKey(sid string) indexKey { return indexKey{id: sid} }

func tokenKey(iss, jti string) indexKey { return indexKey{iss: iss, id: jti, token: true} }

// keys are the index entries of a socket acting for id.
func keys(id Identity) []indexKey {
	if id.Auth != caller.AuthToken {
		return nil
	}
	return []indexKey{sessionKey(id.SessionID), tokenKey(id.Issuer, id.TokenID)}
}

func (h *Handler) track(s *gateway.Socket, keys []indexKey) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, k := range keys {
		m := h.index[k]
		if m == nil {
			m = &smallset.Set[*gateway.Socket]{}
			h.index[k] = m
		}
		m.Add(s)
	}
}

func (h *Handler) untrack(s *gateway.Socket, keys []indexKey) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, k := range keys {
		m := h.index[k]
		if m == nil {
			continue
		}
		m.Remove(s)
		if m.Len() == 0 {
			delete(h.index, k)
		}
	}
}

// Disconnect tells the core, best effort, and forgets the socket.
func (h *Handler) Disconnect(s *gateway.Socket, reason string) {
	st := stateOf(s)
	if st == nil {
		return
	}
	h.expiries.cancel(&st.expiry)
	h.untrack(s, keys(st.identity()))
	h.tellCore(s, st, reason)
}

// tellCore runs the disconnect hook, best effort.
func (h *Handler) tellCore(s *gateway.Socket, st *state, reason string) {
	if h.cfg.Hooks == nil {
		return
	}
	st.mu.Lock()
	id, data := st.id, st.data
	st.mu.Unlock()
	err := h.cfg.Hooks.call(context.Background(), hooks.PathDisconnect, id, hooks.DisconnectRequest{
		SocketID: s.ID(), Namespace: s.Namespace(), Reason: reason, Data: data,
	}, nil)
	if err != nil {
		h.cfg.Logger.Warn("disconnect hook failed", "error", err.Error())
	}
}

var _ gateway.Handler = (*Handler)(nil)

// identityRoom is the room every socket of a user joins.
func identityRoom(id Identity) string {
	if id.Auth != caller.AuthToken {
		return ""
	}
	return "user:" + id.UserID
}
