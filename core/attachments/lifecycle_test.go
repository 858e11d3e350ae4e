package attachments_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/attachments"
	"github.com/kernelwork/kernelwork/core/conversations/convtest"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// objectExists stats key in the running store.
func objectExists(t *testing.T, a *app.App, key string) bool {
	t.Helper()
	cl, err := app.NewS3(a.Config.S3)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cl.StatObject(context.Background(), a.Config.S3.Bucket, key, minio.StatObjectOptions{})
	if err != nil && minio.ToErrorResponse(err).StatusCode != 404 {
		t.Fatal(err)
	}
	return err == nil
}

// TestOnlyCheckedOwnUploadsAttach: a message may not reference an upload that
// was not completed, another member's upload, or one already attached.
func TestOnlyCheckedOwnUploadsAttach(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	pending := mustUpload(t, c, w.Alice, w.Conversation, "a.png", "image/png", 4)
	if code, _ := post(t, pending.URL, pending.Fields, []byte("abcd")); code/100 != 2 {
		t.Fatal("upload failed")
	}
	if code, _ := postMessage(t, c, w.Alice, w.Conversation, pending.Attachment.ID); code != 422 {
		t.Fatalf("attaching an unchecked upload: %d, want 422", code)
	}
	if code, _ := complete(t, c, w.Alice, w.Conversation, pending.Attachment.ID); code != 200 {
		t.Fatal("complete failed")
	}
	if code, _ := postMessage(t, c, w.Bob, w.Conversation, pending.Attachment.ID); code != 422 {
		t.Fatalf("bob attaches alice's upload: %d, want 422", code)
	}
	if code, _ := postMessage(t, c, w.Alice, w.Conversation, pending.Attachment.ID); code != 201 {
		t.Fatal("alice attaches her upload")
	}
	if code, _ := postMessage(t, c, w.Alice, w.Conversation, pending.Attachment.ID); code != 422 {
		t.Fatalf("attaching it twice: %d, want 422", code)
	}
	never := mustUpload(t, c, w.Alice, w.Conversation, "b.png", "image/png", 4)
	if code, _ := complete(t, c, w.Alice, w.Conversation, never.Attachment.ID); code != 409 {
		t.Fatalf("completing without an upload: %d, want 409", code)
	}
}

// TestMismatchIsDiscarded: an object whose content type differs from the
// declaration (uploaded with the core's own credentials, since the store's
// policy stops clients) fails the check and is swept at once.
func TestMismatchIsDiscarded(t *testing.T) {
	a := coretest.NewApp(t, map[string]string{"KW_ATTACHMENT_DELETE_DELAY": "0s"})
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	up := mustUpload(t, c, w.Alice, w.Conversation, "a.png", "image/png", 4)
	cl, _ := app.NewS3(a.Config.S3)
	_, err := cl.PutObject(context.Background(), a.Config.S3.Bucket, up.Fields["key"],
		strings.NewReader("abcd"), 4, minio.PutObjectOptions{ContentType: "text/html"})
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := complete(t, c, w.Alice, w.Conversation, up.Attachment.ID); code != 422 {
		t.Fatalf("complete of a mismatching object: %d, want 422", code)
	}
	s, _ := attachments.New(a)
	if _, err := s.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	if objectExists(t, a, up.Fields["key"]) {
		t.Fatal("the mismatching object is still stored")
	}
}

// TestDeletedMessageAttachmentsGoAfterTheDelay: deleting a message stops
// downloads at once; its objects stay until KW_ATTACHMENT_DELETE_DELAY has
// passed, then the sweeper removes them.
func TestDeletedMessageAttachmentsGoAfterTheDelay(t *testing.T) {
	a := coretest.NewApp(t, map[string]string{"KW_ATTACHMENT_DELETE_DELAY": "1h"})
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	up := mustUpload(t, c, w.Alice, w.Conversation, "a.png", "image/png", 4)
	post(t, up.URL, up.Fields, []byte("abcd"))
	complete(t, c, w.Alice, w.Conversation, up.Attachment.ID)
	code, msg := postMessage(t, c, w.Alice, w.Conversation, up.Attachment.ID)
	if code != 201 {
		t.Fatal("post failed")
	}
	resp, _ := c.Do(t, "DELETE", "/api/v1/conversations/"+w.Conversation+"/messages/"+msg,
		w.Alice.Identity(""), nil)
	if resp.StatusCode != 204 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if code, _ := download(t, c, w.Bob, w.Conversation, up.Attachment.ID); code != 404 {
		t.Fatalf("download after deletion: %d, want 404", code)
	}
	s, _ := attachments.New(a)
	sweepAt(t, s, a, time.Now().Add(59*time.Minute))
	if !objectExists(t, a, up.Fields["key"]) {
		t.Fatal("removed before the delay")
	}
	sweepAt(t, s, a, time.Now().Add(61*time.Minute))
	if objectExists(t, a, up.Fields["key"]) {
		t.Fatal("still stored after the delay")
	}
}

// TestAbandonedUploadIsRemoved: an object uploaded but never completed is
// removed once its upload expired and CompleteGrace passed.
func TestAbandonedUploadIsRemoved(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	up := mustUpload(t, c, w.Alice, w.Conversation, "a.png", "image/png", 4)
	if code, _ := post(t, up.URL, up.Fields, []byte("abcd")); code/100 != 2 {
		t.Fatal("upload failed")
	}
	s, _ := attachments.New(a)
	sweepAt(t, s, a, time.Now().Add(a.Config.Attachments.UploadTTL))
	if !objectExists(t, a, up.Fields["key"]) {
		t.Fatal("removed while it could still be completed")
	}
	sweepAt(t, s, a, time.Now().Add(a.Config.Attachments.UploadTTL+attachments.CompleteGrace+time.Minute))
	if objectExists(t, a, up.Fields["key"]) {
		t.Fatal("abandoned upload still stored")
	}
	a.Now = time.Now
	if code, _ := complete(t, c, w.Alice, w.Conversation, up.Attachment.ID); code != 404 {
		t.Fatalf("completing a swept upload: %d, want 404", code)
	}
}

// sweepAt runs one sweep with the clock at now.
func sweepAt(t *testing.T, s *attachments.Service, a *app.App, now time.Time) {
	t.Helper()
	a.Now = func() time.Time { return now }
	if _, err := s.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestSSEThatTheStoreCannotDoIsRefused: versitygw's posix backend accepts an
// SSE-S3 header and stores the object unencrypted; CheckStore sees it and
// refuses to start rather than ignore the setting.
func TestSSEThatTheStoreCannotDoIsRefused(t *testing.T) {
	a := coretest.NewApp(t, map[string]string{"KW_S3_SSE": "sse-s3"})
	s, _ := attachments.New(a)
	err := s.CheckStore(context.Background())
	if err == nil || !strings.Contains(err.Error(), "cannot do SSE-S3") {
		t.Fatalf("CheckStore = %v, want a refusal", err)
	}
	plain := coretest.NewApp(t, nil)
	s, _ = attachments.New(plain)
	if err := s.CheckStore(context.Background()); err != nil {
		t.Fatalf("CheckStore without SSE: %v", err)
	}
}

// TestUnattachedUploadIsRemoved: a checked upload that no message references
// is removed UnattachedRetention after its upload expired.
func TestUnattachedUploadIsRemoved(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	up := mustUpload(t, c, w.Alice, w.Conversation, "a.png", "image/png", 4)
	post(t, up.URL, up.Fields, []byte("abcd"))
	if code, _ := complete(t, c, w.Alice, w.Conversation, up.Attachment.ID); code != 200 {
		t.Fatal("complete failed")
	}
	s, _ := attachments.New(a)
	ttl := a.Config.Attachments.UploadTTL
	sweepAt(t, s, a, time.Now().Add(ttl+attachments.UnattachedRetention-time.Minute))
	if !objectExists(t, a, up.Fields["key"]) {
		t.Fatal("removed before UnattachedRetention")
	}
	sweepAt(t, s, a, time.Now().Add(ttl+attachments.UnattachedRetention+time.Minute))
	if objectExists(t, a, up.Fields["key"]) {
		t.Fatal("an unattached upload is still stored")
	}
}
