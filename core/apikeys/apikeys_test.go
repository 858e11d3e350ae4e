package apikeys_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/core/apikeys"
	"github.com/kernelwork/kernelwork/core/apikeys/keyformat"
	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
)

// syncBuffer collects the App's log.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type env struct {
	a     *app.App
	c     *coretest.Core
	admin identitytest.User
	log   *syncBuffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	a := coretest.NewApp(t, nil)
	buf := &syncBuffer{}
	a.Log = slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := &env{a: a, c: coretest.StartCore(t, a), log: buf}
	e.admin = identitytest.NewUser(t, a, coretest.RandomSlug("keys"), identity.RoleAdmin)
	return e
}

// create makes a key through the API as the tenant admin.
func (e *env) create(t *testing.T, body map[string]any) apikeys.Created {
	t.Helper()
	resp, out := e.c.Do(t, "POST", "/api/v1/api-keys", e.admin.Identity(), body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, out)
	}
	var k apikeys.Created
	if err := json.Unmarshal(out, &k); err != nil {
		t.Fatal(err)
	}
	return k
}

// keyCaller is the identity the edge sets for a verified key.
func keyCaller(k apikeys.Created) *coretest.Identity {
	return &coretest.Identity{
		Auth: caller.AuthAPIKey, UserID: k.CreatedBy, TenantID: k.TenantID,
		KeyID: k.ID, Scopes: k.Scopes,
	}
}

func TestCreateShowsKeyOnceAndStoresOnlyItsHash(t *testing.T) {
	e := newEnv(t)
	k := e.create(t, map[string]any{"name": "ci", "scopes": []string{"messages:read"}})
	if _, err := keyformat.Parse(k.Secret); err != nil || !strings.HasPrefix(k.Secret, "kwk_") {
		t.Fatalf("created key %q is malformed: %v", k.ID, err)
	}
	resp, out := e.c.Do(t, "GET", "/api/v1/api-keys", e.admin.Identity(), nil)
	if resp.StatusCode != 200 || !strings.Contains(string(out), k.ID) {
		t.Fatalf("list: %d %s", resp.StatusCode, out)
	}
	secretPart := k.Secret[len("kwk_")+17:]
	if strings.Contains(string(out), secretPart) {
		t.Fatal("the list shows the key's secret")
	}
	var stored []byte
	var row string
	err := e.a.DB.QueryRow(context.Background(),
		`SELECT secret_hash, api_keys::text FROM api_keys WHERE id = $1`, k.ID).Scan(&stored, &row)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(k.Secret))
	if !bytes.Equal(stored, sum[:]) || strings.Contains(row, secretPart) {
		t.Fatal("the database holds more than the key's SHA-256")
	}
}

func verify(t *testing.T, e *env, key string) (int, string) {
	t.Helper()
	resp, out := e.c.Do(t, "POST", "/internal/apikeys/verify", nil, map[string]string{"key": key})
	return resp.StatusCode, string(out)
}

func TestVerifyAcceptsAndRecordsUse(t *testing.T) {
	e := newEnv(t)
	k := e.create(t, map[string]any{"name": "ci", "scopes": []string{"messages:read", "files:write"}})
	status, out := verify(t, e, k.Secret)
	if status != 200 {
		t.Fatalf("verify: %d %s\n%s", status, out, e.log.String())
	}
	var id apikeys.Identity
	_ = json.Unmarshal([]byte(out), &id)
	if id.KeyID != k.ID || id.TenantID != e.admin.TenantID || id.UserID != e.admin.ID ||
		strings.Join(id.Scopes, " ") != "messages:read files:write" {
		t.Fatalf("identity %+v", id)
	}
	var used *time.Time
	_ = e.a.DB.QueryRow(context.Background(), `SELECT last_used_at FROM api_keys WHERE id = $1`,
		k.ID).Scan(&used)
	if used == nil {
		t.Fatal("last_used_at not recorded")
	}
}

// TestVerifyAnswersAlikeForEveryBadKey: unknown, malformed, wrong, expired
// and revoked keys get byte-identical answers.
func TestVerifyAnswersAlikeForEveryBadKey(t *testing.T) {
	e := newEnv(t)
	soon := e.a.Now().Add(time.Hour)
	good := e.create(t, map[string]any{"name": "good"})
	expiring := e.create(t, map[string]any{"name": "expiring", "expires_at": soon})
	revoked := e.create(t, map[string]any{"name": "revoked"})
	if resp, out := e.c.Do(t, "DELETE", "/api/v1/api-keys/"+revoked.ID, e.admin.Identity(), nil); resp.StatusCode != 204 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, out)
	}
	other, _ := keyformat.New()
	// the right id with another secret and a valid checksum
	wrong, err := keyformat.Build(good.ID, strings.Repeat("A", 32))
	if err != nil {
		t.Fatal(err)
	}
	// the last character (of the checksum) changed, never to itself
	last := "x"
	if strings.HasSuffix(good.Secret, last) {
		last = "y"
	}
	e.a.Now = func() time.Time { return soon.Add(time.Second) }
	cases := map[string]string{
		"unknown":        other.Full,
		"malformed":      "kwk_nope",
		"bad checksum":   good.Secret[:len(good.Secret)-1] + last,
		"wrong secret":   wrong.Full,
		"expired":        expiring.Secret,
		"revoked":        revoked.Secret,
		"not a key":      "Bearer " + good.Secret,
		"empty":          "",
		"sql in the key": "kwk_' OR 1=1 --",
	}
	var first string
	for name, key := range cases {
		status, out := verify(t, e, key)
		if status != 401 {
			t.Fatalf("%s: status %d", name, status)
		}
		if first == "" {
			first = out
		} else if out != first {
			t.Fatalf("%s answers differently: %s vs %s", name, out, first)
		}
	}
	if status, _ := verify(t, e, good.Secret); status != 200 {
		t.Fatal("the good key stopped working")
	}
}
