package embed

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"
)

// TestAnnouncementDuringFetchIsNotLost announces a change to an embed while
// the edge is fetching its allowlist from the core: the answer of that fetch
// may predate the change, so it serves the request in flight but is not
// cached, and the next request fetches the new list. The core here is a
// stand-in that holds its first answer until the announcement is applied,
// the interleaving a real core cannot be made to show on demand.
func TestAnnouncementDuringFetchIsNotLost(t *testing.T) {
	id := uuid.NewString()
	started, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	core := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		origin := "https://new.example"
		if calls.Add(1) == 1 {
			close(started)
			<-release
			origin = "https://old.example"
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"id":%q,"tenant_id":"t","room":"r","origins":[%q]}`, id, origin)
	}))
	defer core.Close()
	a, err := newAllowlists(allowlistOptions{
		base: core.URL, client: core.Client(), redisURL: "redis://127.0.0.1:1/0",
		ttl: time.Minute, max: 10, now: time.Now, log: zap.NewNop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.close() }()

	first := make(chan *allowlist, 1)
	go func() {
		al, err := a.get(context.Background(), id)
		if err != nil {
			t.Error(err)
		}
		first <- al
	}()
	<-started
	a.apply(fmt.Sprintf(`{"id":%q}`, id))
	close(release)
	if al := <-first; al == nil || al.Origins[0] != "https://old.example" {
		t.Fatalf("the request in flight got %+v", al)
	}
	al, err := a.get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if al.Origins[0] != "https://new.example" || calls.Load() != 2 {
		t.Fatalf("after the announcement: origins %v after %d fetches, want the new list from a second fetch",
			al.Origins, calls.Load())
	}
	// the second answer came after the announcement and is cached
	if _, err := a.get(context.Background(), id); err != nil || calls.Load() != 2 {
		t.Fatalf("the list fetched after the announcement was not cached: %d fetches, %v", calls.Load(), err)
	}
}
