package apikeys_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/pki"
)

// TestForgedIdentityStraightToCoreIsRefused sends requests straight to the
// core with identity headers that claim to be the tenant's admin: without
// the edge's client certificate, with a certificate from another CA, and
// in plain HTTP. None reaches a handler; no key is created.
func TestForgedIdentityStraightToCoreIsRefused(t *testing.T) {
	e := newEnv(t)
	otherPKI := t.TempDir()
	if _, err := pki.Init(otherPKI, []string{"127.0.0.1", "localhost"}); err != nil {
		t.Fatal(err)
	}
	foreign := coretest.ClientWithCert(t, otherPKI, true)
	// trust the real core's CA so that only the client certificate differs
	foreign.Transport.(*http.Transport).TLSClientConfig.RootCAs = coretest.ClientWithCert(t, e.c.PKIDir, false).Transport.(*http.Transport).TLSClientConfig.RootCAs
	clients := map[string]struct {
		c   *http.Client
		url string
	}{
		"no client certificate":     {coretest.ClientWithCert(t, e.c.PKIDir, false), e.c.URL},
		"certificate of another CA": {foreign, e.c.URL},
		"plain http":                {http.DefaultClient, strings.Replace(e.c.URL, "https://", "http://", 1)},
	}
	for name, cl := range clients {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", cl.url+"/api/v1/api-keys",
				bytes.NewReader([]byte(`{"name":"forged"}`)))
			req.Header.Set("Content-Type", "application/json")
			coretest.SetIdentity(req.Header, e.admin.Identity())
			req.Header.Set(caller.HeaderAuth, caller.AuthToken)
			resp, err := cl.c.Do(req)
			if err == nil {
				defer func() { _ = resp.Body.Close() }()
				if resp.StatusCode < 400 {
					t.Fatalf("forged request answered %d", resp.StatusCode)
				}
			}
		})
	}
	var n int
	if err := e.a.DB.QueryRow(context.Background(), `SELECT count(*) FROM api_keys`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d keys created by forged requests", n)
	}
	// the same request through the trusted channel works: the refusals
	// above come from the channel, not from the request
	if resp, out := e.c.Do(t, "POST", "/api/v1/api-keys", e.admin.Identity(),
		map[string]any{"name": "real"}); resp.StatusCode != 201 {
		t.Fatalf("trusted request: %d %s", resp.StatusCode, out)
	}
}
