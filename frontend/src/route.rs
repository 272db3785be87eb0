//! The site's pages and their paths.

use yew_router::Routable;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Routable)]
pub enum Route {
    #[at("/")]
    Home,
    #[at("/signup")]
    SignUp,
    #[at("/signin")]
    SignIn,
    #[at("/verify")]
    Verify,
    #[at("/play")]
    Play,
    #[at("/leaderboard")]
    Leaderboard,
    #[at("/matches")]
    Matches,
    #[not_found]
    #[at("/404")]
    NotFound,
}
