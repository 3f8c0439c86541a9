#!/usr/bin/env bash
# Runs every check and test. On a fresh Debian 12 machine this is the only command needed:
# it installs what the project needs, starts the services tests use, then checks and tests.
#   checks (scripts/dev.sh check): fmt, clippy, tsc, eslint, generated files, manifests, docs,
#         import cycles, the pure crates free of C libraries, the fuzz targets build
#   Rust: the workspace tests (real GStreamer, RTMP, SRT, SQLite, MariaDB, Redis, S3, WebSockets)
#   web/: tsc, eslint, Vitest component tests, then end-to-end tests in Debian's Chromium against
#         the real server with a real ffmpeg publish (screenshots in web/e2e/screenshots/)
#   API contract: schemathesis, every check, against the real server and its OpenAPI document
#   Each step is one loop of scripts/dev.sh, which developers run alone.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash scripts/services.sh
bash deploy/build-web.sh --install-only
bash scripts/dev.sh check
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
# --no-fail-fast: every test binary runs even when an earlier one fails or aborts.
cargo_status=0
bash scripts/dev.sh rust 2>&1 | tee "$results/cargo.log" || cargo_status=$?
# The vendored forks' own tests, upstream's and ours (vendor/README.md).
bash scripts/dev.sh vendor 2>&1 | tee -a "$results/cargo.log" || cargo_status=$?
[ "$cargo_status" -eq 0 ] || status=1
bash scripts/dev.sh web --reporter=default --reporter=json \
  --outputFile.json="$results/web-unit.json" || status=1
# The end-to-end tests build the web app (a failed build leaves no results: one failure) and
# start the debug server binary.
bash scripts/dev.sh e2e --reporter=default --reporter=json \
  --outputFile.json="$results/web-e2e.json" || status=1
# The same binary against its own OpenAPI document; it closes with `schemathesis: N passed, N failed`.
bash scripts/dev.sh contract 2>&1 | tee "$results/schemathesis.log" || status=1
# One closing line for everything (cargo prints one per test binary, Vitest one per run). A test
# binary cargo started ("Running ..." / "Doc-tests ...") that never printed its "test result:"
# line aborted (a stack overflow, SIGABRT, ...) and counts as one failure, as does each crate that
# did not compile; if cargo failed and nothing else explains it, that is one failure too. A test
# cargo ignored, a Vitest test skipped or left to do, and a Vitest file that failed without a
# failed test (a `beforeAll` that threw, which marks its tests skipped) each count as a failure:
# no test here skips itself. The schemathesis run counts as one test, failed if it printed no
# result.
node -e '
  const fs = require("fs");
  const [cargoLog, cargoStatus, contractLog, ...webFiles] = process.argv.slice(1);
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
' "$results/cargo.log" "$cargo_status" "$results/schemathesis.log" "$results/web-unit.json" \
  "$results/web-e2e.json"
exit "$status"
