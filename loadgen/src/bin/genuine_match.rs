//! `stellar-heads-genuine-match`: prints, as JSON, a real match played headless (the player
//! stands still against the normal computer) and its result submission, for clients that
//! cannot play a match themselves (the browser tests' API calls).

fn main() -> anyhow::Result<()> {
    let (mode, result) = loadgen::load::genuine_match();
    println!("{}", serde_json::json!({ "mode": mode, "result": result }));
    Ok(())
}
