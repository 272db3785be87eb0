# Module-logic tests: services.stellar-heads evaluated with lib.evalModules, with freeform
# stand-ins for the NixOS options it writes to and for the few packages it names (./stand-ins.nix). Runs without
# nixpkgs' package set, but needs nixpkgs' lib:
#
#   nix-instantiate --eval --strict --json nixos/tests/eval.nix --arg lib 'import /path/to/lib'
#
# (scripts/check-deploy.sh runs it with NIXPKGS_LIB or ../shared/nixpkgs-lib/lib.) Evaluates to "N tests passed", or
# fails listing every test whose result differs from what it expects.
{ lib }:
let
  # Fake packages and free-form stand-ins for the NixOS options (shared with the containers).
  inherit (import ./stand-ins.nix { inherit lib; }) pkgs options;

  evaluate =
    extra:
    (lib.evalModules {
      modules = [
        options
        ../module.nix
        { _module.args.pkgs = pkgs; }
        {
          services.stellar-heads = {
            enable = true;
            domain = "heads.example";
            jwtSecretFile = "/run/keys/jwt";
          };
        }
        extra
      ];
    }).config;

  failed = config: map (a: a.message) (lib.filter (a: !a.assertion) config.assertions);
  mentions = word: messages: lib.any (lib.hasInfix word) messages;

  local = evaluate { };
  service = local.systemd.services.stellar-heads;

  external = evaluate {
    services.stellar-heads.database = {
      createLocally = false;
      urlFile = "/run/keys/db-url";
      addresses = [ "192.0.2.10" ];
    };
  };
  externalService = external.systemd.services.stellar-heads;

  # The three roles of the README's "Scaling out", addressed as in nixos/tests/scale-out.nix.
  edge = evaluate {
    services.stellar-heads = {
      role = "edge";
      edge.apiServers = [ "10.0.0.11:8080" "10.0.0.12:8080" ];
      openFirewall = true;
      metrics = {
        enable = true;
        listenAddress = "10.0.0.10";
        allowFrom = [ "10.0.0.10" ];
      };
      monitoring = {
        enable = true;
        apiTargets = [ "10.0.0.11:9464" "10.0.0.12:9464" ];
        nodeTargets = [ "10.0.0.10:9100" "10.0.0.11:9100" "10.0.0.12:9100" ];
        grafana = {
          secretKeyFile = "/run/keys/grafana";
          adminPasswordFile = "/run/keys/grafana-admin";
        };
      };
    };
  };
  apiNode = evaluate {
    services.stellar-heads = {
      role = "api";
      api = {
        listenAddress = "10.0.0.11";
        trustedProxies = [ "10.0.0.10" ];
        firewallInterface = "eth1";
      };
      openFirewall = true;
      database = {
        urlFile = "/run/keys/db-url";
        replicaUrlFile = "/run/keys/db-replica-url";
        addresses = [ "10.0.0.20" "10.0.0.21" ];
        caFile = "/etc/ssl/db-ca.pem";
        maxConnections = 8;
        readConnections = 2;
      };
      metrics = {
        enable = true;
        listenAddress = "10.0.0.11";
        allowFrom = [ "10.0.0.10" ];
      };
    };
  };
  apiService = apiNode.systemd.services.stellar-heads;
  monitoredLocal = evaluate {
    services.stellar-heads.monitoring = {
      enable = true;
      grafana = {
        secretKeyFile = "/run/keys/grafana";
        adminPasswordFile = "/run/keys/grafana-admin";
      };
    };
  };
  offHost = evaluate {
    services.stellar-heads.backup.offHost = {
      remote = "offsite:stellar-heads";
      rcloneConfigFile = "/run/keys/rclone.conf";
      keep = 30;
    };
  };

  tests = {
    testThreeRolesPassEveryAssertion = {
      expr = map failed [ edge apiNode monitoredLocal offHost ];
      expected = [ [ ] [ ] [ ] [ ] ];
    };
    testTheEdgeServesTheSiteAndBalancesTheApiNodes = {
      expr = {
        server = edge.systemd.services ? stellar-heads;
        socket = edge.systemd.sockets ? stellar-heads;
        database = edge.services.postgresql ? enable;
        backup = edge.systemd.services ? stellar-heads-backup;
        nginx = edge.services.nginx.enable;
        upstream = lib.hasInfix ''
          upstream stellar_heads_api {
            server 10.0.0.11:8080 max_fails=2 fail_timeout=10s;
            server 10.0.0.12:8080 max_fails=2 fail_timeout=10s;''
          edge.services.nginx.appendHttpConfig;
        api = edge.services.nginx.virtualHosts."heads.example".locations."^~ /api/".proxyPass;
        retries = lib.hasInfix "proxy_next_upstream error timeout http_502 http_504;"
          edge.services.nginx.virtualHosts."heads.example".locations."^~ /api/".extraConfig;
        ports = edge.networking.firewall.allowedTCPPorts;
      };
      expected = {
        server = false;
        socket = false;
        database = false;
        backup = false;
        nginx = true;
        upstream = true;
        api = "http://stellar_heads_api";
        retries = true;
        ports = [ 80 443 ];
      };
    };
    testTheEdgeHealthCheckIsTheOperators = {
      expr =
        let
          upstreams = settings: (evaluate {
            services.stellar-heads = {
              role = "edge";
              edge = { apiServers = [ "10.0.0.11:8080" ]; } // settings;
            };
          }).services.nginx.appendHttpConfig;
          refused = failTimeout: !(builtins.tryEval (builtins.deepSeq (upstreams { inherit failTimeout; }) true)).success;
        in
        {
          custom = lib.hasInfix "server 10.0.0.11:8080 max_fails=3 fail_timeout=30s;"
            (upstreams { maxFails = 3; failTimeout = "30s"; });
          milliseconds = lib.hasInfix "fail_timeout=500ms;" (upstreams { failTimeout = "500ms"; });
          # Pasted into nginx's configuration: anything but a time is refused.
          injected = refused "10s; evil";
          unitless = refused "10 s";
          empty = refused "";
        };
      expected = {
        custom = true;
        milliseconds = true;
        injected = true;
        unitless = true;
        empty = true;
      };
    };
    testAnApiNodeListensOnThePrivateNetworkForTheEdgeOnly = {
      expr = {
        inherit (apiNode.systemd.sockets.stellar-heads) listenStreams;
        inherit (apiNode.systemd.sockets.stellar-heads.socketConfig) IPAddressDeny FreeBind;
        socketAllow = apiNode.systemd.sockets.stellar-heads.socketConfig.IPAddressAllow;
        serviceAllow = apiService.serviceConfig.IPAddressAllow;
        socketGroup = apiNode.systemd.sockets.stellar-heads.socketConfig ? SocketGroup;
        inherit (apiService.serviceConfig) PrivateNetwork;
        nginx = apiNode.services.nginx ? enable;
        database = apiNode.services.postgresql ? enable;
        backup = apiNode.systemd.services ? stellar-heads-backup;
        firewall = lib.sort lib.lessThan apiNode.networking.firewall.interfaces.eth1.allowedTCPPorts;
        openEverywhere = apiNode.networking.firewall ? allowedTCPPorts;
      };
      expected = {
        listenStreams = [ "10.0.0.11:8080" ];
        socketAllow = [ "10.0.0.10" ];
        IPAddressDeny = "any";
        FreeBind = true;
        socketGroup = false;
        PrivateNetwork = false;
        nginx = false;
        database = false;
        backup = false;
        firewall = [ 8080 9100 9464 ];
        openEverywhere = false;
        # The service: the databases, the edge (as systemd advises, repeated from the
        # socket), Prometheus.
        serviceAllow = [ "10.0.0.20" "10.0.0.21" "10.0.0.10" ];
      };
    };
    testAnApiNodeUsesTheExternalDatabaseWithTlsAReplicaAndItsShareOfConnections = {
      expr = {
        settings = builtins.fromJSON apiService.environment.STELLAR_HEADS_CONFIG;
        inherit (apiService.environment)
          STELLAR_HEADS_DATABASE_URL_FILE
          STELLAR_HEADS_DATABASE_REPLICA_URL_FILE
          STELLAR_HEADS_DATABASE_CA_FILE
          ;
        inherit (apiService.serviceConfig) LoadCredential;
        online = lib.elem "network-online.target" apiService.wants;
      };
      expected = {
        settings = {
          log_format = "json";
          database_max_connections = 8;
          database_read_connections = 2;
          database_ssl_mode = "verify-full";
          trusted_proxies = [ "10.0.0.10" ];
          metrics_listen = "10.0.0.11:9464";
        };
        STELLAR_HEADS_DATABASE_URL_FILE = "%d/database-url";
        STELLAR_HEADS_DATABASE_REPLICA_URL_FILE = "%d/database-replica-url";
        STELLAR_HEADS_DATABASE_CA_FILE = "%d/database-ca";
        LoadCredential = [
          "jwt-secret:/run/keys/jwt"
          "database-url:/run/keys/db-url"
          "database-replica-url:/run/keys/db-replica-url"
          "database-ca:/etc/ssl/db-ca.pem"
        ];
        online = true;
      };
    };
    testAllInOneIsUnchangedByTheRoles = {
      expr = {
        inherit (local.systemd.sockets.stellar-heads) listenStreams;
        inherit (local.systemd.sockets.stellar-heads.socketConfig) SocketGroup SocketMode;
        upstream = lib.hasInfix "upstream" local.services.nginx.appendHttpConfig;
        api = local.services.nginx.virtualHosts."heads.example".locations."^~ /api/".proxyPass;
        sslMode = builtins.fromJSON service.environment.STELLAR_HEADS_CONFIG ? database_ssl_mode;
        metrics = local.services.prometheus ? exporters;
      };
      expected = {
        listenStreams = [ "/run/stellar-heads/api.sock" ];
        SocketGroup = "nginx";
        SocketMode = "0660";
        upstream = false;
        api = "http://unix:/run/stellar-heads/api.sock:";
        sslMode = false;
        metrics = false;
      };
    };
    testMonitoringScrapesEveryNodeWithTheRulesAndTheDashboard = {
      expr = {
        scrape = map (job: { inherit (job) job_name; targets = (lib.head job.static_configs).targets; })
          edge.services.prometheus.scrapeConfigs;
        rules = map toString edge.services.prometheus.ruleFiles;
        inherit (edge.services.prometheus) listenAddress;
        datasource = lib.head edge.services.grafana.provision.datasources.settings.datasources;
        secret = edge.services.grafana.settings.security.secret_key;
        certificate = edge.systemd.services.stellar-heads-cert-expiry.serviceConfig.ExecStart;
        exporter = {
          inherit (edge.services.prometheus.exporters.node) listenAddress port extraFlags;
        };
      };
      expected = {
        scrape = [
          { job_name = "stellar-heads"; targets = [ "10.0.0.11:9464" "10.0.0.12:9464" ]; }
          { job_name = "stellar-heads-node"; targets = [ "10.0.0.10:9100" "10.0.0.11:9100" "10.0.0.12:9100" ]; }
        ];
        rules = [ (toString ../monitoring/alerts.yml) ];
        listenAddress = "127.0.0.1";
        datasource = {
          name = "Prometheus";
          type = "prometheus";
          uid = "stellar-heads-prometheus";
          url = "http://127.0.0.1:9090";
          isDefault = true;
        };
        secret = "$__file{/run/keys/grafana}";
        certificate = "/nix/store/00000000000000000000000000000000-stellar-heads-cert-expiry/bin/stellar-heads-cert-expiry heads.example=/var/lib/acme/heads.example/cert.pem";
        exporter = {
          listenAddress = "10.0.0.10";
          port = 9100;
          extraFlags = [ "--collector.textfile.directory=/var/lib/stellar-heads-metrics" ];
        };
      };
    };
    testGrafanaNeedsAnAdminPasswordFromAFile = {
      expr = {
        missing = mentions "monitoring.grafana.adminPasswordFile" (failed (evaluate {
          services.stellar-heads.monitoring = {
            enable = true;
            grafana.secretKeyFile = "/run/keys/grafana";
          };
        }));
        withoutGrafana = failed (evaluate {
          services.stellar-heads.monitoring = {
            enable = true;
            grafana.enable = false;
          };
        });
        inherit (monitoredLocal.services.grafana.settings.security) admin_user admin_password;
      };
      expected = {
        missing = true;
        withoutGrafana = [ ];
        admin_user = "admin";
        admin_password = "$__file{/run/keys/grafana-admin}";
      };
    };
    testTheCertificateCheckFollowsACertificateGivenInsteadOfAcme = {
      expr =
        (evaluate {
          services.stellar-heads.metrics = {
            enable = true;
            certificateFile = "/etc/ssl/heads.pem";
          };
          services.nginx.virtualHosts."heads.example".enableACME = false;
        }).systemd.services.stellar-heads-cert-expiry.serviceConfig.ExecStart;
      expected = "/nix/store/00000000000000000000000000000000-stellar-heads-cert-expiry/bin/stellar-heads-cert-expiry heads.example=/etc/ssl/heads.pem";
    };
    testAllInOneMonitoringReadsItsOwnMetricsOverLoopbackOnly = {
      expr = {
        targets = (lib.head monitoredLocal.services.prometheus.scrapeConfigs).static_configs;
        listen = (builtins.fromJSON monitoredLocal.systemd.services.stellar-heads.environment.STELLAR_HEADS_CONFIG).metrics_listen;
        inherit (monitoredLocal.systemd.services.stellar-heads.serviceConfig) PrivateNetwork IPAddressAllow;
        backupMetrics = monitoredLocal.systemd.services.stellar-heads-backup.environment.METRICS_FILE;
        backupGroups = monitoredLocal.systemd.services.stellar-heads-backup.serviceConfig.SupplementaryGroups;
      };
      expected = {
        targets = [{ targets = [ "127.0.0.1:9464" ]; }];
        listen = "127.0.0.1:9464";
        PrivateNetwork = false;
        IPAddressAllow = [ "localhost" ];
        backupMetrics = "/var/lib/stellar-heads-metrics/stellar-heads-backup.prom";
        backupGroups = [ "stellar-heads-metrics" ];
      };
    };
    testOffHostBackupsGetTheRemoteItsCredentialAndTheNetwork = {
      expr = {
        inherit (offHost.systemd.services.stellar-heads-backup.environment) OFFSITE_REMOTE OFFSITE_KEEP RCLONE_CONFIG KEEP;
        inherit (offHost.systemd.services.stellar-heads-backup.serviceConfig) LoadCredential PrivateNetwork IPAddressAllow;
      };
      expected = {
        OFFSITE_REMOTE = "offsite:stellar-heads";
        OFFSITE_KEEP = "30";
        RCLONE_CONFIG = "%d/rclone.conf";
        KEEP = "7";
        LoadCredential = [ "rclone.conf:/run/keys/rclone.conf" ];
        PrivateNetwork = false;
        IPAddressAllow = [ "any" ];
      };
    };
    testRoleMistakesAreNamed = {
      expr = map (config: lib.length (failed (evaluate config))) [
        { services.stellar-heads.role = "edge"; }
        { services.stellar-heads.role = "api"; }
        { services.stellar-heads.edge.apiServers = [ "10.0.0.11:8080" ]; }
        { services.stellar-heads.database.maxConnections = 97; }
        { services.stellar-heads.backup.offHost.remote = "offsite:x"; }
        { services.stellar-heads.monitoring.enable = true; }
        { services.stellar-heads.jwtSecretFile = lib.mkForce null; }
        {
          # The edge runs no server: it needs no token secret.
          services.stellar-heads = {
            role = "edge";
            edge.apiServers = [ "10.0.0.11:8080" ];
            jwtSecretFile = lib.mkForce null;
          };
        }
      ];
      expected = [ 1 2 1 1 1 2 1 0 ];
    };
    testDefaultsPassEveryAssertion = {
      expr = failed local;
      expected = [ ];
    };
    testLocalDatabaseByPeerAuthentication = {
      expr = {
        inherit (local.services.postgresql) enable ensureDatabases ensureUsers;
        url = service.environment.DATABASE_URL;
        after = lib.elem "postgresql.target" service.after;
      };
      expected = {
        enable = true;
        ensureDatabases = [ "stellar-heads" ];
        ensureUsers = [
          {
            name = "stellar-heads";
            ensureDBOwnership = true;
          }
          {
            name = "stellar-heads-backup";
            ensureClauses.createdb = true;
          }
        ];
        url = "postgres://stellar-heads@localhost/stellar-heads?host=/run/postgresql";
        after = true;
      };
    };
    testNetworkOnlineOnlyWhereTheDatabaseIsRemote = {
      # Ordered after network-online.target only where it is also wanted (systemd warns
      # otherwise); a local database is reached over a unix socket.
      expr = map
        (unit: {
          after = lib.elem "network-online.target" unit.after;
          wants = lib.elem "network-online.target" (unit.wants or [ ]);
        }) [ service externalService apiService ];
      expected = [
        { after = false; wants = false; }
        { after = true; wants = true; }
        { after = true; wants = true; }
      ];
    };
    testUnixSocketsOnlyWithALocalDatabase = {
      expr = {
        inherit (service.serviceConfig) PrivateNetwork RestrictAddressFamilies IPAddressDeny;
        hasAllow = service.serviceConfig ? IPAddressAllow;
      };
      expected = {
        PrivateNetwork = true;
        RestrictAddressFamilies = [ "AF_UNIX" ];
        IPAddressDeny = "any";
        hasAllow = false;
      };
    };
    testTheSecretArrivesAsACredential = {
      expr = {
        inherit (service.serviceConfig) LoadCredential;
        file = service.environment.STELLAR_HEADS_JWT_SECRET_FILE;
      };
      expected = {
        LoadCredential = [ "jwt-secret:/run/keys/jwt" ];
        file = "%d/jwt-secret";
      };
    };
    testReadinessAndRestarts = {
      expr = {
        inherit (service.serviceConfig) Type Restart;
        exec = service.serviceConfig.ExecStart;
      };
      expected = {
        Type = "notify";
        Restart = "on-failure";
        exec = "/nix/store/00000000000000000000000000000000-stellar-heads-backend/bin/stellar-heads-backend serve";
      };
    };
    testSettingsAreRenderedToTheConfigFile = {
      expr = builtins.fromJSON
        (evaluate {
          services.stellar-heads.settings.rate_limit.per_minute = 30;
        }).systemd.services.stellar-heads.environment.STELLAR_HEADS_CONFIG;
      expected = {
        log_format = "json";
        rate_limit.per_minute = 30;
        database_max_connections = 10;
        database_read_connections = 4;
      };
    };
    testAnExternalDatabaseOpensExactlyItsAddresses = {
      expr = {
        inherit (externalService.serviceConfig)
          PrivateNetwork
          RestrictAddressFamilies
          IPAddressDeny
          IPAddressAllow
          LoadCredential
          ;
        url = externalService.environment.STELLAR_HEADS_DATABASE_URL_FILE;
        localDatabase = external.services.postgresql ? enable;
        backups = external.systemd.timers ? stellar-heads-backup;
        assertions = failed external;
      };
      expected = {
        PrivateNetwork = false;
        RestrictAddressFamilies = [
          "AF_UNIX"
          "AF_INET"
          "AF_INET6"
        ];
        IPAddressDeny = "any";
        IPAddressAllow = [ "192.0.2.10" ];
        LoadCredential = [
          "jwt-secret:/run/keys/jwt"
          "database-url:/run/keys/db-url"
        ];
        url = "%d/database-url";
        localDatabase = false;
        backups = false;
        assertions = [ ];
      };
    };
    testAUrlFileWithALocalDatabaseIsRefused = {
      expr = mentions "database.urlFile is for an external database" (failed (evaluate {
        services.stellar-heads.database.urlFile = "/run/keys/db-url";
      }));
      expected = true;
    };
    testAnExternalDatabaseNeedsItsAddresses = {
      expr = mentions "database.addresses" (failed (evaluate {
        services.stellar-heads.database = {
          createLocally = false;
          urlFile = "/run/keys/db-url";
        };
      }));
      expected = true;
    };
    testSecretsInTheStoreAreRefused = {
      # types.externalPath: a path outside the store (anyone can read the store).
      expr =
        let
          refused = settings: !(builtins.tryEval (builtins.deepSeq (evaluate { services.stellar-heads = settings; }).systemd.services.stellar-heads.serviceConfig.LoadCredential true)).success;
        in
        {
          secret = refused { jwtSecretFile = lib.mkForce "/nix/store/00000000000000000000000000000000-secret"; };
          previous = refused { jwtPreviousSecretFile = "/nix/store/00000000000000000000000000000000-old"; };
          relative = refused { jwtSecretFile = lib.mkForce "keys/jwt"; };
          outside = refused { jwtPreviousSecretFile = "/run/keys/old"; };
        };
      expected = {
        secret = true;
        previous = true;
        relative = true;
        outside = false;
      };
    };
    testBackingUpAnExternalDatabaseIsRefused = {
      expr = mentions "backup.enable" (failed (evaluate {
        services.stellar-heads = {
          database = {
            createLocally = false;
            urlFile = "/run/keys/db-url";
            addresses = [ "192.0.2.10" ];
          };
          backup.enable = true;
        };
      }));
      expected = true;
    };
    testNginxHasAcmeAndForcedTlsAsOverridableDefaults = {
      expr =
        let
          host = config: config.services.nginx.virtualHosts."heads.example";
          custom = evaluate {
            services.nginx.virtualHosts."heads.example" = {
              enableACME = false;
              forceSSL = false;
            };
          };
        in
        {
          default = { inherit (host local) enableACME forceSSL root; };
          overridden = { inherit (host custom) enableACME forceSSL; };
          proxied = (host local).locations."^~ /api/".proxyPass;
        };
      expected = {
        default = {
          enableACME = true;
          forceSSL = true;
          root = "/nix/store/00000000000000000000000000000000-stellar-heads-web";
        };
        overridden = {
          enableACME = false;
          forceSSL = false;
        };
        proxied = "http://unix:/run/stellar-heads/api.sock:";
      };
    };
    testSystemdOwnsTheSocketAndTheServerIsADynamicUser = {
      expr =
        let
          ownProxy = evaluate {
            services.stellar-heads = {
              nginx.enable = false;
              socket.group = "caddy";
            };
          };
        in
        {
          inherit (local.systemd.sockets.stellar-heads) wantedBy listenStreams socketConfig;
          ownProxyGroup = ownProxy.systemd.sockets.stellar-heads.socketConfig.SocketGroup;
          inherit (service.serviceConfig) DynamicUser User;
          requiresSocket = lib.elem "stellar-heads.socket" service.requires;
          staticUser = local.users.users ? stellar-heads;
          proxy = local.services.nginx.virtualHosts."heads.example".locations."^~ /api/".proxyPass;
        };
      expected = {
        wantedBy = [ "sockets.target" ];
        listenStreams = [ "/run/stellar-heads/api.sock" ];
        socketConfig = {
          SocketMode = "0660";
          SocketGroup = "nginx";
          RemoveOnStop = true;
        };
        ownProxyGroup = "caddy";
        DynamicUser = true;
        User = "stellar-heads";
        requiresSocket = true;
        staticUser = false;
        proxy = "http://unix:/run/stellar-heads/api.sock:";
      };
    };
    testListenSettingsAreRefused = {
      expr = {
        listen = mentions "settings.listen" (failed (evaluate { services.stellar-heads.settings.listen = "127.0.0.1:3000"; }));
        mode = mentions "socket_mode" (failed (evaluate { services.stellar-heads.settings.socket_mode = "0660"; }));
      };
      expected = {
        listen = true;
        mode = true;
      };
    };
    testBackupsRunAsTheirOwnUserInTheServiceSandbox = {
      expr =
        let
          backup = local.systemd.services.stellar-heads-backup.serviceConfig;
        in
        {
          inherit (backup) User ReadWritePaths PrivateNetwork ProtectSystem SystemCallFilter CapabilityBoundingSet;
          staticUser = local.users.users.stellar-heads-backup.isSystemUser;
          directory = local.systemd.tmpfiles.rules;
          grant = lib.hasInfix ''GRANT pg_read_all_data TO "stellar-heads-backup"''
            local.systemd.services.postgresql-setup.script;
        };
      expected = {
        User = "stellar-heads-backup";
        ReadWritePaths = [ "/var/backup/stellar-heads" ];
        PrivateNetwork = true;
        ProtectSystem = "strict";
        inherit (import ../hardening.nix { }) SystemCallFilter;
        CapabilityBoundingSet = "";
        staticUser = true;
        directory = [ "d /var/backup/stellar-heads 0700 stellar-heads-backup stellar-heads-backup -" ];
        grant = true;
      };
    };
    testNginxSendsTheServersCsp = {
      expr =
        let
          serverConfig = config: config.services.nginx.virtualHosts."heads.example".extraConfig;
          custom = evaluate { services.stellar-heads.settings.content_security_policy = "default-src 'none'"; };
        in
        {
          default = lib.hasInfix "frame-ancestors 'self'" (serverConfig local);
          custom = lib.hasInfix ''add_header content-security-policy "default-src 'none'" always;'' (serverConfig custom);
        };
      expected = {
        default = true;
        custom = true;
      };
    };
    testBackupTimer = {
      expr =
        let
          custom = evaluate { services.stellar-heads.backup.calendar = "hourly"; };
        in
        {
          default = local.systemd.timers.stellar-heads-backup.timerConfig;
          custom = custom.systemd.timers.stellar-heads-backup.timerConfig.OnCalendar;
          keep = local.systemd.services.stellar-heads-backup.environment.KEEP;
        };
      expected = {
        default = {
          OnCalendar = (import ../defaults.nix).backup.calendar;
          Persistent = true;
          RandomizedDelaySec = "10m";
        };
        custom = "hourly";
        keep = "7";
      };
    };
    testFirewallOnlyWhenAsked = {
      expr = {
        default = local.networking.firewall.allowedTCPPorts or [ ];
        opened =
          (evaluate { services.stellar-heads.openFirewall = true; }).networking.firewall.allowedTCPPorts;
        withoutNginx = mentions "openFirewall" (failed (evaluate {
          services.stellar-heads.openFirewall = true;
          services.stellar-heads.nginx.enable = false;
        }));
      };
      expected = {
        default = [ ];
        opened = [
          80
          443
        ];
        withoutNginx = true;
      };
    };
    testPreviousSecretIsPassedAsACredential = {
      expr =
        let
          rotating = evaluate { services.stellar-heads.jwtPreviousSecretFile = "/run/keys/old-jwt"; };
          service = config: config.systemd.services.stellar-heads;
        in
        {
          default = (service local).environment ? STELLAR_HEADS_JWT_PREVIOUS_SECRET_FILE;
          environment = (service rotating).environment.STELLAR_HEADS_JWT_PREVIOUS_SECRET_FILE;
          credential = lib.elem "jwt-previous-secret:/run/keys/old-jwt" (service rotating).serviceConfig.LoadCredential;
        };
      expected = {
        default = false;
        environment = "%d/jwt-previous-secret";
        credential = true;
      };
    };
  };
  results = lib.runTests tests;
in
if results == [ ] then
  "${toString (lib.length (lib.attrNames tests))} module evaluation tests passed"
else
  throw "module evaluation tests failed:\n${builtins.toJSON results}"
