#!/usr/bin/env bash
# Installs the real consumers the integration tests check our output against. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

pip_quiet() { python3 -m pip install --quiet --disable-pip-version-check "$@"; }
python3 -c 'import botocore' 2>/dev/null || pip_quiet botocore
python3 -c 'import dotenv' 2>/dev/null || pip_quiet python-dotenv
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl; }
command -v kubectl >/dev/null || { apt-get update -qq && apt-get install -y -qq kubectl; }
