package gateway

import (
	"encoding/json"
	"fmt"
)

// onMessage handles an Engine.IO message: a Socket.IO packet, or one
// attachment of the binary packet being reassembled.
func (c *conn) onMessage(f frame) error {
	if f.binary {
		return c.onAttachment(f.data)
	}
	if c.partial != nil {
		return fmt.Errorf("%w: text packet while attachments are due", errMalformed)
	}
	p, err := splitSIO(f.data, c.srv.opts.MaxAttachments)
	if err != nil {
		return err
	}
	if p.binary() {
		c.partial = &p
		return nil
	}
	return c.dispatch(p, nil)
}

func (c *conn) onAttachment(b []byte) error {
	if c.partial == nil {
		return fmt.Errorf("%w: unexpected attachment", errMalformed)
	}
	c.parts = append(c.parts, b)
	if len(c.parts) < c.partial.attachments {
		return nil
	}
	p, parts := *c.partial, c.parts
	c.partial, c.parts = nil, nil
	return c.dispatch(p, parts)
}

// dispatch hands a complete packet to the connection's worker, which
// decodes its payload and runs the handlers in arrival order. Decoding there
// keeps the stack of the long-lived reading goroutine small.
func (c *conn) dispatch(p sioPacket, att [][]byte) error {
	c.enqueue(func() {
		if err := c.deliver(p, att); err != nil {
			c.closeMalformed(err)
		}
	})
	return nil
}

// deliver validates a packet and routes it to its namespace and socket.
func (c *conn) deliver(p sioPacket, att [][]byte) error {
	if err := p.validate(); err != nil {
		return err
	}
	if p.typ == sioConnect {
		c.onConnect(p)
		return nil
	}
	var args []any
	if p.typ != sioDisconnect {
		var err error
		if args, err = decodeArgs(p.data, att); err != nil {
			return err
		}
	}
	s := c.socket(p.nsp)
	if s == nil {
		// packets for a namespace the client has not joined are dropped.
		return nil
	}
	switch p.typ {
	case sioDisconnect:
		s.onClose(ReasonClientDisconnect)
	case sioEvent, sioBinaryEvent:
		c.onEvent(s, p.id, args)
	case sioAck, sioBinaryAck:
		s.onAck(p.id, args)
	}
	return nil
}

func (c *conn) onConnect(p sioPacket) {
	ns := c.srv.Of(p.nsp)
	if ns == nil {
		c.send(connectErrorFrame(p.nsp, &ConnectError{Message: "Invalid namespace"}))
		return
	}
	var auth map[string]any
	if len(p.data) > 0 {
		_ = json.Unmarshal(p.data, &auth)
	}
	ns.connect(c, auth)
}

func (c *conn) onEvent(s *Socket, id int64, args []any) {
	if !s.allowEvent(c.srv.opts.Now()) {
		go c.close(ReasonEventFlood)
		return
	}
	name, _ := args[0].(string)
	s.onEvent(&Event{Name: name, Args: args[1:], socket: s, ackID: id})
}

// packetFrames encodes a Socket.IO packet carrying args as Engine.IO frames:
// the text packet, then one binary frame per attachment.
func packetFrames(typ int, nsp string, id int64, args []any) ([]frame, error) {
	data, att, err := encodeArgs(args)
	if err != nil {
		return nil, err
	}
	if len(att) > 0 {
		typ = map[int]int{sioEvent: sioBinaryEvent, sioAck: sioBinaryAck}[typ]
	}
	p := sioPacket{typ: typ, nsp: nsp, id: id, data: data, attachments: len(att)}
	frames := make([]frame, 0, 1+len(att))
	frames = append(frames, textFrame(eioMessage, p.encode()))
	for _, a := range att {
		frames = append(frames, frame{typ: eioMessage, data: a, binary: true})
	}
	return frames, nil
}

func connectErrorFrame(nsp string, ce *ConnectError) frame {
	data, _ := json.Marshal(ce)
	p := sioPacket{typ: sioConnectError, nsp: nsp, id: noAck, data: data}
	return textFrame(eioMessage, p.encode())
}
