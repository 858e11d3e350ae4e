-- +goose Up
-- Password reset codes, issued by a tenant owner or admin for one user and
-- handed to that user out of band (the platform sends no mail). A code is
-- stored only as the SHA-256 hash of its text, like a refresh token; used_at
-- is set when it is exchanged for a new password, and a code is good once.
-- A user has at most one unused code: issuing another deletes the older one.
CREATE TABLE password_resets (
    code_hash   bytea PRIMARY KEY CHECK (length(code_hash) = 32),
    tenant_id   uuid NOT NULL,
    user_id     uuid NOT NULL,
    issued_by   uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, issued_by) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX password_resets_one_unused ON password_resets (user_id)
    WHERE used_at IS NULL;

-- A reset ends every session of the user, with a reason of its own.
ALTER TABLE sessions DROP CONSTRAINT sessions_revoke_reason_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_revoke_reason_check CHECK (revoke_reason IN (
    'logout', 'logout_all', 'admin', 'password_change', 'password_reset', 'refresh_reuse',
    'user_session_delete'));
