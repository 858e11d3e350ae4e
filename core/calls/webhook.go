package calls

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/livekit/protocol/auth"
	"github.com/livekit/protocol/livekit"
	"github.com/livekit/protocol/webhook"

	"github.com/kernelwork/kernelwork/core/conversations"
	"github.com/kernelwork/kernelwork/core/problem"
)

// WebhookPath is where LiveKit posts its webhooks. The core only serves the
// edge, so LiveKit reaches it through the edge's public route of the same path
// (docs/interfaces.md); the signature, not the channel, authenticates it.
const WebhookPath = "/webhooks/livekit"

// maxWebhookBody bounds a webhook's body.
const maxWebhookBody = 1 << 20

var errBadSignature = problem.New(http.StatusUnauthorized, "bad-webhook-signature",
	"The webhook's signature is not valid.")

// handleWebhook verifies a LiveKit webhook (a JWT in Authorization, signed
// with the API secret, carrying the body's SHA-256), ignores a replay of an
// event already processed, and records the call.
func (s *Service) handleWebhook(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxWebhookBody)
	kp := auth.NewSimpleKeyProvider(s.a.Config.LiveKit.APIKey, s.a.Config.LiveKit.APISecret)
	ev, err := webhook.ReceiveWebhookEvent(r, kp)
	if err != nil {
		// the error may quote the token, so only its absence is logged
		s.a.Log.Debug("livekit webhook refused", "has_authorization",
			r.Header.Get("Authorization") != "")
		problem.Write(w, errBadSignature)
		return
	}
	if err := s.record(r.Context(), ev); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// CallEvent is what the conversation's realtime room is told about its call.
type CallEvent struct {
	ConversationID string    `json:"conversation_id"`
	CallID         string    `json:"call_id"`
	Identity       string    `json:"identity,omitempty"`
	Name           string    `json:"name,omitempty"`
	At             time.Time `json:"at"`
}

// record applies ev once, then announces it.
func (s *Service) record(ctx context.Context, ev *livekit.WebhookEvent) error {
	room := ev.GetRoom()
	if room == nil || !conversations.ValidID(room.GetName()) {
		return nil
	}
	at := time.Unix(ev.GetCreatedAt(), 0)
	if ev.GetCreatedAt() == 0 {
		at = s.a.Now()
	}
	var ce CallEvent
	fresh := false
	err := pgx.BeginFunc(ctx, s.a.DB, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO livekit_webhook_events (id) VALUES ($1)
			ON CONFLICT DO NOTHING`, ev.GetId())
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		fresh = true
		ce, err = apply(ctx, tx, ev, at)
		return err
	})
	if err != nil {
		return fmt.Errorf("recording livekit webhook %s: %w", ev.GetEvent(), err)
	}
	if !fresh || ce.CallID == "" {
		return nil
	}
	s.publish(ctx, ev.GetEvent(), ce)
	if ev.GetEvent() == webhook.EventParticipantJoined {
		return s.enforceJoin(ctx, ce.ConversationID, ce.Identity)
	}
	return nil
}

// apply records one event in the calls tables.
func apply(ctx context.Context, tx pgx.Tx, ev *livekit.WebhookEvent, at time.Time) (CallEvent, error) {
	room, p := ev.GetRoom(), ev.GetParticipant()
	ce := CallEvent{ConversationID: room.GetName(), At: at}
	callID, err := ensureCall(ctx, tx, room, at)
	if err != nil || callID == "" {
		return CallEvent{}, err
	}
	ce.CallID = callID
	switch ev.GetEvent() {
	case webhook.EventRoomFinished:
		_, err = tx.Exec(ctx, `UPDATE calls SET ended_at = $2 WHERE id = $1`, callID, at)
	case webhook.EventParticipantJoined:
		ce.Identity, ce.Name = p.GetIdentity(), p.GetName()
		_, err = tx.Exec(ctx, `INSERT INTO call_participants (call_id, identity, sid, name,
			joined_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
			callID, p.GetIdentity(), p.GetSid(), p.GetName(), at)
	case webhook.EventParticipantLeft:
		ce.Identity = p.GetIdentity()
		_, err = tx.Exec(ctx, `UPDATE call_participants SET left_at = $3
			WHERE call_id = $1 AND sid = $2`, callID, p.GetSid(), at)
	case webhook.EventRoomStarted:
	default:
		return CallEvent{}, nil
	}
	return ce, err
}

// ensureCall returns the call of LiveKit room, recording it when new. A room
// that is not a conversation's has no call.
func ensureCall(ctx context.Context, tx pgx.Tx, room *livekit.Room, at time.Time) (string, error) {
	var id string
	err := tx.QueryRow(ctx, `INSERT INTO calls (tenant_id, conversation_id, room_sid, started_at)
		SELECT tenant_id, id, $2, $3 FROM conversations WHERE id = $1
		ON CONFLICT (room_sid) DO UPDATE SET room_sid = excluded.room_sid
		RETURNING id`, room.GetName(), room.GetSid(), at).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// publish announces a call event to the conversation's realtime room.
func (s *Service) publish(ctx context.Context, event string, ce CallEvent) {
	if s.announce == nil {
		s.a.Log.Debug("call event not announced: no realtime emitter", "event", event)
		return
	}
	room := "conversation:" + ce.ConversationID
	if err := s.announce.Announce(ctx, room, "call."+event, ce); err != nil {
		s.a.Log.Error("announcing call event failed", "event", event, "error", err)
	}
}
