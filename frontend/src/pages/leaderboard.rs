use protocol::account::StellarAccountId;
use protocol::api::{DEFAULT_PAGE_SIZE, LeaderboardEntry, LeaderboardPage};
use serde::{Deserialize, Serialize};
use yew::platform::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::{self, ApiError};
use crate::components::notice::{Notice, Tone};
use crate::format;
use crate::route::Route;
use crate::session::use_session;

#[derive(Debug, Properties, PartialEq)]
pub struct LeaderboardTableProps {
    pub entries: Vec<LeaderboardEntry>,
    /// The signed-in player's row is highlighted.
    #[prop_or_default]
    pub me: Option<StellarAccountId>,
}

/// Ranked players (every account has proved its wallet).
#[function_component(LeaderboardTable)]
pub fn leaderboard_table(props: &LeaderboardTableProps) -> Html {
    let rows = props.entries.iter().map(|entry| {
        let mine = props.me.as_ref() == Some(&entry.wallet_address);
        let s = &entry.standing;
        html! {
            <tr class={classes!(mine.then_some("me"))} data-wallet={entry.wallet_address.to_string()}>
                <td class="rank">{ entry.rank }</td>
                <td class="player">
                    <span class="name">{ entry.username.to_string() }</span>
                    <span class="address mono" title={entry.wallet_address.to_string()}>{ format::short_address(&entry.wallet_address) }</span>
                </td>
                <td>{ s.played }</td>
                <td>{ s.wins }</td>
                <td>{ s.draws }</td>
                <td>{ s.losses }</td>
                <td>{ format::signed(s.goals_for - s.goals_against) }</td>
                <td class="points">{ s.points }</td>
                <td>
                    if let Some(match_id) = entry.latest_match_id {
                        <Link<Route> to={Route::Watch { match_id }} classes="watch">
                            { "Watch" }<span class="visually-hidden">{ format!(" {}'s latest match", entry.username) }</span>
                        </Link<Route>>
                    }
                </td>
            </tr>
        }
    });
    html! {
        <table class="table leaderboard">
            <thead>
                <tr>
                    <th scope="col">{ "#" }</th>
                    <th scope="col">{ "Player" }</th>
                    <th scope="col" title="Played">{ "P" }</th>
                    <th scope="col" title="Won">{ "W" }</th>
                    <th scope="col" title="Drawn">{ "D" }</th>
                    <th scope="col" title="Lost">{ "L" }</th>
                    <th scope="col" title="Goal difference">{ "GD" }</th>
                    <th scope="col" title="Points">{ "Pts" }</th>
                    <th scope="col" title="Latest match"><span class="visually-hidden">{ "Latest match" }</span></th>
                </tr>
            </thead>
            <tbody>{ for rows }</tbody>
        </table>
    }
}

/// `/leaderboard?page=N` (from 1): a page can be reloaded, bookmarked and shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageQuery {
    pub page: u32,
}

/// The page a query asks for; anything missing or malformed is the first page.
pub fn page_number(query: Option<PageQuery>) -> u32 {
    query.map_or(1, |q| q.page.max(1))
}

#[function_component(Leaderboard)]
pub fn leaderboard() -> Html {
    let session = use_session();
    let navigator = use_navigator().expect("inside the router");
    let location = use_location();
    let number = page_number(location.and_then(|l| l.query::<PageQuery>().ok()));
    let offset = (number - 1).saturating_mul(DEFAULT_PAGE_SIZE);
    let page = use_state(|| None::<Result<LeaderboardPage, ApiError>>);
    {
        let page = page.clone();
        use_effect_with(offset, move |offset| {
            let offset = *offset;
            spawn_local(async move {
                page.set(Some(api::leaderboard(DEFAULT_PAGE_SIZE, offset).await));
            });
        });
    }
    let go = |to: u32| {
        let navigator = navigator.clone();
        Callback::from(move |_: MouseEvent| {
            let _ = navigator.push_with_query(&Route::Leaderboard, &PageQuery { page: to });
        })
    };
    let me = session.session.as_ref().map(|s| s.player.wallet_address);
    // Nothing yet, or still the previous page while the one asked for loads.
    let current = page
        .as_ref()
        .filter(|loaded| !matches!(loaded, Ok(shown) if shown.offset != offset));
    let body = match current {
        None => html! { <p class="muted">{ "Loading the leaderboard…" }</p> },
        Some(Err(error)) => html! { <Notice tone={Tone::Error}>{ error.message() }</Notice> },
        Some(Ok(page)) if page.total == 0 => html! {
            <p class="empty">{ "Nobody has finished a ranked match yet. Be the first!" }</p>
        },
        Some(Ok(page)) if page.entries.is_empty() => html! {
            <p class="empty" id="past-the-end">
                { format!("Page {number} is past the last player ({} ranked). ", page.total) }
                <button class="button small" id="first-page" onclick={go(1)}>{ "Back to the top" }</button>
            </p>
        },
        Some(Ok(page)) => {
            let first = page.offset + 1;
            let last = page.offset + page.entries.len() as u32;
            let has_next = i64::from(last) < page.total;
            html! {
                <>
                    <LeaderboardTable entries={page.entries.clone()} {me} />
                    <div class="pager">
                        <button class="button" id="previous-page" disabled={number == 1}
                            onclick={go(number - 1)}>{ "← Previous" }</button>
                        <span class="muted" id="page-range">{ format!("{first}–{last} of {}", page.total) }</span>
                        <button class="button" id="next-page" disabled={!has_next}
                            onclick={go(number + 1)}>{ "Next →" }</button>
                    </div>
                </>
            }
        }
    };
    html! {
        <section class="card wide" id="leaderboard">
            <h1>{ "Leaderboard" }</h1>
            <p class="muted">{ "Matches against the computer count: 3 points for a win, 1 for a draw. Ties are split by wins, goal difference, then goals scored." }</p>
            { body }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_zero_page_is_the_first() {
        assert_eq!(page_number(None), 1);
        assert_eq!(page_number(Some(PageQuery { page: 0 })), 1);
        assert_eq!(page_number(Some(PageQuery { page: 3 })), 3);
    }
}
