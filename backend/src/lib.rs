//! The Stellar Heads API server.

pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod extract;
pub mod players;
pub mod request_id;
pub mod routes;
pub mod server;
pub mod state;
pub mod telemetry;
pub mod web;
