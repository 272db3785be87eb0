//! The computer's levels, measured: matches between levels (and against a scripted player),
//! played headless with the simulation the browser runs. Each pairing plays several matches,
//! each side in turn, with a little seeded input noise (a side now and then does nothing for a
//! tick) so that no two matches are the same; all of it is deterministic.

mod common;

use avian2d::prelude::*;
use bevy::prelude::*;
use protocol::messages::Side;
use protocol::record::input;
use protocol::{Difficulty, GameMode};
use stellar_heads_game::replay::{headless_app, start};
use stellar_heads_game::sim::ai::{AiMemory, skill};
use stellar_heads_game::sim::chance::MatchRng;
use stellar_heads_game::sim::controls::kick;
use stellar_heads_game::sim::{Ball, MatchPhase, MatchSettings, MatchState, Player, TickInputs};

use common::Xorshift;

/// Who plays a side.
#[derive(Debug, Clone, Copy)]
enum Contender {
    Computer(Difficulty),
    /// Runs at the ball and kicks whenever it is in reach; never jumps.
    RushAndKick,
}

struct Brain {
    contender: Contender,
    memory: AiMemory,
    /// The computer's own chance (reaction and rhythm), as in a match of this version.
    chance: MatchRng,
}

impl Brain {
    fn new(contender: Contender, seed: u32) -> Self {
        let mut chance = MatchRng::new(protocol::record::SIM_VERSION, seed);
        let mut memory = AiMemory::default();
        memory.kickoff(&mut chance);
        Self {
            contender,
            memory,
            chance,
        }
    }

    fn inputs(&mut self, me: &Player, at: Vec2, velocity: Vec2, ball: (Vec2, Vec2)) -> u8 {
        match self.contender {
            Contender::Computer(difficulty) => {
                self.memory
                    .think(skill(difficulty), me, at, velocity, ball, &mut self.chance)
            }
            Contender::RushAndKick => {
                let mut bits = if ball.0.x > at.x + 5.0 {
                    input::RIGHT
                } else if ball.0.x < at.x - 5.0 {
                    input::LEFT
                } else {
                    0
                };
                if kick(me, at, ball.0).is_some() {
                    bits |= input::KICK_PRESSED;
                }
                bits
            }
        }
    }
}

/// The noise: now and then (one tick in twelve) a side does nothing.
struct Noise(Xorshift);

impl Noise {
    fn hesitates(&mut self) -> bool {
        self.0.next().is_multiple_of(12)
    }
}

const MATCH_TICKS: u32 = 60 * 60;
/// Matches per pairing, half of them on each side.
const MATCHES: u64 = 12;

/// One match of `MATCH_TICKS` (or to five goals): the goals of `left` and `right`.
fn play(left: Contender, right: Contender, seed: u64) -> [u8; 2] {
    let mut app = headless_app();
    // The match's seed moves the kick-offs; each computer draws its own chance.
    let mut settings = MatchSettings::new(GameMode::LocalTwoPlayer).with_seed(seed as u32);
    settings.match_ticks = MATCH_TICKS;
    start(&mut app, settings);
    let mut brains = [
        Brain::new(left, (2 * seed) as u32),
        Brain::new(right, (2 * seed + 1) as u32),
    ];
    let mut noise = Noise(Xorshift::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    app.update();
    while app.world().resource::<MatchState>().phase != MatchPhase::Finished {
        let world = app.world_mut();
        let ball = {
            let mut query = world.query_filtered::<(&Position, &LinearVelocity), With<Ball>>();
            let (position, velocity) = query.single(world).expect("one ball");
            (position.0, velocity.0)
        };
        let mut inputs = TickInputs::default();
        let mut query = world.query::<(&Player, &Position, &LinearVelocity)>();
        for (player, position, velocity) in query.iter(world) {
            let brain = &mut brains[usize::from(player.side == Side::Right)];
            let bits = brain.inputs(player, position.0, velocity.0, ball);
            inputs.set(player.side, if noise.hesitates() { 0 } else { bits });
        }
        world.insert_resource(inputs);
        app.update();
    }
    app.world().resource::<MatchState>().score
}

/// Goals for and against `a` over `matches` matches against `b`, each side in turn.
fn pairing(a: Contender, b: Contender, matches: u64) -> (u32, u32) {
    let (mut for_a, mut against_a) = (0, 0);
    for seed in 0..matches {
        let [a_goals, b_goals] = if seed % 2 == 0 {
            play(a, b, seed)
        } else {
            let [left, right] = play(b, a, seed);
            [right, left]
        };
        for_a += u32::from(a_goals);
        against_a += u32::from(b_goals);
    }
    println!("{a:?} vs {b:?}: {for_a}-{against_a} in {matches} matches");
    (for_a, against_a)
}

/// The margin: at least half as many goals again as it concedes, and four more.
fn beats(scored: u32, conceded: u32) -> bool {
    2 * scored >= 3 * conceded + 8
}

#[test]
fn harder_levels_beat_easier_ones_by_a_margin() {
    use Contender::Computer;
    use Difficulty::{Easy, Hard, Normal};
    for (stronger, weaker) in [(Normal, Easy), (Hard, Normal), (Hard, Easy)] {
        let (scored, conceded) = pairing(Computer(stronger), Computer(weaker), MATCHES);
        assert!(
            beats(scored, conceded),
            "{stronger:?} scored {scored} against {weaker:?}, which scored {conceded}"
        );
    }
}

#[test]
fn the_hard_computer_beats_a_rush_and_kick_player() {
    let (scored, conceded) = pairing(
        Contender::Computer(Difficulty::Hard),
        Contender::RushAndKick,
        MATCHES,
    );
    assert!(
        beats(scored, conceded),
        "the hard computer scored {scored}, rush-and-kick {conceded}"
    );
}
