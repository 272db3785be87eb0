//! The project's build, run and test steps, in one place: the README, CI (`.ci/run`) and
//! the Nix flake all call these rather than repeating them.
//!
//! - `cargo xtask dev`: the whole stack on localhost, with a throwaway database when no
//!   `DATABASE_URL` is given.
//! - `cargo xtask test`: every check and test, against a throwaway PostgreSQL cluster.
//! - `cargo xtask bench`: throughput and latency of the API, as ratios to a static endpoint.

mod bench;
mod deploy;
mod dev;
mod process;
mod test;
mod web;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "Stellar Heads build, run and test steps")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Run the stack locally: the backend (serving the web root when built) and a
    /// throwaway PostgreSQL unless DATABASE_URL is set.
    Dev(dev::DevArgs),
    /// Run formatting and lint checks and every test against a throwaway PostgreSQL.
    Test(test::TestArgs),
    /// Benchmark the release server: leaderboard and match storage against a static
    /// baseline endpoint of the same server, in one run.
    Bench(bench::BenchArgs),
    /// Build the web root into dist/: the site, and the game in dist/game.
    BuildWeb,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::Dev(args) => dev::run(args),
        Task::Test(args) => test::run(args),
        Task::Bench(args) => bench::run(args),
        Task::BuildWeb => {
            web::install_tools()?;
            web::build_web().map(|_| ())
        }
    }
}
