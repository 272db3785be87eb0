# services.stellar-heads: the game server behind nginx with ACME TLS, a local PostgreSQL
# reached by peer authentication, and verified backups (copied off the host if asked).
#
# `role` spreads it over several machines (README, "Scaling out"): an `edge` (nginx with ACME,
# the web root, a load-balanced upstream of API nodes), `api` nodes (the server on the private
# network, trusting only the edge as proxy, with an external PostgreSQL), or `all-in-one` as
# before (the default). PostgreSQL is the only state the nodes share. Metrics and monitoring:
# ./monitoring.nix.
#
# systemd owns the API socket (stellar-heads.socket) and passes it to the server, which runs
# as a dynamic user: connections that arrive while the server restarts wait in the socket's
# queue instead of failing, and no setting can move the socket away from its proxy.
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
    optionalAttrs
    optionals
    types
    ;

  cfg = config.services.stellar-heads;
  settingsFormat = pkgs.formats.toml { };
  name = "stellar-heads";
  isEdge = cfg.role == "edge";
  isApi = cfg.role == "api";
  socket = "/run/${name}/api.sock";
  backupUser = "${name}-backup";
  localDatabaseUrl = "postgres://${name}@localhost/${name}?host=/run/postgresql";
  monitoring = import ./monitoring-paths.nix;
  hostPort = import ./host-port.nix;
  # Where the server listens: the unix socket nginx proxies to, or the private address the
  # edge proxies to.
  listen = if isApi then hostPort cfg.api.listenAddress cfg.api.port else socket;

  # The addresses the server exchanges IP packets with, if any: the database, the edge,
  # Prometheus. Everything else stays out of reach (hardening.nix).
  serverAddresses =
    optionals (!cfg.database.createLocally) cfg.database.addresses
    ++ optionals isApi cfg.api.trustedProxies
    ++ optionals cfg.metrics.enable cfg.metrics.allowFrom;
  hardening = import ./hardening.nix {
    networked = serverAddresses != [ ];
    addresses = lib.unique serverAddresses;
  };
  offHost = cfg.backup.offHost.remote != null;
  backupHardening = import ./hardening.nix {
    networked = offHost;
    addresses = cfg.backup.offHost.allowedAddresses;
  };
  socketUnit = import ./socket.nix {
    inherit listen;
    allowFrom = cfg.api.trustedProxies;
  };

  defaults = import ./defaults.nix;
  # nginx sends the headers the server sends (one file for both), with the server's CSP when
  # the operator sets one.
  sharedHeaders = builtins.fromJSON (builtins.readFile ../backend/security-headers.json);
  nginxSite = import ./nginx.nix (
    {
      securityHeaders = sharedHeaders // optionalAttrs (cfg.settings ? content_security_policy) {
        "content-security-policy" = cfg.settings.content_security_policy;
      };
    }
    // (if isEdge then { inherit (cfg.edge) apiServers maxFails failTimeout; } else { inherit socket; })
  );

  backupScript = pkgs.writeShellApplication {
    name = "${name}-backup";
    runtimeInputs = [
      config.services.postgresql.package
      pkgs.coreutils
      pkgs.gnugrep
    ]
    ++ optional offHost pkgs.rclone;
    text = builtins.readFile ./backup.sh;
  };

in
{
  options.services.stellar-heads = {
    enable = mkEnableOption "the Stellar Heads game server";

    role = mkOption {
      type = types.enum [
        "all-in-one"
        "edge"
        "api"
      ];
      default = "all-in-one";
      description = ''
        What this host does (README, "Scaling out"):
        - `all-in-one`: nginx, the server on a unix socket and (by default) a local PostgreSQL.
        - `edge`: nginx with ACME and the web root, load-balancing the API over
          `edge.apiServers`; no server, no database.
        - `api`: the server alone, on `api.listenAddress`, reached only by the edge
          (`api.trustedProxies`), with an external PostgreSQL (`database.*`).
      '';
    };

    edge = {
      apiServers = mkOption {
        type = types.listOf types.str;
        default = [ ];
        example = [ "10.0.0.11:8080" "10.0.0.12:8080" ];
        description = ''
          With `role = "edge"`: the API nodes (`address:port`, IPv6 in brackets). A node that
          fails `maxFails` times is left out for `failTimeout`; a request a node could not
          take (connection refused, reset, timeout, 502, 504) is passed to the next one.
        '';
      };
      maxFails = mkOption {
        type = types.ints.positive;
        default = defaults.edge.maxFails;
        description = "Failed attempts after which nginx leaves a node out for `failTimeout`.";
      };
      failTimeout = mkOption {
        # Written into nginx's configuration as it is: a number and a unit, nothing else.
        type = types.strMatching defaults.edge.failTimeoutPattern;
        default = defaults.edge.failTimeout;
        example = "30s";
        description = "How long a failing node is left out: an nginx time (`500ms`, `10s`, `1m`, `1h`; a bare number is seconds).";
      };
    };

    api = {
      listenAddress = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "10.0.0.11";
        description = "With `role = \"api\"`: this node's address on the private network.";
      };
      port = mkOption {
        type = types.port;
        default = 8080;
        description = "With `role = \"api\"`: the port the edge proxies to.";
      };
      trustedProxies = mkOption {
        type = types.listOf types.str;
        default = [ ];
        example = [ "10.0.0.10" ];
        description = ''
          With `role = "api"`: the edge's addresses. Only they may connect (the socket drops
          anyone else), and only their `X-Forwarded-For` is believed (the server's
          `trusted_proxies`).
        '';
      };
      firewallInterface = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "eth1";
        description = ''
          With `role = "api"` and `openFirewall`: the private network's interface, the only
          one on which the API and metrics ports are opened.
        '';
      };
    };

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
      type = types.nullOr types.externalPath;
      default = null;
      example = "/run/keys/stellar-heads-jwt-secret";
      description = ''
        A file with at least 32 random bytes that signs session tokens (required where the
        server runs; every API node needs the same secret, or a token from one node is refused
        by the next). Passed to the service with `LoadCredential`; it must not be in the Nix
        store, which anyone can read.
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
        default = cfg.role == "all-in-one";
        defaultText = literalExpression ''role == "all-in-one"'';
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
          With `createLocally = false`: the external database's IP addresses or CIDR ranges
          (and its replica's). The service may open IP connections to these and nothing else.
        '';
      };
      sslMode = mkOption {
        type = types.nullOr (types.enum [ "disable" "prefer" "require" "verify-full" ]);
        default = if isApi then "verify-full" else null;
        defaultText = literalExpression ''if role == "api" then "verify-full" else null'';
        description = ''
          TLS to the external database, overriding the URL's `sslmode` (null: the URL decides).
          `verify-full` checks that a trusted authority (the system's, or `caFile`) signed the
          server's certificate for the URL's host name.
        '';
      };
      caFile = mkOption {
        type = types.nullOr types.path;
        default = null;
        example = "/etc/ssl/stellar-heads-db-ca.pem";
        description = "The certificate authority (PEM) the database's certificate is checked against.";
      };
      replicaUrlFile = mkOption {
        type = types.nullOr types.externalPath;
        default = null;
        example = "/run/keys/stellar-heads-replica-url";
        description = ''
          A file holding a read replica's URL: the leaderboard and players' stats are read
          there (a few seconds of lag are fine for them); writes, sign-ins and match records
          always use the primary. List its address in `addresses` too.
        '';
      };
      maxConnections = mkOption {
        type = types.ints.positive;
        default = 10;
        description = ''
          This node's pool for writes and signed-in reads (the server's
          `database_max_connections`). Every node's `maxConnections + readConnections` together
          must fit in the database's `max_connections` (less its superuser reserve); a node
          whose own pools do not fit refuses to start, and with a local database this is
          checked when the system is built.
        '';
      };
      readConnections = mkOption {
        type = types.ints.positive;
        default = 4;
        description = "This node's pool for anonymous public reads (`database_read_connections`), on the primary and on the replica each.";
      };
    };

    nginx.enable = mkOption {
      type = types.bool;
      default = !isApi;
      defaultText = literalExpression ''role != "api"'';
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
      offHost = {
        remote = mkOption {
          type = types.nullOr types.str;
          default = null;
          example = "offsite:stellar-heads";
          description = ''
            An rclone remote path (an S3-compatible bucket, an SFTP host, ... as configured in
            `rcloneConfigFile`) to which each verified dump is copied; a failed copy fails
            the backup job (and its alert), the local dump is kept.
          '';
        };
        rcloneConfigFile = mkOption {
          type = types.nullOr types.externalPath;
          default = null;
          example = "/run/keys/stellar-heads-rclone.conf";
          description = "rclone's configuration with the remote's credentials, passed as a credential (not in the Nix store).";
        };
        keep = mkOption {
          type = types.ints.positive;
          default = cfg.backup.keep;
          defaultText = literalExpression "config.services.stellar-heads.backup.keep";
          description = "How many verified dumps to keep on the remote.";
        };
        allowedAddresses = mkOption {
          type = types.listOf types.str;
          default = [ "any" ];
          example = [ "203.0.113.7" ];
          description = "The addresses the backup job may reach for the copy (narrow it to the store's).";
        };
      };
    };
  };

  imports = [ ./monitoring.nix ];

  config = mkIf cfg.enable {
    assertions = [
      {
        assertion = !isEdge -> cfg.jwtSecretFile != null;
        message = "services.stellar-heads: set jwtSecretFile (a file with at least 32 random bytes, outside the Nix store; the same on every API node).";
      }
      {
        assertion = isEdge -> cfg.edge.apiServers != [ ] && cfg.nginx.enable && !cfg.database.createLocally;
        message = "services.stellar-heads: role = \"edge\" needs edge.apiServers (the API nodes' address:port) and nginx.enable, and runs no database.";
      }
      {
        assertion = isApi -> cfg.api.listenAddress != null && cfg.api.trustedProxies != [ ] && !cfg.database.createLocally && !cfg.nginx.enable;
        message = "services.stellar-heads: role = \"api\" needs api.listenAddress (this node's private address) and api.trustedProxies (the edge's addresses), an external database (database.createLocally = false), and no nginx (the edge serves the site).";
      }
      {
        assertion = (cfg.edge.apiServers != [ ]) -> isEdge;
        message = "services.stellar-heads: edge.apiServers is for role = \"edge\".";
      }
      {
        assertion = isApi && cfg.openFirewall -> cfg.api.firewallInterface != null;
        message = "services.stellar-heads: on an API node, openFirewall opens the API and metrics ports on api.firewallInterface only (the private network's): set it.";
      }
      {
        # Both pools fit in the local server's connections (less the superuser reserve).
        assertion = cfg.database.createLocally -> cfg.settings.database_max_connections + cfg.settings.database_read_connections
          <= (config.services.postgresql.settings.max_connections or 100)
          - (config.services.postgresql.settings.superuser_reserved_connections or 3);
        message = "services.stellar-heads: database.maxConnections + database.readConnections exceed the local PostgreSQL's max_connections (less superuser_reserved_connections): raise services.postgresql.settings.max_connections or lower the pools.";
      }
      {
        assertion = offHost -> cfg.backup.enable && cfg.backup.offHost.rcloneConfigFile != null;
        message = "services.stellar-heads: backup.offHost.remote needs backup.enable and backup.offHost.rcloneConfigFile (the remote's rclone configuration).";
      }
      {
        # The service itself listens on a unix socket only: the open ports would be nobody's.
        assertion = cfg.openFirewall -> cfg.nginx.enable || isApi;
        message = "services.stellar-heads: openFirewall opens nginx's ports 80 and 443; with nginx.enable = false there is nothing to open (open your own proxy's ports).";
      }
      {
        assertion = cfg.database.createLocally -> cfg.database.urlFile == null;
        message = "services.stellar-heads: database.urlFile is for an external database; set database.createLocally = false to use it.";
      }
      {
        # (The edge runs no server: it needs no database.)
        assertion = !cfg.database.createLocally && !isEdge -> cfg.database.urlFile != null && cfg.database.addresses != [ ];
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
        message = "services.stellar-heads: settings.listen and settings.socket_mode are not used: systemd owns the API socket (${socket}, mode 0660, or api.listenAddress on an API node); set socket.group for who may connect.";
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
    systemd.sockets.${name} = mkIf (!isEdge) {
      description = "Stellar Heads API socket";
      wantedBy = [ "sockets.target" ];
      inherit (socketUnit) listenStreams;
      socketConfig = socketUnit.socketConfig // optionalAttrs (!isApi) {
        SocketGroup = cfg.socket.group;
      };
    };

    # What the module decides for the server (a setting given twice is an evaluation error).
    # (Defaults: a `settings` entry an operator wrote before these options existed still wins.)
    services.stellar-heads.settings = lib.mapAttrs (_: mkDefault) (
      {
        database_max_connections = cfg.database.maxConnections;
        database_read_connections = cfg.database.readConnections;
      }
      // optionalAttrs (cfg.database.sslMode != null) { database_ssl_mode = cfg.database.sslMode; }
      // optionalAttrs isApi { trusted_proxies = cfg.api.trustedProxies; }
    );

    systemd.services.${name} = mkIf (!isEdge) {
      description = "Stellar Heads game server";
      wantedBy = [ "multi-user.target" ];
      # An external database (or the edge) is reached over the network: wait until it is up.
      # (Ordered after network-online.target only where it is also wanted: systemd warns about
      # ordering after it without pulling it in, and a local database needs no network.)
      after = [ "${name}.socket" ]
        ++ optional cfg.database.createLocally "postgresql.target"
        ++ optional (!cfg.database.createLocally) "network-online.target";
      wants = optional (!cfg.database.createLocally) "network-online.target";
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
      )
      // optionalAttrs (cfg.database.replicaUrlFile != null) {
        STELLAR_HEADS_DATABASE_REPLICA_URL_FILE = "%d/database-replica-url";
      }
      // optionalAttrs (cfg.database.caFile != null) {
        STELLAR_HEADS_DATABASE_CA_FILE = "%d/database-ca";
      };
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
        ++ optional (cfg.database.urlFile != null) "database-url:${cfg.database.urlFile}"
        ++ optional (cfg.database.replicaUrlFile != null) "database-replica-url:${cfg.database.replicaUrlFile}"
        ++ optional (cfg.database.caFile != null) "database-ca:${cfg.database.caFile}";
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

    networking.firewall = mkIf cfg.openFirewall (
      if isApi then {
        # The private network only: the edge reaches the API, Prometheus the metrics.
        interfaces.${cfg.api.firewallInterface}.allowedTCPPorts = [ cfg.api.port ];
      } else {
        allowedTCPPorts = [ 80 443 ];
      }
    );

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
      }
      // optionalAttrs cfg.metrics.enable {
        METRICS_FILE = "${monitoring.textfileDirectory}/stellar-heads-backup.prom";
      }
      // optionalAttrs offHost {
        OFFSITE_REMOTE = cfg.backup.offHost.remote;
        OFFSITE_KEEP = toString cfg.backup.offHost.keep;
        RCLONE_CONFIG = "%d/rclone.conf";
        # rclone's cache, in the job's private /tmp.
        RCLONE_CACHE_DIR = "/tmp/rclone";
      };
      # The service's sandbox (no network, read-only system), writing only the backups.
      serviceConfig = backupHardening // {
        Type = "oneshot";
        User = backupUser;
        Group = backupUser;
        ExecStart = lib.getExe backupScript;
        ReadWritePaths = [ cfg.backup.directory ] ++ optional cfg.metrics.enable monitoring.textfileDirectory;
        SupplementaryGroups = optional cfg.metrics.enable monitoring.group;
        # The textfile writers' group must count for file access, unmapped.
        PrivateUsers = !cfg.metrics.enable;
        LoadCredential = optional offHost "rclone.conf:${cfg.backup.offHost.rcloneConfigFile}";
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
