#!/usr/bin/env bash
# Runs every check and test. On a fresh Debian 12 machine this is the only command needed:
# it installs what the project needs, starts the services tests use, then checks and tests.
#   Rust: fmt, clippy, the workspace tests (real GStreamer, RTMP, SQLite, MariaDB, WebSockets)
#   web/: tsc, eslint, Vitest component tests, then end-to-end tests in Debian's Chromium against
#         the real server with a real ffmpeg publish (screenshots in web/e2e/screenshots/)
#   API contract: schemathesis, every check, against the real server and its OpenAPI document
#   deployment: deploy/k8s and deploy/compose.yaml validated against their schemas
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash deploy/services.sh
bash deploy/build-web.sh --install-only
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
npm --prefix web run typecheck
npm --prefix web run lint
# The web app's API and chat types are generated from the server's documents (the Rust tests
# check those documents are current); a stale or hand-edited generated file fails here.
npm --prefix web run check:generated
# deploy/k8s (kubectl kustomize) and deploy/compose.yaml, against their schemas.
bash deploy/check-manifests.sh
# docs/: every page listed in SUMMARY.md, every relative link and #heading resolves.
python3 scripts/check-docs.py
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
# --no-fail-fast: every test binary runs even when an earlier one fails or aborts.
cargo_status=0
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$results/cargo.log" || cargo_status=$?
# The vendored forks' own tests, upstream's and ours (vendor/README.md).
for crate in vendor/rml_amf0 vendor/rml_rtmp; do
  cargo test --locked --no-fail-fast --manifest-path "$crate/Cargo.toml" --target-dir target/vendor \
    2>&1 | tee -a "$results/cargo.log" || cargo_status=$?
done
[ "$cargo_status" -eq 0 ] || status=1
npm --prefix web test -- --reporter=default --reporter=json \
  --outputFile.json="$results/web-unit.json" || status=1
# A failed build leaves no web/dist, so the end-to-end tests cannot pass on a stale one.
build_status=0
rm -rf web/dist
npm --prefix web run build || build_status=$?
[ "$build_status" -eq 0 ] || status=1
# The end-to-end tests start the debug server binary that `cargo test` built.
cargo build --locked --bin livestream || status=1
LIVESTREAM_BIN="$PWD/target/debug/livestream" npm --prefix web run e2e -- --reporter=default \
  --reporter=json --outputFile.json="$results/web-e2e.json" || status=1
# The same binary against its own OpenAPI document; it closes with `schemathesis: N passed, N failed`.
LIVESTREAM_BIN="$PWD/target/debug/livestream" bash deploy/schemathesis.sh 2>&1 |
  tee "$results/schemathesis.log" || status=1
# One closing line for everything (cargo prints one per test binary, Vitest one per run). A test
# binary cargo started ("Running ..." / "Doc-tests ...") that never printed its "test result:"
# line aborted (a stack overflow, SIGABRT, ...) and counts as one failure, as does each crate that
# did not compile; if cargo failed and nothing else explains it, that is one failure too. A test
# cargo ignored, a Vitest test skipped or left to do, and a Vitest file that failed without a
# failed test (a `beforeAll` that threw, which marks its tests skipped) each count as a failure:
# no test here skips itself. A failed web build counts as one. The schemathesis run counts as one
# test, failed if it printed no result.
node -e '
  const fs = require("fs");
  const [cargoLog, cargoStatus, buildStatus, contractLog, ...webFiles] = process.argv.slice(1);
  let passed = 0, failed = 0, cargoFailed = 0, open = null;
  const unfinished = () => {
    if (open !== null) { cargoFailed += 1; console.error(`no test result from ${open}`); }
  };
  for (const line of fs.readFileSync(cargoLog, "utf8").split("\n")) {
    const started = line.match(/^\s+(?:Running (?!`)|Doc-tests )(.*)$/);
    if (started) { unfinished(); open = started[1].trim(); continue; }
    const m = line.match(/^test result: .*?(\d+) passed; (\d+) failed; (\d+) ignored/);
    if (m) {
      passed += +m[1]; cargoFailed += +m[2] + +m[3]; open = null;
      if (+m[3] > 0) console.error(`${m[3]} ignored tests: ${line}`);
      continue;
    }
    if (/^error: could not compile /.test(line)) {
      cargoFailed += 1; console.error(line);
    }
  }
  unfinished();
  if (cargoStatus !== "0" && cargoFailed === 0) {
    cargoFailed = 1; console.error(`cargo test exited with ${cargoStatus} and no failed test`);
  }
  failed += cargoFailed;
  if (buildStatus !== "0") { failed += 1; console.error(`the web build failed (${buildStatus})`); }
  for (const file of webFiles) {
    if (!fs.existsSync(file)) { failed += 1; console.error(`no results in ${file}`); continue; }
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests;
    const skipped = (r.numPendingTests || 0) + (r.numTodoTests || 0);
    if (skipped > 0) { failed += skipped; console.error(`${skipped} tests skipped in ${file}`); }
    for (const suite of r.testResults || []) {
      const failedTests = (suite.assertionResults || []).filter((t) => t.status === "failed").length;
      if (suite.status === "failed" && failedTests === 0) {
        failed += 1; console.error(`${suite.name} failed outside its tests: ${suite.message || ""}`);
      }
    }
  }
  const contract = fs.existsSync(contractLog) &&
    fs.readFileSync(contractLog, "utf8").match(/^schemathesis: (\d+) passed, (\d+) failed$/m);
  if (contract) { passed += +contract[1]; failed += +contract[2]; }
  else { failed += 1; console.error(`no schemathesis result in ${contractLog}`); }
  console.log(`tests: ${passed} passed, ${failed} failed`);
' "$results/cargo.log" "$cargo_status" "$build_status" "$results/schemathesis.log" "$results/web-unit.json" \
  "$results/web-e2e.json"
exit "$status"
