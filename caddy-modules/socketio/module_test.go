package socketio

import (
	"fmt"
	"testing"

	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
	"github.com/kernelwork/kernelwork/gateway/e2e"
)

func TestModuleServesTheOfficialClient(t *testing.T) {
	s := newStack(t)
	port := freePort(t)
	stopCaddy(t)
	load(t, map[int]string{port: s.directive("") + "\n\trespond \"not here\" 404"})
	u := identitytest.NewUser(t, s.a, "sio-module", identity.RoleMember)
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	r := e2e.Run(t, "client.mjs", map[string]string{
		"KW_URL": url, "KW_ORIGIN": testOrigin,
		"KW_TOKEN": u.Token,
	}, "exchange")
	if r["transport"] != "websocket" || r["messageBack"] == nil || r["ack"] == nil {
		t.Fatalf("exchange through caddy: %v", r)
	}
	refused := e2e.Run(t, "client.mjs", map[string]string{"KW_URL": url, "KW_ORIGIN": testOrigin},
		"connectOnly")
	if refused["connected"] != false {
		t.Fatalf("connect without a token through caddy: %v", refused)
	}
	foreign := e2e.Run(t, "client.mjs", map[string]string{
		"KW_URL":    url,
		"KW_ORIGIN": "https://evil.example", "KW_TOKEN": u.Token,
	}, "connectOnly")
	if foreign["connected"] == true {
		t.Fatalf("connect from a foreign origin through caddy: %v", foreign)
	}
}

func TestReloadClosesSocketsAndClientsReconnect(t *testing.T) {
	s := newStack(t)
	port := freePort(t)
	stopCaddy(t)
	load(t, map[int]string{port: s.directive("ping_interval 5s")})
	u := identitytest.NewUser(t, s.a, "sio-reload", identity.RoleMember)
	p := e2e.Start(t, "client.mjs", map[string]string{
		"KW_URL":    fmt.Sprintf("http://127.0.0.1:%d", port),
		"KW_ORIGIN": testOrigin, "KW_TOKEN": u.Token, "KW_TIMEOUT_MS": "20000",
	}, "survive")
	p.Next(t)
	load(t, map[int]string{port: s.directive("ping_interval 6s")})
	r := p.Wait(t)
	if r["reason"] != "transport close" || r["reconnected"] != true {
		t.Fatalf("after a reload: %v", r)
	}
}
