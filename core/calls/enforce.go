package calls

import (
	"context"
	"fmt"
	"time"

	"github.com/kernelwork/kernelwork/core/conversations"
	"github.com/kernelwork/kernelwork/core/revocation"
)

// GrantRetention is how long after its token expired a call grant is kept
// when its conversation has no open call. While it is kept, revoking its
// session removes the user from the room.
const GrantRetention = 24 * time.Hour

// enforceJoin removes a user who joined conversation id's room although the
// core would no longer give them a token: not a member any more, or every
// session that was given a token for this room revoked. It closes the window
// in which a token issued before a removal or revocation is still valid.
// Participants whose identity is not a user id (embeds) are left alone.
func (s *Service) enforceJoin(ctx context.Context, id, identity string) error {
	if !conversations.ValidID(identity) {
		return nil
	}
	ok, err := s.mayBeInCall(ctx, id, identity)
	if err != nil || ok {
		return err
	}
	s.a.Log.Info("removing a participant who may not be in the call",
		"conversation_id", id, "user_id", identity)
	return s.Kick(ctx, id, identity)
}

// mayBeInCall reports whether identity is a member of conversation id with
// at least one unrevoked session that was given a token for it.
func (s *Service) mayBeInCall(ctx context.Context, id, identity string) (bool, error) {
	rows, err := s.a.DB.Query(ctx, `SELECT g.session_id::text FROM call_grants g
		JOIN conversation_members m ON m.conversation_id = g.conversation_id
		AND m.user_id::text = g.identity
		WHERE g.conversation_id = $1 AND g.identity = $2`, id, identity)
	if err != nil {
		return false, fmt.Errorf("listing call grants: %w", err)
	}
	var sessions []string
	for rows.Next() {
		var sid string
		if err := rows.Scan(&sid); err != nil {
			rows.Close()
			return false, fmt.Errorf("reading call grants: %w", err)
		}
		sessions = append(sessions, sid)
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("reading call grants: %w", err)
	}
	for _, sid := range sessions {
		revoked, err := revocation.Revoked(ctx, s.a.Redis, revocation.KindSession, sid, "", s.a.Now())
		if err != nil {
			return false, err
		}
		if !revoked {
			return true, nil
		}
	}
	return false, nil
}

// PruneGrants forgets call grants whose token expired GrantRetention ago and
// whose conversation has no open call. It returns how many it removed.
func (s *Service) PruneGrants(ctx context.Context) (int64, error) {
	tag, err := s.a.DB.Exec(ctx, `DELETE FROM call_grants g WHERE g.expires_at < $1
		AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.conversation_id = g.conversation_id
		AND c.ended_at IS NULL)`, s.a.Now().Add(-GrantRetention))
	if err != nil {
		return 0, fmt.Errorf("pruning call grants: %w", err)
	}
	return tag.RowsAffected(), nil
}
