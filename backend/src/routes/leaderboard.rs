//! The public leaderboard: ranked matches only, in a total order so pages are stable, paged by
//! cursor so that every page costs the same (see [`crate::ranking`]).

use axum::Json;
use axum::extract::State;
use protocol::api::{DEFAULT_PAGE_SIZE, LeaderboardPage, MAX_PAGE_SIZE};
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::ranking::{self, PageFrom, RankCursor};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub limit: Option<u32>,
    /// A page's `next`: the page after it.
    pub after: Option<String>,
    /// A page's `previous`: the page before it.
    pub before: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<LeaderboardPage>> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&limit) {
        return Err(ApiError::malformed(format!(
            "limit must be between 1 and {MAX_PAGE_SIZE}"
        )));
    }
    let from = match (&query.after, &query.before) {
        (Some(_), Some(_)) => {
            return Err(ApiError::malformed("give `after` or `before`, not both"));
        }
        (Some(after), None) => PageFrom::After(RankCursor::parse(after)?),
        (None, Some(before)) => PageFrom::Before(RankCursor::parse(before)?),
        (None, None) => PageFrom::Top,
    };
    let top = state.top.get(state.ranking_reads()).await?;
    let page = match from {
        // From memory: the top rows are kept by the cache.
        PageFrom::Top => {
            let cached = &top.page;
            let mut page = cached.clone();
            page.entries.truncate(limit as usize);
            page.more_after = cached.entries.len() > limit as usize || cached.more_after;
            page
        }
        from => ranking::page(state.ranking_reads(), from, limit).await?,
    };
    let next = page
        .more_after
        .then(|| page.entries.last().map(|(_, cursor)| cursor.encode()))
        .flatten();
    let previous = page
        .more_before
        .then(|| page.entries.first().map(|(_, cursor)| cursor.encode()))
        .flatten();
    Ok(Json(LeaderboardPage {
        entries: page.entries.into_iter().map(|(entry, _)| entry).collect(),
        total: top.total,
        limit,
        next,
        previous,
    }))
}
