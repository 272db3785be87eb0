//! The offline deployment checks: the Nix code (`scripts/check-nix.sh`) and the NixOS
//! module's plain-data parts rendered and checked with systemd-analyze and nginx
//! (`scripts/check-deploy.sh`). What needs nixpkgs itself (building, the VM test) runs in
//! `nix flake check` on a machine with internet.

use std::process::Command;

use crate::process::{run_command, target_dir, workspace_root};

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
