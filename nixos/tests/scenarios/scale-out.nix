# Past one machine (README, "Scaling out"), as both test drivers run it: the NixOS VM test
# (../scale-out.nix) and the containers in CI (nixos/containers). An edge (nginx, the web root,
# Prometheus), two API nodes on the private network, PostgreSQL on its own host over TLS
# (verify-full against the test's CA), a client. Each node's `module` is its
# services.stellar-heads configuration, a function of
#   addresses: every node's address by name (the VMs' from the test framework, the
#              containers' from `hosts` below), and its IPv6 addresses where it has them;
#   certs:     a directory with the test CA (ca.pem) and the certificates and keys of
#              `database` and `domain` (NAME.pem, NAME.key).
# `parameters` is the data the test script (../scale-out.py) reads.
let
  domain = "heads.test";
  apiNodes = [ "api1" "api2" ];
  dbPassword = "test-only-password";

  apiNode = name: { addresses, ipv6 ? { }, certs }: {
    services.stellar-heads = {
      enable = true;
      role = "api";
      inherit domain;
      # The same token secret on both nodes (a test secret; each driver writes the file).
      jwtSecretFile = "/etc/stellar-heads/jwt";
      openFirewall = true;
      api = {
        listenAddress = addresses.${name};
        trustedProxies = [ addresses.edge ];
        firewallInterface = "eth1";
      };
      database = {
        urlFile = "/etc/stellar-heads/database-url";
        # Both of its addresses where it has two: the test network's names resolve to IPv6 too.
        addresses = [ addresses.database ] ++ (if ipv6 ? database then [ ipv6.database ] else [ ]);
        caFile = "${certs}/ca.pem";
        # Two nodes x (8 + 2) = 20 of the database's 40 (less 3 reserved).
        maxConnections = 8;
        readConnections = 2;
      };
      metrics = {
        enable = true;
        listenAddress = addresses.${name};
        allowFrom = [ addresses.edge ];
      };
    };
  };
in
{
  inherit domain apiNodes dbPassword;
  # The containers' network (the VMs use the test framework's addresses).
  hosts = {
    edge = { address = "192.168.1.10"; aliases = [ domain ]; };
    api1 = { address = "192.168.1.11"; aliases = [ ]; };
    api2 = { address = "192.168.1.12"; aliases = [ ]; };
    database = { address = "192.168.1.20"; aliases = [ ]; };
    client = { address = "192.168.1.30"; aliases = [ ]; };
  };
  # The file the API nodes read their database URL from.
  databaseUrl = "postgres://stellar-heads:${dbPassword}@database/stellar-heads";
  jwtSecret = "scale-out-test-secret-0123456789abcdefghijklmnop";
  # The database host's settings (a plain services.postgresql in the VM test).
  database = {
    maxConnections = 40;
    network = "192.168.1.0/24";
  };

  nodes = {
    api1.module = apiNode "api1";
    api2.module = apiNode "api2";
    edge.module = { addresses, certs, ... }: {
      services.stellar-heads = {
        enable = true;
        role = "edge";
        inherit domain;
        openFirewall = true;
        edge.apiServers = map (name: "${addresses.${name}}:8080") apiNodes;
        metrics = {
          enable = true;
          listenAddress = addresses.edge;
          certificateFile = "${certs}/${domain}.pem";
        };
        monitoring = {
          enable = true;
          apiTargets = map (name: "${addresses.${name}}:9464") apiNodes;
          nodeTargets = map (name: "${addresses.${name}}:9100") (apiNodes ++ [ "edge" ]);
          grafana = {
            secretKeyFile = "/etc/grafana-secret-key";
            adminPasswordFile = "/etc/grafana-admin-password";
          };
        };
      };
      # The test CA's certificate instead of ACME (no CA on this network).
      services.nginx.virtualHosts.${domain} = {
        enableACME = false;
        sslCertificate = "${certs}/${domain}.pem";
        sslCertificateKey = "${certs}/${domain}.key";
      };
    };
  };

  parameters = {
    inherit domain dbPassword;
    # Grafana (the dashboard, its admin password): in the VMs; Debian does not package it.
    grafana = false;
    grafanaPassword = "test-only-grafana-password";
  };
}
