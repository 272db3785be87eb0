//! A compact record of a match: its settings and both sides' inputs for every tick. With
//! the deterministic simulation, replaying the record reproduces the match exactly, so a
//! result can be checked instead of trusted.
//!
//! Inputs are one byte per side per tick ([`input`] bits), run-length encoded as
//! `(run length as LEB128, left, right)` triples and then base64: a 180 s match (10,800
//! ticks, 21.6 KB raw) typically shrinks to a few KB.

use data_encoding::BASE64;
use serde::{Deserialize, Serialize};

use crate::rules::GameMode;

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

/// Version of the record format and of the simulation that plays it back.
pub const RECORD_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchRecord {
    pub version: u32,
    pub mode: GameMode,
    /// Ticks played; equals the number of input frames.
    pub ticks: u32,
    /// Run-length encoded, base64 input frames (see the module docs).
    pub inputs: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("the inputs are not valid base64")]
    Base64,
    #[error("the inputs end in the middle of a run")]
    Truncated,
    #[error("a run is empty or longer than a match")]
    BadRun,
    #[error("an input byte has unknown bits")]
    UnknownBits,
    #[error("the record says {declared} ticks but holds {actual}")]
    TickCount { declared: u32, actual: u32 },
    #[error("record version {0} is not supported")]
    Version(u32),
}

/// The most frames a record may hold: a little over one match, so a hostile record cannot
/// make a decoder allocate without bound.
pub const MAX_FRAMES: u32 = crate::rules::MATCH_TICKS + 60;

/// Encodes `[left, right]` input frames.
pub fn encode_inputs(frames: &[[u8; 2]]) -> String {
    let mut bytes = Vec::new();
    let mut index = 0;
    while index < frames.len() {
        let frame = frames[index];
        let run = frames[index..].iter().take_while(|f| **f == frame).count();
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
        bytes.extend_from_slice(&frame);
        index += run;
    }
    BASE64.encode(&bytes)
}

/// Decodes what [`encode_inputs`] wrote, refusing anything malformed.
pub fn decode_inputs(text: &str) -> Result<Vec<[u8; 2]>, RecordError> {
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
                return Err(RecordError::BadRun);
            }
            length |= u32::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        let frame = [
            *bytes.get(position).ok_or(RecordError::Truncated)?,
            *bytes.get(position + 1).ok_or(RecordError::Truncated)?,
        ];
        position += 2;
        if frame.iter().any(|b| b & !input::ALL != 0) {
            return Err(RecordError::UnknownBits);
        }
        if length == 0 || frames.len() as u32 + length > MAX_FRAMES {
            return Err(RecordError::BadRun);
        }
        frames.extend(std::iter::repeat_n(frame, length as usize));
    }
    Ok(frames)
}

impl MatchRecord {
    pub fn new(mode: GameMode, frames: &[[u8; 2]]) -> Self {
        Self {
            version: RECORD_VERSION,
            mode,
            ticks: frames.len() as u32,
            inputs: encode_inputs(frames),
        }
    }

    /// The frames, checked against the declared version and tick count.
    pub fn frames(&self) -> Result<Vec<[u8; 2]>, RecordError> {
        if self.version != RECORD_VERSION {
            return Err(RecordError::Version(self.version));
        }
        let frames = decode_inputs(&self.inputs)?;
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
            &frames,
        );
        assert_eq!(record.frames().unwrap(), frames);
        assert!(record.inputs.len() < 20, "{}", record.inputs);
    }

    #[test]
    fn malformed_records_are_refused() {
        assert_eq!(decode_inputs("!!!"), Err(RecordError::Base64));
        assert_eq!(
            decode_inputs(&BASE64.encode(&[5, 0])),
            Err(RecordError::Truncated)
        );
        assert_eq!(
            decode_inputs(&BASE64.encode(&[0, 0, 0])),
            Err(RecordError::BadRun)
        );
        assert_eq!(
            decode_inputs(&BASE64.encode(&[1, 0x80, 0])),
            Err(RecordError::UnknownBits)
        );
        assert_eq!(
            decode_inputs(&BASE64.encode(&[0xff, 0xff, 0x7f, 0, 0])),
            Err(RecordError::BadRun)
        );
        let mut record = MatchRecord::new(GameMode::LocalTwoPlayer, &[[0, 0]; 3]);
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
