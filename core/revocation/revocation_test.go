package revocation_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/revocation"
)

func TestPublishWritesSetThenAnnounces(t *testing.T) {
	a := coretest.NewApp(t, nil)
	ctx := context.Background()
	sub := a.Redis.Subscribe(ctx, revocation.Channel)
	defer func() { _ = sub.Close() }()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(11 * time.Minute).Truncate(time.Second)
	cases := []struct {
		kind, id, iss, set, member string
	}{
		{revocation.KindSession, coretest.RandomSlug("sess"), "", revocation.SetSessions, ""},
		{revocation.KindJTI, coretest.RandomSlug("jti"), "https://iss", revocation.SetJTI, "https://iss "},
		{revocation.KindAPIKey, coretest.RandomSlug("key"), "", revocation.SetAPIKeys, ""},
	}
	for _, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			if err := revocation.Publish(ctx, a.Redis, tc.kind, tc.id, tc.iss, until); err != nil {
				t.Fatal(err)
			}
			score, err := a.Redis.ZScore(ctx, tc.set, tc.member+tc.id).Result()
			if err != nil || int64(score) != until.Unix() {
				t.Fatalf("score %v, %v; want %d", score, err, until.Unix())
			}
			m, err := sub.ReceiveMessage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var got revocation.Message
			if err := json.Unmarshal([]byte(m.Payload), &got); err != nil {
				t.Fatal(err)
			}
			want := revocation.Message{Kind: tc.kind, ID: tc.id, Iss: tc.iss, Until: until.Unix()}
			if got != want {
				t.Fatalf("message %+v, want %+v", got, want)
			}
			ok, err := revocation.Revoked(ctx, a.Redis, tc.kind, tc.id, tc.iss, time.Now())
			if err != nil || !ok {
				t.Fatalf("Revoked = %v, %v", ok, err)
			}
		})
	}
}

func TestPublishNeverShortensAndPrunes(t *testing.T) {
	a := coretest.NewApp(t, nil)
	ctx := context.Background()
	id := coretest.RandomSlug("sess")
	long := time.Now().Add(time.Hour)
	if err := revocation.Publish(ctx, a.Redis, revocation.KindSession, id, "", long); err != nil {
		t.Fatal(err)
	}
	if err := revocation.Publish(ctx, a.Redis, revocation.KindSession, id, "",
		time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if s, _ := a.Redis.ZScore(ctx, revocation.SetSessions, id).Result(); int64(s) != long.Unix() {
		t.Fatalf("a later revocation shortened the entry to %v", s)
	}
	stale := coretest.RandomSlug("stale")
	a.Redis.ZAdd(ctx, revocation.SetSessions, redisZ(time.Now().Add(-time.Minute), stale))
	_ = revocation.Publish(ctx, a.Redis, revocation.KindSession, coretest.RandomSlug("x"), "", long)
	if _, err := a.Redis.ZScore(ctx, revocation.SetSessions, stale).Result(); err == nil {
		t.Fatal("an expired entry was not pruned")
	}
}

func TestPublishRefusesBadInput(t *testing.T) {
	a := coretest.NewApp(t, nil)
	ctx := context.Background()
	for name, args := range map[string][3]string{
		"unknown kind":  {"token", "x", ""},
		"empty id":      {revocation.KindSession, "", ""},
		"jti needs iss": {revocation.KindJTI, "j", ""},
	} {
		if err := revocation.Publish(ctx, a.Redis, args[0], args[1], args[2], time.Now()); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
