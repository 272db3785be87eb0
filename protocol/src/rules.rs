//! The rules of a match, shared by the game (which plays them) and the server (which checks
//! the results it is sent against them).

use serde::{Deserialize, Serialize};

/// First side to this many goals wins at once.
pub const GOALS_TO_WIN: u8 = 5;
/// Length of a match in seconds; on time-out the higher score wins, equal scores draw.
pub const MATCH_SECONDS: u32 = 180;
/// The simulation's fixed step.
pub const TICKS_PER_SECOND: u32 = 60;
/// A match that times out lasts exactly this many ticks.
pub const MATCH_TICKS: u32 = MATCH_SECONDS * TICKS_PER_SECOND;

/// The result of a match from the player's point of view, always derived from the scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Win,
    Loss,
    Draw,
}

impl Outcome {
    /// The only way to get an outcome: from the two scores. A client's "won" flag is never
    /// trusted (the original stored every draw as a loss because of one).
    pub fn from_scores(player: u8, opponent: u8) -> Self {
        match player.cmp(&opponent) {
            std::cmp::Ordering::Greater => Self::Win,
            std::cmp::Ordering::Less => Self::Loss,
            std::cmp::Ordering::Equal => Self::Draw,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Win => "win",
            Self::Loss => "loss",
            Self::Draw => "draw",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "win" => Some(Self::Win),
            "loss" => Some(Self::Loss),
            "draw" => Some(Self::Draw),
            _ => None,
        }
    }
}

/// How strong the computer opponent plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Difficulty {
    Easy,
    #[default]
    Normal,
    Hard,
}

impl Difficulty {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Easy => "easy",
            Self::Normal => "normal",
            Self::Hard => "hard",
        }
    }

    /// Leaderboard points are multiplied by this: beating the hard computer is worth three
    /// easy wins (the migration `fair_ranking` computes the same in SQL).
    pub fn points_weight(self) -> i64 {
        match self {
            Self::Easy => 1,
            Self::Normal => 2,
            Self::Hard => 3,
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "easy" => Some(Self::Easy),
            "normal" => Some(Self::Normal),
            "hard" => Some(Self::Hard),
            _ => None,
        }
    }
}

/// Who the signed-in player (always the left side) plays against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GameMode {
    /// Against the computer: ranked on the leaderboard.
    VsComputer { difficulty: Difficulty },
    /// Two people on one keyboard: kept in the history, never ranked (anyone can play both
    /// sides).
    LocalTwoPlayer,
}

impl GameMode {
    pub fn is_ranked(self) -> bool {
        matches!(self, Self::VsComputer { .. })
    }
}

/// Why a reported score and duration cannot come from a match played by these rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesViolation {
    #[error("a score cannot exceed {GOALS_TO_WIN}: the match ends at {GOALS_TO_WIN} goals")]
    ScoreTooHigh,
    #[error("both sides cannot reach {GOALS_TO_WIN}: the match ends at the first")]
    BothWon,
    #[error("a match lasts at most {MATCH_TICKS} ticks ({MATCH_SECONDS} s)")]
    TooLong,
    #[error(
        "nobody reached {GOALS_TO_WIN} goals, so the match must run the full {MATCH_TICKS} ticks"
    )]
    EndedEarly,
    #[error("{goals} goals cannot be scored in {ticks} ticks")]
    TooFast { goals: u32, ticks: u32 },
}

/// The least time between two goals: after a goal the players and ball reset, and the ball
/// needs time to travel. Half a second is far below anything playable yet rules out
/// fabricated results such as 5:0 in one tick.
pub const MIN_TICKS_PER_GOAL: u32 = TICKS_PER_SECOND / 2;

/// Checks that a final score and duration are possible under the rules.
pub fn check_final_score(player: u8, opponent: u8, ticks: u32) -> Result<(), RulesViolation> {
    if player > GOALS_TO_WIN || opponent > GOALS_TO_WIN {
        return Err(RulesViolation::ScoreTooHigh);
    }
    if player == GOALS_TO_WIN && opponent == GOALS_TO_WIN {
        return Err(RulesViolation::BothWon);
    }
    if ticks > MATCH_TICKS {
        return Err(RulesViolation::TooLong);
    }
    let someone_won_on_goals = player == GOALS_TO_WIN || opponent == GOALS_TO_WIN;
    if !someone_won_on_goals && ticks != MATCH_TICKS {
        return Err(RulesViolation::EndedEarly);
    }
    let goals = u32::from(player) + u32::from(opponent);
    if goals * MIN_TICKS_PER_GOAL > ticks {
        return Err(RulesViolation::TooFast { goals, ticks });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_comes_from_the_scores() {
        assert_eq!(Outcome::from_scores(3, 1), Outcome::Win);
        assert_eq!(Outcome::from_scores(0, 5), Outcome::Loss);
        assert_eq!(Outcome::from_scores(2, 2), Outcome::Draw);
        assert_eq!(Outcome::from_scores(0, 0), Outcome::Draw);
    }

    #[test]
    fn accepts_possible_results() {
        assert_eq!(check_final_score(5, 3, 60 * 90), Ok(()));
        assert_eq!(check_final_score(2, 2, MATCH_TICKS), Ok(()));
        assert_eq!(check_final_score(0, 0, MATCH_TICKS), Ok(()));
        assert_eq!(check_final_score(4, 5, MATCH_TICKS), Ok(()));
    }

    #[test]
    fn rejects_impossible_results() {
        assert_eq!(
            check_final_score(6, 0, 1000),
            Err(RulesViolation::ScoreTooHigh)
        );
        assert_eq!(check_final_score(5, 5, 1000), Err(RulesViolation::BothWon));
        assert_eq!(
            check_final_score(1, 0, MATCH_TICKS + 1),
            Err(RulesViolation::TooLong)
        );
        assert_eq!(
            check_final_score(1, 0, 600),
            Err(RulesViolation::EndedEarly)
        );
        assert_eq!(
            check_final_score(5, 0, 10),
            Err(RulesViolation::TooFast {
                goals: 5,
                ticks: 10
            })
        );
    }

    #[test]
    fn text_forms_round_trip() {
        for outcome in [Outcome::Win, Outcome::Loss, Outcome::Draw] {
            assert_eq!(Outcome::parse(outcome.as_str()), Some(outcome));
        }
        for difficulty in [Difficulty::Easy, Difficulty::Normal, Difficulty::Hard] {
            assert_eq!(Difficulty::parse(difficulty.as_str()), Some(difficulty));
        }
    }
}
