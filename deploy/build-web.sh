#!/usr/bin/env bash
# Installs the web app's npm packages (only when package-lock.json changed) and builds the app
# into web/dist, which the server serves. Pass --install-only to skip the build.
set -euo pipefail
cd "$(dirname "$0")/../web"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
[[ "${1:-}" == "--install-only" ]] && exit 0
npm run build
