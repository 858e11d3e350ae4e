-- +goose Up
-- An embed shows a conversation's call room on a client's own web site. It
-- belongs to a workspace of a tenant and lists the origins allowed to frame
-- it and to ask for its tokens, in canonical form (core/embeds/origin).

CREATE TABLE embeds (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL,
    workspace_id    uuid NOT NULL,
    conversation_id uuid NOT NULL,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    origins         text[] NOT NULL CHECK (cardinality(origins) BETWEEN 1 AND 50),
    created_by      uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, workspace_id) REFERENCES workspaces (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX embeds_workspace ON embeds (tenant_id, workspace_id);
