package tokencheck

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
)

// The token settings of the edge modules (kw_auth, and the token block of
// kw_socketio) share their names, their checks and their defaults: a zero
// value takes the default of Config or JWKSOptions. The helpers below hold
// the checks, so that both modules refuse the same values with the same
// words.

// Bounds of the max_token_bytes setting.
const (
	MinTokenBytesSetting = 256
	MaxTokenBytesSetting = 1 << 16
)

// ParseMaxTokenBytes reads a max_token_bytes setting: a whole number from
// 256 to 65536.
func ParseMaxTokenBytes(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n == 0 || CheckMaxTokenBytes(n) != nil {
		return 0, fmt.Errorf("%q is not a number from %d to %d", s, MinTokenBytesSetting, MaxTokenBytesSetting)
	}
	return n, nil
}

// CheckMaxTokenBytes returns an error unless n is 0 (the default) or from
// 256 to 65536.
func CheckMaxTokenBytes(n int) error {
	if n != 0 && (n < MinTokenBytesSetting || n > MaxTokenBytesSetting) {
		return fmt.Errorf("%d is not a number from %d to %d", n, MinTokenBytesSetting, MaxTokenBytesSetting)
	}
	return nil
}

// CheckAlgorithm returns an error unless a key may be configured with alg
// (EdDSA, ES256, ES384, RS256 or PS256).
func CheckAlgorithm(alg string) error { return checkAlgName(alg) }

// CheckKeySetURL returns an error unless raw is an https URL with a host:
// a key set is fetched over TLS only.
func CheckKeySetURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return errors.New("must be an https URL")
	}
	return nil
}

// KeyFileSetting is one key_file setting: "key_file <kid> <alg> <pem file>".
type KeyFileSetting struct {
	// ID is the kid tokens name the key by.
	ID string `json:"id"`
	// Alg is the only algorithm the key may be used with.
	Alg string `json:"alg"`
	// Path is the PEM "PUBLIC KEY" file.
	Path string `json:"path"`
}

// ParseKeyFileSetting reads the arguments of a key_file setting: a kid, an
// algorithm and a file.
func ParseKeyFileSetting(args []string) (KeyFileSetting, error) {
	if len(args) != 3 {
		return KeyFileSetting{}, fmt.Errorf("wants <kid> <alg> <pem file>, got %d arguments", len(args))
	}
	kf := KeyFileSetting{ID: args[0], Alg: args[1], Path: args[2]}
	if err := CheckAlgorithm(kf.Alg); err != nil {
		return KeyFileSetting{}, err
	}
	return kf, nil
}

// LoadKeyFiles reads every key file into one StaticKeys.
func LoadKeyFiles(files []KeyFileSetting) (StaticKeys, error) {
	keys := StaticKeys{}
	for _, kf := range files {
		k, err := LoadKeyFile(kf.ID, kf.Alg, kf.Path)
		if err != nil {
			return nil, fmt.Errorf("key_file %s: %w", kf.ID, err)
		}
		keys[k.ID] = k
	}
	return keys, nil
}

// KeyChain looks a kid up in each source in turn and returns the first key
// found, or the last source's error.
type KeyChain []KeySource

// Key implements KeySource.
func (c KeyChain) Key(ctx context.Context, kid string) (Key, error) {
	err := error(ErrUnknownKey)
	for _, s := range c {
		k, kerr := s.Key(ctx, kid)
		if kerr == nil {
			return k, nil
		}
		err = kerr
	}
	return Key{}, err
}
