//! `cargo xtask test`: formatting, lints and every test, with one throwaway PostgreSQL
//! cluster shared by all test processes (each test still gets its own database).

use clap::Args;
use pg_harness::{ADMIN_URL_VAR, Cluster, ClusterOptions};

use crate::process::{cargo, run_command};

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Skip `cargo fmt --check` and clippy.
    #[arg(long)]
    no_lint: bool,
}

pub fn run(args: TestArgs) -> anyhow::Result<()> {
    if !args.no_lint {
        run_command(cargo().args(["fmt", "--all", "--check"]))?;
        run_command(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "--deny",
            "warnings",
        ]))?;
    }
    let cluster = Cluster::start(ClusterOptions::default())?;
    eprintln!(
        "xtask: throwaway PostgreSQL at {}",
        cluster.socket_dir().display()
    );
    run_command(
        cargo()
            .args(["test", "--workspace", "--locked"])
            .env(ADMIN_URL_VAR, cluster.admin_url()),
    )?;
    Ok(())
}
