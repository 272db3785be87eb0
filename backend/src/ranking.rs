//! The leaderboard's order, ranks and pages, at any size.
//!
//! The order is (points, wins, goal difference, goals, player id), all descending. Pages are
//! keyset-paginated on that tuple (a [`RankCursor`]), so a deep page costs what the first
//! does. Ranks come from the counts per prefix of the sort key that the database keeps
//! (`standing_counts`, migration `fair_ranking`): the rank of a page's cursor is read while the
//! page is (on another connection), and each row's rank follows from its neighbour's and the
//! size of the tie groups in between. The top of the board, which every visit to the
//! home page asks for, is served from memory ([`TopCache`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use protocol::api::{LeaderboardEntry, MAX_PAGE_SIZE};
use sqlx::{FromRow, PgPool};
use tokio::sync::RwLock;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::players::{STANDING_COLUMNS, StandingRow, parse_username, parse_wallet};

/// A position in the leaderboard order: the sort key of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RankCursor {
    pub points: i32,
    pub wins: i32,
    pub goal_difference: i32,
    pub goals_for: i32,
    pub player_id: Uuid,
}

impl RankCursor {
    /// `points.wins.goal_difference.goals_for.player_id`, as sent to and from clients.
    pub fn encode(&self) -> String {
        format!(
            "{}.{}.{}.{}.{}",
            self.points,
            self.wins,
            self.goal_difference,
            self.goals_for,
            self.player_id.simple()
        )
    }

    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let bad = || ApiError::malformed("the leaderboard cursor is not one this server gave out");
        let mut parts = text.split('.');
        let mut number = || -> Result<i32, ApiError> {
            parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)
        };
        let (points, wins, goal_difference, goals_for) =
            (number()?, number()?, number()?, number()?);
        let player_id = parts
            .next()
            .and_then(|p| Uuid::try_parse(p).ok())
            .ok_or_else(bad)?;
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Self {
            points,
            wins,
            goal_difference,
            goals_for,
            player_id,
        })
    }

    fn same_key(&self, other: &Self) -> bool {
        (self.points, self.wins, self.goal_difference, self.goals_for)
            == (
                other.points,
                other.wins,
                other.goal_difference,
                other.goals_for,
            )
    }
}

/// Which way a page goes from its cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFrom {
    Top,
    After(RankCursor),
    Before(RankCursor),
}

#[derive(Debug, FromRow)]
struct Row {
    player_id: Uuid,
    username: String,
    wallet_address: String,
    #[sqlx(flatten)]
    standing: StandingRow,
    goal_difference: i32,
    sort_points: i32,
    sort_wins: i32,
    sort_goals_for: i32,
    /// Players sharing this row's key.
    tied: Option<i32>,
    latest_match_id: Option<Uuid>,
}

impl Row {
    fn cursor(&self) -> RankCursor {
        RankCursor {
            points: self.sort_points,
            wins: self.sort_wins,
            goal_difference: self.goal_difference,
            goals_for: self.sort_goals_for,
            player_id: self.player_id,
        }
    }
}

/// One page: its entries with the cursor of each, and whether more lie beyond each end.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub entries: Vec<(LeaderboardEntry, RankCursor)>,
    pub more_before: bool,
    pub more_after: bool,
}

/// Reads up to `limit` rows from `from`, with their ranks.
pub async fn page(db: &PgPool, from: PageFrom, limit: u32) -> ApiResult<Page> {
    let (condition, order) = match from {
        PageFrom::Top => ("TRUE", "DESC"),
        PageFrom::After(_) => (
            "(s.points, s.wins, s.goal_difference, s.goals_for, s.player_id) < ($2, $3, $4, $5, $6)",
            "DESC",
        ),
        PageFrom::Before(_) => (
            "(s.points, s.wins, s.goal_difference, s.goals_for, s.player_id) > ($2, $3, $4, $5, $6)",
            "ASC",
        ),
    };
    let cursor = match from {
        PageFrom::Top => RankCursor {
            points: 0,
            wins: 0,
            goal_difference: 0,
            goals_for: 0,
            player_id: Uuid::nil(),
        },
        PageFrom::After(cursor) | PageFrom::Before(cursor) => cursor,
    };
    // One row more than asked, to know whether the page has a next one. The cursor's rank is
    // read at the same time, on another connection: one round trip of latency.
    let sql = format!(
        "SELECT s.player_id, p.username, p.wallet_address, {STANDING_COLUMNS}, \
                s.goal_difference, s.points AS sort_points, s.wins AS sort_wins, \
                s.goals_for AS sort_goals_for, \
                (SELECT k.players FROM standing_counts k \
                 WHERE (k.level, k.points, k.wins, k.goal_difference, k.goals_for) \
                     = (4, s.points, s.wins, s.goal_difference, s.goals_for)) AS tied, \
                s.latest_match_id \
         FROM standings s JOIN players p ON p.id = s.player_id \
         WHERE {condition} \
         ORDER BY s.points {order}, s.wins {order}, s.goal_difference {order}, \
                  s.goals_for {order}, s.player_id {order} \
         LIMIT $1"
    );
    let rows = sqlx::query_as::<_, Row>(&sql)
        .bind(i64::from(limit) + 1)
        .bind(cursor.points)
        .bind(cursor.wins)
        .bind(cursor.goal_difference)
        .bind(cursor.goals_for)
        .bind(cursor.player_id)
        .fetch_all(db);
    let cursor_rank = async {
        match from {
            PageFrom::Top => Ok(None),
            PageFrom::After(cursor) | PageFrom::Before(cursor) => {
                rank_of(db, &cursor).await.map(Some)
            }
        }
    };
    let (mut rows, cursor_rank) =
        tokio::try_join!(async { rows.await.map_err(ApiError::from) }, cursor_rank)?;
    let overflow = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    if matches!(from, PageFrom::Before(_)) {
        rows.reverse();
    }
    let (more_before, more_after) = match from {
        PageFrom::Top => (false, overflow),
        PageFrom::After(_) => (true, overflow),
        PageFrom::Before(_) => (overflow, true),
    };
    let cursors: Vec<RankCursor> = rows.iter().map(Row::cursor).collect();
    let tied: Vec<i64> = rows
        .iter()
        .map(|row| i64::from(row.tied.unwrap_or(1)))
        .collect();
    let ranks = ranks(from, cursor_rank, &cursors, &tied);
    let entries = rows
        .into_iter()
        .zip(ranks)
        .map(|(row, rank)| {
            let cursor = row.cursor();
            Ok((
                LeaderboardEntry {
                    rank,
                    username: parse_username(&row.username)?,
                    wallet_address: parse_wallet(&row.wallet_address)?,
                    standing: row.standing.into(),
                    latest_match_id: row.latest_match_id,
                },
                cursor,
            ))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Page {
        entries,
        more_before,
        more_after: more_after && !cursors.is_empty(),
    })
}

/// The rank of each row of a page (in display order, best first) from the rank of the cursor
/// it was read from (and the players tied on the cursor's key) and each row's tie group size.
/// Equal keys share a rank; a row on a worse key than its neighbour above is ranked below
/// everyone tied on that neighbour's key (no key lies between neighbours).
fn ranks(
    from: PageFrom,
    cursor_rank: Option<(i64, i64)>,
    keys: &[RankCursor],
    tied: &[i64],
) -> Vec<i64> {
    let mut ranks = vec![0; keys.len()];
    if keys.is_empty() {
        return ranks;
    }
    match (from, cursor_rank) {
        // Downwards from the first row.
        (PageFrom::Top, _) | (PageFrom::After(_), None) => ranks[0] = 1,
        (PageFrom::After(cursor), Some((rank, cursor_tied))) => {
            ranks[0] = if keys[0].same_key(&cursor) {
                rank
            } else {
                rank + cursor_tied
            };
        }
        // Upwards from the last row, which sits just above the cursor.
        (PageFrom::Before(cursor), rank) => {
            let last = keys.len() - 1;
            let rank = rank.map_or(1, |(rank, _)| rank);
            ranks[last] = if keys[last].same_key(&cursor) {
                rank
            } else {
                rank - tied[last]
            };
            for index in (0..last).rev() {
                ranks[index] = if keys[index].same_key(&keys[index + 1]) {
                    ranks[index + 1]
                } else {
                    ranks[index + 1] - tied[index]
                };
            }
            return ranks;
        }
    }
    for index in 1..keys.len() {
        ranks[index] = if keys[index].same_key(&keys[index - 1]) {
            ranks[index - 1]
        } else {
            ranks[index - 1] + tied[index - 1]
        };
    }
    ranks
}

/// The rank of `key`'s sort key (1 + the players strictly ahead: those with more points,
/// then those with as many points and more wins, and so on, each a sum over one prefix's few
/// rows of `standing_counts`), and how many players share it.
pub async fn rank_of(db: &PgPool, key: &RankCursor) -> ApiResult<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT 1 \
            + coalesce((SELECT sum(players) FROM standing_counts \
                        WHERE level = 1 AND points > $1), 0) \
            + coalesce((SELECT sum(players) FROM standing_counts \
                        WHERE level = 2 AND points = $1 AND wins > $2), 0) \
            + coalesce((SELECT sum(players) FROM standing_counts \
                        WHERE level = 3 AND points = $1 AND wins = $2 \
                              AND goal_difference > $3), 0) \
            + coalesce((SELECT sum(players) FROM standing_counts \
                        WHERE level = 4 AND points = $1 AND wins = $2 \
                              AND goal_difference = $3 AND goals_for > $4), 0), \
            coalesce((SELECT players FROM standing_counts \
                      WHERE (level, points, wins, goal_difference, goals_for) \
                          = (4, $1, $2, $3, $4)), 0)::bigint",
    )
    .bind(key.points)
    .bind(key.wins)
    .bind(key.goal_difference)
    .bind(key.goals_for)
    .fetch_one(db)
    .await?)
}

/// Ranked players in all.
pub async fn total(db: &PgPool) -> ApiResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT coalesce(sum(players), 0)::bigint FROM standing_counts WHERE level = 1",
    )
    .fetch_one(db)
    .await?)
}

/// The first [`MAX_PAGE_SIZE`] rows and the total, as of `taken`.
#[derive(Debug, Clone)]
pub struct Top {
    pub page: Page,
    pub total: i64,
    pub taken: Instant,
}

/// The top of the leaderboard and the total, kept in memory: first pages (the home page's
/// top five among them) never wait on the database. Refreshed every [`TopCache::PERIOD`] by
/// a task, and at once after this server stores a ranked match; another server's matches show
/// within a period.
#[derive(Debug, Default)]
pub struct TopCache {
    top: RwLock<Option<Arc<Top>>>,
    refresher: std::sync::OnceLock<()>,
}

impl TopCache {
    pub const PERIOD: Duration = Duration::from_secs(5);

    /// The cached top; on the very first call, read now (and the refresher is started).
    pub async fn get(self: &Arc<Self>, db: &PgPool) -> ApiResult<Arc<Top>> {
        self.start_refresher(db);
        if let Some(top) = self.top.read().await.clone() {
            return Ok(top);
        }
        self.refresh(db).await
    }

    /// Reads the top now and keeps it.
    pub async fn refresh(&self, db: &PgPool) -> ApiResult<Arc<Top>> {
        let top = Arc::new(Top {
            page: page(db, PageFrom::Top, MAX_PAGE_SIZE).await?,
            total: total(db).await?,
            taken: Instant::now(),
        });
        *self.top.write().await = Some(top.clone());
        Ok(top)
    }

    /// Refreshes after a change, logging (not returning) a failure: the change is stored.
    pub async fn refresh_after_change(&self, db: &PgPool) {
        if let Err(error) = self.refresh(db).await {
            tracing::warn!(error = %error.message, "cannot refresh the cached leaderboard");
        }
    }

    fn start_refresher(self: &Arc<Self>, db: &PgPool) {
        self.refresher.get_or_init(|| {
            let (cache, db) = (Arc::downgrade(self), db.clone());
            tokio::spawn(async move {
                let mut interval = tokio::time::interval(Self::PERIOD);
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                interval.tick().await;
                loop {
                    interval.tick().await;
                    // Ends with the state that owns the cache.
                    let Some(cache) = cache.upgrade() else { break };
                    cache.refresh_after_change(&db).await;
                }
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_a_400() {
        let cursor = RankCursor {
            points: 27,
            wins: 9,
            goal_difference: -3,
            goals_for: 30,
            player_id: Uuid::new_v4(),
        };
        assert_eq!(RankCursor::parse(&cursor.encode()).unwrap(), cursor);
        for bad in [
            "",
            "1.2.3.4",
            "1.2.3.4.not-a-uuid",
            "a.2.3.4.00000000000000000000000000000000",
            "99999999999.2.3.4.00000000000000000000000000000000",
            "1.2.3.4.00000000000000000000000000000000.5",
        ] {
            assert_eq!(
                RankCursor::parse(bad).unwrap_err().status(),
                axum::http::StatusCode::BAD_REQUEST,
                "{bad}"
            );
        }
    }
}
