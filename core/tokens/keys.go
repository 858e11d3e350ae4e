package tokens

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// signingKey is one Ed25519 key of the key set.
type signingKey struct {
	Kid          string
	Public       ed25519.PublicKey
	Private      ed25519.PrivateKey // nil when only the public half is needed
	CreatedAt    time.Time
	RetiredAt    *time.Time
	PublishUntil *time.Time
}

// KeyInfo describes a key of the set, for operators.
type KeyInfo struct {
	Kid          string     `json:"kid"`
	CreatedAt    time.Time  `json:"created_at"`
	RetiredAt    *time.Time `json:"retired_at,omitempty"`
	PublishUntil *time.Time `json:"publish_until,omitempty"`
	Sealed       bool       `json:"sealed"`
}

// ErrSecretMissing is returned when a stored key is sealed and
// KW_SIGNING_KEY_SECRET is not set.
var ErrSecretMissing = errors.New("a signing key is sealed but KW_SIGNING_KEY_SECRET is not set")

// Thumbprint returns the RFC 7638 JWK thumbprint of an Ed25519 public key,
// which the core uses as the key's kid.
func Thumbprint(pub ed25519.PublicKey) string {
	x := base64.RawURLEncoding.EncodeToString(pub)
	sum := sha256.Sum256([]byte(`{"crv":"Ed25519","kty":"OKP","x":"` + x + `"}`))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// parseSecret decodes KW_SIGNING_KEY_SECRET; empty means no sealing.
func parseSecret(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawURLEncoding.DecodeString(s)
	}
	if err != nil || len(b) != 32 {
		return nil, errors.New("KW_SIGNING_KEY_SECRET must be base64 of exactly 32 bytes")
	}
	return b, nil
}

// seal encrypts a private key with AES-256-GCM, bound to its kid.
func seal(secret []byte, kid string, priv ed25519.PrivateKey) ([]byte, error) {
	gcm, err := newGCM(secret)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("reading randomness: %w", err)
	}
	return gcm.Seal(nonce, nonce, priv.Seed(), []byte(kid)), nil
}

// unseal reverses seal.
func unseal(secret []byte, kid string, box []byte) (ed25519.PrivateKey, error) {
	gcm, err := newGCM(secret)
	if err != nil {
		return nil, err
	}
	if len(box) < gcm.NonceSize() {
		return nil, fmt.Errorf("unsealing key %s: too short", kid)
	}
	seed, err := gcm.Open(nil, box[:gcm.NonceSize()], box[gcm.NonceSize():], []byte(kid))
	if err != nil {
		return nil, fmt.Errorf("unsealing key %s (wrong KW_SIGNING_KEY_SECRET?): %w", kid, err)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

func newGCM(secret []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(secret)
	if err != nil {
		return nil, fmt.Errorf("preparing key cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// openPrivate returns the private key stored in a row.
func openPrivate(secret []byte, kid string, stored []byte, sealed bool) (
	ed25519.PrivateKey, error,
) {
	if !sealed {
		if len(stored) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("key %s: stored private key has the wrong size", kid)
		}
		return ed25519.PrivateKey(stored), nil
	}
	if secret == nil {
		return nil, ErrSecretMissing
	}
	return unseal(secret, kid, stored)
}

// insertKey makes a new key and stores it as the active one, retiring the
// previous active key so that it stays published until publishUntil.
func insertKey(ctx context.Context, tx pgx.Tx, secret []byte, now time.Time,
	keep time.Duration,
) (string, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", fmt.Errorf("generating key: %w", err)
	}
	kid := Thumbprint(pub)
	stored, sealed := []byte(priv), false
	if secret != nil {
		if stored, err = seal(secret, kid, priv); err != nil {
			return "", err
		}
		sealed = true
	}
	if _, err := tx.Exec(ctx, `UPDATE signing_keys SET retired_at = $1, publish_until = $2
		WHERE retired_at IS NULL`, now, now.Add(keep)); err != nil {
		return "", fmt.Errorf("retiring the active key: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO signing_keys (kid, public_key, private_key, sealed,
		created_at) VALUES ($1, $2, $3, $4, $5)`, kid, []byte(pub), stored, sealed, now); err != nil {
		return "", fmt.Errorf("storing key: %w", err)
	}
	return kid, nil
}
