package gateway

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/olahol/melody"
)

// Engine.IO error codes, sent in the JSON body of a refused request.
const (
	codeTransportUnknown   = 0
	codeUnknownSID         = 1
	codeBadHandshakeMethod = 2
	codeBadRequest         = 3
	codeForbidden          = 4
	codeUnsupportedVersion = 5
)

// ErrClosed is returned by operations on a closed Server.
var ErrClosed = errors.New("gateway: server closed")

// Server is a Socket.IO server. Create it with New, register namespaces with
// Handle, mount it as an http.Handler and stop it with Close.
type Server struct {
	opts    Options
	mel     *melody.Melody
	adapter Adapter

	mu     sync.RWMutex
	conns  map[string]*conn
	nsps   map[string]*Namespace
	closed bool
}

// New returns a Server with opts, or an error naming an invalid option.
func New(opts Options) (*Server, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("gateway options: %w", err)
	}
	s := &Server{opts: o, conns: map[string]*conn{}, nsps: map[string]*Namespace{}}
	s.mel = s.newMelody()
	return s, nil
}

// Options returns the server's options with defaults applied.
func (s *Server) Options() Options { return s.opts }

// SetAdapter makes the server publish broadcasts through a; call it before
// serving.
func (s *Server) SetAdapter(a Adapter) { s.adapter = a }

// Handle serves the namespace name (starting with "/") with h and returns it.
func (s *Server) Handle(name string, h Handler) *Namespace {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns := newNamespace(s, name, h)
	s.nsps[name] = ns
	return ns
}

// Of returns the namespace name, or nil when none is served.
func (s *Server) Of(name string) *Namespace {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.nsps[name]
}

// Namespaces returns every served namespace.
func (s *Server) Namespaces() []*Namespace {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*Namespace, 0, len(s.nsps))
	for _, ns := range s.nsps {
		out = append(out, ns)
	}
	return out
}

// Close ends every connection, so that clients reconnect elsewhere, and
// refuses new ones.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	conns := make([]*conn, 0, len(s.conns))
	for _, c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.close(ReasonServerShutdown)
	}
	if err := s.mel.Close(); err != nil && !errors.Is(err, melody.ErrClosed) {
		return fmt.Errorf("closing websockets: %w", err)
	}
	return nil
}

// ServeHTTP answers Engine.IO requests under the server's path.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != s.opts.Path && r.URL.Path != strings.TrimSuffix(s.opts.Path, "/") {
		http.NotFound(w, r)
		return
	}
	origin := requestOrigin(r)
	if !s.opts.originAllowed(origin) {
		s.opts.Metrics.refused("origin")
		writeEIOError(w, http.StatusForbidden, codeForbidden, "Forbidden")
		return
	}
	setCORS(w, r.Header.Get("Origin"))
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.route(w, r)
}

// route dispatches a request whose origin is allowed.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("EIO") != "4" {
		writeEIOError(w, http.StatusBadRequest, codeUnsupportedVersion, "Unsupported protocol version")
		return
	}
	transport := q.Get("transport")
	if !s.opts.offers(transport) {
		writeEIOError(w, http.StatusBadRequest, codeTransportUnknown, "Transport unknown")
		return
	}
	sid := q.Get("sid")
	if sid == "" {
		s.handshake(w, r, transport)
		return
	}
	c := s.conn(sid)
	if c == nil {
		writeEIOError(w, http.StatusBadRequest, codeUnknownSID, "Session ID unknown")
		return
	}
	if transport == TransportWebSocket {
		s.serveWebSocket(w, r, c)
		return
	}
	c.servePolling(w, r)
}

// handshake opens a new connection.
func (s *Server) handshake(w http.ResponseWriter, r *http.Request, transport string) {
	if transport == TransportWebSocket {
		s.serveWebSocket(w, r, nil)
		return
	}
	if r.Method != http.MethodGet {
		writeEIOError(w, http.StatusBadRequest, codeBadHandshakeMethod, "Bad handshake method")
		return
	}
	c, err := s.newConn(r, TransportPolling)
	if err != nil {
		writeEIOError(w, http.StatusServiceUnavailable, codeBadRequest, "Server closing")
		return
	}
	writePayload(w, []frame{c.openFrame()})
}

func (s *Server) conn(sid string) *conn {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.conns[sid]
}

// newConn registers a connection and starts its timers.
func (s *Server) newConn(r *http.Request, transport string) (*conn, error) {
	c := newConn(s, newHandshake(r, s.opts.Now()), transport)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	s.conns[c.id] = c
	s.opts.Metrics.connOpened()
	c.start()
	return c, nil
}

func (s *Server) dropConn(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns[c.id] == c {
		delete(s.conns, c.id)
		s.opts.Metrics.connClosed()
	}
}

// ConnCount returns the number of open Engine.IO connections.
func (s *Server) ConnCount() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.conns)
}

func writeEIOError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg})
}

func setCORS(w http.ResponseWriter, origin string) {
	if origin == "" {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Add("Vary", "Origin")
}

func writePayload(w http.ResponseWriter, frames []frame) {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(encodePayload(frames))
}

// newID returns a random identifier of 20 URL-safe characters.
func newID() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
