package embeds

import (
	"errors"
	"io"
	"net/http"

	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/jsonio"
)

// callRequest is the optional body of an embed's call-token request.
type callRequest struct {
	DisplayName string `json:"display_name"`
}

// handleCall gives an embed's visitor a LiveKit token for the call of the
// conversation the embed shows, through the same path as members' tokens
// (calls.Service.EmbedJoin): one room, explicit grants, a short lifetime, and
// the embed and its bound origin recorded on the participant.
func (s *Service) handleCall(w http.ResponseWriter, r *http.Request) {
	e, _, err := s.authorize(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req callRequest
	if r.ContentLength != 0 {
		if err := jsonio.Decode(w, r, &req); err != nil && !errors.Is(err, io.EOF) {
			s.fail(w, r, err)
			return
		}
	}
	join, err := s.calls.EmbedJoin(r.Context(), caller.From(r.Context()), e.ConversationID,
		req.DisplayName)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusOK, join)
}
