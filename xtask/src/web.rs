//! The web build (`scripts/build-game.sh` and `scripts/build-frontend.sh`, the one definition
//! of it) and the browser tests,
//! which run against the real backend serving the built files.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::process::{describe, run_command, target_dir, workspace_root, write_random_secret};

/// Installs missing web tools (idempotent and quick when everything is there).
pub fn install_tools() -> anyhow::Result<()> {
    run_command(&mut Command::new(
        workspace_root().join("scripts/install-web-tools.sh"),
    ))
}

/// Builds the whole web root into `dist/`: the game into `dist/game`, the site around it.
pub fn build_web() -> anyhow::Result<PathBuf> {
    let dist = workspace_root().join("dist");
    run_command(
        Command::new(workspace_root().join("scripts/build-game.sh")).arg(dist.join("game")),
    )?;
    run_command(Command::new(workspace_root().join("scripts/build-frontend.sh")).arg(&dist))?;
    Ok(dist)
}

/// Builds every shipped artifact twice, at two paths, and compares them; no artifact may
/// contain a build path (`scripts/check-reproducible.sh`).
pub fn check_reproducible() -> anyhow::Result<()> {
    run_command(&mut Command::new(
        workspace_root().join("scripts/check-reproducible.sh"),
    ))
}

/// A running backend serving a web root, stopped when dropped.
struct Backend {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = self.child.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn start_backend(web_root: &Path, database_url: &str) -> anyhow::Result<(Backend, String)> {
    let dir = tempfile::tempdir()?;
    let secret = dir.path().join("jwt-secret");
    write_random_secret(&secret)?;
    let port = free_port()?;
    let address = format!("127.0.0.1:{port}");
    let mut command = Command::new(target_dir().join("debug/stellar-heads-backend"));
    command
        .env("DATABASE_URL", database_url)
        .env("STELLAR_HEADS_LISTEN", &address)
        .env("STELLAR_HEADS_JWT_SECRET_FILE", &secret)
        .env("STELLAR_HEADS_WEB_ROOT", web_root)
        .env("STELLAR_HEADS_LOG_FILTER", "warn")
        // The tests sign up dozens of players from one address; the limiter has its own
        // tests (backend/tests/resilience.rs, http.rs).
        .env("STELLAR_HEADS_RATE_LIMIT__AUTH_BURST", "1000")
        .stdin(Stdio::null());
    eprintln!("xtask: $ {}", describe(&command));
    let child = command
        .spawn()
        .context("cannot start the backend for the browser tests")?;
    let backend = Backend { child, _dir: dir };
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(&address).is_err() {
        if Instant::now() > deadline {
            bail!("the backend did not start listening on {address}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok((backend, format!("http://{address}")))
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// Runs the browser tests against the backend serving the web root `dist` (plus the game's
/// test host page), with the database at `database_url`.
/// `tests_built`: `cargo test --workspace` ran just before, so loadgen's binaries are fresh.
pub fn browser_tests(
    dist: &Path,
    database_url: &str,
    tests_built: bool,
) -> anyhow::Result<crate::test::Totals> {
    let root = tempfile::tempdir()?;
    let tests = workspace_root().join("tests/browser");
    copy_dir(dist, root.path())?;
    copy_dir(
        &tests.join("fixtures/game-host"),
        &root.path().join("game-host"),
    )?;
    let (_backend, url) = start_backend(root.path(), database_url)?;
    // Real matches' records (played with each ticket's seed), for the tests that store
    // matches through the API: the tests run this program. `cargo test
    // --workspace` has built the binary (loadgen's tests run it) with the suite's features;
    // building it alone would resolve other features and rebuild half the dependencies.
    let genuine_match = target_dir().join("debug/stellar-heads-genuine-match");
    if !tests_built || !genuine_match.exists() {
        run_command(crate::process::cargo().args([
            "build",
            "--locked",
            "--package",
            "loadgen",
            "--bin",
            "stellar-heads-genuine-match",
        ]))?;
    }
    let mut command = Command::new("node");
    command
        .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
        .current_dir(&tests)
        .env("STELLAR_HEADS_URL", &url)
        .env("STELLAR_HEADS_GENUINE_MATCH", &genuine_match);
    crate::test::run_counting(&mut command, crate::test::node_summary)
}
