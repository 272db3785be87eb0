# Defaults the module and the offline checks (scripts/check-deploy.sh) share.
{
  backup = {
    # systemd.time(7); checked with `systemd-analyze calendar` in CI.
    calendar = "*-*-* 03:15:00";
    keep = 7;
    directory = "/var/backup/stellar-heads";
  };
}
