#!/usr/bin/env bash
# Runs every test against the local stack: Go unit and integration tests, and
# the end-to-end tests that drive the official socket.io-client and headless
# Chromium (the Go tests start those Node scripts). `make test` calls this after
# `make services` and `make build`.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"
set -a
# shellcheck disable=SC1091
. .data/local.env
set +a

# the edge-to-core certificates of the local stack, as `make run` makes them
# (the realtime benchmark's quick run uses them)
bin/kwcore pki init "$KW_PKI_DIR" 127.0.0.1 localhost ::1

# Node packages of the end-to-end tests (each folder with a package.json)
while IFS= read -r pkg; do
  dir=$(dirname "$pkg")
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    echo "installing node packages in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$dir/node_modules"
  fi
done < <(find caddy-modules gateway core -name package.json -not -path '*/node_modules/*' 2>/dev/null)

go test -count=1 -timeout 30m "${@:-./...}"
