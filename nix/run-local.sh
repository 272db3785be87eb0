# `nix run`: Stellar Heads on localhost with a throwaway PostgreSQL (deleted on exit).
# $STELLAR_HEADS is the server with the web root built in; LISTEN picks another address.
listen="${LISTEN:-127.0.0.1:3000}"
state="$(mktemp -d -t stellar-heads-local.XXXXXX)"
cleanup() {
  pg_ctl --pgdata="$state/db" --mode=fast --wait stop >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT

initdb --pgdata="$state/db" --auth=trust --username=postgres --no-sync >/dev/null
pg_ctl --pgdata="$state/db" --wait --log="$state/postgres.log" \
  --options="-c listen_addresses= -c unix_socket_directories=$state" start >/dev/null
# A fresh token secret per run: sessions end when the server stops, as the database does.
head -c 48 /dev/urandom >"$state/jwt-secret"

echo "stellar-heads: http://$listen (Ctrl-C stops it; the database is deleted)"
DATABASE_URL="postgres:///postgres?host=$state&user=postgres" \
  STELLAR_HEADS_LISTEN="$listen" \
  STELLAR_HEADS_JWT_SECRET_FILE="$state/jwt-secret" \
  "$STELLAR_HEADS" serve
