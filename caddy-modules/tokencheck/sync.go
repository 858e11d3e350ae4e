package tokencheck

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis names under RevocationOptions.Prefix (docs/interfaces.md).
const (
	suffixChannel  = "revocations"
	suffixSessions = "revoked:sessions"
	suffixJTI      = "revoked:jti"
	suffixAPIKeys  = "revoked:apikeys"
)

// Run subscribes to the revocation channel and keeps the set in step until
// ctx ends: it loads the sorted sets on every (re)subscription, applies each
// message as it arrives, and pings Redis so that a silent loss of the
// connection is noticed. It returns when ctx ends.
func (r *Revocations) Run(ctx context.Context) {
	ps := r.opts.Redis.Subscribe(ctx, r.opts.Prefix+suffixChannel)
	defer func() { _ = ps.Close() }()
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
	defer stop()
	ping := r.opts.MaxStale / 4
	if ping > 5*time.Second {
		ping = 5 * time.Second
	}
	for ctx.Err() == nil {
		msg, err := ps.ReceiveTimeout(ctx, ping)
		r.updateStale()
		if err != nil {
			r.handleReceiveError(ctx, ps, err)
			continue
		}
		r.handleMessage(ctx, msg)
	}
}

func (r *Revocations) handleReceiveError(ctx context.Context, ps *redis.PubSub, err error) {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		if perr := ps.Ping(ctx); perr == nil {
			return
		}
	}
	if ctx.Err() != nil {
		return
	}
	r.metrics.redisErrors.Inc()
	r.opts.Log.Debug("revocation subscription error", "error", err.Error())
	select {
	case <-ctx.Done():
	case <-time.After(500 * time.Millisecond):
	}
}

func (r *Revocations) handleMessage(ctx context.Context, msg any) {
	switch m := msg.(type) {
	case *redis.Subscription:
		if m.Kind == "subscribe" {
			if err := r.resync(ctx); err != nil && ctx.Err() == nil {
				r.metrics.redisErrors.Inc()
				r.opts.Log.Warn("revocation resync failed", "error", err.Error())
			}
		}
	case *redis.Message:
		rev, err := parseRevocation(m.Payload)
		if err != nil {
			r.opts.Log.Warn("revocation message ignored", "error", err.Error())
		} else {
			r.apply(rev)
		}
		r.confirm()
	case *redis.Pong:
		r.confirm()
	}
}

// confirm records that Redis answered just now.
func (r *Revocations) confirm() {
	r.mu.Lock()
	r.lastOK = r.opts.Now()
	r.mu.Unlock()
	r.updateStale()
}

// updateStale keeps the stale flag, its metric and its log in step.
func (r *Revocations) updateStale() {
	stale := r.Fresh() != nil
	r.mu.Lock()
	changed := stale != r.stale
	r.stale = stale
	neverSynced := r.lastOK.IsZero()
	r.mu.Unlock()
	if stale {
		r.metrics.stale.Set(1)
	} else {
		r.metrics.stale.Set(0)
	}
	if !changed {
		return
	}
	switch {
	case stale && neverSynced:
		// the expected state at start-up, until Redis first answers
		r.opts.Log.Info("revocation set not loaded yet: tokens and api keys are refused until redis answers")
	case stale:
		r.opts.Log.Error("revocation set is stale: redis has not answered, tokens and api keys are refused",
			"max_stale", r.opts.MaxStale.String())
	default:
		r.opts.Log.Info("revocation set is fresh")
	}
}

// resync replaces the set with the unexpired members of the sorted sets and
// tells the subscribers about members not seen before.
func (r *Revocations) resync(ctx context.Context) error {
	now := r.opts.Now().Unix()
	fresh := emptySets()
	names := map[string]string{KindSession: suffixSessions, KindJTI: suffixJTI, KindAPIKey: suffixAPIKeys}
	for kind, suffix := range names {
		zs, err := r.opts.Redis.ZRangeByScoreWithScores(ctx, r.opts.Prefix+suffix, &redis.ZRangeBy{
			Min: strconv.FormatInt(now, 10), Max: "+inf",
		}).Result()
		if err != nil {
			return fmt.Errorf("loading %s: %w", suffix, err)
		}
		for _, z := range zs {
			if id, ok := z.Member.(string); ok {
				fresh[kind][id] = int64(z.Score)
			}
		}
	}
	added := r.replace(fresh)
	r.metrics.resyncs.Inc()
	r.confirm()
	r.once.Do(func() { close(r.synced) })
	for _, rev := range added {
		r.notify(rev)
	}
	return nil
}

// replace swaps in fresh and returns the entries that were not known.
func (r *Revocations) replace(fresh map[string]map[string]int64) []Revocation {
	r.mu.Lock()
	defer r.mu.Unlock()
	var added []Revocation
	n := 0
	for kind, set := range fresh {
		n += len(set)
		for member, until := range set {
			if _, ok := r.sets[kind][member]; !ok {
				added = append(added, memberRevocation(kind, member, until))
			}
		}
	}
	r.sets = fresh
	r.metrics.entries.Set(float64(n))
	return added
}

func memberRevocation(kind, member string, until int64) Revocation {
	rev := Revocation{Kind: kind, ID: member, Until: until}
	if kind == KindJTI {
		for i := len(member) - 1; i >= 0; i-- {
			if member[i] == ' ' {
				rev.Iss, rev.ID = member[:i], member[i+1:]
				break
			}
		}
	}
	return rev
}
