//! Headless matches: the same simulation the browser runs, under `MinimalPlugins`, stepped
//! exactly one tick per update. Used to replay a record (and so to verify a result) and by
//! the tests.

use std::time::Duration;

use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use protocol::record::{MatchRecord, RecordError};

use crate::sim::rules::StartMatch;
use crate::sim::{MatchPhase, MatchSettings, MatchState, ReplaySource, SimulationPlugin, TICK_HZ};

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

/// Starts a match in a headless app and runs the tick that processes the start.
pub fn start(app: &mut App, settings: MatchSettings) {
    app.world_mut().send_event(StartMatch(settings));
}

/// The final score of a replayed match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayResult {
    pub left: u8,
    pub right: u8,
    pub ticks: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("invalid record: {0}")]
    Record(#[from] RecordError),
    #[error("the recorded inputs ran out before the match ended (after {0} ticks)")]
    DidNotFinish(u32),
}

/// Replays `record` with the standard rules and returns how the match ended.
pub fn replay(record: &MatchRecord) -> Result<ReplayResult, ReplayError> {
    let frames = record.frames()?;
    let total = frames.len() as u32;
    let mut app = headless_app();
    app.world_mut().resource_mut::<ReplaySource>().frames = Some(frames);
    start(&mut app, MatchSettings::new(record.mode));
    // A replay never pauses: one update is one tick. One spare tick lets the final whistle
    // (decided at the start of the tick after the last) be heard.
    for _ in 0..=total {
        app.update();
        if app.world().resource::<MatchState>().phase == MatchPhase::Finished {
            break;
        }
    }
    let state = app.world().resource::<MatchState>();
    if state.phase != MatchPhase::Finished || state.tick != total {
        return Err(ReplayError::DidNotFinish(state.tick));
    }
    Ok(ReplayResult {
        left: state.score[0],
        right: state.score[1],
        ticks: state.tick,
    })
}
