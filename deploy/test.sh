#!/usr/bin/env bash
# Runs every check and test. On a fresh Debian 12 machine this is the only command needed:
# it installs what the project needs, starts the services tests use, then checks and tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash deploy/services.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
