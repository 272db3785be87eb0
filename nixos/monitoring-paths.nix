# Where the backup job and the certificate check leave their metrics for node exporter's
# textfile collector, shared by module.nix and monitoring.nix (plain data).
{
  # Group-writable (setgid) for the writers' group, world-readable for the exporter.
  textfileDirectory = "/var/lib/stellar-heads-metrics";
  group = "stellar-heads-metrics";
}
