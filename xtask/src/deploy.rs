//! The offline deployment checks: the Nix code (`scripts/check-nix.sh`) and the NixOS
//! module's plain-data parts rendered and checked with systemd-analyze and nginx
//! (`scripts/check-deploy.sh`). What needs nixpkgs itself (building, the VM test) runs in
//! `nix flake check` on a machine with internet.

use std::process::Command;

use crate::process::{run_command, target_dir, workspace_root};

/// `database_url`: a database the real backend may use while nginx serves in front of it.
pub fn checks(database_url: &str) -> anyhow::Result<()> {
    let scripts = workspace_root().join("scripts");
    run_command(&mut Command::new(scripts.join("install-deploy-tools.sh")))?;
    run_command(&mut Command::new(scripts.join("check-nix.sh")))?;
    // The unit file points at a real binary: systemd-analyze verify checks ExecStart.
    run_command(
        Command::new(scripts.join("check-deploy.sh"))
            .arg(target_dir().join("debug/stellar-heads-backend"))
            .env("DATABASE_URL", database_url),
    )
}
