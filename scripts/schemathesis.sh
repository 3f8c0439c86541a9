#!/usr/bin/env bash
# Checks the HTTP API against its own OpenAPI document with schemathesis: every check, a fixed
# seed and a bounded number of examples per operation. Starts the debug server (or
# $LIVESTREAM_BIN) on SQLite in a temporary data directory on free ports, logs in as an admin
# for the routes that need a token (a failed login fails the stage: unauthenticated runs would
# check nothing but 401s), publishes a short broadcast with ffmpeg and cuts a clip of it, so the
# recording and clip routes are also called with ids that exist and their success answers are
# checked against the document, and exits non-zero on any failure. The closing line says
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
  LIVESTREAM_CLIPS__PER_USER_PER_HOUR=100000 \
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

fail() {
  echo "$1" >&2
  tail -n 50 "$data/server.log" >&2
  echo "schemathesis: 0 passed, 1 failed"
  exit 1
}

login() {
  curl -sf -X POST "$base/api/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$admin\",\"password\":\"$admin_password\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

# `GET`/`POST` of `$api` with the admin's token; prints the JSON body, fails on a non-2xx.
api() {
  local method=$1 path=$2 body=${3:-}
  curl -sf -X "$method" "$base$path" -H "Authorization: Bearer $token" \
    -H 'content-type: application/json' ${body:+-d "$body"}
}

# Field `$1` of the JSON on standard input.
field() {
  python3 -c "import json, sys; v = json.load(sys.stdin); print(eval('v' + sys.argv[1]))" "$1"
}

token=$(login) || fail "the admin could not log in"
[[ -n "$token" ]] || fail "the admin's login gave no token"

# A finished recording (with its replay) and a clip, for the routes that read them.
created=$(api POST /api/rooms '{"title":"Contract"}') || fail "could not create a room"
room=$(field '["room"]["id"]' <<<"$created")
stream_key=$(field '["stream_key"]' <<<"$created")
ffmpeg -hide_banner -loglevel error -nostdin -re -f lavfi -i testsrc2=size=640x360:rate=30 \
  -f lavfi -i sine=frequency=440:sample_rate=48000 -t 3 -c:v libx264 -preset ultrafast \
  -tune zerolatency -g 30 -pix_fmt yuv420p -c:a aac -f flv \
  "rtmp://127.0.0.1:$rtmp_port/live/$stream_key" || fail "could not publish a broadcast"
recording=""
for _ in $(seq 1 100); do
  recording=$(api GET "/api/rooms/$room/recordings" |
    python3 -c 'import json, sys
r = json.load(sys.stdin)
print(r[0]["id"] if r and r[0]["status"] == "complete" and r[0]["playback_url"] else "")') || true
  [[ -n "$recording" ]] && break
  sleep 0.2
done
[[ -n "$recording" ]] || fail "the broadcast left no finished recording"
clip=$(api POST "/api/recordings/$recording/clips" '{"start_seconds":0,"duration_seconds":1}' |
  field '["id"]') || fail "could not cut a clip"
config="$data/schemathesis.toml"
cp scripts/schemathesis.toml "$config"
cat >>"$config" <<IDS

# This run's recording, room and clip, for the routes that read them (not those that delete).
[[operations]]
include-name-regex = '^(GET /api/recordings/\{id\}/file|POST /api/recordings/\{id\}/clips)$'
parameters = { "path.id" = "$recording" }

[[operations]]
include-name-regex = '^GET /api/clips/\{id\}(/file)?$'
parameters = { "path.id" = "$clip" }

[[operations]]
include-name-regex = '^GET /api/rooms/\{id\}(/(recordings|clips|destinations|moderators|chat))?$'
parameters = { "path.id" = "$room" }
IDS

run() {
  "$schemathesis" --config-file "$config" run "$base/api/openapi.json" \
    --checks all --seed "$seed" --max-examples "$examples" --workers 1 --no-color --generation-database none \
    -H "Authorization: Bearer $token" "$@"
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
