# Everything the flake provides for one system: packages, apps, the dev shell and checks.
#
# The web build steps are not written here: the game and the site are packaged by
# scripts/build-game.sh and scripts/build-frontend.sh, the same scripts `cargo xtask` and CI run.
{ system
, nixpkgs
, crane
, fenix
, advisory-db
, selfModule
}:
let
  pkgs = nixpkgs.legacyPackages.${system};
  inherit (pkgs) lib;

  # fenix's stable toolchain with the wasm32 standard library; stable throughout, never mixed
  # with `latest`.
  toolchain =
    with fenix.packages.${system};
    combine [
      stable.cargo
      stable.clippy
      stable.rust-src
      stable.rustc
      stable.rustfmt
      targets.wasm32-unknown-unknown.stable.rust-std
    ];
  craneLib = (crane.mkLib pkgs).overrideToolchain (_: toolchain);

  inherit ((lib.importTOML ../Cargo.toml).workspace.package) version;

  # wasm-bindgen's CLI must be exactly the version of the wasm-bindgen library in Cargo.lock;
  # built from its crate (with the crate's own lock file) rather than hoping nixpkgs has it.
  wasmBindgenVersion =
    (lib.findFirst (p: p.name == "wasm-bindgen") null (lib.importTOML ../Cargo.lock).package).version;
  wasm-bindgen-cli = craneLib.buildPackage {
    pname = "wasm-bindgen-cli";
    version = wasmBindgenVersion;
    src = craneLib.downloadCargoPackage {
      name = "wasm-bindgen-cli";
      version = wasmBindgenVersion;
      source = "registry+https://github.com/rust-lang/crates.io-index";
      # sha256 of wasm-bindgen-cli-0.2.130.crate; update with the version in Cargo.lock.
      checksum = "c37f6904387d19a319525c74af274c73912f3871c35555aa49f3ea64ebb2fc7a";
    };
    strictDeps = true;
    doCheck = false;
    meta.mainProgram = "wasm-bindgen";
  };

  root = ../.;
  fs = lib.fileset;
  # Cargo.toml/Cargo.lock, every .rs and every .toml file (crane's selection).
  cargoSources = craneLib.fileset.commonCargoSources root;
  # The Rust workspace and what its native build reads (migrations and the security headers
  # shared with nginx are embedded). README.md,
  # nixos/ and the web assets are not part of it: editing them rebuilds no Rust.
  nativeSrc = fs.toSource {
    inherit root;
    fileset = fs.unions [
      cargoSources
      ../migrations
      ../backend/security-headers.json
    ];
  };
  # The web builds add their assets and the build scripts.
  webSrc = fs.toSource {
    inherit root;
    fileset = fs.unions [
      cargoSources
      ../game/web
      ../frontend/index.html
      ../frontend/boot.js
      ../frontend/style.css
      ../frontend/assets
      ../frontend/package.json
      ../frontend/package-lock.json
      ../scripts
    ];
  };
  # The test suite also runs the backup script for real.
  testSrc = fs.toSource {
    inherit root;
    fileset = fs.unions [
      cargoSources
      ../migrations
      ../backend/security-headers.json
      ../nixos/backup.sh
    ];
  };

  commonArgs = {
    inherit version;
    pname = "stellar-heads";
    strictDeps = true;
  };

  # Native: the backend, and the whole workspace for tests and lints. Dependencies are built
  # once and shared by every native derivation.
  nativeArgs = commonArgs // {
    src = nativeSrc;
  };
  cargoArtifacts = craneLib.buildDepsOnly nativeArgs;

  backend = craneLib.buildPackage (
    nativeArgs
    // {
      inherit cargoArtifacts;
      pname = "stellar-heads-backend";
      cargoExtraArgs = "--locked --package stellar-heads-backend";
      # The whole suite runs once, against PostgreSQL, in checks.tests.
      doCheck = false;
      meta = {
        description = "Stellar Heads game server";
        license = lib.licenses.agpl3Plus;
        mainProgram = "stellar-heads-backend";
      };
    }
  );

  # WebAssembly: the game and the site, each with its dependencies built once.
  wasmArgs = commonArgs // {
    src = webSrc;
    CARGO_BUILD_TARGET = "wasm32-unknown-unknown";
    RUSTFLAGS = ''--cfg getrandom_backend="wasm_js"'';
    doCheck = false;
  };
  gameArgs = wasmArgs // {
    pname = "stellar-heads-game";
    cargoExtraArgs = "--locked --package stellar-heads-game";
    # Size-optimised, fat LTO (Cargo.toml's [profile.web-release]).
    CARGO_PROFILE = "web-release";
  };
  siteArgs = wasmArgs // {
    pname = "stellar-heads-site";
    cargoExtraArgs = "--locked --package stellar-heads-frontend";
    # The profile frontend/index.html asks trunk for.
    CARGO_PROFILE = "web-release";
  };
  # Lints of both wasm32 crates together.
  wasmLintArgs = wasmArgs // {
    pname = "stellar-heads-wasm";
    cargoExtraArgs = "--locked --package stellar-heads-frontend --package stellar-heads-game";
  };
  webTools = [
    wasm-bindgen-cli
    pkgs.binaryen
    pkgs.brotli
    pkgs.gzip
  ];

  game = craneLib.buildPackage (
    gameArgs
    // {
      cargoArtifacts = craneLib.buildDepsOnly gameArgs;
      nativeBuildInputs = webTools;
      # wasm-bindgen -> wasm-opt -> hashed names -> .br/.gz, exactly as outside Nix.
      installPhaseCommand = ''
        patchShebangs scripts
        scripts/build-game.sh --wasm target/wasm32-unknown-unknown/web-release/stellar_heads_game.wasm "$out"
      '';
      doInstallCargoArtifacts = false;
    }
  );

  # Freighter's browser library, from frontend/package-lock.json (hashes included).
  siteNodeModules = pkgs.importNpmLock.buildNodeModules {
    npmRoot = ../frontend;
    inherit (pkgs) nodejs;
  };

  # The web root: the site built by trunk, with the game in game/.
  frontend = craneLib.mkCargoDerivation (
    siteArgs
    // {
      cargoArtifacts = craneLib.buildDepsOnly siteArgs;
      nativeBuildInputs = webTools ++ [ pkgs.trunk ];
      # trunk runs offline with the tools above, at these versions.
      TRUNK_TOOLS_WASM_BINDGEN = wasmBindgenVersion;
      TRUNK_TOOLS_WASM_OPT = "version_${pkgs.binaryen.version}";
      STELLAR_HEADS_NODE_MODULES = "${siteNodeModules}/node_modules";
      buildPhaseCargoCommand = ''
        patchShebangs scripts
        export XDG_CACHE_HOME="$TMPDIR/cache"
        mkdir -p "$out"
        cp -r --no-preserve=mode ${game} "$out/game"
        scripts/build-frontend.sh "$out"
      '';
      installPhaseCommand = "";
      doInstallCargoArtifacts = false;
    }
  );

  # The server with the web root built in as its default.
  default = pkgs.symlinkJoin {
    name = "stellar-heads-${version}";
    paths = [ backend ];
    nativeBuildInputs = [ pkgs.makeWrapper ];
    postBuild = ''
      wrapProgram "$out/bin/stellar-heads-backend" --set-default STELLAR_HEADS_WEB_ROOT ${frontend}
    '';
    meta = backend.meta // {
      description = "Stellar Heads: the game server with the site and the game";
    };
  };

  # `nix run`: the whole stack on localhost, with a throwaway PostgreSQL and token secret.
  local = pkgs.writeShellApplication {
    name = "stellar-heads-local";
    runtimeInputs = [
      pkgs.postgresql
      pkgs.coreutils
    ];
    text = builtins.readFile ./run-local.sh;
    runtimeEnv.STELLAR_HEADS = lib.getExe default;
  };

  # Starts a throwaway PostgreSQL in the build directory for tests (as crane's end-to-end
  # example does); the harness then creates one database per test in it.
  withPostgres = {
    nativeBuildInputs = [ pkgs.postgresql ];
    preCheck = ''
      export PGDATA="$TMPDIR/pg"
      initdb --auth=trust --username=postgres --no-sync >/dev/null
      pg_ctl --wait --options "-c listen_addresses= -c unix_socket_directories=$TMPDIR -c fsync=off" start
      export PG_HARNESS_ADMIN_URL="postgres:///postgres?host=$TMPDIR&user=postgres"
    '';
    postCheck = ''
      pg_ctl --wait --mode=fast stop
    '';
  };

  nixFiles = fs.toSource {
    inherit root;
    fileset = fs.fileFilter (file: file.hasExt "nix") root;
  };
in
{
  packages = {
    inherit
      backend
      game
      frontend
      default
      wasm-bindgen-cli
      ;
  };

  apps.default = {
    type = "app";
    program = lib.getExe local;
    meta.description = "Run Stellar Heads on localhost with a throwaway database";
  };

  devShells.default = craneLib.devShell {
    packages = webTools ++ [
      pkgs.trunk
      pkgs.sqlx-cli
      pkgs.postgresql
      pkgs.cargo-nextest
      pkgs.cargo-audit
      pkgs.cargo-deny
      pkgs.taplo
      pkgs.nodejs
      pkgs.chromium
      pkgs.nixpkgs-fmt
      pkgs.deadnix
    ];
    # The browser tests drive this Chromium.
    CHROMIUM = lib.getExe pkgs.chromium;
  };

  # `nix fmt` with no arguments formats the tree (Nix >= 2.25 passes none, and nixpkgs-fmt
  # would then wait on stdin).
  formatter = pkgs.writeShellApplication {
    name = "stellar-heads-fmt";
    runtimeInputs = [ pkgs.nixpkgs-fmt ];
    text = ''
      if [ "$#" -eq 0 ]; then set -- .; fi
      exec nixpkgs-fmt "$@"
    '';
  };

  checks = {
    inherit backend game frontend;

    clippy = craneLib.cargoClippy (
      nativeArgs
      // {
        inherit cargoArtifacts;
        cargoClippyExtraArgs = "--workspace --all-targets -- --deny warnings";
      }
    );

    clippy-wasm32 = craneLib.cargoClippy (
      wasmLintArgs
      // {
        cargoArtifacts = craneLib.buildDepsOnly wasmLintArgs;
        cargoClippyExtraArgs = "-- --deny warnings";
      }
    );

    fmt = craneLib.cargoFmt {
      inherit (commonArgs) pname version;
      src = nativeSrc;
    };

    taplo = craneLib.taploFmt {
      inherit (commonArgs) pname version;
      src = lib.sources.sourceFilesBySuffices nativeSrc [ ".toml" ];
    };

    doc = craneLib.cargoDoc (
      nativeArgs
      // {
        inherit cargoArtifacts;
        cargoDocExtraArgs = "--workspace --no-deps";
        env.RUSTDOCFLAGS = "--deny warnings";
      }
    );

    tests = craneLib.cargoNextest (
      nativeArgs
      // withPostgres
      // {
        inherit cargoArtifacts;
        src = testSrc;
        cargoNextestExtraArgs = "--workspace --no-fail-fast";
      }
    );

    # Ignored advisories, each with its reason, are in .cargo/audit.toml.
    audit = craneLib.cargoAudit {
      inherit (commonArgs) pname version;
      inherit advisory-db;
      src = nativeSrc;
    };

    deny = craneLib.cargoDeny {
      inherit (commonArgs) pname version;
      src = nativeSrc;
    };

    nix-fmt = pkgs.runCommand "stellar-heads-nix-fmt" { nativeBuildInputs = [ pkgs.nixpkgs-fmt ]; } ''
      nixpkgs-fmt --check ${nixFiles}
      touch "$out"
    '';

    deadnix = pkgs.runCommand "stellar-heads-deadnix" { nativeBuildInputs = [ pkgs.deadnix ]; } ''
      deadnix --fail ${nixFiles}
      touch "$out"
    '';

    vm-test = import ../nixos/tests/stellar-heads.nix {
      inherit pkgs;
      module = selfModule;
    };
  };
}
