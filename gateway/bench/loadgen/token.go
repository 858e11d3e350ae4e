package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Token claims that both servers check. The benchmark's key pair is made
// for each run and never leaves its temporary folder.
const (
	benchIssuer   = "https://bench.kernelwork.invalid"
	benchAudience = "kernelwork-bench"
	benchKeyID    = "bench-1"
	tokenTTL      = 15 * time.Minute
)

// keyFiles are the PEM files of a run's signing key.
type keyFiles struct {
	Private string // PKCS #8 private key, read by the workers
	Public  string // PKIX public key, read by the servers
}

// writeKeyPair makes an Ed25519 key pair and writes it under dir.
func writeKeyPair(dir string) (keyFiles, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return keyFiles{}, fmt.Errorf("generating key: %w", err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return keyFiles{}, fmt.Errorf("encoding private key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return keyFiles{}, fmt.Errorf("encoding public key: %w", err)
	}
	kf := keyFiles{
		Private: filepath.Join(dir, "bench-key.pem"),
		Public:  filepath.Join(dir, "bench-pub.pem"),
	}
	if err := writePEM(kf.Private, "PRIVATE KEY", privDER); err != nil {
		return keyFiles{}, err
	}
	return kf, writePEM(kf.Public, "PUBLIC KEY", pubDER)
}

func writePEM(path, typ string, der []byte) error {
	b := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// readPrivateKey loads the private key written by writeKeyPair.
func readPrivateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("key file %s holds no PEM block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing key: %w", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key file %s holds a %T, not an Ed25519 key", path, k)
	}
	return priv, nil
}

// minter signs access tokens in the format of docs/interfaces.md.
type minter struct {
	key    ed25519.PrivateKey
	tenant string
	now    func() time.Time
}

// mint returns a token for a new user and session.
func (m *minter) mint() string {
	now := m.now().Unix()
	hdr := map[string]string{"alg": "EdDSA", "typ": "at+jwt", "kid": benchKeyID}
	claims := map[string]any{
		"iss": benchIssuer, "aud": benchAudience,
		"sub": newUUID(), "sid": newUUID(), "tid": m.tenant, "jti": newUUID(),
		"iat": now, "nbf": now, "exp": now + int64(tokenTTL/time.Second),
	}
	signing := b64JSON(hdr) + "." + b64JSON(claims)
	sig := ed25519.Sign(m.key, []byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func b64JSON(v any) string {
	b, _ := json.Marshal(v) // maps of strings and numbers always encode
	return base64.RawURLEncoding.EncodeToString(b)
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
