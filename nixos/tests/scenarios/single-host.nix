# The single-host deployment both test drivers run: the NixOS VM test (../stellar-heads.nix)
# and the containers in CI (nixos/containers). Each node's `module` is its
# services.stellar-heads configuration, the same in both; `parameters` is the data the test
# script (../stellar-heads.py) reads. The VM test adds what only NixOS has (networking, the
# ACME server's module, the system's CA); the containers stand in for those
# (nixos/containers/provision.py).
let
  domain = "heads.test";
  defaults = import ../../defaults.nix;
  backupDirectory = defaults.backup.directory;
in
{
  inherit domain;
  # The test network: every host by name; `domain` is the server.
  hosts = {
    acme = { address = "192.168.1.1"; aliases = [ "acme.test" ]; };
    offsite = { address = "192.168.1.2"; aliases = [ ]; };
    server = { address = "192.168.1.3"; aliases = [ domain ]; };
    client = { address = "192.168.1.4"; aliases = [ ]; };
  };

  nodes.server.module = {
    services.stellar-heads = {
      enable = true;
      inherit domain;
      # Made on the machine at boot, never in the Nix store (each driver makes it).
      jwtSecretFile = "/run/keys/stellar-heads-jwt";
      openFirewall = true;
      backup = {
        # Far in the future: the test starts the backup itself.
        calendar = "*-12-31 23:00:00";
        keep = 2;
        offHost = {
          remote = "offsite:stellar-heads";
          rcloneConfigFile = "/etc/stellar-heads-offsite/rclone.conf";
          keep = 1;
        };
      };
      # The server's metrics on loopback and node exporter with the backup's and the
      # certificate's times.
      metrics.enable = true;
    };
  };

  # The off-host copy: rclone's configuration on the server (the key and the pinned host key
  # beside it), the SFTP account on `offsite`.
  offsite = {
    user = "copies";
    rcloneConfig = ''
      [offsite]
      type = sftp
      host = offsite
      user = copies
      key_file = /etc/stellar-heads-offsite/key
      known_hosts_file = /etc/stellar-heads-offsite/known_hosts
    '';
  };

  parameters = {
    inherit domain backupDirectory;
    acmeDomain = "acme.test";
    # systemd-analyze compares exposure x 10: 1.0 (0.2 without metrics; serving them on
    # loopback takes the network namespace away).
    exposureThreshold = 10;
    offsiteDirectory = "/home/copies/stellar-heads";
  };
}
