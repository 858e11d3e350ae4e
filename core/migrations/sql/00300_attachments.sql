-- +goose Up
-- Attachments are files stored in the S3-compatible store under the tenant's
-- prefix. A row is created when the core presigns an upload ("pending"),
-- becomes "ready" once the core has checked the object, and is bound to one
-- message when a message references it. Rows whose object must go (abandoned
-- uploads, attachments of deleted messages) carry delete_after; the sweeper
-- removes the object, then the row.

CREATE TABLE attachments (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL,
    conversation_id uuid NOT NULL,
    uploader_id     uuid NOT NULL,
    object_key      text NOT NULL UNIQUE,
    file_name       text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    content_type    text NOT NULL CHECK (length(content_type) BETWEEN 3 AND 255),
    size            bigint NOT NULL CHECK (size > 0),
    state           text NOT NULL CHECK (state IN ('pending', 'ready')),
    message_id      uuid,
    upload_expires_at timestamptz NOT NULL,
    delete_after    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id),
    FOREIGN KEY (tenant_id, uploader_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, message_id) REFERENCES messages (tenant_id, id)
);
CREATE INDEX attachments_tenant ON attachments (tenant_id);
CREATE INDEX attachments_message ON attachments (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX attachments_sweep ON attachments (delete_after) WHERE delete_after IS NOT NULL;
CREATE INDEX attachments_pending ON attachments (upload_expires_at) WHERE state = 'pending';
