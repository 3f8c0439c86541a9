#!/usr/bin/env bash
# Makes sure the services the test suite talks to are up: MariaDB on 127.0.0.1:3306 (root, no
# password), Redis on 127.0.0.1:6379, and SeaweedFS's S3 on 127.0.0.1:8333 with the bucket
# `recordings`. Installs MariaDB and Redis from Debian if missing (SeaweedFS comes from PyPI,
# deploy/install-deps.sh), starts them if down.
set -euo pipefail
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

if ! command -v mariadbd >/dev/null 2>&1 && [[ ! -x /usr/sbin/mariadbd ]]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends mariadb-server mariadb-client
fi
if ! mariadb-admin --protocol=tcp -h 127.0.0.1 -u root ping >/dev/null 2>&1; then
  $SUDO mkdir -p /run/mysqld && $SUDO chown mysql:mysql /run/mysqld 2>/dev/null || true
  $SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  for _ in $(seq 1 60); do
    mariadb-admin --protocol=tcp -h 127.0.0.1 -u root ping >/dev/null 2>&1 && break
    sleep 1
  done
fi
mariadb-admin --protocol=tcp -h 127.0.0.1 -u root ping >/dev/null

if ! command -v redis-server >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends redis-server
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break
    sleep 1
  done
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null

# SeaweedFS in one process (`weed mini`): S3 on 8333, its other servers on their default ports
# except the volume server's (8381, away from common development ports). No identities are
# configured, so any key signs.
if ! curl -s -o /dev/null http://127.0.0.1:8333/; then
  root="$(cd "$(dirname "$0")/.." && pwd)"
  weed="$root/target/tools/bin/weed"
  [[ -x "$weed" ]] || bash "$root/deploy/install-deps.sh"
  mkdir -p "$root/target/seaweedfs"
  nohup "$weed" mini -dir="$root/target/seaweedfs" -bucket=recordings -ip=127.0.0.1 \
    -volume.port=8381 -admin.ui=false -webdav=false >"$root/target/seaweedfs.log" 2>&1 &
  for _ in $(seq 1 60); do
    curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8333/recordings | grep -q 200 && break
    sleep 1
  done
fi
curl -sf -o /dev/null http://127.0.0.1:8333/recordings
