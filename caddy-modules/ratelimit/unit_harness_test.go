package ratelimit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// provision provisions and validates h as Caddy would, with now as its clock
// (nil for the real one), and cleans it up when the test ends.
func provision(t testing.TB, h *Handler, now func() time.Time) *Handler {
	t.Helper()
	h.now = now
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	if err := h.Provision(ctx); err != nil {
		t.Fatalf("provision: %v", err)
	}
	if err := h.Validate(); err != nil {
		t.Fatalf("validate: %v", err)
	}
	t.Cleanup(func() { _ = h.Cleanup() })
	return h
}

// okHandler is the next handler: it answers 200 "ok".
var okHandler = caddyhttp.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) error {
	_, err := w.Write([]byte("ok"))
	return err
})

// serve sends one request from clientIP to path through h, as Caddy's server
// would prepare it, and returns the recorded response.
func serve(t testing.TB, h *Handler, clientIP, path string, hdr http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "http://edge.test"+path, nil)
	for k, v := range hdr {
		req.Header[k] = v
	}
	vars := map[string]any{caddyhttp.ClientIPVarKey: clientIP}
	req = req.WithContext(context.WithValue(req.Context(), caddyhttp.VarsCtxKey, vars))
	caddyhttp.NewTestReplacer(req)
	rec := httptest.NewRecorder()
	if err := h.ServeHTTP(rec, req, okHandler); err != nil {
		t.Fatalf("ServeHTTP: %v", err)
	}
	return rec
}

func zone(name string, events int64, window time.Duration) *Zone {
	return &Zone{Name: name, Events: events, Window: caddy.Duration(window)}
}
