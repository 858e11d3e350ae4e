package attachments_test

import (
	"bytes"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kernelwork/kernelwork/core/conversations/convtest"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// TestUploadAndDownload uploads through a presigned POST to the running
// store, completes, attaches the file to a message, and downloads it through
// a presigned GET as another member: the store serves it as an attachment
// with its safe content type.
func TestUploadAndDownload(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	data := bytes.Repeat([]byte("png!"), 64)
	up := mustUpload(t, c, w.Alice, w.Conversation, "diagram \"v2\".png", "image/png", len(data))
	if !strings.Contains(up.Fields["key"], "tenants/"+w.Alice.TenantID+"/") {
		t.Fatalf("key %q is not under the tenant's prefix", up.Fields["key"])
	}
	if code, body := post(t, up.URL, up.Fields, data); code/100 != 2 {
		t.Fatalf("upload refused: %d %s", code, body)
	}
	if code, body := complete(t, c, w.Alice, w.Conversation, up.Attachment.ID); code != 200 {
		t.Fatalf("complete: %d %s", code, body)
	}
	if code, _ := postMessage(t, c, w.Alice, w.Conversation, up.Attachment.ID); code != 201 {
		t.Fatalf("post message: %d", code)
	}
	code, d := download(t, c, w.Bob, w.Conversation, up.Attachment.ID)
	if code != 200 {
		t.Fatalf("download URL: %d", code)
	}
	status, header, got := fetch(t, d.URL)
	if status != 200 || !bytes.Equal(got, data) {
		t.Fatalf("download: %d, %d bytes", status, len(got))
	}
	cd := header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "diagram") {
		t.Fatalf("Content-Disposition %q does not force download", cd)
	}
	if ct := header.Get("Content-Type"); ct != "image/png" {
		t.Fatalf("Content-Type %q, want image/png", ct)
	}
}

// TestActiveContentDownloadsAsOctetStream stores an HTML file; its download
// is served as application/octet-stream, so it cannot run as a page.
func TestActiveContentDownloadsAsOctetStream(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	data := []byte("<script>alert(1)</script>")
	up := mustUpload(t, c, w.Alice, w.Conversation, "x.html", "text/html", len(data))
	if code, body := post(t, up.URL, up.Fields, data); code/100 != 2 {
		t.Fatalf("upload: %d %s", code, body)
	}
	if code, _ := complete(t, c, w.Alice, w.Conversation, up.Attachment.ID); code != 200 {
		t.Fatalf("complete: %d", code)
	}
	_, d := download(t, c, w.Alice, w.Conversation, up.Attachment.ID)
	_, header, _ := fetch(t, d.URL)
	if ct := header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Fatalf("Content-Type %q, want application/octet-stream", ct)
	}
}

// TestStoreRefusesOutsideThePolicy shows the store itself refusing uploads
// that break the presigned policy: more bytes than declared, another content
// type, another key, or after expiry. Nothing is stored and the core refuses
// to complete them.
func TestStoreRefusesOutsideThePolicy(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	data := []byte("0123456789")
	cases := []struct {
		name   string
		alter  func(f map[string]string)
		data   []byte
		before func()
		reason string
	}{
		{name: "over size", data: append(bytes.Clone(data), 'x'), reason: "EntityTooLarge"},
		{name: "under size", data: data[:5], reason: "EntityTooSmall"},
		{
			name: "other content type", data: data, reason: "$Content-Type",
			alter: func(f map[string]string) { f["Content-Type"] = "text/html" },
		},
		{name: "other key", data: data, reason: "$key", alter: func(f map[string]string) {
			f["key"] = strings.Replace(f["key"], w.Alice.TenantID, w.Mallory.TenantID, 1)
		}},
		{name: "expired", data: data, reason: "Policy expired", before: func() {
			a.Now = func() time.Time { return time.Now().Add(-time.Hour) }
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a.Now = time.Now
			if tc.before != nil {
				tc.before()
			}
			up := mustUpload(t, c, w.Alice, w.Conversation, "f.png", "image/png", len(data))
			a.Now = time.Now
			fields := up.Fields
			if tc.alter != nil {
				tc.alter(fields)
			}
			code, body := post(t, up.URL, fields, tc.data)
			body = html.UnescapeString(body)
			if code/100 == 2 || !strings.Contains(body, tc.reason) {
				t.Fatalf("the store answered %d %s, want a refusal for %q", code, body, tc.reason)
			}
			if code, _ := complete(t, c, w.Alice, w.Conversation, up.Attachment.ID); code == 200 {
				t.Fatal("the core completed an upload the store refused")
			}
		})
	}
}

// TestUploadLimits refuses a declaration over KW_ATTACHMENT_MAX_SIZE, one
// that would exceed the tenant's quota, and malformed content types.
func TestUploadLimits(t *testing.T) {
	a := coretest.NewApp(t, map[string]string{
		"KW_ATTACHMENT_MAX_SIZE": "1000", "KW_ATTACHMENT_TENANT_QUOTA": "1500",
	})
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	cases := []struct {
		name, ct string
		size     int
		want     int
	}{
		{"over max size", "image/png", 1001, http.StatusRequestEntityTooLarge},
		{"within limits", "image/png", 1000, http.StatusCreated},
		{"over quota", "image/png", 501, http.StatusInsufficientStorage},
		{"fits quota", "image/png", 500, http.StatusCreated},
		{"parameters", "text/plain; charset=utf-8", 1, http.StatusBadRequest},
		{"two slashes", "image/png/x", 1, http.StatusBadRequest},
		{"no subtype", "image", 1, http.StatusBadRequest},
		{"zero size", "image/png", 0, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _ := requestUpload(t, c, w.Alice, w.Conversation, "f", tc.ct, tc.size)
			if code != tc.want {
				t.Fatalf("got %d, want %d", code, tc.want)
			}
		})
	}
}

// TestNonMemberGetsNoURL: neither a user of the tenant who is not a member
// nor a user of another tenant gets an upload or a download URL.
func TestNonMemberGetsNoURL(t *testing.T) {
	a := coretest.NewApp(t, nil)
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	up := mustUpload(t, c, w.Alice, w.Conversation, "f.png", "image/png", 4)
	if code, _ := post(t, up.URL, up.Fields, []byte("abcd")); code/100 != 2 {
		t.Fatal("upload failed")
	}
	if code, _ := complete(t, c, w.Alice, w.Conversation, up.Attachment.ID); code != 200 {
		t.Fatal("complete failed")
	}
	if code, _ := postMessage(t, c, w.Alice, w.Conversation, up.Attachment.ID); code != 201 {
		t.Fatal("post failed")
	}
	for _, u := range []convtest.User{w.Carol, w.Mallory} {
		if code, _ := requestUpload(t, c, u, w.Conversation, "f", "image/png", 4); code != 404 {
			t.Errorf("%s asks to upload: %d, want 404", u.Name, code)
		}
		if code, _ := download(t, c, u, w.Conversation, up.Attachment.ID); code != 404 {
			t.Errorf("%s asks to download: %d, want 404", u.Name, code)
		}
		if code, _ := complete(t, c, u, w.Conversation, up.Attachment.ID); code != 404 {
			t.Errorf("%s completes: %d, want 404", u.Name, code)
		}
	}
}

// TestPublicEndpoint: with KW_S3_PUBLIC_ENDPOINT, presigned URLs name the
// public host, and the store accepts uploads and downloads through it.
func TestPublicEndpoint(t *testing.T) {
	env := coretest.StackEnv(t)
	public := strings.Replace(env["KW_S3_ENDPOINT"], "127.0.0.1", "localhost", 1)
	a := coretest.NewApp(t, map[string]string{"KW_S3_PUBLIC_ENDPOINT": public})
	c := coretest.StartCore(t, a)
	w := convtest.New(t, a)
	data := []byte("hello")
	up := mustUpload(t, c, w.Alice, w.Conversation, "a.txt", "text/plain", len(data))
	if !strings.HasPrefix(up.URL, public) {
		t.Fatalf("upload URL %s is not on %s", up.URL, public)
	}
	if code, body := post(t, up.URL, up.Fields, data); code/100 != 2 {
		t.Fatalf("upload: %d %s", code, body)
	}
	complete(t, c, w.Alice, w.Conversation, up.Attachment.ID)
	_, d := download(t, c, w.Alice, w.Conversation, up.Attachment.ID)
	if status, _, got := fetch(t, d.URL); status != 200 || !strings.HasPrefix(d.URL, public) ||
		string(got) != "hello" {
		t.Fatalf("download %s: %d %q", d.URL, status, got)
	}
}
