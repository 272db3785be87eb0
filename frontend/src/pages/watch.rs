//! `/watch/{match_id}`: a stored ranked match played back by the game from its input record,
//! the same record the server re-played to store it, so it ends on the stored score.

use std::rc::Rc;

use protocol::api::MatchReplay;
use protocol::messages::{GameToPage, PROTOCOL_VERSION, PageToGame};
use protocol::record::OLDEST_SIM_VERSION;
use uuid::Uuid;
use web_sys::HtmlIFrameElement;
use yew::platform::spawn_local;
use yew::prelude::*;
use yew_router::prelude::Link;

use crate::api::{self, ApiError};
use crate::components::notice::{Notice, Tone};
use crate::format;
use crate::game_frame;
use crate::route::Route;

/// The playback speeds offered, in times real time (the game accepts 1 to 4).
const SPEEDS: [u8; 3] = [1, 2, 4];

#[derive(Debug, Properties, PartialEq)]
pub struct WatchProps {
    pub match_id: Uuid,
}

#[derive(Debug, Clone, PartialEq)]
struct WatchState {
    replay: Option<Rc<MatchReplay>>,
    error: Option<ApiError>,
    /// The protocol and simulation versions the game announced; `None` while it loads.
    game_version: Option<(u32, u32)>,
    /// The score so far in the playback.
    score: (u8, u8),
    paused: bool,
    speed: u8,
    /// Counts restarts: each one plays the record again from kick-off.
    generation: u32,
    /// Where the playback ended: (left, right, ticks).
    finished: Option<(u8, u8, u32)>,
}

impl Default for WatchState {
    fn default() -> Self {
        Self {
            replay: None,
            error: None,
            game_version: None,
            score: (0, 0),
            paused: false,
            speed: 1,
            generation: 0,
            finished: None,
        }
    }
}

enum WatchAction {
    Loaded(MatchReplay),
    Failed(ApiError),
    GameReady(u32, u32),
    Score(u8, u8),
    Finished(u8, u8, u32),
    /// Playback from the start again (not paused, same speed).
    Restart,
    TogglePause,
    Speed(u8),
}

impl Reducible for WatchState {
    type Action = WatchAction;

    fn reduce(self: Rc<Self>, action: WatchAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            WatchAction::Loaded(replay) => next.replay = Some(Rc::new(replay)),
            WatchAction::Failed(error) => next.error = Some(error),
            WatchAction::GameReady(protocol, sim) => next.game_version = Some((protocol, sim)),
            WatchAction::Score(left, right) => next.score = (left, right),
            WatchAction::Finished(left, right, ticks) => {
                next.score = (left, right);
                next.finished = Some((left, right, ticks));
            }
            WatchAction::Restart => {
                next.score = (0, 0);
                next.finished = None;
                next.paused = false;
                next.generation += 1;
            }
            WatchAction::TogglePause => next.paused = !next.paused,
            WatchAction::Speed(speed) => next.speed = speed,
        }
        Rc::new(next)
    }
}

impl WatchState {
    /// The game can play this record: same page protocol, and a simulation version the game
    /// still plays (its own, back to `OLDEST_SIM_VERSION`).
    fn can_play(&self) -> bool {
        match (&self.replay, self.game_version) {
            (Some(replay), Some((protocol, sim))) => {
                protocol == PROTOCOL_VERSION && plays(sim, replay.record.sim_version)
            }
            _ => false,
        }
    }
}

/// Whether a game of simulation version `game` plays a record of version `record`.
fn plays(game: u32, record: u32) -> bool {
    (OLDEST_SIM_VERSION..=game).contains(&record)
}

fn send(frame: &NodeRef, message: &PageToGame) {
    if let Some(frame) = frame.cast::<HtmlIFrameElement>() {
        game_frame::send(&frame, message);
    }
}

#[function_component(Watch)]
pub fn watch(props: &WatchProps) -> Html {
    let state = use_reducer(WatchState::default);
    let frame = use_node_ref();

    {
        let dispatcher = state.dispatcher();
        use_effect_with(props.match_id, move |&match_id| {
            spawn_local(async move {
                match api::match_replay(match_id).await {
                    Ok(replay) => dispatcher.dispatch(WatchAction::Loaded(replay)),
                    Err(error) => dispatcher.dispatch(WatchAction::Failed(error)),
                }
            });
        });
    }

    // Once the record is here: listen, then load the game.
    {
        let (frame, dispatcher) = (frame.clone(), state.dispatcher());
        use_effect_with(state.replay.is_some(), move |&loaded| {
            let listener = loaded
                .then(|| frame.cast::<HtmlIFrameElement>())
                .flatten()
                .map(|element| {
                    let on_message = Callback::from(move |message| match message {
                        GameToPage::Ready {
                            protocol_version,
                            sim_version,
                        } => dispatcher
                            .dispatch(WatchAction::GameReady(protocol_version, sim_version)),
                        GameToPage::Goal { left, right, .. } => {
                            dispatcher.dispatch(WatchAction::Score(left, right))
                        }
                        GameToPage::ReplayFinished { left, right, ticks } => {
                            dispatcher.dispatch(WatchAction::Finished(left, right, ticks))
                        }
                        // Only sent while playing.
                        GameToPage::KickoffRequested | GameToPage::MatchFinished { .. } => {}
                    });
                    let listener = game_frame::listen(element.clone(), on_message);
                    game_frame::load(&element);
                    listener
                });
            move || drop(listener)
        });
    }

    // The game is ready and plays this record's simulation: play the record from kick-off,
    // again after each restart. The page's controls only change the state; these effects
    // tell the game, in this order, from the state as it is (never from a stale closure).
    {
        let (frame, replay) = (frame.clone(), state.replay.clone());
        use_effect_with(
            (state.can_play(), state.generation),
            move |&(can_play, _)| {
                if let (true, Some(replay)) = (can_play, replay) {
                    send(
                        &frame,
                        &PageToGame::Watch {
                            player_name: replay.username.to_string(),
                            record: replay.record.clone(),
                        },
                    );
                }
            },
        );
    }
    {
        let frame = frame.clone();
        use_effect_with(
            (
                state.can_play(),
                state.generation,
                state.paused,
                state.speed,
            ),
            move |&(can_play, _, paused, speed)| {
                if can_play {
                    send(&frame, &PageToGame::Playback { paused, speed });
                }
            },
        );
    }

    if let Some(error) = &state.error {
        let message = match error.code() {
            Some(protocol::error::ErrorCode::NotFound) => {
                "There is no verified ranked match at this address.".to_owned()
            }
            _ => error.message(),
        };
        return html! {
            <section class="card narrow" id="watch-error">
                <h1>{ "Watch a match" }</h1>
                <Notice tone={Tone::Error}>{ message }</Notice>
                <p><Link<Route> to={Route::Leaderboard}>{ "Back to the leaderboard" }</Link<Route>></p>
            </section>
        };
    }
    let Some(replay) = state.replay.clone() else {
        return html! { <section class="card narrow"><p class="muted">{ "Loading the match…" }</p></section> };
    };

    let stored = &replay.stored;
    let (left, right) = state.score;
    let status = match state.game_version {
        None => html! { <p class="muted" id="watch-status">{ "Loading the game…" }</p> },
        Some((protocol, _)) if protocol != PROTOCOL_VERSION => html! {
            <Notice tone={Tone::Error}>{ format!("This page and the game are of different versions (protocol {PROTOCOL_VERSION}/{protocol}): reload the page.") }</Notice>
        },
        Some((_, sim)) if !plays(sim, replay.record.sim_version) => html! {
            <Notice tone={Tone::Error}>
                <span id="watch-status">{ format!(
                    "This match was played on another version of the game (simulation {}; this game plays {sim}), so it cannot be played back here.",
                    replay.record.sim_version
                ) }</span>
            </Notice>
        },
        Some(_) => match state.finished {
            None => {
                html! { <p class="muted" id="watch-status">{ if state.paused { "Paused." } else { "Playing back the recorded inputs…" } }</p> }
            }
            Some((left, right, ticks))
                if (left, right) == (stored.player_score, stored.opponent_score)
                    && ticks == stored.duration_ticks =>
            {
                html! { <p id="watch-status">{ format!("Full time: {left} – {right}, the stored score ✓") }</p> }
            }
            Some((left, right, _)) => html! {
                <Notice tone={Tone::Error}>
                    <span id="watch-status">{ format!("The playback ended {left} – {right}, but the stored score is {} – {}.", stored.player_score, stored.opponent_score) }</span>
                </Notice>
            },
        },
    };

    let controls = state.can_play().then(|| {
        let pause = {
            let dispatcher = state.dispatcher();
            Callback::from(move |_: MouseEvent| dispatcher.dispatch(WatchAction::TogglePause))
        };
        let restart = {
            let dispatcher = state.dispatcher();
            Callback::from(move |_: MouseEvent| dispatcher.dispatch(WatchAction::Restart))
        };
        let speeds = SPEEDS.iter().map(|&speed| {
            let dispatcher = state.dispatcher();
            let choose = Callback::from(move |_: MouseEvent| dispatcher.dispatch(WatchAction::Speed(speed)));
            let chosen = state.speed == speed;
            html! {
                <button class={classes!("button", "small", chosen.then_some("primary"))}
                    id={format!("speed-{speed}")} aria-pressed={chosen.to_string()} onclick={choose}>
                    { format!("{speed}×") }
                </button>
            }
        });
        let finished = state.finished.is_some();
        html! {
            <div class="playback" id="playback">
                <button class="button small" id="playback-pause" onclick={pause} disabled={finished}>
                    { if state.paused { "Play" } else { "Pause" } }
                </button>
                <button class="button small" id="playback-restart" onclick={restart}>{ "Restart" }</button>
                <span class="speeds" role="group" aria-label="Playback speed">{ for speeds }</span>
            </div>
        }
    });

    html! {
        <div class="play" id="watch">
            <section class="stage">
                <iframe ref={frame} id="game" class="game-frame" title="Stellar Heads match playback" />
            </section>
            <aside class="card side" id="watch-panel">
                <p class="muted small">{ format!("{} · {}", format::mode(stored.mode), format::date_time(stored.played_at)) }</p>
                <p class="scoreboard" id="scoreboard">
                    <span>{ replay.username.to_string() }</span>
                    <strong>{ format!("{left} – {right}") }</strong>
                    <span>{ "Computer" }</span>
                </p>
                <p class="small" id="stored-score">{ format!(
                    "Stored result: {} {} – {} in {}, re-played by the server.",
                    format::outcome(stored.outcome),
                    stored.player_score,
                    stored.opponent_score,
                    format::duration(stored.duration_ticks)
                ) }</p>
                { status }
                { controls.unwrap_or_default() }
                <p class="links"><Link<Route> to={Route::Leaderboard}>{ "Leaderboard" }</Link<Route>></p>
            </aside>
        </div>
    }
}
