package calls_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/livekit/protocol/auth"
	"github.com/livekit/protocol/livekit"
	"github.com/livekit/protocol/webhook"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/calls"
	"github.com/kernelwork/kernelwork/core/conversations/convtest"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// signedWebhook builds a webhook request as livekit-server sends it: a JSON
// event and, in Authorization, a JWT signed with the API secret carrying the
// body's SHA-256.
func signedWebhook(t *testing.T, url, key, secret string, ev *livekit.WebhookEvent) *http.Request {
	t.Helper()
	body, err := protojson.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	tok, err := auth.NewAccessToken(key, secret).SetValidFor(5 * time.Minute).
		SetSha256(base64.StdEncoding.EncodeToString(sum[:])).ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/webhook+json")
	req.Header.Set("Authorization", tok)
	return req
}

// TestWebhookWithBadSignatureRefused: through the core's real handler, a
// webhook signed with another secret, one whose body was changed after
// signing, and one without a signature are refused with 401.
func TestWebhookWithBadSignatureRefused(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	ev := &livekit.WebhookEvent{
		Event: webhook.EventRoomStarted, Id: "EV_bad",
		Room: &livekit.Room{Sid: "RM_bad", Name: w.Conversation},
	}
	lk := a.Config.LiveKit
	wrongSecret := signedWebhook(t, c.URL+calls.WebhookPath, lk.APIKey,
		"another-secret-that-is-long-enough-0123", ev)
	changed := signedWebhook(t, c.URL+calls.WebhookPath, lk.APIKey, lk.APISecret, ev)
	changed.Body = http.NoBody
	changed.ContentLength = 0
	unsigned := signedWebhook(t, c.URL+calls.WebhookPath, lk.APIKey, lk.APISecret, ev)
	unsigned.Header.Del("Authorization")
	for name, req := range map[string]*http.Request{
		"wrong secret": wrongSecret, "changed body": changed, "unsigned": unsigned,
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := c.Edge.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", resp.StatusCode)
			}
		})
	}
	var n int
	_ = a.DB.QueryRow(context.Background(), `SELECT count(*) FROM calls`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d calls recorded from refused webhooks", n)
	}
}

// recorder is an Announcer that keeps what it was asked to publish; the
// realtime emitter takes its place in production.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) Announce(_ context.Context, room, event string, _ any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, room+" "+event)
	return nil
}

// TestWebhookRecordsTheCall: signed webhooks record the call's start,
// participants and end once each, even when LiveKit retries one, and each is
// announced to the conversation's realtime room.
func TestWebhookRecordsTheCall(t *testing.T) {
	a := coretest.NewApp(t, nil)
	w := convtest.New(t, a)
	rec := &recorder{}
	srv := webhookServer(t, a, rec)
	room := &livekit.Room{Sid: "RM_1", Name: w.Conversation}
	p := &livekit.ParticipantInfo{Sid: "PA_1", Identity: w.Alice.ID, Name: "Alice"}
	events := []*livekit.WebhookEvent{
		{Event: webhook.EventRoomStarted, Id: "EV_1", Room: room, CreatedAt: 100},
		{Event: webhook.EventParticipantJoined, Id: "EV_2", Room: room, Participant: p, CreatedAt: 101},
		{Event: webhook.EventParticipantJoined, Id: "EV_2", Room: room, Participant: p, CreatedAt: 101},
		{Event: webhook.EventParticipantLeft, Id: "EV_3", Room: room, Participant: p, CreatedAt: 160},
		{Event: webhook.EventRoomFinished, Id: "EV_4", Room: room, CreatedAt: 170},
	}
	for _, ev := range events {
		req := signedWebhook(t, srv.URL+calls.WebhookPath, a.Config.LiveKit.APIKey,
			a.Config.LiveKit.APISecret, ev)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("%s: %d", ev.Event, resp.StatusCode)
		}
	}
	var started, ended, joined, left time.Time
	err := a.DB.QueryRow(context.Background(), `SELECT c.started_at, c.ended_at, p.joined_at,
		p.left_at FROM calls c JOIN call_participants p ON p.call_id = c.id
		WHERE c.conversation_id = $1 AND p.identity = $2`, w.Conversation, w.Alice.ID).
		Scan(&started, &ended, &joined, &left)
	if err != nil {
		t.Fatal(err)
	}
	if started.Unix() != 100 || joined.Unix() != 101 || left.Unix() != 160 || ended.Unix() != 170 {
		t.Fatalf("recorded %v %v %v %v", started, joined, left, ended)
	}
	if len(rec.events) != 4 || rec.events[1] != "conversation:"+w.Conversation+" call.participant_joined" {
		t.Fatalf("announced %v", rec.events)
	}
}

// webhookServer serves s's routes without the edge's channel, as a plain
// handler, so the test can give it an Announcer.
func webhookServer(t *testing.T, a *app.App, ann calls.Announcer) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	calls.New(a, ann).Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}
