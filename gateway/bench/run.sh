#!/usr/bin/env bash
# Runs the realtime benchmark (gateway/bench/loadgen) against the Node.js
# socket.io baseline and the Go gateway (gateway/bench/goedge: gateway/,
# gateway/edge and the Redis adapter on net/http), one fresh server process
# each, and
# prints the figures side by side with the ratio go/node. Arguments go to
# loadgen (e.g. -quick, -targets node, -sessions 15000, -json out.json).
# `make bench-realtime` calls it; the local stack's Redis must be running
# (`make services`), and bin/caddy built (`make edge`) for the caddy target.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"
set -a
# shellcheck disable=SC1091
. .data/local.env
set +a

if [ ! -d gateway/bench/node/node_modules ]; then
  (cd gateway/bench/node && npm ci --no-audit --no-fund --loglevel=error)
fi
go build -o bin/kwbench-loadgen ./gateway/bench/loadgen
go build -o bin/kwbench-goedge ./gateway/bench/goedge

echo "host: $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(free -g | awk '/^Mem:/ {print $2}') GiB RAM, open files $(ulimit -Hn)," \
  "$(go version | cut -d' ' -f3), node $(node --version)"
echo "command: bin/kwbench-loadgen $*"
exec bin/kwbench-loadgen "$@"
