package calls_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/core/calls"
	"github.com/kernelwork/kernelwork/core/conversations/convtest"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// uclient runs coturn's turnutils_uclient against the stack's coturn with
// creds, relaying to peer, and returns its output and whether it succeeded.
func uclient(t *testing.T, cr calls.TURNCredentials, peer string) (string, bool) {
	t.Helper()
	bin, err := exec.LookPath("turnutils_uclient")
	if err != nil {
		t.Fatal("turnutils_uclient is missing; install Debian's coturn package")
	}
	host, port := turnAddr(t, cr.URIs[0])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-v", "-n", "1", "-m", "1", "-p", port,
		"-u", cr.Username, "-w", cr.Password, "-e", peer, host).CombinedOutput()
	return string(out), err == nil
}

// turnAddr splits "turn:host:port[?transport=...]".
func turnAddr(t *testing.T, uri string) (host, port string) {
	t.Helper()
	rest, _, _ := strings.Cut(strings.TrimPrefix(uri, "turn:"), "?")
	host, port, ok := strings.Cut(rest, ":")
	if !ok {
		port = "3478"
	}
	return host, port
}

// askTURN asks the core for TURN credentials as u.
func askTURN(t *testing.T, c *coretest.Core, u convtest.User, conv string) calls.TURNCredentials {
	t.Helper()
	resp, body := c.Do(t, "POST", "/api/v1/conversations/"+conv+"/call/turn", u.Identity(""), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("turn credentials: %d", resp.StatusCode)
	}
	var cr calls.TURNCredentials
	if err := json.Unmarshal(body, &cr); err != nil {
		t.Fatal(err)
	}
	return cr
}

// TestTURNCredentialsWorkWithCoturn: a member's credentials get a relay
// allocation from the running coturn; expired ones and forged ones do not;
// and even valid ones cannot relay to a loopback peer.
func TestTURNCredentialsWorkWithCoturn(t *testing.T) {
	a := coretest.NewApp(t, map[string]string{"KW_TURN_CREDENTIAL_TTL": "10m"})
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	cr := askTURN(t, c, w.Alice, w.Conversation)
	exp, _ := strconv.ParseInt(strings.Split(cr.Username, ":")[0], 10, 64)
	if d := time.Until(time.Unix(exp, 0)); d < 9*time.Minute || d > 10*time.Minute {
		t.Fatalf("credentials expire in %s, want 10m", d)
	}
	if !strings.HasSuffix(cr.Username, ":"+w.Alice.ID) {
		t.Fatalf("username %q does not name the user", cr.Username)
	}
	if out, ok := uclient(t, cr, "8.8.8.8"); !ok || !strings.Contains(out, "Received relay addr") {
		t.Fatalf("coturn refused valid credentials:\n%s", out)
	}

	a.Now = func() time.Time { return time.Now().Add(-time.Hour) }
	expired := askTURN(t, c, w.Alice, w.Conversation)
	a.Now = time.Now
	if out, ok := uclient(t, expired, "8.8.8.8"); ok || !strings.Contains(out, "Cannot complete Allocation") {
		t.Fatalf("coturn accepted expired credentials:\n%s", out)
	}
	forged := cr
	forged.Username = strings.Replace(cr.Username, w.Alice.ID, w.Bob.ID, 1)
	if out, ok := uclient(t, forged, "8.8.8.8"); ok || !strings.Contains(out, "Cannot complete Allocation") {
		t.Fatalf("coturn accepted a forged username:\n%s", out)
	}
	if out, ok := uclient(t, cr, "127.0.0.1"); ok || !strings.Contains(out, "Forbidden IP") {
		t.Fatalf("coturn relayed to a loopback peer:\n%s", out)
	}
}
