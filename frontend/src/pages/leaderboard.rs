use protocol::account::StellarAccountId;
use protocol::api::{DEFAULT_PAGE_SIZE, LeaderboardEntry, LeaderboardPage};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::notice::{Notice, Tone};
use crate::format;
use crate::session::use_session;

#[derive(Debug, Properties, PartialEq)]
pub struct LeaderboardTableProps {
    pub entries: Vec<LeaderboardEntry>,
    /// The signed-in player's row is highlighted.
    #[prop_or_default]
    pub me: Option<StellarAccountId>,
}

/// Ranked players; verified wallets are marked.
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
                    if entry.verified {
                        <span class="badge verified" title="Wallet verified" aria-label="verified wallet">{ "✓" }</span>
                    }
                    <span class="address mono" title={entry.wallet_address.to_string()}>{ format::short_address(&entry.wallet_address) }</span>
                </td>
                <td>{ s.played }</td>
                <td>{ s.wins }</td>
                <td>{ s.draws }</td>
                <td>{ s.losses }</td>
                <td>{ format::signed(s.goals_for - s.goals_against) }</td>
                <td class="points">{ s.points }</td>
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
                </tr>
            </thead>
            <tbody>{ for rows }</tbody>
        </table>
    }
}

#[function_component(Leaderboard)]
pub fn leaderboard() -> Html {
    let session = use_session();
    let offset = use_state(|| 0_u32);
    let page = use_state(|| None::<Result<LeaderboardPage, ApiError>>);
    {
        let page = page.clone();
        use_effect_with(*offset, move |offset| {
            let offset = *offset;
            spawn_local(async move {
                page.set(Some(api::leaderboard(DEFAULT_PAGE_SIZE, offset).await));
            });
        });
    }
    let me = session.session.as_ref().map(|s| s.player.wallet_address);
    let body = match &*page {
        None => html! { <p class="muted">{ "Loading the leaderboard…" }</p> },
        Some(Err(error)) => html! { <Notice tone={Tone::Error}>{ error.message() }</Notice> },
        Some(Ok(page)) if page.total == 0 => html! {
            <p class="empty">{ "Nobody has finished a ranked match yet. Be the first!" }</p>
        },
        Some(Ok(page)) => {
            let first = page.offset + 1;
            let last = page.offset + page.entries.len() as u32;
            let go = |to: u32| {
                let offset = offset.clone();
                Callback::from(move |_: MouseEvent| offset.set(to))
            };
            let has_previous = page.offset > 0;
            let has_next = i64::from(last) < page.total;
            html! {
                <>
                    <LeaderboardTable entries={page.entries.clone()} {me} />
                    <div class="pager">
                        <button class="button" id="previous-page" disabled={!has_previous}
                            onclick={go(page.offset.saturating_sub(page.limit))}>{ "← Previous" }</button>
                        <span class="muted" id="page-range">{ format!("{first}–{last} of {}", page.total) }</span>
                        <button class="button" id="next-page" disabled={!has_next}
                            onclick={go(page.offset + page.limit)}>{ "Next →" }</button>
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
