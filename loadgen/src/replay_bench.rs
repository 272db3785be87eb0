//! Figures for re-playing matches in-process, with the same function the server calls
//! (`stellar_heads_game::replay::replay`): one full-length match on one core, and how many
//! matches all cores verify per second.

use std::time::{Duration, Instant};

use protocol::GameMode;
use protocol::record::{MatchRecord, input};
use protocol::rules::MATCH_TICKS;
use stellar_heads_game::replay::{play_scripted, replay};

/// A small deterministic generator (xorshift), so the benchmark's match is the same in
/// every run.
struct Inputs(u64);

impl Inputs {
    fn next(&mut self) -> u8 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 32) as u8
    }

    /// A restless player: runs for a while one way, jumps and kicks now and then.
    fn side(&mut self, held: &mut u8, tick: u32) -> u8 {
        if tick.is_multiple_of(20) {
            *held = [input::LEFT, input::RIGHT, 0][usize::from(self.next() % 3)];
        }
        let mut bits = *held;
        let roll = self.next();
        if roll < 8 {
            bits |= input::JUMP_PRESSED | input::JUMP_HELD;
        } else if roll < 24 {
            bits |= input::KICK_PRESSED;
        }
        bits
    }
}

/// A two-player match of restless players, with the match seed `seed`, that runs the full
/// 180 s (the first input stream whose match nobody wins on goals).
pub fn full_length_record(seed: u32) -> MatchRecord {
    for stream in 1.. {
        let mut inputs = Inputs(0x9E37_79B9_7F4A_7C15 ^ stream);
        let (mut left, mut right) = (0, 0);
        let (record, result) = play_scripted(GameMode::LocalTwoPlayer, seed, |tick| {
            [inputs.side(&mut left, tick), inputs.side(&mut right, tick)]
        });
        if result.ticks == MATCH_TICKS {
            return record;
        }
    }
    unreachable!("the input streams never run out")
}

/// Times `runs` replays of `record` one after another on this thread.
pub fn one_core(record: &MatchRecord, runs: usize) -> Vec<Duration> {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            replay(record).expect("the benchmark's record replays");
            started.elapsed()
        })
        .collect()
}

/// Replays per second with one thread per core, each replaying `record` `runs` times.
pub fn all_cores(record: &MatchRecord, runs: usize) -> (usize, f64) {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| one_core(record, runs));
        }
    });
    (
        threads,
        (threads * runs) as f64 / started.elapsed().as_secs_f64(),
    )
}
