package calls

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/livekit/protocol/livekit"
	"github.com/redis/go-redis/v9"
	"github.com/twitchtv/twirp"

	"github.com/kernelwork/kernelwork/core/revocation"
)

// RevocationChannel is the Redis channel on which the core announces
// revocations (docs/interfaces.md).
const RevocationChannel = revocation.Channel

// Kick removes identity from conversation id's live room. A participant or
// room that does not exist is not an error.
func (s *Service) Kick(ctx context.Context, id, identity string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err := s.rooms.RemoveParticipant(ctx, &livekit.RoomParticipantIdentity{
		Room: id, Identity: identity,
	})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("removing participant from call: %w", err)
	}
	return nil
}

// MemberRemoved removes a user who left conversation id from its call; it
// is the conversations package's hook.
func (s *Service) MemberRemoved(ctx context.Context, _, id, userID string) {
	if err := s.Kick(context.WithoutCancel(ctx), id, userID); err != nil {
		s.a.Log.Error("removing a former member from the call failed",
			"conversation_id", id, "user_id", userID, "error", err)
	}
}

// SessionRevoked removes the user of session from every room the session was
// given a token for, and forgets those grants.
func (s *Service) SessionRevoked(ctx context.Context, session string) error {
	rows, err := s.a.DB.Query(ctx, `DELETE FROM call_grants WHERE session_id = $1
		RETURNING conversation_id::text, identity`, session)
	if err != nil {
		return fmt.Errorf("listing the session's calls: %w", err)
	}
	type grant struct{ room, identity string }
	var grants []grant
	for rows.Next() {
		var g grant
		if err := rows.Scan(&g.room, &g.identity); err != nil {
			rows.Close()
			return fmt.Errorf("reading the session's calls: %w", err)
		}
		grants = append(grants, g)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading the session's calls: %w", err)
	}
	for _, g := range grants {
		if err := s.Kick(ctx, g.room, g.identity); err != nil {
			return err
		}
	}
	return nil
}

// WatchRevocations subscribes to RevocationChannel and applies
// SessionRevoked to each revoked session until ctx ends. Once subscribed, it
// first applies the revocations it may have missed while it was not (see
// CatchUp). ready, when not nil, is closed once that is done.
func (s *Service) WatchRevocations(ctx context.Context, ready chan<- struct{}) error {
	sub := s.a.Redis.Subscribe(ctx, RevocationChannel)
	defer func() { _ = sub.Close() }()
	if _, err := sub.Receive(ctx); err != nil {
		return fmt.Errorf("subscribing to %s: %w", RevocationChannel, err)
	}
	if err := s.CatchUp(ctx); err != nil {
		return err
	}
	if ready != nil {
		close(ready)
	}
	ch := sub.Channel()
	for {
		var msg *redis.Message
		select {
		case <-ctx.Done():
			return ctx.Err()
		case m, ok := <-ch:
			if !ok {
				return fmt.Errorf("subscription to %s closed", RevocationChannel)
			}
			msg = m
		}
		var rv revocation.Message
		if json.Unmarshal([]byte(msg.Payload), &rv) != nil || rv.Kind != revocation.KindSession {
			continue
		}
		if err := s.SessionRevoked(ctx, rv.ID); err != nil {
			s.a.Log.Error("removing a revoked session from its calls failed",
				"session_id", rv.ID, "error", err)
		}
	}
}

// isNotFound reports whether LiveKit answered that the room or participant
// does not exist.
func isNotFound(err error) bool {
	var te twirp.Error
	return errors.As(err, &te) && te.Code() == twirp.NotFound
}

// CatchUp applies SessionRevoked to every session with call grants that the
// revocation set lists, as the edges reload the sets when they (re)subscribe.
func (s *Service) CatchUp(ctx context.Context) error {
	rows, err := s.a.DB.Query(ctx, `SELECT DISTINCT session_id::text FROM call_grants`)
	if err != nil {
		return fmt.Errorf("listing sessions with call grants: %w", err)
	}
	var sessions []string
	for rows.Next() {
		var sid string
		if err := rows.Scan(&sid); err != nil {
			rows.Close()
			return fmt.Errorf("reading sessions with call grants: %w", err)
		}
		sessions = append(sessions, sid)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading sessions with call grants: %w", err)
	}
	for _, sid := range sessions {
		revoked, err := revocation.Revoked(ctx, s.a.Redis, revocation.KindSession, sid, "", s.a.Now())
		if err == nil && revoked {
			err = s.SessionRevoked(ctx, sid)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
