#!/usr/bin/env bash
# Installs ssoexec for the action (docs/release.md describes the release files it reads).
#
#   install.sh plan   writes the plan to $GITHUB_OUTPUT (and stdout) for the action's cache steps:
#                     mode (present | release | source), version, target, dir, key, restore-key
#   install.sh        installs according to the same plan and puts ssoexec on PATH (GITHUB_PATH)
#
# Modes, decided in this order:
#   present   an ssoexec of the wanted version is already on PATH: nothing to do.
#   release   `ssoexec-version` is set, or the action runs from a release tag (v1, v1.2, v1.2.3…):
#             download ssoexec-<version>-<target>.tar.gz (.zip on Windows) and SHA256SUMS from the
#             release, verify the archive's SHA-256 against SHA256SUMS before unpacking it, and
#             refuse on any mismatch or missing entry (fail closed: never falls back to a build).
#   source    the action runs from a branch, a commit or a local path (unreleased code): build the
#             checkout the action sits in with `cargo install --locked`.
# An install directory restored by actions/cache (or kept by a self-hosted runner) is reused: a
# release binary only after it is verified against the release's SHA256SUMS (the directory keeps
# the verified archive; its SHA-256 must be the listed one and the binary must be the one it holds,
# byte for byte; nothing cached is run before that), else it is downloaded again; a source build
# when its stamp names the same source tree.
#
# Environment: SSOEXEC_VERSION (the `ssoexec-version` input, may be empty), SSOEXEC_ACTION_PATH,
# SSOEXEC_ACTION_REF, SSOEXEC_ACTION_REPOSITORY (github.action_*; unreliable in composite actions,
# so the ref and repository are also read from the action's path, _actions/OWNER/REPO/REF/action),
# and for tests and mirrors: SSOEXEC_RELEASE_BASE_URL (default
# https://github.com/REPOSITORY/releases/download; files are fetched from BASE/vVERSION/NAME, and
# file:// works), SSOEXEC_INSTALL_DIR (default $RUNNER_TOOL_CACHE/ssoexec/VERSION/TARGET).
set -euo pipefail

default_repository=ssoexec/ssoexec
action_path="${SSOEXEC_ACTION_PATH:-$(cd "$(dirname "$0")" && pwd)}"
source_root="$(cd "$action_path/.." && pwd)"

fail() {
  echo "::error::ssoexec install: $*" >&2
  exit 1
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{print $1}'
  else
    shasum -a 256 "$1" | awk '{print $1}'
  fi
}

# The Rust target of this runner, as named in the release archives.
detect_target() {
  local os arch
  os="$(uname -s)"
  arch="$(uname -m)"
  case "$os-$arch" in
    Linux-x86_64 | Linux-amd64) echo x86_64-unknown-linux-gnu ;;
    Linux-aarch64 | Linux-arm64) echo aarch64-unknown-linux-gnu ;;
    Darwin-x86_64) echo x86_64-apple-darwin ;;
    Darwin-arm64 | Darwin-aarch64) echo aarch64-apple-darwin ;;
    MINGW*-x86_64 | MSYS*-x86_64 | CYGWIN*-x86_64 | Windows_NT-x86_64) echo x86_64-pc-windows-msvc ;;
    *) echo "" ;;
  esac
}

# The action's ref: github.action_ref, else the path segment the runner downloaded it to.
action_ref="${SSOEXEC_ACTION_REF:-}"
repository="${SSOEXEC_ACTION_REPOSITORY:-}"
case "$action_path" in
  */_actions/*/*/*/action)
    rest="${action_path#*/_actions/}"
    IFS=/ read -r path_owner path_repo path_ref _ <<<"$rest"
    action_ref="${action_ref:-$path_ref}"
    repository="${repository:-$path_owner/$path_repo}"
    ;;
esac
repository="${repository:-$default_repository}"

cargo_version() {
  sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$source_root/Cargo.toml" | head -n 1
}

version="${SSOEXEC_VERSION:-}"
version="${version#v}"
if [ -n "$version" ]; then
  mode=release
elif [[ "$action_ref" =~ ^v([0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?)$ ]]; then
  mode=release
  version="${BASH_REMATCH[1]}"
elif [[ "$action_ref" =~ ^v[0-9]+(\.[0-9]+)?$ ]]; then
  # A moving major (or minor) tag: the checkout's Cargo.toml names the release it points at.
  mode=release
  version="$(cargo_version)"
else
  mode=source
  version="$(cargo_version)"
fi
[ -n "$version" ] || fail "cannot tell which ssoexec version to install (no ssoexec-version input, no version in $source_root/Cargo.toml)"

target="$(detect_target)"
exe=ssoexec
ext=tar.gz
case "$target" in
  *-windows-*) exe=ssoexec.exe ext=zip ;;
esac
archive="ssoexec-$version-${target:-unknown}.$ext"

sha256_stdin() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi
}

# Names and contents of the files a build reads: the stamp of a source build.
source_tree_hash() {
  (
    cd "$source_root"
    find Cargo.toml Cargo.lock src -type f -print0 | LC_ALL=C sort -z |
      while IFS= read -r -d '' f; do printf '%s %s\n' "$(sha256 "$f")" "$f"; done
  ) | sha256_stdin | awk '{print substr($1, 1, 16)}'
}

have() {
  command -v ssoexec >/dev/null 2>&1 && [ "$(ssoexec --version 2>/dev/null | awk '{print $2}')" = "$version" ]
}

if have; then
  mode=present
fi
cache_base="${RUNNER_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}}/ssoexec"
case "$mode" in
  release)
    [ -n "$target" ] || fail "no ssoexec release for $(uname -s) $(uname -m); use the action from a branch to build from source"
    dir="${SSOEXEC_INSTALL_DIR:-$cache_base/$version/$target}"
    key="ssoexec-$version-$target"
    restore_key=""
    ;;
  source)
    tree="$(source_tree_hash)"
    dir="${SSOEXEC_INSTALL_DIR:-$cache_base/source/${target:-$(uname -s)-$(uname -m)}}"
    key="ssoexec-source-${target:-$(uname -s)-$(uname -m)}-$tree"
    restore_key="ssoexec-source-${target:-$(uname -s)-$(uname -m)}-"
    ;;
  present)
    dir="$(dirname "$(command -v ssoexec)")"
    key=""
    restore_key=""
    ;;
esac

# Unpacks release archive $1 into directory $2.
unpack() {
  mkdir -p "$2"
  case "$1" in
    *.tar.gz) tar -xzf "$1" -C "$2" ;;
    *.zip)
      if command -v unzip >/dev/null 2>&1; then
        unzip -q -o "$1" -d "$2"
      else
        7z x -y -o"$2" "$1" >/dev/null
      fi
      ;;
  esac
}

add_path() {
  if [ -n "${GITHUB_PATH:-}" ]; then echo "$1" >>"$GITHUB_PATH"; fi
  export PATH="$1:$PATH"
}

if [ "${1:-}" = plan ]; then
  plan="mode=$mode
version=$version
target=$target
archive=$archive
dir=$dir
key=$key
restore-key=$restore_key"
  echo "$plan"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "$plan" >>"$GITHUB_OUTPUT"; fi
  exit 0
fi
[ $# -eq 0 ] || fail "unknown argument: $1 (use \`plan\` or nothing)"

case "$mode" in
  present)
    echo "ssoexec $version is already installed: $(command -v ssoexec)"
    exit 0
    ;;
  release)
    base="${SSOEXEC_RELEASE_BASE_URL:-https://github.com/$repository/releases/download}"
    base="${base%/}/v$version"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    curl -fsSL --retry 3 -o "$tmp/SHA256SUMS" "$base/SHA256SUMS" ||
      fail "cannot download $base/SHA256SUMS (is ssoexec $version released?)"
    expected="$(awk -v name="$archive" '$2 == name || $2 == "*" name {print $1; exit}' "$tmp/SHA256SUMS")"
    [ -n "$expected" ] || fail "SHA256SUMS of ssoexec $version has no entry for $archive; refusing to install it"
    if [ -e "$dir/bin/$exe" ] || [ -e "$dir/$archive" ]; then
      if [ -f "$dir/$archive" ] && [ "$(sha256 "$dir/$archive")" = "$expected" ] &&
        unpack "$dir/$archive" "$tmp/cached" && [ -f "$tmp/cached/$exe" ] &&
        cmp -s "$tmp/cached/$exe" "$dir/bin/$exe"; then
        add_path "$dir/bin"
        echo "ssoexec $version ($target) from the cache, verified against SHA256SUMS (sha256 $expected): $dir/bin/$exe"
        exit 0
      fi
      echo "::warning::ssoexec install: the cached ssoexec in $dir is not the $archive SHA256SUMS lists; downloading it again" >&2
    fi
    echo "downloading $base/$archive"
    curl -fsSL --retry 3 -o "$tmp/$archive" "$base/$archive" ||
      fail "cannot download $base/$archive (is ssoexec $version released for $target?)"
    actual="$(sha256 "$tmp/$archive")"
    if [ "$expected" != "$actual" ]; then
      fail "checksum mismatch for $archive: SHA256SUMS says $expected, the download has $actual; refusing to install it"
    fi
    echo "verified $archive (sha256 $actual)"
    unpack "$tmp/$archive" "$tmp/unpacked"
    [ -f "$tmp/unpacked/$exe" ] || fail "$archive holds no $exe at its top level"
    mkdir -p "$dir/bin"
    rm -f "$dir/bin/$exe" "$dir/$archive"
    cp "$tmp/unpacked/$exe" "$dir/bin/$exe"
    chmod 755 "$dir/bin/$exe"
    # Kept beside the binary, so a later run can verify what it reuses against SHA256SUMS.
    cp "$tmp/$archive" "$dir/$archive"
    got="$("$dir/bin/$exe" --version 2>/dev/null | awk '{print $2}')" || true
    [ "$got" = "$version" ] || fail "$archive installed an ssoexec that reports version '${got}', not $version"
    add_path "$dir/bin"
    echo "ssoexec $version ($target) installed from a verified release archive into $dir/bin"
    ;;
  source)
    if [ -x "$dir/bin/$exe" ] && [ "$(cat "$dir/source-tree" 2>/dev/null)" = "$tree" ]; then
      add_path "$dir/bin"
      echo "ssoexec $version (source tree $tree) from the cache: $dir/bin/$exe"
      exit 0
    fi
    command -v cargo >/dev/null 2>&1 ||
      fail "ref '${action_ref:-local}' is not a release, and building it needs a Rust toolchain (cargo); use a release tag or set ssoexec-version"
    echo "ref '${action_ref:-local}' is not a release: building $source_root with cargo install --locked"
    cargo install --locked --force --root "$dir" --path "$source_root"
    echo "$tree" >"$dir/source-tree"
    add_path "$dir/bin"
    echo "ssoexec $version built from source (tree $tree) into $dir/bin"
    ;;
esac
