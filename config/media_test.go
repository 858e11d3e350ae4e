package config

import (
	"strings"
	"testing"
)

// TestSSEModes accepts none and sse-s3, and refuses sse-c and anything else
// with an error naming KW_S3_SSE.
func TestSSEModes(t *testing.T) {
	cases := []struct {
		value, wantErr string
	}{
		{"none", ""},
		{"sse-s3", ""},
		{"sse-c", "sse-c is refused"},
		{"aws:kms", "must be none or sse-s3"},
	}
	for _, tc := range cases {
		t.Run(tc.value, func(t *testing.T) {
			l := NewLoader(func(k string) (string, bool) {
				if k == "KW_S3_SSE" {
					return tc.value, true
				}
				return "", false
			})
			a := loadAttachments(l)
			err := l.Err()
			if tc.wantErr == "" {
				if err != nil || a.SSE != tc.value {
					t.Fatalf("KW_S3_SSE=%s: %v", tc.value, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "KW_S3_SSE "+tc.wantErr) {
				t.Fatalf("KW_S3_SSE=%s: %v, want %q", tc.value, err, tc.wantErr)
			}
		})
	}
}
