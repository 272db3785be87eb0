use yew::prelude::*;
use yew_router::prelude::Link;

use crate::route::Route;

#[function_component(NotFound)]
pub fn not_found() -> Html {
    html! {
        <section class="card narrow center" id="not-found">
            <p class="big-number">{ "404" }</p>
            <h1>{ "This page is off the pitch" }</h1>
            <p class="muted">{ "The address may be mistyped, or the page has moved." }</p>
            <Link<Route> to={Route::Home} classes="button primary">{ "Back to the home page" }</Link<Route>>
        </section>
    }
}
