#!/usr/bin/env bash
# Installs what the web build and the browser tests need, where it is missing, from the
# package registries only:
#   - a wasm32 standard library: rustup's target when it can be had, else Debian's rustc-web
#     with its sources (scripts/build-game.sh then builds std from source);
#   - wasm-bindgen-cli at exactly the version in Cargo.lock (crates.io);
#   - trunk (crates.io) for the site, twiggy (crates.io) for the game's size report;
#   - wasm-opt from binaryen.js (npm; Debian's binaryen 108 is too old for reference types),
#     checked against the integrity in tools.toml;
#   - brotli and gzip; Chromium and playwright-core for the browser tests.
# Versions: tools.toml (the flake uses the same). Installed tools live outside the clone
# (~/.cargo/bin, ~/.cache/stellar-heads/tools), so repeated runs are quick.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=lib/common.sh
source "$root/scripts/lib/common.sh"
binaryen_version="$(tool_setting binaryen version)"
trunk_version="$(tool_setting trunk version)"
twiggy_version="$(tool_setting twiggy version)"
bindgen_version="$(tool_setting wasm-bindgen-cli version)"
binaryen_integrity="$(tool_setting binaryen integrity)"

apt_packages=()
wasm_std="$(rustc --print target-libdir --target wasm32-unknown-unknown 2>/dev/null || true)"
if [[ ! -d "$wasm_std" ]] && ! rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
  [[ -x /usr/bin/rustc && -d /usr/lib/rustlib/src/rust && -x /usr/bin/rust-lld ]] || apt_packages+=(rustc-web cargo-web rust-web-src rust-web-llvm lld-22)
fi
command -v brotli >/dev/null || apt_packages+=(brotli)
command -v chromium >/dev/null || apt_packages+=(chromium)
command -v node >/dev/null || apt_packages+=(nodejs npm)
apt_install "${apt_packages[@]}"

locked="$(locked_wasm_bindgen)"
if [[ "$locked" != "$bindgen_version" ]]; then
  echo "install-web-tools: Cargo.lock has wasm-bindgen $locked, tools.toml $bindgen_version: update tools.toml (see its comments)" >&2
  exit 1
fi
if [[ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$locked" ]]; then
  cargo install wasm-bindgen-cli --version "$locked"
fi

if [[ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$trunk_version" ]]; then
  cargo install trunk --version "$trunk_version" --locked
fi

if [[ "$(twiggy --version 2>/dev/null | awk '{print $2}')" != "$twiggy_version" ]]; then
  cargo install twiggy --version "$twiggy_version" --locked
fi

mkdir -p "$tools"
if [[ "$(wasm-opt --version 2>/dev/null | awk '{print $3}')" != "${binaryen_version%%.*}" ]]; then
  (cd "$tools" && npm install --no-audit --no-fund --silent "binaryen@$binaryen_version")
fi
# The very tarball the flake fetches.
installed_integrity="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["packages"]["node_modules/binaryen"]["integrity"])' "$tools/node_modules/.package-lock.json")"
if [[ "$installed_integrity" != "$binaryen_integrity" ]]; then
  echo "install-web-tools: binaryen $binaryen_version from npm has integrity $installed_integrity, tools.toml says $binaryen_integrity" >&2
  exit 1
fi

# playwright-core (pinned in tests/browser/package-lock.json); it drives Debian's Chromium and
# never downloads a browser of its own.
(cd "$root/tests/browser" && npm ci --no-audit --no-fund --silent)
# Freighter's library, shipped with the site.
(cd "$root/frontend" && npm ci --no-audit --no-fund --silent)
echo "install-web-tools: ready (wasm-bindgen $locked, $(wasm-opt --version), $(trunk --version))"
