//! The Stellar Heads web site. Built for the browser with trunk (`scripts/build-frontend.sh`).

#[cfg(target_arch = "wasm32")]
fn main() {
    stellar_heads_frontend::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "the Stellar Heads frontend runs in a browser: build it with scripts/build-frontend.sh \
         and serve dist/ (cargo xtask dev does both)"
    );
    std::process::exit(2);
}
