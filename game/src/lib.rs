//! The Stellar Heads game. The simulation, rendering and browser glue arrive with the game
//! issue; for now the crate exists so the workspace has its final shape.
