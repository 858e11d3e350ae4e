#!/usr/bin/env bash
# Runs the core and the edge in the foreground against the local stack, after
# `make services` and `make build` (make run does both). Ctrl-C stops both.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"
. deploy/local/ports.env
set -a
# shellcheck disable=SC1091
. .data/local.env
KW_EDGE_HTTPS_PORT=$EDGE_HTTPS_PORT KW_EDGE_HTTP_PORT=$EDGE_HTTP_PORT KW_EDGE_ADMIN_PORT=$EDGE_ADMIN_PORT
KW_CORE_ADDR=127.0.0.1:$CORE_PORT
set +a

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
for p in "$CORE_PORT" "$EDGE_HTTPS_PORT" "$EDGE_HTTP_PORT" "$EDGE_ADMIN_PORT"; do
  if port_open 127.0.0.1 "$p"; then
    echo "run: port $p is already taken (another \`make run\`?); stop that process first" >&2
    exit 1
  fi
done

bin/kwcore pki init "$KW_PKI_DIR" 127.0.0.1 localhost ::1
bin/kwcore migrate
mkdir -p "$KW_DATA_DIR/logs"
bin/kwcore serve 2>>"$KW_DATA_DIR/logs/core.log" &
core=$!
stop() {
  kill "$core" 2>/dev/null || true
  wait "$core" 2>/dev/null || true
}
trap stop EXIT INT TERM

cat <<MSG

KernelWork is starting.
  open        https://localhost:$EDGE_HTTPS_PORT/readyz   (Caddy's internal CA: accept it, or
              trust $KW_DATA_DIR/caddy/pki/authorities/local/root.crt)
  core log    $KW_DATA_DIR/logs/core.log
  services    deploy/local/stack.sh status   (logs in $KW_DATA_DIR/logs/)
  first admin bin/kwcore bootstrap --tenant acme --email you@example.com
              (run with: set -a; . $KW_DATA_DIR/local.env; set +a)
Ctrl-C stops the core and the edge; \`make services-stop\` stops the services.

MSG
XDG_DATA_HOME=$KW_DATA_DIR XDG_CONFIG_HOME=$KW_DATA_DIR bin/caddy run --config Caddyfile --adapter caddyfile
