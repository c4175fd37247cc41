#!/usr/bin/env bash
# The Windows binary end to end under wine, against the bundled mock Identity Center running
# natively (wine programs reach 127.0.0.1). Run by `scripts/cross-check.sh e2e`, which sets up
# wine first (WINEPREFIX with the bcryptprimitives.dll shim). Checks, each against its output:
# device-code login, credential-process, a cache hit with no request to the mock, export
# (PowerShell lines), eks-token (an ExecCredential), exec of a Windows child (cmd.exe) with the
# credentials in its environment and its exit code passed through, logout, and the files under
# %USERPROFILE%\.aws. Then a person at the console (scripts/wine-pty.py runs wine on a
# pseudo-terminal, which wine makes the console): Ctrl-C reaching the child of exec while ssoexec
# waits and passes on the child's code, Ctrl-C ending a login wait (130), the profile picker on the
# console (both when stderr is the console and, through CONOUT$/CONIN$, when stderr is
# redirected), an MFA code typed there, nobody asked without a console, `export --format
# windows-cmd` loaded by cmd.exe, `exec --renew` (the helper serves the child and stops with
# ssoexec; it still serves after a Ctrl-C the child survives), and a login opening the browser
# with rundll32. Exits non-zero on the first difference.
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
# A Windows console program that waits for Ctrl-C, and runs a command to show its whole exit code.
x86_64-w64-mingw32-gcc -O2 -o "$work/console-child.exe" scripts/wine-console-child.c
# One way to start and stop the mock for every script (mock_start, mock_stop_all).
. bench/mock.sh
renew_pid=
cleanup() {
  # The children of the `exec --renew` checks end when these files exist, and ssoexec with them.
  [ -n "$renew_pid" ] && : >"$work/renew.stop"
  : >"$work/hold.stop"
  mock_stop_all
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# Its device codes are never approved: a login waits until interrupted.
mock_start "$mock" "$work" || exit 1
waiting_url=$mock_url
# Device codes are approved as soon as they are created: no browser needed under wine. Assuming
# the role of profile mfa needs the code 123456. Started last: "the" mock (AWS_ENDPOINT_URL_*).
mock_start "$mock" "$work" --auto-approve --require-mfa 222222222222:Admin || exit 1
url=$mock_url
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

[profile other]
sso_session = demo
sso_account_id = 222222222222
sso_role_name = ReadOnly
region = us-west-2

[profile waiting]
sso_session = waiting
sso_account_id = 111111111111
sso_role_name = ReadOnly

[sso-session waiting]
sso_start_url = https://d-0000000000.awsapps.com/start
sso_region = us-east-1

[profile awkward]
region = eu-central-1

[profile mfa]
role_arn = arn:aws:iam::222222222222:role/Admin
source_profile = demo
mfa_serial = arn:aws:iam::111111111111:mfa/me
CONFIG
# Static keys with characters cmd's `set` carries (awkward) and one it cannot (refused: %).
cat >"$home/.aws/credentials" <<'CREDENTIALS'
[awkward]
aws_access_key_id = FAKEKEYAWKWARD01
aws_secret_access_key = a b=c/d+e:f,g(h)i@j$k'l~m*n?o[p]q{r}s\t`u
aws_session_token = tok en/with spaces;and=more

[refused]
aws_access_key_id = FAKEKEYREFUSED01
aws_secret_access_key = 100%sure
CREDENTIALS

ssoexec() { "$WINE" "$exe" "$@" </dev/null; }
# The Windows path of a Unix one (wine's drive Z: is /).
winpath() { printf 'Z:%s' "${1//\//\\}"; }
# Runs a command on a pseudo-terminal, wine's console there (scripts/wine-pty.py: its screen,
# then `exit N`). What the terminal received is kept in $work/console.raw for a difference.
on_console() { python3 scripts/wine-pty.py --deadline 60 --raw "$work/console.raw" "$@"; }
# NAME EXPECTED ACTUAL: the whole texts are equal, else the difference and a failure (with the
# last console's bytes, escape sequences and all, if there was one).
same() {
  [ "$2" = "$3" ] && return 0
  diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$3") >&2 || true
  [ -f "$work/console.raw" ] &&
    python3 -c 'import sys; print("console bytes:", repr(open(sys.argv[1], "rb").read()))' "$work/console.raw" >&2
  fail "$1"
}
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

# --- A person at the console -------------------------------------------------------------------
# The child says it is ready on the console (stderr) and what it got on stdout, a file: a ^C is
# SIGINT for every process on the terminal, wine's conhost too, and what conhost draws at that
# moment is not always whole.
child="$(winpath "$work/console-child.exe")"
out="$(on_console --stdout "$work/ctrl-c.out" --on child-ready '\x03' -- "$WINE" "$exe" --profile demo -- "$child" wait 42)" ||
  fail "Ctrl-C during exec: $out"
same "Ctrl-C during exec: ssoexec waits and exits with the child's 42" "$(printf 'child-ready\nexit 42')" "$out"
same "Ctrl-C during exec: the child handles it" "child-got-ctrl-c" "$(tr -d '\r' <"$work/ctrl-c.out")"
# A Windows caller sees the whole 32-bit code (a Unix one only its low byte): the code a console
# program ends with on Ctrl-C (wine's default handler exits 0 instead, so the child returns it).
out="$(on_console --stdout "$work/ctrl-c.out" --on child-ready '\x03' -- "$WINE" "$work/console-child.exe" run \
  "\"$(winpath "$exe")\" --profile demo -- \"$child\" wait 0xC000013A")" || fail "Ctrl-C under a Windows caller: $out"
same "Ctrl-C during exec under a Windows caller: its exit code" "$(printf 'child-ready\nexit 0')" "$out"
same "Ctrl-C during exec, seen by a Windows caller" "$(printf 'child-got-ctrl-c\nexit code 0xc000013a')" \
  "$(tr -d '\r' <"$work/ctrl-c.out")"
ok "Ctrl-C during exec reaches the child; ssoexec passes on its code (42; 0xC000013A to a Windows caller)"

# stderr redirected, stdin the console: the prompts are on the console (CONOUT$), in ASCII, without
# the QR code; the error report goes to stderr. The countdown line is erased by the interruption.
out="$(AWS_ENDPOINT_URL_SSO_OIDC="$waiting_url" AWS_ENDPOINT_URL_SSO="$waiting_url" \
  on_console --stderr "$work/wait.err" --on 'giving up' '\x03' -- \
  "$WINE" "$exe" login --profile waiting --device-code --no-browser)" || fail "Ctrl-C during a login wait: $out"
same "the login prompts on the console, then Ctrl-C: 130" "Sign in to sso-session waiting in a browser:

    $waiting_url/device?user_code=ABCD-0001

and check that it shows the code:

    ABCD-0001

(On another device, open $waiting_url/device and enter the code.)
exit 130" "$out"
same "the report after Ctrl-C goes to stderr" "error: interrupted" "$(cat "$work/wait.err")"
ok "Ctrl-C during a login wait: exit 130; prompts on CONOUT\$ while stderr is redirected"

# No profile and no [default]: the picker. stderr redirected, so it is the numbered list on the
# console; a wrong answer is asked again.
out="$(on_console --stderr "$work/pick.err" --on 'give up):' 'x\r' --on 'give up):' '4\r' -- \
  "$WINE" "$exe" exec -- cmd /c echo profile=%SSOEXEC_PROFILE%)" || fail "the picker on CONOUT\$: $out"
same "the picker on CONOUT\$/CONIN\$" "No profile given (--profile, PROFILE, SSOEXEC_PROFILE, AWS_PROFILE) and no [default] profile; choose one:
   1) awkward
   2) demo     111111111111 ReadOnly
   3) mfa      arn:aws:iam::222222222222:role/Admin
   4) other    222222222222 ReadOnly
   5) refused
   6) waiting  111111111111 ReadOnly
Number (Enter for 1, q to give up): x
x is not a number from 1 to 6.
Number (Enter for 1, q to give up): 4
Using profile other (next time: ssoexec COMMAND other, or AWS_PROFILE=other).
profile=other
exit 0" "$out"
same "nothing on the redirected stderr" "" "$(cat "$work/pick.err")"
# stderr is the console too: the filter-as-you-type picker; stdout redirected. The screen is not
# compared: wine's conhost draws the picker's colour sequences as text at line ends.
# On a failure, what the child wrote (it once missed the deadline, wine-pty.py's exit 1).
out="$(on_console --stdout "$work/pick.out" --on 'choose one' 'oth\r' -- \
  "$WINE" "$exe" exec -- cmd /c echo profile=%SSOEXEC_PROFILE%)" ||
  fail "the picker on stderr: $out
the child's stdout: $(tr -d '\r' <"$work/pick.out" 2>/dev/null)"
same "the picker on stderr: exit code" "exit 0" "$(tail -n1 <<<"$out")"
grep -qxF 'Using profile other (next time: ssoexec COMMAND other, or AWS_PROFILE=other).' <<<"$out" ||
  fail "the picker on stderr showed: $out"
same "the picker on stderr: the child's stdout" "profile=other" "$(tr -d '\r' <"$work/pick.out")"
# No console (stdin redirected): nobody is asked.
set +e
ssoexec exec -- cmd /c echo profile=%SSOEXEC_PROFILE% >"$work/nobody.out" 2>"$work/nobody.err"
code=$?
set -e
same "no console: nobody asked, exit 1" "1 error: the config profile (default) could not be found in $profile_dir\\.aws\\config
hint: list profiles with \`ssoexec status\`, or pass --profile NAME" "$code $(cat "$work/nobody.out" "$work/nobody.err")"
ok "the profile picker: numbered on CONOUT\$ (stderr redirected), filtering on the console's stderr; nobody asked without a console"

# A question with a typed answer: the MFA code for a role that needs one, asked on CONOUT$ and read
# from CONIN$ (the mock accepts only 123456).
out="$(on_console --stderr "$work/mfa.err" --on 'Enter MFA code' '123456\r' -- \
  "$WINE" "$exe" --profile mfa -- cmd /c echo profile=%SSOEXEC_PROFILE%)" || fail "the MFA code on CONIN\$: $out"
same "the MFA code asked on the console" "Enter MFA code for arn:aws:iam::111111111111:mfa/me: 123456
profile=mfa
exit 0" "$out"
same "nothing on the redirected stderr" "" "$(cat "$work/mfa.err")"
ok "the MFA code asked on CONOUT\$ and read from CONIN\$ (stderr redirected)"

# export --format windows-cmd, loaded by cmd.exe from a batch file: the values arrive intact.
ssoexec export --profile awkward --format windows-cmd >"$work/creds.cmd" || fail "export --format windows-cmd"
printf '@echo off\r\ncall %s\r\nset AWS_ACCESS_KEY_ID\r\nset AWS_SECRET_ACCESS_KEY\r\nset AWS_SESSION_TOKEN\r\nset AWS_REGION\r\nset AWS_DEFAULT_REGION\r\n' \
  "$(winpath "$work/creds.cmd")" >"$work/load.cmd"
same "cmd.exe loading export --format windows-cmd" "AWS_ACCESS_KEY_ID=FAKEKEYAWKWARD01
AWS_SECRET_ACCESS_KEY=a b=c/d+e:f,g(h)i@j\$k'l~m*n?o[p]q{r}s\\t\`u
AWS_SESSION_TOKEN=tok en/with spaces;and=more
AWS_REGION=eu-central-1
AWS_DEFAULT_REGION=eu-central-1" "$("$WINE" cmd /c "$(winpath "$work/load.cmd")" </dev/null | tr -d '\r')"
set +e
ssoexec export --profile refused --format windows-cmd >"$work/refused.out" 2>"$work/refused.err"
code=$?
set -e
same "a value cmd cannot carry: refused, pointing to powershell" "1 error: the windows-cmd format cannot carry the value of AWS_SECRET_ACCESS_KEY: cmd interprets % ! ^ & | < > and \" in a set line; use the powershell format
hint: the env, json and compose formats carry any value" "$code $(cat "$work/refused.out" "$work/refused.err")"
# exec hands values to the child in its environment block, where cmd's syntax plays no part.
same "exec: a value with % in the child's environment" "AWS_SECRET_ACCESS_KEY=100%sure" \
  "$(ssoexec --profile refused -- cmd /c set AWS_SECRET_ACCESS_KEY | tr -d '\r')"
ok "export --format windows-cmd run by cmd.exe: values intact; a value with % refused; exec carries it"

# exec --renew: the child gets the helper's URL and token; the helper serves the role credentials
# while the child runs, and stops when ssoexec exits (its stdin, a pipe only ssoexec holds, closes).
printf '@echo %%AWS_CONTAINER_CREDENTIALS_FULL_URI%% %%AWS_CONTAINER_AUTHORIZATION_TOKEN%%>%s\r\n@%s until-file %s\r\n' \
  "$(winpath "$work/renew.env")" "$child" "$(winpath "$work/renew.stop")" >"$work/renew.cmd"
"$WINE" "$exe" --profile demo --renew -- cmd /c "$(winpath "$work/renew.cmd")" </dev/null >"$work/renew.out" 2>"$work/renew.err" &
renew_pid=$!
for _ in $(seq 600); do [ -s "$work/renew.env" ] && break; sleep 0.1; done
read -r helper_url helper_token < <(tr -d '\r' <"$work/renew.env") || fail "exec --renew: the child saw no helper"
[[ "$helper_url" =~ ^http://127\.0\.0\.1:[0-9]+/$ ]] || fail "exec --renew: the child saw $helper_url"
served="$(curl -fsS -H "Authorization: $helper_token" "$helper_url")" || fail "exec --renew: the helper did not answer"
same "exec --renew: the helper serves the cached role credentials" "$key" \
  "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["AccessKeyId"])' "$served")"
: >"$work/renew.stop"
wait "$renew_pid" || fail "exec --renew exited $? ($(cat "$work/renew.err"))"
renew_pid=
# The helper ends once its stdin pipe is closed: wait until nothing listens on its port (curl
# exit 7: cannot connect), with a deadline.
helper_gone() {
  local code=0
  curl -s -o /dev/null "$helper_url" || code=$?
  [ "$code" = 7 ]
}
for _ in $(seq 300); do helper_gone && break; sleep 0.1; done
helper_gone || fail "exec --renew: the helper still listens after ssoexec exited"
ok "exec --renew: the helper serves the child, and stops when ssoexec exits (the stdin lifeline)"

# A Ctrl-C typed at the console reaches every process on it: the child, which may handle it and
# go on (as terraform's graceful stop does, still calling AWS), and the helper, which must go on
# serving it. The child notes the Ctrl-C in a file; the helper is asked after that.
on_console --stdout "$work/hold.out" --on child-ready '\x03' -- "$WINE" "$exe" --profile demo --renew -- \
  "$child" hold "$(winpath "$work/hold.env")" "$(winpath "$work/hold.stop")" >"$work/hold.screen" &
hold_pid=$!
for _ in $(seq 600); do [ -e "$work/hold.env.ctrl-c" ] && break; sleep 0.1; done
[ -e "$work/hold.env.ctrl-c" ] || { cat "$work/hold.screen" >&2; fail "exec --renew: the child got no Ctrl-C"; }
read -r helper_url helper_token < <(tr -d '\r' <"$work/hold.env") || fail "exec --renew: the child saw no helper"
# A helper ended by the Ctrl-C would be gone within this pause.
sleep 1
served="$(curl -fsS -H "Authorization: $helper_token" "$helper_url")" ||
  fail "exec --renew: the helper stopped serving after a Ctrl-C the child survived"
same "exec --renew after a Ctrl-C: the helper still serves" "$key" \
  "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["AccessKeyId"])' "$served")"
: >"$work/hold.stop"
wait "$hold_pid" || { cat "$work/hold.screen" >&2; fail "exec --renew with a Ctrl-C: the console run failed"; }
same "exec --renew with a Ctrl-C: the child's code" "exit 0" "$(tail -n 1 "$work/hold.screen")"
ok "exec --renew: a Ctrl-C the child survives leaves the helper serving it"

ssoexec logout --profile demo 2>"$work/logout.err" || { cat "$work/logout.err" >&2; fail "logout"; }
[ ! -e "$token" ] || fail "logout left $token"
set +e
ssoexec credential-process --profile demo >"$work/after-logout.out" 2>"$work/after-logout.err"
code=$?
set -e
[ "$code" = 3 ] || { cat "$work/after-logout.err" >&2; fail "credential-process after logout exited $code, not 3"; }
[ ! -s "$work/after-logout.out" ] || fail "credential-process after logout printed on stdout"
ok "logout: token gone; credential-process then needs a login (exit 3, nothing on stdout)"

# No BROWSER: the Windows way, `rundll32 url.dll,FileProtocolHandler URL`. Wine hands the URL to
# winebrowser (HKCR\http\shell\open\command), which runs the Linux `xdg-open`: a fake one on PATH
# notes the URL it was given. ssoexec does not wait for its launcher, so rundll32, winebrowser and
# xdg-open go on after ssoexec has exited: the note is waited for, with a deadline. Once in a CI
# run the note never came although ssoexec said it had started rundll32 (not reproduced here in
# 100 runs, loaded or not); a lost wine process start (as os error 1359 elsewhere) is the likely
# cause. So the login is tried up to 3 times, each attempt announced; 3 losses fail, as does any
# other difference (a wrong URL, no "Opened the browser (rundll32)").
mkdir -p "$work/bin"
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s"\n' "$work/opened" >"$work/bin/xdg-open"
chmod +x "$work/bin/xdg-open"
# Every URL a login showed: a launch that was slow rather than lost may note its URL during a
# later attempt, so each noted URL must be one of them.
: >"$work/shown"
rm -f "$work/opened"
for attempt in 1 2 3; do
  ssoexec logout --profile demo 2>/dev/null || fail "logout before the browser login"
  PATH="$work/bin:$PATH" ssoexec login --profile demo --device-code 2>"$work/browser.err" ||
    { cat "$work/browser.err" >&2; fail "login with the browser"; }
  grep -qxF 'Opened the browser (rundll32).' "$work/browser.err" || { cat "$work/browser.err" >&2; fail "no rundll32"; }
  # The URL the login showed (its user code counts the mock's device authorizations).
  shown="$(sed -n 's/^    \(http.*\)$/\1/p' "$work/browser.err" | head -n 1)"
  [[ "$shown" =~ ^"$url/device?user_code=ABCD-"[0-9]{4}$ ]] || { cat "$work/browser.err" >&2; fail "the login showed no device URL"; }
  printf '%s\n' "$shown" >>"$work/shown"
  for _ in $(seq 300); do [ -s "$work/opened" ] && break; sleep 0.1; done
  [ -s "$work/opened" ] && break
  echo "wine-e2e: note: attempt $attempt: rundll32 was started but xdg-open got no URL within 30 s; wine processes now:" >&2
  ps -eo pid,ppid,etime,args | grep -iE 'rundll32|winebrowser|xdg-open' | grep -v grep >&2 || echo "  (none)" >&2
done
[ -s "$work/opened" ] || fail "the browser got no URL through rundll32 in 3 logins"
if [ "$attempt" = 1 ]; then
  same "the URL the browser got through rundll32" "$shown" "$(cat "$work/opened")"
else
  echo "wine-e2e: note: the browser got a URL on attempt $attempt" >&2
  while IFS= read -r got; do
    grep -qxF -- "$got" "$work/shown" || fail "the browser got $got, which no login showed ($(tr '\n' ' ' <"$work/shown"))"
  done <"$work/opened"
fi
ok "login without BROWSER opens the URL with rundll32 url.dll,FileProtocolHandler (wine: winebrowser, xdg-open)"
echo "wine-e2e: all checks passed" >&2
