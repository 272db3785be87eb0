#!/usr/bin/env bash
# stellar-heads-cert-expiry: writes when each served certificate expires, for Prometheus
# (node exporter's textfile collector), so that an alert fires while ACME can still renew.
#
# Usage: METRICS_FILE=/path/file.prom cert-expiry.sh DOMAIN=CERTIFICATE.pem...
# The file is replaced whole (never half-written) and readable by the exporter.
set -euo pipefail
metrics_file="${METRICS_FILE:?set METRICS_FILE}"
(($#)) || { echo "cert-expiry: name at least one DOMAIN=CERTIFICATE.pem" >&2; exit 2; }
metric=stellar_heads_tls_certificate_expiry_timestamp_seconds
partial="$(dirname "$metrics_file")/.$(basename "$metrics_file").$$"
trap 'rm -f "$partial"' EXIT
{
  echo "# HELP $metric When the certificate served for the domain expires (Unix time)."
  echo "# TYPE $metric gauge"
  for pair in "$@"; do
    domain="${pair%%=*}" certificate="${pair#*=}"
    [[ "$domain" =~ ^[A-Za-z0-9.-]+$ && "$pair" == *=* ]] \
      || { echo "cert-expiry: expected DOMAIN=CERTIFICATE.pem, not $pair" >&2; exit 2; }
    # "notAfter=Nov 24 09:00:00 2027 GMT"
    not_after="$(openssl x509 -noout -enddate -in "$certificate")"
    echo "$metric{domain=\"$domain\"} $(date -u -d "${not_after#notAfter=}" +%s)"
  done
} > "$partial"
chmod 0644 "$partial"
mv "$partial" "$metrics_file"
