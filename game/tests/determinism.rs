//! Same inputs, same match: two runs of a full match agree in every position, and replaying
//! the record gives the same final score.

use bevy::prelude::*;
use protocol::record::{MatchRecord, input};
use protocol::{Difficulty, GameMode};
use stellar_heads_game::replay::{ReplayError, ReplayResult, headless_app, replay, start};
use stellar_heads_game::sim::{
    InputLog, MatchPhase, MatchSettings, MatchState, Snapshot, TickInputs, snapshot,
};

/// A busy, repeatable left player: runs both ways, jumps and kicks in a fixed pattern.
fn scripted(tick: u32) -> u8 {
    let phase = tick % 240;
    let mut bits = if phase < 110 {
        input::RIGHT
    } else if phase < 200 {
        input::LEFT
    } else {
        0
    };
    if tick.is_multiple_of(37) {
        bits |= input::JUMP_PRESSED | input::JUMP_HELD;
    } else if tick % 37 < 12 {
        bits |= input::JUMP_HELD;
    }
    if tick.is_multiple_of(11) {
        bits |= input::KICK_PRESSED;
    }
    bits
}

/// Plays a whole match (left scripted, right the computer); returns the final snapshot and
/// the recorded inputs.
fn play(mode: GameMode) -> (Snapshot, Vec<[u8; 2]>, MatchState) {
    let mut app = headless_app();
    start(&mut app, MatchSettings::new(mode));
    let mut tick = 0;
    while app.world().resource::<MatchState>().phase != MatchPhase::Finished {
        app.world_mut().insert_resource(TickInputs {
            left: scripted(tick),
            right: 0,
        });
        app.update();
        tick += 1;
        assert!(
            tick < protocol::rules::MATCH_TICKS + 10,
            "the match must end"
        );
    }
    let frames = app.world().resource::<InputLog>().frames.clone();
    let state = app.world().resource::<MatchState>().clone();
    (snapshot(app.world_mut()), frames, state)
}

#[test]
fn a_full_match_is_identical_twice_and_its_replay_gives_the_same_result() {
    let mode = GameMode::VsComputer {
        difficulty: Difficulty::Normal,
    };
    let (first, frames, state) = play(mode);
    let (second, frames_again, _) = play(mode);
    assert_eq!(
        first, second,
        "positions and velocities must match bit for bit"
    );
    assert_eq!(frames, frames_again);
    assert_eq!(
        frames.len() as u32,
        state.tick,
        "one recorded frame per tick"
    );
    eprintln!("match: {:?} in {} ticks", state.score, state.tick);

    let record = MatchRecord::new(mode, &frames);
    eprintln!(
        "record: {} frames in {} bytes of base64",
        frames.len(),
        record.inputs.len()
    );
    // Through JSON, as it travels from the game to the page and the server.
    let record: MatchRecord =
        serde_json::from_str(&serde_json::to_string(&record).unwrap()).unwrap();
    let expected = ReplayResult {
        left: state.score[0],
        right: state.score[1],
        ticks: state.tick,
    };
    assert_eq!(replay(&record).unwrap(), expected);
    assert_eq!(replay(&record).unwrap(), expected, "and again");
}

#[test]
fn a_record_that_stops_early_does_not_replay_to_a_result() {
    let frames: Vec<[u8; 2]> = (0..600).map(|tick| [scripted(tick), 0]).collect();
    let record = MatchRecord::new(GameMode::LocalTwoPlayer, &frames);
    assert!(matches!(replay(&record), Err(ReplayError::DidNotFinish(_))));
    let mut forged = record.clone();
    forged.ticks += 1;
    assert!(matches!(replay(&forged), Err(ReplayError::Record(_))));
}
