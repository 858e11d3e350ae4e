package edge

import (
	"context"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/gateway"
	"github.com/kernelwork/kernelwork/gateway/hooks"
)

// refusal builds the CONNECT_ERROR a client sees: message "unauthorized" or
// "refused" with a short machine-readable reason in data.
func refusal(message, reason string) *gateway.ConnectError {
	return &gateway.ConnectError{Message: message, Data: map[string]string{"reason": reason}}
}

// Connect authenticates the socket, asks the core, joins the rooms and
// queues the events the core names.
//
// The socket is tracked before the core is asked, so that a revocation
// announced meanwhile finds it: the connect hook is cut short and the socket
// refused as revoked. A revocation announced between the token's check and
// the tracking is caught by checking the token again.
func (h *Handler) Connect(ctx context.Context, s *gateway.Socket, auth map[string]any) error {
	seen := h.revocations.Load()
	id, err := h.authenticate(ctx, s, auth)
	if err != nil {
		h.cfg.Metrics.Refused("auth")
		return err
	}
	// the connect hook's context is cut short by a revocation (st.cancel).
	// It does not derive from the connection's context: registering a child
	// there keeps a map in that context for the connection's whole life
	// (about 0.5 KiB a session); a hook whose client left meanwhile runs to
	// its own timeout at most, and the socket is then dropped.
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	st := &state{id: id, expiry: expiry{s: s, index: -1}, connecting: true, cancel: cancel}
	s.SetData(st)
	h.track(s, keys(id))
	err = h.recheck(ctx, s, auth, seen)
	if err == nil {
		err = h.admit(ctx, s, st, auth)
	}
	if !st.admitted() {
		h.cfg.Metrics.Refused("auth")
		go h.tellCore(s, st, ReasonRevoked)
		err = refusal("unauthorized", "revoked")
	}
	if err != nil {
		h.untrack(s, keys(id))
		return err
	}
	if room := identityRoom(id); room != "" {
		s.Join(room)
	}
	h.armExpiry(st)
	return nil
}

// recheck verifies the socket's token again when a revocation was announced
// since the handler first verified it (seen is the count of announcements
// then): the socket was not tracked yet and could not be kicked.
func (h *Handler) recheck(ctx context.Context, s *gateway.Socket, auth map[string]any, seen uint64) error {
	if h.revocations.Load() == seen {
		return nil
	}
	if _, err := h.authenticate(ctx, s, auth); err != nil {
		h.cfg.Metrics.Refused("auth")
		return err
	}
	return nil
}

// authenticate reads the token from the auth payload or the handshake's
// Authorization header and verifies it.
func (h *Handler) authenticate(ctx context.Context, s *gateway.Socket, auth map[string]any) (Identity, error) {
	raw, err := credential(s, auth)
	if err != nil {
		return Identity{}, err
	}
	if raw == "" {
		if h.cfg.Public {
			return Identity{Auth: caller.AuthAnonymous}, nil
		}
		return Identity{}, refusal("unauthorized", "token_required")
	}
	claims, err := h.cfg.Verifier.Verify(ctx, raw)
	if err != nil {
		reason := "invalid_token"
		if te := tokencheck.AsError(err); te != nil {
			reason = te.Reason
		}
		return Identity{}, refusal("unauthorized", reason)
	}
	return h.identityOf(claims), nil
}

// credential returns the one access token the client presented.
func credential(s *gateway.Socket, auth map[string]any) (string, error) {
	fromAuth, isString := auth["token"].(string)
	if _, present := auth["token"]; present && (!isString || fromAuth == "") {
		return "", refusal("unauthorized", "invalid_request")
	}
	cred, err := tokencheck.ParseAuthorization(s.Handshake().Header().Values("Authorization"))
	if err != nil || cred.Kind == tokencheck.CredentialAPIKey {
		return "", refusal("unauthorized", "invalid_request")
	}
	if fromAuth != "" && cred.Value != "" {
		return "", refusal("unauthorized", "multiple_credentials")
	}
	if fromAuth != "" {
		return fromAuth, nil
	}
	return cred.Value, nil
}

// admit runs the connect hook and applies its answer.
func (h *Handler) admit(ctx context.Context, s *gateway.Socket, st *state, auth map[string]any) error {
	if h.cfg.Hooks == nil {
		return nil
	}
	payload := make(map[string]any, len(auth))
	for k, v := range auth {
		if k != "token" {
			payload[k] = v
		}
	}
	hs := s.Handshake()
	var resp hooks.ConnectResponse
	err := h.cfg.Hooks.call(ctx, hooks.PathConnect, st.id, hooks.ConnectRequest{
		SocketID:  s.ID(),
		Namespace: s.Namespace(), Auth: payload, RemoteAddr: hs.RemoteAddr, Origin: hs.Origin,
	}, &resp)
	if err != nil {
		if ctx.Err() == nil { // not cut short by a revocation or the client leaving
			h.cfg.Logger.Warn("connect hook failed", "error", err.Error())
		}
		return refusal("unavailable", "core_unavailable")
	}
	if !resp.Accept {
		reason := resp.Reason
		if reason == "" {
			reason = "refused"
		}
		return refusal("refused", reason)
	}
	st.data = resp.Data
	s.Join(resp.Rooms...)
	for _, e := range resp.Emits {
		_ = s.Emit(e.Event, argsFromWire(e.Args)...)
	}
	return nil
}

// armExpiry ends the socket when its token expires, unless the client sends
// a fresh token (EventReauth) before.
func (h *Handler) armExpiry(st *state) {
	at := st.identity().Expires
	if at.IsZero() {
		return
	}
	h.expiries.arm(&st.expiry, at)
}

// expire ends a socket whose token expired.
func (h *Handler) expire(s *gateway.Socket) {
	_ = s.Emit(EventExpired)
	s.CloseConnection(ReasonExpired)
}

// reauth replaces the socket's token with a fresh one of the same session.
func (h *Handler) reauth(ctx context.Context, s *gateway.Socket, e *gateway.Event) {
	st := stateOf(s)
	arg, _ := firstMap(e.Args)
	raw, _ := arg["token"].(string)
	if st == nil || raw == "" {
		_ = e.Ack(map[string]any{"ok": false, "reason": "invalid_request"})
		return
	}
	claims, err := h.cfg.Verifier.Verify(ctx, raw)
	if err != nil {
		reason := "invalid_token"
		if te := tokencheck.AsError(err); te != nil {
			reason = te.Reason
		}
		h.cfg.Logger.Debug("re-authentication refused", "reason", reason)
		_ = e.Ack(map[string]any{"ok": false, "reason": reason})
		return
	}
	old := st.identity()
	if claims.Subject != old.UserID || claims.SessionID != old.SessionID {
		_ = e.Ack(map[string]any{"ok": false, "reason": "identity_mismatch"})
		return
	}
	st.mu.Lock()
	st.id = h.identityOf(claims)
	st.mu.Unlock()
	h.untrack(s, keys(old))
	h.track(s, keys(st.identity()))
	h.armExpiry(st)
	_ = e.Ack(map[string]any{"ok": true, "expires_at": claims.ExpiresAt.Unix()})
}

func firstMap(args []any) (map[string]any, bool) {
	if len(args) == 0 {
		return nil, false
	}
	m, ok := args[0].(map[string]any)
	return m, ok
}
