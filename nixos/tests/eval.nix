# Module-logic tests: services.stellar-heads evaluated with lib.evalModules, with freeform
# stand-ins for the NixOS options it writes to and for the few packages it names. Runs without
# nixpkgs' package set, but needs nixpkgs' lib:
#
#   nix-instantiate --eval --strict --json nixos/tests/eval.nix --arg lib 'import /path/to/lib'
#
# (scripts/check-deploy.sh runs it when NIXPKGS_LIB is set.) Evaluates to "N tests passed", or
# fails listing every test whose result differs from what it expects.
{ lib }:
let
  fakePackage = name: {
    inherit name;
    type = "derivation";
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
    meta.mainProgram = name;
  };
  pkgs = {
    stellar-heads-backend = fakePackage "stellar-heads-backend";
    stellar-heads-web = fakePackage "stellar-heads-web";
    coreutils = fakePackage "coreutils";
    nginxModules.brotli = fakePackage "nginx-brotli";
    formats.toml = _: {
      type = lib.types.attrsOf lib.types.anything;
      # The rendered text itself stands in for the file (evaluation writes nothing to the store).
      generate = _name: value: builtins.toJSON value;
    };
    writeShellApplication = { name, ... }: fakePackage name;
  };

  freeform = lib.mkOption {
    type = lib.types.submodule { freeformType = lib.types.attrsOf lib.types.anything; };
    default = { };
  };
  # The NixOS options the module sets, as free-form attribute sets.
  standIns = {
    options = {
      assertions = lib.mkOption {
        type = lib.types.listOf lib.types.unspecified;
        default = [ ];
      };
      users = freeform;
      systemd = freeform;
      networking = freeform;
      services.postgresql = lib.mkOption {
        type = lib.types.submodule {
          freeformType = lib.types.attrsOf lib.types.anything;
          options.package = lib.mkOption { default = fakePackage "postgresql"; };
        };
        default = { };
      };
      services.nginx = lib.mkOption {
        type = lib.types.submodule {
          freeformType = lib.types.attrsOf lib.types.anything;
          options.user = lib.mkOption { default = "nginx"; };
          options.group = lib.mkOption { default = "nginx"; };
        };
        default = { };
      };
    };
  };

  evaluate =
    extra:
    (lib.evalModules {
      modules = [
        standIns
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

  tests = {
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
