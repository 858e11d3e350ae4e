package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// caddyfileTemplate mounts kw_socketio on a plain-HTTP loopback site, with
// the namespace /bench served without hooks (the benchmark measures
// sessions and fan-out, not the core). %[1]d is the port, %[2]s the JWKS
// server's URL, %[3]s the PKI folder, %[4]s and %[5]s issuer and audience,
// %[6]s the allowed origin, %[7]s the adapter's channel prefix, %[8]s the
// admin address ("off" unless profiling: Caddy's admin API serves pprof).
// The Redis
// URL comes from the environment so that its password is never written.
const caddyfileTemplate = `{
	admin %[8]s
	auto_https off
	persist_config off
}

http://127.0.0.1:%[1]d {
	bind 127.0.0.1
	kw_socketio {
		allowed_origins %[6]s
		transports websocket
		redis_url {$REDIS_URL}
		channel_prefix %[7]s
		core %[2]s {
			ca_file %[3]s/ca.pem
			cert_file %[3]s/edge.pem
			key_file %[3]s/edge-key.pem
		}
		token {
			issuer %[4]s
			audience %[5]s
		}
		namespace /bench {
			hooks off
		}
	}
}
`

// caddyTarget describes the edge binary running a Caddyfile that mounts the
// kw_socketio module, with a JWKS server standing in for the core.
func (o options) caddyTarget(t target, repo string, keys keyFiles) (target, error) {
	bin := o.Caddy
	if !filepath.IsAbs(bin) {
		bin = filepath.Join(repo, bin)
	}
	out, err := exec.Command(bin, "list-modules").Output()
	if err != nil {
		return t, fmt.Errorf("listing the modules of %s: %w", bin, err)
	}
	if !strings.Contains(string(out), "kw_socketio") {
		return t, fmt.Errorf("%s has no kw_socketio module: rebuild it with `make edge`", bin)
	}
	pki := o.pkiDir(repo)
	jwks, err := startJWKS(pki, keys.Public)
	if err != nil {
		return t, err
	}
	cf := filepath.Join(o.TmpDir, "Caddyfile")
	admin := "off"
	if o.Profiles != "" {
		admin = o.Pprof
	}
	body := fmt.Sprintf(caddyfileTemplate, t.Port, jwks.URL, pki, benchIssuer, benchAudience,
		benchOrigin, o.Prefix, admin)
	if err := os.WriteFile(cf, []byte(body), 0o600); err != nil {
		jwks.close()
		return t, fmt.Errorf("writing the Caddyfile: %w", err)
	}
	t.Args = []string{bin, "run", "--adapter", "caddyfile", "--config", cf}
	t.Dir, t.cleanup = o.TmpDir, jwks.close
	t.Env = []string{
		"REDIS_URL=" + o.RedisURL,
		"XDG_DATA_HOME=" + filepath.Join(o.TmpDir, "data"),
		"XDG_CONFIG_HOME=" + filepath.Join(o.TmpDir, "config"),
	}
	return t, nil
}

// pkiDir is the local stack's PKI folder (KW_PKI_DIR, else .data/pki).
func (o options) pkiDir(repo string) string {
	if d := os.Getenv("KW_PKI_DIR"); d != "" {
		return d
	}
	return filepath.Join(repo, ".data", "pki")
}
