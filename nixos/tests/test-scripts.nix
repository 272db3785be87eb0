# The VM tests' Python exactly as Nix generates it for the NixOS test driver, evaluated
# without nixpkgs (stand-ins for the few builders the test files call at the top level), so
# that CI can parse and type-check it (nixos/containers/run.py check-scripts) as the driver
# does before it starts a VM. Also what the NixOS hosts must not need: SSH keys read from a
# derivation (import-from-derivation).
#
#   nix-instantiate --eval --strict --json nixos/tests/test-scripts.nix --arg lib 'import LIB'
{ lib }:
let
  standIns = import ./stand-ins.nix { inherit lib; };
  pkgs = standIns.pkgs // {
    inherit lib;
    path = "/nixpkgs";
    testers.runNixOSTest = test: test;
    writeText = name: _text: standIns.fakeStorePath name;
    runCommand = name: _env: _script: standIns.fakeStorePath name;
  };
  tests = {
    single-host = import ./stellar-heads.nix {
      inherit pkgs;
      module = ../module.nix;
      genuineMatch = standIns.fakePackage "stellar-heads-genuine-match";
    };
    scale-out = import ./scale-out.nix {
      inherit pkgs;
      module = ../module.nix;
      genuineMatch = standIns.fakePackage "stellar-heads-genuine-match";
    };
  };
  # A script that is a function of the nodes (as they once were) gets the values they read.
  nodes = lib.genAttrs [ "acme" "offsite" "server" "client" "edge" "api1" "api2" "database" ] (_: {
    networking.primaryIPAddress = "192.0.2.1";
    networking.primaryIPv6Address = "2001:db8::1";
    services.stellar-heads.backup.directory = "/var/backup/stellar-heads";
  });
  script = test: if lib.isFunction test.testScript then test.testScript { inherit nodes; } else test.testScript;
  # Every authorized key of a node's users, if the node is a plain attribute set.
  keyFiles = node: lib.concatMap (user: user.openssh.authorizedKeys.keyFiles or [ ])
    (lib.attrValues (node.users.users or { }));
in
{
  scripts = lib.mapAttrs (_: script) tests;
  machines = lib.mapAttrs (_: test: lib.attrNames test.nodes) tests;
  # Nodes whose SSH keys are files (the sshd module reads them at evaluation time).
  keyFiles = lib.filter (name: keyFiles tests.single-host.nodes.${name} != [ ])
    (lib.filter (name: lib.isAttrs tests.single-host.nodes.${name}) (lib.attrNames tests.single-host.nodes));
}
