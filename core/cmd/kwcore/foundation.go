package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/kernelwork/kernelwork/config"
	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/health"
	"github.com/kernelwork/kernelwork/core/media"
	"github.com/kernelwork/kernelwork/core/migrations"
	"github.com/kernelwork/kernelwork/core/pki"
	"github.com/kernelwork/kernelwork/core/server"
)

func init() {
	register("serve", "run the HTTPS API for the edge", runServe)
	register("migrate", "apply pending SQL migrations (forward only)", runMigrate)
	register("inventory", "print every component of this deployment as JSON", runInventory)
	register("pki", "pki init DIR [HOST...]: make the edge-to-core CA and certificates", runPKI)
	register("config", "list every environment variable with its default", runConfig)
}

// loadConfig reads the environment or explains every bad variable.
func loadConfig() (config.Core, error) {
	l := config.NewLoader(os.LookupEnv)
	cfg := config.LoadCore(l)
	if err := l.Err(); err != nil {
		return cfg, fmt.Errorf("configuration is invalid (see docs/configuration.md):\n%w", err)
	}
	return cfg, nil
}

// openApp loads the configuration and connects to PostgreSQL and Redis.
func openApp(ctx context.Context) (*app.App, error) {
	cfg, err := loadConfig()
	if err != nil {
		return nil, err
	}
	return app.Open(ctx, cfg, app.NewLogger(cfg.LogLevel))
}

func runServe(ctx context.Context, _ []string) error {
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	pending, err := migrations.Pending(ctx, a.DB)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return fmt.Errorf("the database lacks %d migration(s); run `kwcore migrate` first",
			len(pending))
	}
	if err := media.Start(ctx, a); err != nil {
		return err
	}
	return server.Serve(ctx, a)
}

func runMigrate(ctx context.Context, _ []string) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	log := app.NewLogger(cfg.LogLevel)
	db, err := app.OpenPostgres(ctx, cfg.Postgres.URL)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := migrations.Up(ctx, db, log)
	if err != nil {
		return err
	}
	log.Info("migrations done", "applied", len(applied))
	return nil
}

func runInventory(ctx context.Context, _ []string) error {
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	comps := health.Check(ctx, health.Probes(a))
	comps = append([]health.Component{{
		Name: "kwcore", Plane: "control", Endpoint: a.Config.Server.Addr,
		Role: "core API behind the edge (mutual TLS)", Status: health.StatusUp,
	}}, comps...)
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"components": comps})
}

func runPKI(_ context.Context, args []string) error {
	if len(args) < 2 || args[0] != "init" {
		return usageError{"pki needs: init DIR [HOST...]"}
	}
	hosts := args[2:]
	if len(hosts) == 0 {
		hosts = []string{"127.0.0.1", "localhost", "::1"}
	}
	wrote, err := pki.Init(args[1], hosts)
	if err != nil {
		return err
	}
	if wrote {
		slog.Info("pki created", "dir", args[1], "hosts", strings.Join(hosts, ","))
	}
	return nil
}

func runConfig(_ context.Context, _ []string) error {
	l := config.NewLoader(func(string) (string, bool) { return "", false })
	config.LoadCore(l)
	for _, v := range l.Vars() {
		def := v.Default
		if v.Required && def == "" {
			def = "(required)"
		}
		fmt.Printf("%-26s %-24s %s\n", v.Name, def, v.Description)
	}
	return nil
}

func sortedNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var _ = errors.New
