-- +goose Up
-- Identity: signing keys, sessions, refresh tokens and the audit log (see
-- docs/glossary.md and docs/SECURITY.md).

-- Ed25519 keys that sign tokens. Exactly one key is active (retired_at IS
-- NULL); retired keys stay published in the JWKS until publish_until, when every
-- token they signed has expired. private_key is AES-256-GCM sealed with
-- KW_SIGNING_KEY_SECRET when sealed is true, the raw 64-byte key otherwise.
CREATE TABLE signing_keys (
    kid           text PRIMARY KEY,
    alg           text NOT NULL DEFAULT 'EdDSA' CHECK (alg = 'EdDSA'),
    public_key    bytea NOT NULL CHECK (length(public_key) = 32),
    private_key   bytea NOT NULL,
    sealed        boolean NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    retired_at    timestamptz,
    publish_until timestamptz
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys ((true)) WHERE retired_at IS NULL;

-- A session is one login of one user on one client. Its refresh tokens form one
-- family. A revoked session is kept, with when and why, as the record of the
-- revocation.
CREATE TABLE sessions (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id           uuid NOT NULL,
    user_id             uuid NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    last_seen_at        timestamptz NOT NULL DEFAULT now(),
    idle_expires_at     timestamptz NOT NULL,
    absolute_expires_at timestamptz NOT NULL,
    revoked_at          timestamptz,
    revoke_reason       text CHECK (revoke_reason IN ('logout', 'logout_all', 'admin',
                            'password_change', 'refresh_reuse', 'user_session_delete')),
    ip                  text NOT NULL DEFAULT '',
    user_agent          text NOT NULL DEFAULT '',
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at IS NULL;

-- Refresh tokens are stored only as SHA-256 hashes. used_at is set when the
-- token is exchanged; presenting it again after the grace window revokes the
-- session (the whole family).
CREATE TABLE refresh_tokens (
    token_hash  bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    tenant_id   uuid NOT NULL,
    generation  integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- The audit log. tenant_id is NULL for deployment-wide events (key rotation).
-- actor_id is the user who acted, NULL for the system or an unknown account.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    tenant_id   uuid REFERENCES tenants (id) ON DELETE CASCADE,
    actor_id    uuid,
    action      text NOT NULL,
    target_type text NOT NULL DEFAULT '',
    target_id   text NOT NULL DEFAULT '',
    ip          text NOT NULL DEFAULT '',
    user_agent  text NOT NULL DEFAULT '',
    details     jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id DESC);
