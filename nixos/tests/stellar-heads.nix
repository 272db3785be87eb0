# The deployment end to end in NixOS VMs: the scenario of ./scenarios/single-host.nix (a server with the
# module, pebble as the ACME CA, an SFTP host for the off-host backups, a client), driven by
# ./stellar-heads.py. CI runs the same script and node configuration in containers
# (nixos/containers); this file adds only what NixOS has and the containers stand in for.
#
#   nix build .#checks.x86_64-linux.vm-test   (or `nix flake check`)
{ pkgs, module, genuineMatch }:
let
  scenario = import ./scenarios/single-host.nix;
  inherit (scenario) domain;
  keys = import ./ssh-keys.nix;
  acmeServer = "${pkgs.path}/nixos/tests/common/acme/server";
  # The script reads its data from this file: nothing of it is interpolated into Python.
  parameters = pkgs.writeText "stellar-heads-test-parameters.json" (builtins.toJSON scenario.parameters);
in
pkgs.testers.runNixOSTest {
  name = "stellar-heads";

  nodes = {
    # pebble, the ACME test CA (as nixpkgs' own ACME tests use it).
    # It also resolves the test network's names (the scenario's `hosts` addresses are the
    # containers'; here the test framework's are used).
    acme = {
      imports = [ acmeServer ];
    };

    # Where the verified dumps are copied, over SFTP, with a fixed host key.
    offsite = {
      services.openssh = {
        enable = true;
        hostKeys = [{
          path = "/etc/ssh/ssh_host_ed25519_key";
          type = "ed25519";
        }];
      };
      environment.etc."ssh/ssh_host_ed25519_key" = {
        text = keys.host.private;
        mode = "0600";
      };
      users.users.${scenario.offsite.user} = {
        isNormalUser = true;
        openssh.authorizedKeys.keys = [ keys.client.public ];
      };
    };

    server =
      { nodes, pkgs, ... }:
      {
        imports = [ module scenario.nodes.server.module ];
        # The off-site copy's rclone configuration, key and pinned host key, for the backup
        # job's user. (A private key in the Nix store: acceptable for a throwaway test only.)
        environment.etc = {
          "stellar-heads-offsite/rclone.conf".text = scenario.offsite.rcloneConfig;
          "stellar-heads-offsite/known_hosts".text = "offsite ${keys.host.public}\n";
          "stellar-heads-offsite/key" = {
            text = keys.client.private;
            user = "stellar-heads-backup";
            mode = "0400";
          };
        };
        # The operator's restore from the off-site copy uses rclone by hand.
        environment.systemPackages = [ pkgs.rclone ];
        networking = {
          hostName = "heads";
          domain = "test";
          nameservers = [ nodes.acme.networking.primaryIPAddress ];
        };
        security.pki.certificateFiles = [ nodes.acme.test-support.acme.caCert ];
        security.acme = {
          acceptTerms = true;
          defaults = {
            email = "ops@${domain}";
            server = "https://${nodes.acme.test-support.acme.caDomain}/dir";
          };
        };

        # The token secret, made on the machine once per boot: never in the Nix store. (Once:
        # a new secret at each restart of the server would sign every player out.)
        systemd.services.stellar-heads-test-secret = {
          wantedBy = [ "multi-user.target" ];
          before = [ "stellar-heads.service" ];
          requiredBy = [ "stellar-heads.service" ];
          serviceConfig = {
            Type = "oneshot";
            RemainAfterExit = true;
          };
          script = ''
            install -d -m 0700 /run/keys
            if [ ! -s /run/keys/stellar-heads-jwt ]; then
              head -c 48 /dev/urandom > /run/keys/stellar-heads-jwt
            fi
            chmod 0400 /run/keys/stellar-heads-jwt
          '';
        };
      };

    client =
      { nodes, pkgs, ... }:
      {
        networking.nameservers = [ nodes.acme.networking.primaryIPAddress ];
        # The ACME endpoint's CA (the script then trusts the root pebble signs with).
        security.pki.certificateFiles = [ nodes.acme.test-support.acme.caCert ];
        environment.systemPackages = [
          pkgs.curl
          genuineMatch
          (import ./test-wallet.nix pkgs)
        ];
      };
  };

  testScript = ''
    parameters_file = "${parameters}"
  '' + builtins.readFile ./stellar-heads.py;
}
