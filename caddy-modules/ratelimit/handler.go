package ratelimit

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/ulule/limiter/v3"
	"go.uber.org/zap"
)

// logEvery is the least time between two log lines about a failing store,
// per zone.
const logEvery = 10 * time.Second

// hit is one zone's verdict on a request.
type hit struct {
	zone *Zone
	lc   limiter.Context
}

// ServeHTTP counts r in every zone that covers it and answers 429 when one is
// over its rate, or 503 when a fail-closed zone cannot count.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	repl, _ := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	if repl == nil {
		repl = caddy.NewReplacer()
	}
	var local [inlineHits]hit
	hits := local[:0]
	for _, z := range h.Zones {
		key := ""
		if z.covers(r) {
			key = z.key(repl)
		}
		if key == "" {
			continue
		}
		lc, err := h.count(r.Context(), z, key)
		if err != nil {
			if h.storeFailed(z, err) {
				return writeUnavailable(w, z)
			}
			continue
		}
		outcome(z, lc).Inc()
		hits = append(hits, hit{zone: z, lc: lc})
	}
	if len(hits) == 0 {
		return next.ServeHTTP(w, r)
	}
	worst := tightest(hits)
	if outer, ok := caddyhttp.GetVar(r.Context(), hitsVar).(*requestHits); ok {
		// an outer kw_rate_limit writes the fields of every zone
		outer.hits = append(outer.hits, hits...)
		if worst.lc.Reached {
			h.fields(outer.hits).apply(w.Header())
			return writeLimited(w, worst, h.now())
		}
		return next.ServeHTTP(w, r)
	}
	if worst.lc.Reached {
		h.fields(hits).apply(w.Header())
		return writeLimited(w, worst, h.now())
	}
	hw := &headerWriter{ResponseWriterWrapper: caddyhttp.ResponseWriterWrapper{
		ResponseWriter: w,
	}, h: h}
	hw.rh.hits = append(hw.inline[:0], hits...)
	caddyhttp.SetVar(r.Context(), hitsVar, &hw.rh)
	return next.ServeHTTP(hw, r)
}

// requestHits gathers the verdicts of every kw_rate_limit a request passes
// through (one for the whole site and one after authentication, say), so
// that the response carries the fields of all their zones once: the
// outermost handler's headerWriter writes them, and an inner handler that
// refuses the request writes them with its 429. It lives in the outermost
// handler's headerWriter and is found through a Caddy request variable.
type requestHits struct {
	hits []hit
}

// hitsVar is the Caddy request variable that holds a request's
// *requestHits.
const hitsVar = "kw_rate_limit.hits"

// count counts one request of key in zone z: from a quota lease when the
// zone leases, else in the store.
func (h *Handler) count(ctx context.Context, z *Zone, key string) (limiter.Context, error) {
	if h.leases == nil || z.leaseSize <= LeaseExact {
		return h.store.Get(ctx, key, z.rate)
	}
	return h.leases.take(ctx, z, key)
}

// outcome returns the counter of z's requests that lc's verdict counts in.
func outcome(z *Zone, lc limiter.Context) prometheus.Counter {
	if lc.Reached {
		return z.limited
	}
	return z.allowed
}

// storeFailed counts and logs a store failure and reports whether the zone
// fails closed.
func (h *Handler) storeFailed(z *Zone, err error) bool {
	h.metrics.storeErrors.WithLabelValues(z.Name, z.OnStoreError).Inc()
	if h.shouldLog(z.Name) {
		h.log.Error("rate limit store unavailable", zap.String("zone", z.Name),
			zap.String("on_store_error", z.OnStoreError), zap.String("error", err.Error()))
	}
	return z.OnStoreError == FailClosed
}

// shouldLog reports whether a store failure of zone may be logged now.
func (h *Handler) shouldLog(zone string) bool {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	now := h.now()
	if t, ok := h.lastLog[zone]; ok && now.Sub(t) < logEvery {
		return false
	}
	if h.lastLog == nil {
		h.lastLog = map[string]time.Time{}
	}
	h.lastLog[zone] = now
	return true
}

// tightest returns the hit with the fewest requests left, preferring one
// over its rate.
func tightest(hits []hit) hit {
	best := hits[0]
	for _, x := range hits[1:] {
		if x.lc.Reached && !best.lc.Reached ||
			x.lc.Reached == best.lc.Reached && x.lc.Remaining < best.lc.Remaining {
			best = x
		}
	}
	return best
}

// retryAfter returns the whole seconds until lc's window ends, at least 1.
func retryAfter(lc limiter.Context, now time.Time) int64 {
	return max(lc.Reset-now.Unix(), 1)
}

// fieldSet is the rate-limit response fields of one request.
type fieldSet struct {
	policy, state               string
	limit, remaining, resetUnix string
}

// fields renders the IETF RateLimit-Policy and RateLimit fields for every
// zone that counted the request, and the X-RateLimit-* fields of the
// tightest. The values computed per request share one allocation.
func (h *Handler) fields(hits []hit) fieldSet {
	now := h.now()
	t := tightest(hits)
	buf := make([]byte, 0, 48*len(hits)+24)
	for i, x := range hits {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = append(append(buf, x.zone.quoted...), ";r="...)
		buf = append(strconv.AppendInt(buf, x.lc.Remaining, 10), ";t="...)
		buf = strconv.AppendInt(buf, retryAfter(x.lc, now), 10)
	}
	stateEnd := len(buf)
	buf = strconv.AppendInt(buf, max(t.lc.Remaining, 0), 10)
	remainingEnd := len(buf)
	buf = strconv.AppendInt(buf, t.lc.Reset, 10)
	all := string(buf)
	f := fieldSet{
		policy:    hits[0].zone.policy,
		state:     all[:stateEnd],
		limit:     t.zone.limit,
		remaining: all[stateEnd:remainingEnd],
		resetUnix: all[remainingEnd:],
	}
	if t.lc.Limit != t.zone.Events {
		f.limit = strconv.FormatInt(t.lc.Limit, 10)
	}
	if len(hits) > 1 {
		pol := make([]string, len(hits))
		for i, x := range hits {
			pol[i] = x.zone.policy
		}
		f.policy = strings.Join(pol, ", ")
	}
	return f
}

// fieldNames are the names of a fieldSet's fields, in the canonical form
// Header.Set would give them.
var fieldNames = [...]string{
	http.CanonicalHeaderKey("RateLimit-Policy"),
	http.CanonicalHeaderKey("RateLimit"),
	http.CanonicalHeaderKey("X-RateLimit-Limit"),
	http.CanonicalHeaderKey("X-RateLimit-Remaining"),
	http.CanonicalHeaderKey("X-RateLimit-Reset"),
}

// apply sets the fields on h, replacing any copy (from an upstream, say), so
// each appears once. It is Header.Set without canonicalising known names, and
// with one allocation for the five values.
func (f fieldSet) apply(h http.Header) {
	v := []string{f.policy, f.state, f.limit, f.remaining, f.resetUnix}
	for i, name := range fieldNames {
		h[name] = v[i : i+1 : i+1]
	}
}

// headerWriter sets the rate-limit fields of every zone that counted the
// request when the response header is written, after the upstream's own, so
// they are never duplicated.
type headerWriter struct {
	caddyhttp.ResponseWriterWrapper
	h      *Handler
	rh     requestHits
	inline [inlineHits]hit // rh.hits's first array
	done   bool
}

// inlineHits is how many zones' verdicts a request keeps without an
// allocation of their own.
const inlineHits = 4

// WriteHeader sets the fields, then writes the header.
func (hw *headerWriter) WriteHeader(status int) {
	if !hw.done {
		hw.done = true
		hw.h.fields(hw.rh.hits).apply(hw.Header())
	}
	hw.ResponseWriterWrapper.WriteHeader(status)
}

// Write writes the header first when the handler did not.
func (hw *headerWriter) Write(b []byte) (int, error) {
	if !hw.done {
		hw.WriteHeader(http.StatusOK)
	}
	return hw.ResponseWriterWrapper.Write(b)
}
