package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Per-account login throttling. Failures are counted per account (tenant
// slug and email, whether or not the account exists) for ThrottleWindow after
// the last failure, whatever the client's IP. The first ThrottleFree failures
// cost nothing; each later failure makes the account refuse attempts for a
// delay that doubles from one second up to ThrottleMaxDelay. A real user is
// therefore never locked out for longer than ThrottleMaxDelay at a time, while
// an attacker gets at most one guess per ThrottleMaxDelay per account. A
// successful login clears the count.
const (
	ThrottleFree     = 5
	ThrottleMaxDelay = time.Minute
	ThrottleWindow   = 15 * time.Minute
)

type throttle struct {
	rdb redis.UniversalClient
	now func() time.Time
}

func throttleKey(tenantSlug, email string) string {
	sum := sha256.Sum256([]byte(tenantSlug + "\n" + strings.ToLower(strings.TrimSpace(email))))
	return "kw:login:" + hex.EncodeToString(sum[:16])
}

// wait returns how long the account must wait before its next attempt.
func (t *throttle) wait(ctx context.Context, key string) (time.Duration, error) {
	v, err := t.rdb.HGet(ctx, key, "next").Result()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading login throttle: %w", err)
	}
	next, _ := strconv.ParseInt(v, 10, 64)
	if d := time.UnixMilli(next).Sub(t.now()); d > 0 {
		return d, nil
	}
	return 0, nil
}

// fail counts a failed attempt and sets the delay before the next one.
func (t *throttle) fail(ctx context.Context, key string) error {
	n, err := t.rdb.HIncrBy(ctx, key, "count", 1).Result()
	if err != nil {
		return fmt.Errorf("counting login failure: %w", err)
	}
	pipe := t.rdb.TxPipeline()
	if n > ThrottleFree {
		pipe.HSet(ctx, key, "next", t.now().Add(throttleDelay(n)).UnixMilli())
	}
	pipe.Expire(ctx, key, ThrottleWindow)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("setting login throttle: %w", err)
	}
	return nil
}

// throttleDelay is the delay after the n-th failure in the window.
func throttleDelay(n int64) time.Duration {
	if n <= ThrottleFree {
		return 0
	}
	shift := n - ThrottleFree - 1
	if shift > 10 {
		return ThrottleMaxDelay
	}
	return min(time.Second<<shift, ThrottleMaxDelay)
}

// reset clears the account's failures after a successful login.
func (t *throttle) reset(ctx context.Context, key string) error {
	if err := t.rdb.Del(ctx, key).Err(); err != nil {
		return fmt.Errorf("clearing login throttle: %w", err)
	}
	return nil
}
