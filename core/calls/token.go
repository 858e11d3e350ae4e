package calls

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5"
	"github.com/livekit/protocol/auth"

	"github.com/kernelwork/kernelwork/core/conversations"
	"github.com/kernelwork/kernelwork/core/jsonio"
	"github.com/kernelwork/kernelwork/core/problem"
)

// Join is what a member needs to join a conversation's call.
type Join struct {
	URL       string    `json:"url"`
	Room      string    `json:"room"`
	Token     string    `json:"token"`
	Identity  string    `json:"identity"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Participant describes who a token is for.
type Participant struct {
	Identity string
	Name     string
	// Attributes are set on the participant in the room.
	Attributes map[string]string
}

// lkClaims is LiveKit's token format: registered claims and its grants.
type lkClaims struct {
	jwt.RegisteredClaims
	auth.ClaimGrants
}

// Token signs a LiveKit token for p to join room and nothing else: join,
// publish, subscribe and data, never admin, create, list, record or hidden.
// It expires after KW_CALL_TOKEN_TTL from the App's clock.
func (s *Service) Token(room string, p Participant) (string, time.Time, error) {
	yes := true
	now := s.a.Now()
	exp := now.Add(s.a.Config.Calls.TokenTTL)
	c := lkClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: s.a.Config.LiveKit.APIKey, Subject: p.Identity,
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		ClaimGrants: auth.ClaimGrants{
			Identity: p.Identity, Name: p.Name, Attributes: p.Attributes,
			Video: &auth.VideoGrant{
				RoomJoin: true, Room: room, CanPublish: &yes,
				CanSubscribe: &yes, CanPublishData: &yes,
			},
		},
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).
		SignedString([]byte(s.a.Config.LiveKit.APISecret))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("signing livekit token: %w", err)
	}
	return tok, exp, nil
}

// handleToken gives a member of the conversation a token for its call and
// remembers the session, so that revoking it removes the user from the room.
func (s *Service) handleToken(w http.ResponseWriter, r *http.Request) {
	u, err := conversations.User(r)
	if err != nil {
		problem.Write(w, err)
		return
	}
	id := r.PathValue("conversation")
	if err := conversations.RequireMember(r.Context(), s.a.DB, u.TenantID, id, u.UserID); err != nil {
		s.fail(w, r, err)
		return
	}
	name, err := s.displayName(r.Context(), u.TenantID, u.UserID)
	if err == nil {
		err = s.recordGrant(r.Context(), u.SessionID, id, u.UserID)
	}
	var j Join
	if err == nil {
		j, err = s.join(id, Participant{Identity: u.UserID, Name: name})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusOK, j)
}

// join signs a token for p in conversation id's room.
func (s *Service) join(id string, p Participant) (Join, error) {
	tok, exp, err := s.Token(id, p)
	if err != nil {
		return Join{}, err
	}
	return Join{
		URL: s.a.Config.LiveKit.URL.String(), Room: id, Token: tok,
		Identity: p.Identity, ExpiresAt: exp,
	}, nil
}

func (s *Service) displayName(ctx context.Context, tenantID, userID string) (string, error) {
	var name string
	err := s.a.DB.QueryRow(ctx, `SELECT display_name FROM users
		WHERE tenant_id = $1 AND id = $2 AND disabled_at IS NULL`, tenantID, userID).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", problem.NotFound
	}
	if err != nil {
		return "", fmt.Errorf("loading display name: %w", err)
	}
	return name, nil
}

// recordGrant remembers that session was given a token for conversation id.
func (s *Service) recordGrant(ctx context.Context, session, id, identity string) error {
	if !conversations.ValidID(session) {
		return problem.Unauthorized
	}
	_, err := s.a.DB.Exec(ctx, `INSERT INTO call_grants (session_id, conversation_id, identity,
		expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (session_id, conversation_id)
		DO UPDATE SET expires_at = excluded.expires_at`,
		session, id, identity, s.a.Now().Add(s.a.Config.Calls.TokenTTL))
	if err != nil {
		return fmt.Errorf("recording call grant: %w", err)
	}
	return nil
}
