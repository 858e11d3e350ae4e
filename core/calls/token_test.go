package calls_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/livekit/protocol/auth"

	"github.com/kernelwork/kernelwork/core/conversations/convtest"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// TestTokenJoinsTheRoom: a member's token is accepted by the running
// livekit-server, which then lists the member in the conversation's room;
// the token carries only join, publish, subscribe and data grants for that
// one room, with the configured lifetime.
func TestTokenJoinsTheRoom(t *testing.T) {
	a := coretest.NewApp(t, map[string]string{"KW_CALL_TOKEN_TTL": "2m"})
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	code, j := askToken(t, c, w.Alice, "", w.Conversation)
	if code != 200 {
		t.Fatalf("token: %d", code)
	}
	if j.Room != w.Conversation || j.URL != a.Config.LiveKit.URL.String() {
		t.Fatalf("join = %+v", j)
	}
	v, err := auth.ParseAPIToken(j.Token)
	if err != nil {
		t.Fatal(err)
	}
	claims, grants, err := v.Verify(a.Config.LiveKit.APISecret)
	if err != nil {
		t.Fatal(err)
	}
	if ttl := claims.ExpiresAt.Sub(claims.IssuedAt.Time); ttl != 2*time.Minute {
		t.Fatalf("lifetime %s, want 2m", ttl)
	}
	g := grants.Video
	if grants.Identity != w.Alice.ID || grants.Name != "Alice" || !g.RoomJoin ||
		g.Room != w.Conversation || g.RoomAdmin || g.RoomCreate || g.RoomList || g.RoomRecord ||
		g.Hidden || g.Recorder || g.Agent || g.IngressAdmin || !g.GetCanPublish() ||
		!g.GetCanSubscribe() || !g.GetCanPublishData() || g.DestinationRoom != "" {
		t.Fatalf("grants = %+v, video %+v", grants, g)
	}
	if _, err := connect(t, a, j.Token); err != nil {
		t.Fatalf("livekit-server refused the core's token: %v", err)
	}
	if !participants(t, a, w.Conversation)[w.Alice.ID] {
		t.Fatal("alice is not in the room")
	}
}

// TestExpiredOrTamperedTokenRefused: livekit-server refuses a token past its
// expiry, one whose claims were changed, and one with a broken signature.
func TestExpiredOrTamperedTokenRefused(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	_, good := askToken(t, c, w.Alice, "", w.Conversation)
	a.Now = func() time.Time { return time.Now().Add(-time.Hour) }
	_, old := askToken(t, c, w.Alice, "", w.Conversation)
	a.Now = time.Now

	parts := strings.Split(good.Token, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	other := convtest.Conversation(t, a, w.Workspace, w.Carol)
	forged := strings.Replace(string(payload), w.Conversation, other, 1)
	cases := []struct{ name, token, reason string }{
		{"expired", old.Token, "token is expired"},
		{"claims changed", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(forged)) +
			"." + parts[2], "signature is invalid"},
		{"bad signature", parts[0] + "." + parts[1] + "." + flip(parts[2]), "signature is invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := connect(t, a, tc.token)
			if err == nil || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("livekit-server answered %v, want a refusal for %q", err != nil, tc.reason)
			}
		})
	}
}

// flip changes the first character of a base64url string.
func flip(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

// TestNonMemberGetsNoCredentials: a user of the tenant who is not a member
// and a user of another tenant get 404 for call tokens and TURN credentials.
func TestNonMemberGetsNoCredentials(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	for _, u := range []convtest.User{w.Carol, w.Mallory} {
		for _, path := range []string{"/call/token", "/call/turn"} {
			resp, _ := c.Do(t, "POST", "/api/v1/conversations/"+w.Conversation+path,
				u.Identity(""), nil)
			if resp.StatusCode != 404 {
				t.Errorf("%s %s: %d, want 404", u.Name, path, resp.StatusCode)
			}
		}
	}
}
