//! `cargo xtask dev`: the stack on localhost.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use clap::Args;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use pg_harness::{Cluster, ClusterOptions};

use crate::process::{cargo, describe, run_command, target_dir, write_random_secret};
use crate::web;

#[derive(Debug, Args)]
pub struct DevArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: String,
    /// Serve this already built web root instead of building `dist/`.
    #[arg(long)]
    web_root: Option<PathBuf>,
    /// Serve the API only, without building or serving the site.
    #[arg(long, conflicts_with = "web_root")]
    api_only: bool,
}

pub fn run(args: DevArgs) -> anyhow::Result<()> {
    // The site and the game, built (or found up to date) the way CI builds them.
    let web_root = match (args.api_only, args.web_root) {
        (true, _) => None,
        (false, Some(root)) => Some(root),
        (false, None) => {
            web::install_tools()?;
            Some(web::build_web()?)
        }
    };
    run_command(cargo().args(["build", "--locked", "--package", "stellar-heads-backend"]))?;
    // Private files of this run (the token secret), deleted however the run ends.
    let state = tempfile::Builder::new()
        .prefix("stellar-heads-dev-")
        .tempdir()?;
    // A throwaway database unless the developer brings one.
    let (database_url, _cluster) = match std::env::var("DATABASE_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let cluster = Cluster::start(ClusterOptions::default())?;
            eprintln!(
                "xtask: throwaway PostgreSQL at {} (deleted on exit)",
                cluster.socket_dir().display()
            );
            (cluster.admin_url(), Some(cluster))
        }
    };
    let secret_file = match std::env::var_os("STELLAR_HEADS_JWT_SECRET_FILE") {
        Some(file) => PathBuf::from(file),
        None => {
            let file = state.path().join("jwt-secret");
            write_random_secret(&file)?;
            file
        }
    };
    let mut backend = Command::new(target_dir().join("debug/stellar-heads-backend"));
    backend
        .env("DATABASE_URL", &database_url)
        .env("STELLAR_HEADS_LISTEN", &args.listen)
        .env("STELLAR_HEADS_JWT_SECRET_FILE", &secret_file)
        .stdin(Stdio::null());
    match &web_root {
        Some(root) => {
            backend.env("STELLAR_HEADS_WEB_ROOT", root);
        }
        None => eprintln!("xtask: serving the API only"),
    }
    eprintln!("xtask: $ {}", describe(&backend));
    let mut child = backend.spawn().context("cannot start the backend")?;
    eprintln!(
        "xtask: Stellar Heads on http://{} (Ctrl-C stops it)",
        args.listen
    );
    // Ctrl-C reaches the backend through the terminal; a SIGTERM to us is passed on. Either
    // way we wait for the backend to stop, then remove the throwaway database.
    let pid = Pid::from_raw(i32::try_from(child.id())?);
    ctrlc::set_handler(move || {
        let _ = kill(pid, Signal::SIGTERM);
    })?;
    let status = child.wait()?;
    if !status.success() {
        bail!("the backend exited with {status}");
    }
    Ok(())
}
