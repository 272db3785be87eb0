#!/usr/bin/env bash
# Builds every shipped artifact twice, from two copies of the source at different paths, and
# compares them file by file: the web root (the game and the site, scripts/build-game.sh and
# scripts/build-frontend.sh) and the server's release binary. Any difference fails and is
# named. Then no artifact may contain a build path (scripts/check-artifacts.sh).
#
# Both builds share CARGO_TARGET_DIR: dependencies compile once, and the workspace's crates
# compile again from the second copy (its files are newer, so cargo rebuilds them; the check
# fails if it did not). They also share wasm-opt's cache: wasm-opt runs once when its input
# is identical, so what is compared for the game is everything up to wasm-opt's input plus
# the packaging after it.
#
# Usage: check-reproducible.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=lib/common.sh
source "$root/scripts/lib/common.sh"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
# No clock time in the build reports (scripts/lib/common.sh).
SOURCE_DATE_EPOCH="$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 1)"
export SOURCE_DATE_EPOCH

work="$(mktemp -d "${TMPDIR:-/tmp}/stellar-heads-repro.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# The second copy: the same files (committed or not, never ignored ones) at a longer path.
elsewhere="$work/somewhere/else/entirely/stellar-heads"
mkdir -p "$elsewhere"
(cd "$root" && git ls-files -z --cached --others --exclude-standard \
  | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$elsewhere"
# Freighter's library, installed once (the same lock file).
[[ -d "$root/frontend/node_modules" ]] || (cd "$root/frontend" && npm ci --no-audit --no-fund --silent)
export STELLAR_HEADS_NODE_MODULES="$root/frontend/node_modules"

build() { # source, output
  local source="$1" out="$2"
  echo "check-reproducible: building from $source"
  "$source/scripts/build-game.sh" "$out/web/game" >/dev/null
  "$source/scripts/build-frontend.sh" "$out/web" >/dev/null
  (cd "$source" && RUSTFLAGS="$(remap_path_flags)" cargo build --quiet --locked --release \
    --package stellar-heads-backend)
  mkdir -p "$out/bin"
  cp "$CARGO_TARGET_DIR/release/stellar-heads-backend" "$out/bin/"
}
# The compiled outputs of the workspace, which the second build must produce afresh.
compiled=("$CARGO_TARGET_DIR/wasm32-unknown-unknown/web-release/stellar_heads_game.wasm"
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/web-release/stellar-heads-frontend.wasm"
  "$CARGO_TARGET_DIR/release/stellar-heads-backend")
start=$SECONDS
build "$root" "$work/first"
# From here on, the second copy's files are newer than anything built from the first: cargo
# compiles the workspace again from them.
sleep 1
touch "$work/between"
find "$elsewhere" -type f -exec touch {} +
build "$elsewhere" "$work/second"
for file in "${compiled[@]}"; do
  [[ "$file" -nt "$work/between" ]] \
    || { echo "check-reproducible: $file was not rebuilt from the second copy" >&2; exit 1; }
done

digest() { (cd "$work/$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > "$work/$1.sha256"; }
digest first
digest second
if ! diff -u "$work/first.sha256" "$work/second.sha256" > "$work/diff"; then
  echo "check-reproducible: the two builds differ (- from $root, + from $elsewhere):" >&2
  grep '^[-+][0-9a-f]' "$work/diff" >&2
  exit 1
fi
files="$(wc -l < "$work/first.sha256")"
bytes="$(find "$work/first" -type f -printf '%s\n' | awk '{s += $1} END {print s}')"
echo "check-reproducible: $files files ($bytes bytes) identical from two paths, in $((SECONDS - start)) s"

"$root/scripts/check-artifacts.sh" --web "$work/first/web" "$work/second/web"
"$root/scripts/check-artifacts.sh" "$work/first/bin" "$work/second/bin"
