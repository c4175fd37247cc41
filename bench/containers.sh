#!/usr/bin/env bash
# Containers (docs/containers.md): time from `ssoexec docker … run` to the first credential inside
# the container, against plain `docker run -e` with static keys, and the credential requests a
# container makes. Needs root, a Docker daemon and the client image (scripts/docker-daemon.sh,
# scripts/container-image.sh). Writes the "Containers" section of bench/RESULTS.md (between its
# markers). Not a timed test: run it by hand.
#
#   bench/containers.sh                 # release build, 7 runs of each start-up, 60 s of SDK calls
#   PROFILE=debug RUNS=5 SECONDS_OF_CALLS=40 ROLE_TTL=20 bench/containers.sh
#
# Start-up: the container runs botocore and asks it for credentials once (the endpoint for
# ssoexec, the environment for plain docker); the clock runs from the command to its exit, so both
# include the container's start and Python's. Requests: one container calls
# `get_frozen_credentials()` (what every API call does first) once a second for SECONDS_OF_CALLS
# seconds with ROLE_TTL-second role credentials; it counts its requests to the endpoint, and the
# mock counts GetRoleCredentials.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${PROFILE:-release}
runs=${RUNS:-7}
calls_for=${SECONDS_OF_CALLS:-60}
role_ttl=${ROLE_TTL:-20}
results=${RESULTS_FILE:-bench/RESULTS.md}
# .cargo/config.toml builds for the host triple: artifacts are under target/<triple>/.
target=${CARGO_TARGET_DIR:-target}/$(rustc -vV | sed -n 's/^host: //p')

scripts/docker-daemon.sh
image=$(scripts/container-image.sh)
flag=(); [ "$profile" = release ] && flag=(--release)
cargo build "${flag[@]}" --quiet --bin ssoexec --example mock_idc
bin=$target/$profile/ssoexec
mock_bin=$target/$profile/examples/mock_idc

work=$(mktemp -d)
. bench/mock.sh
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; mock_stop_all; rm -rf "$work"; }
trap cleanup EXIT

mock_start "$mock_bin" "$work" --role-ttl "$role_ttl" --access-token-ttl 28800

export HOME=$work/home
mkdir -p "$work/bin"
mock_config bench
mock_browser "$work/bin"
unset AWS_PROFILE AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN
"$bin" login --profile bench --device-code 2>"$work/login.log"

first='import botocore.session; botocore.session.get_session().get_credentials().get_frozen_credentials()'
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

# Static keys for the plain run (what `ssoexec export` would put in a compose file).
eval "$("$bin" export --profile bench --format env)"
static=(-e AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" -e AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" -e AWS_SESSION_TOKEN="$AWS_SESSION_TOKEN")
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN SSOEXEC_PROFILE SSOEXEC_IDENTITY

plain=() ours=()
for _ in $(seq "$runs"); do
    t=$(now_ms); docker run --rm "${static[@]}" "$image" python3 -c "$first"; plain+=($(($(now_ms) - t)))
    t=$(now_ms); "$bin" docker --profile bench -- run --rm "$image" python3 -c "$first"; ours+=($(($(now_ms) - t)))
done
plain_ms=$(printf '%s\n' "${plain[@]}" | median)
ours_ms=$(printf '%s\n' "${ours[@]}" | median)
echo "start-up to first credential: plain docker run -e ${plain_ms} ms, ssoexec docker ${ours_ms} ms" >&2

count='
import time, sys, botocore.session, botocore.utils
asked = [0]
fetch = botocore.utils.ContainerMetadataFetcher.retrieve_full_uri
def counted(self, *a, **k):
    asked[0] += 1
    return fetch(self, *a, **k)
botocore.utils.ContainerMetadataFetcher.retrieve_full_uri = counted
creds = botocore.session.get_session().get_credentials()
keys, end, calls = set(), time.time() + float(sys.argv[1]), 0
while time.time() < end:
    keys.add(creds.get_frozen_credentials().access_key); calls += 1
    time.sleep(1)
print(calls, asked[0], len(keys))
'
mock_reset
read -r calls asked keys < <("$bin" docker --profile bench -- run --rm "$image" python3 -c "$count" "$calls_for")
fetches=$(mock_count GetRoleCredentials)
echo "$calls SDK calls in ${calls_for} s with ${role_ttl}-s credentials: $asked endpoint requests, $keys keys, $fetches GetRoleCredentials" >&2

section=$(
    cat <<EOF2
<!-- containers-bench:start -->
## Containers (\`bench/containers.sh\`)

$(date -u +%Y-%m-%d), $(nproc) cores (load average $(cut -d' ' -f1 /proc/loadavg) at the end), Docker $(docker version --format '{{.Server.Version}}'), image \`$image\`, $profile build, median of $runs runs.

| from the command to the first credential inside the container | ms |
|---|---|
| \`docker run -e AWS_ACCESS_KEY_ID=… -e …\` (static keys) | $plain_ms |
| \`ssoexec docker --profile P -- run …\` (endpoint, token file, shared network) | $ours_ms |

Credential requests: with ${role_ttl}-second role credentials, a container making $calls SDK calls in
${calls_for} s asked the endpoint $asked times (botocore asks on every call in the last 15 minutes of
its credentials) and saw $keys different keys; the portal was asked $fetches times (GetRoleCredentials,
once per half-life). With Identity Center's 1-hour credentials botocore asks once it is within 15
minutes of expiry and ssoexec then serves new ones: about one request per container every 45
minutes (1.3 an hour), and one GetRoleCredentials per profile every 45 minutes however many
containers ask.
<!-- containers-bench:end -->
EOF2
)
python3 - "$results" "$section" <<'PY'
import sys, re
path, section = sys.argv[1], sys.argv[2]
try:
    text = open(path).read()
except FileNotFoundError:
    text = ""
pattern = re.compile(r"<!-- containers-bench:start -->.*?<!-- containers-bench:end -->", re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
echo "wrote $results" >&2
