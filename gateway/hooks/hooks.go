// Package hooks defines the wire format of the realtime hooks: the JSON
// bodies the edge posts to the core when a socket connects, sends an event or
// disconnects, and the core's answers (docs/realtime.md). The edge
// (gateway/edge) and the core (core/realtime) both use these types, so the two
// sides cannot drift apart.
package hooks

// Hook paths on the core (docs/realtime.md).
const (
	PathConnect    = "/internal/realtime/connect"
	PathEvent      = "/internal/realtime/event"
	PathDisconnect = "/internal/realtime/disconnect"
)

// Emit is an event the core asks the edge to send to the socket.
type Emit struct {
	Event string `json:"event"`
	Args  []any  `json:"args"`
}

// BroadcastRequest is an event the core asks the edge to broadcast.
type BroadcastRequest struct {
	Rooms  []string `json:"rooms"`
	Except []string `json:"except"`
	Event  string   `json:"event"`
	Args   []any    `json:"args"`
}

// ConnectRequest is the body of the connect hook.
type ConnectRequest struct {
	SocketID   string         `json:"socket_id"`
	Namespace  string         `json:"namespace"`
	Auth       map[string]any `json:"auth"`
	RemoteAddr string         `json:"remote_addr"`
	Origin     string         `json:"origin"`
}

// ConnectResponse is the core's answer to the connect hook.
type ConnectResponse struct {
	Accept bool     `json:"accept"`
	Reason string   `json:"reason,omitempty"`
	Rooms  []string `json:"rooms"`
	Emits  []Emit   `json:"emits"`
	Data   any      `json:"data,omitempty"`
}

// EventRequest is the body of the event hook.
type EventRequest struct {
	SocketID  string   `json:"socket_id"`
	Namespace string   `json:"namespace"`
	Event     string   `json:"event"`
	Args      []any    `json:"args"`
	WantsAck  bool     `json:"wants_ack"`
	Rooms     []string `json:"rooms"`
	Data      any      `json:"data"`
}

// EventResponse is the core's answer to the event hook. Ack is sent only
// when the client asked for an acknowledgement; null acknowledges with no
// arguments.
type EventResponse struct {
	Ack        []any              `json:"ack"`
	Emits      []Emit             `json:"emits,omitempty"`
	Join       []string           `json:"join,omitempty"`
	Leave      []string           `json:"leave,omitempty"`
	Broadcasts []BroadcastRequest `json:"broadcasts,omitempty"`
	Data       any                `json:"data,omitempty"`
}

// DisconnectRequest is the body of the disconnect hook.
type DisconnectRequest struct {
	SocketID  string `json:"socket_id"`
	Namespace string `json:"namespace"`
	Reason    string `json:"reason"`
	Data      any    `json:"data"`
}
