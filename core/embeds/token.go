package embeds

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kernelwork/kernelwork/core/embeds/origin"
	"github.com/kernelwork/kernelwork/core/jsonio"
	"github.com/kernelwork/kernelwork/core/problem"
	"github.com/kernelwork/kernelwork/core/tokens"
)

var errOrigin = problem.New(http.StatusForbidden, "origin-not-allowed",
	"The request's Origin is not allowed for this embed.")

// tokenResponse is the answer to a token request.
type tokenResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	Origin    string    `json:"origin"`
	Room      string    `json:"room"`
	EmbedID   string    `json:"embed_id"`
}

// handleToken issues an embed token bound to the request's Origin, which
// must be the single Origin header of the request and on the embed's list.
func (s *Service) handleToken(w http.ResponseWriter, r *http.Request) {
	o, err := origin.FromHeader(r.Header.Values("Origin"))
	if err != nil {
		problem.Write(w, errOrigin.WithDetail("Send exactly one Origin header in the form "+
			"browsers send it."))
		return
	}
	e, err := s.load(r.Context(), "", r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := origin.ParseList(e.Origins)
	if err != nil || !list.Allows(o) {
		problem.Write(w, errOrigin)
		return
	}
	resp, err := s.sign(r.Context(), e, o.String())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusCreated, resp)
}

// sign mints the embed token of e bound to boundOrigin.
func (s *Service) sign(ctx context.Context, e Embed, boundOrigin string) (tokenResponse, error) {
	exp := s.a.Now().Truncate(time.Second).Add(s.a.Config.Embeds.TokenTTL)
	raw, err := s.issuer.Sign(ctx, tokens.TypeEmbed, jwt.MapClaims{
		"aud":    s.a.Config.Tokens.Audience,
		"exp":    exp.Unix(),
		"emb":    e.ID,
		"tid":    e.TenantID,
		"origin": boundOrigin,
		"room":   e.ConversationID,
	})
	if err != nil {
		return tokenResponse{}, err
	}
	return tokenResponse{
		Token: raw, ExpiresAt: exp, Origin: boundOrigin,
		Room: e.ConversationID, EmbedID: e.ID,
	}, nil
}

// allowlist is what the edge reads about an embed.
type allowlist struct {
	ID       string   `json:"id"`
	TenantID string   `json:"tenant_id"`
	Room     string   `json:"room"`
	Origins  []string `json:"origins"`
}

// handleInternal serves an embed's allowlist to the edge over the trusted
// channel (the caller middleware already required the edge's certificate).
func (s *Service) handleInternal(w http.ResponseWriter, r *http.Request) {
	e, err := s.load(r.Context(), "", r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusOK, allowlist{
		ID: e.ID, TenantID: e.TenantID,
		Room: e.ConversationID, Origins: e.Origins,
	})
}

// Announcement is the JSON message published on Channel for every change.
type Announcement struct {
	// ID is the embed id.
	ID string `json:"id"`
	// Kind is "changed" or "deleted".
	Kind string `json:"kind"`
}

// announce publishes a change; a failure is logged, and edges still pick the
// change up when their cached copy expires.
func (s *Service) announce(ctx context.Context, id, kind string) {
	b, _ := json.Marshal(Announcement{ID: id, Kind: kind})
	if err := s.a.Redis.Publish(ctx, Channel, b).Err(); err != nil {
		s.a.Log.Error("announcing embed change", "embed_id", id, "error", err)
	}
}
