# Defaults the module and the offline checks (scripts/check-deploy.sh) share.
{
  backup = {
    # systemd.time(7); checked with `systemd-analyze calendar` in CI.
    calendar = "*-*-* 03:15:00";
    keep = 7;
    directory = "/var/backup/stellar-heads";
  };
  # nginx's passive health check of the API nodes on the edge (nginx.nix's arguments, the
  # module's edge.maxFails and edge.failTimeout).
  edge = {
    maxFails = 2;
    failTimeout = "10s";
    # The nginx times failTimeout may be (it is pasted into nginx's configuration).
    failTimeoutPattern = "[0-9]+(ms|s|m|h)?";
  };
}
