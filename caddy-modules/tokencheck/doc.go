// Package tokencheck verifies KernelWork access tokens and keeps the edge's
// local set of revocations. It is a plain Go library with no Caddy types, so
// that the HTTP module (caddy-modules/edgeauth) and the realtime module check
// credentials the same way. The token format and the Redis names are fixed
// by docs/interfaces.md.
//
// # Verifying access tokens
//
// A Verifier checks a compact JWS against a KeySource and a Revocations set:
//
//	keys, _ := tokencheck.NewJWKS(tokencheck.JWKSOptions{
//		URL: "https://127.0.0.1:18443/.well-known/jwks.json", Alg: tokencheck.AlgEdDSA,
//		Client: client, // tokencheck.NewTLSClient: the core serves only mutual TLS
//	})
//	go keys.Run(ctx)
//	revs, _ := tokencheck.NewRevocations(tokencheck.RevocationOptions{Redis: rdb})
//	go revs.Run(ctx)
//	v, _ := tokencheck.New(tokencheck.Config{
//		Issuer: "https://localhost:8443", Audience: "kernelwork",
//		Keys: keys, Revocations: revs,
//	})
//	claims, err := v.Verify(ctx, raw)
//
// Verify refuses, in this order: a token longer than MaxTokenBytes (before
// any decoding or cryptography); anything but three base64url parts with
// canonical encoding; a header with crit; a typ other than Config.Type (a
// refresh, LiveKit or embed token); a missing or unknown kid; an alg other
// than the one configured for that key (so alg "none" and an HMAC made with
// a public key both fail); a bad signature; a missing claim or one of the
// wrong JSON type; a wrong iss or aud; exp - iat above MaxLifetime; exp in
// the past, or nbf or iat in the future, beyond ClockSkew; a revoked
// session (sid) or token id (jti); and any token at all while the
// revocation set is stale. The header members jwk, jku, x5u and x5c are
// never read, so they cause no outbound request.
//
// A token whose exact text has been verified is kept in a bounded cache
// (Config.CacheEntries), so that a client reusing its token costs no
// cryptography; on every use the time rules, the presence of its key and
// revocation are checked again. A token written differently is verified in
// full.
//
// Every refusal is an *Error carrying the RFC 6750 error code (Code), the
// HTTP status to answer with (Status) and a short machine-readable Reason.
// Compare with errors.Is against the Err* values.
//
// # Keys
//
// A key's algorithm always comes from configuration: JWKSOptions.Alg for a
// key set, the alg argument of LoadKeyFile or NewKey for a file. A JWKS
// source fetches the set when it starts and every Refresh; a kid it does
// not know causes at most one fetch per MinRefetch, shared by all callers,
// so a burst of made-up kids cannot flood the core. If a fetch fails the
// previous keys stay in use.
//
// # Revocations
//
// Revocations holds the revoked sessions, token ids and API keys. Run
// subscribes to the kw:revocations channel, loads the sorted sets
// kw:revoked:sessions, kw:revoked:jti and kw:revoked:apikeys on every
// (re)subscription, applies each message as it arrives and pings Redis every
// few seconds. Lookups are local. If Redis stops answering, the last known
// set is trusted for MaxStale; after that CheckToken and CheckAPIKey return
// ErrRevocationsStale (status 503) until Redis answers again, the metric
// kw_edge_revocations_stale is 1, and an error is logged once.
//
// Subscribe registers a callback for every new revocation, so that the
// realtime module can close the sockets of a revoked session:
//
//	cancel := revs.Subscribe(func(r tokencheck.Revocation) {
//		if r.Kind == tokencheck.KindSession { closeSession(r.ID) }
//	})
//
// Metrics (when RevocationOptions.Registerer is set):
// kw_edge_revocations_stale, kw_edge_revocations_entries,
// kw_edge_revocation_resyncs_total and kw_edge_revocation_redis_errors_total.
//
// # API keys
//
// APIKeys verifies integrator API keys with the core's internal verify
// endpoint (docs/interfaces.md), refusing malformed keys before any lookup,
// caching answers for a short time, and refusing revoked (CheckAPIKey) and
// expired keys at once.
//
// # Extracting the credential
//
// Extract reads the one credential of an HTTP request from its
// Authorization header ("Bearer <token>"). A credential in the query string,
// several Authorization headers or several credentials are refused with an
// invalid_request error. Its Kind tells an API key (prefix kwk_) from an
// access token.
package tokencheck
