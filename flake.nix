{
  description = "Stellar Heads: head soccer in the browser, with a Stellar-wallet leaderboard";

  inputs = {
    # A stable release branch; the pinned revision and where it came from are in the README.
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";

    crane.url = "github:ipetkov/crane";

    fenix = {
      url = "github:nix-community/fenix";
      inputs.nixpkgs.follows = "nixpkgs";
    };

    advisory-db = {
      url = "github:rustsec/advisory-db";
      flake = false;
    };
  };

  outputs =
    { self
    , nixpkgs
    , crane
    , fenix
    , advisory-db
    }:
    let
      inherit (nixpkgs) lib;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      # Each system's outputs, evaluated once and shared by every attribute below.
      perSystem = lib.genAttrs systems (system: import ./nix/outputs.nix {
        inherit system nixpkgs crane fenix advisory-db;
        selfModule = self.nixosModules.default;
      });
      forAllSystems = attribute: lib.mapAttrs (_system: out: out.${attribute}) perSystem;
    in
    {
      packages = forAllSystems "packages";
      apps = forAllSystems "apps";
      devShells = forAllSystems "devShells";
      checks = forAllSystems "checks";
      formatter = forAllSystems "formatter";

      # This flake's packages (built with its own pinned nixpkgs and toolchain, not the
      # importing system's), under the names the module's defaults use.
      overlays.default = final: _prev: {
        stellar-heads = self.packages.${final.stdenv.hostPlatform.system}.default;
        stellar-heads-backend = self.packages.${final.stdenv.hostPlatform.system}.backend;
        stellar-heads-web = self.packages.${final.stdenv.hostPlatform.system}.frontend;
      };

      # services.stellar-heads, with this flake's packages as its defaults.
      nixosModules.default =
        { lib, pkgs, ... }:
        {
          imports = [ ./nixos/module.nix ];
          services.stellar-heads = {
            package = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.backend;
            webRoot = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.frontend;
          };
        };
    };
}
