//! The one source of truth for every type that crosses a boundary in Stellar Heads:
//! between the game and its page (postMessage), between the page and the backend (HTTP),
//! and between the backend and its clients (errors).

pub mod account;
pub mod api;
pub mod error;
pub mod messages;
pub mod record;
pub mod rules;
pub mod username;

pub use account::{AccountIdError, StellarAccountId};
pub use error::{ErrorBody, ErrorCode};
pub use rules::{Difficulty, GameMode, Outcome};
pub use username::{Username, UsernameError};
