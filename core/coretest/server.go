package coretest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/pki"
	"github.com/kernelwork/kernelwork/core/server"
)

// Core is a running core and a client that reaches it as the edge does.
type Core struct {
	App *app.App
	// URL is the core's base URL (https://127.0.0.1:port).
	URL string
	// Edge is an HTTP client presenting the edge's client certificate.
	Edge *http.Client
	// PKIDir holds ca.pem, core.pem and edge.pem for this core.
	PKIDir string
}

// StartCore serves a's real handler over mutual TLS on a loopback port until
// the test ends.
func StartCore(t testing.TB, a *app.App) *Core {
	t.Helper()
	tcfg, err := server.TLSConfig(a.Config.Server)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", tcfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: server.Handler(a)}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	dir := filepath.Dir(a.Config.Server.EdgeCAFile)
	return &Core{
		App:    a,
		URL:    "https://" + ln.Addr().(*net.TCPAddr).String(),
		Edge:   ClientWithCert(t, dir, true),
		PKIDir: dir,
	}
}

// ClientWithCert returns a client that trusts the core's CA in dir and, when
// withCert, presents the edge's client certificate.
func ClientWithCert(t testing.TB, dir string, withCert bool) *http.Client {
	t.Helper()
	caPEM, err := os.ReadFile(filepath.Join(dir, pki.CACert))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	tcfg := &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS13}
	if withCert {
		cert, err := tls.LoadX509KeyPair(filepath.Join(dir, pki.EdgeCert), filepath.Join(dir, pki.EdgeKey))
		if err != nil {
			t.Fatal(err)
		}
		tcfg.Certificates = []tls.Certificate{cert}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: tcfg}}
}

// Identity is what the edge asserts about a caller, as identity headers.
type Identity = caller.Caller

// Do sends a request as the edge would, with id's identity headers (nil for
// anonymous) and body encoded as JSON unless it is nil or a []byte. It returns
// the response with its body read.
func (c *Core) Do(t testing.TB, method, path string, id *Identity, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, c.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	SetIdentity(req.Header, id)
	resp, err := c.Edge.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, out
}

// SetIdentity writes id as the edge's identity headers.
func SetIdentity(h http.Header, id *Identity) {
	if id == nil {
		h.Set(caller.HeaderAuth, caller.AuthAnonymous)
		return
	}
	set := func(k, v string) {
		if v != "" {
			h.Set(k, v)
		}
	}
	set(caller.HeaderAuth, id.Auth)
	set(caller.HeaderUser, id.UserID)
	set(caller.HeaderTenant, id.TenantID)
	set(caller.HeaderSession, id.SessionID)
	set(caller.HeaderKeyID, id.KeyID)
	set(caller.HeaderEmbed, id.EmbedID)
	set(caller.HeaderOrigin, id.Origin)
	set(caller.HeaderScopes, strings.Join(id.Scopes, " "))
}
