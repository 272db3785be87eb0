#!/usr/bin/env bash
# Offline checks of the deployment (issue: the NixOS module): every .nix file parses; the
# service's hardening (nixos/hardening.nix) rendered into a unit file passes
# `systemd-analyze verify` without a single warning and scores at most 0.5 exposure (1.0
# when the database is reached over TCP) in `systemd-analyze security`.
# Needs nix-instantiate (Debian's nix-bin) and systemd-analyze. Usage: check-deploy.sh BACKEND_BINARY
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
binary="$(realpath "${1:?usage: check-deploy.sh BACKEND_BINARY}")"
nix_eval() { nix-instantiate --option build-users-group '' "$@" 2>/dev/null; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

while IFS= read -r -d '' file; do
  nix-instantiate --option build-users-group '' --parse "$file" >/dev/null 2>"$work/parse.err" \
    || { echo "check-deploy: $file does not parse:"; cat "$work/parse.err"; exit 1; }
done < <(git -C "$root" ls-files -z '*.nix')

check_unit() { # name, nix arguments, threshold (exposure x 10)
  local name="$1" args="$2" threshold="$3" unit="$work/$1.service"
  nix_eval --eval --strict --json -E "import $root/nixos/hardening.nix $args" > "$work/$name.json"
  python3 "$root/nixos/checks/render-unit.py" "$work/$name.json" "$binary" > "$unit"
  if ! systemd-analyze verify "$unit" 2>"$work/verify.err" || [[ -s "$work/verify.err" ]]; then
    echo "check-deploy: systemd-analyze verify $name:"; cat "$work/verify.err"; exit 1
  fi
  systemd-analyze security --offline=yes --threshold="$threshold" "$unit" > "$work/security.txt" \
    || { grep -E '^✗|Overall' "$work/security.txt"; echo "check-deploy: $name is above $threshold"; exit 1; }
  echo "check-deploy: $name: $(grep -o 'Overall exposure level.*' "$work/security.txt")"
}
check_unit local-database "{ }" "${LOCAL_THRESHOLD:-5}"
check_unit tcp-database '{ networked = true; databaseAddresses = [ "192.0.2.10" ]; }' 10
