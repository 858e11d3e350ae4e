// Package app holds what every feature of the core shares: its configuration,
// the PostgreSQL pool, the Redis client, the logger and the clock.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/kernelwork/kernelwork/config"
)

// App is the shared state handed to each feature when it registers routes.
type App struct {
	Config config.Core
	DB     *pgxpool.Pool
	Redis  *redis.Client
	Log    *slog.Logger
	// Now is the clock; tests inject their own.
	Now func() time.Time
}

// Open connects to PostgreSQL and Redis and checks that both answer.
func Open(ctx context.Context, cfg config.Core, log *slog.Logger) (*App, error) {
	db, err := OpenPostgres(ctx, cfg.Postgres.URL)
	if err != nil {
		return nil, err
	}
	rdb, err := OpenRedis(ctx, cfg.Redis.URL)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &App{Config: cfg, DB: db, Redis: rdb, Log: log, Now: time.Now}, nil
}

// Close releases the connections.
func (a *App) Close() {
	a.DB.Close()
	_ = a.Redis.Close()
}

// OpenPostgres opens a pool and pings the server.
func OpenPostgres(ctx context.Context, url string) (*pgxpool.Pool, error) {
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("KW_DATABASE_URL is malformed: %w", redact(err))
	}
	db, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("opening postgresql: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.Ping(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgresql at %s:%d is not reachable (start it with "+
			"`make services` or fix KW_DATABASE_URL): %w", pcfg.ConnConfig.Host,
			pcfg.ConnConfig.Port, err)
	}
	return db, nil
}

// OpenRedis opens a client and pings the server.
func OpenRedis(ctx context.Context, url string) (*redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("KW_REDIS_URL is malformed: %w", redact(err))
	}
	rdb := redis.NewClient(opts)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("redis at %s is not reachable (start it with `make services` "+
			"or fix KW_REDIS_URL): %w", opts.Addr, err)
	}
	return rdb, nil
}

// NewLogger returns a JSON logger at level.
func NewLogger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// redact drops the text of URL parse errors, which may quote a password.
func redact(error) error { return fmt.Errorf("cannot parse the URL") }
