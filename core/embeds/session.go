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
// for this embed. The origin the token is bound to must still be listed, so
// that removing an origin ends its tokens at once.
func (s *Service) handleSession(w http.ResponseWriter, r *http.Request) {
	c := caller.From(r.Context())
	id := r.PathValue("id")
	if c.Auth != caller.AuthEmbed || c.EmbedID != id {
		problem.Write(w, problem.Unauthorized)
		return
	}
	e, err := s.load(r.Context(), c.TenantID, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := origin.ParseRequest(c.Origin)
	list, lerr := origin.ParseList(e.Origins)
	if err != nil || lerr != nil || !list.Allows(o) {
		problem.Write(w, errOrigin)
		return
	}
	jsonio.Write(w, http.StatusOK, session{
		EmbedID: e.ID, Room: e.ConversationID,
		Origin: o.String(),
	})
}
