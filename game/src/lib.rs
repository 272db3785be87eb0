//! Stellar Heads: head soccer in the browser.
//!
//! - [`sim`]: the deterministic simulation (physics, rules, the computer opponent), headless.
//! - [`interpolation`]: bodies drawn between fixed ticks (the web build's looks).
//! - [`replay`]: re-runs a recorded match headless and returns its final score.
//! - `web` (wasm32 only): rendering, keyboard input, screens and the page bridge.

pub mod interpolation;
pub mod replay;
pub mod sim;

#[cfg(target_arch = "wasm32")]
mod web;
