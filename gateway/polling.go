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
	frames := c.takePending()
	c.mu.Unlock()
	writePayload(w, frames)
}

// takePending returns what a waiting poll must write; c.mu is held.
func (c *conn) takePending() []frame {
	switch {
	case c.closed:
		frames := append(c.pending, textFrame(eioClose, nil))
		c.pending = nil
		return frames
	case c.ws != nil, c.upgrading && len(c.pending) == 0:
		return []frame{textFrame(eioNoop, nil)}
	}
	frames := c.pending
	c.pending = nil
	return frames
}

// post reads the client's packets. An oversized body closes the connection.
func (c *conn) post(w http.ResponseWriter, r *http.Request) {
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

func (c *conn) endPost() {
	c.mu.Lock()
	c.posting = false
	c.mu.Unlock()
}
