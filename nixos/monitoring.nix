# Metrics and monitoring for services.stellar-heads (imported by module.nix).
#
# `metrics.enable`, on every host of the deployment: the server serves /metrics on a private
# listener (never the public one), and node exporter publishes the host's metrics with the
# times the backup job and the certificate check record (textfile collector).
#
# `monitoring.enable`, on the host that watches: Prometheus scraping every API node and node
# exporter, with the alert rules of ./monitoring/alerts.yml (promtool checks them when the
# configuration is built), and Grafana with the dashboard of ./monitoring/dashboard.json.
# Where alerts go is the operator's choice (services.prometheus.alertmanagers).
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
    mkMerge
    mkOption
    optional
    optionals
    types
    ;

  cfg = config.services.stellar-heads;
  paths = import ./monitoring-paths.nix;
  isEdge = cfg.role == "edge";
  hostPort = import ./host-port.nix;
  # The ACME certificate nginx serves for the domain (its own, or another host's with
  # useACMEHost), if any.
  virtualHost = config.services.nginx.virtualHosts.${cfg.domain} or { };
  acmeName =
    if (virtualHost.useACMEHost or null) != null then virtualHost.useACMEHost
    else if virtualHost.enableACME or false then cfg.domain
    else null;
  watchesCertificate = cfg.nginx.enable && cfg.metrics.certificateFile != null;

  certExpiry = pkgs.writeShellApplication {
    name = "stellar-heads-cert-expiry";
    runtimeInputs = [
      pkgs.coreutils
      pkgs.openssl
    ];
    text = builtins.readFile ./cert-expiry.sh;
  };
  dashboards = pkgs.linkFarm "stellar-heads-dashboards" [
    {
      name = "stellar-heads.json";
      path = ./monitoring/dashboard.json;
    }
  ];
in
{
  options.services.stellar-heads = {
    metrics = {
      enable = mkOption {
        type = types.bool;
        default = cfg.monitoring.enable;
        defaultText = literalExpression "config.services.stellar-heads.monitoring.enable";
        description = ''
          Serve the server's metrics on `listenAddress:port` and run node exporter there
          (`nodeExporterPort`), with the last backup's and the certificate's times.
        '';
      };
      listenAddress = mkOption {
        type = types.str;
        default = "127.0.0.1";
        example = "10.0.0.11";
        description = "Where the metrics are served: loopback, or this host's private address when Prometheus runs elsewhere.";
      };
      port = mkOption {
        type = types.port;
        default = 9464;
        description = "The server's /metrics port.";
      };
      nodeExporterPort = mkOption {
        type = types.port;
        default = 9100;
        description = "node exporter's port.";
      };
      certificateFile = mkOption {
        type = types.nullOr types.path;
        default = if acmeName != null then "/var/lib/acme/${acmeName}/cert.pem" else null;
        defaultText = literalExpression "the ACME certificate of `domain`'s virtual host, if it has one";
        example = "/var/lib/certs/heads.example.org.pem";
        description = "The certificate whose expiry is recorded daily for the alert (on hosts that serve the site).";
      };
      allowFrom = mkOption {
        type = types.listOf types.str;
        default = [ "localhost" ];
        example = [ "10.0.0.10" ];
        description = "The addresses that may read the server's metrics (Prometheus'); systemd drops the rest.";
      };
    };

    monitoring = {
      enable = mkEnableOption "Prometheus with Stellar Heads' alert rules, and Grafana with its dashboard";
      apiTargets = mkOption {
        type = types.listOf types.str;
        default = optional (cfg.metrics.enable && !isEdge) (hostPort cfg.metrics.listenAddress cfg.metrics.port);
        defaultText = literalExpression "this host's metrics listener, unless it is the edge";
        example = [ "10.0.0.11:9464" "10.0.0.12:9464" ];
        description = "Every API node's metrics listener (`address:port`).";
      };
      nodeTargets = mkOption {
        type = types.listOf types.str;
        default = optional cfg.metrics.enable (hostPort cfg.metrics.listenAddress cfg.metrics.nodeExporterPort);
        defaultText = literalExpression "this host's node exporter";
        example = [ "10.0.0.10:9100" "10.0.0.11:9100" ];
        description = "Every host's node exporter (`address:port`): the edge's carries the certificate's expiry, the database host's the backups' times.";
      };
      grafana = {
        enable = mkOption {
          type = types.bool;
          default = true;
          description = "Run Grafana (on 127.0.0.1) with Prometheus as its data source and the Stellar Heads dashboard.";
        };
        secretKeyFile = mkOption {
          type = types.nullOr types.externalPath;
          default = null;
          example = "/run/keys/grafana-secret-key";
          description = "Grafana's secret key (it signs sessions and encrypts stored secrets), readable by the grafana user.";
        };
        adminPasswordFile = mkOption {
          type = types.nullOr types.externalPath;
          default = null;
          example = "/run/keys/grafana-admin-password";
          description = ''
            The password of Grafana's `admin` user (required: Grafana's own default is
            `admin`), readable by the grafana user. Grafana sets it when it first creates its
            database: to change it later, change it in Grafana too
            (`grafana cli admin reset-admin-password`).
          '';
        };
      };
    };
  };

  config = mkIf cfg.enable (mkMerge [
    (mkIf cfg.metrics.enable {
      assertions = [
        {
          assertion = cfg.metrics.allowFrom != [ ];
          message = "services.stellar-heads: metrics.allowFrom must name who may read the metrics (Prometheus' address, or \"localhost\").";
        }
      ];
      services.stellar-heads.settings.metrics_listen = mkIf (!isEdge) (mkDefault (hostPort cfg.metrics.listenAddress cfg.metrics.port));

      users.groups.${paths.group} = { };
      systemd.tmpfiles.rules = [ "d ${paths.textfileDirectory} 2775 root ${paths.group} -" ];
      services.prometheus.exporters.node = {
        enable = true;
        inherit (cfg.metrics) listenAddress;
        port = cfg.metrics.nodeExporterPort;
        extraFlags = [ "--collector.textfile.directory=${paths.textfileDirectory}" ];
      };
      networking.firewall = mkIf (cfg.openFirewall && cfg.role == "api") {
        interfaces.${cfg.api.firewallInterface}.allowedTCPPorts = [
          cfg.metrics.port
          cfg.metrics.nodeExporterPort
        ];
      };

      # The served certificate's expiry, daily and at boot, in the server's sandbox.
      systemd.services.stellar-heads-cert-expiry = mkIf watchesCertificate {
        description = "Record when the Stellar Heads certificate expires";
        # (A renewed certificate is recorded at the next daily run; the alert leaves 20 days.)
        after = optionals (acmeName != null) [
          "acme-${acmeName}.service"
          "acme-order-renew-${acmeName}.service"
        ];
        environment.METRICS_FILE = "${paths.textfileDirectory}/stellar-heads-certificate.prom";
        serviceConfig = import ./hardening.nix { } // {
          # The groups below must count for file access, unmapped.
          PrivateUsers = false;
          Type = "oneshot";
          DynamicUser = true;
          # The certificate's group (nginx's, with enableACME) and the textfile writers'.
          SupplementaryGroups = [
            config.services.nginx.group
            paths.group
          ];
          ReadWritePaths = [ paths.textfileDirectory ];
          ExecStart = "${lib.getExe certExpiry} ${cfg.domain}=${cfg.metrics.certificateFile}";
        };
      };
      systemd.timers.stellar-heads-cert-expiry = mkIf watchesCertificate {
        wantedBy = [ "timers.target" ];
        timerConfig = {
          OnBootSec = "5min";
          OnUnitActiveSec = "1d";
        };
      };
    })

    (mkIf cfg.monitoring.enable {
      assertions = [
        {
          assertion = cfg.monitoring.apiTargets != [ ];
          message = "services.stellar-heads: monitoring.apiTargets must list the API nodes' metrics listeners (address:port).";
        }
        {
          assertion = cfg.monitoring.grafana.enable -> cfg.monitoring.grafana.secretKeyFile != null;
          message = "services.stellar-heads: monitoring.grafana.secretKeyFile is required (Grafana has no default secret key).";
        }
        {
          assertion = cfg.monitoring.grafana.enable -> cfg.monitoring.grafana.adminPasswordFile != null;
          message = "services.stellar-heads: monitoring.grafana.adminPasswordFile is required (Grafana's default admin password is \"admin\").";
        }
      ];
      services.prometheus = {
        enable = true;
        listenAddress = mkDefault "127.0.0.1";
        retentionTime = mkDefault "30d";
        ruleFiles = [ ./monitoring/alerts.yml ];
        scrapeConfigs = [
          {
            job_name = "stellar-heads";
            scrape_interval = "15s";
            static_configs = [{ targets = cfg.monitoring.apiTargets; }];
          }
        ]
        ++ optionals (cfg.monitoring.nodeTargets != [ ]) [
          {
            job_name = "stellar-heads-node";
            scrape_interval = "60s";
            static_configs = [{ targets = cfg.monitoring.nodeTargets; }];
          }
        ];
      };
      services.grafana = mkIf cfg.monitoring.grafana.enable {
        enable = true;
        settings = {
          server.http_addr = mkDefault "127.0.0.1";
          security = {
            secret_key = "$__file{${cfg.monitoring.grafana.secretKeyFile}}";
            # Grafana's file provider: the password is read at start, never in the Nix store.
            admin_user = mkDefault "admin";
            admin_password = "$__file{${cfg.monitoring.grafana.adminPasswordFile}}";
          };
        };
        provision = {
          enable = true;
          datasources.settings = {
            apiVersion = 1;
            datasources = [
              {
                name = "Prometheus";
                type = "prometheus";
                # The dashboard names this uid.
                uid = "stellar-heads-prometheus";
                url = "http://${hostPort config.services.prometheus.listenAddress config.services.prometheus.port}";
                isDefault = true;
              }
            ];
          };
          dashboards.settings = {
            apiVersion = 1;
            providers = [
              {
                name = "stellar-heads";
                options.path = dashboards;
              }
            ];
          };
        };
      };
    })
  ]);
}
