package tokencheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Kinds of revocation, as announced on the kw:revocations channel.
const (
	KindSession = "session"
	KindJTI     = "jti"
	KindAPIKey  = "api_key"
)

// Revocation is one announcement: the session, token id or API key ID is
// refused until Until (unix seconds). Iss is set for KindJTI.
type Revocation struct {
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Iss   string `json:"iss,omitempty"`
	Until int64  `json:"until"`
}

// RevocationOptions configure a Revocations set.
type RevocationOptions struct {
	// Redis is the client the set subscribes with and resyncs from. Required.
	Redis redis.UniversalClient
	// Prefix is put before the Redis names ("revocations",
	// "revoked:sessions", "revoked:jti", "revoked:apikeys"). Default: "kw:".
	Prefix string
	// MaxStale is how long the last known set is trusted while Redis does
	// not answer; after it, CheckToken and CheckAPIKey return
	// ErrRevocationsStale. Default: 30s.
	MaxStale time.Duration
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Log receives connection losses and recoveries. Default: discard.
	Log *slog.Logger
	// Registerer, when set, receives the set's metrics.
	Registerer prometheus.Registerer
}

// Revocations is the edge's local copy of the revoked sessions, token ids
// and API keys. Run keeps it in step with Redis; lookups never touch the
// network. It is safe for concurrent use.
type Revocations struct {
	opts    RevocationOptions
	metrics *metrics

	mu     sync.RWMutex
	sets   map[string]map[string]int64
	lastOK time.Time
	stale  bool
	synced chan struct{}
	once   sync.Once

	subMu sync.Mutex
	subs  map[int]func(Revocation)
	next  int
}

// NewRevocations checks opts and returns an empty set that is stale until
// Run has synced it once.
func NewRevocations(opts RevocationOptions) (*Revocations, error) {
	if opts.Redis == nil {
		return nil, errors.New("revocations: a redis client is required")
	}
	if opts.Prefix == "" {
		opts.Prefix = "kw:"
	}
	if opts.MaxStale <= 0 {
		opts.MaxStale = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	return &Revocations{
		opts: opts, metrics: m, sets: emptySets(),
		synced: make(chan struct{}), subs: map[int]func(Revocation){},
	}, nil
}

func emptySets() map[string]map[string]int64 {
	return map[string]map[string]int64{KindSession: {}, KindJTI: {}, KindAPIKey: {}}
}

// Synced is closed once the set has been loaded from Redis for the first
// time.
func (r *Revocations) Synced() <-chan struct{} { return r.synced }

// Subscribe calls fn for every revocation learnt from now on, from a
// message or from a resync that finds an entry not seen before. fn runs on
// the set's goroutine and must not block. The returned func unsubscribes.
func (r *Revocations) Subscribe(fn func(Revocation)) (cancel func()) {
	r.subMu.Lock()
	defer r.subMu.Unlock()
	id := r.next
	r.next++
	r.subs[id] = fn
	return func() {
		r.subMu.Lock()
		defer r.subMu.Unlock()
		delete(r.subs, id)
	}
}

// Fresh returns ErrRevocationsStale when Redis has not confirmed the set
// within MaxStale.
func (r *Revocations) Fresh() error {
	r.mu.RLock()
	last := r.lastOK
	r.mu.RUnlock()
	if last.IsZero() || r.opts.Now().Sub(last) > r.opts.MaxStale {
		return ErrRevocationsStale
	}
	return nil
}

// Revoked reports whether id of kind is revoked now. For KindJTI, id is
// "<iss> <jti>".
func (r *Revocations) Revoked(kind, id string) bool {
	r.mu.RLock()
	until, ok := r.sets[kind][id]
	r.mu.RUnlock()
	return ok && r.opts.Now().Unix() <= until
}

// CheckToken returns ErrRevoked when the session sid or the token id jti of
// issuer iss is revoked, and ErrRevocationsStale when the set is stale.
func (r *Revocations) CheckToken(iss, jti, sid string) error {
	if err := r.Fresh(); err != nil {
		return err
	}
	if r.Revoked(KindSession, sid) || r.Revoked(KindJTI, iss+" "+jti) {
		return ErrRevoked
	}
	return nil
}

// CheckAPIKey returns ErrRevoked when the API key id is revoked, and
// ErrRevocationsStale when the set is stale.
func (r *Revocations) CheckAPIKey(id string) error {
	if err := r.Fresh(); err != nil {
		return err
	}
	if r.Revoked(KindAPIKey, id) {
		return ErrRevoked
	}
	return nil
}

// apply records one revocation and tells the subscribers.
func (r *Revocations) apply(rev Revocation) {
	r.mu.Lock()
	set, ok := r.sets[rev.Kind]
	if ok {
		set[r.member(rev)] = rev.Until
	}
	r.mu.Unlock()
	if ok {
		r.notify(rev)
	}
}

func (r *Revocations) member(rev Revocation) string {
	if rev.Kind == KindJTI {
		return rev.Iss + " " + rev.ID
	}
	return rev.ID
}

func (r *Revocations) notify(rev Revocation) {
	r.subMu.Lock()
	fns := make([]func(Revocation), 0, len(r.subs))
	for _, fn := range r.subs {
		fns = append(fns, fn)
	}
	r.subMu.Unlock()
	for _, fn := range fns {
		fn(rev)
	}
}

// parseRevocation decodes a kw:revocations message.
func parseRevocation(payload string) (Revocation, error) {
	var rev Revocation
	if err := json.Unmarshal([]byte(payload), &rev); err != nil {
		return rev, fmt.Errorf("decoding revocation: %w", err)
	}
	switch {
	case rev.Kind != KindSession && rev.Kind != KindJTI && rev.Kind != KindAPIKey:
		return rev, fmt.Errorf("decoding revocation: unknown kind %q", rev.Kind)
	case rev.ID == "" || rev.Until <= 0:
		return rev, errors.New("decoding revocation: id and until are required")
	case rev.Kind == KindJTI && rev.Iss == "":
		return rev, errors.New("decoding revocation: iss is required for jti")
	}
	return rev, nil
}
