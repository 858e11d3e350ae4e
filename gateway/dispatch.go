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
// validates and decodes its payload and runs the handlers in arrival order.
// Decoding there keeps the stack of the long-lived reading goroutine small.
//
// What depends on the client alone is decided on arrival: an event of a
// joined socket over its rate limit ends the connection at once, however
// far behind the handler is, and an acknowledgement the server does not
// await is dropped. The rest waits in the inbox (see enqueue).
func (c *conn) dispatch(p sioPacket, att [][]byte) error {
	switch p.typ {
	case sioEvent, sioBinaryEvent:
		c.dispatchEvent(p, att)
	case sioAck, sioBinaryAck:
		c.dispatchAck(p, att)
	default:
		c.enqueue(inboxItem{connect: true, run: func() { c.run(p, att, nil) }})
	}
	return nil
}

// dispatchEvent rate-limits an event of a joined socket and queues it. An
// event for a namespace not joined yet (its CONNECT may be waiting in the
// inbox) counts with the CONNECT packets and is limited when it runs.
func (c *conn) dispatchEvent(p sioPacket, att [][]byte) {
	s := c.socket(p.nsp)
	if s == nil {
		c.enqueue(inboxItem{connect: true, run: func() { c.run(p, att, nil) }})
		return
	}
	if !s.allowEvent(c.srv.opts.Now()) {
		c.close(ReasonEventFlood)
		return
	}
	c.enqueue(inboxItem{event: s, run: func() { c.run(p, att, s) }})
}

// dispatchAck queues the acknowledgement the server awaits, taken from its
// socket at once so that a repeated one is dropped.
func (c *conn) dispatchAck(p sioPacket, att [][]byte) {
	s := c.socket(p.nsp)
	if s == nil {
		return
	}
	fn := s.takeAck(p.id)
	if fn == nil {
		return
	}
	c.enqueue(inboxItem{run: func() {
		args, err := c.decode(p, att)
		if err != nil {
			c.closeMalformed(err)
			return
		}
		fn(args)
	}})
}

// run delivers a packet on the worker; limited is the socket whose rate
// limit the event passed on arrival, nil when it is still to apply.
func (c *conn) run(p sioPacket, att [][]byte, limited *Socket) {
	if err := c.deliver(p, att, limited); err != nil {
		c.closeMalformed(err)
	}
}

// decode validates a packet and decodes its arguments.
func (c *conn) decode(p sioPacket, att [][]byte) ([]any, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	if p.typ == sioConnect || p.typ == sioDisconnect {
		return nil, nil
	}
	return decodeArgs(p.data, att)
}

// deliver validates a packet and routes it to its namespace and socket.
func (c *conn) deliver(p sioPacket, att [][]byte, limited *Socket) error {
	args, err := c.decode(p, att)
	if err != nil {
		return err
	}
	if p.typ == sioConnect {
		c.onConnect(p)
		return nil
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
		c.onEvent(s, s == limited, p.id, args)
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

// onEvent hands an event to the socket's handler; allowed tells that it
// passed the rate limit already.
func (c *conn) onEvent(s *Socket, allowed bool, id int64, args []any) {
	if !allowed && !s.allowEvent(c.srv.opts.Now()) {
		c.close(ReasonEventFlood)
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
