//! `stellar-heads-genuine-match --seed N`: prints, as JSON, a real match played headless with
//! the seed of a started match's ticket (the player stands still against the normal
//! computer) and its result submission, for clients that cannot play a match themselves
//! (the browser tests' and the deployment tests' API calls).

use clap::Parser;

#[derive(Debug, Parser)]
struct Args {
    /// The match's seed, from its ticket (`POST /api/matches`).
    #[arg(long)]
    seed: u32,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let result = loadgen::load::genuine_match(args.seed);
    println!(
        "{}",
        serde_json::json!({ "mode": loadgen::load::GENUINE_MODE, "result": *result })
    );
    Ok(())
}
