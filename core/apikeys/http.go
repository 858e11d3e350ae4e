package apikeys

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/audit"
	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/jsonio"
	"github.com/kernelwork/kernelwork/core/problem"
)

// Audit actions.
const (
	ActionCreated = "api_key.created"
	ActionRevoked = "api_key.revoked"
)

// Problems of this feature.
var (
	errInvalidKey = problem.New(http.StatusUnauthorized, "invalid-api-key", "The API key is not valid.")
	errNotAdmin   = problem.New(http.StatusForbidden, "forbidden", "Only tenant admins manage API keys.")
	errNoScope    = problem.New(http.StatusForbidden, "insufficient-scope",
		"The API key lacks the scope "+ScopeRead+".")
	errKeyNotFound = problem.New(http.StatusNotFound, "not-found", "No such API key.")
)

// Register mounts the API key routes.
func Register(mux *http.ServeMux, a *app.App) {
	h := handlers{a: a}
	mux.HandleFunc("POST /api/v1/api-keys", h.admin(h.create))
	mux.HandleFunc("GET /api/v1/api-keys", h.list)
	mux.HandleFunc("DELETE /api/v1/api-keys/{id}", h.admin(h.revoke))
	mux.HandleFunc("POST /internal/apikeys/verify", h.verify)
}

type handlers struct{ a *app.App }

// admin lets through only a tenant admin signed in with an access token on
// a live session; an API key cannot manage keys.
func (h handlers) admin(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := caller.From(r.Context())
		switch {
		case !c.Authenticated():
			problem.Write(w, problem.Unauthorized)
		case c.Auth != caller.AuthToken:
			problem.Write(w, errNotAdmin)
		default:
			ok, err := h.isAdmin(r.Context(), c)
			if err != nil {
				h.fail(w, r, err)
			} else if !ok {
				problem.Write(w, errNotAdmin)
			} else {
				next(w, r)
			}
		}
	}
}

func (h handlers) isAdmin(ctx context.Context, c *caller.Caller) (bool, error) {
	sess, err := identity.SessionByID(ctx, h.a.DB, c.TenantID, c.SessionID)
	if errors.Is(err, identity.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	now := h.a.Now()
	if sess.UserID != c.UserID || sess.RevokedAt != nil || !now.Before(sess.IdleExpiresAt) ||
		!now.Before(sess.AbsoluteExpiresAt) {
		return false, nil
	}
	u, err := identity.UserByID(ctx, h.a.DB, c.TenantID, c.UserID)
	if errors.Is(err, identity.ErrNotFound) {
		return false, nil
	}
	return err == nil && u.DisabledAt == nil && identity.IsAdmin(u.Role), err
}

func (h handlers) create(w http.ResponseWriter, r *http.Request) {
	var n NewKey
	if err := jsonio.Decode(w, r, &n); err != nil {
		problem.Write(w, err)
		return
	}
	c := caller.From(r.Context())
	if err := n.Check(h.a.Now()); err != nil {
		problem.Write(w, problem.BadRequest.WithDetail(err.Error()))
		return
	}
	k, err := Create(r.Context(), h.a, c.TenantID, c.UserID, n)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.audit(r, c, ActionCreated, k.ID)
	h.a.Log.Info("api key created", "key_id", k.ID, "tenant_id", c.TenantID, "user_id", c.UserID)
	jsonio.Write(w, http.StatusCreated, k)
}

func (h handlers) list(w http.ResponseWriter, r *http.Request) {
	c := caller.From(r.Context())
	switch c.Auth {
	case caller.AuthToken:
		if ok, err := h.isAdmin(r.Context(), c); err != nil || !ok {
			h.refuseAdmin(w, r, err)
			return
		}
	case caller.AuthAPIKey:
		if !c.HasScope(ScopeRead) {
			problem.Write(w, errNoScope)
			return
		}
	default:
		problem.Write(w, problem.Unauthorized)
		return
	}
	keys, err := List(r.Context(), h.a, c.TenantID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusOK, map[string]any{"api_keys": keys})
}

func (h handlers) refuseAdmin(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	problem.Write(w, errNotAdmin)
}

func (h handlers) revoke(w http.ResponseWriter, r *http.Request) {
	c := caller.From(r.Context())
	id := r.PathValue("id")
	err := Revoke(r.Context(), h.a, c.TenantID, id)
	if errors.Is(err, ErrNotFound) {
		problem.Write(w, errKeyNotFound)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.audit(r, c, ActionRevoked, id)
	h.a.Log.Info("api key revoked", "key_id", id, "tenant_id", c.TenantID, "user_id", c.UserID)
	w.WriteHeader(http.StatusNoContent)
}

// verify is the edge's check. It is reached only over the trusted channel
// (caller.Middleware), and answers 401 alike for every key that fails.
func (h handlers) verify(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Key string `json:"key"`
	}
	if err := jsonio.Decode(w, r, &req); err != nil {
		problem.Write(w, err)
		return
	}
	id, err := Verify(r.Context(), h.a, req.Key)
	if errors.Is(err, ErrInvalid) {
		problem.Write(w, errInvalidKey)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusOK, id)
}

func (h handlers) audit(r *http.Request, c *caller.Caller, action, keyID string) {
	details, _ := json.Marshal(map[string]string{"key_id": keyID})
	err := audit.Write(r.Context(), h.a.DB, audit.Entry{
		TenantID: c.TenantID, ActorID: c.UserID,
		Action: action, TargetType: "api_key", TargetID: keyID, UserAgent: r.UserAgent(),
		Details: details,
	})
	if err != nil {
		h.a.Log.Error("writing audit entry", "action", action, "key_id", keyID, "error", err.Error())
	}
}

// fail answers an unexpected error with 500 and logs it without the key.
func (h handlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.a.Log.Error("api key request failed", "path", r.URL.Path, "error", err.Error())
	problem.Write(w, problem.Internal)
}
