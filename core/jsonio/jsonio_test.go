package jsonio

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	cases := []struct {
		name, body string
		ok         bool
	}{
		{"object", `{"a":"x"}`, true},
		{"unknown field", `{"a":"x","b":1}`, false},
		{"two values", `{"a":"x"}{}`, false},
		{"not json", `a=x`, false},
		{"too large", `{"a":"` + strings.Repeat("x", MaxBody) + `"}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var v struct{ A string }
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
			err := Decode(httptest.NewRecorder(), r, &v)
			if (err == nil) != tc.ok {
				t.Fatalf("Decode(%.20q) = %v, want ok=%v", tc.body, err, tc.ok)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(`{"a":"x"}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		var v struct{ A string }
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		_ = Decode(httptest.NewRecorder(), r, &v)
	})
}
