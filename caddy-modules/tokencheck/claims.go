package tokencheck

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are the verified claims of an access token (docs/interfaces.md).
type Claims struct {
	Issuer    string
	Audience  []string
	Subject   string // user id
	SessionID string // sid
	TenantID  string // tid
	TokenID   string // jti
	KeyID     string // kid of the header
	IssuedAt  time.Time
	NotBefore time.Time // zero when the token has no nbf
	ExpiresAt time.Time
}

// rawClaims holds each claim undecoded, so that each is checked for its
// exact JSON type. It satisfies jwt.Claims; validation is ours.
type rawClaims struct {
	Iss json.RawMessage `json:"iss"`
	Aud json.RawMessage `json:"aud"`
	Sub json.RawMessage `json:"sub"`
	Sid json.RawMessage `json:"sid"`
	Tid json.RawMessage `json:"tid"`
	Jti json.RawMessage `json:"jti"`
	Iat json.RawMessage `json:"iat"`
	Nbf json.RawMessage `json:"nbf"`
	Exp json.RawMessage `json:"exp"`
}

func (*rawClaims) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }
func (*rawClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (*rawClaims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (*rawClaims) GetIssuer() (string, error)                   { return "", nil }
func (*rawClaims) GetSubject() (string, error)                  { return "", nil }
func (*rawClaims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// decode converts the raw claims, refusing a missing required claim or a
// claim of the wrong JSON type.
func (r *rawClaims) decode() (*Claims, error) {
	var c Claims
	var err error
	str := func(name string, raw json.RawMessage, dst *string) {
		if err == nil {
			*dst, err = requiredString(name, raw)
		}
	}
	str("iss", r.Iss, &c.Issuer)
	str("sub", r.Sub, &c.Subject)
	str("sid", r.Sid, &c.SessionID)
	str("tid", r.Tid, &c.TenantID)
	str("jti", r.Jti, &c.TokenID)
	if err != nil {
		return nil, err
	}
	if c.Audience, err = audience(r.Aud); err != nil {
		return nil, err
	}
	if c.IssuedAt, err = numericDate("iat", r.Iat, true); err != nil {
		return nil, err
	}
	if c.ExpiresAt, err = numericDate("exp", r.Exp, true); err != nil {
		return nil, err
	}
	if c.NotBefore, err = numericDate("nbf", r.Nbf, false); err != nil {
		return nil, err
	}
	return &c, nil
}

func requiredString(name string, raw json.RawMessage) (string, error) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil || s == "" {
		return "", fmt.Errorf("claim %s must be a non-empty string", name)
	}
	return s, nil
}

// audience accepts a string or an array of strings (RFC 7519 section 4.1.3).
func audience(raw json.RawMessage) ([]string, error) {
	if len(raw) > 0 && raw[0] == '"' {
		s, err := requiredString("aud", raw)
		return []string{s}, err
	}
	var list []string
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &list) != nil || len(list) == 0 {
		return nil, fmt.Errorf("claim aud must be a string or an array of strings")
	}
	return list, nil
}

// numericDate accepts only a JSON integer number of seconds.
func numericDate(name string, raw json.RawMessage, required bool) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		if required {
			return time.Time{}, fmt.Errorf("claim %s is required", name)
		}
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || n <= 0 || n > 1<<40 {
		return time.Time{}, fmt.Errorf("claim %s must be an integer number of seconds", name)
	}
	return time.Unix(n, 0), nil
}
