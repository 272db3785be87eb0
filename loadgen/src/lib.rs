//! Drives a real Stellar Heads server process over real sockets: the load and fault tests
//! (`backend/tests/resilience.rs`) and the benchmark (`cargo xtask bench`) share it.

pub mod api;
pub mod bench;
pub mod leaderboard_bench;
pub mod load;
pub mod replay_bench;
pub mod server;
pub mod stats;
pub mod wallet;

pub use api::Api;
pub use load::{LoadConfig, LoadReport};
pub use server::{ListeningSocket, ServerOptions, ServerProcess};
pub use wallet::Wallet;
