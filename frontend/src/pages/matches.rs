//! "My matches": the player's standing and every stored match, newest first.

use protocol::api::{MatchStatus, PlayerStats, StoredMatch};
use yew::platform::spawn_local;
use yew::prelude::*;
use yew_router::prelude::{Link, use_navigator};

use crate::api::{self, ApiError};
use crate::components::notice::{Notice, Tone};
use crate::components::require_session::RequireSession;
use crate::format;
use crate::route::Route;
use crate::session::{SESSION_ENDED, Session, SessionAction, use_session};

#[function_component(Matches)]
pub fn matches() -> Html {
    html! { <RequireSession render={Callback::from(|session: Session| html! { <MatchesOf {session} /> })} /> }
}

#[derive(Debug, Properties, PartialEq)]
struct MatchesOfProps {
    session: Session,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct History {
    matches: Vec<StoredMatch>,
    next_cursor: Option<String>,
    loaded: bool,
}

#[function_component(MatchesOf)]
fn matches_of(props: &MatchesOfProps) -> Html {
    let session = use_session();
    let history = use_state(History::default);
    let stats = use_state(|| None::<PlayerStats>);
    let error = use_state(|| None::<ApiError>);
    let loading = use_state(|| false);
    let navigator = use_navigator();

    // Loads the page after `cursor` (the first page when `None`) and appends it.
    let load = {
        let (history, error, loading, session) = (
            history.clone(),
            error.clone(),
            loading.clone(),
            session.clone(),
        );
        let token = props.session.token.clone();
        Callback::from(move |cursor: Option<String>| {
            let (history, error, loading, session, token) = (
                history.clone(),
                error.clone(),
                loading.clone(),
                session.clone(),
                token.clone(),
            );
            loading.set(true);
            spawn_local(async move {
                match api::my_matches(&token, cursor.as_deref()).await {
                    Ok(page) => {
                        let mut next = (*history).clone();
                        next.matches.extend(page.matches);
                        next.next_cursor = page.next_cursor;
                        next.loaded = true;
                        history.set(next);
                    }
                    Err(rejected) if rejected.is_session_rejected() => {
                        session.dispatch(SessionAction::Rejected(SESSION_ENDED.to_owned()))
                    }
                    Err(failed) => error.set(Some(failed)),
                }
                loading.set(false);
            });
        })
    };
    {
        let (load, stats, address) = (
            load.clone(),
            stats.clone(),
            props.session.player.wallet_address,
        );
        use_effect_with((), move |_| {
            load.emit(None);
            spawn_local(async move {
                if let Ok(found) = api::player_stats(&address).await {
                    stats.set(Some(found));
                }
            });
        });
    }

    let summary = match &*stats {
        Some(stats) => {
            let s = &stats.standing;
            let rank = stats
                .rank
                .map_or("unranked".to_owned(), |rank| format!("#{rank}"));
            html! {
                <dl class="stats" id="stats">
                    <div><dt>{ "Rank" }</dt><dd id="stats-rank">{ rank }</dd></div>
                    <div><dt>{ "Played" }</dt><dd>{ s.played }</dd></div>
                    <div><dt>{ "Won" }</dt><dd>{ s.wins }</dd></div>
                    <div><dt>{ "Drawn" }</dt><dd>{ s.draws }</dd></div>
                    <div><dt>{ "Lost" }</dt><dd>{ s.losses }</dd></div>
                    <div><dt>{ "Points" }</dt><dd>{ s.points }</dd></div>
                </dl>
            }
        }
        None => Html::default(),
    };
    let rows = history.matches.iter().map(|played| {
        html! {
            <tr data-match-id={played.match_id.to_string()}>
                <td>{ format::date_time(played.played_at) }</td>
                <td class="detail">{ format::mode(played.mode) }</td>
                <td class="score">{ format!("{} – {}", played.player_score, played.opponent_score) }</td>
                <td>
                    <span class={classes!("outcome", played.outcome.as_str())}>{ format::outcome(played.outcome) }</span>
                    { match played.status {
                        MatchStatus::Verified => Html::default(),
                        MatchStatus::Forfeited => html! { <span class="muted small">{ " (left unfinished)" }</span> },
                        MatchStatus::Unverified => html! { <span class="muted small">{ " (not verified)" }</span> },
                    } }
                </td>
                <td class="detail">{ format::duration(played.duration_ticks) }</td>
                <td>
                    if played.is_watchable() {
                        <Link<Route> to={Route::Watch { match_id: played.match_id }} classes="watch">{ "Watch" }</Link<Route>>
                    }
                </td>
            </tr>
        }
    });
    let more = {
        let (load, cursor) = (load.clone(), history.next_cursor.clone());
        Callback::from(move |_: MouseEvent| load.emit(cursor.clone()))
    };
    // Ends every session of the account, this one included: for a lost phone or a shared
    // computer left signed in.
    let sign_out_everywhere = {
        let (session, error) = (session.clone(), error.clone());
        let token = props.session.token.clone();
        let navigator = navigator.clone();
        Callback::from(move |_: MouseEvent| {
            let (session, error, token, navigator) = (
                session.clone(),
                error.clone(),
                token.clone(),
                navigator.clone(),
            );
            spawn_local(async move {
                match api::sign_out_everywhere(&token).await {
                    Ok(()) => {
                        session.dispatch(SessionAction::SignedOut);
                        if let Some(navigator) = navigator {
                            navigator.push(&Route::SignIn);
                        }
                    }
                    Err(failed) if failed.is_session_rejected() => {
                        session.dispatch(SessionAction::Rejected(SESSION_ENDED.into()));
                    }
                    Err(failed) => error.set(Some(failed)),
                }
            });
        })
    };
    html! {
        <section class="card wide" id="my-matches">
            <h1>{ "My matches" }</h1>
            { summary }
            if let Some(failed) = &*error {
                <Notice tone={Tone::Error}>{ failed.message() }</Notice>
            }
            if history.loaded && history.matches.is_empty() {
                <p class="empty">{ "No matches yet. " }<Link<Route> to={Route::Play}>{ "Play your first one" }</Link<Route>>{ "." }</p>
            } else if !history.matches.is_empty() {
                <table class="table matches">
                    <thead>
                        <tr>
                            <th scope="col">{ "When" }</th>
                            // Hidden on phones (style.css).
                            <th scope="col" class="detail">{ "Mode" }</th>
                            <th scope="col">{ "Score" }</th>
                            <th scope="col">{ "Result" }</th>
                            <th scope="col" class="detail">{ "Length" }</th>
                            <th scope="col"><span class="visually-hidden">{ "Playback" }</span></th>
                        </tr>
                    </thead>
                    <tbody>{ for rows }</tbody>
                </table>
            }
            if *loading {
                <p class="muted">{ "Loading…" }</p>
            } else if history.next_cursor.is_some() {
                <button class="button" id="older-matches" onclick={more}>{ "Older matches" }</button>
            }
            <div class="account-actions">
                <h2>{ "Your sessions" }</h2>
                <p class="muted small">{ "Signed in on a device you no longer have? End every session of this account, here and everywhere else." }</p>
                <button class="button" id="sign-out-everywhere" onclick={sign_out_everywhere}>{ "Sign out everywhere" }</button>
            </div>
        </section>
    }
}
