# shellcheck shell=bash
# Sourced, not run: starts and stops the bundled mock IAM Identity Center (examples/mock_idc) for
# the bench scripts and scripts/demo.sh (and any script that needs the mock on 127.0.0.1).
#
#   . bench/mock.sh                                 # from the repository's root
#   trap 'mock_stop_all; rm -rf "$work"' EXIT
#   mock_start MOCK_BINARY "$work" [MOCK_FLAGS...]  # e.g. --role-ttl 43200; then $mock_url
#
# A script with no browser to approve the device code (wine, CI) starts it with --auto-approve and
# logs in with `--device-code --no-browser`.
#
# mock_start      starts the mock in the background on a free port (--port 0; stdin /dev/null, stderr
#                 to DIR/mock-N.log), waits for the URL it prints (at most MOCK_START_TIMEOUT seconds,
#                 default 30), sets mock_url and mock_pid and exports AWS_ENDPOINT_URL_SSO_OIDC, _SSO,
#                 _STS and _EKS. If the mock does not start it prints its log and returns 1.
#                 May be called again: several mocks can run at once, the last one is "the" mock.
# mock_stop       stops the mock started last and clears mock_url (mock_stop_all: every mock started).
# mock_browser    DIR: writes DIR/browser, a fake browser that visits the verification URL (which
#                 approves the device code in the mock), and exports BROWSER.
# mock_reset      clears the mock's request counts.
# mock_count      OP...: prints the request count of each named operation (`total` for all requests,
#                 `GetRoleCredentials`, ...), space-separated.
# mock_config     PROFILE: writes $HOME/.aws/config with [profile PROFILE] (account 111111111111, role
#                 ReadOnly, eu-west-1) in [sso-session corp] (the start URL the mock knows, us-east-1).

mock_pids=()
mock_pid=
mock_url=
mock_started=0

mock_start() {
    local binary=$1 dir=$2
    shift 2
    mock_started=$((mock_started + 1))
    local fifo=$dir/mock-$mock_started.url log=$dir/mock-$mock_started.log
    # The mock prints exactly one line, its URL, on stdout: read it from a pipe, with a deadline.
    rm -f "$fifo"
    mkfifo "$fifo"
    "$binary" --port 0 "$@" >"$fifo" 2>"$log" </dev/null &
    mock_pid=$!
    mock_pids+=("$mock_pid")
    mock_url=
    local timeout=${MOCK_START_TIMEOUT:-30}
    read -r -t "$timeout" mock_url <"$fifo" || true
    rm -f "$fifo"
    if [ -z "$mock_url" ]; then
        echo "error: the mock ($binary) did not print its URL within $timeout s; its log ($log):" >&2
        cat "$log" >&2
        return 1
    fi
    export AWS_ENDPOINT_URL_SSO_OIDC=$mock_url AWS_ENDPOINT_URL_SSO=$mock_url AWS_ENDPOINT_URL_STS=$mock_url \
        AWS_ENDPOINT_URL_EKS=$mock_url
}

mock_stop() {
    [ -n "$mock_pid" ] || return 0
    kill "$mock_pid" 2>/dev/null || true
    wait "$mock_pid" 2>/dev/null || true
    local pid rest=()
    for pid in "${mock_pids[@]}"; do [ "$pid" = "$mock_pid" ] || rest+=("$pid"); done
    mock_pids=("${rest[@]}")
    mock_pid= mock_url=
}

mock_stop_all() {
    local pid
    for pid in "${mock_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${mock_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    mock_pids=()
    mock_pid= mock_url=
}

mock_browser() {
    # shellcheck disable=SC2016 # $1 belongs to the generated script
    printf '#!/bin/sh\nexec curl -fsS -o /dev/null "$1"\n' >"$1/browser"
    chmod +x "$1/browser"
    export BROWSER=$1/browser
}

mock_reset() { curl -fsS -X POST "$mock_url/__mock/reset" >/dev/null; }

mock_count() {
    curl -fsS "$mock_url/__mock/stats" | python3 -c '
import json, sys
stats = json.load(sys.stdin)
print(" ".join(str(stats[op]) for op in sys.argv[1:]))' "$@"
}

mock_config() {
    mkdir -p "$HOME/.aws"
    cat >"$HOME/.aws/config" <<CONFIG
[profile $1]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = eu-west-1

[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
CONFIG
}
