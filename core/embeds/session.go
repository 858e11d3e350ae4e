package embeds

import (
	"net/http"

	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/embeds/origin"
	"github.com/kernelwork/kernelwork/core/jsonio"
	"github.com/kernelwork/kernelwork/core/problem"
)

// session is what an embed token grants, as the embed page reads it.
type session struct {
	EmbedID string `json:"embed_id"`
	Room    string `json:"room"`
	Origin  string `json:"origin"`
}

// handleSession answers a caller the edge authenticated with an embed token
// for this embed.
func (s *Service) handleSession(w http.ResponseWriter, r *http.Request) {
	e, o, err := s.authorize(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusOK, session{
		EmbedID: e.ID, Room: e.ConversationID,
		Origin: o.String(),
	})
}

// authorize checks that the caller holds an embed token for the embed of the
// path, and that the origin the token is bound to is still listed, so that
// removing an origin ends its tokens at once.
func (s *Service) authorize(r *http.Request) (Embed, origin.Origin, error) {
	c := caller.From(r.Context())
	id := r.PathValue("id")
	if c.Auth != caller.AuthEmbed || c.EmbedID != id {
		return Embed{}, origin.Origin{}, problem.Unauthorized
	}
	e, err := s.load(r.Context(), c.TenantID, id)
	if err != nil {
		return Embed{}, origin.Origin{}, err
	}
	o, err := origin.ParseRequest(c.Origin)
	list, lerr := origin.ParseList(e.Origins)
	if err != nil || lerr != nil || !list.Allows(o) {
		return Embed{}, origin.Origin{}, errOrigin
	}
	return e, o, nil
}
