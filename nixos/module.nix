# services.stellar-heads: the game server behind nginx with ACME TLS, a local PostgreSQL
# reached by peer authentication, and verified backups.
#
# The plain-data parts (hardening.nix, nginx.nix, backup.sh) are checked offline by
# scripts/check-deploy.sh; the module's logic by nixos/tests/eval.nix; all of it together by the
# VM test (nixos/tests/stellar-heads.nix).
{ config
, lib
, pkgs
, ...
}:
let
  inherit (lib)
    literalExpression
    mkDefault
    mkEnableOption
    mkIf
    mkOption
    mkPackageOption
    optional
    types
    ;

  cfg = config.services.stellar-heads;
  settingsFormat = pkgs.formats.toml { };
  name = "stellar-heads";
  socket = "/run/${name}/api.sock";
  localDatabaseUrl = "postgres://${name}@localhost/${name}?host=/run/postgresql";

  hardening = import ./hardening.nix {
    networked = !cfg.database.createLocally;
    databaseAddresses = cfg.database.addresses;
  };

  defaults = import ./defaults.nix;
  # nginx sends the headers the server sends (one file for both), with the server's CSP when
  # the operator sets one.
  sharedHeaders = builtins.fromJSON (builtins.readFile ../backend/security-headers.json);
  nginxSite = import ./nginx.nix {
    inherit socket;
    securityHeaders = sharedHeaders // lib.optionalAttrs (cfg.settings ? content_security_policy) {
      "content-security-policy" = cfg.settings.content_security_policy;
    };
  };

  backupScript = pkgs.writeShellApplication {
    name = "${name}-backup";
    runtimeInputs = [
      config.services.postgresql.package
      pkgs.coreutils
    ];
    text = builtins.readFile ./backup.sh;
  };

  # "0660" -> "6": the group's permission digit of an octal mode.
  socketGroupDigit = mode: builtins.substring (builtins.stringLength mode - 2) 1 mode;

  inStore = path: lib.hasPrefix builtins.storeDir (toString path);
in
{
  options.services.stellar-heads = {
    enable = mkEnableOption "the Stellar Heads game server";

    package = mkPackageOption pkgs "stellar-heads-backend" { };

    webRoot = mkPackageOption pkgs "stellar-heads-web" { } // {
      description = "The built site (frontend and game) that nginx serves.";
    };

    domain = mkOption {
      type = types.str;
      example = "heads.example.org";
      description = "The domain the site is served on, with a certificate from ACME.";
    };

    settings = mkOption {
      description = ''
        The server's configuration (see the README), rendered to its TOML file. Secrets do
        not belong here: use `jwtSecretFile` and `database.urlFile`.
      '';
      default = { };
      type = types.submodule {
        freeformType = settingsFormat.type;
        options = {
          listen = mkOption {
            type = types.str;
            default = "unix:${socket}";
            description = ''
              Where the server listens: nginx proxies to this socket, and an assertion keeps
              it there (the service has no network of its own).
            '';
          };
          log_format = mkOption {
            type = types.enum [
              "json"
              "pretty"
            ];
            default = "json";
            description = "Log lines for the journal.";
          };
        };
      };
    };

    jwtSecretFile = mkOption {
      type = types.str;
      example = "/run/keys/stellar-heads-jwt-secret";
      description = ''
        A file with at least 32 random bytes that signs session tokens. Passed to the service
        with `LoadCredential`; it must not be in the Nix store, which anyone can read.
      '';
    };

    jwtPreviousSecretFile = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "/run/keys/stellar-heads-jwt-secret.old";
      description = ''
        While rotating the token secret: the previous secret. Tokens and wallet challenges it
        signed are still accepted (new ones are signed with `jwtSecretFile`), so nobody is
        signed out; unset it once `settings.jwt_ttl_secs` has passed since the rotation.
      '';
    };

    database = {
      createLocally = mkOption {
        type = types.bool;
        default = true;
        description = ''
          Run PostgreSQL on this host with a database and role named `stellar-heads`, reached
          over /run/postgresql with peer authentication (no password).
        '';
      };
      urlFile = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "/run/keys/stellar-heads-database-url";
        description = "With `createLocally = false`: a file holding the external database's URL.";
      };
      addresses = mkOption {
        type = types.listOf types.str;
        default = [ ];
        example = [ "192.0.2.10" ];
        description = ''
          With `createLocally = false`: the external database's IP addresses or CIDR ranges.
          The service may open IP connections to these and nothing else.
        '';
      };
    };

    nginx.enable = mkOption {
      type = types.bool;
      default = true;
      description = "Serve the site with nginx on `domain`, with TLS from ACME.";
    };

    openFirewall = mkOption {
      type = types.bool;
      default = false;
      description = "Open ports 80 and 443 for nginx (needs `nginx.enable`).";
    };

    backup = {
      enable = mkOption {
        type = types.bool;
        default = cfg.database.createLocally;
        defaultText = literalExpression "config.services.stellar-heads.database.createLocally";
        description = "Dump the local database on a timer and prove each dump restores.";
      };
      calendar = mkOption {
        type = types.str;
        default = defaults.backup.calendar;
        description = "When to back up (systemd.time(7) calendar event).";
      };
      directory = mkOption {
        type = types.str;
        default = defaults.backup.directory;
        description = "Where dumps are kept (mode 0700, files 0600).";
      };
      keep = mkOption {
        type = types.ints.positive;
        default = defaults.backup.keep;
        description = "How many verified dumps to keep.";
      };
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      {
        # The service itself listens on a unix socket only: the open ports would be nobody's.
        assertion = cfg.openFirewall -> cfg.nginx.enable;
        message = "services.stellar-heads: openFirewall opens nginx's ports 80 and 443; with nginx.enable = false there is nothing to open (open your own proxy's ports).";
      }
      {
        assertion = cfg.database.createLocally -> cfg.database.urlFile == null;
        message = "services.stellar-heads: database.urlFile is for an external database; set database.createLocally = false to use it.";
      }
      {
        assertion = !cfg.database.createLocally -> cfg.database.urlFile != null && cfg.database.addresses != [ ];
        message = "services.stellar-heads: with database.createLocally = false, set database.urlFile and database.addresses (the only addresses the service may reach).";
      }
      {
        assertion = cfg.backup.enable -> cfg.database.createLocally;
        message = "services.stellar-heads: backup.enable backs up the local database; back up an external one where it runs.";
      }
      {
        # nginx proxies to this socket, and with a local database the service has no network
        # at all (PrivateNetwork): any other address would answer 502, silently.
        assertion = cfg.settings.listen == "unix:${socket}";
        message = "services.stellar-heads: settings.listen must stay unix:${socket}, the socket nginx proxies to (the service has no network of its own).";
      }
      {
        assertion = builtins.elem (socketGroupDigit (cfg.settings.socket_mode or "0660")) [ "6" "7" ];
        message = "services.stellar-heads: settings.socket_mode must let the group read and write (like 0660): nginx reaches the socket through the service's group.";
      }
      {
        assertion =
          !(inStore cfg.jwtSecretFile)
          && (cfg.jwtPreviousSecretFile == null || !(inStore cfg.jwtPreviousSecretFile))
          && (cfg.database.urlFile == null || !(inStore cfg.database.urlFile));
        message = "services.stellar-heads: secrets must not be in the Nix store (world-readable); point jwtSecretFile and database.urlFile at files outside it.";
      }
    ];

    users.users.${name} = {
      isSystemUser = true;
      group = name;
    };
    users.groups.${name} = { };
    # nginx reaches the API socket through the service's group.
    users.users.${config.services.nginx.user}.extraGroups = mkIf cfg.nginx.enable [ name ];

    services.postgresql = mkIf cfg.database.createLocally {
      enable = true;
      ensureDatabases = [ name ];
      ensureUsers = [
        {
          inherit name;
          ensureDBOwnership = true;
        }
      ];
    };

    systemd.services.${name} = {
      description = "Stellar Heads game server";
      wantedBy = [ "multi-user.target" ];
      after = [ "network.target" ] ++ optional cfg.database.createLocally "postgresql.target";
      requires = optional cfg.database.createLocally "postgresql.target";
      environment = {
        STELLAR_HEADS_CONFIG = settingsFormat.generate "stellar-heads.toml" cfg.settings;
        # %d is the credentials directory systemd makes for LoadCredential.
        STELLAR_HEADS_JWT_SECRET_FILE = "%d/jwt-secret";
      }
      // lib.optionalAttrs (cfg.jwtPreviousSecretFile != null) {
        STELLAR_HEADS_JWT_PREVIOUS_SECRET_FILE = "%d/jwt-previous-secret";
      }
      // (
        if cfg.database.createLocally then
          { DATABASE_URL = localDatabaseUrl; }
        else
          { STELLAR_HEADS_DATABASE_URL_FILE = "%d/database-url"; }
      );
      serviceConfig = hardening // {
        # Ready once it listens and the migrations are applied; a wedged server stops
        # pinging the watchdog and is restarted.
        Type = "notify";
        NotifyAccess = "main";
        WatchdogSec = "30s";
        ExecStart = "${lib.getExe cfg.package} serve";
        Restart = "on-failure";
        RestartSec = "2s";
        TimeoutStopSec = "45s";
        User = name;
        Group = name;
        RuntimeDirectory = name;
        RuntimeDirectoryMode = "0750";
        LoadCredential = [
          "jwt-secret:${cfg.jwtSecretFile}"
        ]
        ++ optional (cfg.jwtPreviousSecretFile != null) "jwt-previous-secret:${cfg.jwtPreviousSecretFile}"
        ++ optional (cfg.database.urlFile != null) "database-url:${cfg.database.urlFile}";
      };
    };

    services.nginx = mkIf cfg.nginx.enable {
      enable = true;
      recommendedTlsSettings = mkDefault true;
      recommendedOptimisation = mkDefault true;
      recommendedProxySettings = mkDefault true;
      additionalModules = [ pkgs.nginxModules.brotli ];
      # Locations, rate limits and headers: nixos/nginx.nix (checked with `nginx -t` in CI).
      appendHttpConfig = nginxSite.httpConfig;
      virtualHosts.${cfg.domain} = {
        enableACME = mkDefault true;
        forceSSL = mkDefault true;
        root = "${cfg.webRoot}";
        extraConfig = nginxSite.serverConfig;
        inherit (nginxSite) locations;
      };
    };

    networking.firewall.allowedTCPPorts = mkIf cfg.openFirewall [
      80
      443
    ];

    systemd.tmpfiles.rules = mkIf cfg.backup.enable [
      "d ${cfg.backup.directory} 0700 postgres postgres -"
    ];

    systemd.services."${name}-backup" = mkIf cfg.backup.enable {
      description = "Back up and verify the Stellar Heads database";
      after = [ "postgresql.target" ];
      requires = [ "postgresql.target" ];
      # Restore: see the README (pg_restore --clean --if-exists --no-owner --role=stellar-heads).
      environment = {
        DATABASE = name;
        BACKUP_DIR = cfg.backup.directory;
        KEEP = toString cfg.backup.keep;
        PGHOST = "/run/postgresql";
      };
      serviceConfig = {
        Type = "oneshot";
        # The superuser can create the scratch database that each dump is restored into.
        User = "postgres";
        ExecStart = lib.getExe backupScript;
        ProtectSystem = "strict";
        ReadWritePaths = [ cfg.backup.directory ];
        ProtectHome = true;
        PrivateTmp = true;
        PrivateNetwork = true;
        NoNewPrivileges = true;
        CapabilityBoundingSet = "";
        UMask = "0077";
      };
    };

    systemd.timers."${name}-backup" = mkIf cfg.backup.enable {
      wantedBy = [ "timers.target" ];
      timerConfig = {
        OnCalendar = cfg.backup.calendar;
        Persistent = true;
        RandomizedDelaySec = "10m";
      };
    };
  };
}
