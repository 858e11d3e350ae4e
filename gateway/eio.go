package gateway

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
)

// Engine.IO v4 packet types, as their ASCII digit.
const (
	eioOpen    byte = '0'
	eioClose   byte = '1'
	eioPing    byte = '2'
	eioPong    byte = '3'
	eioMessage byte = '4'
	eioUpgrade byte = '5'
	eioNoop    byte = '6'
)

// recordSeparator joins packets in an HTTP long-polling payload.
const recordSeparator = 0x1e

// errMalformed marks input that breaks the protocol; the connection that sent
// it is closed.
var errMalformed = errors.New("malformed packet")

// frame is one Engine.IO packet. A binary frame is always a message.
type frame struct {
	typ    byte
	data   []byte
	binary bool
}

// textFrame returns a text frame of type typ carrying data.
func textFrame(typ byte, data []byte) frame {
	return frame{typ: typ, data: data}
}

// decodeWSFrame parses one WebSocket message.
func decodeWSFrame(msg []byte, binary bool) (frame, error) {
	if binary {
		return frame{typ: eioMessage, data: msg, binary: true}, nil
	}
	return decodeTextPacket(msg)
}

// decodeTextPacket parses a text packet: a type digit and its data.
func decodeTextPacket(b []byte) (frame, error) {
	if len(b) == 0 {
		return frame{}, fmt.Errorf("%w: empty packet", errMalformed)
	}
	if b[0] < eioOpen || b[0] > eioNoop {
		return frame{}, fmt.Errorf("%w: unknown packet type %q", errMalformed, b[0])
	}
	return frame{typ: b[0], data: b[1:]}, nil
}

// encodePayload joins frames into one long-polling payload; binary frames are
// written as "b" and their base64 encoding.
func encodePayload(frames []frame) []byte {
	var buf bytes.Buffer
	for i, f := range frames {
		if i > 0 {
			buf.WriteByte(recordSeparator)
		}
		if f.binary {
			buf.WriteByte('b')
			buf.WriteString(base64.StdEncoding.EncodeToString(f.data))
			continue
		}
		buf.WriteByte(f.typ)
		buf.Write(f.data)
	}
	return buf.Bytes()
}

// decodePayload splits a long-polling payload into frames. It refuses more
// than maxPackets packets.
func decodePayload(body []byte, maxPackets int) ([]frame, error) {
	parts := bytes.Split(body, []byte{recordSeparator})
	if len(parts) > maxPackets {
		return nil, fmt.Errorf("%w: %d packets in one payload", errMalformed, len(parts))
	}
	frames := make([]frame, 0, len(parts))
	for _, p := range parts {
		f, err := decodePayloadPacket(p)
		if err != nil {
			return nil, err
		}
		frames = append(frames, f)
	}
	return frames, nil
}

// decodePayloadPacket parses one packet of a long-polling payload.
func decodePayloadPacket(p []byte) (frame, error) {
	if len(p) > 0 && p[0] == 'b' {
		data, err := base64.StdEncoding.DecodeString(string(p[1:]))
		if err != nil {
			return frame{}, fmt.Errorf("%w: bad base64 attachment", errMalformed)
		}
		return frame{typ: eioMessage, data: data, binary: true}, nil
	}
	return decodeTextPacket(p)
}
