//! The `stellar-heads-genuine-match` binary, as the browser tests run it: its JSON is a
//! result submission whose record re-plays to the score it claims. (Building it here also
//! puts it in the target directory with the test suite's features, so `cargo xtask test`
//! need not build it again.)

use std::process::Command;

use protocol::GameMode;
use protocol::api::MatchResultSubmission;
use stellar_heads_game::replay::replay;

#[test]
fn prints_a_match_that_replays_to_its_claimed_score() {
    let output = Command::new(env!("CARGO_BIN_EXE_stellar-heads-genuine-match"))
        .args(["--seed", "4000000000"])
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "{output:?}");
    let printed: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("one JSON object");
    let mode: GameMode = serde_json::from_value(printed["mode"].clone()).expect("a mode");
    let result: MatchResultSubmission =
        serde_json::from_value(printed["result"].clone()).expect("a result submission");
    assert!(mode.is_ranked());
    assert_eq!(result.record.mode, mode);
    assert_eq!(result.record.seed, 4_000_000_000);
    let replayed = replay(&result.record).expect("the record replays");
    assert_eq!(
        (replayed.left, replayed.right),
        (result.player_score, result.opponent_score)
    );
}
