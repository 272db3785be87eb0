//! Messages between the web page and the game running in its iframe (`window.postMessage`).
//!
//! Both sides send only to the other's exact origin and drop messages from any other origin
//! or window. Every message is JSON `{"type": ..., "data": ...}`.

use serde::{Deserialize, Serialize};

use crate::account::StellarAccountId;
use uuid::Uuid;

use crate::api::MatchResultSubmission;
use crate::record::MatchRecord;
use crate::rules::{GameMode, Outcome};
use crate::username::Username;

/// Bumped on any incompatible change; the game announces it in `Ready`.
pub const PROTOCOL_VERSION: u32 = 3;

/// Who plays on the left side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerIdentity {
    pub username: Username,
    /// Absent for a practice match without an account.
    #[serde(default)]
    pub wallet_address: Option<StellarAccountId>,
}

/// Page -> game.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum PageToGame {
    /// Who is playing and how; the game waits for this before the title screen allows a start.
    Start {
        player: PlayerIdentity,
        mode: GameMode,
    },
    /// The server started the match the game asked for (`KickoffRequested`): play it under
    /// this id, with this seed (the ticket's).
    Kickoff { match_id: Uuid, seed: u32 },
    /// The match could not be started; the game shows why and stays on its screen.
    KickoffRefused { message: String },
    /// Play a stored match back instead of playing: who played it, and its record.
    Watch {
        player_name: String,
        record: MatchRecord,
    },
    /// Pause or resume a playback, and its speed (1, 2 or 4 times real time).
    Playback { paused: bool, speed: u8 },
}

/// A side of the pitch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Left,
    Right,
}

/// Game -> page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum GameToPage {
    /// The game has loaded and listens for `Start` or `Watch`. `sim_version` is the
    /// simulation it plays ([`crate::record::SIM_VERSION`] of its build).
    Ready {
        protocol_version: u32,
        sim_version: u32,
    },
    /// The player wants to kick off (or restart, or play a rematch): the page asks the
    /// server to start a match and answers `Kickoff` or `KickoffRefused`.
    KickoffRequested,
    /// A goal was scored; the score after it.
    Goal { scorer: Side, left: u8, right: u8 },
    /// The match is over: its id, what the page submits to the API (the score and the record
    /// that replays it), and the outcome for display.
    MatchFinished {
        match_id: Uuid,
        result: MatchResultSubmission,
        outcome: Outcome,
    },
    /// A playback (`Watch`) reached its end, on this score.
    ReplayFinished { left: u8, right: u8, ticks: u32 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_a_type_and_data() {
        let json = serde_json::to_value(GameToPage::Ready {
            protocol_version: 2,
            sim_version: 7,
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "ready", "data": {"protocol_version": 2, "sim_version": 7}})
        );
        let json = serde_json::to_value(GameToPage::KickoffRequested).unwrap();
        assert_eq!(json, serde_json::json!({"type": "kickoff_requested"}));
    }

    #[test]
    fn unknown_message_types_are_rejected() {
        let result = serde_json::from_str::<PageToGame>(r#"{"type":"cheat","data":{}}"#);
        assert!(result.is_err());
    }
}
