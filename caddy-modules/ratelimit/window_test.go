package ratelimit

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestFixedWindowBoundaryAllowsTwice documents the algorithm's worst case:
// a client that spends its budget at the end of one window and again at the
// start of the next passes twice the rate within a tenth of a second, and
// not one request more.
func TestFixedWindowBoundaryAllowsTwice(t *testing.T) {
	c := newClock(time.Unix(1_000_000, 0))
	h := provision(t, &Handler{Zones: []*Zone{zone("login", 5, 10*time.Second)}}, c.Now)

	allowed := 0
	send := func() {
		if serve(t, h, "198.51.100.7", "/", nil).Code == http.StatusOK {
			allowed++
		}
	}
	send() // opens the window [t, t+10s)
	c.Add(9900 * time.Millisecond)
	for range 6 {
		send()
	}
	c.Add(100 * time.Millisecond) // the next window
	for range 6 {
		send()
	}
	if allowed != 10 {
		t.Fatalf("allowed %d requests across the boundary, want exactly 2x5 = 10", allowed)
	}
}

// TestRetryAfterExact checks Retry-After, RateLimit and X-RateLimit-* to the
// second against an injected clock.
func TestRetryAfterExact(t *testing.T) {
	start := time.Unix(1_000_000, 0)
	c := newClock(start)
	h := provision(t, &Handler{Zones: []*Zone{zone("api", 3, time.Minute)}}, c.Now)
	for i := range 3 {
		rec := serve(t, h, "198.51.100.7", "/", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("request %d: status %d", i, rec.Code)
		}
		if got, want := rec.Header().Get("X-RateLimit-Remaining"), strconv.Itoa(2-i); got != want {
			t.Fatalf("request %d: X-RateLimit-Remaining %q, want %q", i, got, want)
		}
	}
	cases := []struct {
		at        time.Duration
		status    int
		retry     string
		remaining string
	}{
		{17 * time.Second, 429, "43", "0"},
		{59 * time.Second, 429, "1", "0"},
		{59*time.Second + 900*time.Millisecond, 429, "1", "0"},
		{60 * time.Second, 200, "", "2"},
	}
	for _, tc := range cases {
		t.Run(tc.at.String(), func(t *testing.T) {
			c.Set(start.Add(tc.at))
			rec := serve(t, h, "198.51.100.7", "/", nil)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if got := rec.Header().Get("Retry-After"); got != tc.retry {
				t.Fatalf("Retry-After %q, want %q", got, tc.retry)
			}
			if got := rec.Header().Get("X-RateLimit-Remaining"); got != tc.remaining {
				t.Fatalf("X-RateLimit-Remaining %q, want %q", got, tc.remaining)
			}
			if tc.status == 429 {
				wantRL := fmt.Sprintf(`"api";r=0;t=%s`, tc.retry)
				if got := rec.Header().Get("RateLimit"); got != wantRL {
					t.Fatalf("RateLimit %q, want %q", got, wantRL)
				}
				reset := strconv.FormatInt(start.Add(time.Minute).Unix(), 10)
				if got := rec.Header().Get("X-RateLimit-Reset"); got != reset {
					t.Fatalf("X-RateLimit-Reset %q, want %q", got, reset)
				}
			}
		})
	}
}

// TestMemoryStoreBounded floods the in-process store with new keys: it never
// holds more than max_keys counters.
func TestMemoryStoreBounded(t *testing.T) {
	c := newClock(time.Unix(1_000_000, 0))
	h := provision(t, &Handler{MaxKeys: 100, Zones: []*Zone{zone("ip", 5, time.Minute)}}, c.Now)
	for i := range 5000 {
		serve(t, h, fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), "/", nil)
	}
	if n := h.store.(*memoryStore).Len(); n > 100 {
		t.Fatalf("store holds %d counters, want at most 100", n)
	}
}

// TestSeveralZonesApply counts one request per IP and per user at once.
func TestSeveralZonesApply(t *testing.T) {
	c := newClock(time.Unix(1_000_000, 0))
	user := zone("user", 2, time.Minute)
	user.Key = "{http.request.header.X-Kw-User}"
	h := provision(t, &Handler{Zones: []*Zone{zone("ip", 3, time.Minute), user}}, c.Now)
	alice := http.Header{"X-Kw-User": {"alice"}}
	bob := http.Header{"X-Kw-User": {"bob"}}
	steps := []struct {
		hdr    http.Header
		status int
		zone   string
	}{
		{alice, 200, ""},
		{alice, 200, ""},
		{alice, 429, "user"},
		{bob, 429, "ip"}, // the fourth request from this IP
		{nil, 429, "ip"},
	}
	for i, s := range steps {
		rec := serve(t, h, "198.51.100.7", "/", s.hdr)
		if rec.Code != s.status {
			t.Fatalf("step %d: status %d, want %d", i, rec.Code, s.status)
		}
		if s.zone != "" {
			if p := problemBody(t, rec.Body.String()); p["zone"] != s.zone {
				t.Fatalf("step %d: limited by zone %v, want %s", i, p["zone"], s.zone)
			}
		}
	}
	if got := serve(t, h, "198.51.100.8", "/", bob).Code; got != 200 {
		t.Fatalf("bob from another IP: status %d, want 200", got)
	}
}
