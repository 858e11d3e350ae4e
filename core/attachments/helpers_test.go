package attachments_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/kernelwork/kernelwork/core/attachments"
	"github.com/kernelwork/kernelwork/core/conversations/convtest"
	"github.com/kernelwork/kernelwork/core/coretest"
)

// requestUpload asks the core, as u, to presign an upload.
func requestUpload(t *testing.T, c *coretest.Core, u convtest.User, conv, name, ct string,
	size int,
) (int, attachments.Upload) {
	t.Helper()
	resp, body := c.Do(t, "POST", "/api/v1/conversations/"+conv+"/attachments", u.Identity(""),
		map[string]any{"file_name": name, "content_type": ct, "size": size})
	var up attachments.Upload
	if resp.StatusCode == http.StatusCreated {
		if err := json.Unmarshal(body, &up); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, up
}

// mustUpload presigns an upload and fails the test unless the core agrees.
func mustUpload(t *testing.T, c *coretest.Core, u convtest.User, conv, name, ct string,
	size int,
) attachments.Upload {
	t.Helper()
	code, up := requestUpload(t, c, u, conv, name, ct, size)
	if code != http.StatusCreated {
		t.Fatalf("presigning upload: %d", code)
	}
	return up
}

// post sends the presigned POST form as a browser would, with fields (the
// store's, possibly altered) and data as the file; it returns the store's
// status and answer.
func post(t *testing.T, url string, fields map[string]string, data []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", "upload.bin")
	_, _ = fw.Write(data)
	_ = w.Close()
	resp, err := http.Post(url, w.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// complete asks the core to check the upload.
func complete(t *testing.T, c *coretest.Core, u convtest.User, conv, id string) (int, []byte) {
	t.Helper()
	resp, body := c.Do(t, "POST", "/api/v1/conversations/"+conv+"/attachments/"+id+"/complete",
		u.Identity(""), nil)
	return resp.StatusCode, body
}

// download asks the core for a download URL.
func download(t *testing.T, c *coretest.Core, u convtest.User, conv, id string) (int, attachments.Download) {
	t.Helper()
	resp, body := c.Do(t, "GET", "/api/v1/conversations/"+conv+"/attachments/"+id,
		u.Identity(""), nil)
	var d attachments.Download
	if resp.StatusCode == http.StatusOK {
		_ = json.Unmarshal(body, &d)
	}
	return resp.StatusCode, d
}

// postMessage posts a message with attachments as u.
func postMessage(t *testing.T, c *coretest.Core, u convtest.User, conv string, ids ...string) (int, string) {
	t.Helper()
	resp, body := c.Do(t, "POST", "/api/v1/conversations/"+conv+"/messages", u.Identity(""),
		map[string]any{"body": "see attached", "attachments": ids})
	var m struct{ ID string }
	_ = json.Unmarshal(body, &m)
	return resp.StatusCode, m.ID
}

// fetch GETs url and returns the status, the header and the body.
func fetch(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}
