//! A compact record of a match: its mode, its seed and the inputs of every side a person
//! played, tick by tick. With the deterministic simulation, replaying the record reproduces
//! the match exactly, so the server re-plays every result instead of believing it.
//!
//! The seed is the server's (each ranked match's ticket carries a fresh one): the kick-offs
//! and the computer's timing depend on it, so a record re-plays to its score only with the
//! seed of the match it was played in, and a copy of someone's record submitted in another
//! match re-plays to another result.
//!
//! Against the computer the record holds the human's inputs only: the server runs the
//! computer itself, so nothing a client says about the computer's play can count. Inputs are
//! one byte per recorded side per tick ([`input`] bits), run-length encoded as
//! `(run length as LEB128, side bytes)` and then base64: a 180 s match (10,800 ticks) is
//! typically a few KB, and never more than [`MAX_INPUTS_LEN`] characters.

use data_encoding::BASE64;
use serde::{Deserialize, Serialize};

use crate::rules::{GameMode, MATCH_TICKS};

/// Input bits of one side for one tick.
pub mod input {
    pub const LEFT: u8 = 1 << 0;
    pub const RIGHT: u8 = 1 << 1;
    /// Jump is held (releasing it early cuts the jump short).
    pub const JUMP_HELD: u8 = 1 << 2;
    /// Jump was pressed since the previous tick.
    pub const JUMP_PRESSED: u8 = 1 << 3;
    /// Kick was pressed since the previous tick.
    pub const KICK_PRESSED: u8 = 1 << 4;
    pub const ALL: u8 = LEFT | RIGHT | JUMP_HELD | JUMP_PRESSED | KICK_PRESSED;
}

/// The version of the simulation (physics, rules, the computer's play) and of this record
/// format. Bump it with *any* change that could make a recorded match play out differently:
/// the server refuses results of another version (`outdated_game`) rather than re-playing
/// them wrongly.
///
/// - 3: 8 solver substeps, no seed.
/// - 4: 2 solver substeps (a re-play costs a quarter of the solver's work), and the match's
///   seed moves each kick-off's ball and the computer's reaction and timing.
pub const SIM_VERSION: u32 = 4;

/// The oldest version the simulation still plays: stored records of versions
/// `OLDEST_SIM_VERSION..=SIM_VERSION` can be watched and audited; only [`SIM_VERSION`] can be
/// submitted.
pub const OLDEST_SIM_VERSION: u32 = 3;

/// The most ticks a record may hold: a match ends at the time limit.
pub const MAX_FRAMES: u32 = MATCH_TICKS;

/// The longest `inputs` text: every tick a run of its own with two sides recorded is 3 bytes a
/// tick, 4 characters of base64.
pub const MAX_INPUTS_LEN: usize = MAX_FRAMES as usize * 4;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchRecord {
    /// [`SIM_VERSION`] of the game that played the match.
    pub sim_version: u32,
    pub mode: GameMode,
    /// The match's seed, from its ticket (0 in records of version 3, which had none).
    #[serde(default)]
    pub seed: u32,
    /// Ticks played; equals the number of input frames.
    pub ticks: u32,
    /// Run-length encoded, base64 input frames (see the module docs).
    pub inputs: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("the inputs are not valid base64")]
    Base64,
    #[error("the inputs are longer than any match ({MAX_INPUTS_LEN} characters at most)")]
    TooLarge,
    #[error("the inputs end in the middle of a run")]
    Truncated,
    #[error("a run is empty")]
    EmptyRun,
    #[error("the inputs hold more ticks than a match lasts ({MAX_FRAMES})")]
    TooManyTicks,
    #[error("an input byte has unknown bits")]
    UnknownBits,
    #[error("the record says {declared} ticks but holds {actual}")]
    TickCount { declared: u32, actual: u32 },
    #[error(
        "the record was made by game version {0}; this game plays versions \
         {OLDEST_SIM_VERSION} to {SIM_VERSION}"
    )]
    Version(u32),
}

/// How many sides a record of `mode` holds: the people's, never the computer's.
pub fn recorded_sides(mode: GameMode) -> usize {
    match mode {
        GameMode::VsComputer { .. } => 1,
        GameMode::LocalTwoPlayer => 2,
    }
}

/// Encodes `[left, right]` input frames, keeping the first `sides` of each.
pub fn encode_inputs(frames: &[[u8; 2]], sides: usize) -> String {
    let recorded = |frame: &[u8; 2]| -> [u8; 2] {
        let mut kept = *frame;
        kept[sides..].fill(0);
        kept
    };
    let mut bytes = Vec::new();
    let mut index = 0;
    while index < frames.len() {
        let frame = recorded(&frames[index]);
        let run = frames[index..]
            .iter()
            .take_while(|f| recorded(f) == frame)
            .count();
        let mut length = run as u32;
        loop {
            let low = (length & 0x7f) as u8;
            length >>= 7;
            if length == 0 {
                bytes.push(low);
                break;
            }
            bytes.push(low | 0x80);
        }
        bytes.extend_from_slice(&frame[..sides]);
        index += run;
    }
    BASE64.encode(&bytes)
}

/// Decodes what [`encode_inputs`] wrote, refusing anything malformed. Sides that were not
/// recorded come back as 0.
pub fn decode_inputs(text: &str, sides: usize) -> Result<Vec<[u8; 2]>, RecordError> {
    if text.len() > MAX_INPUTS_LEN {
        return Err(RecordError::TooLarge);
    }
    let bytes = BASE64
        .decode(text.as_bytes())
        .map_err(|_| RecordError::Base64)?;
    let mut frames = Vec::new();
    let mut position = 0;
    while position < bytes.len() {
        let mut length: u32 = 0;
        let mut shift = 0;
        loop {
            let byte = *bytes.get(position).ok_or(RecordError::Truncated)?;
            position += 1;
            if shift > 21 {
                return Err(RecordError::TooManyTicks);
            }
            length |= u32::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        let mut frame = [0u8; 2];
        for slot in frame.iter_mut().take(sides) {
            *slot = *bytes.get(position).ok_or(RecordError::Truncated)?;
            position += 1;
        }
        if frame.iter().any(|b| b & !input::ALL != 0) {
            return Err(RecordError::UnknownBits);
        }
        if length == 0 {
            return Err(RecordError::EmptyRun);
        }
        if frames.len() as u32 + length > MAX_FRAMES {
            return Err(RecordError::TooManyTicks);
        }
        frames.extend(std::iter::repeat_n(frame, length as usize));
    }
    Ok(frames)
}

impl MatchRecord {
    /// The record of a match played now, by this game, with `seed`.
    pub fn new(mode: GameMode, seed: u32, frames: &[[u8; 2]]) -> Self {
        Self {
            sim_version: SIM_VERSION,
            mode,
            seed,
            ticks: frames.len() as u32,
            inputs: encode_inputs(frames, recorded_sides(mode)),
        }
    }

    /// The frames, checked against the versions the game plays and the declared tick count.
    pub fn frames(&self) -> Result<Vec<[u8; 2]>, RecordError> {
        if !(OLDEST_SIM_VERSION..=SIM_VERSION).contains(&self.sim_version) {
            return Err(RecordError::Version(self.sim_version));
        }
        if self.ticks > MAX_FRAMES {
            return Err(RecordError::TooManyTicks);
        }
        let frames = decode_inputs(&self.inputs, recorded_sides(self.mode))?;
        if frames.len() as u32 != self.ticks {
            return Err(RecordError::TickCount {
                declared: self.ticks,
                actual: frames.len() as u32,
            });
        }
        Ok(frames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Difficulty;

    #[test]
    fn inputs_round_trip_and_runs_compress() {
        let mut frames = vec![[0u8, 0u8]; 500];
        frames.extend(vec![[input::LEFT, input::RIGHT | input::JUMP_HELD]; 300]);
        frames.push([input::KICK_PRESSED, 0]);
        let record = MatchRecord::new(
            GameMode::VsComputer {
                difficulty: Difficulty::Hard,
            },
            7,
            &frames,
        );
        // Against the computer only the human's side is kept.
        let human: Vec<[u8; 2]> = frames.iter().map(|[left, _]| [*left, 0]).collect();
        assert_eq!(record.frames().unwrap(), human);
        assert!(record.inputs.len() < 20, "{}", record.inputs);
        let two = MatchRecord::new(GameMode::LocalTwoPlayer, 0, &frames);
        assert_eq!(two.frames().unwrap(), frames);
    }

    #[test]
    fn the_largest_possible_record_fits_the_cap() {
        // Every tick different, both sides: the worst case for the run-length encoding.
        let frames: Vec<[u8; 2]> = (0..MAX_FRAMES)
            .map(|tick| [(tick % 2) as u8, input::LEFT])
            .collect();
        let record = MatchRecord::new(GameMode::LocalTwoPlayer, 0, &frames);
        assert_eq!(record.inputs.len(), MAX_INPUTS_LEN);
        assert_eq!(record.frames().unwrap(), frames);
        let mut longer = frames.clone();
        longer.push([0, 0]);
        let too_long = MatchRecord::new(GameMode::LocalTwoPlayer, 0, &longer);
        assert_eq!(too_long.frames(), Err(RecordError::TooManyTicks));
    }

    #[test]
    fn malformed_records_are_refused() {
        assert_eq!(decode_inputs("!!!", 2), Err(RecordError::Base64));
        assert_eq!(
            decode_inputs(&BASE64.encode(&[5, 0]), 2),
            Err(RecordError::Truncated)
        );
        assert_eq!(
            decode_inputs(&BASE64.encode(&[0, 0, 0]), 2),
            Err(RecordError::EmptyRun)
        );
        assert_eq!(
            decode_inputs(&BASE64.encode(&[1, 0x80, 0]), 2),
            Err(RecordError::UnknownBits)
        );
        assert_eq!(
            decode_inputs(&BASE64.encode(&[0xff, 0xff, 0x7f, 0, 0]), 2),
            Err(RecordError::TooManyTicks)
        );
        assert_eq!(
            decode_inputs(&"A".repeat(MAX_INPUTS_LEN + 4), 2),
            Err(RecordError::TooLarge)
        );
        let mut old = MatchRecord::new(GameMode::LocalTwoPlayer, 0, &[[0, 0]; 3]);
        old.sim_version = OLDEST_SIM_VERSION - 1;
        assert_eq!(
            old.frames(),
            Err(RecordError::Version(OLDEST_SIM_VERSION - 1))
        );
        old.sim_version = SIM_VERSION + 1;
        assert_eq!(old.frames(), Err(RecordError::Version(SIM_VERSION + 1)));
        // Older versions the game still plays decode (to be watched and audited).
        old.sim_version = OLDEST_SIM_VERSION;
        assert!(old.frames().is_ok());
        let mut record = MatchRecord::new(GameMode::LocalTwoPlayer, 0, &[[0, 0]; 3]);
        record.ticks = 4;
        assert_eq!(
            record.frames(),
            Err(RecordError::TickCount {
                declared: 4,
                actual: 3
            })
        );
    }
}
