#!/usr/bin/env bash
# stellar-heads-backup: dumps the database, proves the dump restores, keeps the newest N.
#
# 1. Opens a REPEATABLE READ transaction, exports its snapshot and counts every table's rows
#    in it; pg_dump then dumps that same snapshot, so the counts describe the dump exactly
#    even while players keep writing.
# 2. Writes the dump (pg_dump's compressed custom format) to a temporary name, mode 0600, and
#    renames it into place only when complete.
# 3. Restores it into a scratch database and compares every table's row count; any
#    difference, or a failed restore, fails the run (and the systemd unit) and leaves the
#    dump named *.failed, where retention never counts it as good.
# 4. Deletes all but the newest $KEEP verified dumps.
# 5. With METRICS_FILE: writes the time of this success there, for Prometheus (node
#    exporter's textfile collector), atomically and readable by the exporter.
# 6. With OFFSITE_REMOTE (an rclone remote path, e.g. `offsite:stellar-heads`, configured by
#    RCLONE_CONFIG or RCLONE_CONFIG_* variables; S3-compatible stores, SFTP and the rest of
#    rclone's backends): copies the verified dump there (rclone checks the copy's size and
#    hash), deletes all but the newest $OFFSITE_KEEP dumps there, and records that time too.
#    A failed copy fails the run; the local dump is kept.
#
# Restore (with the service stopped), as root:
#   sudo -u postgres pg_restore --clean --if-exists --no-owner --role=stellar-heads \
#     --dbname stellar-heads < FILE.dump
# From the off-host copy: `rclone copyto REMOTE/FILE.dump FILE.dump` first (README, "Backups").
#
# Settings (environment): DATABASE (default stellar_heads), BACKUP_DIR (required), KEEP
# (default 7), METRICS_FILE, OFFSITE_REMOTE, OFFSITE_KEEP (default KEEP), and libpq's
# PGHOST/PGUSER for the connection. The role needs no superuser:
# pg_read_all_data (to dump) and CREATEDB (for the scratch database) are enough.
set -euo pipefail
database="${DATABASE:-stellar_heads}"
backup_dir="${BACKUP_DIR:?set BACKUP_DIR}"
keep="${KEEP:-7}"
offsite_keep="${OFFSITE_KEEP:-$keep}"
for setting in "KEEP=$keep" "OFFSITE_KEEP=$offsite_keep"; do
  [[ "${setting#*=}" =~ ^[1-9][0-9]*$ ]] || { echo "backup: ${setting%%=*} must be a positive number, not ${setting#*=}" >&2; exit 2; }
done
if [[ -n "${OFFSITE_REMOTE:-}" ]] && ! command -v rclone >/dev/null; then
  echo "backup: OFFSITE_REMOTE is set but rclone is not installed" >&2; exit 2
fi
umask 077
mkdir -p "$backup_dir"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
final="$backup_dir/$database-$stamp.dump"
partial="$backup_dir/.$database-$stamp.dump.in-progress"
scratch="${database}_verify_$$"
counts_sql="SELECT string_agg(format('%s=%s', t, (xpath('/row/c/text()',
  query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n, t), false, true, '')))[1]), ' ' ORDER BY t)
  FROM (SELECT table_schema AS n, table_name AS t FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE') tables"

cleanup() {
  rm -f "$partial"
  dropdb --if-exists "$scratch" 2>/dev/null || true
  if [[ -n "${psql_pid:-}" ]]; then kill "$psql_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

# The snapshot, and the row counts within it.
coproc PSQL { psql -X -q -t -A -v ON_ERROR_STOP=1 --dbname "$database"; }
# bash unsets PSQL_PID (and PSQL) as soon as the coprocess exits: keep our own copies.
# shellcheck disable=SC2153 # PSQL_PID is set by coproc
psql_pid=$PSQL_PID
psql_input="${PSQL[1]}"
echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot();" >&"${PSQL[1]}"
read -r snapshot <&"${PSQL[0]}"
echo "$counts_sql;" >&"${PSQL[1]}"
read -r expected <&"${PSQL[0]}"

pg_dump --format=custom --snapshot="$snapshot" --file="$partial" --dbname "$database"
echo "COMMIT;" >&"$psql_input"
exec {psql_input}>&-
wait "$psql_pid" || true
sync "$partial"
mv "$partial" "$final"
chmod 0600 "$final"

# Prove it restores, to the row.
createdb "$scratch"
if ! pg_restore --no-owner --exit-on-error --dbname "$scratch" "$final"; then
  mv "$final" "$final.failed"
  echo "backup: FAILED: $final does not restore" >&2
  exit 1
fi
actual="$(psql -X -q -t -A -v ON_ERROR_STOP=1 --dbname "$scratch" -c "$counts_sql")"
if [[ "$actual" != "$expected" ]]; then
  mv "$final" "$final.failed"
  echo "backup: FAILED: restored rows differ: expected [$expected], got [$actual]" >&2
  exit 1
fi
echo "backup: $final verified ($expected)"

# Keep the newest $keep verified dumps.
mapfile -t dumps < <(ls -1t "$backup_dir"/"$database"-*.dump 2>/dev/null)
for old in "${dumps[@]:$keep}"; do
  rm -f -- "$old"
  echo "backup: removed $old"
done

# Records "$1 succeeded now" for Prometheus: one file, replaced whole, never half-written.
record_success() { # metric name, help text
  [[ -n "${METRICS_FILE:-}" ]] || return 0
  local partial_metrics
  partial_metrics="$(dirname "$METRICS_FILE")/.$(basename "$METRICS_FILE").$$"
  {
    # Keep the other metric's line (the local and off-host successes share the file).
    grep -v -e "^# [A-Z]* $1 " -e "^$1 " "$METRICS_FILE" 2>/dev/null || true
    echo "# HELP $1 $2"
    echo "# TYPE $1 gauge"
    echo "$1 $(date +%s)"
  } > "$partial_metrics"
  chmod 0644 "$partial_metrics"
  mv "$partial_metrics" "$METRICS_FILE"
}
record_success stellar_heads_backup_last_success_timestamp_seconds \
  "When the last verified dump was written (Unix time)."

[[ -n "${OFFSITE_REMOTE:-}" ]] || exit 0
remote="${OFFSITE_REMOTE%/}"
rclone copyto "$final" "$remote/$(basename "$final")"
echo "backup: copied to $remote/$(basename "$final")"
# The names carry UTC times: sorted by name is sorted by age. Only this database's verified
# dumps are counted or deleted; anything else there is left alone.
mapfile -t remote_dumps < <(rclone lsf --files-only "$remote" | grep -E "^$database-[0-9]{8}T[0-9]{6}Z\.dump\$" | sort -r)
for old in "${remote_dumps[@]:$offsite_keep}"; do
  rclone deletefile "$remote/$old"
  echo "backup: removed $remote/$old"
done
record_success stellar_heads_backup_offsite_last_success_timestamp_seconds \
  "When the last verified dump was copied off the host (Unix time)."
