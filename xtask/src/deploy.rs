//! The deployment checks: the Nix code (`scripts/check-nix.sh`), the NixOS module's
//! plain-data parts rendered and checked with systemd-analyze and nginx
//! (`scripts/check-deploy.sh`), and the VM tests' own scripts run against the module's units
//! under real systemd in containers (`nixos/containers/run.py`). What needs nixpkgs itself
//! (building, the VM tests in VMs) runs in `nix flake check` on a machine with internet.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::process::{run_command, target_dir, workspace_root};
use crate::test::{Totals, run_counting};

/// Installs what the checks need, where it is missing; also what the Rust tests of the
/// deployment's scripts run (rclone for the backup's off-host copy), so it runs before them.
pub fn install_tools() -> anyhow::Result<()> {
    run_command(&mut Command::new(
        workspace_root().join("scripts/install-deploy-tools.sh"),
    ))
}

/// `database_url`: a database the real backend may use while nginx serves in front of it.
pub fn checks(database_url: &str) -> anyhow::Result<()> {
    let scripts = workspace_root().join("scripts");
    run_command(&mut Command::new(scripts.join("check-nix.sh")))?;
    // The unit file points at a real binary: systemd-analyze verify checks ExecStart.
    run_command(
        Command::new(scripts.join("check-deploy.sh"))
            .arg(target_dir().join("debug/stellar-heads-backend"))
            .env("DATABASE_URL", database_url),
    )
}

/// nixpkgs' lib and the NixOS reference sources: from the environment (`NIXPKGS_LIB`,
/// `NIXOS_REFERENCE`), else the copies in `../shared` beside the clone (CI's machines).
fn shared_source(variable: &str, beside: &str) -> Option<PathBuf> {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .or_else(|| Some(workspace_root().join("..").join(beside)))
        .filter(|path| path.is_dir())
}

/// The VM tests' scenarios in systemd-nspawn containers, each a line
/// `SCENARIO: N passed, M failed` (one per subtest). `dist`: the built web root.
pub fn container_scenarios(dist: &Path) -> anyhow::Result<Totals> {
    let (Some(lib), Some(reference)) = (
        shared_source("NIXPKGS_LIB", "shared/nixpkgs-lib/lib"),
        shared_source("NIXOS_REFERENCE", "shared/nixos-reference"),
    ) else {
        eprintln!(
            "xtask: SKIPPED the container scenarios: set NIXPKGS_LIB (a nixpkgs lib/) and \
             NIXOS_REFERENCE (nixos-reference: NixOS's systemd-lib.nix and test driver), or \
             put them in ../shared"
        );
        return Ok(Totals::default());
    };
    let containers = workspace_root().join("nixos/containers");
    let mut totals = Totals::default();
    // The VM tests' scripts as Nix generates them: Python that parses and type-checks.
    let mut check = Command::new("python3");
    check
        .arg(containers.join("run.py"))
        .arg("check-scripts")
        .arg("--nixpkgs-lib")
        .arg(&lib)
        .arg("--nixos-reference")
        .arg(&reference);
    let checked = run_counting(&mut check, scenario_summary)?;
    totals.passed += checked.passed;
    // Containers, network namespaces and overlay mounts need root.
    let uid = Command::new("id").arg("-u").output()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        eprintln!("xtask: SKIPPED the container scenarios: they need root (systemd-nspawn)");
        return Ok(totals);
    }
    // The containers' Debian root, built once (a few minutes) and cached outside the clone.
    let output = Command::new(containers.join("rootfs.sh"))
        .stderr(Stdio::inherit())
        .output()?;
    anyhow::ensure!(output.status.success(), "nixos/containers/rootfs.sh failed");
    let rootfs = String::from_utf8(output.stdout)?.trim().to_owned();
    // The driver itself: broken units, closed ports, hung commands and unbootable
    // containers end in bounded time with their evidence, and nothing is left behind.
    let mut selftest = Command::new("python3");
    selftest
        .arg(containers.join("run.py"))
        .arg("selftest")
        .arg("--rootfs")
        .arg(&rootfs);
    let checked = run_counting(&mut selftest, scenario_summary)?;
    totals.passed += checked.passed;
    let debug = target_dir().join("debug");
    for scenario in ["single-host", "scale-out"] {
        let mut command = Command::new("python3");
        command
            .arg(containers.join("run.py"))
            .arg(scenario)
            .arg("--rootfs")
            .arg(&rootfs)
            .arg("--backend")
            .arg(debug.join("stellar-heads-backend"))
            .arg("--genuine-match")
            .arg(debug.join("stellar-heads-genuine-match"))
            .arg("--web-root")
            .arg(dist)
            .arg("--nixpkgs-lib")
            .arg(&lib)
            .arg("--nixos-reference")
            .arg(&reference);
        let result = run_counting(&mut command, scenario_summary)?;
        totals.passed += result.passed;
        totals.failed += result.failed;
    }
    Ok(totals)
}

/// `single-host: 11 passed, 0 failed`
fn scenario_summary(line: &str, totals: &mut Totals) {
    let Some((name, counts)) = line.split_once(": ") else {
        return;
    };
    if name.contains(char::is_whitespace) {
        return;
    }
    let mut parts = counts.split(", ");
    let number = |part: Option<&str>, label: &str| {
        part.and_then(|part| part.strip_suffix(label))
            .and_then(|number| number.parse::<u64>().ok())
    };
    if let (Some(passed), Some(failed)) = (
        number(parts.next(), " passed"),
        number(parts.next(), " failed"),
    ) {
        totals.passed += passed;
        totals.failed += failed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scenario_summaries() {
        let mut totals = Totals::default();
        for line in [
            "single-host: 11 passed, 1 failed",
            "[12:00:01] server: must succeed: echo 1 passed, 2 failed",
            "single-host: 120 s",
        ] {
            scenario_summary(line, &mut totals);
        }
        assert_eq!((totals.passed, totals.failed), (11, 1));
    }
}
