package embed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"

	"github.com/kernelwork/kernelwork/core/embeds/origin"
)

// Errors of an allowlist lookup.
var (
	errNoEmbed     = errors.New("no such embed")
	errUnavailable = errors.New("allowlist unavailable")
)

// missTTL is how long an unknown embed id is remembered, so that made-up ids
// cost the core one request each per interval at most.
const missTTL = 5 * time.Second

// allowlist is one embed's list as the core serves it.
type allowlist struct {
	ID       string      `json:"id"`
	TenantID string      `json:"tenant_id"`
	Room     string      `json:"room"`
	Origins  []string    `json:"origins"`
	list     origin.List // parsed Origins
}

type cached struct {
	al      *allowlist // nil: the embed does not exist
	fetched time.Time
}

type allowlistOptions struct {
	base     string
	client   *http.Client
	redisURL string
	channel  string
	ttl      time.Duration
	max      int
	now      func() time.Time
	log      *zap.Logger
}

// allowlists caches allowlists fetched from the core and drops an entry when
// the core announces a change to it.
type allowlists struct {
	opts  allowlistOptions
	rdb   *redis.Client
	group singleflight.Group

	mu      sync.Mutex
	entries map[string]cached
	// gen counts the announcements applied: a fetch that began before one
	// may carry the list from before the change, and is not cached
	gen uint64
}

func newAllowlists(o allowlistOptions) (*allowlists, error) {
	ropts, err := redis.ParseURL(o.redisURL)
	if err != nil {
		return nil, fmt.Errorf("redis_url is not a redis:// or rediss:// URL")
	}
	return &allowlists{opts: o, rdb: redis.NewClient(ropts), entries: map[string]cached{}}, nil
}

func (a *allowlists) close() error { return a.rdb.Close() }

// get returns the allowlist of the embed id.
func (a *allowlists) get(ctx context.Context, id string) (*allowlist, error) {
	if uuid.Validate(id) != nil {
		return nil, errNoEmbed
	}
	if al, ok := a.cachedEntry(id); ok {
		if al == nil {
			return nil, errNoEmbed
		}
		return al, nil
	}
	v, err, _ := a.group.Do(id, func() (any, error) { return a.fetch(ctx, id) })
	if err != nil {
		return nil, err
	}
	return v.(*allowlist), nil
}

func (a *allowlists) cachedEntry(id string) (*allowlist, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.entries[id]
	if !ok {
		return nil, false
	}
	ttl := a.opts.ttl
	if c.al == nil {
		ttl = min(ttl, missTTL)
	}
	if a.opts.now().Sub(c.fetched) >= ttl {
		delete(a.entries, id)
		return nil, false
	}
	return c.al, true
}

// fetch asks the core for the allowlist of id and caches the answer, unless
// an announcement arrived meanwhile.
func (a *allowlists) fetch(ctx context.Context, id string) (*allowlist, error) {
	gen := a.generation()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		a.opts.base+"/internal/embeds/"+url.PathEscape(id), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errUnavailable, err)
	}
	resp, err := a.opts.client.Do(req)
	if err != nil {
		a.opts.log.Warn("fetching embed allowlist", zap.String("embed_id", id), zap.Error(err))
		return nil, errUnavailable
	}
	defer func() { _ = resp.Body.Close() }()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		a.store(id, nil, gen)
		return nil, errNoEmbed
	default:
		a.opts.log.Warn("fetching embed allowlist", zap.String("embed_id", id),
			zap.Int("status", resp.StatusCode))
		return nil, errUnavailable
	}
	al, err := decodeAllowlist(resp.Body)
	if err != nil {
		a.opts.log.Warn("reading embed allowlist", zap.String("embed_id", id), zap.Error(err))
		return nil, errUnavailable
	}
	a.store(id, al, gen)
	return al, nil
}

func decodeAllowlist(r io.Reader) (*allowlist, error) {
	var al allowlist
	if err := json.NewDecoder(io.LimitReader(r, 64<<10)).Decode(&al); err != nil {
		return nil, fmt.Errorf("decoding allowlist: %w", err)
	}
	list, err := origin.ParseList(al.Origins)
	if err != nil {
		return nil, fmt.Errorf("parsing allowlist: %w", err)
	}
	al.list = list
	return &al, nil
}

// generation returns the number of announcements applied so far.
func (a *allowlists) generation() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.gen
}

// store caches al under id, making room when the cache is full, if no
// announcement was applied since generation gen: the list may be older than
// the change announced.
func (a *allowlists) store(id string, al *allowlist, gen uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.gen != gen {
		return
	}
	if len(a.entries) >= a.opts.max {
		for k := range a.entries { // drop an arbitrary entry: each is only a cache
			delete(a.entries, k)
			break
		}
	}
	a.entries[id] = cached{al: al, fetched: a.opts.now()}
}

// forget drops id, or every entry when id is "".
func (a *allowlists) forget(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen++
	if id == "" {
		clear(a.entries)
		return
	}
	delete(a.entries, id)
}

// follow applies the core's announcements until ctx ends. Each time the
// subscription is (re)established the whole cache is dropped, since
// announcements may have been missed meanwhile.
func (a *allowlists) follow(ctx context.Context) {
	sub := a.rdb.Subscribe(ctx, a.opts.channel)
	defer func() { _ = sub.Close() }()
	for {
		msg, err := sub.Receive(ctx)
		if ctx.Err() != nil {
			return
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			a.forget("")
		case *redis.Message:
			a.apply(m.Payload)
		case nil:
			a.opts.log.Warn("following embed announcements", zap.Error(err))
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}
}

func (a *allowlists) apply(payload string) {
	var ann struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(payload), &ann); err != nil || ann.ID == "" {
		a.forget("")
		return
	}
	a.forget(ann.ID)
}
