// Package password hashes and checks account passwords with argon2id.
//
// The parameters follow OWASP's Password Storage Cheat Sheet (argon2id, 19 MiB
// of memory, 2 iterations, 1 degree of parallelism) and are stored with every
// hash in the PHC string format, so that they can be raised later without
// invalidating stored hashes (NeedsRehash tells when a hash is weaker than the
// current parameters).
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen uint32
}

// Current is what new hashes use.
var Current = Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// Length limits, in characters (MinLength) and bytes (MaxBytes). MaxBytes
// bounds the work an attacker can make the server do per attempt.
const (
	MinLength = 12
	MaxBytes  = 256
)

// Errors of the policy.
var (
	ErrTooShort  = fmt.Errorf("password must have at least %d characters", MinLength)
	ErrTooLong   = fmt.Errorf("password must have at most %d bytes", MaxBytes)
	ErrMalformed = errors.New("malformed password hash")
)

// Check applies the length policy to a new password.
func Check(pw string) error {
	if len(pw) > MaxBytes {
		return ErrTooLong
	}
	if utf8.RuneCountInString(pw) < MinLength {
		return ErrTooShort
	}
	return nil
}

// Hash returns the PHC string of pw under Current.
func Hash(pw string) (string, error) {
	if len(pw) > MaxBytes {
		return "", ErrTooLong
	}
	salt := make([]byte, Current.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("reading randomness: %w", err)
	}
	return encode(Current, salt, derive(Current, pw, salt)), nil
}

// Verify reports whether pw matches the PHC string encoded. It takes the same
// time whether or not it matches. Input over MaxBytes never matches.
func Verify(pw, encoded string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	if len(pw) > MaxBytes {
		pw = ""
	}
	got := derive(p, pw, salt)
	return subtle.ConstantTimeCompare(got, key) == 1 && len(pw) > 0, nil
}

// NeedsRehash reports whether encoded was made with weaker parameters than
// Current.
func NeedsRehash(encoded string) bool {
	p, _, _, err := decode(encoded)
	return err != nil || p.Memory < Current.Memory || p.Time < Current.Time
}

// Generate returns a random password of 24 characters (about 143 bits).
func Generate() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func derive(p Params, pw string, salt []byte) []byte {
	return argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

func encode(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time,
		p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func decode(s string) (Params, []byte, []byte, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" ||
		parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return Params{}, nil, nil, ErrMalformed
	}
	var p Params
	_, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads)
	if err != nil {
		return Params{}, nil, nil, ErrMalformed
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) < 16 || p.Memory < 8*uint32(p.Threads) ||
		p.Time == 0 || p.Threads == 0 || p.Memory > 1<<22 || p.Time > 16 {
		return Params{}, nil, nil, ErrMalformed
	}
	p.KeyLen, p.SaltLen = uint32(len(key)), uint32(len(salt))
	return p, salt, key, nil
}
