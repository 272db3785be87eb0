//! How game data reads on the page.

use protocol::account::StellarAccountId;
use protocol::rules::{Difficulty, GameMode, Outcome, TICKS_PER_SECOND};
use time::OffsetDateTime;
use time::macros::format_description;

pub fn mode(mode: GameMode) -> &'static str {
    match mode {
        GameMode::VsComputer {
            difficulty: Difficulty::Easy,
        } => "vs computer (easy)",
        GameMode::VsComputer {
            difficulty: Difficulty::Normal,
        } => "vs computer (normal)",
        GameMode::VsComputer {
            difficulty: Difficulty::Hard,
        } => "vs computer (hard)",
        GameMode::LocalTwoPlayer => "two players, one keyboard",
    }
}

pub fn outcome(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Win => "Win",
        Outcome::Draw => "Draw",
        Outcome::Loss => "Loss",
    }
}

/// `GA7Q…VSGZ`: enough to recognise an address, short enough for a table.
pub fn short_address(address: &StellarAccountId) -> String {
    let text = address.to_string();
    format!("{}…{}", &text[..4], &text[text.len() - 4..])
}

/// Match length as `m:ss`.
pub fn duration(ticks: u32) -> String {
    let seconds = ticks / TICKS_PER_SECOND;
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

/// `2026-11-22 14:03 UTC`.
pub fn date_time(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default()
}

/// An error as a sentence on the page: "the name is too short" -> "The name is too short.".
pub fn sentence(error: &impl std::fmt::Display) -> String {
    let text = error.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>() + ".",
        None => String::new(),
    }
}

/// `+3`, `0`, `-2`.
pub fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_for_people() {
        let address: StellarAccountId = "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ"
            .parse()
            .unwrap();
        assert_eq!(short_address(&address), "GA7Q…VSGZ");
        assert_eq!(duration(10_800), "3:00");
        assert_eq!(duration(3_050), "0:50");
        assert_eq!(signed(3), "+3");
        assert_eq!(signed(-2), "-2");
        assert_eq!(
            date_time(OffsetDateTime::from_unix_timestamp(1_795_356_180).unwrap()),
            "2026-11-22 14:03 UTC"
        );
        assert_eq!(mode(GameMode::LocalTwoPlayer), "two players, one keyboard");
    }
}
