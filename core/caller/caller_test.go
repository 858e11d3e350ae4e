package caller

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestMiddlewareRefusesUnverifiedChannel(t *testing.T) {
	reached := false
	h := Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	cases := map[string]*tls.ConnectionState{
		"plain http":              nil,
		"tls without client cert": {},
	}
	for name, state := range cases {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
			req.TLS = state
			req.Header.Set(HeaderAuth, AuthToken)
			req.Header.Set(HeaderUser, "00000000-0000-0000-0000-000000000001")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusUnauthorized || reached {
				t.Fatalf("status = %d, handler reached = %v", rec.Code, reached)
			}
		})
	}
}

func TestMiddlewareReadsIdentityFromVerifiedChannel(t *testing.T) {
	var got *Caller
	h := Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got = From(r.Context())
	}))
	req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	req.TLS = &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{{}}}}
	req.Header.Set(HeaderAuth, AuthAPIKey)
	req.Header.Set(HeaderTenant, "t1")
	req.Header.Set(HeaderScopes, "messages:read files:write")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got == nil || got.Auth != AuthAPIKey || got.TenantID != "t1" {
		t.Fatalf("caller = %+v", got)
	}
	if !got.HasScope("files:write") || got.HasScope("admin") {
		t.Fatalf("scopes = %v", got.Scopes)
	}
}

func TestRequireRefusesAnonymous(t *testing.T) {
	h := Require(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req = req.WithContext(With(req.Context(), &Caller{Auth: AuthAnonymous}))
	rec := httptest.NewRecorder()
	h(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("status = %d", rec.Code)
	}
}
