//! Headless matches: the same simulation the browser runs, under `MinimalPlugins`, stepped
//! exactly one tick per update. The server re-plays every submitted record with [`replay`];
//! [`play_scripted`] plays a match from scripted inputs (tests, load tests, benchmarks).

use std::time::Duration;

use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use protocol::GameMode;
use protocol::record::{MatchRecord, RecordError};

use crate::sim::rules::StartMatch;
use crate::sim::{
    InputLog, MatchPhase, MatchSettings, MatchState, SimulationPlugin, TICK_HZ, TickInputs,
};

/// A headless app with the simulation, advancing exactly one fixed tick per `update()`.
pub fn headless_app() -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, TransformPlugin, SimulationPlugin))
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_secs_f64(
            1.0 / TICK_HZ,
        )));
    // `App::run` would do these; a hand-stepped app must (avian registers resources in
    // `finish`).
    app.finish();
    app.cleanup();
    // Startup systems (the pitch) run on the first update.
    app.update();
    app
}

/// Asks a headless app to start a match; the next update plays its first tick.
pub fn start(app: &mut App, settings: MatchSettings) {
    app.world_mut().send_event(StartMatch::play(settings));
}

/// The final score of a replayed match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayResult {
    pub left: u8,
    pub right: u8,
    pub ticks: u32,
}

impl ReplayResult {
    fn of(state: &MatchState) -> Self {
        Self {
            left: state.score[0],
            right: state.score[1],
            ticks: state.tick,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("invalid record: {0}")]
    Record(#[from] RecordError),
    #[error(
        "the record does not play out as a whole match: it holds {recorded} ticks, the match \
         ended after {played}"
    )]
    WrongLength { recorded: u32, played: u32 },
}

/// Re-plays `record` with the standard rules, the computer played by the simulation itself,
/// and returns how the match ended. A record must hold exactly the ticks of its match: one
/// that runs out early or goes on after the final whistle is refused.
pub fn replay(record: &MatchRecord) -> Result<ReplayResult, ReplayError> {
    let frames = record.frames()?;
    let recorded = frames.len() as u32;
    let mut app = headless_app();
    app.world_mut().send_event(StartMatch {
        settings: MatchSettings::new(record.mode),
        replay: Some(frames),
    });
    // One update is one tick. One spare tick lets the final whistle (decided at the start of
    // the tick after the last) be heard.
    for _ in 0..=recorded {
        app.update();
        if app.world().resource::<MatchState>().phase == MatchPhase::Finished {
            break;
        }
    }
    let state = app.world().resource::<MatchState>();
    if state.phase != MatchPhase::Finished || state.tick != recorded {
        return Err(ReplayError::WrongLength {
            recorded,
            played: state.tick,
        });
    }
    Ok(ReplayResult::of(state))
}

/// Plays a whole match headless with `inputs(tick)` as the people's inputs (the computer's
/// side, if any, is played by the computer) and returns its record and result.
pub fn play_scripted(
    mode: GameMode,
    mut inputs: impl FnMut(u32) -> [u8; 2],
) -> (MatchRecord, ReplayResult) {
    let mut app = headless_app();
    start(&mut app, MatchSettings::new(mode));
    let mut tick = 0;
    while app.world().resource::<MatchState>().phase != MatchPhase::Finished {
        let [left, right] = inputs(tick);
        app.world_mut().insert_resource(TickInputs { left, right });
        app.update();
        tick += 1;
        assert!(
            tick <= protocol::rules::MATCH_TICKS + 2,
            "a match always ends"
        );
    }
    let record = MatchRecord::new(mode, &app.world().resource::<InputLog>().frames);
    (
        record,
        ReplayResult::of(app.world().resource::<MatchState>()),
    )
}
