#!/usr/bin/env bash
# Checks the Windows and macOS builds from a Debian (bookworm) Linux machine, where rustup cannot
# download those standard libraries: the nightly toolchain builds them from source
# (-Zbuild-std). README "Development" and docs/platforms.md describe it.
#
#   scripts/cross-check.sh [setup|check|test|e2e|all]      (default: all)
#
#   setup  installs what the rest needs; idempotent. Only Debian packages are downloaded:
#          mingw-w64 (gcc, binutils), wine64, clang from the system's suites, and `rust-src` from
#          Debian's sid suite (the standard library's source, close to the nightly's version),
#          extracted into the nightly sysroot. Generated here, under target/cross-env/: a wine
#          prefix with bcryptprimitives.dll (Rust's std calls its ProcessPrng, which wine 8 lacks;
#          the shim forwards to advapi32's SystemFunction036, built with mingw) and the three C
#          headers ring's C needs to type-check for macOS without an SDK.
#   check  `cargo clippy` (nightly's: a type-check plus the lints) of every target (lib, bin,
#          tests, examples) for x86_64-pc-windows-gnu, aarch64-apple-darwin and
#          x86_64-apple-darwin, as ci.yml lints them on those runners. Any warning in this
#          repository's code fails it (dead code on one platform, a clippy lint included).
#   test   the library's unit tests and the integration suite (tests/it, with the fake browser
#          it signs in through, examples/fake_browser.rs) for Windows, run under wine. Tests
#          that need Unix or Linux programs are reported as ignored, with the reason. A test that
#          failed only because wine could not start a process (os error 1359, see wine_test) runs
#          once more, announced by "== RETRY"; any other failure fails at once.
#   e2e    scripts/wine-e2e.sh: the Windows binary under wine against the mock (native).
#
# Needs root for apt-get (or run `setup` once as root). Output of cargo goes to target/cross.
set -euo pipefail
cd "$(dirname "$0")/.."

WIN=x86_64-pc-windows-gnu
MACS=(aarch64-apple-darwin x86_64-apple-darwin)
ENV_DIR="$PWD/target/cross-env"
export CARGO_TARGET_DIR="$PWD/target/cross"
export WINEPREFIX="$ENV_DIR/wine"
export WINEDEBUG=-all
WINE=/usr/lib/wine/wine64
BUILD_STD=(-Zbuild-std=std,panic_abort)
# wine64 runs the Windows test binaries `cargo test` builds.
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=$WINE
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc

log() { printf '== %s\n' "$*" >&2; }

sysroot_src() { echo "$(rustc +nightly --print sysroot)/lib/rustlib/src/rust"; }

install_debian_packages() {
  local missing=()
  for tool in x86_64-w64-mingw32-gcc:gcc-mingw-w64-x86-64 x86_64-w64-mingw32-dlltool:binutils-mingw-w64-x86-64 clang:clang; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool##*:}")
  done
  [ -x "$WINE" ] || missing+=(wine64)
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# Debian's rust-src from sid, without adding sid to the system's sources: a private apt state.
install_rust_src() {
  local dest
  dest="$(sysroot_src)"
  [ -f "$dest/library/Cargo.lock" ] && return 0
  log "rust-src (Debian sid) into $dest"
  local apt_dir="$ENV_DIR/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/deb"
  echo "deb http://deb.debian.org/debian sid main" >"$apt_dir/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt_dir/lists" -o Dir::State::Status=/dev/null
    -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" update -qq
  (cd "$apt_dir/deb" && rm -f rust-src_*.deb && apt-get "${opts[@]}" download rust-src)
  rm -rf "$apt_dir/x"
  dpkg-deb -x "$apt_dir"/deb/rust-src_*.deb "$apt_dir/x"
  mkdir -p "$dest"
  cp -a "$apt_dir"/x/usr/src/rustc-*/library "$dest/"
  rm -rf "$apt_dir/x"
}

# ProcessPrng(buffer, length) -> TRUE, as Windows 10+ has it, on top of RtlGenRandom.
make_wine_prefix() {
  local dll="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
  [ -f "$dll" ] && return 0
  log "wine prefix $WINEPREFIX with a bcryptprimitives.dll shim"
  local src="$ENV_DIR/bcryptprimitives"
  mkdir -p "$src"
  cat >"$src/shim.c" <<'EOF'
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  while (length > 0) {
    ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
    if (!SystemFunction036(data, chunk)) return FALSE;
    data += chunk;
    length -= chunk;
  }
  return TRUE;
}
EOF
  printf 'LIBRARY bcryptprimitives\nEXPORTS\n  ProcessPrng\n' >"$src/shim.def"
  x86_64-w64-mingw32-gcc -shared -O2 -o "$src/bcryptprimitives.dll" "$src/shim.c" "$src/shim.def" -ladvapi32
  "$WINE" wineboot --init >/dev/null 2>&1
  "$WINE" wineserver -w 2>/dev/null || /usr/lib/wine/wineserver -w
  cp "$src/bcryptprimitives.dll" "$dll"
}

# What ring's C includes beyond the compiler's own headers, for a type-check without an SDK.
make_macos_stubs() {
  local stubs="$ENV_DIR/macos-stubs"
  [ -f "$stubs/string.h" ] && return 0
  mkdir -p "$stubs"
  cat >"$stubs/TargetConditionals.h" <<'EOF'
#pragma once
#define TARGET_OS_OSX 1
#define TARGET_OS_MAC 1
#define TARGET_OS_IPHONE 0
#define TARGET_OS_IOS 0
#define TARGET_OS_TV 0
#define TARGET_OS_WATCH 0
#define TARGET_OS_SIMULATOR 0
EOF
  printf '#pragma once\n#define assert(x) ((void)0)\n' >"$stubs/assert.h"
  cat >"$stubs/string.h" <<'EOF'
#pragma once
#include <stddef.h>
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
EOF
}

setup() {
  install_debian_packages
  install_rust_src
  make_wine_prefix
  make_macos_stubs
}

# Fails on any warning in this repository's own code (std and dependencies are not ours).
checked() {
  local out status=0
  out="$(mktemp)"
  "$@" --message-format=short 2>&1 | tee "$out" >&2 || status=$?
  if grep -E '^(src|tests|examples|crates|build\.rs)[^ ]*: warning' "$out" >&2; then
    log "warnings above (in this repository's code)"
    status=1
  fi
  rm -f "$out"
  return "$status"
}

check() {
  local lint=clippy
  cargo +nightly clippy --version >/dev/null 2>&1 || {
    log "WARNING: the nightly toolchain has no clippy (rustup component add clippy --toolchain nightly): type-check only"
    lint=check
  }
  log "$lint $WIN (all targets)"
  checked cargo +nightly "$lint" "${BUILD_STD[@]}" --locked --target "$WIN" --all-targets
  local resource
  resource="$(clang -print-resource-dir)"
  for target in "${MACS[@]}"; do
    local arch=${target%%-*} var=${target//-/_}
    [ "$arch" = aarch64 ] && arch=arm64
    log "$lint $target (all targets)"
    env "CC_$var=clang" \
      "CFLAGS_$var=-target $arch-apple-macos11 -ffreestanding -nostdinc -isystem $ENV_DIR/macos-stubs -isystem $resource/include" \
      bash -o pipefail -c "$(declare -f checked log); checked cargo +nightly $lint ${BUILD_STD[*]} --locked --target $target --all-targets"
  done
}

# A Windows process wine fails to start makes CreateProcess answer ERROR_INTERNAL_ERROR
# (os error 1359): the child died in wine's own start-up, before any of its code ran (wine's
# NtCreateUserProcess reports a child that ended before its initialisation with no exit code so).
# Not ssoexec's failure, and rare (once in a few whole runs). `cargo test ARGS` once; if it fails
# and every failed test failed that way, those tests (and only they) run once more, announced.
# Any other failure fails at once.
wine_test() {
  local out status=0
  out="$(mktemp)"
  cargo +nightly test "${BUILD_STD[@]}" --locked --target "$WIN" "$@" 2>&1 | tee "$out" || status=$?
  if [ "$status" -ne 0 ]; then
    local failed=() name report
    # The names listed under the last "failures:" heading of libtest's summary.
    mapfile -t failed < <(awk '/^failures:$/ { n = 0; list = 1; next }
      /^test result:/ { list = 0 } list && /^    [^ ]+$/ { names[n++] = $1 }
      END { for (i = 0; i < n; i++) print names[i] }' "$out")
    for name in "${failed[@]}"; do
      # That test's report ("---- NAME stdout ----" up to the next one) must carry the signature.
      report="$(awk -v head="---- $name stdout ----" '$0 == head { on = 1; next }
        on && (/^---- .* stdout ----$/ || /^failures:$/) { exit } on' "$out")"
      grep -qE 'os error 1359|code: 1359,' <<<"$report" || { failed=(); break; }
    done
    if [ ${#failed[@]} -gt 0 ]; then
      log "RETRY: wine failed to start a process (os error 1359) in ${failed[*]}; running only those again, once"
      status=0
      cargo +nightly test "${BUILD_STD[@]}" --locked --target "$WIN" "$@" -- --exact "${failed[@]}" || status=$?
    fi
  fi
  rm -f "$out"
  return "$status"
}

unit_tests() {
  log "unit tests for $WIN under wine"
  wine_test --lib
  log "integration tests (tests/it) for $WIN under wine"
  # The sandbox's browser is a program of its own, found beside the test binary.
  cargo +nightly build "${BUILD_STD[@]}" --locked --target "$WIN" --example fake_browser
  wine_test --test it
}

# scripts/wine-e2e.sh; if it fails, once more, announced (its first output stays in the log). Its
# checks drive wine's console, cmd.exe, rundll32 and winebrowser, where wine itself now and then
# loses a process start (see wine_test); a failure that recurs fails the run.
wine_e2e() {
  scripts/wine-e2e.sh && return 0
  log "RETRY: scripts/wine-e2e.sh failed (above); running it once more, with a new wineserver"
  "$WINE" wineserver -k 2>/dev/null || /usr/lib/wine/wineserver -k 2>/dev/null || true
  scripts/wine-e2e.sh
}

# Each step on a line of its own: a function called left of `&&` runs with `set -e` off, so a
# failure inside it (the Windows check, the unit tests) would otherwise go unnoticed.
case "${1:-all}" in
setup) setup ;;
check)
  setup
  check
  ;;
test)
  setup
  unit_tests
  ;;
e2e)
  setup
  wine_e2e
  ;;
all)
  setup
  check
  unit_tests
  wine_e2e
  ;;
*)
  echo "usage: $0 [setup|check|test|e2e|all]" >&2
  exit 2
  ;;
esac
