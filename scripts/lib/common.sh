# shellcheck shell=bash
# Sourced by the scripts in scripts/ once they have set `root` (the repository): what they share.
: "${root:?set root (the repository) before sourcing common.sh}"

# Tools installed outside the clone (scripts/install-*-tools.sh), found after the system's.
tools="${XDG_CACHE_HOME:-$HOME/.cache}/stellar-heads/tools"
export PATH="$PATH:$HOME/.cargo/bin:$tools/node_modules/.bin"
script_name="$(basename "$0" .sh)"

# Fails with the tool's name unless it is on PATH.
need() {
  command -v "$1" >/dev/null \
    || { echo "$script_name: $1 is missing (scripts/install-web-tools.sh installs it)" >&2; exit 1; }
}

# The version of the wasm-bindgen library in Cargo.lock (its CLI must be exactly this).
locked_wasm_bindgen() {
  awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' "$root/Cargo.lock"
}

# A value from tools.toml, the one list of web tool versions (`tool_setting trunk version`).
tool_setting() {
  python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))[sys.argv[2]][sys.argv[3]])' \
    "$root/tools.toml" "$1" "$2"
}

# --remap-path-prefix flags for rustc: the absolute paths of dependency sources that rustc
# writes into artifacts (panic locations) become fixed ones, the same at any clone path and on
# any machine. Workspace crates are compiled with paths relative to the workspace already.
remap_path_flags() {
  # In the Nix flake (crane sets cargoVendorDir): any store path, and (rustc applies the last
  # matching prefix) the vendored dependencies; exactly nix/outputs.nix's `remapPaths`, so
  # that the dependencies crane built with those flags are reused.
  if [[ -n "${cargoVendorDir:-}" ]]; then
    printf -- '--remap-path-prefix=%s=/store --remap-path-prefix=%s=/cargo/vendor' \
      "${NIX_STORE:-/nix/store}" "$cargoVendorDir"
    return
  fi
  local cargo_home="${CARGO_HOME:-$HOME/.cargo}"
  printf -- '--remap-path-prefix=%s=/cargo/registry/src ' "$cargo_home/registry/src"
  printf -- '--remap-path-prefix=%s=/cargo/git/checkouts' "$cargo_home/git/checkouts"
}

# Installs Debian packages (none: nothing to do); asks for them by name unless run as root.
# Installing never starts a service: the tests and checks start what they need themselves.
apt_install() {
  (($#)) || return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "$script_name: please install: $* (apt-get install)" >&2
    exit 1
  fi
  apt-get update -qq
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
    || { rm -f /usr/sbin/policy-rc.d; exit 1; }
  rm -f /usr/sbin/policy-rc.d
}

# Writes FILE.br and FILE.gz beside each FILE, for servers that send them as they are.
precompress() {
  local file
  for file in "$@"; do
    brotli --best --keep --force --output="$file.br" "$file"
    gzip --best --keep --force --no-name "$file"
  done
}

# The first line of a size report. Reproducible builds (Nix sets SOURCE_DATE_EPOCH) get no
# clock time in their output.
build_started=$SECONDS
build_stamp() {
  if [[ -n "${SOURCE_DATE_EPOCH:-}" ]]; then
    echo "reproducible build"
  else
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $((SECONDS - build_started)) s"
  fi
}
