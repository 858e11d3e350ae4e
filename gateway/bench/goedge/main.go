// Command goedge serves the KernelWork realtime gateway for the benchmark
// (gateway/bench/loadgen) without Caddy: the Socket.IO server of gateway/,
// the session layer of gateway/edge (every socket authenticated with the
// edge's token verifier, caddy-modules/tokencheck, revocations from Redis,
// the user room joined) and the Redis adapter, on a plain net/http server.
// It composes the same packages as the kw_socketio Caddy module, so that
// the gateway's own cost can be measured apart from Caddy's.
//
// Sockets connect to the namespace /bench with {"token": "<jwt>"} in the
// CONNECT auth payload. No hooks to the core are configured: the benchmark
// measures sessions and fan-out, not the core.
//
// Environment: PORT (listen port on 127.0.0.1), REDIS_URL,
// KW_BENCH_PUBLIC_KEY (PEM public key of the token signer), KW_BENCH_ISSUER,
// KW_BENCH_AUDIENCE, KW_BENCH_ORIGIN (the allowed Origin), KW_BENCH_PREFIX
// (adapter channel prefix, default socket.io) and KW_BENCH_PPROF (an
// optional 127.0.0.1 address for net/http/pprof).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
	"github.com/kernelwork/kernelwork/gateway"
	"github.com/kernelwork/kernelwork/gateway/edge"
)

// keyID is the kid of the benchmark's tokens.
const keyID = "bench-1"

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		log.Error("goedge stopped", "error", err.Error())
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env, err := readEnv()
	if err != nil {
		return err
	}
	opts, err := redis.ParseURL(env["REDIS_URL"])
	if err != nil {
		return fmt.Errorf("parsing REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	srv, err := newGateway(ctx, env, rdb)
	if err != nil {
		return err
	}
	defer srv.Close()
	go servePprof(env["KW_BENCH_PPROF"], log)
	return serve(ctx, "127.0.0.1:"+env["PORT"], srv, log)
}

// readEnv returns the settings, or an error naming a missing one.
func readEnv() (map[string]string, error) {
	env := map[string]string{"KW_BENCH_PREFIX": "socket.io"}
	for _, k := range []string{
		"PORT", "REDIS_URL", "KW_BENCH_PUBLIC_KEY", "KW_BENCH_ISSUER",
		"KW_BENCH_AUDIENCE", "KW_BENCH_ORIGIN", "KW_BENCH_PREFIX", "KW_BENCH_PPROF",
	} {
		if v := os.Getenv(k); v != "" {
			env[k] = v
		}
	}
	for _, k := range []string{
		"PORT", "REDIS_URL", "KW_BENCH_PUBLIC_KEY", "KW_BENCH_ISSUER",
		"KW_BENCH_AUDIENCE", "KW_BENCH_ORIGIN",
	} {
		if env[k] == "" {
			return nil, fmt.Errorf("%s is not set", k)
		}
	}
	return env, nil
}

// newGateway builds the Socket.IO server with the edge's session layer on
// /bench and starts its revocation set and Redis adapter.
func newGateway(ctx context.Context, env map[string]string, rdb *redis.Client) (*gateway.Server, error) {
	v, err := newVerifier(ctx, env, rdb)
	if err != nil {
		return nil, err
	}
	srv, err := gateway.New(gateway.Options{
		AllowedOrigins: []string{env["KW_BENCH_ORIGIN"]},
		Transports:     []string{gateway.TransportWebSocket},
	})
	if err != nil {
		return nil, err
	}
	h, err := edge.New(edge.Config{Verifier: v})
	if err != nil {
		return nil, err
	}
	srv.Handle("/bench", h)
	if err := gateway.NewRedisAdapter(srv, rdb, env["KW_BENCH_PREFIX"]).Start(ctx); err != nil {
		return nil, err
	}
	return srv, nil
}

// newVerifier returns the edge's token verifier for the benchmark's key,
// with the revocation set synchronised from Redis.
func newVerifier(ctx context.Context, env map[string]string, rdb *redis.Client) (*tokencheck.Verifier, error) {
	key, err := tokencheck.LoadKeyFile(keyID, tokencheck.AlgEdDSA, env["KW_BENCH_PUBLIC_KEY"])
	if err != nil {
		return nil, err
	}
	revs, err := tokencheck.NewRevocations(tokencheck.RevocationOptions{Redis: rdb})
	if err != nil {
		return nil, err
	}
	go revs.Run(ctx)
	select {
	case <-revs.Synced():
	case <-time.After(10 * time.Second):
		return nil, errors.New("the revocation set did not sync within 10s")
	}
	return tokencheck.New(tokencheck.Config{
		Issuer: env["KW_BENCH_ISSUER"], Audience: env["KW_BENCH_AUDIENCE"],
		Keys: tokencheck.StaticKeys{keyID: key}, Revocations: revs,
		CacheEntries: -1, // as kw_socketio: each token is verified once
	})
}

// serve answers on addr until ctx ends.
func serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening: %w", err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()
	log.Info("goedge listening", "addr", addr)
	if err := hs.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}

// servePprof serves the profiles on a loopback address, when one is given.
func servePprof(addr string, log *slog.Logger) {
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		log.Error("KW_BENCH_PPROF must be a loopback address", "addr", addr)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	hs := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Info("pprof listening", "addr", addr)
	_ = hs.ListenAndServe()
}
