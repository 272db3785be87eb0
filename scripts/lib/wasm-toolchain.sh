# Sourced by the web build scripts. Sets up a wasm32-unknown-unknown toolchain for cargo and
# trunk, the one way this repository knows:
#   - a prebuilt wasm32 std (rustup's target, or fenix's in the Nix flake): used as is;
#   - otherwise Debian's rustc-web with its std sources: std is built from source, with
#     RUSTC_BOOTSTRAP set only for these builds (never exported by the caller's shell).
# After sourcing, run wasm builds through `wasm_env COMMAND...` (it also remaps build paths:
# remap_path_flags in common.sh).

wasm_env_vars=()
if [[ -d "$(rustc --print target-libdir --target wasm32-unknown-unknown 2>/dev/null)" ]]; then
  :
elif [[ -x /usr/bin/rustc && -x /usr/bin/cargo && -d /usr/lib/rustlib/src/rust ]]; then
  echo "wasm-toolchain: no prebuilt wasm32 std; building it from source with $(/usr/bin/rustc --version)" >&2
  # Tools that look `cargo`/`rustc` up on PATH (trunk) must find Debian's, not rustup's proxies.
  wasm_shim="$(mktemp -d)"
  ln -s /usr/bin/cargo "$wasm_shim/cargo"
  ln -s /usr/bin/rustc "$wasm_shim/rustc"
  wasm_env_vars=(
    "PATH=$wasm_shim:$PATH"
    RUSTC=/usr/bin/rustc
    RUSTC_BOOTSTRAP=1
    "CARGO_UNSTABLE_BUILD_STD=std,panic_abort"
  )
  # std's own sources, compiled here, get the path a prebuilt std carries.
  wasm_std_remap="--remap-path-prefix=/usr/lib/rustlib/src/rust=/rustc/src"
else
  echo "wasm-toolchain: no wasm32 standard library (rustup target add wasm32-unknown-unknown, or Debian's rustc-web and rust-web-src)" >&2
  exit 1
fi

wasm_env() {
  env "${wasm_env_vars[@]}" \
    RUSTFLAGS="--cfg getrandom_backend=\"wasm_js\" $(remap_path_flags)${wasm_std_remap:-}" "$@"
}
