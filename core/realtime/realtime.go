// Package realtime answers the realtime hooks the edge calls for Socket.IO
// sockets (docs/realtime.md): POST /internal/realtime/connect, /event and
// /disconnect. They arrive over the trusted channel with the socket's
// verified identity in the identity headers.
//
// On connect the core names the rooms a socket joins: "user:<id>" (which the
// edge joins by itself too) and "conversation:<id>" for each conversation
// the user is a member of. It also behaves as the reference server of the
// Socket.IO protocol documentation, so that any compliant client can be
// checked against the whole chain: it emits "auth" with the handshake's auth
// payload on connect, answers "message" with "message-back" and the same
// arguments, and acknowledges "message-with-ack" with the same arguments,
// binary values included ({"$binary": "<base64>"} in the hook JSON).
package realtime

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/jsonio"
	"github.com/kernelwork/kernelwork/core/problem"
	"github.com/kernelwork/kernelwork/gateway/hooks"
)

// MaxBody bounds a hook body: a Socket.IO payload of 1 MB, base64-encoded,
// with room to spare.
const MaxBody = 2 << 20

// Register mounts the hooks.
func Register(mux *http.ServeMux, a *app.App) {
	h := &handlers{a: a}
	mux.HandleFunc("POST /internal/realtime/connect", h.connect)
	mux.HandleFunc("POST /internal/realtime/event", h.event)
	mux.HandleFunc("POST /internal/realtime/disconnect", h.disconnect)
}

type handlers struct{ a *app.App }

// connect admits a socket. Anonymous sockets (the edge sends them only for
// public namespaces) join no room.
func (h *handlers) connect(w http.ResponseWriter, r *http.Request) {
	var req hooks.ConnectRequest
	if err := decode(w, r, &req); err != nil {
		problem.Write(w, err)
		return
	}
	auth := req.Auth
	if auth == nil {
		auth = map[string]any{}
	}
	resp := hooks.ConnectResponse{Accept: true, Rooms: []string{}, Emits: []hooks.Emit{{Event: "auth", Args: []any{auth}}}}
	c := caller.From(r.Context())
	if c.Auth == caller.AuthToken {
		rooms, err := memberRooms(r.Context(), h.a, c)
		if err != nil {
			h.a.Log.Error("listing conversation rooms", "error", err.Error())
			problem.Write(w, problem.Unavailable)
			return
		}
		resp.Rooms = rooms
	}
	jsonio.Write(w, http.StatusOK, resp)
}

// event answers the reference server's events; other events are
// acknowledged with no arguments.
func (h *handlers) event(w http.ResponseWriter, r *http.Request) {
	var req hooks.EventRequest
	if err := decode(w, r, &req); err != nil {
		problem.Write(w, err)
		return
	}
	resp := hooks.EventResponse{}
	switch req.Event {
	case "message":
		resp.Emits = []hooks.Emit{{Event: "message-back", Args: req.Args}}
	case "message-with-ack":
		resp.Ack = req.Args
	}
	jsonio.Write(w, http.StatusOK, resp)
}

// disconnect is told, best effort, that a socket left.
func (h *handlers) disconnect(w http.ResponseWriter, r *http.Request) {
	var req hooks.DisconnectRequest
	if err := decode(w, r, &req); err != nil {
		problem.Write(w, err)
		return
	}
	h.a.Log.Debug("socket left", "socket_id", req.SocketID, "namespace", req.Namespace,
		"reason", req.Reason)
	jsonio.Write(w, http.StatusOK, struct{}{})
}

// decode reads a hook body of at most MaxBody bytes; the hooks are sent only
// by the edge, over mutual TLS, so unknown fields are tolerated for forward
// compatibility.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return problem.TooLarge
		}
		return problem.BadRequest.WithDetail("The body is not the expected JSON object.")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return problem.BadRequest.WithDetail("The body holds more than one JSON value.")
	}
	return nil
}
