//! The Stellar Heads web site: a Yew app around the game.
//!
//! - [`api`]: typed calls to the backend's JSON API, same origin, with its error body.
//! - [`session`]: the signed-in player, kept in `localStorage`, shared as a Yew context.
//! - [`pending`]: finished matches not yet stored by the server, kept until they are.
//! - [`game_frame`]: the page's half of the page <-> game message protocol.
//! - [`wallet`]: signing the server's challenge with the Freighter wallet extension.
//! - [`pages`] and [`components`]: what the player sees.

pub mod api;
pub mod app;
pub mod components;
pub mod format;
pub mod game_frame;
pub mod pages;
pub mod pending;
pub mod route;
pub mod session;
pub mod wallet;

/// Mounts the app on the page's `<body>`.
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}
