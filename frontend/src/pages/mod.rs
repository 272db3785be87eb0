//! One module per page (see `route::Route`).

pub mod home;
pub mod leaderboard;
pub mod matches;
pub mod not_found;
pub mod play;
pub mod sign_in;
pub mod sign_up;
pub mod watch;
