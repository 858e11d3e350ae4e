package tokencheck

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestExtract(t *testing.T) {
	jwt := "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2ln"
	key := "kwk_0123456789abcdef_" + strings.Repeat("A", 38)
	cases := []struct {
		name    string
		target  string
		headers []string
		want    Credential
		err     *Error
	}{
		{"none", "/api/v1/x", nil, Credential{}, nil},
		{"bearer token", "/", []string{"Bearer " + jwt}, Credential{CredentialToken, jwt}, nil},
		{"bearer lowercase scheme", "/", []string{"bearer " + jwt}, Credential{CredentialToken, jwt}, nil},
		{"api key", "/", []string{"Bearer " + key}, Credential{CredentialAPIKey, key}, nil},
		{"two headers, different", "/", []string{"Bearer " + jwt, "Bearer other"}, Credential{}, ErrMultiple},
		{"two headers, same", "/", []string{"Bearer " + jwt, "Bearer " + jwt}, Credential{}, ErrMultiple},
		{"two in one header", "/", []string{"Bearer " + jwt + ", Bearer " + key}, Credential{}, ErrMultiple},
		{"two separated by space", "/", []string{"Bearer " + jwt + " " + key}, Credential{}, ErrMultiple},
		{"basic", "/", []string{"Basic dXNlcjpwYXNz"}, Credential{}, ErrScheme},
		{"scheme only", "/", []string{"Bearer"}, Credential{}, ErrScheme},
		{"empty token", "/", []string{"Bearer "}, Credential{}, ErrScheme},
		{"bad characters", "/", []string{"Bearer a\"b"}, Credential{}, ErrScheme},
		{"padding in the middle", "/", []string{"Bearer ab=c"}, Credential{}, ErrScheme},
		{"query access_token", "/x?access_token=" + jwt, nil, Credential{}, ErrInQuery},
		{"query ACCESS_TOKEN", "/x?ACCESS_TOKEN=" + jwt, nil, Credential{}, ErrInQuery},
		{"query api_key with header", "/x?api_key=" + key, []string{"Bearer " + jwt}, Credential{}, ErrInQuery},
		{"query apikey", "/x?a=1&apiKey=" + key, nil, Credential{}, ErrInQuery},
		{"other query", "/x?page=2", []string{"Bearer " + jwt}, Credential{CredentialToken, jwt}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", c.target, nil)
			for _, h := range c.headers {
				r.Header.Add("Authorization", h)
			}
			got, err := Extract(r)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add("Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2ln", "")
	f.Add("Bearer kwk_0123456789abcdef_x", "Bearer y")
	f.Add("bearer  a", "")
	f.Add("Basic x", "")
	f.Fuzz(func(t *testing.T, a, b string) {
		values := []string{a}
		if b != "" {
			values = append(values, b)
		}
		c, err := ParseAuthorization(values)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 {
				t.Fatalf("error %v is not a 400 *Error", err)
			}
			return
		}
		if len(values) > 1 {
			t.Fatal("two headers accepted")
		}
		if c.Kind != CredentialNone && (c.Value == "" || !isToken68(c.Value) ||
			!strings.HasSuffix(a, c.Value) || strings.ContainsAny(c.Value, " ,")) {
			t.Fatalf("accepted %q from %q", c.Value, a)
		}
	})
}

func FuzzExtractQuery(f *testing.F) {
	f.Add("access_token=x")
	f.Add("a=1&b=2")
	f.Add("%61ccess_token=x")
	f.Fuzz(func(t *testing.T, q string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.RawQuery = q
		_, err := Extract(r)
		if err == nil {
			for name := range r.URL.Query() {
				for _, n := range queryCredentialNames {
					if strings.EqualFold(name, n) {
						t.Fatalf("query %q with %s accepted", q, name)
					}
				}
			}
		}
	})
}

// FuzzVerify feeds arbitrary strings to the verifier: it never panics and
// never accepts anything but a correctly signed token.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	valid := fx.valid()
	f.Add(valid)
	f.Add(strings.Repeat(".", 10))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := fx.v.Verify(t.Context(), s); err == nil && s != valid {
			t.Fatalf("accepted %q", s)
		}
	})
}
