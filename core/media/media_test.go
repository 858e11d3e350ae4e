package media_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kernelwork/kernelwork/core/conversations/convtest"
	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/media"
)

// TestStartRefusesSSETheStoreCannotDo: with KW_S3_SSE=sse-s3 against
// versitygw's posix backend, which ignores the header, the core does not
// start.
func TestStartRefusesSSETheStoreCannotDo(t *testing.T) {
	a := coretest.NewApp(t, map[string]string{"KW_S3_SSE": "sse-s3"})
	err := media.Start(t.Context(), a)
	if err == nil || !strings.Contains(err.Error(), "cannot do SSE-S3") {
		t.Fatalf("Start = %v, want a refusal naming SSE-S3", err)
	}
}

// TestStartRunsTheBackgroundWork starts the planes and checks that an
// abandoned upload row disappears through the sweeper and an old call grant
// through pruning, both on their first pass.
func TestStartRunsTheBackgroundWork(t *testing.T) {
	a := coretest.NewApp(t, nil)
	w := convtest.New(t, a)
	ctx := context.Background()
	old := time.Now().Add(-48 * time.Hour)
	_, err := a.DB.Exec(ctx, `INSERT INTO attachments (tenant_id, conversation_id, uploader_id,
		object_key, file_name, content_type, size, state, upload_expires_at)
		VALUES ($1, $2, $3, 'tenants/x/abandoned', 'f', 'image/png', 1, 'pending', $4)`,
		w.Alice.TenantID, w.Conversation, w.Alice.ID, old)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.DB.Exec(ctx, `INSERT INTO call_grants (session_id, conversation_id, identity,
		expires_at) VALUES ($1, $2, $3, $4)`, uuid.NewString(), w.Conversation, w.Alice.ID, old)
	if err != nil {
		t.Fatal(err)
	}
	if err := media.Start(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		_ = a.DB.QueryRow(ctx, `SELECT (SELECT count(*) FROM attachments) +
			(SELECT count(*) FROM call_grants)`).Scan(&n)
		if n == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the abandoned upload or the old grant is still there")
}
