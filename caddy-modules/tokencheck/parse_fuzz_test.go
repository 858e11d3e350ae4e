package tokencheck

import (
	"encoding/json"
	"testing"
)

// FuzzParseRevocation: a revocation message is either refused or has a
// known kind, an id, a positive until and, for jti, an issuer.
func FuzzParseRevocation(f *testing.F) {
	f.Add(`{"kind":"session","id":"s1","until":1900000000}`)
	f.Add(`{"kind":"jti","id":"j","iss":"https://i","until":1}`)
	f.Add(`{"kind":"api_key","id":"","until":5}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, payload string) {
		rev, err := parseRevocation(payload)
		if err != nil {
			return
		}
		if rev.ID == "" || rev.Until <= 0 || (rev.Kind == KindJTI && rev.Iss == "") {
			t.Fatalf("accepted %q as %+v", payload, rev)
		}
		if rev.Kind != KindSession && rev.Kind != KindJTI && rev.Kind != KindAPIKey {
			t.Fatalf("accepted kind %q", rev.Kind)
		}
	})
}

// FuzzDecodeClaims: claims that decode have every required claim with its
// JSON type.
func FuzzDecodeClaims(f *testing.F) {
	f.Add(`{"iss":"i","aud":"a","sub":"s","sid":"d","tid":"t","jti":"j","iat":1,"exp":2}`)
	f.Add(`{"iss":"i","aud":["a"],"sub":"s","sid":"d","tid":"t","jti":"j","iat":1,"exp":"2"}`)
	f.Add(`{"exp":1.5}`)
	f.Fuzz(func(t *testing.T, payload string) {
		var rc rawClaims
		if json.Unmarshal([]byte(payload), &rc) != nil {
			return
		}
		c, err := rc.decode()
		if err != nil {
			return
		}
		if c.Issuer == "" || c.Subject == "" || c.SessionID == "" || c.TenantID == "" ||
			c.TokenID == "" || len(c.Audience) == 0 || c.IssuedAt.IsZero() || c.ExpiresAt.IsZero() {
			t.Fatalf("accepted incomplete claims %q: %+v", payload, c)
		}
	})
}
