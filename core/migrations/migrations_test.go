package migrations_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/migrations"
)

func TestMigrationsAreRecordedAndForwardOnly(t *testing.T) {
	cfg := coretest.Config(t, nil)
	url := coretest.NewDatabase(t, cfg.Postgres.URL) // applies every migration once
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	applied, err := migrations.Up(ctx, pool, slog.New(slog.DiscardHandler))
	if err != nil || len(applied) != 0 {
		t.Fatalf("second Up applied %v, err %v; want nothing", applied, err)
	}
	pending, err := migrations.Pending(ctx, pool)
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending = %v, err %v", pending, err)
	}
	var n int
	if err := pool.QueryRow(ctx,
		"SELECT count(*) FROM goose_db_version WHERE version_id > 0 AND is_applied").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < 2 {
		t.Fatalf("goose_db_version records %d migrations, want every file", n)
	}
	var tenants string
	if err := pool.QueryRow(ctx, "SELECT to_regclass('tenants')::text").Scan(&tenants); err != nil ||
		tenants != "tenants" {
		t.Fatalf("tenants table missing: %v", err)
	}
}

// TestMigrationAddedBelowTheNewestIsApplied: a database migrated before a
// feature added a file in its lower range gets that file on the next Up.
func TestMigrationAddedBelowTheNewestIsApplied(t *testing.T) {
	cfg := coretest.Config(t, nil)
	url := coretest.NewDatabase(t, cfg.Postgres.URL)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	// forget the foundation's second file and its tables, as if it had been
	// added after the newer ones were applied
	if _, err := pool.Exec(ctx, `DROP TABLE messages, conversation_members, conversations CASCADE;
		DELETE FROM goose_db_version WHERE version_id = 2`); err != nil {
		t.Fatal(err)
	}
	pending, err := migrations.Pending(ctx, pool)
	if err != nil || len(pending) != 1 || pending[0] != 2 {
		t.Fatalf("pending = %v, err %v; want [2]", pending, err)
	}
	applied, err := migrations.Up(ctx, pool, slog.New(slog.DiscardHandler))
	if err != nil || len(applied) != 1 || applied[0] != 2 {
		t.Fatalf("Up applied %v, err %v; want [2]", applied, err)
	}
}
