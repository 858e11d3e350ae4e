// Package migrations holds the core's SQL migrations and applies them with
// goose. Migrations are forward only: each file has an Up section and no Down,
// and goose records every applied version in the goose_db_version table.
//
// Files are numbered by feature: 00001-00099 the foundation, 00100 identity,
// 00200 API keys, 00300 conversations and attachments, 00400 embeds, 00500
// realtime, 00600 calls. A new file may therefore sort below one already
// applied; such a file is applied too (goose's out-of-order mode), once, and
// recorded like any other.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
)

//go:embed sql/*.sql
var files embed.FS

// Up applies every migration not yet recorded, in order, and returns the
// versions it applied.
func Up(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) ([]int64, error) {
	db := stdlib.OpenDBFromPool(pool)
	defer func() { _ = db.Close() }()
	p, err := provider(db)
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("applying migrations: %w", err)
	}
	var applied []int64
	for _, r := range results {
		applied = append(applied, r.Source.Version)
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path,
			"duration_ms", r.Duration.Milliseconds())
	}
	return applied, nil
}

// Pending returns the versions not yet applied.
func Pending(ctx context.Context, pool *pgxpool.Pool) ([]int64, error) {
	db := stdlib.OpenDBFromPool(pool)
	defer func() { _ = db.Close() }()
	p, err := provider(db)
	if err != nil {
		return nil, err
	}
	status, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading migration status: %w", err)
	}
	var pending []int64
	for _, s := range status {
		if s.State == goose.StatePending {
			pending = append(pending, s.Source.Version)
		}
	}
	return pending, nil
}

func provider(db *sql.DB) (*goose.Provider, error) {
	sub, err := fs.Sub(files, "sql")
	if err != nil {
		return nil, fmt.Errorf("loading migrations: %w", err)
	}
	// each feature numbers its files in its own range, so a release can add a
	// file below the newest one applied: apply it rather than refuse
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithAllowOutofOrder(true))
	if err != nil {
		return nil, fmt.Errorf("loading migrations: %w", err)
	}
	return p, nil
}
