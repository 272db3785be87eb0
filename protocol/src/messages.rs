//! Messages between the web page and the game running in its iframe (`window.postMessage`).
//!
//! Both sides send only to the other's exact origin and drop messages from any other origin
//! or window. Every message is JSON `{"type": ..., "data": ...}`.

use serde::{Deserialize, Serialize};

use crate::account::StellarAccountId;
use crate::api::MatchSubmission;
use crate::record::MatchRecord;
use crate::rules::{GameMode, Outcome};
use crate::username::Username;

/// Bumped on any incompatible change; the game announces it in `Ready`.
pub const PROTOCOL_VERSION: u32 = 1;

/// Who plays on the left side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerIdentity {
    pub username: Username,
    pub wallet_address: StellarAccountId,
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
    /// The game has loaded and listens for `Start`.
    Ready { protocol_version: u32 },
    /// A goal was scored; the score after it.
    Goal { scorer: Side, left: u8, right: u8 },
    /// The match is over: what the page submits to the API, the outcome for display, and the
    /// record that replays it.
    MatchFinished {
        submission: MatchSubmission,
        outcome: Outcome,
        record: MatchRecord,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_a_type_and_data() {
        let json = serde_json::to_value(GameToPage::Ready {
            protocol_version: 1,
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "ready", "data": {"protocol_version": 1}})
        );
    }

    #[test]
    fn unknown_message_types_are_rejected() {
        let result = serde_json::from_str::<PageToGame>(r#"{"type":"cheat","data":{}}"#);
        assert!(result.is_err());
    }
}
