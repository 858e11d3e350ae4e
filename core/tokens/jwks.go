package tokens

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/kernelwork/kernelwork/core/problem"
)

// JWK is a public key as published in the JWKS (RFC 8037 OKP key).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// JWKS is the published key set.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// PublicKeys returns the key set as published: the active key and every
// retired key whose tokens may still be valid. It holds no private material.
func (i *Issuer) PublicKeys(ctx context.Context) (JWKS, error) {
	keys, err := i.keySet(ctx, JWKSCacheTTL)
	if err != nil {
		return JWKS{}, err
	}
	out := JWKS{Keys: make([]JWK, 0, len(keys))}
	for _, k := range keys {
		if k.PublishUntil != nil && !k.PublishUntil.After(i.a.Now()) {
			continue
		}
		out.Keys = append(out.Keys, JWK{
			Kty: "OKP", Crv: "Ed25519", Alg: "EdDSA", Use: "sig",
			Kid: k.Kid, X: base64.RawURLEncoding.EncodeToString(k.Public),
		})
	}
	return out, nil
}

// JWKSHandler serves the key set at GET /.well-known/jwks.json. Edges cache it
// for a minute at most and fetch again on an unknown kid.
func (i *Issuer) JWKSHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		set, err := i.PublicKeys(r.Context())
		if err != nil {
			i.a.Log.Error("serving jwks", "error", err)
			problem.Write(w, problem.Unavailable)
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Header().Set("Cache-Control", "public, max-age=60")
		_ = json.NewEncoder(w).Encode(set)
	})
}
