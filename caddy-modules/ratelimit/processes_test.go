package ratelimit_test

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kernelwork/kernelwork/core/coretest"
)

// TestTwoEdgeProcessesEnforceOneLimit runs two edge binaries with the root
// Caddyfile on the local stack's Redis, as two edges behind one balancer
// would run, and sends one client's requests to both in turn: the exact
// login zone (auth_login_ip, 20 a minute, lease 1) lets 20 through in all,
// and the leased socket zone (socket_ip, 300 a minute, leases of 3) lets 300
// through in all, however the requests are spread over the two processes.
func TestTwoEdgeProcessesEnforceOneLimit(t *testing.T) {
	c := coretest.StartCore(t, coretest.NewApp(t, nil))
	edges := []*coretest.Edge{coretest.StartEdge(t, c, nil), coretest.StartEdge(t, c, nil)}
	clients := []*http.Client{edges[0].Client(), edges[1].Client()}

	// send sends one request to edge i as the client at ip (through the
	// trusted loopback proxy's X-Forwarded-For) and reports whether zone
	// refused it.
	send := func(i int, method, path, body, ip, zone string) bool {
		t.Helper()
		req, _ := http.NewRequest(method, edges[i].URL+path, strings.NewReader(body))
		req.Header.Set("X-Forwarded-For", ip)
		req.Header.Set("Content-Type", "application/json")
		resp, err := clients[i].Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusTooManyRequests {
			return false
		}
		var p struct{ Type, Zone string }
		_ = json.Unmarshal(b, &p)
		if p.Type != "https://kernelwork.dev/problems/rate-limited" {
			return false // the core's own throttle, not the edge's
		}
		if p.Zone != zone {
			t.Fatalf("edge %d: refused by zone %q, want %q: %s", i, p.Zone, zone, b)
		}
		return true
	}
	// passed alternates requests between the edges until six in a row (three
	// on each) were refused, and returns how many got through.
	passed := func(method, path, zone string, body func(n int) string) int {
		t.Helper()
		ip := randomIP(t)
		n, through, refusedInARow := 0, 0, 0
		for refusedInARow < 6 {
			if n > 2000 {
				t.Fatalf("zone %s never refused", zone)
			}
			if send(n%2, method, path, body(n), ip, zone) {
				refusedInARow++
			} else {
				through, refusedInARow = through+1, 0
			}
			n++
		}
		return through
	}

	login := passed(http.MethodPost, "/api/v1/auth/login", "auth_login_ip", func(n int) string {
		return fmt.Sprintf(`{"tenant":"nobody","email":"user%d@example.test","password":"wrong password %d"}`, n, n)
	})
	if login != 20 {
		t.Fatalf("two edges let %d logins of one address through, want 20", login)
	}
	sockets := passed(http.MethodGet, "/socket.io/?EIO=4&transport=polling", "socket_ip",
		func(int) string { return "" })
	if sockets != 300 {
		t.Fatalf("two edges let %d socket handshakes of one address through, want 300", sockets)
	}
}

// randomIP returns a random address in 10.0.0.0/8, so that runs within one
// window do not share counters.
func randomIP(t *testing.T) string {
	t.Helper()
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("10.%d.%d.%d", b[0], b[1], b[2])
}
