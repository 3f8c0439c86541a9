#!/usr/bin/env bash
# Checks the HTTP API against its own OpenAPI document with schemathesis: every check, a fixed
# seed and a bounded number of examples per operation. Starts the debug server (or
# $LIVESTREAM_BIN) on SQLite in a temporary data directory on free ports, logs in as an admin
# for the routes that need a token, and exits non-zero on any failure. The closing line says
# `schemathesis: 1 passed, 0 failed` or `schemathesis: 0 passed, 1 failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${LIVESTREAM_BIN:-$PWD/target/debug/livestream}
schemathesis=${SCHEMATHESIS:-$PWD/target/schemathesis/bin/schemathesis}
seed=${SCHEMATHESIS_SEED:-20261202}
examples=${SCHEMATHESIS_EXAMPLES:-100}

data=$(mktemp -d)
server=""
cleanup() {
  if [[ -n "$server" ]]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
http_port=$(free_port)
rtmp_port=$(free_port)
base="http://127.0.0.1:$http_port"
admin=contract-admin
admin_password="Contract-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"

# Limits high enough that the rate limiters do not answer for the validation under test.
LIVESTREAM_HTTP__HOST=127.0.0.1 LIVESTREAM_HTTP__PORT=$http_port \
  LIVESTREAM_RTMP__HOST=127.0.0.1 LIVESTREAM_RTMP__PORT=$rtmp_port LIVESTREAM_SRT__PORT=0 LIVESTREAM_METRICS__LISTEN=127.0.0.1:0 \
  LIVESTREAM_STORAGE__DATA_DIR="$data/server" \
  LIVESTREAM_AUTH__ADMIN_USERNAME=$admin LIVESTREAM_AUTH__ADMIN_PASSWORD="$admin_password" \
  LIVESTREAM_AUTH__LOGIN_ATTEMPTS_PER_MINUTE=100000 LIVESTREAM_AUTH__REGISTRATIONS_PER_HOUR=100000 \
  "$bin" serve >"$data/server.log" 2>&1 &
server=$!

for _ in $(seq 1 60); do
  curl -sf "$base/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.5
done
if ! curl -sf "$base/health" >/dev/null 2>&1; then
  echo "the server did not start; its log:" >&2
  cat "$data/server.log" >&2
  echo "schemathesis: 0 passed, 1 failed"
  exit 1
fi

login() {
  curl -sf -X POST "$base/api/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$admin\",\"password\":\"$admin_password\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

run() {
  "$schemathesis" --config-file deploy/schemathesis.toml run "$base/api/openapi.json" \
    --checks all --seed "$seed" --max-examples "$examples" --workers 1 --no-color --generation-database none \
    -H "Authorization: Bearer $(login)" "$@"
}

status=0
# Logging out revokes the admin's tokens, which every other authenticated operation uses: it
# is tested on its own, after the rest.
run --exclude-path /api/auth/logout || status=1
run --include-path /api/auth/logout || status=1

if ((status)); then
  echo "the server's log: " >&2
  tail -n 50 "$data/server.log" >&2
  echo "schemathesis: 0 passed, 1 failed"
else
  echo "schemathesis: 1 passed, 0 failed"
fi
exit "$status"
