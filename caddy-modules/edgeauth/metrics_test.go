package edgeauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
)

// TestRefusalsAreCounted: refusals are not logged above debug, so the
// counter kw_edge_auth_refusals_total is how an operator sees them.
func TestRefusalsAreCounted(t *testing.T) {
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	h := &Handler{
		Issuer: "https://edge.test", Audience: "kernelwork", RedisURL: redisURL(t),
		KeyFiles: []tokencheck.KeyFileSetting{{ID: "k1", Alg: "EdDSA", Path: newTokenKey(t).path}},
	}
	if err := h.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = h.Cleanup() }()
	next := caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error { return nil })
	for _, auth := range []string{"", "", "Bearer a.b.c"} {
		r := httptest.NewRequest("GET", "/api/v1/x", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		if err := h.ServeHTTP(w, r, next); err != nil || w.Code != 401 {
			t.Fatalf("status %d, %v", w.Code, err)
		}
	}
	mfs, err := ctx.GetMetricsRegistry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "kw_edge_auth_refusals_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			got[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	if got["missing"] != 2 || got["malformed"] != 1 {
		t.Fatalf("refusals counted %v, want missing 2 and malformed 1", got)
	}
}
