//! The game page: the game in an iframe, told who plays and how, and every finished match
//! stored through the API (kept on the device until it is). Without an account it is a
//! practice ground: the same game, nothing stored, and an offer to sign up to be ranked.

use std::rc::Rc;

use protocol::api::StoredMatch;
use protocol::messages::{GameToPage, PROTOCOL_VERSION, PageToGame, PlayerIdentity};
use protocol::record::SIM_VERSION;
use protocol::rules::{Difficulty, GameMode, Outcome};
use web_sys::HtmlIFrameElement;
use yew::platform::spawn_local;
use yew::prelude::*;
use yew_router::prelude::{Link, Redirect};

use crate::api;
use crate::components::controls::Controls;
use crate::components::notice::{Notice, Tone};
use crate::format;
use crate::game_frame;
use crate::pending::{self, PendingMatch};
use crate::route::Route;
use crate::session::{SESSION_ENDED, Session, SessionAction, SessionHandle, use_session};

const MODES: [GameMode; 4] = [
    GameMode::VsComputer {
        difficulty: Difficulty::Easy,
    },
    GameMode::VsComputer {
        difficulty: Difficulty::Normal,
    },
    GameMode::VsComputer {
        difficulty: Difficulty::Hard,
    },
    GameMode::LocalTwoPlayer,
];

/// The name on the scoreboard of a practice match.
const GUEST_NAME: &str = "Guest";

#[function_component(Play)]
pub fn play() -> Html {
    let session = use_session();
    match (&session.session, &session.notice) {
        // The server ended the session: the sign-in page says why.
        (None, Some(_)) => html! { <Redirect<Route> to={Route::SignIn} /> },
        (account, _) => html! { <PlayAs account={account.clone()} /> },
    }
}

/// A match id for a practice match, which no server ever sees.
fn practice_match_id() -> uuid::Uuid {
    let half = || (js_sys::Math::random() * u64::MAX as f64) as u64;
    uuid::Uuid::from_u64_pair(half(), half())
}

/// Where the last finished match stands.
#[derive(Debug, Clone, PartialEq)]
enum MatchResult {
    Saving {
        outcome: Outcome,
        score: (u8, u8),
    },
    Saved {
        stored: StoredMatch,
        rank: Option<i64>,
    },
    Failed {
        pending: PendingMatch,
        message: String,
        /// Still on the device, to be sent again.
        kept: bool,
    },
    /// Played without an account: not stored.
    Practice {
        outcome: Outcome,
        score: (u8, u8),
    },
}

#[derive(Debug, Clone, Default, PartialEq)]
struct PlayState {
    /// Chosen before the game loads; `None` shows the choice.
    mode: Option<GameMode>,
    /// The protocol and simulation versions the game announced in `ready`; `None` while it
    /// loads.
    game_version: Option<(u32, u32)>,
    score: (u8, u8),
    result: Option<MatchResult>,
    /// Matches from an earlier visit stored when this page opened.
    recovered: usize,
}

enum PlayAction {
    Choose(Option<GameMode>),
    GameReady(u32, u32),
    Score(u8, u8),
    Finished(Outcome, (u8, u8)),
    Saved(StoredMatch, Option<i64>),
    Failed(PendingMatch, String, bool),
    Recovered(usize),
    Practiced(Outcome, (u8, u8)),
}

impl Reducible for PlayState {
    type Action = PlayAction;

    fn reduce(self: Rc<Self>, action: PlayAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            PlayAction::Choose(mode) => {
                next.mode = mode;
                next.game_version = None;
                next.score = (0, 0);
            }
            PlayAction::GameReady(protocol, sim) => {
                next.game_version = Some((protocol, sim));
            }
            PlayAction::Score(left, right) => next.score = (left, right),
            PlayAction::Finished(outcome, score) => {
                next.score = score;
                next.result = Some(MatchResult::Saving { outcome, score });
            }
            PlayAction::Saved(stored, rank) => {
                next.result = Some(MatchResult::Saved { stored, rank })
            }
            PlayAction::Failed(pending, message, kept) => {
                next.result = Some(MatchResult::Failed {
                    pending,
                    message,
                    kept,
                })
            }
            PlayAction::Recovered(count) => next.recovered += count,
            PlayAction::Practiced(outcome, score) => {
                next.score = score;
                next.result = Some(MatchResult::Practice { outcome, score });
            }
        }
        Rc::new(next)
    }
}

/// Stores a finished match and reports how it went to the page.
fn save(
    pending: PendingMatch,
    token: String,
    state: UseReducerDispatcher<PlayState>,
    session: SessionHandle,
) {
    spawn_local(async move {
        match pending::submit(&token, &pending).await {
            Ok(stored) => {
                let rank = match stored.mode.is_ranked() {
                    true => api::player_stats(&pending.wallet_address)
                        .await
                        .ok()
                        .and_then(|stats| stats.rank),
                    false => None,
                };
                state.dispatch(PlayAction::Saved(stored, rank));
            }
            Err(error) if error.is_session_rejected() => session.dispatch(
                SessionAction::Rejected(format!(
                    "{SESSION_ENDED} Your last match is kept on this device and will be saved when you are back."
                )),
            ),
            Err(error) => {
                let kept = error.is_retryable();
                state.dispatch(PlayAction::Failed(pending, error.message(), kept));
            }
        }
    });
}

/// The game asked to kick off: the server starts the match (forfeiting one left open) and
/// the game plays it under the server's id.
fn kick_off(frame: HtmlIFrameElement, mode: GameMode, token: String, session: SessionHandle) {
    spawn_local(async move {
        let answer = match api::start_match(&token, mode).await {
            Ok(ticket) => PageToGame::Kickoff {
                match_id: ticket.match_id,
                seed: ticket.seed,
            },
            Err(error) if error.is_session_rejected() => {
                session.dispatch(SessionAction::Rejected(SESSION_ENDED.to_owned()));
                return;
            }
            Err(error) => PageToGame::KickoffRefused {
                message: error.message(),
            },
        };
        game_frame::send(&frame, &answer);
    });
}

#[derive(Debug, Properties, PartialEq)]
struct PlayAsProps {
    /// The signed-in player; `None` plays practice matches.
    account: Option<Session>,
}

#[function_component(PlayAs)]
fn play_as(props: &PlayAsProps) -> Html {
    let session = use_session();
    let state = use_reducer(PlayState::default);
    let frame = use_node_ref();
    let token = props.account.as_ref().map(|account| account.token.clone());
    let identity = PlayerIdentity {
        username: match &props.account {
            Some(account) => account.player.username.clone(),
            None => protocol::username::Username::parse(GUEST_NAME).expect("a valid name"),
        },
        wallet_address: props.account.as_ref().map(|a| a.player.wallet_address),
    };

    // The game downloads while the player chooses an opponent.
    use_effect_with((), |_| spawn_local(game_frame::prefetch()));

    // Matches an earlier visit could not store go first.
    {
        let (token, dispatcher, address) =
            (token.clone(), state.dispatcher(), identity.wallet_address);
        use_effect_with(address, move |_| {
            if let (Some(token), Some(address)) = (token, address) {
                spawn_local(async move {
                    for waiting in pending::for_wallet(&address) {
                        if pending::submit(&token, &waiting).await.is_ok() {
                            dispatcher.dispatch(PlayAction::Recovered(1));
                        }
                    }
                });
            }
        });
    }

    // Listen first, then load the game; stop listening when the game is closed.
    {
        let (frame, dispatcher, session, token) = (
            frame.clone(),
            state.dispatcher(),
            session.clone(),
            token.clone(),
        );
        let identity = identity.clone();
        use_effect_with(state.mode, move |mode| {
            let listener = mode.and_then(|mode| {
                let element = frame.cast::<HtmlIFrameElement>()?;
                let target = element.clone();
                let on_message = Callback::from(move |message| match message {
                    GameToPage::Ready {
                        protocol_version,
                        sim_version,
                    } => {
                        dispatcher.dispatch(PlayAction::GameReady(protocol_version, sim_version));
                        game_frame::send(
                            &target,
                            &PageToGame::Start {
                                player: identity.clone(),
                                mode,
                            },
                        );
                        let _ = target.focus();
                    }
                    GameToPage::Goal { left, right, .. } => {
                        dispatcher.dispatch(PlayAction::Score(left, right))
                    }
                    GameToPage::KickoffRequested => match &token {
                        Some(token) => {
                            kick_off(target.clone(), mode, token.clone(), session.clone())
                        }
                        // Practice: nothing to ask the server.
                        None => game_frame::send(
                            &target,
                            &PageToGame::Kickoff {
                                match_id: practice_match_id(),
                                // Nothing is submitted: any seed, a fresh one each match.
                                seed: (js_sys::Math::random() * f64::from(u32::MAX)) as u32,
                            },
                        ),
                    },
                    GameToPage::MatchFinished {
                        match_id,
                        result,
                        outcome,
                    } => {
                        let score = (result.player_score, result.opponent_score);
                        let (Some(token), Some(wallet_address)) = (&token, identity.wallet_address)
                        else {
                            dispatcher.dispatch(PlayAction::Practiced(outcome, score));
                            return;
                        };
                        let waiting = PendingMatch {
                            wallet_address,
                            match_id,
                            result,
                        };
                        pending::add(waiting.clone());
                        dispatcher.dispatch(PlayAction::Finished(outcome, score));
                        save(waiting, token.clone(), dispatcher.clone(), session.clone());
                    }
                    // Only sent while watching a stored match.
                    GameToPage::ReplayFinished { .. } => {}
                });
                let listener = game_frame::listen(element.clone(), on_message);
                game_frame::load(&element);
                Some(listener)
            });
            move || drop(listener)
        });
    }

    let choose = |mode: Option<GameMode>| {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(PlayAction::Choose(mode)))
    };

    let recovered = match state.recovered {
        0 => Html::default(),
        1 => {
            html! { <Notice tone={Tone::Success}>{ "A match from your last visit has been saved." }</Notice> }
        }
        n => {
            html! { <Notice tone={Tone::Success}>{ format!("{n} matches from your last visit have been saved.") }</Notice> }
        }
    };

    let Some(mode) = state.mode else {
        let options = MODES.iter().map(|&mode| {
            let id = match mode {
                GameMode::VsComputer { difficulty } => format!("mode-{}", difficulty.as_str()),
                GameMode::LocalTwoPlayer => "mode-two-players".to_owned(),
            };
            let ranked = match (mode.is_ranked(), token.is_some()) {
                (true, true) => "ranked",
                (_, false) => "practice",
                (false, true) => "not ranked",
            };
            html! {
                <li>
                    <button class="mode" id={id} onclick={choose(Some(mode))}>
                        <span class="mode-name">{ format::mode(mode) }</span>
                        <span class="muted small">{ ranked }</span>
                    </button>
                </li>
            }
        });
        return html! {
            <section class="card narrow" id="choose-mode">
                { recovered }
                if token.is_some() {
                    <h1>{ format!("Ready, {}?", identity.username) }</h1>
                } else {
                    <h1>{ "Practice" }</h1>
                    <Notice tone={Tone::Info}>
                        <span id="practice-notice">{ "You are not signed in: play the computer or a friend on this keyboard as much as you like; nothing is stored. " }</span>
                        <Link<Route> to={Route::SignUp}>{ "Sign up" }</Link<Route>>
                        { " to be ranked on the leaderboard." }
                    </Notice>
                }
                <h2>{ "Choose your opponent" }</h2>
                <ul class="modes">{ for options }</ul>
            </section>
        };
    };

    let (left, right) = state.score;
    let opponent = if mode.is_ranked() {
        "Computer"
    } else {
        "Player 2"
    };
    let status = match state.game_version {
        None => html! { <p class="muted" id="game-status">{ "Loading the game…" }</p> },
        // A stale cached page, say.
        Some((protocol, sim)) if protocol != PROTOCOL_VERSION || sim != SIM_VERSION => html! {
            <Notice tone={Tone::Error}>{ format!("This page and the game are of different versions (protocol {PROTOCOL_VERSION}/{protocol}, game {SIM_VERSION}/{sim}): reload the page.") }</Notice>
        },
        Some(_) if state.result.is_none() => html! {
            <>
                <p id="game-status">{ "Click the game, then press Enter to kick off." }</p>
                if mode.is_ranked() && token.is_some() {
                    <p class="muted small" id="forfeit-warning">{ "A ranked match counts from kick-off: leaving it, reloading the page or restarting counts as a 0–5 loss." }</p>
                }
            </>
        },
        Some(_) => Html::default(),
    };
    html! {
        <div class="play">
            <section class="stage">
                <iframe ref={frame} id="game" class="game-frame" title="Stellar Heads game" />
            </section>
            <aside class="card side" id="match-panel">
                { recovered }
                <p class="muted small">{ format::mode(mode) }</p>
                <p class="scoreboard" id="scoreboard">
                    <span>{ identity.username.to_string() }</span>
                    <strong>{ format!("{left} – {right}") }</strong>
                    <span>{ opponent }</span>
                </p>
                { status }
                { result_view(state.result.as_ref(), token.as_deref().unwrap_or_default(), &state, &session) }
                <Controls two_players={!mode.is_ranked()} />
                <button class="button small" id="change-mode" onclick={choose(None)}>{ "Change opponent" }</button>
            </aside>
        </div>
    }
}

fn result_view(
    result: Option<&MatchResult>,
    token: &str,
    state: &UseReducerHandle<PlayState>,
    session: &SessionHandle,
) -> Html {
    match result {
        None => Html::default(),
        Some(MatchResult::Practice {
            outcome,
            score: (player, opponent),
        }) => html! {
            <div class="result" id="match-result">
                <p class={classes!("result-line", outcome.as_str())}>{ format!("{} {player} – {opponent}", format::outcome(*outcome)) }</p>
                <p id="save-status">{ "A practice match: not stored." }</p>
                <p class="links">
                    <Link<Route> to={Route::SignUp} classes="button primary sign-up-to-rank">{ "Sign up to be ranked" }</Link<Route>>
                </p>
                <p class="muted small">{ "Press Enter in the game for a rematch." }</p>
            </div>
        },
        Some(MatchResult::Saving {
            outcome,
            score: (player, opponent),
        }) => html! {
            <div class="result" id="match-result">
                <p class="result-line">{ format!("{} {player} – {opponent}", format::outcome(*outcome)) }</p>
                <p class="muted" id="save-status">{ "Checking and saving your match…" }</p>
            </div>
        },
        Some(MatchResult::Saved { stored, rank }) => html! {
            <div class="result" id="match-result">
                <p class={classes!("result-line", stored.outcome.as_str())}>{ format!("{} {} – {}", format::outcome(stored.outcome), stored.player_score, stored.opponent_score) }</p>
                <p id="save-status">{ "✓ Saved to your match history." }</p>
                {
                    match (stored.mode.is_ranked(), rank) {
                        (true, Some(rank)) => html! { <p class="rank" id="rank">{ format!("You are #{rank} on the leaderboard.") }</p> },
                        (true, None) => Html::default(),
                        (false, _) => html! { <p class="muted">{ "Two-player matches are not ranked." }</p> },
                    }
                }
                <p class="links">
                    <Link<Route> to={Route::Matches}>{ "My matches" }</Link<Route>>
                    <Link<Route> to={Route::Leaderboard}>{ "Leaderboard" }</Link<Route>>
                </p>
                <p class="muted small">{ "Press Enter in the game for a rematch." }</p>
            </div>
        },
        Some(MatchResult::Failed {
            pending,
            message,
            kept,
        }) => {
            let retry = {
                let (pending, token, dispatcher, session) = (
                    pending.clone(),
                    token.to_owned(),
                    state.dispatcher(),
                    session.clone(),
                );
                Callback::from(move |_: MouseEvent| {
                    save(
                        pending.clone(),
                        token.clone(),
                        dispatcher.clone(),
                        session.clone(),
                    )
                })
            };
            html! {
                <div class="result" id="match-result">
                    <Notice tone={Tone::Error}>
                        <span id="save-status">{ format!("Your match was not saved: {message}") }</span>
                    </Notice>
                    if *kept {
                        <p class="muted small">{ "It is kept on this device and will be sent again next time." }</p>
                        <button class="button" id="retry-save" onclick={retry}>{ "Try again now" }</button>
                    }
                </div>
            }
        }
    }
}
