// Package revocation announces revoked sessions, tokens and API keys to every
// edge through Redis, exactly as docs/interfaces.md describes: the entry is
// first added to a sorted set (member: the identifier; score: the unix time
// after which the entry may be dropped), then a JSON message is published on
// the kw:revocations channel. An edge loads the sets when it (re)subscribes and
// applies each message as it arrives.
//
// Entries are keyed by session id, by "<iss> <jti>", or by API key
// identifier - never by a token's bytes. The caller records the revocation in
// PostgreSQL first; Publish only announces it.
package revocation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Kinds of revocation.
const (
	KindSession = "session"
	KindJTI     = "jti"
	KindAPIKey  = "api_key"
)

// Channel is the pub/sub channel of revocation messages.
const Channel = "kw:revocations"

// Sorted sets, one per kind.
const (
	SetSessions = "kw:revoked:sessions"
	SetJTI      = "kw:revoked:jti"
	SetAPIKeys  = "kw:revoked:apikeys"
)

// Message is what Publish sends on Channel.
type Message struct {
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Iss   string `json:"iss,omitempty"`
	Until int64  `json:"until"`
}

// SetFor returns the sorted set of kind, or "" for an unknown kind.
func SetFor(kind string) string {
	switch kind {
	case KindSession:
		return SetSessions
	case KindJTI:
		return SetJTI
	case KindAPIKey:
		return SetAPIKeys
	}
	return ""
}

// Member returns the sorted-set member for an identifier: "<iss> <jti>" for
// KindJTI, id itself otherwise.
func Member(kind, id, iss string) string {
	if kind == KindJTI {
		return iss + " " + id
	}
	return id
}

// Publish adds id to kind's sorted set with score until, drops the entries
// of that set whose time has passed, then publishes the message on Channel.
// iss is required for KindJTI and ignored otherwise. until must cover the
// longest-lived token that the revocation concerns.
func Publish(ctx context.Context, rdb redis.UniversalClient, kind, id, iss string,
	until time.Time,
) error {
	set := SetFor(kind)
	if set == "" {
		return fmt.Errorf("publishing revocation: unknown kind %q", kind)
	}
	if id == "" || (kind == KindJTI && iss == "") {
		return fmt.Errorf("publishing %s revocation: id (and iss for jti) required", kind)
	}
	msg := Message{Kind: kind, ID: id, Until: until.Unix()}
	if kind == KindJTI {
		msg.Iss = iss
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("encoding revocation: %w", err)
	}
	// GT: a later revocation of the same id never shortens an earlier one.
	if err := rdb.ZAddGT(ctx, set, redis.Z{
		Score:  float64(msg.Until),
		Member: Member(kind, id, iss),
	}).Err(); err != nil {
		return fmt.Errorf("recording %s revocation in redis: %w", kind, err)
	}
	// Pruning uses the wall clock: it only drops entries whose time has passed.
	now := strconv.FormatInt(time.Now().Unix(), 10)
	if err := rdb.ZRemRangeByScore(ctx, set, "-inf", "("+now).Err(); err != nil {
		return fmt.Errorf("pruning %s: %w", set, err)
	}
	if err := rdb.Publish(ctx, Channel, body).Err(); err != nil {
		return fmt.Errorf("announcing %s revocation: %w", kind, err)
	}
	return nil
}

// Revoked reports whether kind's set holds an unexpired entry for id (and iss
// for KindJTI) at now.
func Revoked(ctx context.Context, rdb redis.UniversalClient, kind, id, iss string,
	now time.Time,
) (bool, error) {
	set := SetFor(kind)
	if set == "" {
		return false, fmt.Errorf("reading revocation: unknown kind %q", kind)
	}
	score, err := rdb.ZScore(ctx, set, Member(kind, id, iss)).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", set, err)
	}
	return score >= float64(now.Unix()), nil
}
