//! `stellar-heads-leaderboard-bench`: a throwaway PostgreSQL with a million players and ten
//! million matches behind the given server binary; prints the latency of leaderboard pages
//! (top, deep, by cursor both ways) and player stats, and of the first version's queries
//! (offset pages, rank by counting) on the same data.

use std::path::PathBuf;

use clap::Parser;
use loadgen::leaderboard_bench::{self, Timing};
use loadgen::{ListeningSocket, ServerOptions, ServerProcess};
use pg_harness::{Cluster, ClusterOptions};

#[derive(Debug, Parser)]
struct Args {
    /// The server binary (a release build, for meaningful figures).
    #[arg(long)]
    backend: PathBuf,
    #[arg(long, default_value_t = 1_000_000)]
    players: usize,
    #[arg(long, default_value_t = 10_000_000)]
    matches: usize,
    /// PostgreSQL's shared_buffers for the run.
    #[arg(long, default_value = "1GB")]
    shared_buffers: String,
    /// Requests timed per kind.
    #[arg(long, default_value_t = 2000)]
    requests: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Sized as a host serving a million players would be (PostgreSQL's default of 128 MB
    // is sized for a laptop).
    let cluster = Cluster::start(ClusterOptions {
        settings: vec![("shared_buffers".into(), args.shared_buffers.clone())],
        ..ClusterOptions::default()
    })?;
    pg_harness::create_database(&cluster.admin_url(), "leaderboard_bench").await?;
    let url = cluster.url("leaderboard_bench");
    let socket = ListeningSocket::bind()?;
    let options = ServerOptions::new(&args.backend, url.clone())
        .env("STELLAR_HEADS_RATE_LIMIT__ENABLED", "false")
        .env("STELLAR_HEADS_LOG_FILTER", "warn");
    // The server applies the migrations; seeding follows.
    let server = ServerProcess::start(&options, &socket)?;
    leaderboard_bench::seed(&url, args.players, args.matches).await?;
    let base = socket.base_url();
    let sample = leaderboard_bench::sample_players(&url, args.requests).await?;
    let mut timings: Vec<Timing> = Vec::new();
    // Warm the server's connections and the cache as a running site would have them.
    leaderboard_bench::time_gets(&base, "warm-up", &vec!["/api/leaderboard".to_owned(); 50])
        .await?;
    let top = vec!["/api/leaderboard?limit=5".to_owned(); args.requests];
    timings.push(
        leaderboard_bench::time_gets(&base, "GET /api/leaderboard?limit=5 (home page)", &top)
            .await?,
    );
    let after: Vec<String> = sample
        .iter()
        .map(|(cursor, _)| format!("/api/leaderboard?limit=20&after={cursor}"))
        .collect();
    timings.push(
        leaderboard_bench::time_gets(&base, "GET /api/leaderboard?after=<random player>", &after)
            .await?,
    );
    let before: Vec<String> = sample
        .iter()
        .map(|(cursor, _)| format!("/api/leaderboard?limit=20&before={cursor}"))
        .collect();
    timings.push(
        leaderboard_bench::time_gets(
            &base,
            "GET /api/leaderboard?before=<random player>",
            &before,
        )
        .await?,
    );
    let stats: Vec<String> = sample
        .iter()
        .map(|(_, wallet)| format!("/api/players/{wallet}/stats"))
        .collect();
    timings.push(
        leaderboard_bench::time_gets(
            &base,
            "GET /api/players/<random player>/stats (rank)",
            &stats,
        )
        .await?,
    );
    // The first version's queries, on the same data: an offset page and a rank by counting.
    let old_runs = (args.requests / 20).max(20);
    let offsets: Vec<usize> = (0..old_runs)
        .map(|_| rand::Rng::gen_range(&mut rand::thread_rng(), 0..args.players))
        .collect();
    timings.push(
        leaderboard_bench::time_sql(
            &url,
            "old: page by OFFSET <random> (SQL only)",
            old_runs,
            |run| {
                format!(
                    "SELECT s.player_id FROM standings s JOIN players p ON p.id = s.player_id \
                 ORDER BY s.points DESC, s.wins DESC, s.goal_difference DESC, s.goals_for DESC, \
                          s.player_id LIMIT 20 OFFSET {}",
                    offsets[run]
                )
            },
        )
        .await?,
    );
    timings.push(
        leaderboard_bench::time_sql(
            &url,
            "old: rank by counting players ahead (SQL only)",
            old_runs,
            |run| {
                let id = sample[run % sample.len()]
                    .0
                    .rsplit('.')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                format!(
                    "SELECT 1 + count(*) FROM standings o, standings me \
                 WHERE me.player_id = '{id}' \
                   AND (o.points, o.wins, o.goal_difference, o.goals_for) \
                     > (me.points, me.wins, me.goal_difference, me.goals_for)"
                )
            },
        )
        .await?,
    );
    timings.push(
        leaderboard_bench::time_sql(
            &url,
            "old: count(*) of ranked players (SQL only)",
            old_runs,
            |_| "SELECT count(*) FROM standings".to_owned(),
        )
        .await?,
    );
    println!(
        "leaderboard at {} players, {} matches (shared_buffers {}, {} cores, one client, loopback):",
        args.players,
        args.matches,
        args.shared_buffers,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    for timing in &mut timings {
        println!("  {}", timing.line());
    }
    anyhow::ensure!(
        server.terminate()?.success(),
        "the server did not stop cleanly"
    );
    Ok(())
}
