package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// TestMain lets the test binary serve as a worker process, as the loadgen
// binary does.
func TestMain(m *testing.M) {
	if raw := os.Getenv(workerEnv); raw != "" {
		if err := runWorker(raw, os.Stdin, os.Stdout); err != nil {
			os.Stderr.WriteString("loadgen worker: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// quickOptions is the -quick run against the local stack's Redis.
func quickOptions(t *testing.T, targets ...string) options {
	t.Helper()
	o, err := parseFlags([]string{"-quick", "-timeout", "30s"})
	if err != nil {
		t.Fatal(err)
	}
	o.RedisURL = coretest.StackEnv(t)["KW_REDIS_URL"]
	o.Repo = coretest.RepoRoot(t)
	o.Targets = targets
	if err := o.check(); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestQuickRunMeasuresEveryServer runs the harness's quick mode against the
// Node baseline, the Go gateway and, when bin/caddy has kw_socketio, the
// edge (or the edge binary KW_BENCH_CADDY names), and checks that every
// figure it reports was really measured.
func TestQuickRunMeasuresEveryServer(t *testing.T) {
	o := quickOptions(t, "node", "go")
	if bin := os.Getenv("KW_BENCH_CADDY"); bin != "" {
		o.Caddy = bin // another edge build, e.g. one made with xcaddy elsewhere
	}
	if !filepath.IsAbs(o.Caddy) {
		o.Caddy = filepath.Join(o.Repo, o.Caddy)
	}
	if hasSocketIO(o.Caddy) {
		o.Targets = append(o.Targets, "caddy")
	} else {
		t.Log("bin/caddy has no kw_socketio module (run `make edge`): the caddy target is not measured")
	}
	if _, err := os.Stat(filepath.Join(o.Repo, "gateway/bench/node/node_modules")); err != nil {
		t.Fatalf("run `npm ci` in gateway/bench/node first: %v", err)
	}
	o.GoEdge = filepath.Join(t.TempDir(), "goedge")
	build := exec.Command("go", "build", "-o", o.GoEdge, "./gateway/bench/goedge")
	build.Dir = o.Repo
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building goedge: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rs, err := benchmark(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		t.Run(r.Target, func(t *testing.T) {
			if r.Target != o.Targets[i] {
				t.Fatalf("result %d is %s", i, r.Target)
			}
			checkSane(t, o, r)
		})
	}
}

// hasSocketIO reports whether the edge binary bin has kw_socketio.
func hasSocketIO(bin string) bool {
	out, err := exec.Command(bin, "list-modules").Output()
	return err == nil && strings.Contains(string(out), "kw_socketio")
}

// checkSane fails unless r is a complete, plausible measurement.
func checkSane(t *testing.T, o options, r Result) {
	t.Helper()
	if r.Sessions != o.Sessions || r.Failed != 0 || r.Lost != 0 {
		t.Fatalf("sessions %d of %d, %d failed (%s), %d lost",
			r.Sessions, o.Sessions, r.Failed, r.FirstError, r.Lost)
	}
	if r.Broadcasts < 1 || r.Deliveries != r.Broadcasts*int64(r.Sessions) {
		t.Errorf("%d deliveries for %d broadcasts to %d sessions", r.Deliveries, r.Broadcasts, r.Sessions)
	}
	if r.LatencyCount != o.Probes*r.Sessions {
		t.Errorf("%d latency samples, want %d", r.LatencyCount, o.Probes*r.Sessions)
	}
	if r.LatencyP50 <= 0 || r.LatencyP50 > r.LatencyP99 || r.LatencyP99 > r.LatencyMax {
		t.Errorf("latency p50 %s p99 %s max %s", r.LatencyP50, r.LatencyP99, r.LatencyMax)
	}
	if r.BytesPerSess <= 0 || r.BytesPerSess > 1<<20 {
		t.Errorf("memory per session %.0f bytes", r.BytesPerSess)
	}
	if r.LoadCPU <= 0 || r.CPUPerDeliver <= 0 || r.CPUPerDeliver > time.Millisecond {
		t.Errorf("cpu %s under load, %s per delivery", r.LoadCPU, r.CPUPerDeliver)
	}
}

// TestMintedTokensPassTheEdgeVerifier checks that the sessions carry tokens
// the edge's own verifier (caddy-modules/tokencheck) accepts.
func TestMintedTokensPassTheEdgeVerifier(t *testing.T) {
	kf, err := writeKeyPair(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key, err := tokencheck.LoadKeyFile(benchKeyID, tokencheck.AlgEdDSA, kf.Public)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := readPrivateKey(kf.Private)
	if err != nil {
		t.Fatal(err)
	}
	v := verifier(t, key)
	m := &minter{key: priv, tenant: newUUID(), now: time.Now}
	claims, err := v.Verify(context.Background(), m.mint())
	if err != nil {
		t.Fatal(err)
	}
	if claims.Subject == "" || claims.TenantID != m.tenant {
		t.Errorf("claims %+v", claims)
	}
}

// verifier returns a tokencheck verifier of the benchmark's tokens, with a
// revocation set on a Redis prefix of its own.
func verifier(t *testing.T, key tokencheck.Key) *tokencheck.Verifier {
	t.Helper()
	opts, err := redis.ParseURL(coretest.StackEnv(t)["KW_REDIS_URL"])
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	revs, err := tokencheck.NewRevocations(tokencheck.RevocationOptions{
		Redis: rdb, Prefix: "kwbench:" + newUUID() + ":",
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go revs.Run(ctx)
	select {
	case <-revs.Synced():
	case <-time.After(10 * time.Second):
		t.Fatal("revocation set did not sync")
	}
	v, err := tokencheck.New(tokencheck.Config{
		Issuer: benchIssuer, Audience: benchAudience,
		Keys: tokencheck.StaticKeys{benchKeyID: key}, Revocations: revs,
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}
