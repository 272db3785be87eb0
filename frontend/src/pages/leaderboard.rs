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
                <td class="detail">{ s.draws }</td>
                <td class="detail">{ s.losses }</td>
                <td class="detail">{ format::signed(s.goals_for - s.goals_against) }</td>
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
                    // Hidden on phones (style.css): played, won and points are what fits.
                    <th scope="col" title="Drawn" class="detail">{ "D" }</th>
                    <th scope="col" title="Lost" class="detail">{ "L" }</th>
                    <th scope="col" title="Goal difference" class="detail">{ "GD" }</th>
                    <th scope="col" title="Points">{ "Pts" }</th>
                    <th scope="col" title="Latest match"><span class="visually-hidden">{ "Latest match" }</span></th>
                </tr>
            </thead>
            <tbody>{ for rows }</tbody>
        </table>
    }
}

/// `/leaderboard`, `/leaderboard?after=…` or `/leaderboard?before=…`: the cursors the server
/// gave for the next and previous pages, so a page can be reloaded, bookmarked and shared, and
/// a deep page costs the server what the first does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
}

#[function_component(Leaderboard)]
pub fn leaderboard() -> Html {
    let session = use_session();
    let navigator = use_navigator().expect("inside the router");
    let location = use_location();
    let query = location
        .and_then(|l| l.query::<PageQuery>().ok())
        .unwrap_or_default();
    // The page and the query it was loaded for.
    let page = use_state(|| None::<(PageQuery, Result<LeaderboardPage, ApiError>)>);
    {
        let page = page.clone();
        use_effect_with(query.clone(), move |query| {
            let query = query.clone();
            spawn_local(async move {
                let loaded = api::leaderboard(
                    DEFAULT_PAGE_SIZE,
                    query.after.as_deref(),
                    query.before.as_deref(),
                )
                .await;
                page.set(Some((query, loaded)));
            });
        });
    }
    let go = |to: PageQuery| {
        let navigator = navigator.clone();
        Callback::from(move |_: MouseEvent| {
            let _ = navigator.push_with_query(&Route::Leaderboard, &to);
        })
    };
    let top = go(PageQuery::default());
    let me = session.session.as_ref().map(|s| s.player.wallet_address);
    // Nothing yet, or still the previous page while the one asked for loads.
    let current = page
        .as_ref()
        .filter(|(loaded_for, _)| *loaded_for == query)
        .map(|(_, loaded)| loaded);
    let body = match current {
        None => html! { <p class="muted">{ "Loading the leaderboard…" }</p> },
        Some(Err(error)) => html! {
            <Notice tone={Tone::Error}>
                { error.message() }{ " " }
                <button class="button small" id="first-page" onclick={top}>{ "Back to the top" }</button>
            </Notice>
        },
        Some(Ok(page)) if page.total == 0 => html! {
            <p class="empty">{ "Nobody has finished a ranked match yet. Be the first!" }</p>
        },
        Some(Ok(page)) if page.entries.is_empty() => html! {
            <p class="empty" id="past-the-end">
                { format!("No players past this point ({} ranked). ", page.total) }
                <button class="button small" id="first-page" onclick={top}>{ "Back to the top" }</button>
            </p>
        },
        Some(Ok(page)) => {
            let (first, last) = (&page.entries[0], &page.entries[page.entries.len() - 1]);
            let range = if first.rank == last.rank {
                format!("Rank {} of {}", first.rank, page.total)
            } else {
                format!("Ranks {}–{} of {}", first.rank, last.rank, page.total)
            };
            let previous = page.previous.clone().map(|before| PageQuery {
                before: Some(before),
                after: None,
            });
            let next = page.next.clone().map(|after| PageQuery {
                after: Some(after),
                before: None,
            });
            html! {
                <>
                    <LeaderboardTable entries={page.entries.clone()} {me} />
                    <div class="pager">
                        <button class="button" id="previous-page" disabled={previous.is_none()}
                            onclick={go(previous.unwrap_or_default())}>{ "← Previous" }</button>
                        <span class="muted" id="page-range">{ range }</span>
                        <button class="button" id="next-page" disabled={next.is_none()}
                            onclick={go(next.unwrap_or_default())}>{ "Next →" }</button>
                    </div>
                </>
            }
        }
    };
    html! {
        <section class="card wide" id="leaderboard">
            <h1>{ "Leaderboard" }</h1>
            <p class="muted" id="scoring">{ "Matches against the computer count, and harder ones count more: a win is 3 points and a draw 1, times 1 against the easy computer, 2 against normal and 3 against hard. Ties are split by wins, goal difference, then goals scored. Every result was re-played by the server." }</p>
            { body }
        </section>
    }
}
