# Past one machine (README, "Scaling out"): an edge (nginx, the web root, Prometheus and
# Grafana), two API nodes on the private network, PostgreSQL on its own host reached over TLS
# (verify-full against the test CA), and a client. A match is played through the edge; one API
# node is stopped under load (no idempotent request fails, the match is stored once) and
# brought back; Prometheus scrapes every node and loads the alert rules.
#
#   nix build .#checks.x86_64-linux.vm-test-scale-out   (or `nix flake check`)
#
# The same roles are evaluated offline by nixos/tests/eval.nix.
{ pkgs, module, genuineMatch }:
let
  domain = "heads.test";
  dbPassword = "test-only-password";
  # The test's certificate authority, and certificates for the database and the site.
  # (Private keys in the Nix store: acceptable for a throwaway test, never for a deployment.)
  certs = pkgs.runCommand "scale-out-certs" { nativeBuildInputs = [ pkgs.openssl ]; } ''
    mkdir -p "$out" && cd "$out"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=scale-out-test-ca \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
      -keyout ca.key -out ca.pem
    for name in database ${domain}; do
      openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "$name.key" -out "$name.csr"
      printf 'subjectAltName=DNS:%s\n' "$name" > "$name.ext"
      openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
        -extfile "$name.ext" -out "$name.pem"
    done
  '';
  ip = nodes: name: nodes.${name}.networking.primaryIPAddress;
  apiNodes = [ "api1" "api2" ];

  apiNode =
    { nodes, config, ... }:
    {
      imports = [ module ];
      # Test secrets in /etc (the Nix store): the same token secret on both nodes.
      environment.etc = {
        "stellar-heads/jwt".text = "scale-out-test-secret-0123456789abcdefghijklmnop";
        "stellar-heads/database-url".text = "postgres://stellar-heads:${dbPassword}@database/stellar-heads";
      };
      services.stellar-heads = {
        enable = true;
        role = "api";
        inherit domain;
        jwtSecretFile = "/etc/stellar-heads/jwt";
        openFirewall = true;
        api = {
          listenAddress = config.networking.primaryIPAddress;
          trustedProxies = [ (ip nodes "edge") ];
          firewallInterface = "eth1";
        };
        database = {
          urlFile = "/etc/stellar-heads/database-url";
          # Both of its addresses: the test network's names resolve to IPv6 too.
          addresses = [
            (ip nodes "database")
            nodes.database.networking.primaryIPv6Address
          ];
          caFile = "${certs}/ca.pem";
          # Two nodes x (8 + 2) = 20 of the database's 40 (less 3 reserved).
          maxConnections = 8;
          readConnections = 2;
        };
        metrics = {
          enable = true;
          listenAddress = config.networking.primaryIPAddress;
          allowFrom = [ (ip nodes "edge") ];
        };
      };
    };
in
pkgs.testers.runNixOSTest {
  name = "stellar-heads-scale-out";

  nodes = {
    api1 = apiNode;
    api2 = apiNode;

    database =
      { lib, ... }:
      {
        networking.firewall.allowedTCPPorts = [ 5432 ];
        services.postgresql = {
          enable = true;
          enableTCPIP = true;
          settings = {
            max_connections = 40;
            ssl = true;
            ssl_cert_file = "/var/lib/postgresql/server.pem";
            ssl_key_file = "/var/lib/postgresql/server.key";
          };
          # TLS and a password, from the private network only.
          authentication = lib.mkForce ''
            local all all peer
            hostssl stellar-heads stellar-heads 192.168.1.0/24 scram-sha-256
            hostssl stellar-heads stellar-heads 2001:db8:1::/64 scram-sha-256
          '';
          ensureDatabases = [ "stellar-heads" ];
          ensureUsers = [
            {
              name = "stellar-heads";
              ensureDBOwnership = true;
            }
          ];
        };
        # PostgreSQL wants its key owned by itself, mode 0600.
        systemd.services.postgresql.preStart = lib.mkBefore ''
          install -m 0600 ${certs}/database.key /var/lib/postgresql/server.key
          install -m 0644 ${certs}/database.pem /var/lib/postgresql/server.pem
        '';
        systemd.services.postgresql-setup.script = lib.mkAfter ''
          psql -tAc "ALTER ROLE \"stellar-heads\" PASSWORD '${dbPassword}'"
        '';
      };

    edge =
      { nodes, config, ... }:
      {
        imports = [ module ];
        environment.etc."grafana-secret-key" = {
          text = "scale-out-test-grafana-secret";
          user = "grafana";
          mode = "0400";
        };
        services.stellar-heads = {
          enable = true;
          role = "edge";
          inherit domain;
          openFirewall = true;
          edge.apiServers = map (name: "${ip nodes name}:8080") apiNodes;
          metrics = {
            enable = true;
            listenAddress = config.networking.primaryIPAddress;
            certificateFile = "${certs}/${domain}.pem";
          };
          monitoring = {
            enable = true;
            apiTargets = map (name: "${ip nodes name}:9464") apiNodes;
            nodeTargets = map (name: "${ip nodes name}:9100") (apiNodes ++ [ "edge" ]);
            grafana.secretKeyFile = "/etc/grafana-secret-key";
          };
        };
        # The test CA's certificate instead of ACME (no CA on this network).
        services.nginx.virtualHosts.${domain} = {
          enableACME = false;
          sslCertificate = "${certs}/${domain}.pem";
          sslCertificateKey = "${certs}/${domain}.key";
        };
      };

    client =
      { nodes, pkgs, ... }:
      {
        networking.hosts.${ip nodes "edge"} = [ domain ];
        security.pki.certificateFiles = [ "${certs}/ca.pem" ];
        environment.systemPackages = [
          pkgs.curl
          pkgs.jq
          genuineMatch
          (import ./test-wallet.nix pkgs)
        ];
      };
  };

  testScript =
    { nodes, ... }:
    ''
      import json
      import shlex
      import time

      # A match played headless (the player stands still against the normal computer), with
      # its record: what a browser would submit.
      start_all()
      genuine = json.loads(client.succeed("stellar-heads-genuine-match"))
      ticks = genuine["result"]["record"]["ticks"]

      database.wait_for_unit("postgresql.service")
      for node in [api1, api2]:
          node.wait_for_unit("stellar-heads.service")
      edge.wait_for_unit("nginx.service")
      api = "curl --fail --silent -H 'content-type: application/json' https://${domain}/api"

      with subtest("the API nodes reach the database over TLS, verified, with their share of connections"):
          database.wait_until_succeeds(
              "test $(sudo -u postgres psql -tAc \"select count(*) from pg_stat_ssl join pg_stat_activity using (pid) "
              "where ssl and application_name = 'stellar-heads'\") -ge 2"
          )
          # Over the private network: with TLS the password is accepted; without, refused.
          login = "PGPASSWORD=${dbPassword} psql -tAc 'select 1' 'postgres://stellar-heads@${ip nodes "database"}/stellar-heads?sslmode="
          database.succeed(login + "require'")
          database.fail(login + "disable'")

      with subtest("only the edge reaches the API nodes; only Prometheus their metrics"):
          client.wait_until_succeeds("curl --fail --silent https://${domain}/health/ready")
          for name in ["api1", "api2"]:
              client.fail(f"curl --fail --silent --max-time 3 http://{name}:8080/health/live")
              client.fail(f"curl --fail --silent --max-time 3 http://{name}:9464/metrics")
              edge.succeed(f"curl --fail --silent http://{name}:8080/health/live")
              edge.succeed(f"curl --fail --silent http://{name}:9464/metrics | grep -q '^stellar_heads_database_up 1'")
          api1.succeed("systemd-analyze security --threshold=10 stellar-heads.service")

      with subtest("a player signs up and starts a ranked match through the edge"):
          address = client.succeed("test-wallet address").strip()
          challenge = json.loads(client.succeed(
              f"{api}/auth/challenge --data '" + json.dumps({"wallet_address": address}) + "'"
          ))
          signature = client.succeed(
              "printf %s " + shlex.quote(challenge["message"]) + " | test-wallet sign"
          ).strip()
          token = json.loads(client.succeed(f"{api}/auth/register --data '" + json.dumps({
              "username": "scaled_player",
              "wallet_address": address,
              "challenge": challenge["challenge"],
              "signature": signature,
          }) + "'"))["token"]
          authed = f"{api} -H 'authorization: Bearer {token}'"
          match_id = json.loads(client.succeed(
              f"{authed}/matches --data '" + json.dumps({"mode": genuine["mode"]}) + "'"
          ))["match_id"]
          # The token works on either node: several requests land on both.
          for _ in range(6):
              client.succeed(f"{authed}/me")
          started = time.monotonic()

      with subtest("one API node stops under load: no idempotent request fails, the match is stored once"):
          client.succeed(
              "for i in $(seq 1 300); do "
              "curl --fail --silent --output /dev/null https://${domain}/api/leaderboard || echo failed leaderboard; "
              "curl --fail --silent --output /dev/null https://${domain}/health/ready || echo failed ready; "
              "sleep 0.02; done > /tmp/during-stop 2>&1 & echo $! > /tmp/load.pid"
          )
          time.sleep(2)
          # The socket too, or systemd would start the server again on the next connection.
          api1.succeed("systemctl stop stellar-heads.socket stellar-heads.service")
          # The match's real time must pass before its result is believed.
          time.sleep(max(0, ticks / 60 + 2 - (time.monotonic() - started)))
          submit = f"{authed}/matches/{match_id}/result --data '" + json.dumps(genuine["result"]) + "'"
          # As the page does: retry until the result is acknowledged.
          client.wait_until_succeeds(submit, timeout=60)
          # A retry of the same result is acknowledged again, never stored twice.
          client.succeed(submit)
          client.wait_until_succeeds("! kill -0 $(cat /tmp/load.pid) 2>/dev/null", timeout=120)
          client.succeed("test $(wc -l < /tmp/during-stop) -eq 0 || { cat /tmp/during-stop; false; }")
          database.succeed(
              f"test $(sudo -u postgres psql -tAc \"select count(*) from matches where id = '{match_id}' and status = 'verified'\" stellar-heads) = 1"
          )
          board = json.loads(client.succeed("curl --fail --silent https://${domain}/api/leaderboard"))
          assert board["entries"][0]["username"] == "scaled_player", board

      with subtest("the node comes back and takes requests again"):
          api1.succeed("systemctl start stellar-heads.socket stellar-heads.service")
          api1.wait_for_unit("stellar-heads.service")
          served = "curl --fail --silent http://api1:9464/metrics | grep '^stellar_heads_http_requests_total' | awk '{s+=$2} END {print s+0}'"
          before = int(edge.succeed(served).strip())
          # nginx tries a failed node again after fail_timeout (10 s).
          def api1_served_more(_):
              client.succeed(
                  "for i in $(seq 1 20); do curl --fail --silent --output /dev/null https://${domain}/api/leaderboard; done"
              )
              return int(edge.succeed(served).strip()) > before
          retry(api1_served_more, timeout_seconds=60)

      with subtest("Prometheus scrapes every node and loads the alert rules; Grafana has the dashboard"):
          query = "curl --fail --silent 'http://127.0.0.1:9090/api/v1/query' --data-urlencode"
          edge.wait_until_succeeds(
              f"{query} 'query=up{{job=\"stellar-heads\"}} == 1' | jq -e '.data.result | length == 2'",
              timeout=120,
          )
          edge.wait_until_succeeds(
              f"{query} 'query=up{{job=\"stellar-heads-node\"}} == 1' | jq -e '.data.result | length == 3'",
              timeout=180,
          )
          edge.succeed(
              "curl --fail --silent http://127.0.0.1:9090/api/v1/rules "
              "| jq -e '[.data.groups[].rules[].name] | index(\"StellarHeadsDatabaseDown\") != null'"
          )
          # The edge's certificate expiry, recorded for its alert.
          edge.succeed("systemctl start stellar-heads-cert-expiry.service")
          edge.wait_until_succeeds(
              f"{query} 'query=stellar_heads_tls_certificate_expiry_timestamp_seconds' | jq -e '.data.result | length == 1'",
              timeout=180,
          )
          edge.wait_for_unit("grafana.service")
          edge.wait_until_succeeds(
              "curl --fail --silent -u admin:admin http://127.0.0.1:3000/api/dashboards/uid/stellar-heads "
              "| jq -e '.dashboard.title == \"Stellar Heads\"'"
          )

      with subtest("with the database down, every node says so to Prometheus"):
          database.succeed("systemctl stop postgresql.service")
          edge.wait_until_succeeds(
              f"{query} 'query=stellar_heads_database_up == 0' | jq -e '.data.result | length == 2'",
              timeout=120,
          )
          database.succeed("systemctl start postgresql.service")
          client.wait_until_succeeds("curl --fail --silent https://${domain}/health/ready", timeout=60)
    '';
}
