package server_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/pki"
	"github.com/kernelwork/kernelwork/core/server"
)

func TestCoreRefusesClientsWithoutEdgeCertificate(t *testing.T) {
	c := coretest.StartCore(t, coretest.NewApp(t, nil))
	noCert := coretest.ClientWithCert(t, c.PKIDir, false)
	req, _ := http.NewRequest(http.MethodGet, c.URL+"/healthz", nil)
	req.Header.Set("X-Kw-Auth", "token")
	req.Header.Set("X-Kw-User", "00000000-0000-0000-0000-000000000001")
	resp, err := noCert.Do(req)
	if err == nil {
		_ = resp.Body.Close()
		t.Fatalf("a client without the edge certificate got HTTP %d", resp.StatusCode)
	}
	if !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("want a TLS certificate error, got %v", err)
	}
}

func TestCoreRefusesForeignClientCertificate(t *testing.T) {
	c := coretest.StartCore(t, coretest.NewApp(t, nil))
	// a second CA with its own "edge" certificate: same names, other key
	other := t.TempDir()
	if _, err := pki.Init(other, []string{"127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	forged := coretest.ClientWithCert(t, other, true)
	forged.Transport.(*http.Transport).TLSClientConfig.RootCAs = nil
	forged.Transport.(*http.Transport).TLSClientConfig.InsecureSkipVerify = true
	resp, err := forged.Get(c.URL + "/healthz")
	if err == nil {
		_ = resp.Body.Close()
		t.Fatalf("a certificate from a foreign CA got HTTP %d", resp.StatusCode)
	}
}

func TestHealthzAndReadyzThroughTrustedChannel(t *testing.T) {
	c := coretest.StartCore(t, coretest.NewApp(t, nil))
	resp, _ := c.Do(t, http.MethodGet, "/healthz", nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz = %d", resp.StatusCode)
	}
	resp, body := c.Do(t, http.MethodGet, "/readyz", nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz = %d: %s", resp.StatusCode, body)
	}
	var got struct {
		Status     string
		Components map[string]struct{ Status, Plane string }
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"postgresql", "redis", "s3", "livekit", "coturn"} {
		if got.Components[name].Status != "up" {
			t.Errorf("component %s = %+v", name, got.Components[name])
		}
	}
	if got.Status != "ready" {
		t.Fatalf("status = %q", got.Status)
	}
}

func TestReadyzReportsEachDownComponent(t *testing.T) {
	closed := closedPort(t)
	a := coretest.NewApp(t, map[string]string{
		"KW_S3_ENDPOINT": "http://" + closed,
		"KW_LIVEKIT_URL": "ws://" + closed,
	})
	c := coretest.StartCore(t, a)
	resp, body := c.Do(t, http.MethodGet, "/readyz", nil, nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz = %d, want 503: %s", resp.StatusCode, body)
	}
	var got struct {
		Status     string
		Components map[string]struct{ Status string }
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Components["s3"].Status != "down" || got.Components["livekit"].Status != "down" ||
		got.Components["postgresql"].Status != "up" || got.Status != "not_ready" {
		t.Fatalf("readyz = %s", body)
	}
	// the probe is public through the edge: no secret, address or error text
	for _, leak := range []string{
		a.Config.S3.SecretKey, closed, "127.0.0.1", "error",
		"version",
	} {
		if strings.Contains(string(body), leak) {
			t.Fatalf("readyz tells %q to anonymous callers: %s", leak, body)
		}
	}
}

func TestServeExplainsTakenPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	a := coretest.NewApp(t, map[string]string{"KW_LISTEN_ADDR": ln.Addr().String()})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = server.Serve(ctx, a)
	if err == nil || !strings.Contains(err.Error(), "KW_LISTEN_ADDR") ||
		!strings.Contains(err.Error(), "already in use") {
		t.Fatalf("Serve = %v, want a message naming KW_LISTEN_ADDR and the cause", err)
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}
