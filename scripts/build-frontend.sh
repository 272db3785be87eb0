#!/usr/bin/env bash
# Builds the site (the Yew frontend, with trunk) into a web root, the one way CI, `cargo xtask`
# and the Nix flake do:
#
#   npm ci (Freighter's library) -> trunk build --release --offline -> precompressed .br/.gz
#   -> OUT_DIR, keeping OUT_DIR/game (the game, built by scripts/build-game.sh) in place.
#
# Usage: scripts/build-frontend.sh OUT_DIR
#
# Tools: trunk 0.21, wasm-bindgen (the exact version in Cargo.lock), wasm-opt (binaryen 132),
# npm, brotli, gzip. See scripts/install-web-tools.sh.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: build-frontend.sh OUT_DIR}"
# shellcheck source=lib/common.sh
source "$root/scripts/lib/common.sh"
for tool in trunk wasm-bindgen wasm-opt brotli gzip; do need "$tool"; done

# Browser libraries, exactly as package-lock.json has them: installed by npm, or given ready
# made (the flake builds them from the same lock file).
if [[ -n "${STELLAR_HEADS_NODE_MODULES:-}" ]]; then
  ln -sfn "$STELLAR_HEADS_NODE_MODULES" "$root/frontend/node_modules"
else
  need npm
  (cd "$root/frontend" && npm ci --no-audit --no-fund --silent)
fi

# shellcheck source=lib/wasm-toolchain.sh
source "$root/scripts/lib/wasm-toolchain.sh"
staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
(cd "$root/frontend" && wasm_env trunk build --release --offline --skip-version-check \
  --dist "$staging/site")

# The game's directory belongs to scripts/build-game.sh; everything else is replaced.
mkdir -p "$out"
find "$out" -mindepth 1 -maxdepth 1 ! -name game -exec rm -rf {} +
cp -r "$staging/site/." "$out/"
mapfile -d '' served < <(find "$out" -maxdepth 1 -type f \
  \( -name '*.js' -o -name '*.wasm' -o -name '*.css' -o -name '*.html' -o -name '*.svg' \) -print0)
precompress "${served[@]}"

wasm="$(find "$out" -maxdepth 1 -name '*_bg.wasm' -print -quit)"
{
  echo "frontend web build, $(build_stamp)"
  printf '%-28s %12s\n' "wasm (wasm-opt -Oz)" "$(stat -c %s "$wasm")"
  printf '%-28s %12s\n' "wasm (brotli)" "$(stat -c %s "$wasm.br")"
  printf '%-28s %12s\n' "all files (brotli)" "$(cat "$out"/*.br | wc -c)"
} | tee "$out/frontend-size-report.txt"
[[ -f "$out/game/index.html" ]] || echo "build-frontend: note: $out/game has no game yet (scripts/build-game.sh $out/game)" >&2
