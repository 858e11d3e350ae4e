package conversations_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/kernelwork/kernelwork/core/conversations"
	"github.com/kernelwork/kernelwork/core/conversations/convtest"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// TestCreateAndAddMembers creates a conversation through the API and adds a
// workspace member; a user of another tenant cannot be added.
func TestCreateAndAddMembers(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)

	resp, body := c.Do(t, "POST", "/api/v1/workspaces/"+w.Workspace+"/conversations",
		w.Alice.Identity(""), map[string]any{"title": "plans", "members": []string{w.Bob.ID}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	var conv conversations.Conversation
	if err := json.Unmarshal(body, &conv); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/conversations/" + conv.ID
	if resp, body := c.Do(t, "GET", path, w.Bob.Identity(""), nil); resp.StatusCode != 200 {
		t.Fatalf("bob reads: %d %s", resp.StatusCode, body)
	}
	if resp, _ := c.Do(t, "GET", path, w.Carol.Identity(""), nil); resp.StatusCode != 404 {
		t.Fatalf("carol (not a member) reads: %d, want 404", resp.StatusCode)
	}
	resp, _ = c.Do(t, "POST", path+"/members", w.Bob.Identity(""),
		map[string]string{"user_id": w.Carol.ID})
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("add carol: %d", resp.StatusCode)
	}
	if resp, _ := c.Do(t, "GET", path, w.Carol.Identity(""), nil); resp.StatusCode != 200 {
		t.Fatalf("carol after being added: %d", resp.StatusCode)
	}
	resp, _ = c.Do(t, "POST", path+"/members", w.Bob.Identity(""),
		map[string]string{"user_id": w.Mallory.ID})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("add a user of another tenant: %d, want 422", resp.StatusCode)
	}
}

// TestOtherTenantGets404 shows that a user of another tenant, even one
// claiming a workspace of the first tenant, sees nothing: every route answers
// 404, as for a conversation that does not exist.
func TestOtherTenantGets404(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	mallory := w.Mallory.Identity("")
	p := "/api/v1/conversations/" + w.Conversation
	cases := []struct {
		name, method, path string
		body               any
	}{
		{"read", "GET", p, nil},
		{"add member", "POST", p + "/members", map[string]string{"user_id": w.Mallory.ID}},
		{"remove member", "DELETE", p + "/members/" + w.Bob.ID, nil},
		{"post", "POST", p + "/messages", map[string]any{"body": "hi"}},
		{"create in their workspace", "POST", "/api/v1/workspaces/" + w.Workspace +
			"/conversations", map[string]any{"title": "x"}},
		{"malformed id", "GET", "/api/v1/conversations/not-a-uuid", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := c.Do(t, tc.method, tc.path, mallory, tc.body)
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("%s %s: %d %s, want 404", tc.method, tc.path, resp.StatusCode, body)
			}
		})
	}
}

// TestMessagesAndRemoval posts and deletes messages; only the author deletes,
// only the creator or an admin removes someone else, and anyone may leave.
func TestMessagesAndRemoval(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	p := "/api/v1/conversations/" + w.Conversation
	resp, body := c.Do(t, "POST", p+"/messages", w.Bob.Identity(""), map[string]any{"body": "hi"})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("post: %d %s", resp.StatusCode, body)
	}
	var m conversations.Message
	_ = json.Unmarshal(body, &m)
	if resp, _ := c.Do(t, "DELETE", p+"/messages/"+m.ID, w.Alice.Identity(""), nil); resp.StatusCode != 404 {
		t.Fatalf("alice deletes bob's message: %d, want 404", resp.StatusCode)
	}
	if resp, _ := c.Do(t, "DELETE", p+"/messages/"+m.ID, w.Bob.Identity(""), nil); resp.StatusCode != 204 {
		t.Fatalf("bob deletes his message: %d", resp.StatusCode)
	}
	if resp, _ := c.Do(t, "DELETE", p+"/members/"+w.Alice.ID, w.Bob.Identity(""), nil); resp.StatusCode != 403 {
		t.Fatalf("bob removes the creator: %d, want 403", resp.StatusCode)
	}
	if resp, _ := c.Do(t, "DELETE", p+"/members/"+w.Bob.ID, w.Bob.Identity(""), nil); resp.StatusCode != 204 {
		t.Fatalf("bob leaves: %d", resp.StatusCode)
	}
	if resp, _ := c.Do(t, "POST", p+"/messages", w.Bob.Identity(""), map[string]any{"body": "x"}); resp.StatusCode != 404 {
		t.Fatalf("former member posts: %d, want 404", resp.StatusCode)
	}
}

// TestOnlyUsers refuses callers that are not users with an access token.
func TestOnlyUsers(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	key := &coretest.Identity{Auth: "api_key", UserID: w.Alice.ID, TenantID: w.Alice.TenantID}
	for _, id := range []*coretest.Identity{nil, key} {
		resp, _ := c.Do(t, "GET", "/api/v1/conversations/"+w.Conversation, id, nil)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%v: %d, want 401", id, resp.StatusCode)
		}
	}
}

func FuzzValidID(f *testing.F) {
	f.Add("0b6f1f7e-4f7c-4f0e-9d53-1c1c2b1d2e3f")
	f.Add("0B6F1F7E-4F7C-4F0E-9D53-1C1C2B1D2E3F")
	f.Fuzz(func(t *testing.T, s string) {
		if conversations.ValidID(s) && len(s) != 36 {
			t.Fatalf("ValidID(%q) accepted a non-canonical form", s)
		}
	})
}
