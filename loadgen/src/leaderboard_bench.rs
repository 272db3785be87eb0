//! The leaderboard at scale: seeds a database with a million players and ten million matches
//! (bulk SQL, as a restore would), then times leaderboard pages and player stats through the
//! real server, next to the queries the first version used, on the same data in the same run.

use std::time::{Duration, Instant};

use protocol::StellarAccountId;
use sqlx::{Connection, PgConnection};

use crate::stats::percentile;

/// Latencies of one kind of request.
#[derive(Debug, Clone)]
pub struct Timing {
    pub name: String,
    pub samples: Vec<Duration>,
}

impl Timing {
    pub fn line(&mut self) -> String {
        let count = self.samples.len();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let p50 = ms(percentile(&mut self.samples, 0.50));
        let p99 = ms(percentile(&mut self.samples, 0.99));
        let max = ms(percentile(&mut self.samples, 1.0));
        format!(
            "{:<58} {count:>6} requests  p50 {p50:>7.2} ms  p99 {p99:>7.2} ms  max {max:>7.2} ms",
            self.name
        )
    }
}

/// Seeds `players` proven players and `matches` verified ranked matches spread over them,
/// then the standings and rank counts from those matches in one pass each (the bulk path; the
/// test suite checks that the per-match trigger path gives the same counts).
pub async fn seed(database_url: &str, players: usize, matches: usize) -> anyhow::Result<()> {
    let mut db = PgConnection::connect(database_url).await?;
    let started = Instant::now();
    // Valid StrKeys (with their checksums), as the server reads them back.
    let mut copy = db
        .copy_in_raw("COPY players (username, wallet_address, verified_at) FROM STDIN")
        .await?;
    let mut chunk = String::with_capacity(1 << 20);
    for index in 0..players {
        let wallet = StellarAccountId::from_public_key(rand::random());
        chunk.push_str(&format!("bench{index}\t{wallet}\t2026-01-01 00:00:00+00\n"));
        if chunk.len() > (1 << 20) - 200 {
            copy.send(chunk.as_bytes()).await?;
            chunk.clear();
        }
    }
    copy.send(chunk.as_bytes()).await?;
    copy.finish().await?;
    eprintln!(
        "leaderboard bench: {players} players in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    // Triggers off for the bulk load (standings are computed below in one pass).
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut db)
        .await?;
    sqlx::query("CREATE TEMP TABLE bench_ids AS SELECT row_number() OVER () AS n, id FROM players")
        .execute(&mut db)
        .await?;
    sqlx::query("CREATE INDEX ON bench_ids (n)")
        .execute(&mut db)
        .await?;
    // Wins 5-x, losses x-5 and full-time draws, against all three levels, in the past year.
    sqlx::query(&format!(
        "INSERT INTO matches (id, player_id, player_score, opponent_score, outcome, \
                              duration_ticks, mode, difficulty, status, record_inputs, \
                              sim_version, played_at) \
         SELECT gen_random_uuid(), b.id, \
                CASE WHEN r < 0.45 THEN 5 WHEN r < 0.9 THEN g % 5 ELSE g % 4 END, \
                CASE WHEN r < 0.45 THEN g % 5 WHEN r < 0.9 THEN 5 ELSE g % 4 END, \
                CASE WHEN r < 0.45 THEN 'win' WHEN r < 0.9 THEN 'loss' ELSE 'draw' END, \
                CASE WHEN r < 0.9 THEN 3000 + g % 7000 ELSE 10800 END, \
                'vs_computer', (ARRAY['easy', 'normal', 'hard'])[1 + g % 3], 'verified', \
                'bench', 1, now() - make_interval(secs => g % 31536000) \
         FROM (SELECT g, random() AS r, 1 + (hashint4(g) & 2147483647) % {players} AS n \
               FROM generate_series(1, {matches}) g) s \
         JOIN bench_ids b ON b.n = s.n"
    ))
    .execute(&mut db)
    .await?;
    eprintln!(
        "leaderboard bench: {matches} matches in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    for statement in [
        "INSERT INTO standings (player_id, played, wins, draws, losses, goals_for, \
                                goals_against, points, latest_match_id) \
         SELECT player_id, count(*), count(*) FILTER (WHERE outcome = 'win'), \
                count(*) FILTER (WHERE outcome = 'draw'), \
                count(*) FILTER (WHERE outcome = 'loss'), \
                sum(player_score), sum(opponent_score), sum(match_points(outcome, difficulty)), \
                (array_agg(id ORDER BY played_at DESC, id DESC))[1] \
         FROM matches GROUP BY player_id",
        "INSERT INTO standing_counts (level, points, wins, goal_difference, goals_for, players) \
         SELECT 1, points, 0, 0, 0, count(*) FROM standings GROUP BY points \
         UNION ALL SELECT 2, points, wins, 0, 0, count(*) FROM standings GROUP BY points, wins \
         UNION ALL SELECT 3, points, wins, goal_difference, 0, count(*) FROM standings \
                   GROUP BY points, wins, goal_difference \
         UNION ALL SELECT 4, points, wins, goal_difference, goals_for, count(*) FROM standings \
                   GROUP BY points, wins, goal_difference, goals_for",
        "SET session_replication_role = origin",
        // As a running database would be: vacuumed, statistics current, and nothing left
        // to write back from the load while we measure.
        "VACUUM (ANALYZE)",
        "CHECKPOINT",
    ] {
        sqlx::query(statement).execute(&mut db).await?;
    }
    eprintln!(
        "leaderboard bench: standings and counts in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Sort keys of `count` random ranked players, as leaderboard cursors, with their wallets.
pub async fn sample_players(
    database_url: &str,
    count: usize,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut db = PgConnection::connect(database_url).await?;
    let rows: Vec<(i32, i32, i32, i32, uuid::Uuid, String)> = sqlx::query_as(&format!(
        "SELECT s.points, s.wins, s.goal_difference, s.goals_for, s.player_id, p.wallet_address \
         FROM standings s TABLESAMPLE BERNOULLI (5) JOIN players p ON p.id = s.player_id \
         ORDER BY random() LIMIT {count}"
    ))
    .fetch_all(&mut db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(points, wins, gd, gf, id, wallet)| {
            (format!("{points}.{wins}.{gd}.{gf}.{}", id.simple()), wallet)
        })
        .collect())
}

/// Times GETs of `paths` one after another (a single client: latency, not throughput).
pub async fn time_gets(base: &str, name: &str, paths: &[String]) -> anyhow::Result<Timing> {
    let client = reqwest::Client::builder().no_proxy().build()?;
    let mut samples = Vec::with_capacity(paths.len());
    for path in paths {
        let started = Instant::now();
        let response = client.get(format!("{base}{path}")).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        samples.push(started.elapsed());
        anyhow::ensure!(
            status.is_success(),
            "GET {path}: {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    Ok(Timing {
        name: name.to_owned(),
        samples,
    })
}

/// Times `sql` run once per parameter set, straight on the database.
pub async fn time_sql(
    database_url: &str,
    name: &str,
    runs: usize,
    sql: impl Fn(usize) -> String,
) -> anyhow::Result<Timing> {
    let mut db = PgConnection::connect(database_url).await?;
    let mut samples = Vec::with_capacity(runs);
    for run in 0..runs {
        let statement = sql(run);
        let started = Instant::now();
        sqlx::query(&statement).execute(&mut db).await?;
        samples.push(started.elapsed());
    }
    Ok(Timing {
        name: name.to_owned(),
        samples,
    })
}
