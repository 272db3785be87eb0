# services.stellar-heads: the game server behind nginx with ACME TLS, a local PostgreSQL
# reached by peer authentication, and verified backups.
#
# systemd owns the API socket (stellar-heads.socket) and passes it to the server, which runs
# as a dynamic user: connections that arrive while the server restarts wait in the socket's
# queue instead of failing, and no setting can move the socket away from nginx.
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
  backupUser = "${name}-backup";
  localDatabaseUrl = "postgres://${name}@localhost/${name}?host=/run/postgresql";

  hardening = import ./hardening.nix {
    networked = !cfg.database.createLocally;
    databaseAddresses = cfg.database.addresses;
  };
  backupHardening = import ./hardening.nix { };
  socketUnit = import ./socket.nix { inherit socket; };

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
        not belong here: use `jwtSecretFile` and `database.urlFile`. Where it listens is not
        a setting: the server takes the socket systemd passes it (`socket.group` says who may
        connect).
      '';
      default = { };
      type = types.submodule {
        freeformType = settingsFormat.type;
        options = {
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

    socket.group = mkOption {
      type = types.str;
      default = config.services.nginx.group;
      defaultText = literalExpression "config.services.nginx.group";
      description = ''
        The group that may connect to the API socket (${socket}, mode 0660, owned by
        systemd): nginx's, or your own proxy's with `nginx.enable = false`.
      '';
    };

    jwtSecretFile = mkOption {
      type = types.externalPath;
      example = "/run/keys/stellar-heads-jwt-secret";
      description = ''
        A file with at least 32 random bytes that signs session tokens. Passed to the service
        with `LoadCredential`; it must not be in the Nix store, which anyone can read.
      '';
    };

    jwtPreviousSecretFile = mkOption {
      type = types.nullOr types.externalPath;
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
        type = types.nullOr types.externalPath;
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
        type = types.externalPath;
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
        # The server serves the socket systemd passes it; a listen address here would be
        # ignored, or (without the socket) answer nobody: nginx proxies to ${socket}.
        assertion = !(cfg.settings ? listen) && !(cfg.settings ? socket_mode);
        message = "services.stellar-heads: settings.listen and settings.socket_mode are not used: systemd owns the API socket (${socket}, mode 0660); set socket.group for who may connect.";
      }
    ];

    # The backups' own user: it may read every table and create the scratch database a dump
    # is restored into, nothing more (no superuser). A static user, as the backup directory
    # outlives it.
    users.users.${backupUser} = mkIf cfg.backup.enable {
      isSystemUser = true;
      group = backupUser;
    };
    users.groups.${backupUser} = mkIf cfg.backup.enable { };

    services.postgresql = mkIf cfg.database.createLocally {
      enable = true;
      ensureDatabases = [ name ];
      ensureUsers = [
        {
          inherit name;
          ensureDBOwnership = true;
        }
      ]
      ++ optional cfg.backup.enable {
        name = backupUser;
        ensureClauses.createdb = true;
      };
    };
    # pg_read_all_data: SELECT on every table and sequence, present and future.
    systemd.services.postgresql-setup.script = mkIf (cfg.database.createLocally && cfg.backup.enable) (
      lib.mkAfter ''
        psql -tAc 'GRANT pg_read_all_data TO "${backupUser}"'
      ''
    );

    # The API socket: systemd's, so it stays open (and queues connections) while the server
    # restarts, and is created before nginx can proxy to it.
    systemd.sockets.${name} = {
      description = "Stellar Heads API socket";
      wantedBy = [ "sockets.target" ];
      inherit (socketUnit) listenStreams;
      socketConfig = socketUnit.socketConfig // {
        SocketGroup = cfg.socket.group;
      };
    };

    systemd.services.${name} = {
      description = "Stellar Heads game server";
      wantedBy = [ "multi-user.target" ];
      after = [ "network.target" "${name}.socket" ] ++ optional cfg.database.createLocally "postgresql.target";
      requires = [ "${name}.socket" ] ++ optional cfg.database.createLocally "postgresql.target";
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
        # A user that exists while the service runs (peer authentication maps its name to
        # the database role); it owns nothing on disk.
        DynamicUser = true;
        User = name;
        Group = name;
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
      "d ${cfg.backup.directory} 0700 ${backupUser} ${backupUser} -"
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
      # The service's sandbox (no network, read-only system), writing only the backups.
      serviceConfig = backupHardening // {
        Type = "oneshot";
        User = backupUser;
        Group = backupUser;
        ExecStart = lib.getExe backupScript;
        ReadWritePaths = [ cfg.backup.directory ];
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
