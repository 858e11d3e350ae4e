// Package coretest starts the core against the local stack for tests: a fresh
// PostgreSQL database per call with every migration applied, the stack's
// Redis, and the core's real handler behind mutual TLS, with a client that acts
// as the edge.
//
// The services must run (`make services`; `make test` starts them). Their
// addresses and secrets come from .data/local.env, written by
// deploy/local/stack.sh, or from the environment when KW_DATABASE_URL is set.
package coretest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kernelwork/kernelwork/config"
	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/migrations"
	"github.com/kernelwork/kernelwork/core/pki"
)

// RepoRoot returns the repository's root directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("coretest: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// StackEnv returns the local stack's environment (KW_* variables): the
// process environment when it sets KW_DATABASE_URL, else .data/local.env.
func StackEnv(t testing.TB) map[string]string {
	t.Helper()
	env := map[string]string{}
	if os.Getenv("KW_DATABASE_URL") == "" {
		dataDir := os.Getenv("KW_DATA_DIR")
		if dataDir == "" {
			dataDir = filepath.Join(RepoRoot(t), ".data")
		}
		f, err := os.Open(filepath.Join(dataDir, "local.env"))
		if err != nil {
			t.Fatalf("coretest: the local stack is not set up (%v); run `make services`", err)
		}
		defer func() { _ = f.Close() }()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.HasPrefix(k, "#") {
				env[k] = v
			}
		}
	}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "KW_") {
			env[k] = v
		}
	}
	return env
}

// Config returns a valid core configuration for the local stack, with a fresh
// PKI in a temporary directory. overrides replace single variables.
func Config(t testing.TB, overrides map[string]string) config.Core {
	t.Helper()
	env := StackEnv(t)
	dir := t.TempDir()
	if _, err := pki.Init(dir, []string{"127.0.0.1", "localhost"}); err != nil {
		t.Fatal(err)
	}
	env["KW_TLS_CERT_FILE"] = filepath.Join(dir, pki.CoreCert)
	env["KW_TLS_KEY_FILE"] = filepath.Join(dir, pki.CoreKey)
	env["KW_EDGE_CA_FILE"] = filepath.Join(dir, pki.CACert)
	env["KW_PKI_DIR"] = dir
	env["KW_LISTEN_ADDR"] = "127.0.0.1:0"
	for k, v := range overrides {
		env[k] = v
	}
	l := config.NewLoader(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	cfg := config.LoadCore(l)
	if err := l.Err(); err != nil {
		t.Fatalf("coretest: configuration: %v", err)
	}
	return cfg
}

// NewDatabase creates an empty database with every migration applied, drops
// it when the test ends, and returns its URL.
func NewDatabase(t testing.TB, baseURL string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, baseURL)
	if err != nil {
		t.Fatalf("coretest: postgresql is not reachable (%v); run `make services`", err)
	}
	defer func() { _ = admin.Close(ctx) }()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "kwtest_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("coretest: creating database: %v", err)
	}
	cfg, err := pgx.ParseConfig(baseURL)
	if err != nil {
		t.Fatal(err)
	}
	url := strings.Replace(baseURL, "/"+cfg.Database+"?", "/"+name+"?", 1)
	if url == baseURL {
		url = strings.TrimSuffix(baseURL, "/"+cfg.Database) + "/" + name
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), baseURL)
		if err != nil {
			return
		}
		defer func() { _ = c.Close(context.Background()) }()
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := migrations.Up(ctx, pool, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("coretest: migrating %s: %v", name, err)
	}
	return url
}

// NewApp returns an App on a fresh database and the stack's Redis, closed when
// the test ends. Its logger writes to the test log at debug level.
func NewApp(t testing.TB, overrides map[string]string) *app.App {
	t.Helper()
	cfg := Config(t, overrides)
	cfg.Postgres.URL = NewDatabase(t, cfg.Postgres.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(testWriter{t},
		&slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatalf("coretest: %v", err)
	}
	t.Cleanup(a.Close)
	return a
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// RandomSlug returns a tenant slug unique to this call.
func RandomSlug(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%s", prefix, hex.EncodeToString(b))
}
