package attachments

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
)

// sweepBatch is the most objects one Sweep removes.
const sweepBatch = 200

// Sweep removes from the store, then from the database, every attachment whose
// time has come: those of deleted messages or failed checks once delete_after
// has passed, uploads still pending CompleteGrace after they expired
// (abandoned), and checked uploads that no message referenced within
// UnattachedRetention. It returns how many it removed.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.a.Now()
	var n int
	err := pgx.BeginFunc(ctx, s.a.DB, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, object_key FROM attachments
			WHERE delete_after <= $1 OR (state = 'pending' AND upload_expires_at <= $2)
			OR (state = 'ready' AND message_id IS NULL AND upload_expires_at <= $3)
			ORDER BY created_at LIMIT $4 FOR UPDATE SKIP LOCKED`,
			now, now.Add(-CompleteGrace), now.Add(-UnattachedRetention), sweepBatch)
		if err != nil {
			return fmt.Errorf("listing attachments to sweep: %w", err)
		}
		ids, keys, err := collect(rows)
		if err != nil {
			return err
		}
		for i := range ids {
			if err := s.removeObject(ctx, keys[i]); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `DELETE FROM attachments WHERE id = ANY($1::uuid[])`, ids)
		n = len(ids)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sweeping attachments: %w", err)
	}
	return n, nil
}

func collect(rows pgx.Rows) (ids, keys []string, err error) {
	defer rows.Close()
	for rows.Next() {
		var id, key string
		if err := rows.Scan(&id, &key); err != nil {
			return nil, nil, fmt.Errorf("reading attachments to sweep: %w", err)
		}
		ids, keys = append(ids, id), append(keys, key)
	}
	return ids, keys, rows.Err()
}

// removeObject deletes key from the store; a missing object is not an error.
func (s *Service) removeObject(ctx context.Context, key string) error {
	sctx, cancel := storeContext(ctx)
	defer cancel()
	err := s.s3.RemoveObject(sctx, s.a.Config.S3.Bucket, key, minio.RemoveObjectOptions{})
	if err != nil && minio.ToErrorResponse(err).StatusCode != http.StatusNotFound {
		return fmt.Errorf("removing object %s: %w", key, err)
	}
	return nil
}

// Run sweeps every interval until ctx ends.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := s.Sweep(ctx); err != nil {
			s.a.Log.Error("attachment sweep failed", "error", err)
		} else if n > 0 {
			s.a.Log.Info("attachments swept", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
