#!/usr/bin/env bash
# End-to-end demo against the bundled mock IAM Identity Center; needs no AWS account.
# Builds ssoexec and the mock, signs in (a fake browser approves the device code), prints
# credential_process JSON, serves the second call from the cache, and runs a child with credentials.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --bin ssoexec --example mock_idc
# .cargo/config.toml builds for the host triple: artifacts are under target/<triple>/.
out="$PWD/target/$(rustc -vV | sed -n 's/^host: //p')/debug"
bin="$out/ssoexec"
work="$(mktemp -d)"
. bench/mock.sh
trap 'mock_stop_all; rm -rf "$work"' EXIT
# Sets mock_url and points the AWS endpoints at it.
mock_start "$out/examples/mock_idc" "$work"

export HOME="$work/home"
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN SSOEXEC_PROFILE
mkdir -p "$HOME/.aws"
cat >"$HOME/.aws/config" <<CONFIG
[profile demo]
sso_session = demo
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = eu-west-1

[sso-session demo]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
CONFIG
# The "browser": visits the verification URL, which approves the code in the mock.
mock_browser "$work"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; }
step ssoexec login --profile demo --device-code
"$bin" login --profile demo --device-code
step ssoexec credential-process --profile demo
"$bin" credential-process --profile demo
step "ssoexec credential-process --profile demo   # again: from the cache, no request"
before=$(mock_count total)
"$bin" credential-process --profile demo >/dev/null
after=$(mock_count total)
echo "requests to the mock during the cached call: $((after - before))" >&2
step "ssoexec --profile demo -- sh -c 'echo \$AWS_ACCESS_KEY_ID \$AWS_REGION \$SSOEXEC_PROFILE'"
"$bin" --profile demo -- sh -c 'echo "$AWS_ACCESS_KEY_ID $AWS_REGION $SSOEXEC_PROFILE"'
step "ssoexec export --profile demo --emit dotenv=app.env --emit json=-   # one retrieval, two sinks"
(cd "$work" && "$bin" export --profile demo --emit dotenv=app.env --emit json=-)
cat "$work/app.env" | sed 's/=.*/=…/' >&2
step "ssoexec eks-token --profile demo --cluster-name demo-eks   # as kubectl calls it"
KUBERNETES_EXEC_INFO='{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}' \
  "$bin" eks-token --profile demo --cluster-name demo-eks | cut -c1-160
step ssoexec status
"$bin" status
step ls ~/.aws/sso/cache ~/.aws/cli/cache
ls -l "$HOME/.aws/sso/cache" "$HOME/.aws/cli/cache" >&2
