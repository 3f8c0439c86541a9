#!/usr/bin/env bash
# Runs every check and test. On a fresh Debian 12 machine this is the only command needed:
# it installs what the project needs, starts the services tests use, then checks and tests.
#   Rust: fmt, clippy, the workspace tests (real GStreamer, RTMP, SQLite, MariaDB, WebSockets)
#   web/: tsc, eslint, Vitest component tests, then end-to-end tests in Debian's Chromium against
#         the real server with a real ffmpeg publish (screenshots in web/e2e/screenshots/)
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash deploy/services.sh
bash deploy/build-web.sh --install-only
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
npm --prefix web run typecheck
npm --prefix web run lint
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
cargo test --workspace --locked 2>&1 | tee "$results/cargo.log" || status=1
npm --prefix web test -- --reporter=default --reporter=json \
  --outputFile.json="$results/web-unit.json" || status=1
npm --prefix web run build || status=1
# The end-to-end tests start the debug server binary that `cargo test` built.
cargo build --locked --bin livestream || status=1
LIVESTREAM_BIN="$PWD/target/debug/livestream" npm --prefix web run e2e -- --reporter=default \
  --reporter=json --outputFile.json="$results/web-e2e.json" || status=1
# One closing line for everything (cargo prints one per test binary, Vitest one per run).
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  for (const line of fs.readFileSync(process.argv[1], "utf8").split("\n")) {
    const m = line.match(/^test result: .*?(\d+) passed; (\d+) failed/);
    if (m) { passed += +m[1]; failed += +m[2]; }
  }
  for (const file of process.argv.slice(2)) {
    if (!fs.existsSync(file)) { failed += 1; console.error(`no results in ${file}`); continue; }
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests;
  }
  console.log(`tests: ${passed} passed, ${failed} failed`);
' "$results/cargo.log" "$results/web-unit.json" "$results/web-e2e.json"
exit "$status"
