# What the module needs of NixOS and nixpkgs, without either: fake packages (store paths that
# name the package) and free-form stand-ins for the NixOS options the module writes to. Used
# by the module-logic tests (./eval.nix) and by the container hosts
# (../containers/render.nix), which fill the fake store paths with this machine's builds.
{ lib }:
let
  # A store path that names what it stands for (32 zeros where the hash would be).
  fakeStorePath = name: "/nix/store/00000000000000000000000000000000-${name}";
  fakePackage = name: {
    inherit name;
    type = "derivation";
    outPath = fakeStorePath name;
    meta.mainProgram = name;
  };
  freeform = lib.mkOption {
    type = lib.types.submodule { freeformType = lib.types.attrsOf lib.types.anything; };
    default = { };
  };
in
{
  inherit fakeStorePath fakePackage;

  pkgs = {
    stellar-heads-backend = fakePackage "stellar-heads-backend";
    stellar-heads-web = fakePackage "stellar-heads-web";
    coreutils = fakePackage "coreutils";
    gnugrep = fakePackage "gnugrep";
    openssl = fakePackage "openssl";
    rclone = fakePackage "rclone";
    linkFarm = name: _entries: fakePackage name;
    nginxModules.brotli = fakePackage "nginx-brotli";
    formats.toml = _: {
      type = lib.types.attrsOf lib.types.anything;
      # The rendered text itself stands in for the file (evaluation writes nothing to the store).
      generate = _name: value: builtins.toJSON value;
    };
    writeShellApplication = { name, ... }: fakePackage name;
  };

  # The NixOS options the module sets, as free-form attribute sets.
  options = {
    options = {
      assertions = lib.mkOption {
        type = lib.types.listOf lib.types.unspecified;
        default = [ ];
      };
      warnings = lib.mkOption {
        type = lib.types.listOf lib.types.str;
        default = [ ];
      };
      users = freeform;
      systemd = lib.mkOption {
        type = lib.types.submodule {
          freeformType = lib.types.attrsOf lib.types.anything;
          # Rules from several definitions are concatenated, as in NixOS.
          options.tmpfiles.rules = lib.mkOption {
            type = lib.types.listOf lib.types.str;
            default = [ ];
          };
        };
        default = { };
      };
      networking = lib.mkOption {
        type = lib.types.submodule {
          freeformType = lib.types.attrsOf lib.types.anything;
          # Port lists from several definitions are concatenated, as in NixOS.
          options.firewall.interfaces = lib.mkOption {
            type = lib.types.attrsOf (lib.types.submodule {
              options.allowedTCPPorts = lib.mkOption {
                type = lib.types.listOf lib.types.port;
                default = [ ];
              };
            });
            default = { };
          };
        };
        default = { };
      };
      services.prometheus = lib.mkOption {
        type = lib.types.submodule {
          freeformType = lib.types.attrsOf lib.types.anything;
          options.listenAddress = lib.mkOption { default = "0.0.0.0"; };
          options.port = lib.mkOption { default = 9090; };
        };
        default = { };
      };
      services.grafana = freeform;
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
}
