package tokencheck

import (
	"errors"
	"net/http"
)

// RFC 6750 section 3.1 error codes, carried by every *Error.
const (
	CodeInvalidRequest    = "invalid_request"
	CodeInvalidToken      = "invalid_token"
	CodeInsufficientScope = "insufficient_scope"
)

// Error is why a credential was refused. Code is the RFC 6750 error code to
// send in WWW-Authenticate, Status the HTTP status, and Reason a short,
// stable, machine-readable word (for example "expired" or "revoked") that is
// safe to show to the client and to log at debug level. Err, when set, is the
// underlying cause; it is never shown to the client.
type Error struct {
	Code   string
	Status int
	Reason string
	Err    error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return "token refused: " + e.Reason + ": " + e.Err.Error()
	}
	return "token refused: " + e.Reason
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Reason, so that
// errors.Is(err, tokencheck.ErrExpired) works on wrapped errors.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Reason == e.Reason
}

// with returns a copy of e whose cause is err.
func (e *Error) with(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

func invalidToken(reason string) *Error {
	return &Error{Code: CodeInvalidToken, Status: http.StatusUnauthorized, Reason: reason}
}

func invalidRequest(reason string) *Error {
	return &Error{Code: CodeInvalidRequest, Status: http.StatusBadRequest, Reason: reason}
}

// The reasons a token is refused. Compare with errors.Is.
var (
	// ErrMissing: the request carries no credential.
	ErrMissing = invalidToken("missing")
	// ErrMalformed: the token is not a well-formed compact JWS.
	ErrMalformed = invalidToken("malformed")
	// ErrTooLarge: the token is longer than the configured bound; no
	// cryptography was attempted.
	ErrTooLarge = invalidToken("too_large")
	// ErrUnknownKey: the kid names no key the verifier trusts.
	ErrUnknownKey = invalidToken("unknown_key")
	// ErrAlgorithm: the alg differs from the one configured for the key.
	ErrAlgorithm = invalidToken("wrong_algorithm")
	// ErrCritical: the header lists critical extensions.
	ErrCritical = invalidToken("unsupported_crit")
	// ErrSignature: the signature does not verify.
	ErrSignature = invalidToken("bad_signature")
	// ErrType: typ is not the expected token type.
	ErrType = invalidToken("wrong_type")
	// ErrIssuer: iss is not the configured issuer.
	ErrIssuer = invalidToken("wrong_issuer")
	// ErrAudience: aud does not hold the configured audience.
	ErrAudience = invalidToken("wrong_audience")
	// ErrClaims: a required claim is missing or has the wrong JSON type.
	ErrClaims = invalidToken("bad_claims")
	// ErrExpired: exp is in the past (beyond the clock skew).
	ErrExpired = invalidToken("expired")
	// ErrNotYetValid: nbf is in the future (beyond the clock skew).
	ErrNotYetValid = invalidToken("not_yet_valid")
	// ErrIssuedInFuture: iat is in the future (beyond the clock skew).
	ErrIssuedInFuture = invalidToken("issued_in_future")
	// ErrLifetime: exp - iat exceeds the maximum lifetime.
	ErrLifetime = invalidToken("lifetime_too_long")
	// ErrRevoked: the session, token id or API key was revoked.
	ErrRevoked = invalidToken("revoked")
	// ErrMultiple: the request carries more than one credential.
	ErrMultiple = invalidRequest("multiple_credentials")
	// ErrInQuery: a credential was sent in the query string.
	ErrInQuery = invalidRequest("credential_in_query")
	// ErrScheme: the Authorization header is not "Bearer <token>".
	ErrScheme = invalidRequest("bad_authorization_header")
	// ErrInsufficientScope: the caller is valid but lacks a required scope.
	ErrInsufficientScope = &Error{
		Code: CodeInsufficientScope, Status: http.StatusForbidden,
		Reason: "insufficient_scope",
	}
	// ErrRevocationsStale: the revocation set has not been confirmed by Redis
	// for longer than the configured bound, so no token is accepted.
	ErrRevocationsStale = &Error{
		Code: CodeInvalidToken, Status: http.StatusServiceUnavailable,
		Reason: "revocations_unavailable",
	}
	// ErrKeysUnavailable: no key set could be loaded.
	ErrKeysUnavailable = &Error{
		Code: CodeInvalidToken, Status: http.StatusServiceUnavailable,
		Reason: "keys_unavailable",
	}
)

// AsError returns err as an *Error; any other error becomes ErrMalformed
// carrying it.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return ErrMalformed.with(err)
}
