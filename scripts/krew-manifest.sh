#!/usr/bin/env bash
# Renders the krew manifest for a release from its SHA256SUMS (docs/release.md):
#
#   scripts/krew-manifest.sh VERSION SHA256SUMS [TEMPLATE] > ssoexec.yaml
#
# TEMPLATE (default plugins/krew/ssoexec.yaml) has @VERSION@ and one @SHA256:<target>@ per
# platform; each becomes the SHA-256 that SHA256SUMS lists for ssoexec-VERSION-<target>.tar.gz.
# Fails, printing nothing on stdout, when an archive has no entry or a placeholder is left.
set -euo pipefail

[ $# -ge 2 ] && [ $# -le 3 ] || {
  echo "usage: $0 VERSION SHA256SUMS [TEMPLATE]" >&2
  exit 2
}
version="${1#v}"
sums="$2"
template="${3:-$(dirname "$0")/../plugins/krew/ssoexec.yaml}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]] || {
  echo "krew-manifest: '$1' is not a release version (X.Y.Z)" >&2
  exit 2
}

# The template's leading comment block documents the placeholders: it is not part of the result.
manifest="# Rendered by scripts/krew-manifest.sh from plugins/krew/ssoexec.yaml for v$version.
$(sed '/^#/d' "$template" | sed "s/@VERSION@/$version/g")"
for target in $(grep -o '@SHA256:[^@]*@' <<<"$manifest" | sed 's/^@SHA256://; s/@$//' | sort -u); do
  archive="ssoexec-$version-$target.tar.gz"
  sum="$(awk -v name="$archive" '$2 == name || $2 == "*" name {print $1; exit}' "$sums")"
  [[ "$sum" =~ ^[0-9a-f]{64}$ ]] || {
    echo "krew-manifest: $sums has no SHA-256 for $archive" >&2
    exit 1
  }
  manifest="${manifest//@SHA256:$target@/$sum}"
done
if grep -n '@[A-Z0-9]*[:@]' <<<"$manifest" | grep -v '^[0-9]*:#' >&2; then
  echo "krew-manifest: placeholders left in the rendered manifest (above)" >&2
  exit 1
fi
printf '%s\n' "$manifest"
