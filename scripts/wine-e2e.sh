#!/usr/bin/env bash
# The Windows binary end to end under wine, against the bundled mock Identity Center running
# natively (wine programs reach 127.0.0.1). Run by `scripts/cross-check.sh e2e`, which sets up
# wine first (WINEPREFIX with the bcryptprimitives.dll shim). Checks, each against its output:
# device-code login, credential-process, a cache hit with no request to the mock, export
# (PowerShell lines), eks-token (an ExecCredential), exec of a Windows child (cmd.exe) with the
# credentials in its environment and its exit code passed through, logout, and the files under
# %USERPROFILE%\.aws. Exits non-zero on the first difference.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${WINEPREFIX:?run through scripts/cross-check.sh e2e (it sets up wine)}"
WINE=/usr/lib/wine/wine64
export WINEDEBUG=-all
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/cross}"

cargo +nightly build -Zbuild-std=std,panic_abort --locked --quiet --target x86_64-pc-windows-gnu --bin ssoexec
exe="$CARGO_TARGET_DIR/x86_64-pc-windows-gnu/debug/ssoexec.exe"
# The mock is a native program (its own target directory: no rebuild of the Windows one).
CARGO_TARGET_DIR="$PWD/target" cargo build --locked --quiet --example mock_idc
# .cargo/config.toml builds for the host triple: target/<triple>/debug.
mock="$PWD/target/$(rustc -vV | sed -n 's/^host: //p')/debug/examples/mock_idc"

work="$(mktemp -d)"
mock_pid=
cleanup() {
  [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# Device codes are approved as soon as they are created: no browser needed under wine.
"$mock" --port 0 --auto-approve >"$work/url" 2>"$work/mock.log" </dev/null &
mock_pid=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
url="$(head -n1 "$work/url")"
[ -n "$url" ] || { echo "wine-e2e: the mock did not start" >&2; cat "$work/mock.log" >&2; exit 1; }

export AWS_ENDPOINT_URL_SSO_OIDC="$url" AWS_ENDPOINT_URL_SSO="$url" AWS_ENDPOINT_URL_STS="$url" AWS_ENDPOINT_URL_EKS="$url"
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN SSOEXEC_PROFILE \
  AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE XDG_CACHE_HOME BROWSER HTTPS_PROXY HTTP_PROXY ALL_PROXY
# %USERPROFILE% of the prefix, as a Unix path: where ssoexec must keep ~/.aws.
profile_dir="$("$WINE" cmd /c 'echo %USERPROFILE%' </dev/null | tr -d '\r')"
home="$("$WINE" winepath -u "$profile_dir" 2>/dev/null | tr -d '\r')"
[ -d "$home" ] || { echo "wine-e2e: no profile directory ($profile_dir -> $home)" >&2; exit 1; }
rm -rf "$home/.aws" "$home/.cache/ssoexec"
mkdir -p "$home/.aws"
cat >"$home/.aws/config" <<'CONFIG'
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

ssoexec() { "$WINE" "$exe" "$@" </dev/null; }
requests() { curl -fsS "$url/__mock/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }
fail() { echo "wine-e2e: FAIL: $*" >&2; exit 1; }
ok() { echo "wine-e2e: ok: $*" >&2; }

ssoexec login --profile demo --device-code --no-browser 2>"$work/login.err" || { cat "$work/login.err" >&2; fail "login"; }
token="$home/.aws/sso/cache/$(printf demo | sha1sum | cut -d' ' -f1).json"
[ -f "$token" ] || fail "no token at $token (%USERPROFILE%\\.aws\\sso\\cache)"
ok "device-code login wrote $profile_dir\\.aws\\sso\\cache\\$(basename "$token")"

doc="$(ssoexec credential-process --profile demo)"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["Version"]==1 and d["AccessKeyId"].startswith("ASIA") and d["SecretAccessKey"] and d["SessionToken"] and d["Expiration"], d' "$doc" ||
  fail "credential-process printed $doc"
ls "$home/.aws/cli/cache/"*.json >/dev/null 2>&1 || fail "no role credentials under %USERPROFILE%\\.aws\\cli\\cache"
ok "credential-process (role credentials cached under %USERPROFILE%\\.aws\\cli\\cache)"

before="$(requests)"
again="$(ssoexec credential-process --profile demo)"
after="$(requests)"
[ "$again" = "$doc" ] || fail "the cache hit printed other credentials"
[ "$before" = "$after" ] || fail "the cache hit made $((after - before)) requests"
ok "cache hit: same document, 0 requests"

key="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["AccessKeyId"])' "$doc")"
ps="$(ssoexec export --profile demo --format powershell | tr -d '\r')"
grep -qx "\$Env:AWS_ACCESS_KEY_ID=\"$key\"" <<<"$ps" || fail "export --format powershell printed: $ps"
grep -qx '$Env:AWS_REGION="eu-west-1"' <<<"$ps" || fail "export lacks the region: $ps"
ok "export --format powershell"

ec="$(KUBERNETES_EXEC_INFO='{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}' \
  ssoexec eks-token --profile demo --cluster-name demo-eks)"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["kind"]=="ExecCredential" and d["status"]["token"].startswith("k8s-aws-v1."), d' "$ec" ||
  fail "eks-token printed $ec"
ok "eks-token (ExecCredential)"

child="$(ssoexec --profile demo -- cmd /c echo %AWS_ACCESS_KEY_ID% %AWS_REGION% %SSOEXEC_PROFILE% | tr -d '\r')"
[ "$child" = "$key eu-west-1 demo" ] || fail "the child saw: $child"
set +e
ssoexec --profile demo -- cmd /c exit 7
code=$?
set -e
[ "$code" = 7 ] || fail "exit code $code from a child that exited 7"
ok "exec of cmd.exe: credentials in its environment, its exit code 7 passed through"

ssoexec logout --profile demo 2>"$work/logout.err" || { cat "$work/logout.err" >&2; fail "logout"; }
[ ! -e "$token" ] || fail "logout left $token"
set +e
ssoexec credential-process --profile demo >"$work/after-logout.out" 2>"$work/after-logout.err"
code=$?
set -e
[ "$code" = 3 ] || { cat "$work/after-logout.err" >&2; fail "credential-process after logout exited $code, not 3"; }
[ ! -s "$work/after-logout.out" ] || fail "credential-process after logout printed on stdout"
ok "logout: token gone; credential-process then needs a login (exit 3, nothing on stdout)"
echo "wine-e2e: all checks passed" >&2
