package gateway

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Socket.IO v5 packet types.
const (
	sioConnect      = 0
	sioDisconnect   = 1
	sioEvent        = 2
	sioAck          = 3
	sioConnectError = 4
	sioBinaryEvent  = 5
	sioBinaryAck    = 6
)

// noAck is the ack id of a packet that asks for no acknowledgement.
const noAck = -1

// maxAckID bounds the acknowledgement ids a client may use (2^53-1, the
// largest integer a JavaScript number holds exactly).
const maxAckID = 1<<53 - 1

// sioPacket is one decoded Socket.IO packet, before its attachments arrive.
type sioPacket struct {
	typ         int
	nsp         string
	id          int64
	data        json.RawMessage
	attachments int
}

// binary reports whether the packet is followed by binary attachments.
func (p sioPacket) binary() bool {
	return p.typ == sioBinaryEvent || p.typ == sioBinaryAck
}

// encode writes the packet in the Socket.IO text format.
func (p sioPacket) encode() []byte {
	b := make([]byte, 0, len(p.data)+len(p.nsp)+16)
	b = strconv.AppendInt(b, int64(p.typ), 10)
	if p.binary() {
		b = strconv.AppendInt(b, int64(p.attachments), 10)
		b = append(b, '-')
	}
	if p.nsp != "" && p.nsp != "/" {
		b = append(b, p.nsp...)
		b = append(b, ',')
	}
	if p.id >= 0 {
		b = strconv.AppendInt(b, p.id, 10)
	}
	return append(b, p.data...)
}

// parseSIO decodes and validates a Socket.IO packet sent by a client.
// maxAttachments bounds the attachment count of a binary packet.
func parseSIO(s []byte, maxAttachments int) (sioPacket, error) {
	p, err := splitSIO(s, maxAttachments)
	if err != nil {
		return p, err
	}
	return p, p.validate()
}

// splitSIO decodes the header of a Socket.IO packet (type, attachment
// count, namespace, ack id) without validating its JSON data: the reading
// goroutine splits packets, and the connection's worker validates them,
// since JSON parsing takes stack space that a long-lived goroutine would
// keep.
func splitSIO(s []byte, maxAttachments int) (sioPacket, error) {
	p := sioPacket{nsp: "/", id: noAck}
	if len(s) == 0 || s[0] < '0' || s[0] > '6' {
		return p, fmt.Errorf("%w: bad socket.io packet type", errMalformed)
	}
	p.typ = int(s[0] - '0')
	i := 1
	var err error
	if p.binary() {
		if p.attachments, i, err = parseAttachmentCount(s, i, maxAttachments); err != nil {
			return p, err
		}
	}
	if i < len(s) && s[i] == '/' {
		p.nsp, i = parseNamespace(s, i)
	}
	if p.id, i, err = parseAckID(s, i); err != nil {
		return p, err
	}
	p.data = s[i:]
	return p, nil
}

// parseAttachmentCount reads "<n>-" at s[i:].
func parseAttachmentCount(s []byte, i, limit int) (int, int, error) {
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' && i-start < 4 {
		i++
	}
	if i == start || i >= len(s) || s[i] != '-' {
		return 0, i, fmt.Errorf("%w: bad attachment count", errMalformed)
	}
	n, _ := strconv.Atoi(string(s[start:i]))
	if n < 1 || n > limit {
		return 0, i, fmt.Errorf("%w: %d attachments", errMalformed, n)
	}
	return n, i + 1, nil
}

// parseNamespace reads a namespace that starts at s[i] and ends at a comma or
// at the end of the packet.
func parseNamespace(s []byte, i int) (string, int) {
	start := i
	for i < len(s) && s[i] != ',' {
		i++
	}
	nsp := string(s[start:i])
	if i < len(s) {
		i++
	}
	return nsp, i
}

// parseAckID reads an optional decimal ack id at s[i:].
func parseAckID(s []byte, i int) (int64, int, error) {
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == start {
		return noAck, i, nil
	}
	id, err := strconv.ParseInt(string(s[start:i]), 10, 64)
	if err != nil || id > maxAckID {
		return noAck, i, fmt.Errorf("%w: bad ack id", errMalformed)
	}
	return id, i, nil
}

// validate applies the per-type rules of the protocol to a client's packet.
func (p sioPacket) validate() error {
	if len(p.nsp) > 256 {
		return fmt.Errorf("%w: namespace too long", errMalformed)
	}
	switch p.typ {
	case sioConnect:
		if p.id != noAck || (len(p.data) > 0 && !isJSONObject(p.data)) {
			return fmt.Errorf("%w: bad connect packet", errMalformed)
		}
	case sioDisconnect:
		if p.id != noAck || len(p.data) > 0 {
			return fmt.Errorf("%w: bad disconnect packet", errMalformed)
		}
	case sioEvent, sioBinaryEvent:
		return validateEventData(p.data)
	case sioAck, sioBinaryAck:
		if p.id == noAck || !isJSONArray(p.data) {
			return fmt.Errorf("%w: bad ack packet", errMalformed)
		}
	default:
		return fmt.Errorf("%w: packet type %d is not sent by clients", errMalformed, p.typ)
	}
	return nil
}

// validateEventData checks that data is a JSON array whose first element is
// the event name.
func validateEventData(data json.RawMessage) error {
	var arr []json.RawMessage
	if err := json.Unmarshal(data, &arr); err != nil || len(arr) == 0 {
		return fmt.Errorf("%w: bad event payload", errMalformed)
	}
	var name string
	if err := json.Unmarshal(arr[0], &name); err != nil {
		return fmt.Errorf("%w: event name is not a string", errMalformed)
	}
	return nil
}

func isJSONObject(b []byte) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(b, &m) == nil && m != nil
}

func isJSONArray(b []byte) bool {
	var a []json.RawMessage
	return json.Unmarshal(b, &a) == nil && a != nil
}
