# What a container host of the deployment tests runs, as the module renders it: the module is
# evaluated with nixpkgs' lib (lib.evalModules) and the stand-ins of nixos/tests/stand-ins.nix,
# and its systemd units are turned into unit files by NixOS's own functions
# (nixos/lib/systemd-lib.nix: `unitConfig` for [Unit], `serviceToUnit`, `socketToUnit`,
# `timerToUnit`). Evaluates to JSON for nixos/containers/provision.py.
#
#   nix-instantiate --eval --strict --json nixos/containers/render.nix \
#     --arg lib 'import LIB' --arg systemdLib 'NIXOS_REFERENCE/nixos/lib/systemd-lib.nix' \
#     --arg host ./nixos/tests/scenarios/single-host.nix --argstr node server
#
# Packages are fake store paths (/nix/store/000…-NAME) that provision.py fills with this
# machine's builds of them.
{ lib
, # nixos/lib/systemd-lib.nix of a nixpkgs revision (nixos-reference's in CI).
  systemdLib
, # A scenario (nixos/tests/scenarios/single-host.nix, ...): `nodes.<name>.module`, the node's
  # services.stellar-heads configuration shared with the NixOS VM test.
  host
, node
, # JSON of what a scenario's node module that is a function is given (addresses, certs).
  nodeArgs ? "{}"
}:
let
  standIns = import ../tests/stand-ins.nix { inherit lib; };
  fakeStorePath = standIns.fakeStorePath;
  pkgs = standIns.pkgs // {
    # The settings file: a store path the provisioner writes (from `settings` below).
    formats = standIns.pkgs.formats // {
      toml = _: {
        inherit (standIns.pkgs.formats.toml { }) type;
        generate = name: _value: fakeStorePath name;
      };
    };
  };
  scenario = import host;
  config = (lib.evalModules {
    modules = [
      standIns.options
      ../module.nix
      { _module.args.pkgs = pkgs; }
      (
        let nodeModule = scenario.nodes.${node}.module; in
        if lib.isFunction nodeModule then nodeModule (builtins.fromJSON nodeArgs) else nodeModule
      )
    ];
  }).config;
  cfg = config.services.stellar-heads;

  # NixOS's rendering functions need nothing of pkgs for services without `script`/`path`.
  systemd = import systemdLib {
    inherit lib;
    pkgs = { };
    utils = { };
    config.systemd = { globalEnvironment = { }; enableStrictShellChecks = false; };
  };
  # An option value as the NixOS systemd options leave it: every list defaulting to [ ].
  unitDefaults = {
    description = "";
    documentation = [ ];
    requires = [ ];
    wants = [ ];
    upholds = [ ];
    after = [ ];
    before = [ ];
    bindsTo = [ ];
    partOf = [ ];
    conflicts = [ ];
    requisite = [ ];
    onFailure = [ ];
    onSuccess = [ ];
    wantedBy = [ ];
    requiredBy = [ ];
    upheldBy = [ ];
    aliases = [ ];
    enable = true;
    overrideStrategy = "asDropinIfExists";
    unitConfig = { };
    environment = { };
    serviceConfig = { };
    socketConfig = { };
    timerConfig = { };
    listenStreams = [ ];
    listenDatagrams = [ ];
  };
  # What the module may set that a container cannot honour is refused rather than dropped.
  unsupported = [ "script" "preStart" "postStart" "path" "startAt" ];
  complete = kind: name: value:
    let
      def = unitDefaults // value;
      used = lib.filter (key: value ? ${key}) unsupported;
      unitSection = (systemd.unitConfig {
        config = def;
        inherit name;
        options = {
          startLimitIntervalSec.isDefined = false;
          startLimitBurst.isDefined = false;
        };
      }).config.unitConfig;
    in
    assert used == [ ] || throw "render.nix: ${name}.${kind} sets ${toString used}, which the containers cannot run";
    def // {
      name = "${name}.${kind}";
      unitConfig = unitSection // def.unitConfig;
    };
  units = kind: toUnit: lib.mapAttrs'
    (name: value:
      let unit = toUnit (complete kind name value); in
      lib.nameValuePair "${name}.${kind}" { inherit (unit) text wantedBy requiredBy; })
    (lib.filterAttrs (name: value: value.enable or true && !(kind == "service" && lib.elem name nixosOwned))
      (config.systemd.${"${kind}s"} or { }));
  # Units of NixOS's own modules that the module extends: provision.py stands in for them
  # (postgresql-setup: with the module's appended script, exported below).
  nixosOwned = [ "postgresql-setup" ];
  nginx = config.services.nginx;
in
{
  units = units "service" systemd.serviceToUnit
    // units "socket" systemd.socketToUnit
    // units "timer" systemd.timerToUnit;
  settings = {
    path = fakeStorePath "stellar-heads.toml";
    value = cfg.settings;
  };
  users = lib.mapAttrs (_: user: { inherit (user) group; }) (config.users.users or { });
  groups = lib.attrNames (config.users.groups or { });
  tmpfiles = config.systemd.tmpfiles.rules or [ ];
  postgresql = lib.optionalAttrs (config.services.postgresql.enable or false) {
    inherit (config.services.postgresql) ensureDatabases ensureUsers;
    # What the module appends to NixOS's postgresql-setup (grants).
    setupScript = config.systemd.services.postgresql-setup.script or "";
  };
  nginx = lib.optionalAttrs (nginx.enable or false) {
    httpConfig = nginx.appendHttpConfig or "";
    virtualHosts = lib.mapAttrs
      (_: vhost: {
        inherit (vhost) root locations;
        extraConfig = vhost.extraConfig or "";
        enableACME = vhost.enableACME or false;
        forceSSL = vhost.forceSSL or false;
        sslCertificate = vhost.sslCertificate or null;
        sslCertificateKey = vhost.sslCertificateKey or null;
      })
      nginx.virtualHosts;
    recommendedProxySettings = nginx.recommendedProxySettings or false;
  };
  nodeExporter = config.services.prometheus.exporters.node or { enable = false; };
  prometheus = lib.optionalAttrs (config.services.prometheus.enable or false) {
    inherit (config.services.prometheus) listenAddress port scrapeConfigs;
    # Paths as they are (a path in JSON would be copied to the store).
    ruleFiles = map toString config.services.prometheus.ruleFiles;
    retentionTime = config.services.prometheus.retentionTime or null;
  };
}
