package tokencheck

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/kernelwork/kernelwork/core/pki"
)

// jwksServer serves a key set over mutual TLS, as the core does.
type jwksServer struct {
	srv  *httptest.Server
	dir  string
	mu   sync.Mutex
	keys []jose.JSONWebKey
	hits atomic.Int64
	down atomic.Bool
}

func newJWKSServer(t *testing.T) *jwksServer {
	t.Helper()
	dir := t.TempDir()
	if _, err := pki.Init(dir, []string{"127.0.0.1", "localhost"}); err != nil {
		t.Fatal(err)
	}
	s := &jwksServer{dir: dir}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if s.down.Load() {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: s.keys})
	}))
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, pki.CoreCert), filepath.Join(dir, pki.CoreKey))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, _ := os.ReadFile(filepath.Join(dir, pki.CACert))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	s.srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{cert}, ClientCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert,
	}
	s.srv.StartTLS()
	t.Cleanup(s.srv.Close)
	return s
}

func (s *jwksServer) add(kid, alg string, pub any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: alg, Use: "sig"})
}

func (s *jwksServer) client(t *testing.T, withCert bool) *http.Client {
	t.Helper()
	f := TLSFiles{CAFile: filepath.Join(s.dir, pki.CACert), ServerName: "localhost"}
	if withCert {
		f.CertFile, f.KeyFile = filepath.Join(s.dir, pki.EdgeCert), filepath.Join(s.dir, pki.EdgeKey)
	}
	c, err := NewTLSClient(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// jwksFixture is a verifier whose keys come from a jwksServer.
func jwksFixture(t *testing.T) (*fixture, *jwksServer, *JWKS) {
	t.Helper()
	f := newFixture(t)
	s := newJWKSServer(t)
	s.add("k1", AlgEdDSA, f.s.pub)
	j, err := NewJWKS(JWKSOptions{
		URL: s.srv.URL, Alg: AlgEdDSA, Client: s.client(t, true),
		Now: f.clk.Now, MinRefetch: 30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.v.cfg.Keys = j
	return f, s, j
}

func TestJWKSOverMutualTLS(t *testing.T) {
	f, s, _ := jwksFixture(t)
	if _, err := f.v.Verify(context.Background(), f.valid()); err != nil {
		t.Fatalf("token refused with a key from jwks: %v", err)
	}
	if s.hits.Load() != 1 {
		t.Fatalf("jwks fetched %d times, want 1", s.hits.Load())
	}
	// the server requires the client certificate the fetcher presents
	j, _ := NewJWKS(JWKSOptions{URL: s.srv.URL, Alg: AlgEdDSA, Client: s.client(t, false)})
	if err := j.Refresh(context.Background()); err == nil {
		t.Fatal("jwks fetched without a client certificate")
	}
}

// TestJWKSUnknownKidBurstIsBounded sends 200 tokens with made-up kids at
// once: the key set is fetched at most once more per MinRefetch.
func TestJWKSUnknownKidBurstIsBounded(t *testing.T) {
	f, s, j := jwksFixture(t)
	if err := j.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := f.s.header()
			h["kid"] = fmt.Sprintf("made-up-%d", i)
			_, err := f.v.Verify(context.Background(), f.s.mint(h, claimsAt(f.clk.Now())))
			if !errors.Is(err, ErrUnknownKey) {
				t.Errorf("made-up kid: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := s.hits.Load(); n > 2 {
		t.Fatalf("200 unknown kids caused %d fetches, want at most 2", n)
	}
	f.clk.Add(31 * time.Second)
	before := s.hits.Load()
	h := f.s.header()
	h["kid"] = "made-up-later"
	_, _ = f.v.Verify(context.Background(), f.s.mint(h, claimsAt(f.clk.Now())))
	if s.hits.Load() != before+1 {
		t.Fatal("an unknown kid after MinRefetch did not refetch")
	}
}

// TestJWKSPicksUpRotatedKey: a new key published by the core is found by
// the refetch an unknown kid triggers.
func TestJWKSPicksUpRotatedKey(t *testing.T) {
	f, s, j := jwksFixture(t)
	if err := j.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.clk.Add(time.Minute)
	k2 := newSigner(t, "k2")
	s.add("k2", AlgEdDSA, k2.pub)
	if _, err := f.v.Verify(context.Background(), k2.mint(k2.header(), claimsAt(f.clk.Now()))); err != nil {
		t.Fatalf("rotated key refused: %v", err)
	}
}

// TestJWKSKeepsOnlyKeysOfTheConfiguredAlg: an RSA or P-256 key in the set
// cannot be used when the set is configured for EdDSA.
func TestJWKSKeepsOnlyKeysOfTheConfiguredAlg(t *testing.T) {
	_, s, j := jwksFixture(t)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s.add("r1", AlgRS256, &rk.PublicKey)
	s.add("e1", "", &ek.PublicKey)
	if err := j.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, kid := range []string{"r1", "e1"} {
		if _, err := j.Key(context.Background(), kid); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("key %s of another alg usable: %v", kid, err)
		}
	}
}

// TestEmbeddedKeysAreIgnored puts the attacker's own key in jwk, x5c, jku
// and x5u: the token is refused and no URL is fetched.
func TestEmbeddedKeysAreIgnored(t *testing.T) {
	f := newFixture(t)
	var fetched atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
	}))
	defer evil.Close()
	attacker := newSigner(t, "k1")
	jwk, _ := json.Marshal(jose.JSONWebKey{Key: attacker.pub, KeyID: "k1", Algorithm: "EdDSA"})
	cert := selfSigned(t, attacker)
	cases := map[string]func(h map[string]any){
		"jwk": func(h map[string]any) { h["jwk"] = json.RawMessage(jwk) },
		"jku": func(h map[string]any) { h["jku"] = evil.URL + "/jwks.json" },
		"x5u": func(h map[string]any) { h["x5u"] = evil.URL + "/cert.pem" },
		"x5c": func(h map[string]any) { h["x5c"] = []string{cert} },
		"all, no kid": func(h map[string]any) {
			delete(h, "kid")
			h["jwk"], h["jku"], h["x5u"] = json.RawMessage(jwk), evil.URL, evil.URL
		},
	}
	for name, mut := range cases {
		t.Run(name, func(t *testing.T) {
			h := attacker.header()
			mut(h)
			if _, err := f.v.Verify(context.Background(), attacker.mint(h, claimsAt(f.clk.Now()))); err == nil {
				t.Fatal("token signed with an embedded key accepted")
			}
		})
	}
	if fetched.Load() != 0 {
		t.Fatalf("a key URL in a token was fetched %d times", fetched.Load())
	}
}

func selfSigned(t *testing.T, s *signer) string {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "attacker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, s.pub, s.priv)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// TestJWKSRunRetriesUntilTheCoreAnswers: an edge started before the core
// loads the key set as soon as the core answers.
func TestJWKSRunRetriesUntilTheCoreAnswers(t *testing.T) {
	f, s, j := jwksFixture(t)
	s.down.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go j.Run(ctx)
	time.Sleep(100 * time.Millisecond)
	if _, err := f.v.Verify(ctx, f.valid()); !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("before the core answers: %v", err)
	}
	s.down.Store(false)
	deadline := time.Now().Add(5 * time.Second)
	for {
		j.mu.RLock()
		loaded := j.keys != nil
		j.mu.RUnlock()
		if loaded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("key set not loaded after the core came up")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := f.v.Verify(ctx, f.valid()); err != nil {
		t.Fatalf("after the core answers: %v", err)
	}
}
