//! The site's pages and their paths.

use uuid::Uuid;
use yew_router::Routable;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Routable)]
pub enum Route {
    #[at("/")]
    Home,
    #[at("/signup")]
    SignUp,
    #[at("/signin")]
    SignIn,
    #[at("/play")]
    Play,
    #[at("/leaderboard")]
    Leaderboard,
    #[at("/matches")]
    Matches,
    /// A stored ranked match played back from its record.
    #[at("/watch/:match_id")]
    Watch { match_id: Uuid },
    #[not_found]
    #[at("/404")]
    NotFound,
}
