#!/usr/bin/env bash
# Builds the game for the web, the one way CI, `cargo xtask`, the README and the Nix flake do:
#
#   release wasm32 build -> wasm-bindgen (web target) -> wasm-opt -> content-hashed names
#   -> precompressed .br and .gz -> index.html with the loader -> a size report.
#
# Usage:
#   scripts/build-game.sh OUT_DIR                 build with cargo, then package into OUT_DIR
#   scripts/build-game.sh --wasm FILE OUT_DIR     package an already built .wasm (the flake)
#   PROFILE=web-fast scripts/build-game.sh ...    a quick, larger build for iterating
#
# Tools: wasm-bindgen (the exact version in Cargo.lock), wasm-opt (binaryen >= 116; Debian's
# 108 cannot read reference types), brotli, gzip. See scripts/install-web-tools.sh.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
profile="${PROFILE:-web-release}"
wasm_in=""
if [[ "${1:-}" == "--wasm" ]]; then
  wasm_in="$2"
  shift 2
fi
out="${1:?usage: build-game.sh [--wasm FILE] OUT_DIR}"
crate=stellar_heads_game
target_dir="${CARGO_TARGET_DIR:-$root/target}"
# shellcheck source=lib/common.sh
source "$root/scripts/lib/common.sh"
for tool in wasm-bindgen wasm-opt brotli gzip twiggy python3; do need "$tool"; done
# The most the game's wasm may weigh, brotli-compressed, in a release build: what a phone on a
# slow link should wait for (README, "The game"; 1,952,317 bytes when it was set).
budget="${GAME_BROTLI_BUDGET:-2000000}"

# wasm-bindgen's CLI must match the library in Cargo.lock exactly.
locked="$(locked_wasm_bindgen)"
installed="$(wasm-bindgen --version | awk '{print $2}')"
if [[ "$locked" != "$installed" ]]; then
  echo "build-game: wasm-bindgen $installed is installed, Cargo.lock has $locked" >&2
  exit 1
fi

size() { stat -c %s "$1"; }

if [[ -z "$wasm_in" ]]; then
  # The wasm32 standard library: see lib/wasm-toolchain.sh.
  # shellcheck source=lib/wasm-toolchain.sh
  source "$root/scripts/lib/wasm-toolchain.sh"
  wasm_env cargo build --manifest-path "$root/Cargo.toml" --locked --profile "$profile" \
    --target wasm32-unknown-unknown \
    --package stellar-heads-game
  wasm_in="$target_dir/wasm32-unknown-unknown/$profile/$crate.wasm"
fi

# Packaging (wasm-opt above all) takes minutes; skip it when the code has not changed.
source_hash="$(cat "$wasm_in" "$root/game/web/"* | sha256sum | cut -c1-64)"
if [[ -f "$out/.source-sha256" && "$(cat "$out/.source-sha256")" == "$source_hash" ]]; then
  echo "build-game: $out is up to date"
  cat "$out/size-report.txt"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$work" --out-name "$crate" "$wasm_in"
# Reference types and the other post-MVP features rustc emits for wasm32 by default.
wasm_opt_args=(-Oz --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-reference-types --enable-multivalue)
# wasm-opt takes minutes: its output is kept outside the clone, keyed by its exact input,
# arguments and version, so the same code built at another path (or in another clone) reuses
# it. Where the cache cannot be written (the Nix sandbox) it always runs.
opt_cache="${XDG_CACHE_HOME:-$HOME/.cache}/stellar-heads/wasm-opt"
opt_key="$( { sha256sum < "$work/${crate}_bg.wasm"; echo "${wasm_opt_args[*]}"; wasm-opt --version; } | sha256sum | cut -c1-64)"
if [[ -f "$opt_cache/$opt_key.wasm" ]]; then
  echo "build-game: wasm-opt output for this input is cached ($opt_cache/$opt_key.wasm)"
  cp "$opt_cache/$opt_key.wasm" "$work/${crate}_opt.wasm"
else
  wasm-opt "${wasm_opt_args[@]}" -o "$work/${crate}_opt.wasm" "$work/${crate}_bg.wasm"
  if mkdir -p "$opt_cache" 2>/dev/null && cp "$work/${crate}_opt.wasm" "$opt_cache/.$opt_key.tmp" 2>/dev/null; then
    mv "$opt_cache/.$opt_key.tmp" "$opt_cache/$opt_key.wasm"
    # Keep the newest few.
    find "$opt_cache" -name '*.wasm' -printf '%T@ %p\n' | sort -rn | tail -n +5 | cut -d' ' -f2- \
      | xargs -r rm -f --
  fi
fi

# Content-hashed names: cached forever, replaced on every change.
hash="$(cat "$work/${crate}_opt.wasm" "$work/$crate.js" | sha256sum | cut -c1-16)"
js_name="$crate-$hash.js"
wasm_name="${crate}-${hash}_bg.wasm"
rm -rf "$out"
mkdir -p "$out"
cp "$work/$crate.js" "$out/$js_name"
cp "$work/${crate}_opt.wasm" "$out/$wasm_name"
sed -e "s/__GAME_JS__/$js_name/g" -e "s/__GAME_WASM__/$wasm_name/g" \
    -e "s/__GAME_WASM_BYTES__/$(size "$out/$wasm_name")/g" \
    "$root/game/web/index.html" > "$out/index.html"
cp "$root/game/web/loader.js" "$root/game/web/game.css" "$out/"
precompress "$out/$js_name" "$out/$wasm_name" "$out/loader.js" "$out/game.css" "$out/index.html"

report="$out/size-report.txt"
{
  echo "game web build ($profile), $(build_stamp)"
  printf '%-28s %12s\n' "raw (cargo)" "$(size "$wasm_in")"
  printf '%-28s %12s\n' "after wasm-bindgen" "$(size "$work/${crate}_bg.wasm")"
  printf '%-28s %12s\n' "after wasm-opt -Oz" "$(size "$out/$wasm_name")"
  printf '%-28s %12s\n' "brotli" "$(size "$out/$wasm_name.br")"
  printf '%-28s %12s\n' "gzip" "$(size "$out/$wasm_name.gz")"
  printf '%-28s %12s\n' "glue js (brotli)" "$(size "$out/$js_name.br")"
  printf '%-28s %12s\n' "page, loader, css (brotli)" \
    "$(cat "$out/index.html.br" "$out/loader.js.br" "$out/game.css.br" | wc -c)"
  printf '%-28s %12s\n' "everything (brotli)" "$(cat "$out"/*.br | wc -c)"
  echo
  # What the bytes are: the module with its function names, before wasm-opt.
  twiggy top --format json -n 1000000 "$work/${crate}_bg.wasm" > "$work/twiggy.json"
  python3 "$root/scripts/lib/wasm-breakdown.py" "$work/twiggy.json" 25
} | tee "$report"

brotli_size="$(size "$out/$wasm_name.br")"
if [[ "$profile" == web-release ]] && ((brotli_size > budget)); then
  echo "build-game: the game is $brotli_size bytes brotli, over its budget of $budget" >&2
  exit 1
fi
echo "$source_hash" > "$out/.source-sha256"
