package attachments

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/encrypt"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/coretest"
)

func postForm(t *testing.T, u string, fields map[string]string, ctype string, data []byte) (int, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if ctype != "" {
		w.WriteField("Content-Type", ctype)
	}
	fw, _ := w.CreateFormFile("file", "x.bin")
	fw.Write(data)
	w.Close()
	resp, err := http.Post(u, w.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b)
}

func TestProbe(t *testing.T) {
	cfg := coretest.Config(t, nil)
	cl, err := app.NewS3(cfg.S3)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := minio.NewPostPolicy()
	p.SetBucket(cfg.S3.Bucket)
	p.SetKey("probe/a")
	p.SetContentLengthRange(1, 10)
	p.SetContentType("image/png")
	p.SetExpires(time.Now().Add(time.Minute))
	u, form, err := cl.PresignedPostPolicy(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(u, form)
	c, b := postForm(t, u.String(), form, "image/png", []byte("12345"))
	fmt.Println("ok case", c, b)
	c, b = postForm(t, u.String(), form, "image/png", bytes.Repeat([]byte("x"), 100))
	fmt.Println("too big", c, b)
	c, b = postForm(t, u.String(), form, "text/html", []byte("12345"))
	fmt.Println("other type", c, b)
	f2 := map[string]string{}
	for k, v := range form {
		f2[k] = v
	}
	f2["key"] = "probe/b"
	c, b = postForm(t, u.String(), f2, "image/png", []byte("12345"))
	fmt.Println("other key", c, b)
	st, err := cl.StatObject(ctx, cfg.S3.Bucket, "probe/a", minio.StatObjectOptions{})
	fmt.Println(st.Size, st.ContentType, err)
	_, err = cl.StatObject(ctx, cfg.S3.Bucket, "probe/b", minio.StatObjectOptions{})
	fmt.Println("b:", err)

	// presigned PUT with signed headers
	h := http.Header{}
	h.Set("Content-Type", "image/png")
	h.Set("Content-Length", "5")
	pu, err := cl.PresignHeader(ctx, "PUT", cfg.S3.Bucket, "probe/c", time.Minute, nil, h)
	fmt.Println(pu, err)
	put := func(ct string, body []byte) {
		req, _ := http.NewRequest("PUT", pu.String(), bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		bb, _ := io.ReadAll(resp.Body)
		fmt.Println("put", ct, len(body), resp.StatusCode, strings.TrimSpace(string(bb))[:min(200, len(bb))])
	}
	put("image/png", []byte("12345"))
	put("image/png", []byte("1234567890"))
	put("text/html", []byte("12345"))

	// SSE
	_, err = cl.PutObject(ctx, cfg.S3.Bucket, "probe/sse", strings.NewReader("x"), 1, minio.PutObjectOptions{ServerSideEncryption: encrypt.NewSSE()})
	fmt.Println("sse-s3 put:", err)
	st, err = cl.StatObject(ctx, cfg.S3.Bucket, "probe/sse", minio.StatObjectOptions{})
	fmt.Println("sse-s3 stat:", st.Metadata, err)
}
