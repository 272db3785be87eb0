# Past one machine in NixOS VMs (README, "Scaling out"): the scenario of
# ./scenarios/scale-out.nix (an edge with Prometheus and Grafana, two API nodes, PostgreSQL
# over verified TLS, a client), driven by ./scale-out.py. CI runs the same script and node
# configurations in containers (nixos/containers); this file adds what only NixOS has.
#
#   nix build .#checks.x86_64-linux.vm-test-scale-out   (or `nix flake check`)
#
# The same roles are evaluated offline by nixos/tests/eval.nix.
{ pkgs, module, genuineMatch }:
let
  scenario = import ./scenarios/scale-out.nix;
  inherit (scenario) domain dbPassword;
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
  # What a scenario node's module is given: the test framework's addresses.
  scenarioArgs = nodes: {
    addresses = builtins.mapAttrs (_: node: node.networking.primaryIPAddress) nodes;
    ipv6 = builtins.mapAttrs (_: node: node.networking.primaryIPv6Address) nodes;
    certs = "${certs}";
  };
  # (Not through `imports`: that may not depend on `nodes`, a module argument.)
  scenarioNode = name: { nodes, ... }:
    { imports = [ module ]; } // scenario.nodes.${name}.module (scenarioArgs nodes);
  apiNode = name: {
    imports = [ (scenarioNode name) ];
    # Test secrets in /etc (the Nix store): the same token secret on both nodes.
    environment.etc = {
      "stellar-heads/jwt".text = scenario.jwtSecret;
      "stellar-heads/database-url".text = scenario.databaseUrl;
    };
  };
  parameters = pkgs.writeText "scale-out-test-parameters.json" (builtins.toJSON (scenario.parameters // {
    # NixOS has Grafana (the containers' Debian does not).
    grafana = true;
  }));
in
pkgs.testers.runNixOSTest {
  name = "stellar-heads-scale-out";

  nodes = {
    api1 = apiNode "api1";
    api2 = apiNode "api2";

    database =
      { lib, ... }:
      {
        networking.firewall.allowedTCPPorts = [ 5432 ];
        services.postgresql = {
          enable = true;
          enableTCPIP = true;
          settings = {
            max_connections = scenario.database.maxConnections;
            ssl = true;
            ssl_cert_file = "/var/lib/postgresql/server.pem";
            ssl_key_file = "/var/lib/postgresql/server.key";
          };
          # TLS and a password, from the private network only.
          authentication = lib.mkForce ''
            local all all peer
            hostssl stellar-heads stellar-heads ${scenario.database.network} scram-sha-256
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

    edge = {
      imports = [ (scenarioNode "edge") ];
      environment.etc."grafana-secret-key" = {
        text = "scale-out-test-grafana-secret";
        user = "grafana";
        mode = "0400";
      };
      environment.etc."grafana-admin-password" = {
        text = scenario.parameters.grafanaPassword;
        user = "grafana";
        mode = "0400";
      };
    };

    client =
      { nodes, pkgs, ... }:
      {
        networking.hosts.${nodes.edge.networking.primaryIPAddress} = [ domain ];
        security.pki.certificateFiles = [ "${certs}/ca.pem" ];
        environment.systemPackages = [
          pkgs.curl
          genuineMatch
          (import ./test-wallet.nix pkgs)
        ];
      };
  };

  testScript = ''
    parameters_file = "${parameters}"
  '' + builtins.readFile ./scale-out.py;
}
