package embed

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
	"github.com/kernelwork/kernelwork/core/embeds/origin"
)

// Embed token format (docs/interfaces.md).
const (
	tokenType      = "embed+jwt"
	maxTokenBytes  = 4096
	maxLifetime    = 15 * time.Minute
	clockSkew      = 30 * time.Second
	tokenQueryName = "embed_token"
)

var errBadToken = errors.New("invalid embed token")

// embedClaims are the verified claims of an embed token.
type embedClaims struct {
	EmbedID  string
	TenantID string
	Origin   origin.Origin
	Room     string
}

// verifier checks embed tokens against the core's published keys.
type verifier struct {
	keys     *tokencheck.JWKS
	parser   *jwt.Parser
	issuer   string
	audience string
}

func newVerifier(base string, client *http.Client, iss, aud string,
	now func() time.Time,
) (*verifier, error) {
	keys, err := tokencheck.NewJWKS(tokencheck.JWKSOptions{
		URL: base + "/.well-known/jwks.json",
		Alg: tokencheck.AlgEdDSA, Client: client, Now: now,
	})
	if err != nil {
		return nil, fmt.Errorf("configuring the key set: %w", err)
	}
	p := jwt.NewParser(jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithIssuer(iss),
		jwt.WithAudience(aud), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithLeeway(clockSkew), jwt.WithTimeFunc(now))
	return &verifier{keys: keys, parser: p, issuer: iss, audience: aud}, nil
}

// tokenOf returns the embed token a request presents, or "".
func tokenOf(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t)
		}
	}
	return r.URL.Query().Get(tokenQueryName)
}

// verify checks raw's signature, typ, iss, aud, lifetime and claims.
func (v *verifier) verify(ctx context.Context, raw string) (*embedClaims, error) {
	if len(raw) > maxTokenBytes {
		return nil, errBadToken
	}
	tok, err := v.parser.Parse(raw, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); typ != tokenType {
			return nil, fmt.Errorf("typ %q", typ)
		}
		kid, _ := t.Header["kid"].(string)
		k, err := v.keys.Key(ctx, kid)
		if err != nil {
			return nil, err
		}
		return k.Public, nil
	})
	if err != nil || !tok.Valid {
		return nil, fmt.Errorf("%w: %w", errBadToken, err)
	}
	return claimsOf(tok.Claims.(jwt.MapClaims))
}

// claimsOf reads and checks the embed claims.
func claimsOf(c jwt.MapClaims) (*embedClaims, error) {
	str := func(k string) string { s, _ := c[k].(string); return s }
	iat, _ := c.GetIssuedAt()
	exp, _ := c.GetExpirationTime()
	if iat == nil || exp == nil || exp.Sub(iat.Time) > maxLifetime || c["sid"] != nil {
		return nil, fmt.Errorf("%w: lifetime or claims", errBadToken)
	}
	o, err := origin.ParseRequest(str("origin"))
	if err != nil || str("emb") == "" || str("tid") == "" {
		return nil, fmt.Errorf("%w: emb, tid or origin", errBadToken)
	}
	return &embedClaims{
		EmbedID: str("emb"), TenantID: str("tid"), Origin: o,
		Room: str("room"),
	}, nil
}
