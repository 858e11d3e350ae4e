#!/usr/bin/env bash
# The local stack: PostgreSQL, Redis, versitygw (S3), LiveKit and coturn on
# loopback, with their data and logs in one git-ignored folder (.data/).
#
#   deploy/local/stack.sh start     install what is missing, start what is stopped
#   deploy/local/stack.sh stop      stop every service this script started
#   deploy/local/stack.sh status    say which services run, and where
#   deploy/local/stack.sh env       print the core's environment for this stack
#
# Settings (environment): KW_DATA_DIR (default <repo>/.data), KW_TOOLS_DIR
# (default $HOME/.cache/kernelwork/bin), KW_EXTERNAL_DATABASE_URL (use an
# existing PostgreSQL instead of a throwaway cluster), LIVEKIT_USE_REDIS=1 (LiveKit
# coordinates through the stack's Redis, database 1, as a multi-node SFU would), and
# any port of deploy/local/ports.env.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
# shellcheck source=ports.env
. "$here/ports.env"

data=${KW_DATA_DIR:-$repo/.data}
tools=${KW_TOOLS_DIR:-$HOME/.cache/kernelwork/bin}
run=$data/run
logs=$data/logs
pgbin=/usr/lib/postgresql/15/bin

say() { printf '%s\n' "$*"; }
die() { printf 'stack: %s\n' "$*" >&2; exit 1; }

# port_open HOST PORT: true when something listens there.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_port NAME HOST PORT LOG: wait up to 30 s for a listener.
wait_port() {
  for _ in $(seq 1 150); do
    port_open "$2" "$3" && return 0
    sleep 0.2
  done
  die "$1 did not start on $2:$3; see $4"
}

# running NAME: true when NAME's pid file names a live process.
running() {
  local pidf=$run/$1.pid
  [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null
}

# busy NAME PORT: refuse to start over a port some other program holds.
busy() {
  if port_open 127.0.0.1 "$2"; then
    die "port $2 for $1 is taken by another program; stop it, or change it in deploy/local/ports.env"
  fi
}

# ---------------------------------------------------------------- install

install_debian() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v turnserver >/dev/null || missing+=(coturn)
  [ -x "$pgbin/initdb" ] || missing+=(postgresql-15)
  command -v curl >/dev/null || missing+=(curl)
  # the browser tests drive Debian's Chromium with playwright-core
  command -v chromium >/dev/null || missing+=(chromium)
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # the packages start their own system services; the stack runs its own
  for svc in redis-server coturn postgresql; do
    $sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true
  done
}

# go_tool NAME PACKAGE@VERSION: build a pinned Go tool into $tools once.
go_tool() {
  local name=$1 pkg=$2 stamp="$tools/.$1.version"
  if [ -x "$tools/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$pkg" ]; then
    return 0
  fi
  say "building $pkg (once; cached in $tools)"
  mkdir -p "$tools"
  local tmp
  tmp=$(mktemp -d)
  GOBIN=$tmp go install "$pkg"
  mv "$tmp"/* "$tools/$name"
  rmdir "$tmp"
  echo "$pkg" >"$stamp"
}

install_all() {
  install_debian
  go_tool versitygw "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
  go_tool livekit-server "github.com/livekit/livekit-server/cmd/server@$LIVEKIT_VERSION"
}

# ---------------------------------------------------------------- secrets

# The local stack's secrets are made once, at random, and kept in
# $data/secrets.env (mode 600). They are for this machine only.
secrets() {
  local f=$data/secrets.env
  if [ ! -f "$f" ]; then
    mkdir -p "$data"
    rnd() { head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c "$1"; }
    umask 077
    cat >"$f" <<EOF
PG_PASSWORD=$(rnd 32)
REDIS_PASSWORD=$(rnd 32)
S3_ACCESS_KEY=kw$(rnd 14)
S3_SECRET_KEY=$(rnd 40)
LIVEKIT_API_KEY=API$(rnd 12)
LIVEKIT_API_SECRET=$(rnd 48)
TURN_SECRET=$(rnd 40)
EOF
  fi
  # secrets added by later versions of this script join an older file
  if ! grep -q '^SIGNING_KEY_SECRET=' "$f"; then
    echo "SIGNING_KEY_SECRET=$(head -c 32 /dev/urandom | base64)" >>"$f"
  fi
  # shellcheck disable=SC1090
  . "$f"
}

# ---------------------------------------------------------------- services

start_postgres() {
  if [ -n "${KW_EXTERNAL_DATABASE_URL:-}" ]; then
    say "postgresql: using KW_EXTERNAL_DATABASE_URL"
    return 0
  fi
  local dir=$data/postgres sock=$data/run/pgsock pglog=$logs/postgres.log as=()
  if [ "$(id -u)" -eq 0 ]; then
    # initdb and postgres refuse to run as root: run them as the postgres user
    id postgres >/dev/null 2>&1 || die "the postgres user is missing; install postgresql-15"
    as=(runuser -u postgres --)
    if ! runuser -u postgres -- test -x "$data"; then
      # the postgres user cannot reach $data (a checkout under /root, say): keep the
      # cluster in its home instead, linked from $data
      local alt
      alt=/var/lib/postgresql/kernelwork-$(printf '%s' "$data" | md5sum | cut -c1-12)
      mkdir -p "$alt/data" "$alt/sock"
      chown -R postgres "$alt"
      chmod 700 "$alt/data"
      [ -L "$dir" ] || ln -sfn "$alt/data" "$dir"
      dir=$alt/data sock=$alt/sock pglog=$alt/postgres.log
      ln -sfn "$pglog" "$logs/postgres.log"
    fi
  fi
  mkdir -p "$sock"
  [ ${#as[@]} -gt 0 ] && chown postgres "$sock"
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"
    [ ${#as[@]} -gt 0 ] && chown postgres "$dir"
    local pw
    pw=$(mktemp)
    echo "$PG_PASSWORD" >"$pw"
    [ ${#as[@]} -gt 0 ] && chown postgres "$pw"
    "${as[@]}" "$pgbin/initdb" -D "$dir" -U kernelwork --pwfile="$pw" \
      --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 >"$logs/postgres-init.log" 2>&1 \
      || die "initdb failed; see $logs/postgres-init.log"
    rm -f "$pw"
  fi
  if "${as[@]}" "$pgbin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    say "postgresql: already running on 127.0.0.1:$PG_PORT"
    return 0
  fi
  busy postgresql "$PG_PORT"
  touch "$pglog"
  [ ${#as[@]} -gt 0 ] && chown postgres "$pglog"
  "${as[@]}" "$pgbin/pg_ctl" -D "$dir" -l "$pglog" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $sock -c max_connections=300 -c fsync=off" \
    start >/dev/null || die "postgresql did not start; see $pglog"
  PGPASSWORD=$PG_PASSWORD "$pgbin/psql" -h 127.0.0.1 -p "$PG_PORT" -U kernelwork -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='kernelwork'" | grep -q 1 \
    || PGPASSWORD=$PG_PASSWORD "$pgbin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U kernelwork kernelwork
  say "postgresql: started on 127.0.0.1:$PG_PORT"
}

stop_postgres() {
  # resolved by root, so that a cluster kept outside $data is found too
  local dir
  dir=$(readlink -f "$data/postgres" 2>/dev/null) || return 0
  [ -f "$dir/PG_VERSION" ] || return 0
  local as=()
  [ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$pgbin/pg_ctl" -D "$dir" status >/dev/null 2>&1 || return 0
  "${as[@]}" "$pgbin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null && say "postgresql: stopped"
}

start_redis() {
  if running redis; then say "redis: already running on 127.0.0.1:$REDIS_PORT"; return 0; fi
  busy redis "$REDIS_PORT"
  mkdir -p "$data/redis"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$data/redis" \
    --requirepass "$REDIS_PASSWORD" --save "" --appendonly no --protected-mode yes \
    --maxclients 10000 --daemonize yes --pidfile "$run/redis.pid" --logfile "$logs/redis.log" \
    || die "redis did not start; see $logs/redis.log"
  wait_port redis 127.0.0.1 "$REDIS_PORT" "$logs/redis.log"
  say "redis: started on 127.0.0.1:$REDIS_PORT"
}

# daemon NAME LOG CMD...: start CMD in the background with a pid file.
daemon() {
  local name=$1 log=$2
  shift 2
  nohup setsid "$@" >>"$log" 2>&1 </dev/null &
  echo $! >"$run/$name.pid"
}

start_s3() {
  if running versitygw; then say "versitygw: already running on 127.0.0.1:$S3_PORT"; return 0; fi
  busy versitygw "$S3_PORT"
  mkdir -p "$data/s3" "$data/s3-versions"
  ROOT_ACCESS_KEY=$S3_ACCESS_KEY ROOT_SECRET_KEY=$S3_SECRET_KEY \
    daemon versitygw "$logs/versitygw.log" "$tools/versitygw" \
    --port "127.0.0.1:$S3_PORT" --region us-east-1 posix "$data/s3"
  wait_port versitygw 127.0.0.1 "$S3_PORT" "$logs/versitygw.log"
  say "versitygw: started on http://127.0.0.1:$S3_PORT"
}

# ensure_bucket: create the attachments bucket if it is missing.
ensure_bucket() {
  # an S3 call, signed with SigV4 (an S3 call, signed with SigV4)
  local code
  code=$(curl -s -o /dev/null -w "%{http_code}" -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
    --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" "http://127.0.0.1:$S3_PORT/$S3_BUCKET")
  case $code in
    200|409) ;;
    *) die "creating bucket $S3_BUCKET answered HTTP $code; see $logs/versitygw.log" ;;
  esac
}

start_livekit() {
  if running livekit; then say "livekit: already running on 127.0.0.1:$LIVEKIT_PORT"; return 0; fi
  busy livekit "$LIVEKIT_PORT"
  sed -e "s/@LIVEKIT_PORT@/$LIVEKIT_PORT/; s/@LIVEKIT_TCP_PORT@/$LIVEKIT_TCP_PORT/" \
    -e "s/@LIVEKIT_UDP_PORT@/$LIVEKIT_UDP_PORT/" \
    -e "s/@LIVEKIT_API_KEY@/$LIVEKIT_API_KEY/; s/@LIVEKIT_API_SECRET@/$LIVEKIT_API_SECRET/" \
    "$repo/deploy/livekit/livekit.yaml" >"$data/livekit.yaml"
  if [ "${LIVEKIT_USE_REDIS:-0}" = 1 ]; then
    # several LiveKit nodes coordinate through Redis; one node needs none
    printf 'redis:\n  address: 127.0.0.1:%s\n  password: %s\n  db: 1\n' \
      "$REDIS_PORT" "$REDIS_PASSWORD" >>"$data/livekit.yaml"
  fi
  chmod 600 "$data/livekit.yaml"
  daemon livekit "$logs/livekit.log" "$tools/livekit-server" --config "$data/livekit.yaml" \
    --bind 127.0.0.1 --node-ip 127.0.0.1
  wait_port livekit 127.0.0.1 "$LIVEKIT_PORT" "$logs/livekit.log"
  say "livekit: started on ws://127.0.0.1:$LIVEKIT_PORT"
}

start_coturn() {
  if running coturn; then say "coturn: already running on 127.0.0.1:$TURN_PORT"; return 0; fi
  busy coturn "$TURN_PORT"
  sed -e "s/@TURN_PORT@/$TURN_PORT/g; s/@TURN_SECRET@/$TURN_SECRET/" \
    -e "s/@TURN_MIN_PORT@/$TURN_MIN_PORT/; s/@TURN_MAX_PORT@/$TURN_MAX_PORT/" \
    -e "s|@PID_FILE@|$run/coturn.pid|" \
    "$repo/deploy/coturn/turnserver.conf" >"$data/turnserver.conf"
  chmod 600 "$data/turnserver.conf"
  daemon coturn-launcher "$logs/coturn.log" turnserver -c "$data/turnserver.conf" \
    --log-file stdout --simple-log
  wait_port coturn 127.0.0.1 "$TURN_PORT" "$logs/coturn.log"
  cp "$run/coturn-launcher.pid" "$run/coturn.pid"
  say "coturn: started on turn:127.0.0.1:$TURN_PORT"
}

stop_pid() {
  local name=$1 pidf=$run/$1.pid
  [ -f "$pidf" ] || return 0
  local pid
  pid=$(cat "$pidf")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    say "$name: stopped"
  fi
  rm -f "$pidf"
}

# ---------------------------------------------------------------- commands

print_env() {
  local db=${KW_EXTERNAL_DATABASE_URL:-postgres://kernelwork:$PG_PASSWORD@127.0.0.1:$PG_PORT/kernelwork?sslmode=disable}
  cat <<EOF
KW_DATA_DIR=$data
KW_PKI_DIR=$data/pki
KW_LISTEN_ADDR=127.0.0.1:$CORE_PORT
KW_TLS_CERT_FILE=$data/pki/core.pem
KW_TLS_KEY_FILE=$data/pki/core-key.pem
KW_EDGE_CA_FILE=$data/pki/ca.pem
KW_DATABASE_URL=$db
KW_REDIS_URL=redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT/0
KW_S3_ENDPOINT=http://127.0.0.1:$S3_PORT
KW_S3_REGION=us-east-1
KW_S3_BUCKET=$S3_BUCKET
KW_S3_ACCESS_KEY=$S3_ACCESS_KEY
KW_S3_SECRET_KEY=$S3_SECRET_KEY
KW_LIVEKIT_URL=ws://127.0.0.1:$LIVEKIT_PORT
KW_LIVEKIT_API_KEY=$LIVEKIT_API_KEY
KW_LIVEKIT_API_SECRET=$LIVEKIT_API_SECRET
KW_TURN_URIS=turn:127.0.0.1:$TURN_PORT?transport=udp,turn:127.0.0.1:$TURN_PORT?transport=tcp
KW_TURN_SECRET=$TURN_SECRET
KW_SIGNING_KEY_SECRET=$SIGNING_KEY_SECRET
EOF
}

cmd_start() {
  mkdir -p "$data" "$run" "$logs"
  install_all
  secrets
  start_postgres
  start_redis
  start_s3
  ensure_bucket
  start_livekit
  start_coturn
  print_env >"$data/local.env"
  chmod 600 "$data/local.env"
  say "environment for the core: $data/local.env"
}

cmd_stop() {
  [ -d "$data" ] || return 0
  stop_pid coturn
  rm -f "$run/coturn-launcher.pid"
  stop_pid livekit
  stop_pid versitygw
  if running redis; then
    secrets
    redis-cli -p "$REDIS_PORT" -a "$REDIS_PASSWORD" --no-auth-warning shutdown nosave >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do running redis || break; sleep 0.1; done
    say "redis: stopped"
  fi
  rm -f "$run/redis.pid"
  stop_postgres
}

cmd_status() {
  local up=0
  status_line() { if port_open 127.0.0.1 "$2"; then say "$1: up on $3"; else say "$1: down"; up=1; fi; }
  status_line postgresql "$PG_PORT" "127.0.0.1:$PG_PORT"
  status_line redis "$REDIS_PORT" "127.0.0.1:$REDIS_PORT"
  status_line versitygw "$S3_PORT" "http://127.0.0.1:$S3_PORT"
  status_line livekit "$LIVEKIT_PORT" "ws://127.0.0.1:$LIVEKIT_PORT"
  status_line coturn "$TURN_PORT" "turn:127.0.0.1:$TURN_PORT"
  return $up
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) secrets; print_env ;;
  *) die "usage: $0 start|stop|status|env" ;;
esac
