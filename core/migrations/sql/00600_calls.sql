-- +goose Up
-- Calls are LiveKit rooms named after a conversation's id, recorded from
-- LiveKit's webhooks. call_grants remembers which session was given a token
-- for which conversation, so that revoking the session removes its user from
-- that room. livekit_webhook_events keeps the ids of processed webhooks so a
-- replayed one changes nothing.

CREATE TABLE calls (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL,
    conversation_id uuid NOT NULL,
    room_sid        text NOT NULL UNIQUE,
    started_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX calls_conversation ON calls (conversation_id, started_at);

CREATE TABLE call_participants (
    call_id   uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    identity  text NOT NULL,
    sid       text NOT NULL,
    name      text NOT NULL DEFAULT '',
    joined_at timestamptz NOT NULL,
    left_at   timestamptz,
    PRIMARY KEY (call_id, sid)
);

CREATE TABLE call_grants (
    session_id      uuid NOT NULL,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    identity        text NOT NULL,
    expires_at      timestamptz NOT NULL,
    PRIMARY KEY (session_id, conversation_id)
);
CREATE INDEX call_grants_identity ON call_grants (conversation_id, identity);

CREATE TABLE livekit_webhook_events (
    id          text PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now()
);
