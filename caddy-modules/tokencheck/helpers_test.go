package tokencheck

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clock is a manual clock for tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// testRedis returns a client of the local stack's Redis.
func testRedis(t testing.TB) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(stackRedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// stackRedisURL returns KW_REDIS_URL from the environment or from the local
// stack's .data/local.env (found above the working directory).
func stackRedisURL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("KW_REDIS_URL"); u != "" {
		return u
	}
	dir, _ := os.Getwd()
	for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		b, err := os.ReadFile(filepath.Join(dir, ".data", "local.env"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "KW_REDIS_URL="); ok {
				return v
			}
		}
	}
	t.Fatal("KW_REDIS_URL is not set and .data/local.env is missing: run `make services`")
	return ""
}

// testPrefix returns a Redis prefix no other test uses.
func testPrefix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "kwtest:" + hex.EncodeToString(b) + ":"
}

// startRevocations runs a revocation set on its own prefix until the test
// ends and waits for its first sync.
func startRevocations(t testing.TB, rdb redis.UniversalClient, prefix string, clk *clock) *Revocations {
	t.Helper()
	revs, err := NewRevocations(RevocationOptions{
		Redis: rdb, Prefix: prefix, Now: clk.Now,
		MaxStale: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { revs.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-revs.Synced():
	case <-time.After(5 * time.Second):
		t.Fatal("revocation set did not sync with redis")
	}
	return revs
}

// signer mints tokens with an Ed25519 key, with any header and claims.
type signer struct {
	kid  string
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
}

func newSigner(t testing.TB, kid string) *signer {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &signer{kid: kid, priv: priv, pub: pub}
}

func b64(v any) string {
	b, ok := v.([]byte)
	if !ok {
		b, _ = json.Marshal(v)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// mint signs header.claims with EdDSA whatever the header says.
func (s *signer) mint(header, claims map[string]any) string {
	in := b64(header) + "." + b64(claims)
	return in + "." + b64(ed25519.Sign(s.priv, []byte(in)))
}

func (s *signer) header() map[string]any {
	return map[string]any{"alg": "EdDSA", "typ": "at+jwt", "kid": s.kid}
}

// claims returns valid access token claims issued at now.
func claimsAt(now time.Time) map[string]any {
	return map[string]any{
		"iss": "https://edge.test", "aud": "kernelwork",
		"sub": "11111111-1111-4111-8111-111111111111",
		"sid": "22222222-2222-4222-8222-222222222222",
		"tid": "33333333-3333-4333-8333-333333333333",
		"jti": "44444444-4444-4444-8444-444444444444",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
	}
}

// fixture is a verifier with one trusted key, a manual clock and a live
// revocation set.
type fixture struct {
	v      *Verifier
	s      *signer
	clk    *clock
	revs   *Revocations
	rdb    *redis.Client
	prefix string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{s: newSigner(t, "k1"), clk: newClock(), rdb: testRedis(t), prefix: testPrefix()}
	f.revs = startRevocations(t, f.rdb, f.prefix, f.clk)
	key, err := NewKey("k1", AlgEdDSA, f.s.pub)
	if err != nil {
		t.Fatal(err)
	}
	f.v, err = New(Config{
		Issuer: "https://edge.test", Audience: "kernelwork",
		Keys: StaticKeys{"k1": key}, Revocations: f.revs, Now: f.clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) valid() string { return f.s.mint(f.s.header(), claimsAt(f.clk.Now())) }

// revoke writes a revocation the way the core does: sorted set, then publish.
func (f *fixture) revoke(t testing.TB, rev Revocation) {
	t.Helper()
	ctx := context.Background()
	key := map[string]string{KindSession: suffixSessions, KindJTI: suffixJTI, KindAPIKey: suffixAPIKeys}[rev.Kind]
	member := rev.ID
	if rev.Kind == KindJTI {
		member = rev.Iss + " " + rev.ID
	}
	if err := f.rdb.ZAdd(ctx, f.prefix+key, redis.Z{Score: float64(rev.Until), Member: member}).Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.rdb.Del(context.Background(), f.prefix+key) })
	msg, _ := json.Marshal(rev)
	if err := f.rdb.Publish(ctx, f.prefix+suffixChannel, msg).Err(); err != nil {
		t.Fatal(err)
	}
}
