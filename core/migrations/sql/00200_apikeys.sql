-- +goose Up
-- API keys of integrators (see core/apikeys and docs/SECURITY.md). A key acts
-- for the tenant with the identity of the admin who created it, limited to
-- its scopes. Only the SHA-256 of the whole key is stored; the key itself is
-- shown once, when it is created. A revoked key is kept as the record of the
-- revocation.
CREATE TABLE api_keys (
    id           text PRIMARY KEY CHECK (id ~ '^[0-9A-Za-z]{16}$'),
    tenant_id    uuid NOT NULL,
    created_by   uuid NOT NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    secret_hash  bytea NOT NULL CHECK (length(secret_hash) = 32),
    scopes       text[] NOT NULL DEFAULT '{}',
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at DESC);
