#!/usr/bin/env bash
# Fails when a shipped artifact contains an absolute build path: the clone, the home and cargo
# directories, the temporary directory, and (with --web) any store or system path at all. Such
# paths leak the build machine, make the artifact depend on where it was built, and, in Nix,
# drag the vendored sources into the closure.
#
# Usage: check-artifacts.sh [--web] PATH...   (files, or directories searched recursively)
# Compressed copies (.br, .gz) are skipped: they hold the same bytes as the file beside them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=lib/common.sh
source "$root/scripts/lib/common.sh"

web=false
if [[ "${1:-}" == "--web" ]]; then web=true; shift; fi
(($#)) || { echo "usage: check-artifacts.sh [--web] PATH..." >&2; exit 2; }

forbidden=("$root/" "${CARGO_HOME:-$HOME/.cargo}/" "${TMPDIR:-/tmp}/")
[[ "$HOME" != / ]] && forbidden+=("$HOME/")
[[ -n "${cargoVendorDir:-}" ]] && forbidden+=("$cargoVendorDir")
[[ -n "${NIX_BUILD_TOP:-}" ]] && forbidden+=("$NIX_BUILD_TOP/")
# A web root has no business naming any file of the machine that built it.
$web && forbidden+=(/nix/store/ /usr/lib/ /usr/src/ /home/ /root/ /build/)
patterns="$(mktemp)"
trap 'rm -f "$patterns"' EXIT
printf '%s\n' "${forbidden[@]}" | sort -u > "$patterns"

checked=0
failed=0
while IFS= read -r -d '' file; do
  checked=$((checked + 1))
  if found="$(grep -a -o -F -f "$patterns" "$file" | sort | uniq -c | sort -rn | head -3)" && [[ -n "$found" ]]; then
    echo "check-artifacts: $file contains build paths:" >&2
    printf '    %s\n' "${found//$'\n'/$'\n'    }" >&2
    failed=$((failed + 1))
  fi
done < <(find "$@" -type f ! -name '*.br' ! -name '*.gz' -print0)

if ((failed)); then
  echo "check-artifacts: $failed of $checked files name build paths" >&2
  exit 1
fi
echo "check-artifacts: no build path in $checked files"
