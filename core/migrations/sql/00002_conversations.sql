-- +goose Up
-- Conversations live in a workspace; their members are users of the same
-- tenant. Messages belong to one conversation. A conversation's realtime room
-- is "conversation:<id>" and its call room in LiveKit is named after its id.

CREATE TABLE conversations (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL,
    workspace_id uuid NOT NULL,
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    created_by   uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, workspace_id) REFERENCES workspaces (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE conversation_members (
    conversation_id uuid NOT NULL,
    user_id         uuid NOT NULL,
    tenant_id       uuid NOT NULL,
    joined_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, user_id),
    FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX conversation_members_user ON conversation_members (user_id);

CREATE TABLE messages (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL,
    conversation_id uuid NOT NULL,
    author_id       uuid,
    body            text NOT NULL CHECK (length(body) <= 20000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at);
