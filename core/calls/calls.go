// Package calls issues the credentials of the media plane: LiveKit tokens for
// one conversation's room and TURN REST API credentials for coturn, to members
// of the conversation only. It removes a participant from the live room when
// its user leaves the conversation or its session is revoked, and records
// calls from LiveKit's signed webhooks.
//
// A conversation's LiveKit room is named after the conversation's id; a
// participant's identity is its user's id (embeds: "embed:<embed id>:<n>").
package calls

import (
	"context"
	"errors"
	"net/http"

	lksdk "github.com/livekit/server-sdk-go/v2"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/problem"
)

// Announcer publishes an event to a realtime room ("conversation:<id>").
// The core's realtime emitter (gateway/emitter) satisfies it through a small
// adapter.
type Announcer interface {
	Announce(ctx context.Context, room, event string, payload any) error
}

// Service issues call credentials and handles LiveKit's webhooks.
type Service struct {
	a        *app.App
	rooms    *lksdk.RoomServiceClient
	announce Announcer
}

// New returns a Service for a's LiveKit and TURN settings. announce may be
// nil: calls are then recorded but not announced.
func New(a *app.App, announce Announcer) *Service {
	return &Service{a: a, rooms: app.NewRoomService(a.Config.LiveKit), announce: announce}
}

// Routes mounts the call API and LiveKit's webhook on mux.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/conversations/{conversation}/call/token", s.handleToken)
	mux.HandleFunc("POST /api/v1/conversations/{conversation}/call/turn", s.handleTURN)
	mux.HandleFunc("POST "+WebhookPath, s.handleWebhook)
}

// fail writes err, logging it when it is not a client's mistake.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error) {
	var p *problem.Problem
	if !errors.As(err, &p) {
		s.a.Log.Error("call request failed", "path", r.URL.Path, "error", err)
	}
	problem.Write(w, err)
}
