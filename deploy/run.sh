#!/usr/bin/env bash
# Builds and runs the server with the embedded defaults (no other service needed).
# Extra arguments go to `livestream serve`, for example `--config livestream.toml`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
exec cargo run --release --locked --bin livestream -- serve "$@"
