package gateway

import (
	"errors"
	"io"
	"net/http"
)

// servePolling answers a long-polling GET (packets for the client) or POST
// (packets from the client) on an open connection.
func (c *conn) servePolling(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		c.poll(w, r)
	case http.MethodPost:
		c.post(w, r)
	default:
		writeEIOError(w, http.StatusBadRequest, codeBadRequest, "Bad request")
	}
}

// poll waits until packets are queued, then writes them all.
func (c *conn) poll(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	if c.polling || c.ws != nil {
		c.mu.Unlock()
		writeEIOError(w, http.StatusBadRequest, codeBadRequest, "Bad request")
		c.close(ReasonTransportError)
		return
	}
	for len(c.pending) == 0 && !c.closed && c.ws == nil && !c.upgrading {
		c.polling = true
		c.mu.Unlock()
		select {
		case <-c.wake:
		case <-r.Context().Done():
		}
		c.mu.Lock()
		c.polling = false
		if r.Context().Err() != nil {
			c.mu.Unlock()
			return
		}
	}
	frames, last := c.takePending()
	c.mu.Unlock()
	if last {
		c.endLinger()
	}
	writePayload(w, frames)
}

// takePending returns what a waiting poll must write, and whether it is the
// closed connection's last response; c.mu is held.
//
// The close packet of a closed connection leaves alone, in the response
// after the last packets: socket.io-client handles the packets of one
// response in order but defers the Socket.IO packets to its next tick, so a
// close packet beside them would end the connection before the client has
// read them (a DISCONNECT would then be seen as a transport close).
func (c *conn) takePending() (frames []frame, last bool) {
	frames, c.pending = c.pending, nil
	switch {
	case len(frames) > 0:
		return frames, false
	case c.closed:
		return []frame{textFrame(eioClose, nil)}, true
	}
	return []frame{textFrame(eioNoop, nil)}, false
}

// post reads the client's packets. An oversized body closes the connection.
// Packets posted to a connection the server has closed, while it waits for
// the client to collect its last packets, are accepted and dropped: the
// client learns of the close from its next GET.
func (c *conn) post(w http.ResponseWriter, r *http.Request) {
	if c.isLingering() {
		c.postAfterClose(w, r)
		return
	}
	if !c.beginPost() {
		writeEIOError(w, http.StatusBadRequest, codeBadRequest, "Bad request")
		c.close(ReasonTransportError)
		return
	}
	defer c.endPost()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, c.srv.opts.MaxPayload))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeEIOError(w, http.StatusRequestEntityTooLarge, codeBadRequest, "Payload too large")
		c.close(ReasonPayloadTooLarge)
		return
	}
	if err != nil {
		c.close(ReasonTransportError)
		return
	}
	frames, err := decodePayload(body, c.srv.opts.SendQueue)
	if err != nil {
		writeEIOError(w, http.StatusBadRequest, codeBadRequest, "Bad request")
		c.close(ReasonParseError)
		return
	}
	for _, f := range frames {
		c.receive(f)
	}
	w.Header().Set("Content-Type", "text/html")
	_, _ = w.Write([]byte("ok"))
}

func (c *conn) beginPost() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.posting || c.ws != nil || c.closed {
		return false
	}
	c.posting = true
	return true
}

// postAfterClose accepts and drops what a client posts to a closed
// connection that waits for its next poll; a close packet from the client
// ends the wait, since it will not poll again.
func (c *conn) postAfterClose(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, c.srv.opts.MaxPayload))
	frames, _ := decodePayload(body, c.srv.opts.SendQueue)
	for _, f := range frames {
		if f.typ == eioClose {
			c.endLinger()
		}
	}
	w.Header().Set("Content-Type", "text/html")
	_, _ = w.Write([]byte("ok"))
}

func (c *conn) isLingering() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lingering
}

func (c *conn) endPost() {
	c.mu.Lock()
	c.posting = false
	c.mu.Unlock()
}
