//! `cargo xtask bench`: builds the server and the load generator in release mode and runs
//! `stellar-heads-bench` (see `loadgen/`), which prints the figures.

use clap::Args;

use crate::process::{cargo, run_command};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Instead: the leaderboard at a million players (`stellar-heads-leaderboard-bench`;
    /// takes several minutes to seed and about 3 GB of disk).
    #[arg(long)]
    leaderboard: bool,
    /// Arguments for stellar-heads-bench (`--seconds`, `--concurrency`, `--players`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    run_command(cargo().args([
        "build",
        "--release",
        "--locked",
        "--package",
        "stellar-heads-backend",
        "--package",
        "loadgen",
    ]))?;
    let target = crate::process::target_dir();
    let binary = match args.leaderboard {
        true => "release/stellar-heads-leaderboard-bench",
        false => "release/stellar-heads-bench",
    };
    let mut bench = std::process::Command::new(target.join(binary));
    bench
        .arg("--backend")
        .arg(target.join("release/stellar-heads-backend"))
        .args(&args.rest);
    run_command(&mut bench)
}
