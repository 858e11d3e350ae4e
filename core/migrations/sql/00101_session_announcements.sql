-- +goose Up
-- announced_at records when a revoked session was announced to the edges
-- through Redis. A revocation whose announcement failed (Redis unreachable) is
-- announced again by the next login, refresh or revocation.
ALTER TABLE sessions ADD COLUMN announced_at timestamptz;
CREATE INDEX sessions_unannounced ON sessions (revoked_at)
    WHERE revoked_at IS NOT NULL AND announced_at IS NULL;
