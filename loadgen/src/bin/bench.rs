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
    /// Replays of the full-length match timed on one core.
    #[arg(long, default_value_t = 30)]
    replays: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    replay_figures(args.replays);
    let cluster = Cluster::start(ClusterOptions::default())?;
    pg_harness::create_database(&cluster.admin_url(), "stellar_heads_bench").await?;
    let socket = ListeningSocket::bind()?;
    let options = ServerOptions::new(&args.backend, cluster.url("stellar_heads_bench"))
        .env("STELLAR_HEADS_RATE_LIMIT__ENABLED", "false")
        .env("STELLAR_HEADS_LOG_FILTER", "warn");
    let server = ServerProcess::start(&options, &socket)?;
    // Results are accepted as soon as they are sent: the benchmark measures verifying
    // and storing them, not waiting for matches to be played.
    loadgen::server::play_matches_instantly(&cluster.url("stellar_heads_bench")).await?;
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
        Endpoint::SubmitResult,
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

/// Re-plays a full-length match in this process, as the server's verifiers do.
fn replay_figures(runs: usize) {
    use loadgen::replay_bench;
    eprintln!("bench: finding a full-length match to re-play");
    let record = replay_bench::full_length_record(1);
    let mut times = replay_bench::one_core(&record, runs.max(2));
    let median = loadgen::stats::percentile(&mut times, 0.50);
    let p99 = loadgen::stats::percentile(&mut times, 0.99);
    let real_time = f64::from(record.ticks) / f64::from(protocol::rules::TICKS_PER_SECOND);
    println!(
        "verify one full match ({} ticks, {} bytes of record) on one core: median {:.1} ms, \
         p99 {:.1} ms ({:.0}x real time)",
        record.ticks,
        record.inputs.len(),
        median.as_secs_f64() * 1000.0,
        p99.as_secs_f64() * 1000.0,
        real_time / median.as_secs_f64(),
    );
    let (threads, per_second) = replay_bench::all_cores(&record, runs.max(2) / 2);
    println!(
        "verify full matches on all {threads} cores: {per_second:.1} matches/s \
         ({:.0} match-minutes of play per second)",
        per_second * real_time / 60.0
    );
}
