//! Same inputs, same match: a match replays to the same final state twice, after a rematch
//! in the same app, and whatever other entities the app holds; records that were not played
//! as they claim do not replay to their claim.

mod common;

use bevy::prelude::*;
use protocol::record::{MatchRecord, input};
use protocol::{Difficulty, GameMode};
use stellar_heads_game::replay::{ReplayError, ReplayResult, headless_app, play_scripted, replay};
use stellar_heads_game::sim::rules::StartMatch;
use stellar_heads_game::sim::{
    InputLog, MatchPhase, MatchSettings, MatchState, Snapshot, TickInputs, snapshot,
};

use common::Xorshift;

const HARD: GameMode = GameMode::VsComputer {
    difficulty: Difficulty::Hard,
};
const NORMAL: GameMode = GameMode::VsComputer {
    difficulty: Difficulty::Normal,
};

/// A busy, repeatable player: runs both ways, jumps and kicks in a fixed pattern.
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

/// Both sides' inputs, tick by tick.
type InputStream = dyn FnMut(u32) -> [u8; 2];

/// Random inputs from a seeded generator: the same stream for the same seed.
fn random(seed: u64) -> impl FnMut(u32) -> [u8; 2] {
    let mut generator = Xorshift::new(seed);
    move |_| {
        let mut next = || (generator.next() >> 40) as u8 & input::ALL;
        [next(), next()]
    }
}

/// Plays a whole match in `app` (already past its startup), returning the final state.
fn play_in(
    app: &mut App,
    mode: GameMode,
    mut inputs: impl FnMut(u32) -> [u8; 2],
) -> (Snapshot, MatchRecord) {
    app.world_mut()
        .send_event(StartMatch::play(MatchSettings::new(mode)));
    let mut tick = 0;
    loop {
        let [left, right] = inputs(tick);
        app.world_mut().insert_resource(TickInputs { left, right });
        app.update();
        tick += 1;
        if app.world().resource::<MatchState>().phase == MatchPhase::Finished {
            break;
        }
        assert!(tick <= protocol::rules::MATCH_TICKS + 2, "a match ends");
    }
    let record = MatchRecord::new(mode, &app.world().resource::<InputLog>().frames);
    (snapshot(app.world_mut()), record)
}

/// Replays `record` in a fresh app and returns the final state.
fn replayed_state(record: &MatchRecord) -> Snapshot {
    let mut app = headless_app();
    app.world_mut().send_event(StartMatch {
        settings: MatchSettings::new(record.mode),
        replay: Some(record.frames().unwrap()),
    });
    while app.world().resource::<MatchState>().phase != MatchPhase::Finished {
        app.update();
    }
    snapshot(app.world_mut())
}

fn result_of(state: &Snapshot) -> ReplayResult {
    ReplayResult {
        left: state.score[0],
        right: state.score[1],
        ticks: state.tick,
    }
}

#[test]
fn scripted_and_random_matches_replay_to_the_same_final_state_twice() {
    let cases: Vec<(GameMode, Box<InputStream>)> = vec![
        (NORMAL, Box::new(|tick| [scripted(tick), 0])),
        (HARD, Box::new(random(7))),
        (GameMode::LocalTwoPlayer, Box::new(random(11))),
    ];
    for (mode, inputs) in cases {
        let (played, record) = play_in(&mut headless_app(), mode, inputs);
        // Through JSON, as it travels from the game to the page and the server.
        let record: MatchRecord =
            serde_json::from_str(&serde_json::to_string(&record).unwrap()).unwrap();
        eprintln!(
            "{mode:?}: {:?} in {} ticks, record {} bytes",
            played.score,
            played.tick,
            record.inputs.len()
        );
        assert_eq!(record.ticks, played.tick, "one recorded frame per tick");
        assert_eq!(replayed_state(&record), played, "bit for bit, first replay");
        assert_eq!(
            replayed_state(&record),
            played,
            "bit for bit, second replay"
        );
        assert_eq!(replay(&record).unwrap(), result_of(&played));
    }
}

#[test]
fn a_rematch_and_a_restart_in_one_app_replay_like_a_fresh_app() {
    let mut app = headless_app();
    // A first match, then a restart in the middle of a second, then the match that counts.
    let _ = play_in(&mut app, HARD, random(3));
    app.world_mut()
        .send_event(StartMatch::play(MatchSettings::new(HARD)));
    for tick in 0..700 {
        app.world_mut().insert_resource(TickInputs {
            left: scripted(tick),
            right: 0,
        });
        app.update();
    }
    let (rematch, record) = play_in(&mut app, HARD, random(5));
    assert_eq!(replayed_state(&record), rematch);
    let (fresh, fresh_record) = play_in(&mut headless_app(), HARD, random(5));
    assert_eq!(fresh, rematch, "a rematch plays exactly as a first match");
    assert_eq!(fresh_record, record);
}

#[test]
fn other_entities_in_the_app_change_nothing() {
    // The browser's app also holds a camera, scenery and UI, spawned in another order: the
    // server's replay must not depend on entity ids.
    let (plain, record) = play_in(&mut headless_app(), NORMAL, random(9));
    let mut crowded = headless_app();
    let extra: Vec<Entity> = (0..37)
        .map(|n| {
            crowded
                .world_mut()
                .spawn(Name::new(format!("extra {n}")))
                .id()
        })
        .collect();
    for entity in extra.iter().step_by(3) {
        crowded.world_mut().despawn(*entity);
    }
    let (in_crowd, crowded_record) = play_in(&mut crowded, NORMAL, random(9));
    assert_eq!(crowded_record, record);
    assert_eq!(in_crowd, plain);
}

#[test]
fn the_computer_is_never_driven_by_the_record() {
    // Left attacks an idle right side: in a two-player match that is easy goals.
    let (record, result) = play_scripted(GameMode::LocalTwoPlayer, |tick| [scripted(tick), 0]);
    eprintln!("against an idle side: {result:?}");
    // The same record relabelled as a match against the computer: the computer plays the
    // right side itself, so the claimed score does not come back.
    let mut forged = record.clone();
    forged.mode = HARD;
    match replay(&forged) {
        Ok(replayed) => assert_ne!(replayed, result, "a forged record replayed as claimed"),
        Err(error) => eprintln!("refused: {error}"),
    }
    // Re-encoded for one side, as a real record against the computer is: still refused.
    let frames = record.frames().unwrap();
    let relabelled = MatchRecord::new(HARD, &frames);
    match replay(&relabelled) {
        Ok(replayed) => assert_ne!(replayed, result, "a forged record replayed as claimed"),
        Err(error) => eprintln!("refused: {error}"),
    }
}

#[test]
fn a_record_must_hold_exactly_its_match() {
    let (record, _) = play_scripted(HARD, |_| [0, 0]);
    let mut frames = record.frames().unwrap();
    // Cut short: the match has not ended when the inputs run out.
    let short = MatchRecord::new(HARD, &frames[..frames.len() - 10]);
    assert!(matches!(
        replay(&short),
        Err(ReplayError::WrongLength { .. })
    ));
    // Padded: inputs after the final whistle.
    frames.extend([[0, 0]; 30]);
    let long = MatchRecord::new(HARD, &frames);
    assert!(matches!(
        replay(&long),
        Err(ReplayError::WrongLength { .. })
    ));
    let mut lying = record.clone();
    lying.ticks += 1;
    assert!(matches!(replay(&lying), Err(ReplayError::Record(_))));
}

/// Where the final states of [`golden_matches`] are kept, one file per simulation version.
fn golden_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "tests/golden/sim-v{}.txt",
        protocol::record::SIM_VERSION
    ))
}

/// A scripted, a random and a two-player match: their final states, one per line (`Debug`
/// prints every f32 exactly).
fn golden_matches() -> String {
    let cases: Vec<(GameMode, Box<InputStream>)> = vec![
        (NORMAL, Box::new(|tick| [scripted(tick), 0])),
        (HARD, Box::new(random(7))),
        (GameMode::LocalTwoPlayer, Box::new(random(11))),
    ];
    cases
        .into_iter()
        .map(|(mode, inputs)| {
            format!(
                "{mode:?}: {:?}\n",
                play_in(&mut headless_app(), mode, inputs).0
            )
        })
        .collect()
}

/// Records stored under a `SIM_VERSION` must keep replaying to their results: a change to the
/// simulation (or to the physics plugins it runs) that moves anything must bump the version.
/// A new version writes its file once with `STELLAR_HEADS_BLESS=1`.
#[test]
fn the_simulation_plays_exactly_as_its_version_did() {
    let played = golden_matches();
    let path = golden_path();
    if std::env::var_os("STELLAR_HEADS_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &played).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no golden states for this SIM_VERSION at {}: write them with STELLAR_HEADS_BLESS=1",
            path.display()
        )
    });
    assert_eq!(
        played, expected,
        "the simulation moved: bump SIM_VERSION and bless its golden states"
    );
}
