package identity

import (
	"net/http"
	"net/url"
	"time"
)

// Browser refresh tokens live in an HttpOnly, Secure, SameSite=Strict cookie
// sent only to the refresh path. A browser refresh must also come from the
// product's own origin (Origin, or Sec-Fetch-Site when Origin is absent) and
// carry X-Requested-With: KernelWork, a header a cross-site form or image
// cannot set and that a cross-site script cannot send without a CORS preflight
// the edge does not allow.
const (
	RefreshCookie = "__Secure-kw_refresh"
	RefreshPath   = "/api/v1/auth/refresh"
	CSRFHeader    = "X-Requested-With"
	CSRFValue     = "KernelWork"
)

func (s *Service) refreshCookie(raw string, expires time.Time) *http.Cookie {
	return &http.Cookie{
		Name: RefreshCookie, Value: raw, Path: RefreshPath, Expires: expires,
		MaxAge: int(expires.Sub(s.a.Now()).Seconds()), HttpOnly: true, Secure: true,
		SameSite: http.SameSiteStrictMode,
	}
}

func clearRefreshCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: RefreshCookie, Value: "", Path: RefreshPath, MaxAge: -1,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode,
	})
}

// sameOrigin reports whether a browser request comes from the product's
// public origin, with the anti-CSRF header.
func (s *Service) sameOrigin(r *http.Request) bool {
	if r.Header.Get(CSRFHeader) != CSRFValue {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return r.Header.Get("Sec-Fetch-Site") == "same-origin"
	}
	u, err := url.Parse(origin)
	pub := s.a.Config.Server.PublicURL
	return err == nil && pub != nil && u.Scheme == pub.Scheme && u.Host == pub.Host
}
