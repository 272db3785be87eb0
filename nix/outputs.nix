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

  # The web tools, one set of versions for CI and Nix (tools.toml); evaluation stops when
  # this flake would use any other.
  tools = lib.importTOML ../tools.toml;
  wasmBindgenVersion =
    (lib.findFirst (p: p.name == "wasm-bindgen") null (lib.importTOML ../Cargo.lock).package).version;
  checkedTools =
    lib.assertMsg (tools.wasm-bindgen-cli.version == wasmBindgenVersion)
      "tools.toml has wasm-bindgen-cli ${tools.wasm-bindgen-cli.version}, Cargo.lock has wasm-bindgen ${wasmBindgenVersion}: the CLI must match the library (update tools.toml and nix/wasm-bindgen-cli.Cargo.lock)"
    && lib.assertMsg (pkgs.trunk.version == tools.trunk.version)
      "nixpkgs has trunk ${pkgs.trunk.version}, tools.toml (what CI installs) has ${tools.trunk.version}: make them one version";

  # wasm-bindgen's CLI at exactly Cargo.lock's version, built by nixpkgs' builder from the
  # crate (fixed hash) and its own lock file kept in this repository: no import from
  # derivation, every dependency checked by the lock's checksums.
  wasm-bindgen-cli = assert checkedTools; pkgs.buildWasmBindgenCli {
    src = pkgs.fetchCrate {
      pname = "wasm-bindgen-cli";
      inherit (tools.wasm-bindgen-cli) version hash;
    };
    cargoDeps = pkgs.rustPlatform.importCargoLock {
      lockFile = ./wasm-bindgen-cli.Cargo.lock;
    };
  };

  # wasm-opt from binaryen's npm build, the very tarball CI installs (tools.toml's integrity).
  binaryen-js = pkgs.stdenvNoCC.mkDerivation {
    pname = "binaryen-js";
    inherit (tools.binaryen) version;
    src = pkgs.fetchurl {
      url = "https://registry.npmjs.org/binaryen/-/binaryen-${tools.binaryen.version}.tgz";
      hash = tools.binaryen.integrity;
    };
    nativeBuildInputs = [ pkgs.makeWrapper ];
    installPhase = ''
      runHook preInstall
      mkdir -p "$out/lib/binaryen" "$out/bin"
      cp -r . "$out/lib/binaryen"
      makeWrapper ${lib.getExe pkgs.nodejs} "$out/bin/wasm-opt" \
        --add-flags "$out/lib/binaryen/bin/wasm-opt"
      runHook postInstall
    '';
    meta.mainProgram = "wasm-opt";
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
  # The web builds add their assets (the game's pages and its WGSL, the site's files) and the
  # build scripts.
  webSrc = fs.toSource {
    inherit root;
    fileset = fs.unions [
      cargoSources
      ../game/web
      ../game/src/web/shaders
      ../frontend/index.html
      ../frontend/boot.js
      ../frontend/style.css
      ../frontend/assets
      ../frontend/package.json
      ../frontend/package-lock.json
      ../scripts
    ];
  };
  # The test suite also runs the backup and certificate scripts for real, reads the alert
  # rules and dashboard, and compares the simulation with its golden final states.
  testSrc = fs.toSource {
    inherit root;
    fileset = fs.unions [
      cargoSources
      ../migrations
      ../backend/security-headers.json
      ../nixos/backup.sh
      ../nixos/cert-expiry.sh
      ../nixos/monitoring
      ../game/tests/golden
    ];
  };

  commonArgs = {
    inherit version;
    pname = "stellar-heads";
    strictDeps = true;
  };

  # Dependencies' sources, vendored from Cargo.lock. rustc writes their paths into panic
  # locations: they are remapped to a fixed text (as scripts/lib/common.sh's remap_path_flags
  # does outside Nix and for trunk), and no output refers to the vendored sources. rustc
  # applies the last matching prefix: the vendor directory, else any store path (a crate's
  # own, should cargo resolve the vendor directory's links).
  remapPaths = vendorDir:
    "--remap-path-prefix=${builtins.storeDir}=/store --remap-path-prefix=${vendorDir}=/cargo/vendor";

  # Native: the backend, and the whole workspace for tests and lints. Dependencies are built
  # once and shared by every native derivation.
  nativeVendorDir = craneLib.vendorCargoDeps { src = nativeSrc; };
  nativeArgs = commonArgs // {
    src = nativeSrc;
    cargoVendorDir = nativeVendorDir;
    RUSTFLAGS = remapPaths nativeVendorDir;
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
  webVendorDir = craneLib.vendorCargoDeps { src = webSrc; };
  wasmArgs = commonArgs // {
    src = webSrc;
    cargoVendorDir = webVendorDir;
    CARGO_BUILD_TARGET = "wasm32-unknown-unknown";
    # What scripts/lib/wasm-toolchain.sh sets for the site's build (trunk runs there).
    RUSTFLAGS = ''--cfg getrandom_backend="wasm_js" ${remapPaths webVendorDir}'';
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
  webTools = assert checkedTools; [
    wasm-bindgen-cli
    binaryen-js
    pkgs.brotli
    pkgs.gzip
    pkgs.python3
    pkgs.twiggy
  ];

  game = craneLib.buildPackage (
    gameArgs
    // {
      cargoArtifacts = craneLib.buildDepsOnly gameArgs;
      nativeBuildInputs = webTools;
      # wasm-bindgen -> wasm-opt -> hashed names -> .br/.gz, exactly as outside Nix.
      installPhaseCommand = ''
        patchShebangs scripts
        export XDG_CACHE_HOME="$TMPDIR/cache"
        scripts/build-game.sh --wasm target/wasm32-unknown-unknown/web-release/stellar_heads_game.wasm "$out"
        scripts/check-artifacts.sh --web "$out"
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
      nativeBuildInputs = webTools ++ [
        pkgs.trunk
        # What crane's buildTrunkPackage adds: no output keeps a reference to the vendored
        # sources (the remapping above should leave none; this makes sure of the closure).
        craneLib.removeReferencesToVendoredSourcesHook
      ];
      # trunk runs offline with the tools above, at these versions (tools.toml).
      TRUNK_TOOLS_WASM_BINDGEN = tools.wasm-bindgen-cli.version;
      TRUNK_TOOLS_WASM_OPT = "version_${lib.versions.major tools.binaryen.version}";
      STELLAR_HEADS_NODE_MODULES = "${siteNodeModules}/node_modules";
      buildPhaseCargoCommand = ''
        patchShebangs scripts
        export XDG_CACHE_HOME="$TMPDIR/cache"
        mkdir -p "$out"
        cp -r --no-preserve=mode ${game} "$out/game"
        scripts/build-frontend.sh "$out"
        scripts/check-artifacts.sh --web "$out"
      '';
      installPhaseCommand = "";
      doInstallCargoArtifacts = false;
    }
  );

  # The server with the web root built in as its default.
  default = pkgs.symlinkJoin {
    name = "stellar-heads-${version}";
    paths = [ backend ];
    # A compiled wrapper: the image needs no shell.
    nativeBuildInputs = [ pkgs.makeBinaryWrapper ];
    postBuild = ''
      wrapProgram "$out/bin/stellar-heads-backend" --set-default STELLAR_HEADS_WEB_ROOT ${frontend}
    '';
    meta = backend.meta // {
      description = "Stellar Heads: the game server with the site and the game";
    };
  };

  # For operators without NixOS: the server with the web root in an OCI image (layered, the
  # closure only: no shell, no package manager), as an unprivileged user. Run it with the
  # database's URL and the token secret (see the README):
  #   docker load < result; docker run -e DATABASE_URL=... -v SECRET:/run/secrets/jwt-secret:ro ...
  image = pkgs.dockerTools.buildLayeredImage {
    name = "stellar-heads";
    tag = version;
    contents = [ pkgs.cacert ];
    config = {
      Entrypoint = [ (lib.getExe default) ];
      Cmd = [ "serve" ];
      # nobody:nogroup; the server writes nothing to disk.
      User = "65534:65534";
      Env = [
        "STELLAR_HEADS_LISTEN=0.0.0.0:3000"
        "STELLAR_HEADS_LOG_FORMAT=json"
        "STELLAR_HEADS_JWT_SECRET_FILE=/run/secrets/jwt-secret"
        "SSL_CERT_FILE=${pkgs.cacert}/etc/ssl/certs/ca-bundle.crt"
      ];
      ExposedPorts."3000/tcp" = { };
      # The server asks itself (`health-check`: GET /health/ready on its listen address).
      Healthcheck = {
        Test = [ "CMD" (lib.getExe default) "health-check" ];
        Interval = 30 * 1000000000;
        Timeout = 10 * 1000000000;
        StartPeriod = 60 * 1000000000;
        Retries = 3;
      };
      Labels = {
        "org.opencontainers.image.title" = "Stellar Heads";
        "org.opencontainers.image.version" = version;
        "org.opencontainers.image.licenses" = "AGPL-3.0-or-later";
      };
    };
  };

  # The browser tests' and the VM tests' helper: a genuine match record, played with a started
  # match's seed (`--seed`), for the tests that store matches.
  genuineMatch = craneLib.buildPackage (
    nativeArgs
    // {
      inherit cargoArtifacts;
      pname = "stellar-heads-genuine-match";
      cargoExtraArgs = "--locked --package loadgen --bin stellar-heads-genuine-match";
      doCheck = false;
    }
  );
  browserTestModules = pkgs.importNpmLock.buildNodeModules {
    npmRoot = ../tests/browser;
    inherit (pkgs) nodejs;
  };

  # The browser tests (tests/browser) in the sandbox, in headless Chromium, against the real
  # server serving the built web root, with a throwaway PostgreSQL (as crane's end-to-end
  # example runs its server and browser).
  e2e = pkgs.runCommand "stellar-heads-e2e"
    {
      nativeBuildInputs = [
        pkgs.postgresql
        pkgs.nodejs
        pkgs.curl
      ];
      CHROMIUM = lib.getExe pkgs.chromium;
      FONTCONFIG_FILE = pkgs.makeFontsConf { fontDirectories = [ pkgs.dejavu_fonts ]; };
      tests = fs.toSource {
        root = ../tests/browser;
        fileset = fs.difference ../tests/browser (fs.maybeMissing ../tests/browser/node_modules);
      };
      gameHost = ../tests/browser/fixtures/game-host;
    }
    ''
      export HOME="$TMPDIR/home" PGDATA="$TMPDIR/pg"
      mkdir -p "$HOME" "$out/screenshots"
      initdb --auth=trust --username=postgres --no-sync >/dev/null
      pg_ctl --wait --options "-c listen_addresses= -c unix_socket_directories=$TMPDIR -c fsync=off" start
      trap 'kill "''${server:-}" 2>/dev/null || true; pg_ctl --wait --mode=fast stop' EXIT

      cp -r --no-preserve=mode ${frontend} web
      cp -r --no-preserve=mode "$gameHost" web/game-host
      head -c 48 /dev/urandom > jwt-secret
      DATABASE_URL="postgres:///postgres?host=$TMPDIR&user=postgres" \
        STELLAR_HEADS_LISTEN=127.0.0.1:3000 STELLAR_HEADS_JWT_SECRET_FILE="$PWD/jwt-secret" \
        STELLAR_HEADS_WEB_ROOT="$PWD/web" STELLAR_HEADS_LOG_FILTER=warn \
        STELLAR_HEADS_RATE_LIMIT__AUTH_BURST=1000 \
        ${lib.getExe backend} serve &
      server=$!
      for _ in $(seq 1 600); do
        curl --fail --silent --output /dev/null http://127.0.0.1:3000/health/ready && break
        sleep 0.1
      done
      curl --fail --silent --output /dev/null http://127.0.0.1:3000/health/ready \
        || { echo "e2e: the server never became ready" >&2; exit 1; }

      cp -r --no-preserve=mode "$tests" tests
      ln -s ${browserTestModules}/node_modules tests/node_modules
      cd tests
      STELLAR_HEADS_URL=http://127.0.0.1:3000 ARTIFACT_DIR="$out/screenshots" \
        STELLAR_HEADS_GENUINE_MATCH=${lib.getExe' genuineMatch "stellar-heads-genuine-match"} \
        node --test --test-concurrency=1 --test-reporter=spec
    '';

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
      binaryen-js
      image
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
    inherit backend game frontend e2e;

    # No build path in the server binary (the game and the web root check themselves).
    backend-build-paths = pkgs.runCommand "stellar-heads-backend-build-paths"
      { cargoVendorDir = nativeVendorDir; }
      ''
        cp -r ${fs.toSource { inherit root; fileset = fs.unions [ ../scripts/check-artifacts.sh ../scripts/lib/common.sh ]; }}/scripts scripts
        chmod -R u+w scripts
        patchShebangs scripts
        scripts/check-artifacts.sh ${backend}/bin
        touch "$out"
      '';

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
        # The backup's off-host copy (rclone), the certificate check (openssl).
        nativeBuildInputs = withPostgres.nativeBuildInputs ++ [
          pkgs.rclone
          pkgs.openssl
        ];
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

    # The alert rules, as Prometheus' own tool reads them (the module checks them again when
    # it builds Prometheus' configuration).
    alert-rules = pkgs.runCommand "stellar-heads-alert-rules" { nativeBuildInputs = [ pkgs.prometheus.cli ]; } ''
      promtool check rules ${../nixos/monitoring/alerts.yml}
      touch "$out"
    '';

    vm-test = import ../nixos/tests/stellar-heads.nix {
      inherit pkgs genuineMatch;
      module = selfModule;
    };

    # Several machines: an edge, two API nodes, PostgreSQL over TLS, a client.
    vm-test-scale-out = import ../nixos/tests/scale-out.nix {
      inherit pkgs genuineMatch;
      module = selfModule;
    };
  };
}
