//! Player names as they appear on the leaderboard.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

pub const USERNAME_MIN_LEN: usize = 3;
pub const USERNAME_MAX_LEN: usize = 20;

/// A leaderboard name: 3 to 20 characters from `A-Z a-z 0-9 _ -`, starting with a letter or
/// digit. ASCII only, so that two names that look the same are the same; uniqueness is
/// case-insensitive (enforced by the database on `lower(username)`).
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("the name is too short: at least {USERNAME_MIN_LEN} characters")]
    TooShort,
    #[error("the name is too long: at most {USERNAME_MAX_LEN} characters")]
    TooLong,
    #[error("'{0}' is not allowed in a name: use letters, digits, '_' or '-'")]
    InvalidCharacter(char),
    #[error("a name must start with a letter or a digit")]
    BadStart,
}

impl Username {
    pub fn parse(text: &str) -> Result<Self, UsernameError> {
        let length = text.chars().count();
        if length < USERNAME_MIN_LEN {
            return Err(UsernameError::TooShort);
        }
        if length > USERNAME_MAX_LEN {
            return Err(UsernameError::TooLong);
        }
        if let Some(bad) = text
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
        {
            return Err(UsernameError::InvalidCharacter(bad));
        }
        if !text.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(UsernameError::BadStart);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Username({})", self.0)
    }
}

impl<'de> Deserialize<'de> for Username {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for name in ["abc", "Player_1", "x-y-z", "9lives", "A2345678901234567890"] {
            assert_eq!(Username::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn rejects_with_a_reason() {
        assert_eq!(Username::parse("ab"), Err(UsernameError::TooShort));
        assert_eq!(
            Username::parse(&"a".repeat(21)),
            Err(UsernameError::TooLong)
        );
        assert_eq!(
            Username::parse("two words"),
            Err(UsernameError::InvalidCharacter(' '))
        );
        assert_eq!(
            Username::parse("pelé"),
            Err(UsernameError::InvalidCharacter('é'))
        );
        assert_eq!(Username::parse("_under"), Err(UsernameError::BadStart));
        assert_eq!(
            Username::parse("<script>"),
            Err(UsernameError::InvalidCharacter('<'))
        );
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // 20 multi-byte characters must fail on the character, not on a byte length.
        assert_eq!(
            Username::parse(&"é".repeat(20)),
            Err(UsernameError::InvalidCharacter('é'))
        );
    }
}
