#!/usr/bin/env bash
# Installs the pinned ssoexec for the action: keeps one already on PATH at that version, else a
# release binary verified against its published SHA-256, else builds this checkout with
# `cargo install --locked` (the action directory sits inside the ssoexec source tree).
set -euo pipefail
version="${SSOEXEC_VERSION:?SSOEXEC_VERSION is required}"
action_path="${SSOEXEC_ACTION_PATH:-$(cd "$(dirname "$0")" && pwd)}"
bin_dir="${RUNNER_TOOL_CACHE:-$HOME/.local}/ssoexec/$version/bin"

have() { command -v ssoexec >/dev/null 2>&1 && [ "$(ssoexec --version | awk '{print $2}')" = "$version" ]; }
add_path() { [ -n "${GITHUB_PATH:-}" ] && echo "$1" >>"$GITHUB_PATH"; export PATH="$1:$PATH"; }

if have; then
  echo "ssoexec $version is already installed: $(command -v ssoexec)"
  exit 0
fi
if [ -x "$bin_dir/ssoexec" ]; then
  add_path "$bin_dir"
  echo "ssoexec $version from the tool cache"
  exit 0
fi

mkdir -p "$bin_dir"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) target=x86_64-unknown-linux-musl ;;
  Linux-aarch64) target=aarch64-unknown-linux-musl ;;
  Darwin-arm64) target=aarch64-apple-darwin ;;
  Darwin-x86_64) target=x86_64-apple-darwin ;;
  *) target="" ;;
esac
base="${SSOEXEC_RELEASE_BASE_URL:-}"
if [ -n "$base" ] && [ -n "$target" ]; then
  tmp="$(mktemp -d)"
  archive="ssoexec-$version-$target.tar.gz"
  if curl -fsSL "$base/v$version/$archive" -o "$tmp/$archive" && curl -fsSL "$base/v$version/$archive.sha256" -o "$tmp/sum"; then
    expected="$(awk '{print $1}' "$tmp/sum")"
    actual="$(sha256sum "$tmp/$archive" | awk '{print $1}')"
    if [ "$expected" != "$actual" ]; then
      echo "::error::ssoexec $archive checksum mismatch (expected $expected, got $actual)" >&2
      exit 1
    fi
    tar -xzf "$tmp/$archive" -C "$bin_dir" ssoexec
    add_path "$bin_dir"
    echo "ssoexec $version installed from a verified release archive"
    exit 0
  fi
  echo "no release archive for $target at $base; building from source" >&2
fi

command -v cargo >/dev/null || { echo "::error::ssoexec needs a release archive or a Rust toolchain (cargo) to install" >&2; exit 1; }
cargo install --locked --quiet --root "${bin_dir%/bin}" --path "$action_path/.."
add_path "$bin_dir"
echo "ssoexec $version built from source"
