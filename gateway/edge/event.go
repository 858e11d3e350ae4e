package edge

import (
	"context"

	"github.com/kernelwork/kernelwork/gateway"
	"github.com/kernelwork/kernelwork/gateway/hooks"
)

// Event answers re-authentication and relay events itself and hands every
// other event to the core.
func (h *Handler) Event(ctx context.Context, s *gateway.Socket, e *gateway.Event) {
	switch {
	case e.Name == EventReauth:
		h.reauth(ctx, s, e)
	case h.relay[e.Name]:
		h.relayEvent(ctx, s, e)
	case h.cfg.Hooks != nil:
		h.forward(ctx, s, e)
	}
}

// relayEvent broadcasts socket.emit(name, room, ...args) to the other
// sockets of room, which the sender must be in, as (name, {room, user},
// ...args).
func (h *Handler) relayEvent(ctx context.Context, s *gateway.Socket, e *gateway.Event) {
	room, _ := firstString(e.Args)
	if room == "" || room == s.ID() || !s.In(room) {
		_ = e.Ack(map[string]any{"ok": false, "reason": "not_in_room"})
		return
	}
	id := stateOf(s).identity()
	args := append([]any{map[string]any{"room": room, "user": id.UserID}}, e.Args[1:]...)
	err := s.Broadcast(ctx, gateway.Broadcast{
		Selector: gateway.Selector{Rooms: []string{room}, Except: []string{s.ID()}},
		Event:    e.Name, Args: args,
	})
	_ = e.Ack(map[string]any{"ok": err == nil})
}

func firstString(args []any) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	v, ok := args[0].(string)
	return v, ok
}

// forward runs the event hook and applies the core's answer.
func (h *Handler) forward(ctx context.Context, s *gateway.Socket, e *gateway.Event) {
	st := stateOf(s)
	st.mu.Lock()
	id, data := st.id, st.data
	st.mu.Unlock()
	var resp hooks.EventResponse
	err := h.cfg.Hooks.call(ctx, hooks.PathEvent, id, hooks.EventRequest{
		SocketID:  s.ID(),
		Namespace: s.Namespace(), Event: e.Name, Args: e.Args, WantsAck: e.WantsAck(),
		Rooms: s.Rooms(), Data: data,
	}, &resp)
	if err != nil {
		h.cfg.Logger.Warn("event hook failed", "error", err.Error())
		_ = e.Ack(map[string]any{"error": "unavailable"})
		return
	}
	h.apply(ctx, s, st, resp)
	_ = e.Ack(argsFromWire(resp.Ack)...)
}

// apply carries out the core's answer to an event.
func (h *Handler) apply(ctx context.Context, s *gateway.Socket, st *state, resp hooks.EventResponse) {
	if resp.Data != nil {
		st.mu.Lock()
		st.data = resp.Data
		st.mu.Unlock()
	}
	s.Join(resp.Join...)
	s.Leave(resp.Leave...)
	for _, em := range resp.Emits {
		_ = s.Emit(em.Event, argsFromWire(em.Args)...)
	}
	for _, b := range resp.Broadcasts {
		err := s.Broadcast(ctx, gateway.Broadcast{
			Selector: gateway.Selector{Rooms: b.Rooms, Except: b.Except},
			Event:    b.Event, Args: argsFromWire(b.Args),
		})
		if err != nil {
			h.cfg.Logger.Warn("broadcast asked by the core failed", "error", err.Error())
		}
	}
}
