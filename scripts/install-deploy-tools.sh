#!/usr/bin/env bash
# Installs what the offline Nix and deployment checks need, where it is missing, from the
# package registries only: Nix 2.8 (Debian's nix-bin: parse, evaluate, flake metadata), nginx
# with the brotli_static module (`nginx -t`), openssl, systemd-analyze, shellcheck, rclone (the
# backup tests' off-host copy), promtool (Debian's prometheus: the alert rules), and the
# container scenarios' systemd-nspawn, debootstrap, mypy and pyflakes, and the
# flake's linters from crates.io (nixpkgs-fmt, deadnix, taplo) at the versions the checks expect.
set -euo pipefail
nixpkgs_fmt_version=1.3.0
deadnix_version=1.3.1
taplo_version=0.10.0
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=lib/common.sh
source "$root/scripts/lib/common.sh"

apt_packages=()
command -v nix-instantiate >/dev/null || apt_packages+=(nix-bin)
command -v nginx >/dev/null || apt_packages+=(nginx-light)
[[ -f /usr/lib/nginx/modules/ngx_http_brotli_static_module.so ]] || apt_packages+=(libnginx-mod-http-brotli-static)
command -v openssl >/dev/null || apt_packages+=(openssl)
command -v systemd-analyze >/dev/null || apt_packages+=(systemd)
command -v shellcheck >/dev/null || apt_packages+=(shellcheck)
command -v rclone >/dev/null || apt_packages+=(rclone)
command -v promtool >/dev/null || apt_packages+=(prometheus)
# The container scenarios (nixos/containers): systemd-nspawn, debootstrap for their root, mypy
# for the test scripts.
command -v systemd-nspawn >/dev/null || apt_packages+=(systemd-container)
command -v debootstrap >/dev/null || apt_packages+=(debootstrap)
command -v mypy >/dev/null || apt_packages+=(mypy)
command -v pyflakes3 >/dev/null || apt_packages+=(pyflakes3)
# (apt_install never starts a service: check-deploy.sh runs its own nginx, on its own port.)
apt_install "${apt_packages[@]}"

if [[ "$(nixpkgs-fmt --version 2>/dev/null | awk '{print $2}')" != "$nixpkgs_fmt_version" ]]; then
  cargo install --locked nixpkgs-fmt --version "$nixpkgs_fmt_version"
fi
if [[ "$(deadnix --version 2>/dev/null | awk '{print $2}')" != "$deadnix_version" ]]; then
  cargo install --locked deadnix --version "$deadnix_version"
fi
if [[ "$(taplo --version 2>/dev/null | awk '{print $2}')" != "$taplo_version" ]]; then
  cargo install --locked taplo-cli --version "$taplo_version"
fi
echo "install-deploy-tools: ready ($(nix-instantiate --version), nginx $(nginx -v 2>&1 | cut -d/ -f2), nixpkgs-fmt $nixpkgs_fmt_version, deadnix $deadnix_version, taplo $taplo_version)"
