//! Headless matches: the same simulation the browser runs, under `MinimalPlugins`.
//!
//! - [`headless_app`] steps exactly one tick per `App::update`, with transforms, as the
//!   browser's app does (tests compare against it).
//! - [`lean_app`] and [`step`] are the server's path: only what the simulation needs, one tick
//!   a call, every tick's state bit-identical to `App::update` (`tests/determinism.rs`).
//!
//! The server re-plays every submitted record with [`replay`]; [`play_scripted`] plays a
//! match from scripted inputs (tests, load tests, benchmarks).

use std::time::Duration;

use avian2d::sync::SyncConfig;
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
    app.add_plugins((MinimalPlugins, TransformPlugin, SimulationPlugin));
    started(app)
}

/// The simulation and nothing else, for re-plays: no transform propagation and none of
/// avian's transform sync (nothing is drawn, and the simulation reads and writes `Position`
/// only). Advance it with [`step`], not `App::update`: the main schedule around the fixed
/// tick (clocks, task pools, events of a frame) is most of a headless frame's cost.
pub fn lean_app() -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, SimulationPlugin))
        .insert_resource(SyncConfig {
            position_to_transform: false,
            transform_to_position: false,
            transform_to_collider_scale: false,
        });
    started(app)
}

/// Finishes a hand-stepped app and runs its first update (the startup systems: the pitch).
fn started(mut app: App) -> App {
    app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_secs_f64(
        1.0 / TICK_HZ,
    )));
    // `App::run` would do these; a hand-stepped app must (avian registers resources in
    // `finish`).
    app.finish();
    app.cleanup();
    app.update();
    app
}

/// One tick of a [`lean_app`]: what `App::update` does for the fixed schedule when one
/// tick's time has passed. The fixed clock advances by its step and becomes the generic
/// clock (avian's physics reads it), `FixedMain` runs once, and the generic clock is put
/// back. Nothing else in a frame touches the simulation.
pub fn step(world: &mut World) {
    let outside = *world.resource::<Time>();
    let mut fixed = world.resource_mut::<Time<Fixed>>();
    let timestep = fixed.timestep();
    fixed.advance_by(timestep);
    let inside = fixed.as_generic();
    *world.resource_mut::<Time>() = inside;
    world.run_schedule(bevy::app::FixedMain);
    *world.resource_mut::<Time>() = outside;
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
    let mut app = lean_app();
    let world = app.world_mut();
    world.send_event(StartMatch {
        settings: MatchSettings::of_record(record),
        replay: Some(frames),
    });
    // One spare tick lets the final whistle (decided at the start of the tick after the
    // last) be heard.
    for _ in 0..=recorded {
        step(world);
        if world.resource::<MatchState>().phase == MatchPhase::Finished {
            break;
        }
    }
    let state = world.resource::<MatchState>();
    if state.phase != MatchPhase::Finished || state.tick != recorded {
        return Err(ReplayError::WrongLength {
            recorded,
            played: state.tick,
        });
    }
    Ok(ReplayResult::of(state))
}

/// Plays a whole match of the current version with `seed` headless, with `inputs(tick)` as
/// the people's inputs (the computer's side, if any, is played by the computer), and
/// returns its record and result.
pub fn play_scripted(
    mode: GameMode,
    seed: u32,
    mut inputs: impl FnMut(u32) -> [u8; 2],
) -> (MatchRecord, ReplayResult) {
    let mut app = lean_app();
    start(&mut app, MatchSettings::new(mode).with_seed(seed));
    let world = app.world_mut();
    let mut tick = 0;
    while world.resource::<MatchState>().phase != MatchPhase::Finished {
        let [left, right] = inputs(tick);
        world.insert_resource(TickInputs { left, right });
        step(world);
        tick += 1;
        assert!(
            tick <= protocol::rules::MATCH_TICKS + 2,
            "a match always ends"
        );
    }
    let record = MatchRecord::new(mode, seed, &world.resource::<InputLog>().frames);
    (record, ReplayResult::of(world.resource::<MatchState>()))
}
