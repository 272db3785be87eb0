//! `cargo xtask test`: formatting, lints and every test, with one throwaway PostgreSQL
//! cluster shared by all test processes (each test still gets its own database).

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use anyhow::{Context, bail};
use clap::Args;
use pg_harness::{ADMIN_URL_VAR, Cluster, ClusterOptions};

use crate::process::{cargo, describe, run_command};

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Skip `cargo fmt --check` and clippy.
    #[arg(long)]
    no_lint: bool,
}

pub fn run(args: TestArgs) -> anyhow::Result<()> {
    if !args.no_lint {
        run_command(cargo().args(["fmt", "--all", "--check"]))?;
        run_command(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "--deny",
            "warnings",
        ]))?;
    }
    let cluster = Cluster::start(ClusterOptions::default())?;
    eprintln!(
        "xtask: throwaway PostgreSQL at {}",
        cluster.socket_dir().display()
    );
    let mut command = cargo();
    command
        .args(["test", "--workspace", "--locked"])
        .env(ADMIN_URL_VAR, cluster.admin_url());
    let totals = run_counting_tests(&mut command)?;
    println!("tests: {} passed, {} failed", totals.passed, totals.failed);
    Ok(())
}

#[derive(Debug, Default)]
struct Totals {
    passed: u64,
    failed: u64,
}

/// Runs `cargo test`, passing its output through, and adds up its `test result:` lines.
fn run_counting_tests(command: &mut std::process::Command) -> anyhow::Result<Totals> {
    eprintln!("xtask: $ {}", describe(command));
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot run cargo test")?;
    let stdout = child.stdout.take().expect("piped");
    let mut totals = Totals::default();
    let mut out = std::io::stdout().lock();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        writeln!(out, "{line}")?;
        if let Some(rest) = line.strip_prefix("test result: ") {
            totals.passed += count_before(rest, " passed");
            totals.failed += count_before(rest, " failed");
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!(
            "`{}` failed ({status}); {} passed, {} failed",
            describe(command),
            totals.passed,
            totals.failed
        );
    }
    Ok(totals)
}

/// In "ok. 11 passed; 0 failed; ...", the number before `label`.
fn count_before(text: &str, label: &str) -> u64 {
    text.split(';')
        .find_map(|part| {
            part.trim()
                .trim_start_matches("ok. ")
                .trim_start_matches("FAILED. ")
                .strip_suffix(label)
        })
        .and_then(|number| number.trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::count_before;

    #[test]
    fn reads_cargo_test_summaries() {
        let line =
            "ok. 11 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.04s";
        assert_eq!(count_before(line, " passed"), 11);
        assert_eq!(count_before(line, " failed"), 2);
        assert_eq!(
            count_before("FAILED. 3 passed; 1 failed; 0 ignored", " failed"),
            1
        );
    }
}
