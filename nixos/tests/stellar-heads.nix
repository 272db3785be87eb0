# The deployment end to end: a server with the module (PostgreSQL, the service, nginx with a
# certificate from a test ACME CA, metrics), a client that plays through HTTPS, and an SSH host
# the backups are copied to and restored from.
#
#   nix build .#checks.x86_64-linux.vm-test   (or `nix flake check`)
{ pkgs, module }:
let
  domain = "heads.test";
  acmeServer = "${pkgs.path}/nixos/tests/common/acme/server";
  # The backup job's SSH key and the off-site host's key, with the line that pins it.
  # (Private keys in the Nix store: acceptable for a throwaway test, never for a deployment.)
  sshKeys = pkgs.runCommand "offsite-keys" { nativeBuildInputs = [ pkgs.openssh ]; } ''
    mkdir -p "$out"
    ssh-keygen -q -t ed25519 -N "" -C stellar-heads-backup -f "$out/client"
    ssh-keygen -q -t ed25519 -N "" -C offsite -f "$out/host"
    echo "offsite $(cut -d' ' -f1,2 "$out/host.pub")" > "$out/known_hosts"
  '';
in
pkgs.testers.runNixOSTest {
  name = "stellar-heads";

  nodes = {
    # pebble, the ACME test CA (as nixpkgs' own ACME tests use it); it also resolves the
    # test network's names.
    acme = {
      imports = [ acmeServer ];
    };

    # Where the verified dumps are copied, over SFTP.
    offsite = {
      services.openssh = {
        enable = true;
        hostKeys = [
          {
            path = "/etc/ssh/ssh_host_ed25519_key";
            type = "ed25519";
          }
        ];
      };
      environment.etc."ssh/ssh_host_ed25519_key" = {
        source = "${sshKeys}/host";
        mode = "0600";
      };
      users.users.backup = {
        isNormalUser = true;
        openssh.authorizedKeys.keyFiles = [ "${sshKeys}/client.pub" ];
      };
    };

    server =
      { nodes, pkgs, ... }:
      {
        imports = [ module ];
        # The off-site copy's rclone configuration and key, for the backup job's user.
        environment.etc = {
          "stellar-heads-offsite/rclone.conf".text = ''
            [offsite]
            type = sftp
            host = offsite
            user = backup
            key_file = /etc/stellar-heads-offsite/key
            known_hosts_file = ${sshKeys}/known_hosts
          '';
          "stellar-heads-offsite/key" = {
            source = "${sshKeys}/client";
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

        # The token secret, made on the machine at boot: never in the Nix store.
        systemd.services.stellar-heads-test-secret = {
          wantedBy = [ "multi-user.target" ];
          before = [ "stellar-heads.service" ];
          requiredBy = [ "stellar-heads.service" ];
          serviceConfig.Type = "oneshot";
          script = ''
            install -d -m 0700 /run/keys
            head -c 48 /dev/urandom > /run/keys/stellar-heads-jwt
            chmod 0400 /run/keys/stellar-heads-jwt
          '';
        };

        services.stellar-heads = {
          enable = true;
          inherit domain;
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

    client =
      { nodes, pkgs, ... }:
      {
        networking.nameservers = [ nodes.acme.networking.primaryIPAddress ];
        security.pki.certificateFiles = [ nodes.acme.test-support.acme.caCert ];
        environment.systemPackages = [
          pkgs.curl
          pkgs.jq
          (import ./test-wallet.nix pkgs)
        ];
      };
  };

  testScript =
    { nodes, ... }:
    let
      start = builtins.toJSON {
        mode = {
          kind = "vs_computer";
          difficulty = "normal";
        };
      };
      # A 5-0 typed by hand, with no record to re-play.
      forged = builtins.toJSON {
        player_score = 5;
        opponent_score = 0;
      };
      # systemd-analyze compares exposure x 10: 1.0 (0.2 without metrics; serving them on
      # loopback takes the network namespace away).
      threshold = "10";
      inherit (nodes.server.services.stellar-heads.backup) directory;
    in
    ''
      import json
      import shlex

      # The CA first: an order placed before pebble answers is retried only after 15 minutes.
      acme.start()
      acme.wait_for_unit("pebble.service")
      acme.wait_for_open_port(443)
      start_all()

      with subtest("the service starts after the database, with migrations applied"):
          server.wait_for_unit("postgresql.service")
          server.wait_for_unit("stellar-heads.service")
          server.wait_for_unit("nginx.service")
          # systemd's socket, for nginx's group only; the server is a dynamic user.
          server.succeed("test \"$(stat -c '%U %G %a' /run/stellar-heads/api.sock)\" = 'root nginx 660'")
          server.succeed("systemctl show --property=DynamicUser stellar-heads.service | grep -qx DynamicUser=yes")
          server.fail("grep -q '^stellar-heads:' /etc/passwd")

      with subtest("nginx got a certificate from the ACME CA"):
          # The client trusts only the test CA: until the real certificate replaces NixOS's
          # self-signed placeholder, this fails.
          client.wait_until_succeeds("curl --fail --silent https://${domain}/health/ready", timeout=300)

      with subtest("the service's sandbox scores ${threshold}/10 exposure or better"):
          server.succeed("systemd-analyze security --threshold=${threshold} stellar-heads.service")

      with subtest("a client signs up with its wallet's signature, abandons a ranked match and finds the forfeit ranked, over HTTPS"):
          address = client.succeed("test-wallet address").strip()
          api = "curl --fail --silent -H 'content-type: application/json' https://${domain}/api"
          # Without the key's signature, no account.
          client.fail(
              f"{api}/auth/register --data '"
              + json.dumps({"username": "squatter", "wallet_address": address})
              + "'"
          )
          challenge = json.loads(client.succeed(
              f"{api}/auth/challenge --data '" + json.dumps({"wallet_address": address}) + "'"
          ))
          assert challenge["registered"] is False, challenge
          signature = client.succeed(
              "printf %s " + shlex.quote(challenge["message"]) + " | test-wallet sign"
          ).strip()
          registration = json.dumps({
              "username": "vm_player",
              "wallet_address": address,
              "challenge": challenge["challenge"],
              "signature": signature,
          })
          auth = json.loads(client.succeed(f"{api}/auth/register --data '{registration}'"))
          token = auth["token"]
          start = (
              f"curl --fail --silent -H 'authorization: Bearer {token}' "
              "-H 'content-type: application/json' --data '${start}' https://${domain}/api/matches"
          )
          # The server starts ranked matches; starting another forfeits the open one (0-5).
          first = json.loads(client.succeed(start))
          second = json.loads(client.succeed(start))
          assert second["forfeited"] == first["match_id"], second
          board = json.loads(client.succeed("curl --fail --silent https://${domain}/api/leaderboard"))
          assert board["entries"][0]["username"] == "vm_player", board
          assert board["entries"][0]["played"] == 1, board
          assert board["entries"][0]["losses"] == 1, board
          # A result typed by hand is never believed: it must carry a record the server re-plays.
          client.fail(
              f"curl --fail --silent -H 'authorization: Bearer {token}' -H 'content-type: application/json' "
              "--data '${forged}' "
              f"https://${domain}/api/matches/{second['match_id']}/result"
          )

      with subtest("the site and the game are served by nginx, precompressed and cached"):
          client.succeed("curl --fail --silent https://${domain}/ | grep -q stellar-heads-app")
          client.succeed("curl --fail --silent -H 'accept: text/html' https://${domain}/leaderboard | grep -q stellar-heads-app")
          headers = client.succeed(
              "curl --fail --silent --head -H 'accept-encoding: br' "
              "https://${domain}/game/$(curl --fail --silent https://${domain}/game/index.html "
              "| grep -o 'stellar_heads_game-[0-9a-f]*_bg.wasm' | head -1)"
          ).lower()
          assert "content-type: application/wasm" in headers, headers
          assert "content-encoding: br" in headers, headers
          assert "immutable" in headers, headers
          client.fail("curl --fail --silent https://${domain}/missing-0123456789abcdef.js")

      with subtest("pages, hashed files and API answers carry the security headers exactly once"):
          script = client.succeed(
              "curl --fail --silent https://${domain}/ | grep -o '[A-Za-z_-]*-[0-9a-f]\\{12,16\\}\\.js' | head -1"
          ).strip()
          assert script, "no hashed script in the page"
          for path in ["/", f"/{script}", "/api/leaderboard"]:
              headers = client.succeed(
                  f"curl --fail --silent --output /dev/null --dump-header - https://${domain}{path}"
              ).lower()
              for name in ["content-security-policy:", "x-frame-options:", "strict-transport-security:",
                           "x-content-type-options:", "referrer-policy:", "cross-origin-opener-policy:"]:
                  assert headers.count(name) == 1, (path, name, headers)
              assert "frame-ancestors 'self'" in headers, (path, headers)

      with subtest("a restart loses nothing, and no request made during it fails"):
          # Requests through nginx every 20 ms while the service restarts: systemd's socket
          # holds them until the next server accepts.
          client.succeed(
              "for i in $(seq 1 150); do "
              "curl --fail --silent --output /dev/null https://${domain}/api/leaderboard || echo failed; "
              "sleep 0.02; done > /tmp/during-restart 2>&1 & "
              "echo $! > /tmp/load.pid"
          )
          server.succeed("systemctl restart stellar-heads.service")
          server.wait_for_unit("stellar-heads.service")
          client.wait_until_succeeds("! kill -0 $(cat /tmp/load.pid) 2>/dev/null", timeout=60)
          client.succeed("test $(wc -l < /tmp/during-restart) -eq 0 || { cat /tmp/during-restart; false; }")
          client.wait_until_succeeds("curl --fail --silent https://${domain}/health/ready")
          me = json.loads(client.succeed(f"curl --fail --silent -H 'authorization: Bearer {token}' https://${domain}/api/matches/mine"))
          assert len(me["matches"]) == 1, me

      with subtest("the backup runs, and its dump restores"):
          server.succeed("systemctl start stellar-heads-backup.service")
          server.succeed("test $(stat -c %a ${directory}) = 700")
          dump = server.succeed("ls -1t ${directory}/*.dump | head -1").strip()
          # Written by the backups' own user, not the database superuser.
          server.succeed(f"test \"$(stat -c '%a %U' {dump})\" = '600 stellar-heads-backup'")
          server.succeed("test $(sudo -u postgres psql -tAc \"select rolsuper from pg_roles where rolname = 'stellar-heads-backup'\") = f")
          server.succeed(
              "sudo -u postgres createdb restore_check && "
              f"sudo -u postgres pg_restore --no-owner --dbname restore_check < {dump} && "
              "test $(sudo -u postgres psql -tAc 'select count(*) from matches' restore_check) = 1"
          )
          server.succeed("systemctl list-timers stellar-heads-backup.timer | grep -q stellar-heads-backup")

      with subtest("the dumps are copied off the host, kept there by their own count, and restore from there"):
          server.succeed("systemctl start stellar-heads-backup.service")
          copies = offsite.succeed("ls -1 /home/backup/stellar-heads").split()
          # Two runs, offHost.keep = 1: only the newest is left there; both here.
          assert len(copies) == 1, copies
          assert copies[0] == server.succeed("ls -1t ${directory}/*.dump | head -1").strip().split("/")[-1], copies
          # The restore procedure of the README, from the off-site copy alone.
          server.succeed(
              "rclone --config /etc/stellar-heads-offsite/rclone.conf "
              f"copyto offsite:stellar-heads/{copies[0]} /tmp/offsite.dump && "
              "sudo -u postgres createdb restore_offsite && "
              "sudo -u postgres pg_restore --no-owner --dbname restore_offsite < /tmp/offsite.dump && "
              "test $(sudo -u postgres psql -tAc 'select count(*) from matches' restore_offsite) = 1"
          )

      with subtest("the backups' and the certificate's times and the server's metrics reach node exporter"):
          server.succeed("systemctl start stellar-heads-cert-expiry.service")
          exported = server.succeed("curl --fail --silent http://127.0.0.1:9100/metrics")
          for metric in ["stellar_heads_backup_last_success_timestamp_seconds",
                         "stellar_heads_backup_offsite_last_success_timestamp_seconds",
                         "stellar_heads_tls_certificate_expiry_timestamp_seconds{domain=\"${domain}\"}"]:
              assert metric in exported, metric
          server.succeed("curl --fail --silent http://127.0.0.1:9464/metrics | grep -q '^stellar_heads_database_up 1'")
    '';
}
