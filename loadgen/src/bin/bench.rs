//! `stellar-heads-bench`: starts a throwaway PostgreSQL and the given server binary, seeds
//! players and matches, and prints throughput and latency of the leaderboard and of storing
//! a match next to a static baseline endpoint of the same server, measured in one run.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use loadgen::bench::{self, Endpoint};
use loadgen::{ListeningSocket, ServerOptions, ServerProcess};
use pg_harness::{Cluster, ClusterOptions};

#[derive(Debug, Parser)]
struct Args {
    /// The server binary (a release build, for meaningful figures).
    #[arg(long)]
    backend: PathBuf,
    /// Seconds per endpoint.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Players seeded before measuring (each with `matches` matches).
    #[arg(long, default_value_t = 500)]
    players: usize,
    #[arg(long, default_value_t = 4)]
    matches: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let cluster = Cluster::start(ClusterOptions::default())?;
    pg_harness::create_database(&cluster.admin_url(), "stellar_heads_bench").await?;
    let socket = ListeningSocket::bind()?;
    let options = ServerOptions::new(&args.backend, cluster.url("stellar_heads_bench"))
        .env("STELLAR_HEADS_RATE_LIMIT__ENABLED", "false")
        .env("STELLAR_HEADS_LOG_FILTER", "warn");
    let server = ServerProcess::start(&options, &socket)?;
    let base = socket.base_url();
    eprintln!(
        "bench: seeding {} players with {} matches each",
        args.players, args.matches
    );
    let tokens = bench::seed(&base, args.players, args.matches).await?;
    let duration = Duration::from_secs(args.seconds);
    let mut measurements = Vec::new();
    for endpoint in [
        Endpoint::Baseline,
        Endpoint::Leaderboard,
        Endpoint::StoreMatch,
    ] {
        eprintln!(
            "bench: {} for {} s with {} clients",
            endpoint.name(),
            args.seconds,
            args.concurrency
        );
        measurements
            .push(bench::measure(&base, endpoint, args.concurrency, duration, &tokens).await);
    }
    print!("{}", bench::render(&measurements));
    let errors: usize = measurements.iter().map(|m| m.errors).sum();
    anyhow::ensure!(
        server.terminate()?.success(),
        "the server did not stop cleanly"
    );
    anyhow::ensure!(errors == 0, "{errors} requests failed during the benchmark");
    Ok(())
}
