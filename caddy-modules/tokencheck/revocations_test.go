package tokencheck

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

const testSID = "22222222-2222-4222-8222-222222222222"

// eventually polls fn every 10ms until it is true or within runs out.
func eventually(t *testing.T, within time.Duration, what string, fn func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !fn() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %v", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// reencode returns forms of tok that decode to the same bytes under a
// lenient base64 decoder: padded parts and a non-canonical last character.
func reencode(tok string) map[string]string {
	parts := strings.Split(tok, ".")
	padded := make([]string, 3)
	for i, p := range parts {
		padded[i] = p + strings.Repeat("=", (4-len(p)%4)%4)
	}
	sig := []byte(parts[2])
	// an Ed25519 signature is 64 bytes: 86 characters whose last one carries
	// 4 unused bits; setting one keeps the bytes and changes the text.
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alpha, sig[len(sig)-1])
	sig[len(sig)-1] = alpha[last|1]
	return map[string]string{
		"padded":             strings.Join(padded, "."),
		"non-canonical tail": parts[0] + "." + parts[1] + "." + string(sig),
		"same":               tok,
	}
}

// TestRevokedSessionRefusedWithinOneSecond revokes a session the way the
// core does and expects its token, in any encoding, refused within 1s.
func TestRevokedSessionRefusedWithinOneSecond(t *testing.T) {
	f := newFixture(t)
	tok := f.valid()
	if _, err := f.v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("valid token refused: %v", err)
	}
	f.revoke(t, Revocation{Kind: KindSession, ID: testSID, Until: f.clk.Now().Add(time.Hour).Unix()})
	eventually(t, time.Second, "session revocation", func() bool {
		_, err := f.v.Verify(context.Background(), tok)
		return errors.Is(err, ErrRevoked)
	})
	for name, re := range reencode(tok) {
		t.Run(name, func(t *testing.T) {
			if _, err := f.v.Verify(context.Background(), re); err == nil {
				t.Fatal("revoked session accepted once re-encoded")
			}
		})
	}
}

func TestRevokedJTIRefused(t *testing.T) {
	f := newFixture(t)
	tok := f.valid()
	f.revoke(t, Revocation{
		Kind: KindJTI, Iss: "https://edge.test",
		ID: "44444444-4444-4444-8444-444444444444", Until: f.clk.Now().Add(time.Hour).Unix(),
	})
	eventually(t, time.Second, "jti revocation", func() bool {
		_, err := f.v.Verify(context.Background(), tok)
		return errors.Is(err, ErrRevoked)
	})
}

// TestRevocationExpiresWithItsUntil: an entry whose until has passed no
// longer refuses (every token it covered has expired by then).
func TestRevocationExpiresWithItsUntil(t *testing.T) {
	f := newFixture(t)
	f.revoke(t, Revocation{Kind: KindSession, ID: "s-old", Until: f.clk.Now().Add(time.Minute).Unix()})
	eventually(t, time.Second, "revocation", func() bool { return f.revs.Revoked(KindSession, "s-old") })
	f.clk.Add(2 * time.Minute)
	if f.revs.Revoked(KindSession, "s-old") {
		t.Fatal("entry past its until still refuses")
	}
}

// TestResyncLoadsSortedSetsAtStart: revocations made before the edge
// started are in force as soon as it has synced.
func TestResyncLoadsSortedSetsAtStart(t *testing.T) {
	rdb, prefix, clk := testRedis(t), testPrefix(), newClock()
	ctx := context.Background()
	until := float64(clk.Now().Add(time.Hour).Unix())
	rdb.ZAdd(ctx, prefix+suffixSessions, redis.Z{Score: until, Member: "s1"})
	rdb.ZAdd(ctx, prefix+suffixJTI, redis.Z{Score: until, Member: "https://edge.test j1"})
	rdb.ZAdd(ctx, prefix+suffixAPIKeys, redis.Z{Score: until, Member: "key1"})
	rdb.ZAdd(ctx, prefix+suffixSessions, redis.Z{Score: float64(clk.Now().Add(-time.Hour).Unix()), Member: "gone"})
	t.Cleanup(func() { rdb.Del(ctx, prefix+suffixSessions, prefix+suffixJTI, prefix+suffixAPIKeys) })
	revs := startRevocations(t, rdb, prefix, clk)
	if !errors.Is(revs.CheckToken("https://edge.test", "x", "s1"), ErrRevoked) ||
		!errors.Is(revs.CheckToken("https://edge.test", "j1", "s2"), ErrRevoked) ||
		!errors.Is(revs.CheckAPIKey("key1"), ErrRevoked) {
		t.Fatal("a revocation present before start is not in force")
	}
	if err := revs.CheckToken("https://edge.test", "j2", "gone"); err != nil {
		t.Fatalf("an expired entry refuses: %v", err)
	}
}

func TestSubscribeNotifies(t *testing.T) {
	f := newFixture(t)
	got := make(chan Revocation, 1)
	cancel := f.revs.Subscribe(func(r Revocation) { got <- r })
	defer cancel()
	f.revoke(t, Revocation{Kind: KindSession, ID: "s-sub", Until: f.clk.Now().Add(time.Hour).Unix()})
	select {
	case r := <-got:
		if r.Kind != KindSession || r.ID != "s-sub" {
			t.Fatalf("notified %+v", r)
		}
	case <-time.After(time.Second):
		t.Fatal("subscriber not notified within 1s")
	}
}

// cutProxy forwards TCP to Redis until cut, which drops every connection
// and refuses new ones until restore: Redis going away, as seen by the edge.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  []net.Conn
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target}
	t.Cleanup(func() { _ = ln.Close(); p.setCut(true) })
	go p.serve()
	return p
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
		go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
	}
}

func (p *cutProxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for _, c := range p.conns {
			_ = c.Close()
		}
		p.conns = nil
	}
}

// TestStaleSetRefusesThenRecovers cuts the edge from Redis: the last known
// set is used for MaxStale, then every token is refused, the metric says so,
// and on reconnect the set is resynced, including a revocation made while
// the edge could not hear it.
func TestStaleSetRefusesThenRecovers(t *testing.T) {
	direct := testRedis(t)
	proxy := newCutProxy(t, direct.Options().Addr)
	opts := *direct.Options()
	opts.Addr = proxy.ln.Addr().String()
	opts.MaxRetries = -1
	rdb := redis.NewClient(&opts)
	t.Cleanup(func() { _ = rdb.Close() })

	f := newFixture(t)
	reg := prometheus.NewRegistry()
	revs, err := NewRevocations(RevocationOptions{
		Redis: rdb, Prefix: f.prefix, Now: f.clk.Now,
		MaxStale: 4 * time.Second, Registerer: reg,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.v.cfg.Revocations = revs
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { revs.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	<-revs.Synced()
	tok := f.valid()
	if _, err := f.v.Verify(ctx, tok); err != nil {
		t.Fatalf("valid token refused: %v", err)
	}

	proxy.setCut(true)
	f.clk.Add(3 * time.Second)
	if _, err := f.v.Verify(ctx, tok); err != nil {
		t.Fatalf("token refused within max stale: %v", err)
	}
	f.clk.Add(2 * time.Second)
	if _, err := f.v.Verify(ctx, tok); !errors.Is(err, ErrRevocationsStale) {
		t.Fatalf("after max stale got %v, want ErrRevocationsStale", err)
	}
	eventually(t, 5*time.Second, "stale metric", func() bool {
		return gauge(t, reg, "kw_edge_revocations_stale") == 1
	})

	// revoked while the edge is cut off: only the sorted set can tell it
	direct.ZAdd(ctx, f.prefix+suffixSessions, redis.Z{
		Score:  float64(f.clk.Now().Add(time.Hour).Unix()),
		Member: testSID,
	})
	t.Cleanup(func() { direct.Del(context.Background(), f.prefix+suffixSessions) })
	proxy.setCut(false)
	eventually(t, 10*time.Second, "resync after reconnect", func() bool {
		_, err := f.v.Verify(ctx, tok)
		return errors.Is(err, ErrRevoked)
	})
	if gauge(t, reg, "kw_edge_revocations_stale") != 0 {
		t.Fatal("stale metric still 1 after recovery")
	}
}

// gauge reads the value of the gauge name from reg.
func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no gauge %s", name)
	return 0
}
