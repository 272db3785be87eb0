//! Many concurrent players against one server: each signs up, stores matches and reads the
//! leaderboard and its history. Bounded in players, requests and time; loopback only.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use std::sync::{Arc, Mutex};

use protocol::api::MatchResultSubmission;
use protocol::rules::TICKS_PER_SECOND;
use protocol::{Difficulty, GameMode};
use stellar_heads_game::replay::play_scripted;
use uuid::Uuid;

use crate::api::{Api, Reply, auth_token, random_username, random_wallet, ticket};

#[derive(Debug, Clone)]
pub struct LoadConfig {
    pub players: usize,
    pub matches_per_player: usize,
    pub reads_per_player: usize,
    /// Reuse connections (keep-alive) or open one per request.
    pub keep_alive: bool,
    /// Like a real client, retry (with the same match id) after a 503 or a lost response.
    pub retry: bool,
    /// Nothing new starts after this; the run is bounded in time.
    pub deadline: Duration,
    /// Between starting a match and submitting its result, wait the match's real length
    /// (a real server refuses it sooner), or not (against a server whose tickets the test
    /// backdated: `server::play_matches_instantly`).
    pub wait_real_time: bool,
}

impl Default for LoadConfig {
    fn default() -> Self {
        Self {
            players: 40,
            matches_per_player: 6,
            reads_per_player: 3,
            keep_alive: true,
            retry: true,
            deadline: Duration::from_secs(120),
            wait_real_time: true,
        }
    }
}

/// What the players saw.
#[derive(Debug, Default)]
pub struct LoadReport {
    pub requests: usize,
    pub statuses: BTreeMap<u16, usize>,
    /// Connections that could not be made (nothing was sent).
    pub connect_failures: Vec<String>,
    /// Requests that may have been sent but got no response.
    pub lost_responses: Vec<String>,
    /// Match ids the server acknowledged (200 or 201).
    pub acknowledged: HashSet<Uuid>,
    /// When each response arrived.
    pub response_times: Vec<Instant>,
    /// Players or matches abandoned after the deadline or an unexpected answer.
    pub abandoned: usize,
}

impl LoadReport {
    pub fn server_errors(&self) -> usize {
        self.statuses.range(500..).map(|(_, n)| n).sum()
    }

    pub fn count(&self, status: u16) -> usize {
        self.statuses.get(&status).copied().unwrap_or(0)
    }

    fn merge(&mut self, other: LoadReport) {
        self.requests += other.requests;
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        self.connect_failures.extend(other.connect_failures);
        self.lost_responses.extend(other.lost_responses);
        self.acknowledged.extend(other.acknowledged);
        self.response_times.extend(other.response_times);
        self.abandoned += other.abandoned;
    }

    /// Notes a reply; returns the status if there was one.
    fn record(&mut self, reply: &Reply) -> Option<u16> {
        self.requests += 1;
        match reply {
            Reply::Status(status, _) => {
                *self.statuses.entry(*status).or_default() += 1;
                self.response_times.push(Instant::now());
                Some(*status)
            }
            Reply::ConnectFailed(error) => {
                self.connect_failures.push(error.clone());
                None
            }
            Reply::Failed(error) => {
                self.lost_responses.push(error.clone());
                None
            }
        }
    }
}

/// The mode of [`genuine_match`]: against the normal computer, the quickest of the three to
/// win against a player standing still (about 2,500 ticks).
pub const GENUINE_MODE: GameMode = GameMode::VsComputer {
    difficulty: Difficulty::Normal,
};

/// A real match against the computer with `seed` (the player stands still and loses),
/// played headless once per seed and process: its record re-plays on the server like any
/// other, in the match whose ticket has that seed.
pub fn genuine_match(seed: u32) -> Arc<MatchResultSubmission> {
    static PLAYED: Mutex<BTreeMap<u32, Arc<MatchResultSubmission>>> = Mutex::new(BTreeMap::new());
    if let Some(played) = PLAYED.lock().expect("never poisoned").get(&seed) {
        return played.clone();
    }
    let (record, result) = play_scripted(GENUINE_MODE, seed, |_| [0, 0]);
    let played = Arc::new(MatchResultSubmission {
        player_score: result.left,
        opponent_score: result.right,
        record,
    });
    PLAYED
        .lock()
        .expect("never poisoned")
        .insert(seed, played.clone());
    played
}

/// How long a match of `ticks` lasts in real time: the server refuses its result sooner.
pub fn real_time(ticks: u32) -> Duration {
    Duration::from_secs_f64(f64::from(ticks) / f64::from(TICKS_PER_SECOND))
}

/// Runs the load and waits for every player to finish.
pub async fn run(base_url: &str, config: &LoadConfig) -> LoadReport {
    let deadline = Instant::now() + config.deadline;
    let players: Vec<_> = (0..config.players)
        .map(|_| {
            let api = Api::new(base_url, config.keep_alive);
            let config = config.clone();
            tokio::spawn(async move { play(api, config, deadline).await })
        })
        .collect();
    let mut report = LoadReport::default();
    for player in players {
        match player.await {
            Ok(result) => report.merge(result),
            Err(error) => report
                .lost_responses
                .push(format!("player task failed: {error}")),
        }
    }
    report
}

fn retry_delay(attempt: u32) -> Duration {
    Duration::from_millis(100 * u64::from(attempt.min(10)))
}

fn should_retry(config: &LoadConfig, status: Option<u16>) -> bool {
    config.retry && matches!(status, None | Some(503))
}

async fn play(api: Api, config: LoadConfig, deadline: Instant) -> LoadReport {
    let mut report = LoadReport::default();
    let wallet = random_wallet();
    let username = random_username();
    let mut attempt = 0;
    let token = loop {
        if Instant::now() > deadline {
            report.abandoned += 1;
            return report;
        }
        let reply = api.register(&username, &wallet).await;
        let status = report.record(&reply);
        match status {
            Some(201) => break auth_token(reply).await.expect("a 201 carries a token"),
            _ if should_retry(&config, status) => {
                attempt += 1;
                tokio::time::sleep(retry_delay(attempt)).await;
            }
            _ => {
                report.abandoned += 1;
                return report;
            }
        }
    };
    'matches: for _ in 0..config.matches_per_player {
        let mut attempt = 0;
        let started = loop {
            if Instant::now() > deadline {
                report.abandoned += 1;
                break 'matches;
            }
            let reply = api.start_match(&token, GENUINE_MODE).await;
            let status = report.record(&reply);
            match status {
                Some(201) => break ticket(reply).await.expect("a 201 carries a ticket"),
                _ if should_retry(&config, status) => {
                    attempt += 1;
                    tokio::time::sleep(retry_delay(attempt)).await;
                }
                _ => {
                    report.abandoned += 1;
                    break 'matches;
                }
            }
        };
        let match_id = started.match_id;
        let seed = started.seed;
        let result = tokio::task::spawn_blocking(move || genuine_match(seed))
            .await
            .expect("playing a match does not panic");
        if config.wait_real_time {
            tokio::time::sleep(real_time(result.record.ticks)).await;
        }
        let mut attempt = 0;
        loop {
            if Instant::now() > deadline {
                report.abandoned += 1;
                break;
            }
            let reply = api.submit_result(&token, match_id, &result).await;
            let status = report.record(&reply);
            match status {
                Some(200 | 201) => {
                    report.acknowledged.insert(match_id);
                    break;
                }
                _ if should_retry(&config, status) => {
                    attempt += 1;
                    tokio::time::sleep(retry_delay(attempt)).await;
                }
                _ => {
                    report.abandoned += 1;
                    break;
                }
            }
        }
    }
    for read in 0..config.reads_per_player {
        if Instant::now() > deadline {
            break;
        }
        let reply = if read % 2 == 0 {
            api.get("/api/leaderboard?limit=20", None).await
        } else {
            api.get("/api/matches/mine?limit=10", Some(&token)).await
        };
        report.record(&reply);
    }
    report
}
