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
      forAllSystems = f: lib.genAttrs systems (system: f (import ./nix/outputs.nix {
        inherit system nixpkgs crane fenix advisory-db;
        selfModule = self.nixosModules.default;
      }));
    in
    {
      packages = forAllSystems (out: out.packages);
      apps = forAllSystems (out: out.apps);
      devShells = forAllSystems (out: out.devShells);
      checks = forAllSystems (out: out.checks);
      formatter = forAllSystems (out: out.formatter);

      # The packages, built with the host's nixpkgs (the module's defaults use these names).
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
