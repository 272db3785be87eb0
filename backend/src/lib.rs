//! The Stellar Heads API server.

pub mod app;
pub mod audit;
pub mod auth;
pub mod client_ip;
pub mod config;
pub mod db;
pub mod error;
pub mod extract;
pub mod health_check;
pub mod metrics;
pub mod players;
pub mod ranking;
pub mod rate_limit;
pub mod request_id;
pub mod routes;
pub mod security_headers;
pub mod server;
pub mod state;
pub mod telemetry;
pub mod tickets;
pub mod verify;
pub mod web;
