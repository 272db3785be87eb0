//! The Stellar Heads web site (Yew). Arrives with the frontend issue; for now the crate exists
//! so the workspace has its final shape.
