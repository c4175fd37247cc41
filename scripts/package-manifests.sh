#!/usr/bin/env bash
# Renders the package-manager files of a release from its SHA256SUMS (docs/release.md):
#
#   scripts/package-manifests.sh VERSION SHA256SUMS OUTDIR
#
# writes OUTDIR/ssoexec.rb (the Homebrew formula, for the tap's Formula/) from
# packaging/homebrew/ssoexec.rb and OUTDIR/ssoexec.json (the Scoop manifest, for a bucket) from
# packaging/scoop/ssoexec.json. In the templates @VERSION@ is the version without the `v` and
# @SHA256:<target>.<ext>@ the SHA-256 that SHA256SUMS lists for ssoexec-VERSION-<target>.<ext>.
# A template's leading comment block documents it and is dropped. Fails, writing neither file,
# when an archive has no entry or a placeholder is left. (cargo binstall needs no file: its
# metadata in Cargo.toml points at the same archives.)
set -euo pipefail

[ $# -eq 3 ] || {
  echo "usage: $0 VERSION SHA256SUMS OUTDIR" >&2
  exit 2
}
version="${1#v}"
sums="$2"
out="$3"
templates="$(dirname "$0")/../packaging"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]] || {
  echo "package-manifests: '$1' is not a release version (X.Y.Z)" >&2
  exit 2
}

render() {
  local template="$1" text archive sum
  text="$(awk 'body || !/^#/ {body = 1; print}' "$template" | sed "s/@VERSION@/$version/g")"
  for suffix in $(grep -o '@SHA256:[^@]*@' <<<"$text" | sed 's/^@SHA256://; s/@$//' | sort -u); do
    archive="ssoexec-$version-$suffix"
    sum="$(awk -v name="$archive" '$2 == name || $2 == "*" name {print $1; exit}' "$sums")"
    [[ "$sum" =~ ^[0-9a-f]{64}$ ]] || {
      echo "package-manifests: $sums has no SHA-256 for $archive" >&2
      return 1
    }
    text="${text//@SHA256:$suffix@/$sum}"
  done
  if grep -n '@[A-Z0-9]*[:@]' <<<"$text" >&2; then
    echo "package-manifests: placeholders left in $template (above)" >&2
    return 1
  fi
  printf '%s\n' "$text"
}

formula="$(render "$templates/homebrew/ssoexec.rb")"
scoop="$(render "$templates/scoop/ssoexec.json")"
mkdir -p "$out"
printf '# Rendered by scripts/package-manifests.sh from packaging/homebrew/ssoexec.rb for v%s.\n%s\n' \
  "$version" "$formula" >"$out/ssoexec.rb"
printf '%s\n' "$scoop" >"$out/ssoexec.json"
