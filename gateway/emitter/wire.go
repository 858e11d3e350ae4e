package emitter

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/vmihailenco/msgpack/v5"
)

// DefaultPrefix is the channel prefix of @socket.io/redis-adapter.
const DefaultPrefix = "socket.io"

// UID is the sender id the official emitter writes; servers never skip it.
const UID = "emitter"

// Request types of the adapter's request channel.
const (
	RequestRemoteJoin       = 2
	RequestRemoteLeave      = 3
	RequestRemoteDisconnect = 4
)

// packetTypeEvent is Socket.IO's EVENT; BINARY_EVENT is accepted on input.
const (
	packetTypeEvent       = 2
	packetTypeBinaryEvent = 5
)

// Message is a broadcast as the Redis adapter publishes it.
type Message struct {
	// UID identifies the publishing server, so it can skip its own messages.
	UID       string
	Namespace string
	Rooms     []string
	Except    []string
	// Event and Args are the event; a []byte argument is binary.
	Event string
	Args  []any
}

type wirePacket struct {
	Type int    `msgpack:"type"`
	Data []any  `msgpack:"data"`
	Nsp  string `msgpack:"nsp"`
}

type wireOpts struct {
	Rooms  []string       `msgpack:"rooms"`
	Except []string       `msgpack:"except"`
	Flags  map[string]any `msgpack:"flags"`
}

// BroadcastChannel is the channel a broadcast to rooms of nsp goes to: the
// room's own channel when there is exactly one room.
func BroadcastChannel(prefix, nsp string, rooms []string) string {
	ch := prefix + "#" + nsp + "#"
	if len(rooms) == 1 {
		ch += rooms[0] + "#"
	}
	return ch
}

// RequestChannel is the adapter's request channel for nsp.
func RequestChannel(prefix, nsp string) string {
	return prefix + "-request#" + nsp + "#"
}

// Encode writes m as the msgpack array [uid, packet, opts].
func Encode(m Message) ([]byte, error) {
	pkt := wirePacket{Type: packetTypeEvent, Data: append([]any{m.Event}, m.Args...), Nsp: m.Namespace}
	opts := wireOpts{Rooms: nonNil(m.Rooms), Except: nonNil(m.Except), Flags: map[string]any{}}
	b, err := msgpack.Marshal([]any{m.UID, pkt, opts})
	if err != nil {
		return nil, fmt.Errorf("encoding broadcast: %w", err)
	}
	return b, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ErrNotEvent marks a well-formed message that is not an event broadcast.
var ErrNotEvent = errors.New("emitter: not an event broadcast")

// MaxMessageBytes bounds a broadcast or request read from Redis.
const MaxMessageBytes = 8 << 20

// Decode reads a broadcast published by a server or an emitter: a msgpack
// array of two or three elements, of at most MaxMessageBytes.
func Decode(b []byte) (Message, error) {
	// the outer array is always a fixarray; checking its header first keeps
	// a forged length from allocating
	if len(b) > MaxMessageBytes || len(b) == 0 || (b[0] != 0x92 && b[0] != 0x93) {
		return Message{}, fmt.Errorf("decoding broadcast: not a [uid, packet, opts] array")
	}
	var raw []msgpack.RawMessage
	if err := msgpack.Unmarshal(b, &raw); err != nil || len(raw) < 2 {
		return Message{}, fmt.Errorf("decoding broadcast: not a [uid, packet, opts] array")
	}
	var m Message
	var pkt wirePacket
	var opts wireOpts
	if err := msgpack.Unmarshal(raw[0], &m.UID); err != nil {
		return m, fmt.Errorf("decoding broadcast uid: %w", err)
	}
	if err := msgpack.Unmarshal(raw[1], &pkt); err != nil {
		return m, fmt.Errorf("decoding broadcast packet: %w", err)
	}
	if len(raw) > 2 {
		if err := msgpack.Unmarshal(raw[2], &opts); err != nil {
			return m, fmt.Errorf("decoding broadcast options: %w", err)
		}
	}
	if pkt.Type != packetTypeEvent && pkt.Type != packetTypeBinaryEvent {
		return m, ErrNotEvent
	}
	name, ok := firstString(pkt.Data)
	if !ok {
		return m, fmt.Errorf("decoding broadcast: event name missing")
	}
	m.Namespace, m.Rooms, m.Except = pkt.Nsp, opts.Rooms, opts.Except
	if m.Namespace == "" {
		m.Namespace = "/"
	}
	m.Event, m.Args = name, pkt.Data[1:]
	return m, nil
}

func firstString(data []any) (string, bool) {
	if len(data) == 0 {
		return "", false
	}
	s, ok := data[0].(string)
	return s, ok
}

// Request is a message of the adapter's request channel that the edge acts
// on: joining, leaving or disconnecting the sockets a selection picks.
type Request struct {
	UID  string `json:"uid,omitempty" msgpack:"uid,omitempty"`
	Type int    `json:"type" msgpack:"type"`
	Opts struct {
		Rooms  []string `json:"rooms" msgpack:"rooms"`
		Except []string `json:"except" msgpack:"except"`
	} `json:"opts" msgpack:"opts"`
	Rooms []string `json:"rooms,omitempty" msgpack:"rooms,omitempty"`
	Close bool     `json:"close,omitempty" msgpack:"close,omitempty"`
}

// DecodeRequest reads a request, JSON (as the emitter writes it) or
// msgpack.
func DecodeRequest(b []byte) (Request, error) {
	var r Request
	if len(b) > MaxMessageBytes {
		return r, fmt.Errorf("decoding request: %d bytes", len(b))
	}
	var err error
	if strings.HasPrefix(string(b), "{") {
		err = json.Unmarshal(b, &r)
	} else {
		err = msgpack.Unmarshal(b, &r)
	}
	if err != nil {
		return r, fmt.Errorf("decoding request: %w", err)
	}
	return r, nil
}
