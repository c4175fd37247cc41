#!/usr/bin/env bash
# Builds the client image the container tests run (tests/it/containers.rs): a Debian root
# filesystem from debootstrap with the stock AWS CLI and boto3, imported with `docker import`,
# because no image registry is reachable here. Debian 13 (trixie), because its botocore reads
# AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, which is how ssoexec hands a container its token
# (docs/containers.md). Built once: an image already present is reused. Building needs root (run
# as root, or by a user with password-less sudo: the script then runs itself through sudo) and a
# Docker daemon (scripts/docker-daemon.sh). Prints the image name.
set -euo pipefail
image="${SSOEXEC_TEST_IMAGE:-ssoexec-test-client:trixie-1}"
mirror="${SSOEXEC_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "$image"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  exec sudo -n --preserve-env=SSOEXEC_TEST_IMAGE,SSOEXEC_DEBIAN_MIRROR bash "$0" "$@"
fi
command -v debootstrap >/dev/null 2>&1 || {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
}
root="$(mktemp -d /var/tmp/ssoexec-image.XXXXXX)"
cleanup() {
  for m in proc sys dev; do umount "$root/$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
debootstrap --variant=minbase trixie "$root" "$mirror" >&2
mount -t proc proc "$root/proc"
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
in_root apt-get update -qq >&2
# python3-cffi-backend first: without it apt cannot order awscli's dependencies.
in_root apt-get -f install -y -qq --no-install-recommends python3-cffi-backend >&2
in_root apt-get install -y -qq --no-install-recommends awscli python3-boto3 ca-certificates >&2
in_root apt-get clean
umount "$root/proc"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
tar -C "$root" -c . | docker import --change 'CMD ["/bin/bash"]' - "$image" >&2
echo "$image"
