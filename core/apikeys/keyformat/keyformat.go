// Package keyformat defines the text form of KernelWork API keys, shared by
// the core (which makes and stores them) and the edge (which refuses
// malformed keys before any lookup). It has no dependencies beyond the
// standard library.
//
// A key reads
//
//	kwk_<id>_<secret><checksum>
//
// where kwk_ is a fixed prefix that secret scanners can match, id is 16
// base62 characters (the public identifier, safe to log), secret is 32
// base62 characters (about 190 bits from crypto/rand) and checksum is the
// CRC-32 (IEEE) of everything before it, as 6 base62 characters. The whole
// key is 59 characters and matches
//
//	kwk_[0-9A-Za-z]{16}_[0-9A-Za-z]{38}
//
// The checksum lets a scanner tell a real key from random text without
// asking the server, and lets the edge refuse a mistyped key at once.
package keyformat

import (
	"crypto/rand"
	"errors"
	"hash/crc32"
	"strings"
)

// Prefix starts every key.
const Prefix = "kwk_"

const (
	idLen       = 16
	secretLen   = 32
	checksumLen = 6
	// Len is the length of a key.
	Len = len(Prefix) + idLen + 1 + secretLen + checksumLen
)

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// ErrMalformed is returned for any string that is not a well-formed key.
// It never says which part is wrong.
var ErrMalformed = errors.New("malformed api key")

// Key is a parsed key.
type Key struct {
	// ID is the public identifier.
	ID string
	// Full is the whole key, secret included; never log it.
	Full string
}

// New makes a key from crypto/rand.
func New() (Key, error) {
	id, err := randomBase62(idLen)
	if err != nil {
		return Key{}, err
	}
	secret, err := randomBase62(secretLen)
	if err != nil {
		return Key{}, err
	}
	body := Prefix + id + "_" + secret
	return Key{ID: id, Full: body + checksum(body)}, nil
}

// Build assembles the key of id and secret with its checksum; it is how a
// test forges a well-formed key with a wrong secret.
func Build(id, secret string) (Key, error) {
	if !ValidID(id) || len(secret) != secretLen || !isBase62(secret) {
		return Key{}, ErrMalformed
	}
	body := Prefix + id + "_" + secret
	return Key{ID: id, Full: body + checksum(body)}, nil
}

// Parse checks the prefix, length, alphabet and checksum of s and returns
// the key. Any failure is ErrMalformed.
func Parse(s string) (Key, error) {
	if len(s) != Len || !strings.HasPrefix(s, Prefix) || s[len(Prefix)+idLen] != '_' {
		return Key{}, ErrMalformed
	}
	id := s[len(Prefix) : len(Prefix)+idLen]
	rest := s[len(Prefix)+idLen+1:]
	if !isBase62(id) || !isBase62(rest) {
		return Key{}, ErrMalformed
	}
	body := s[:Len-checksumLen]
	if checksum(body) != s[Len-checksumLen:] {
		return Key{}, ErrMalformed
	}
	return Key{ID: id, Full: s}, nil
}

// ValidID reports whether id has the form of a key identifier.
func ValidID(id string) bool { return len(id) == idLen && isBase62(id) }

func checksum(body string) string {
	n := crc32.ChecksumIEEE([]byte(body))
	out := make([]byte, checksumLen)
	for i := checksumLen - 1; i >= 0; i-- {
		out[i] = alphabet[n%62]
		n /= 62
	}
	return string(out)
}

func isBase62(s string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(alphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}

// randomBase62 draws n characters without modulo bias.
func randomBase62(n int) (string, error) {
	out := make([]byte, 0, n)
	buf := make([]byte, n*2)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		for _, b := range buf {
			if b < 248 && len(out) < n { // 248 = 4*62
				out = append(out, alphabet[b%62])
			}
		}
	}
	return string(out), nil
}
