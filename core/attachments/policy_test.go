package attachments_test

import (
	"mime"
	"strings"
	"testing"

	"github.com/kernelwork/kernelwork/core/attachments"
)

func TestSafeContentType(t *testing.T) {
	cases := map[string]string{
		"image/png": "image/png", "text/html": "application/octet-stream",
		"image/svg+xml": "application/octet-stream", "application/xhtml+xml": "application/octet-stream",
		"text/plain": "text/plain",
	}
	for in, want := range cases {
		if got := attachments.SafeContentType(in); got != want {
			t.Errorf("SafeContentType(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzContentDisposition(f *testing.F) {
	f.Add("report.pdf")
	f.Add("a\"b\r\nSet-Cookie: x")
	f.Add("naïve résumé.pdf")
	f.Fuzz(func(t *testing.T, name string) {
		cd := attachments.ContentDisposition(name)
		if strings.ContainsAny(cd, "\r\n\x00") {
			t.Fatalf("header injection: %q", cd)
		}
		disp, _, err := mime.ParseMediaType(cd)
		if err != nil || disp != "attachment" {
			t.Fatalf("ContentDisposition(%q) = %q: %v", name, cd, err)
		}
	})
}

func FuzzParseContentType(f *testing.F) {
	f.Add("image/png")
	f.Add("text/html; charset=utf-8")
	f.Fuzz(func(t *testing.T, ct string) {
		got, err := attachments.ParseContentType(ct)
		if err == nil && (strings.ContainsAny(got, " ;\r\n") || got != strings.ToLower(got)) {
			t.Fatalf("ParseContentType(%q) = %q", ct, got)
		}
	})
}
