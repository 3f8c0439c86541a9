#!/usr/bin/env bash
# The loops developers run, in one place. The test command (scripts/test.sh) installs what is
# needed, starts the services and runs them all, counting every result.
#
#   scripts/dev.sh check            formatting, clippy, tsc, eslint, generated files, manifests, docs,
#                                   no import cycle, pure crates free of C libraries, fuzz targets build
#   scripts/dev.sh unit [args]      each crate's own tests: media, hls, chat-protocol (pure), engine
#                                   (real GStreamer streams), ingest, the server's and bench's unit tests
#   scripts/dev.sh api [filter]     the server's integration suite: a real server, real publishers,
#                                   SQLite and MariaDB, Redis, S3 (`scripts/dev.sh api srt::` for one module)
#   scripts/dev.sh rust             unit, api and the doc tests in one cargo run
#   scripts/dev.sh vendor           the vendored forks' own tests (vendor/README.md)
#   scripts/dev.sh web [args]       the web app's Vitest component tests
#   scripts/dev.sh e2e [args]       builds the web app and the debug server, then Playwright in Chromium
#   scripts/dev.sh contract         schemathesis against the debug server and its OpenAPI document
#   scripts/dev.sh all              every loop above, in that order, stopping at the first failure
#
# The tests need MariaDB, Redis and SeaweedFS running (scripts/services.sh) and the tools that
# deploy/install-deps.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."

# The crates that must build and test with no C library: checked by `ldd` of their test binaries.
PURE_CRATES=(media hls chat-protocol)

check() {
  cargo fmt --all -- --check
  cargo clippy --workspace --all-targets --locked -- -D warnings
  npm --prefix web run typecheck
  npm --prefix web run lint
  # The web app's API and chat types are generated from the server's documents (the Rust tests
  # check those documents are current); a stale or hand-edited generated file fails here.
  npm --prefix web run check:generated
  # deploy/k8s (kubectl kustomize) and deploy/compose.yaml, against their schemas.
  bash scripts/check-manifests.sh
  # docs/: every page listed in SUMMARY.md, every relative link and #heading resolves.
  python3 scripts/check-docs.py
  # No file of any crate imports one that imports it back (docs/architecture.md).
  python3 scripts/module-cycles.py media/src hls/src engine/src engine/tests ingest/src \
    chat-protocol/src server/src server/tests/api testkit/src bench/src
  pure_crates
  # The fuzz targets build against the pure crates and ingest, never the server (docs/fuzzing.md);
  # checked without sanitizers, so that they cannot rot between fuzz runs.
  cargo check --locked --manifest-path fuzz/Cargo.toml --bins --target-dir target/fuzz-check
}

# Builds the pure crates' test binaries and fails if one links GStreamer, GLib, libsrt or FFmpeg's
# libraries: they must test on a machine without them.
pure_crates() {
  local args=() binaries linked
  for crate in "${PURE_CRATES[@]}"; do args+=(-p "$crate"); done
  binaries=$(cargo test --locked "${args[@]}" --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable"):
        print(m["executable"])')
  [ -n "$binaries" ] || { echo "pure crates: no test binary built" >&2; return 1; }
  for binary in $binaries; do
    linked=$(ldd "$binary" | grep -E 'libgst|libglib|libgobject|libsrt|libswscale|libav(util|codec|format)' || true)
    if [ -n "$linked" ]; then
      echo "pure crates: $binary links C libraries it must not:" >&2
      echo "$linked" >&2
      return 1
    fi
  done
  echo "pure crates: ${PURE_CRATES[*]}: $(echo "$binaries" | wc -w) test binaries, none links GStreamer, GLib, libsrt or libav*"
}

# Every cargo invocation below selects the whole workspace (and picks targets), so that Cargo
# unifies the same features and one build serves them all.
unit() {
  cargo test --locked --no-fail-fast --workspace --lib --bins --test stream "$@"
}

api() {
  cargo test --locked --no-fail-fast --workspace --test api -- "$@"
}

# unit, api and the doc tests in one cargo run: what the test command counts.
rust() {
  cargo test --locked --no-fail-fast --workspace "$@"
}

vendor() {
  local status=0
  for crate in vendor/rml_amf0 vendor/rml_rtmp; do
    cargo test --locked --no-fail-fast --manifest-path "$crate/Cargo.toml" --target-dir target/vendor || status=1
  done
  return "$status"
}

web() {
  npm --prefix web test -- "$@"
}

# The end-to-end tests start the debug server binary; a failed web build leaves no web/dist, so
# they cannot pass on a stale one.
e2e() {
  rm -rf web/dist
  npm --prefix web run build
  cargo build --locked --bin livestream
  LIVESTREAM_BIN="$PWD/target/debug/livestream" npm --prefix web run e2e -- "$@"
}

contract() {
  cargo build --locked --bin livestream
  LIVESTREAM_BIN="$PWD/target/debug/livestream" bash scripts/schemathesis.sh
}

case "${1:-}" in
  check | pure_crates | unit | api | rust | vendor | web | e2e | contract)
    loop=$1
    shift
    "$loop" "$@"
    ;;
  all)
    check && rust && vendor && web && e2e && contract
    ;;
  *)
    sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
