//! `stellar-heads-backend verify-matches`: re-plays every stored verified match with this
//! build's simulation and lists the ones whose stored score it no longer reproduces (after
//! an upgrade, or for an audit), each with the version and seed it was played with. Matches
//! of a version this build no longer plays are counted as skipped.

use std::sync::Arc;

use protocol::GameMode;
use protocol::record::{MatchRecord, OLDEST_SIM_VERSION, SIM_VERSION};
use sqlx::{FromRow, PgPool};
use time::OffsetDateTime;
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::metrics::Metrics;
use crate::verify::Verifier;

#[derive(Debug, FromRow)]
struct StoredRecord {
    id: Uuid,
    played_at: OffsetDateTime,
    player_score: i16,
    opponent_score: i16,
    duration_ticks: i32,
    mode: String,
    difficulty: Option<String>,
    sim_version: i32,
    seed: Option<i64>,
    record_inputs: String,
}

impl StoredRecord {
    fn record(&self) -> Option<MatchRecord> {
        let mode = match (self.mode.as_str(), self.difficulty.as_deref()) {
            ("vs_computer", Some(difficulty)) => GameMode::VsComputer {
                difficulty: protocol::Difficulty::parse(difficulty)?,
            },
            ("local_two_player", None) => GameMode::LocalTwoPlayer,
            _ => return None,
        };
        Some(MatchRecord {
            sim_version: u32::try_from(self.sim_version).ok()?,
            mode,
            seed: u32::try_from(self.seed.unwrap_or(0)).ok()?,
            ticks: u32::try_from(self.duration_ticks).ok()?,
            inputs: self.record_inputs.clone(),
        })
    }
}

/// What an audit found.
#[derive(Debug, Default)]
pub struct AuditReport {
    pub replayed: usize,
    /// `(match id, what is wrong)`: a different score, or a record that no longer replays.
    pub mismatched: Vec<(Uuid, String)>,
    /// Recorded by another simulation version.
    pub skipped: usize,
}

/// Re-plays every verified match, `workers` at a time, in pages of `PAGE` rows.
pub async fn verify_matches(db: &PgPool, workers: usize) -> anyhow::Result<AuditReport> {
    const PAGE: i64 = 500;
    // An audit waits for its workers as long as it takes.
    let verifier = Verifier::new(
        workers,
        usize::MAX >> 4,
        std::time::Duration::MAX,
        Arc::new(Metrics::new()),
    );
    let mut report = AuditReport::default();
    let mut after: Option<(OffsetDateTime, Uuid)> = None;
    loop {
        let rows: Vec<StoredRecord> = sqlx::query_as(
            "SELECT id, played_at, player_score, opponent_score, duration_ticks, mode, \
                    difficulty, sim_version, seed, record_inputs \
             FROM matches \
             WHERE status = 'verified' \
                   AND ($1::timestamptz IS NULL OR (played_at, id) > ($1, $2)) \
             ORDER BY played_at, id LIMIT $3",
        )
        .bind(after.map(|(at, _)| at))
        .bind(after.map(|(_, id)| id))
        .bind(PAGE)
        .fetch_all(db)
        .await?;
        let Some(last) = rows.last() else {
            break;
        };
        after = Some((last.played_at, last.id));
        let mut replays = JoinSet::new();
        for row in rows {
            let version = u32::try_from(row.sim_version).unwrap_or(0);
            if !(OLDEST_SIM_VERSION..=SIM_VERSION).contains(&version) {
                report.skipped += 1;
                continue;
            }
            let verifier = verifier.clone();
            replays.spawn(async move {
                let stored = (row.player_score, row.opponent_score);
                let verdict = match row.record() {
                    None => Err("its stored mode or record is corrupt".to_owned()),
                    Some(record) => match verifier.replay(record).await {
                        Ok(result)
                            if (i16::from(result.left), i16::from(result.right)) == stored =>
                        {
                            Ok(())
                        }
                        Ok(result) => Err(format!(
                            "stored {}–{}, re-plays to {}–{}",
                            stored.0, stored.1, result.left, result.right
                        )),
                        Err(error) => Err(format!("its record no longer re-plays: {error}")),
                    },
                };
                (row.id, verdict)
            });
        }
        while let Some(joined) = replays.join_next().await {
            let (id, verdict) = joined?;
            report.replayed += 1;
            if let Err(problem) = verdict {
                report.mismatched.push((id, problem));
            }
        }
    }
    Ok(report)
}
