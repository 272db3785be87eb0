//! Same inputs, same match: a match replays to the same final state twice, after a rematch
//! in the same app, and whatever other entities the app holds; records that were not played
//! as they claim do not replay to their claim.

mod common;

use bevy::prelude::*;
use protocol::record::{MatchRecord, input};
use protocol::record::{OLDEST_SIM_VERSION, SIM_VERSION};
use protocol::{Difficulty, GameMode};
use stellar_heads_game::replay::{
    ReplayError, ReplayResult, headless_app, lean_app, play_scripted, replay, step,
};
use stellar_heads_game::sim::chance::SEEDED_SINCE;
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

/// The seed of the matches below (any will do; the golden states use several).
const SEED: u32 = 0x5EED;

/// Plays a whole match of the current version with [`SEED`] in `app` (already past its
/// startup), returning the final state.
fn play_in(
    app: &mut App,
    mode: GameMode,
    inputs: impl FnMut(u32) -> [u8; 2],
) -> (Snapshot, MatchRecord) {
    play_with(app, MatchSettings::new(mode).with_seed(SEED), inputs)
}

/// [`play_in`] with any settings (another version, another seed).
fn play_with(
    app: &mut App,
    settings: MatchSettings,
    mut inputs: impl FnMut(u32) -> [u8; 2],
) -> (Snapshot, MatchRecord) {
    let mode = settings.mode;
    app.world_mut().send_event(StartMatch::play(settings));
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
    let mut record = MatchRecord::new(
        mode,
        settings.seed,
        &app.world().resource::<InputLog>().frames,
    );
    record.sim_version = settings.version;
    (snapshot(app.world_mut()), record)
}

/// Replays `record` in a fresh app and returns the final state.
fn replayed_state(record: &MatchRecord) -> Snapshot {
    let mut app = headless_app();
    app.world_mut().send_event(StartMatch {
        settings: MatchSettings::of_record(record),
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
fn the_servers_lean_replay_matches_the_full_app_tick_by_tick() {
    let cases: Vec<(GameMode, Box<InputStream>)> = vec![
        (NORMAL, Box::new(|tick| [scripted(tick), 0])),
        (HARD, Box::new(random(7))),
        (GameMode::LocalTwoPlayer, Box::new(random(11))),
    ];
    for (mode, mut inputs) in cases {
        let (mut full, mut lean) = (headless_app(), lean_app());
        for app in [&mut full, &mut lean] {
            app.world_mut()
                .send_event(StartMatch::play(MatchSettings::new(mode).with_seed(SEED)));
        }
        let mut tick = 0;
        loop {
            let [left, right] = inputs(tick);
            for app in [&mut full, &mut lean] {
                app.world_mut().insert_resource(TickInputs { left, right });
            }
            full.update();
            step(lean.world_mut());
            assert_eq!(
                snapshot(lean.world_mut()),
                snapshot(full.world_mut()),
                "{mode:?}: tick {tick}"
            );
            tick += 1;
            if full.world().resource::<MatchState>().phase == MatchPhase::Finished {
                break;
            }
        }
        eprintln!("{mode:?}: identical for {tick} ticks");
    }
}

#[test]
fn a_rematch_and_a_restart_in_one_app_replay_like_a_fresh_app() {
    let mut app = headless_app();
    // A first match, then a restart in the middle of a second, then the match that counts.
    let _ = play_in(&mut app, HARD, random(3));
    app.world_mut().send_event(StartMatch::play(
        MatchSettings::new(HARD).with_seed(SEED + 1),
    ));
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
    let (record, result) =
        play_scripted(GameMode::LocalTwoPlayer, SEED, |tick| [scripted(tick), 0]);
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
    let relabelled = MatchRecord::new(HARD, SEED, &frames);
    match replay(&relabelled) {
        Ok(replayed) => assert_ne!(replayed, result, "a forged record replayed as claimed"),
        Err(error) => eprintln!("refused: {error}"),
    }
}

#[test]
fn a_record_must_hold_exactly_its_match() {
    let (record, _) = play_scripted(HARD, SEED, |_| [0, 0]);
    let mut frames = record.frames().unwrap();
    // Cut short: the match has not ended when the inputs run out.
    let short = MatchRecord::new(HARD, SEED, &frames[..frames.len() - 10]);
    assert!(matches!(
        replay(&short),
        Err(ReplayError::WrongLength { .. })
    ));
    // Padded: inputs after the final whistle.
    frames.extend([[0, 0]; 30]);
    let long = MatchRecord::new(HARD, SEED, &frames);
    assert!(matches!(
        replay(&long),
        Err(ReplayError::WrongLength { .. })
    ));
    let mut lying = record.clone();
    lying.ticks += 1;
    assert!(matches!(replay(&lying), Err(ReplayError::Record(_))));
}

/// Where the final states of [`golden_matches`] are kept, one file per simulation version.
fn golden_path(version: u32) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/golden/sim-v{version}.txt"))
}

/// A scripted, a random and a two-player match of `version`: their final states, one per
/// line (`Debug` prints every f32 exactly), each with its seed (version 3 had none).
fn golden_matches(version: u32) -> String {
    let cases: Vec<(GameMode, u32, Box<InputStream>)> = vec![
        (NORMAL, 1, Box::new(|tick| [scripted(tick), 0])),
        (HARD, 2, Box::new(random(7))),
        (GameMode::LocalTwoPlayer, 3, Box::new(random(11))),
    ];
    cases
        .into_iter()
        .map(|(mode, seed, inputs)| {
            let seed = if version >= SEEDED_SINCE { seed } else { 0 };
            let settings = MatchSettings {
                version,
                ..MatchSettings::new(mode).with_seed(seed)
            };
            let (state, record) = play_with(&mut headless_app(), settings, inputs);
            // The server's path plays them the same.
            assert_eq!(replay(&record).unwrap(), result_of(&state), "{mode:?}");
            if version >= SEEDED_SINCE {
                format!("{mode:?} (seed {seed}): {state:?}\n")
            } else {
                format!("{mode:?}: {state:?}\n")
            }
        })
        .collect()
}

/// Records stored under a `SIM_VERSION` must keep replaying to their results, and the game
/// plays every version from `OLDEST_SIM_VERSION` (stored matches stay watchable and
/// auditable): a change to the simulation (or to the physics plugins it runs) that moves
/// anything must bump the version. A new version writes its file once with
/// `STELLAR_HEADS_BLESS=1`.
#[test]
fn the_simulation_plays_exactly_as_each_version_did() {
    for version in OLDEST_SIM_VERSION..=SIM_VERSION {
        let played = golden_matches(version);
        let path = golden_path(version);
        if version == SIM_VERSION && std::env::var_os("STELLAR_HEADS_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &played).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "no golden states for version {version} at {}: write them with \
                 STELLAR_HEADS_BLESS=1",
                path.display()
            )
        });
        assert_eq!(
            played, expected,
            "version {version} moved: bump SIM_VERSION and bless its golden states"
        );
    }
}

/// The anti-copy rule: a record re-plays to its result only with the seed of its own match.
/// The same inputs under another seed (a record copied into another ticket) give another
/// result, or do not make a whole match at all.
#[test]
fn a_record_replays_to_its_result_only_with_its_own_seed() {
    for (mode, inputs) in [
        (
            NORMAL,
            Box::new(|tick| [scripted(tick), 0]) as Box<InputStream>,
        ),
        (HARD, Box::new(random(5))),
        (GameMode::LocalTwoPlayer, Box::new(random(13))),
    ] {
        let (played, record) = play_in(&mut headless_app(), mode, inputs);
        assert_eq!(replay(&record).unwrap(), result_of(&played));
        for other in (1..=8).map(|n| SEED.wrapping_add(n * 7919)) {
            let copy = MatchRecord {
                seed: other,
                ..record.clone()
            };
            let replayed = replay(&copy);
            eprintln!(
                "{mode:?} seed {other}: {replayed:?} (own: {:?})",
                played.score
            );
            assert!(
                !matches!(replayed, Ok(result) if result == result_of(&played)),
                "{mode:?}: the record re-played to its result under seed {other}"
            );
        }
    }
}
