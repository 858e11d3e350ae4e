// Package edgeauth is the Caddy HTTP handler http.handlers.kw_auth
// (Caddyfile directive kw_auth): the edge's access control in front of the
// core. The checks themselves live in caddy-modules/tokencheck, shared with
// the realtime module.
//
// On every request, authenticated or not, kw_auth first deletes every
// client copy of the identity headers (any header whose name starts with
// X-Kw-, in any case, with "_" for "-", however many times it is repeated)
// and removes such names from the Connection header. Then:
//
//   - on a path listed in public, the caller is anonymous
//     (X-Kw-Auth: anonymous) and no credential is read;
//   - otherwise the request must carry exactly one credential in
//     "Authorization: Bearer ...": an access token (docs/interfaces.md) or an
//     API key (prefix kwk_). Credentials in the query string, several
//     Authorization headers or several credentials get 400 invalid_request.
//
// A valid credential sets X-Kw-Auth (token or api_key), X-Kw-User,
// X-Kw-Tenant, and X-Kw-Session (tokens) or X-Kw-Key-Id and X-Kw-Scopes (API
// keys), and the placeholders {http.vars.kw_auth}, {http.vars.kw_user},
// {http.vars.kw_tenant} and {http.vars.kw_key_id}. The Authorization
// header is removed unless forward_authorization is set.
//
// Refusals: 401 with WWW-Authenticate (RFC 6750 error codes; no error code
// when no credential was sent) and an application/problem+json body whose
// detail is a short reason such as "expired" or "revoked"; 403
// insufficient_scope for an API key without a scope in require_scopes; 503
// with Retry-After while the revocation set is stale, the key set cannot be
// loaded or the core's API key check does not answer. Unknown, malformed,
// wrong, expired and revoked API keys all get the same 401
// (invalid_api_key). Refusals are logged at debug level only, never with
// the credential, and counted in the metric
// kw_edge_auth_refusals_total{reason}.
//
// Spoofed forwarding headers (X-Forwarded-For and the like) are a matter
// for Caddy's own trusted_proxies server option: set it so that only your
// load balancers are trusted.
//
// # Caddyfile
//
//	kw_auth {
//		issuer                <iss>                      # required
//		audience              <aud>                      # required
//		token_type            <typ>                      # default at+jwt
//		jwks_url              <https url>                # jwks_url or key_file required
//		jwks_alg              <alg>                      # default EdDSA
//		jwks_refresh          <duration>                 # default 5m
//		jwks_min_refetch      <duration>                 # default 30s
//		key_file              <kid> <alg> <pem file>     # repeatable
//		core_tls              <ca> <cert> <key> [<server name>]  # required with jwks_url or api_key_url
//		api_key_url           <https url>                # default none: API keys refused
//		api_key_cache_ttl     <duration>                 # default 30s
//		redis_url             <redis url>                # required
//		redis_prefix          <prefix>                   # default kw:
//		revocation_max_stale  <duration>                 # default 30s
//		max_token_bytes       <n>                        # default 4096 (256 to 65536)
//		clock_skew            <duration>                 # default 30s
//		max_lifetime          <duration>                 # default 15m
//		public                <path pattern>...          # repeatable; default none
//		require_scopes        <scope>...                 # repeatable; default none
//		forward_authorization                            # default off
//		realm                 <realm>                    # default kernelwork
//	}
//
// Algorithms are EdDSA, ES256, ES384, RS256 and PS256; a key's algorithm is
// fixed here, never taken from the token. Path patterns are those of
// Caddy's path matcher (/api/v1/auth/login, /api/v1/public/*). The
// directive is ordered after forward_auth.
//
// The JWKS is fetched at start and every jwks_refresh over the mutual TLS
// of core_tls; an unknown kid causes at most one fetch per
// jwks_min_refetch. Revocations arrive through Redis pub/sub and are
// resynced from the sorted sets on every reconnect; if Redis does not
// answer for revocation_max_stale, every credential is refused with 503 and
// the metric kw_edge_revocations_stale is 1 until it answers again.
package edgeauth
