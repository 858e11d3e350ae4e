package tokencheck

import (
	"net/http"
	"net/url"
	"strings"
)

// APIKeyPrefix starts every KernelWork API key; a bearer credential with it
// is an API key, any other is an access token.
const APIKeyPrefix = "kwk_"

// Credential kinds returned by Extract.
const (
	CredentialNone   = ""
	CredentialToken  = "token"
	CredentialAPIKey = "api_key"
)

// Credential is what a request presents: its kind and its raw value.
type Credential struct {
	Kind  string
	Value string
}

// queryCredentialNames are query parameters that would carry a credential
// (RFC 6750 section 2.3 and the usual API-key spellings). Compared
// case-insensitively.
var queryCredentialNames = []string{"access_token", "api_key", "apikey"}

// Extract returns the request's credential from its Authorization header.
// It refuses a credential in the query string (ErrInQuery), more than one
// Authorization header or credential (ErrMultiple), and anything but a
// single "Bearer <token68>" (ErrScheme). A request without credentials
// returns CredentialNone and no error.
func Extract(r *http.Request) (Credential, error) {
	if err := checkQuery(r.URL.RawQuery); err != nil {
		return Credential{}, err
	}
	return ParseAuthorization(r.Header.Values("Authorization"))
}

func checkQuery(raw string) error {
	if raw == "" {
		return nil
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return ErrInQuery.with(err)
	}
	for name := range q {
		for _, c := range queryCredentialNames {
			if strings.EqualFold(name, c) {
				return ErrInQuery
			}
		}
	}
	return nil
}

// ParseAuthorization parses the values of the Authorization header.
func ParseAuthorization(values []string) (Credential, error) {
	switch {
	case len(values) == 0:
		return Credential{}, nil
	case len(values) > 1:
		return Credential{}, ErrMultiple
	}
	scheme, tok, ok := strings.Cut(values[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return Credential{}, ErrScheme
	}
	if strings.ContainsAny(tok, ", \t") {
		return Credential{}, ErrMultiple
	}
	if tok == "" || !isToken68(tok) {
		return Credential{}, ErrScheme
	}
	if strings.HasPrefix(tok, APIKeyPrefix) {
		return Credential{Kind: CredentialAPIKey, Value: tok}, nil
	}
	return Credential{Kind: CredentialToken, Value: tok}, nil
}

// isToken68 reports whether s matches RFC 6750's b64token:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isToken68(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && !strings.ContainsRune("-._~+/", rune(c)) {
			break
		}
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}
