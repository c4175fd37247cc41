#!/usr/bin/env bash
# Makes sure a Docker daemon answers: installs Debian's docker.io when dockerd is missing and
# starts dockerd in the background when `docker info` fails (the container tests need a real
# daemon, tests/it/containers.rs). Needs root to install or start. Idempotent.
set -euo pipefail
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
