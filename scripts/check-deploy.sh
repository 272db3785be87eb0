#!/usr/bin/env bash
# Offline checks of the deployment (the NixOS module's plain-data parts):
#   - the service's hardening (nixos/hardening.nix) rendered into a unit file, with its
#     socket (nixos/socket.nix), passes `systemd-analyze verify` without a single warning and
#     scores at most 0.5 exposure (1.0 when the database is reached over TCP) in
#     `systemd-analyze security`; so does the backup job, in the same sandbox;
#   - the backup timer's default calendar is valid (`systemd-analyze calendar`);
#   - the site's nginx settings (nixos/nginx.nix) pass `nginx -t` in a minimal config, their
#     rate-limit key rules give each client the key the backend gives it (IPv6: the /64), and,
#     with DATABASE_URL, serve a web root with the real backend behind them: the security
#     headers once on every answer, caching, API paths, unserved reports (serve-check.py);
#   - the module's logic (nixos/tests/eval.nix) when NIXPKGS_LIB names a nixpkgs `lib`;
#   - the alert rules (nixos/monitoring/alerts.yml) pass `promtool check rules`;
#   - shellcheck passes on every shell script (the flake's writeShellApplication runs it too,
#     on the backup script and `nix run`'s script, and fails their build on any finding).
# That every .nix file parses is checked by scripts/check-nix.sh, which runs first; the backup
# script itself runs against a real PostgreSQL in backend/tests/backup.rs.
# Needs nix-instantiate (Debian's nix-bin), systemd-analyze, nginx, openssl, promtool and shellcheck.
# Usage: check-deploy.sh BACKEND_BINARY
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
binary="$(realpath "${1:?usage: check-deploy.sh BACKEND_BINARY}")"
nix_eval() { nix-instantiate --option build-users-group '' "$@" 2>/dev/null; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT


# Verifies unit files (all in one directory, so that their dependencies resolve) without a
# single warning.
verify_units() { # label, unit files...
  local label="$1"; shift
  if ! systemd-analyze verify "$@" 2>"$work/verify.err" || [[ -s "$work/verify.err" ]]; then
    echo "check-deploy: systemd-analyze verify $label:"; cat "$work/verify.err"; exit 1
  fi
}
# Scores a unit with `systemd-analyze security`: at most threshold/10 exposure.
score_unit() { # label, unit file, threshold (exposure x 10)
  systemd-analyze security --offline=yes --threshold="$3" "$2" > "$work/security.txt" \
    || { grep -E '^✗|Overall' "$work/security.txt"; echo "check-deploy: $1 is above $3"; exit 1; }
  echo "check-deploy: $1: $(grep -o 'Overall exposure level.*' "$work/security.txt")"
}
render() { python3 "$root/nixos/checks/render-unit.py" "$@"; }

# The service with its socket (nixos/socket.nix) and its backup job, as the module renders them.
# A string from a Nix expression.
nix_string() { nix_eval --eval --strict --json -E "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin))'; }
check_units() { # name, hardening.nix arguments, socket.nix arguments, socket group ("-": none), threshold (exposure x 10)
  local name="$1" args="$2" socket_args="$3" group="$4" threshold="$5" units="$work/units-$1"
  mkdir -p "$units"
  nix_eval --eval --strict --json -E "import $root/nixos/hardening.nix $args" > "$work/$name.json"
  nix_eval --eval --strict --json -E "import $root/nixos/socket.nix $socket_args" > "$work/$name-socket.json"
  render service "$work/$name.json" "$binary" > "$units/stellar-heads.service"
  render socket "$work/$name-socket.json" "$group" > "$units/stellar-heads.socket"
  verify_units "$name" "$units/stellar-heads.service" "$units/stellar-heads.socket"
  score_unit "$name" "$units/stellar-heads.service" "$threshold"
}
unix_socket='{ listen = "/run/stellar-heads/api.sock"; }'
check_units local-database "{ }" "$unix_socket" nginx "${LOCAL_THRESHOLD:-5}"
check_units tcp-database '{ networked = true; addresses = [ "192.0.2.10" ]; }' "$unix_socket" nginx 10
# An API node (role = "api"): on the private network, for the edge only, with its database
# and Prometheus.
check_units api-node '{ networked = true; addresses = [ "10.0.0.20" "10.0.0.10" ]; }' \
  '{ listen = "10.0.0.11:8080"; allowFrom = [ "10.0.0.10" ]; }' - 10
# The backup job runs in the local-database sandbox, writing only its directory.
backup_dir="$(nix_string "(import $root/nixos/defaults.nix).backup.directory")"
render backup "$work/local-database.json" /usr/bin/true "$backup_dir" > "$work/units-local-database/stellar-heads-backup.service"
verify_units backup "$work/units-local-database/stellar-heads-backup.service"
score_unit backup "$work/units-local-database/stellar-heads-backup.service" "${LOCAL_THRESHOLD:-5}"

# The backup timer's default calendar (the module reads it from nixos/defaults.nix).
calendar="$(nix_string "(import $root/nixos/defaults.nix).backup.calendar")"
systemd-analyze calendar "$calendar" >/dev/null 2>"$work/calendar.err" \
  || { echo "check-deploy: backup calendar '$calendar':"; cat "$work/calendar.err"; exit 1; }
echo "check-deploy: backup calendar '$calendar' is valid"

# nginx: the site's locations and headers in a minimal config, with a throwaway certificate.
mkdir -p "$work/nginx/root"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=heads.example \
  -keyout "$work/nginx/key.pem" -out "$work/nginx/cert.pem" 2>/dev/null
nix_eval --eval --strict --json -E "import $root/nixos/nginx.nix { socket = \"/run/stellar-heads/api.sock\"; }" > "$work/nginx.json"
python3 "$root/nixos/checks/render-nginx.py" "$work/nginx.json" "$work/nginx" "$work/nginx/root" > "$work/nginx/nginx.conf"
if ! nginx -t -q -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" 2>"$work/nginx.err"; then
  echo "check-deploy: nginx -t:"; cat "$work/nginx.err"; cat -n "$work/nginx/nginx.conf"; exit 1
fi
echo "check-deploy: nginx accepts the site's configuration"
# The edge (role = "edge"): the same site, load-balancing API nodes.
mkdir -p "$work/edge"
cp "$work/nginx/cert.pem" "$work/nginx/key.pem" "$work/edge/"
nix_eval --eval --strict --json -E "import $root/nixos/nginx.nix { apiServers = [ \"127.0.0.1:18081\" \"127.0.0.1:18082\" ]; }" > "$work/edge.json"
python3 "$root/nixos/checks/render-nginx.py" "$work/edge.json" "$work/edge" "$work/nginx/root" 8444 > "$work/edge/nginx.conf"
if ! nginx -t -q -c "$work/edge/nginx.conf" -e "$work/edge/error.log" 2>"$work/edge.err"; then
  echo "check-deploy: nginx -t (edge):"; cat "$work/edge.err"; cat -n "$work/edge/nginx.conf"; exit 1
fi
echo "check-deploy: nginx accepts the edge's configuration"
python3 "$root/nixos/checks/client-key-check.py" "$work/nginx.json" "$work/client-key" \
  || { echo "check-deploy: the rate-limit key rules are wrong"; exit 1; }

# The same configuration serving for real, the real backend behind it on its unix socket
# (needs a database: DATABASE_URL), asked for pages, files and API answers (serve-check.py).
if [[ -n "${DATABASE_URL:-}" ]]; then
  live="$work/live"
  mkdir -p "$live/root/game"
  # nginx's workers run as nobody: they read the web root and connect to the socket.
  chmod 755 "$work" "$live"
  cp "$work/nginx/cert.pem" "$work/nginx/key.pem" "$live/"
  echo '<!doctype html><title>stellar-heads-app</title>' > "$live/root/index.html"
  echo 'console.log("hashed")' > "$live/root/app-0123456789abcdef.js"
  printf 'User-agent: *\nAllow: /\n' > "$live/root/robots.txt"
  for report in frontend-size-report.txt game/size-report.txt game/.source-sha256; do
    echo "a build report" > "$live/root/$report"
  done
  head -c 48 /dev/urandom > "$live/jwt-secret"
  printf 'listen = "unix:%s"\nsocket_mode = "0666"\njwt_secret_file = "%s"\nlog_filter = "warn"\n' \
    "$live/api.sock" "$live/jwt-secret" > "$live/config.toml"
  "$binary" --config "$live/config.toml" > "$live/backend.log" 2>&1 &
  backend_pid=$!
  trap 'nginx -q -c "$live/nginx.conf" -s stop 2>/dev/null; kill "$backend_pid" 2>/dev/null; rm -rf "$work"' EXIT
  for _ in $(seq 600); do [[ -S "$live/api.sock" ]] && break; sleep 0.1; done
  [[ -S "$live/api.sock" ]] || { echo "check-deploy: the backend did not start:"; cat "$live/backend.log"; exit 1; }
  nix_eval --eval --strict --json -E "import $root/nixos/nginx.nix { socket = \"$live/api.sock\"; }" > "$live/nginx.json"
  python3 "$root/nixos/checks/render-nginx.py" "$live/nginx.json" "$live" "$live/root" > "$live/nginx.conf"
  nginx -q -c "$live/nginx.conf" -e "$live/error.log" \
    || { echo "check-deploy: nginx did not start:"; cat "$live/error.log"; exit 1; }
  python3 "$root/nixos/checks/serve-check.py" "$root/backend/security-headers.json" https://127.0.0.1:8443 \
    || { echo "check-deploy: nginx error log:"; cat "$live/error.log"; exit 1; }

  # The edge in front of two API nodes (TCP, trusting the edge), one of which stops under load.
  chmod 755 "$work/edge"
  node_pids=()
  for port in 18081 18082; do
    STELLAR_HEADS_LISTEN="127.0.0.1:$port" STELLAR_HEADS_TRUSTED_PROXIES='["127.0.0.1"]' \
      STELLAR_HEADS_JWT_SECRET_FILE="$live/jwt-secret" STELLAR_HEADS_LOG_FILTER=warn \
      "$binary" > "$work/edge/node-$port.log" 2>&1 &
    node_pids+=($!)
  done
  trap 'nginx -q -c "$live/nginx.conf" -s stop 2>/dev/null; nginx -q -c "$work/edge/nginx.conf" -s stop 2>/dev/null; kill "$backend_pid" "${node_pids[@]}" 2>/dev/null; rm -rf "$work"' EXIT
  for port in 18081 18082; do
    for _ in $(seq 600); do
      STELLAR_HEADS_LISTEN="127.0.0.1:$port" "$binary" health-check --timeout-secs 1 >/dev/null 2>&1 && break
      sleep 0.1
    done
  done
  nginx -q -c "$work/edge/nginx.conf" -e "$work/edge/error.log" \
    || { echo "check-deploy: the edge's nginx did not start:"; cat "$work/edge/error.log"; exit 1; }
  python3 "$root/nixos/checks/edge-check.py" https://127.0.0.1:8444 "${node_pids[0]}" \
    || { echo "check-deploy: edge error log:"; cat "$work/edge/error.log"; cat "$work/edge"/node-*.log; exit 1; }
else
  echo "check-deploy: SKIPPED serving with nginx and the backend: set DATABASE_URL to run it"
fi

# Module logic, with nixpkgs' lib: NIXPKGS_LIB, or the copy in ../shared beside the clone (as
# on CI's machines); without either, say so rather than pass silently.
if [[ -z "${NIXPKGS_LIB:-}" && -d "$root/../shared/nixpkgs-lib/lib" ]]; then
  NIXPKGS_LIB="$(cd "$root/../shared/nixpkgs-lib/lib" && pwd)"
fi
if [[ -n "${NIXPKGS_LIB:-}" ]]; then
  result="$(nix_eval --eval --strict --json "$root/nixos/tests/eval.nix" --arg lib "import $NIXPKGS_LIB")"
  echo "check-deploy: module evaluation tests: $result"
else
  echo "check-deploy: SKIPPED the module evaluation tests (nixos/tests/eval.nix): set NIXPKGS_LIB to a nixpkgs lib directory (e.g. a checkout of nix-community/nixpkgs.lib's lib/) to run them"
fi

# The alert rules: valid for Prometheus (which metrics they name is checked against live
# exporters in backend/tests/monitoring.rs).
promtool check rules "$root/nixos/monitoring/alerts.yml" > "$work/promtool.out" 2>&1 \
  || { echo "check-deploy: promtool check rules:"; cat "$work/promtool.out"; exit 1; }
echo "check-deploy: promtool: $(grep -o 'SUCCESS.*' "$work/promtool.out")"

mapfile -d '' scripts < <(git -C "$root" ls-files -z --cached --others --exclude-standard '*.sh' | sed -z "s|^|$root/|")
shellcheck --shell=bash "${scripts[@]}" || { echo "check-deploy: shellcheck found problems"; exit 1; }
echo "check-deploy: shellcheck passes on ${#scripts[@]} shell scripts"
