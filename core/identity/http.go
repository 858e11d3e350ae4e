package identity

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/problem"
)

// Problems of the identity routes; each type is stable.
var (
	errBadCredentials = problem.New(http.StatusUnauthorized, "invalid-credentials",
		"The tenant, email or password is wrong.")
	errThrottled = problem.New(http.StatusTooManyRequests, "login-throttled",
		"Too many failed logins for this account; wait before trying again.")
	errRefreshInvalid = problem.New(http.StatusUnauthorized, "invalid-refresh-token",
		"The refresh token is invalid, expired or revoked.")
	errCrossSite = problem.New(http.StatusForbidden, "cross-site-refresh",
		"A browser refresh needs the same origin and the X-Requested-With header.")
	errSessionEnded = problem.New(http.StatusUnauthorized, "session-ended",
		"The session has ended; log in again.")
	errWeakPassword = problem.New(http.StatusUnprocessableEntity, "password-policy",
		"The password does not meet the policy.")
	errNotAdmin = problem.New(http.StatusForbidden, "not-tenant-admin",
		"Only an owner or admin of the tenant may do this.")
	errOwnerOnly = problem.New(http.StatusForbidden, "owner-only",
		"Only an owner may grant or remove the owner role.")
	errLastOwner = problem.New(http.StatusConflict, "last-owner",
		"The tenant must keep at least one owner.")
	errUserExists = problem.New(http.StatusConflict, "user-exists",
		"A user with this email already exists in the tenant.")
)

// clientIP is the client's address as the edge reports it: the last entry of
// X-Forwarded-For, which the edge appends, or the peer address.
func clientIP(r *http.Request) string {
	if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		parts := strings.Split(xff[len(xff)-1], ",")
		if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
			return ip.String()
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// who is the signed-in user of a request and their session.
type who struct {
	User    User
	Session Session
}

type whoKey struct{}

func whoFrom(ctx context.Context) who { w, _ := ctx.Value(whoKey{}).(who); return w }

// signedIn wraps h so that only a caller with an access token of a live
// session of an enabled user reaches it. The edge has verified the token; the
// core checks the session again in PostgreSQL, so that a revoked session is
// refused even by an edge that missed the announcement.
func (s *Service) signedIn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := caller.From(r.Context())
		if c.Auth != caller.AuthToken || c.SessionID == "" {
			problem.Write(w, problem.Unauthorized)
			return
		}
		ctx := r.Context()
		sess, err := SessionByID(ctx, s.a.DB, c.TenantID, c.SessionID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			s.fail(w, r, err)
			return
		}
		if err != nil || sess.UserID != c.UserID || !sess.active(s.a.Now()) {
			problem.Write(w, errSessionEnded)
			return
		}
		u, err := UserByID(ctx, s.a.DB, c.TenantID, c.UserID)
		if err != nil || u.DisabledAt != nil {
			problem.Write(w, errSessionEnded)
			return
		}
		h(w, r.WithContext(context.WithValue(ctx, whoKey{}, who{User: u, Session: sess})))
	}
}

// admin wraps h so that only an owner or admin of the tenant reaches it.
func (s *Service) admin(h http.HandlerFunc) http.HandlerFunc {
	return s.signedIn(func(w http.ResponseWriter, r *http.Request) {
		if !IsAdmin(whoFrom(r.Context()).User.Role) {
			problem.Write(w, errNotAdmin)
			return
		}
		h(w, r)
	})
}

// fail answers an unexpected error as a generic 500 and logs it.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error) {
	var p *problem.Problem
	if errors.As(err, &p) {
		problem.Write(w, p)
		return
	}
	s.a.Log.Error("identity request failed", "path", r.URL.Path, "error", err)
	problem.Write(w, problem.Internal)
}

// pageLimit reads ?limit= between 1 and 200 (default 50).
func pageLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 200 {
		return 0, problem.BadRequest.WithDetail("limit must be a whole number from 1 to 200.")
	}
	return n, nil
}
