//! `cargo xtask test`: formatting, lints, every Rust test, the offline Nix and deployment
//! checks, then the web build and the browser tests, with one throwaway PostgreSQL cluster
//! shared by all of them (each Rust test still gets its own database), and last the
//! reproducibility check.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use clap::Args;
use pg_harness::{ADMIN_URL_VAR, Cluster, ClusterOptions};

use crate::process::{cargo, describe, run_command};
use crate::{deploy, web};

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Skip `cargo fmt --check` and clippy.
    #[arg(long)]
    no_lint: bool,
    /// Skip the web build and the browser tests.
    #[arg(long)]
    no_browser: bool,
    /// Only the web build and the browser tests.
    #[arg(long, conflicts_with_all = ["no_browser", "no_deploy"])]
    only_browser: bool,
    /// Skip the offline Nix and deployment checks.
    #[arg(long)]
    no_deploy: bool,
    /// Skip the reproducibility check (every artifact built again at another path).
    #[arg(long)]
    no_repro: bool,
}

pub fn run(args: TestArgs) -> anyhow::Result<()> {
    if !args.no_lint && !args.only_browser {
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
    let mut totals = Totals::default();
    if args.only_browser {
        // The browser tests need the server binary that `cargo test` would have built.
        run_command(cargo().args(["build", "--locked", "--package", "stellar-heads-backend"]))?;
    } else {
        if !args.no_deploy {
            deploy::install_tools()?;
        }
        let mut command = cargo();
        command
            .args(["test", "--workspace", "--locked"])
            .env(ADMIN_URL_VAR, cluster.admin_url());
        totals = run_counting(&mut command, cargo_summary)?;
        if !args.no_deploy {
            deploy::checks(&cluster.admin_url())?;
        }
    }
    if !args.no_browser {
        web::install_tools()?;
        let dist = web::build_web()?;
        let browser = web::browser_tests(&dist, &cluster.admin_url(), !args.only_browser)?;
        totals.passed += browser.passed;
        totals.failed += browser.failed;
        if !args.no_deploy && !args.only_browser {
            // The deployment under real systemd needs the built web root.
            let containers = deploy::container_scenarios(&dist)?;
            totals.passed += containers.passed;
            totals.failed += containers.failed;
        }
        if !args.no_repro && !args.only_browser {
            web::check_reproducible()?;
        }
    }
    println!("tests: {} passed, {} failed", totals.passed, totals.failed);
    Ok(())
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    pub passed: u64,
    pub failed: u64,
}

/// Runs a test command, passing its output through, and adds up its summary lines with
/// `summary`.
pub fn run_counting(
    command: &mut Command,
    summary: fn(&str, &mut Totals),
) -> anyhow::Result<Totals> {
    eprintln!("xtask: $ {}", describe(command));
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", describe(command)))?;
    let stdout = child.stdout.take().expect("piped");
    let mut totals = Totals::default();
    let mut out = std::io::stdout().lock();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        writeln!(out, "{line}")?;
        summary(&line, &mut totals);
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

/// `test result: ok. 11 passed; 0 failed; ...`
pub fn cargo_summary(line: &str, totals: &mut Totals) {
    if let Some(rest) = line.strip_prefix("test result: ") {
        totals.passed += count_before(rest, " passed");
        totals.failed += count_before(rest, " failed");
    }
}

/// node's spec reporter ends with `ℹ pass 2` and `ℹ fail 0`.
pub fn node_summary(line: &str, totals: &mut Totals) {
    let mut words = line.split_whitespace().skip(1);
    match (
        words.next(),
        words.next().and_then(|n| n.parse::<u64>().ok()),
    ) {
        (Some("pass"), Some(n)) => totals.passed += n,
        (Some("fail"), Some(n)) => totals.failed += n,
        _ => {}
    }
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
    use super::*;

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

    #[test]
    fn reads_node_test_summaries() {
        let mut totals = Totals::default();
        for line in ["ℹ tests 3", "ℹ pass 2", "ℹ fail 1", "✔ passes (1.2ms)"] {
            node_summary(line, &mut totals);
        }
        assert_eq!((totals.passed, totals.failed), (2, 1));
    }
}
