package tokencheck

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// Algorithms a key may be configured with. The algorithm of a key is fixed
// by configuration; a token whose alg differs is refused.
const (
	AlgEdDSA = "EdDSA"
	AlgES256 = "ES256"
	AlgES384 = "ES384"
	AlgRS256 = "RS256"
	AlgPS256 = "PS256"
)

// Key is one public key the verifier trusts, with the only algorithm it may
// be used with.
type Key struct {
	ID     string
	Alg    string
	Public crypto.PublicKey
}

// KeySource finds the key a token names by its kid. Key returns an error
// that errors.Is ErrUnknownKey when no such key exists, and one that is
// ErrKeysUnavailable when the source cannot answer.
type KeySource interface {
	Key(ctx context.Context, kid string) (Key, error)
}

// StaticKeys is a fixed set of keys, for example read from files.
type StaticKeys map[string]Key

// Key implements KeySource.
func (s StaticKeys) Key(_ context.Context, kid string) (Key, error) {
	k, ok := s[kid]
	if !ok {
		return Key{}, ErrUnknownKey
	}
	return k, nil
}

// NewKey checks that pub suits alg (an Ed25519 key for EdDSA, a P-256 or
// P-384 key for ES256 or ES384, an RSA key of at least 2048 bits for RS256
// and PS256) and returns the key.
func NewKey(kid, alg string, pub crypto.PublicKey) (Key, error) {
	if kid == "" {
		return Key{}, errors.New("key id is empty")
	}
	if err := checkKeyAlg(alg, pub); err != nil {
		return Key{}, fmt.Errorf("key %q: %w", kid, err)
	}
	return Key{ID: kid, Alg: alg, Public: pub}, nil
}

func checkKeyAlg(alg string, pub crypto.PublicKey) error {
	ok := false
	switch k := pub.(type) {
	case ed25519.PublicKey:
		ok = alg == AlgEdDSA && len(k) == ed25519.PublicKeySize
	case *ecdsa.PublicKey:
		ok = (alg == AlgES256 && k.Curve == elliptic.P256()) ||
			(alg == AlgES384 && k.Curve == elliptic.P384())
	case *rsa.PublicKey:
		ok = (alg == AlgRS256 || alg == AlgPS256) && k.N.BitLen() >= 2048
	}
	if !ok {
		return fmt.Errorf("a %T does not suit algorithm %q", pub, alg)
	}
	return nil
}

// LoadKeyFile reads a PEM "PUBLIC KEY" (PKIX) file and returns it as the key
// kid, to be used only with alg.
func LoadKeyFile(kid, alg, path string) (Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("reading key file: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return Key{}, fmt.Errorf("key file %s holds no PEM PUBLIC KEY block", path)
	}
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return Key{}, fmt.Errorf("parsing key file %s: %w", path, err)
	}
	return NewKey(kid, alg, pub)
}
