//! Pieces several pages use.

pub mod controls;
pub mod field;
pub mod notice;
pub mod require_session;
pub mod wallet_proof;
