#!/usr/bin/env bash
# Builds the web app and the server, then runs the server with the embedded defaults (SQLite, no
# other service needed). Extra arguments go to `livestream serve`, e.g. `--config livestream.toml`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash deploy/build-web.sh
exec cargo run --release --locked --bin livestream -- serve "$@"
