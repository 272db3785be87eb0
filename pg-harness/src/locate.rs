//! Finding the PostgreSQL server programs.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The directory holding `initdb` and `postgres`: `PG_HARNESS_BINDIR` if set, else the first
/// `PATH` entry that has `initdb`, else the newest `/usr/lib/postgresql/<version>/bin`.
pub fn server_bindir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("PG_HARNESS_BINDIR") {
        let dir = PathBuf::from(dir);
        if !dir.join("initdb").is_file() {
            bail!("PG_HARNESS_BINDIR={} has no initdb", dir.display());
        }
        return Ok(dir);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let initdb = dir.join("initdb");
            if initdb.is_file() {
                // Debian links initdb into /usr/bin through a wrapper; resolve to the real
                // directory so `postgres` is found beside it.
                let real = initdb.canonicalize().unwrap_or(initdb);
                let real_dir = real.parent().unwrap_or(&dir).to_path_buf();
                if real_dir.join("postgres").is_file() {
                    return Ok(real_dir);
                }
            }
        }
    }
    newest_debian_bindir(Path::new("/usr/lib/postgresql")).context(
        "PostgreSQL server programs (initdb, postgres) not found on PATH or in \
         /usr/lib/postgresql/*/bin; install them (Debian: apt-get install postgresql)",
    )
}

fn newest_debian_bindir(root: &Path) -> anyhow::Result<PathBuf> {
    let mut candidates: Vec<(u32, PathBuf)> = std::fs::read_dir(root)?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    candidates.sort();
    match candidates.pop() {
        Some((_, bin)) => Ok(bin),
        None => bail!("no /usr/lib/postgresql/<version>/bin with initdb"),
    }
}
