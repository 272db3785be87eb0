//! The benchmark: requests/s and latency percentiles of the leaderboard and of storing a
//! match, next to a static endpoint of the same server measured in the same run, so that the
//! figures are read as ratios (the absolute numbers depend on the machine).

use std::time::{Duration, Instant};

use crate::api::{Api, Reply, auth_token, random_username, random_wallet, ticket};
use crate::load::{GENUINE_MODE, genuine_match};
use crate::stats::percentile;

/// One endpoint's measurement.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub name: &'static str,
    pub requests: usize,
    pub errors: usize,
    pub elapsed: Duration,
    pub p50: Duration,
    pub p99: Duration,
}

impl Measurement {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Endpoint {
    Baseline,
    Leaderboard,
    /// A verified match: the server re-plays a real match lost to the normal computer (2,450 ticks).
    SubmitResult,
}

impl Endpoint {
    pub fn name(self) -> &'static str {
        match self {
            Self::Baseline => "GET /health/live (baseline)",
            Self::Leaderboard => "GET /api/leaderboard?limit=20",
            Self::SubmitResult => "POST /api/matches/{id}/result",
        }
    }
}

/// Signs up `players` players and stores `matches_each` matches for each, so the
/// leaderboard has something to rank; returns their tokens.
pub async fn seed(base: &str, players: usize, matches_each: usize) -> anyhow::Result<Vec<String>> {
    let mut tasks = Vec::new();
    for _ in 0..players {
        let api = Api::new(base, true);
        tasks.push(tokio::spawn(async move {
            let token = auth_token(api.register(&random_username(), &random_wallet()).await)
                .await
                .ok_or_else(|| anyhow::anyhow!("registration failed while seeding"))?;
            for _ in 0..matches_each {
                play_one(&api, &token).await?;
            }
            anyhow::Ok(token)
        }));
    }
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await??);
    }
    Ok(tokens)
}

/// Starts a match and submits the genuine result for it (the server's tickets are
/// backdated and share one seed: `server::play_matches_instantly`).
async fn play_one(api: &Api, token: &str) -> anyhow::Result<()> {
    let started = ticket(api.start_match(token, GENUINE_MODE).await)
        .await
        .ok_or_else(|| anyhow::anyhow!("starting a match failed while seeding"))?;
    let match_id = started.match_id;
    let result = tokio::task::spawn_blocking(move || genuine_match(started.seed)).await?;
    let result = &*result;
    // Hundreds of players seed at once, more than the verifiers' queue holds: like the page,
    // wait as long as `Retry-After` says when the server is busy, then send the result again.
    for _ in 0..SEED_ATTEMPTS {
        match api.submit_result(token, match_id, result).await {
            Reply::Status(201, _) => return Ok(()),
            Reply::Status(503, response) => {
                let wait = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|value| value.to_str().ok()?.parse().ok())
                    .unwrap_or(1);
                tokio::time::sleep(Duration::from_secs(wait)).await;
            }
            other => anyhow::bail!("storing a match failed while seeding: {other:?}"),
        }
    }
    anyhow::bail!("the server stayed busy for {SEED_ATTEMPTS} attempts while seeding")
}

/// How often seeding sends a result the server was too busy to verify.
const SEED_ATTEMPTS: usize = 600;

/// `concurrency` clients (keep-alive) hammer `endpoint` for `duration`.
pub async fn measure(
    base: &str,
    endpoint: Endpoint,
    concurrency: usize,
    duration: Duration,
    tokens: &[String],
) -> Measurement {
    let started = Instant::now();
    let until = started + duration;
    let workers: Vec<_> = (0..concurrency)
        .map(|worker| {
            let api = Api::new(base, true);
            let token = tokens[worker % tokens.len()].clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0;
                while Instant::now() < until {
                    let reply = match endpoint {
                        Endpoint::Baseline => {
                            let sent = Instant::now();
                            (sent, api.get("/health/live", None).await)
                        }
                        Endpoint::Leaderboard => {
                            let sent = Instant::now();
                            (sent, api.get("/api/leaderboard?limit=20", None).await)
                        }
                        // Starting the match is not part of the measured request.
                        Endpoint::SubmitResult => {
                            match ticket(api.start_match(&token, GENUINE_MODE).await).await {
                                Some(started) => {
                                    let result = genuine_match(started.seed);
                                    let sent = Instant::now();
                                    (
                                        sent,
                                        api.submit_result(&token, started.match_id, &result).await,
                                    )
                                }
                                None => (Instant::now(), Reply::Failed("no ticket".into())),
                            }
                        }
                    };
                    let (sent, reply) = reply;
                    match reply {
                        Reply::Status(status, response) if status < 300 => {
                            // Read the whole body: a response is not served until it is.
                            let _ = response.bytes().await;
                            latencies.push(sent.elapsed());
                        }
                        _ => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        if let Ok((mut worker_latencies, worker_errors)) = worker.await {
            latencies.append(&mut worker_latencies);
            errors += worker_errors;
        }
    }
    let elapsed = started.elapsed();
    Measurement {
        name: endpoint.name(),
        requests: latencies.len(),
        errors,
        elapsed,
        p50: percentile(&mut latencies, 0.50),
        p99: percentile(&mut latencies, 0.99),
    }
}

/// The report: one row per endpoint, with ratios to the baseline row.
pub fn render(measurements: &[Measurement]) -> String {
    let Some(baseline) = measurements.first() else {
        return String::new();
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut text = format!(
        "{:<32} {:>9} {:>7} {:>10} {:>9} {:>9} {:>12} {:>12} {:>12}\n",
        "endpoint",
        "requests",
        "errors",
        "req/s",
        "p50 ms",
        "p99 ms",
        "req/s ratio",
        "p50 ratio",
        "p99 ratio"
    );
    for m in measurements {
        text.push_str(&format!(
            "{:<32} {:>9} {:>7} {:>10.0} {:>9.2} {:>9.2} {:>12.3} {:>12.2} {:>12.2}\n",
            m.name,
            m.requests,
            m.errors,
            m.per_second(),
            ms(m.p50),
            ms(m.p99),
            m.per_second() / baseline.per_second(),
            ms(m.p50) / ms(baseline.p50).max(f64::EPSILON),
            ms(m.p99) / ms(baseline.p99).max(f64::EPSILON),
        ));
    }
    text
}
