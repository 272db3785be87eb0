//! One throwaway PostgreSQL cluster: a temporary directory, `initdb`, and a `postgres`
//! server that listens only on a unix socket inside that directory.

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, bail};
use nix::sys::signal::{Signal, kill};
use nix::unistd::{Gid, Pid, Uid, User, chown};
use sqlx::Connection;

use crate::locate::server_bindir;

const DIR_PREFIX: &str = "pg-harness-";
const SUPERUSER: &str = "postgres";
const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

/// How to start a cluster.
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// The user to run PostgreSQL as when we are root (default: `PG_HARNESS_USER`, or `nobody`).
    pub run_as: Option<String>,
    /// Extra `postgres -c name=value` settings.
    pub settings: Vec<(String, String)>,
    /// Files written into the data directory after `initdb` (mode 0600, owned by the server's
    /// user), e.g. a TLS certificate and key that `settings` name by relative path.
    pub data_files: Vec<(String, Vec<u8>)>,
}

/// A running throwaway cluster; dropping it stops the server and deletes its directory.
#[derive(Debug)]
pub struct Cluster {
    dir: tempfile::TempDir,
    bindir: PathBuf,
    run_as: Option<(Uid, Gid)>,
    settings: Vec<(String, String)>,
    server: Option<Child>,
}

impl Cluster {
    /// Creates and starts a cluster. Blocking; takes a second or two.
    pub fn start(options: ClusterOptions) -> anyhow::Result<Self> {
        let bindir = server_bindir()?;
        remove_stale_clusters(&std::env::temp_dir());
        let run_as = unprivileged_user(options.run_as.as_deref())?;
        let dir = tempfile::Builder::new()
            .prefix(DIR_PREFIX)
            .tempdir()
            .context("cannot create a temporary directory for PostgreSQL")?;
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700))?;
        if let Some((uid, gid)) = run_as {
            chown(dir.path(), Some(uid), Some(gid))
                .with_context(|| format!("cannot hand {} to uid {uid}", dir.path().display()))?;
        }
        let mut cluster = Self {
            dir,
            bindir,
            run_as,
            settings: options.settings,
            server: None,
        };
        cluster.initdb()?;
        for (name, contents) in &options.data_files {
            let path = cluster.data_dir().join(name);
            fs::write(&path, contents)
                .with_context(|| format!("cannot write {}", path.display()))?;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?;
            if let Some((uid, gid)) = cluster.run_as {
                chown(&path, Some(uid), Some(gid))?;
            }
        }
        cluster.start_server()?;
        Ok(cluster)
    }

    /// The directory holding the server's unix socket.
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// URL of the `postgres` maintenance database, as the superuser.
    pub fn admin_url(&self) -> String {
        self.url("postgres")
    }

    /// URL of `database` in this cluster, as the superuser.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}@localhost/{database}?host={}",
            self.dir.path().display()
        )
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.path().join("postgres.log")
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bindir.join(program));
        command.current_dir(self.dir.path()).env_remove("PGDATA");
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid.as_raw()).gid(gid.as_raw());
        }
        command
    }

    fn initdb(&self) -> anyhow::Result<()> {
        let output = self
            .command("initdb")
            .arg("--pgdata")
            .arg(self.data_dir())
            .args([
                "--username",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
            ])
            .arg("--no-sync")
            .stdin(Stdio::null())
            .output()
            .context("cannot run initdb")?;
        if !output.status.success() {
            bail!(
                "initdb failed ({}):\n{}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }

    /// Starts the server (again, after [`Cluster::stop_server`]) and waits until it accepts
    /// connections.
    pub fn start_server(&mut self) -> anyhow::Result<()> {
        if self.server.is_some() {
            return Ok(());
        }
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_file())?;
        if let Some((uid, gid)) = self.run_as {
            chown(&self.log_file(), Some(uid), Some(gid))?;
        }
        let mut command = self.command("postgres");
        command
            .arg("-D")
            .arg(self.data_dir())
            .arg("-k")
            .arg(self.dir.path())
            // Only the unix socket; nothing listens on the network.
            .args(["-c", "listen_addresses="])
            // Durability is worthless for throwaway data; speed is not.
            .args([
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ])
            .args(["-c", "max_connections=300"]);
        for (name, value) in &self.settings {
            command.arg("-c").arg(format!("{name}={value}"));
        }
        command
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        // When the thread that started the server ends (a crashed or killed test run, say),
        // the kernel tells the server to shut down, so no stray server outlives its tests.
        // SAFETY: the closure only calls prctl(2), which is async-signal-safe.
        #[allow(unsafe_code)]
        unsafe {
            command.pre_exec(|| {
                nix::sys::prctl::set_pdeathsig(Signal::SIGINT).map_err(io::Error::from)
            });
        }
        let child = command.spawn().context("cannot start postgres")?;
        self.server = Some(child);
        self.wait_until_ready()
    }

    fn wait_until_ready(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + START_TIMEOUT;
        let pid_file = self.data_dir().join("postmaster.pid");
        loop {
            if let Some(child) = self.server.as_mut()
                && let Some(status) = child.try_wait()?
            {
                self.server = None;
                bail!("postgres exited at start ({status}):\n{}", self.log_tail());
            }
            // The 8th line of postmaster.pid is the server's status; "ready" once it accepts
            // connections.
            if let Ok(text) = fs::read_to_string(&pid_file)
                && text.lines().nth(7).map(str::trim) == Some("ready")
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "postgres did not become ready in {START_TIMEOUT:?}:\n{}",
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the server (a fast shutdown: open connections are closed), keeping the data.
    pub fn stop_server(&mut self) -> anyhow::Result<()> {
        let Some(mut child) = self.server.take() else {
            return Ok(());
        };
        let pid = Pid::from_raw(i32::try_from(child.id())?);
        let _ = kill(pid, Signal::SIGINT);
        let deadline = Instant::now() + STOP_TIMEOUT;
        while child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                child.wait()?;
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    fn log_tail(&self) -> String {
        let text = fs::read_to_string(self.log_file()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.stop_server();
    }
}

/// When we are root, the user to run PostgreSQL as (it refuses to run as root).
fn unprivileged_user(requested: Option<&str>) -> anyhow::Result<Option<(Uid, Gid)>> {
    if !Uid::effective().is_root() {
        return Ok(None);
    }
    let name = requested
        .map(str::to_owned)
        .or_else(|| std::env::var("PG_HARNESS_USER").ok())
        .unwrap_or_else(|| "nobody".to_owned());
    let user = User::from_name(&name)?
        .with_context(|| format!("running as root, and there is no user {name:?} to run PostgreSQL as; set PG_HARNESS_USER"))?;
    if user.uid.is_root() {
        bail!("PG_HARNESS_USER must not be root: PostgreSQL refuses to run as root");
    }
    Ok(Some((user.uid, user.gid)))
}

/// Deletes the directories of clusters whose server is gone (a test process that was
/// killed cannot clean up after itself). A directory younger than a minute is left alone:
/// its cluster may still be starting.
fn remove_stale_clusters(temp: &Path) {
    let Ok(entries) = fs::read_dir(temp) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let is_ours = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(DIR_PREFIX));
        let old_enough = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| SystemTime::now().duration_since(modified).ok())
            .is_some_and(|age| age > Duration::from_secs(60));
        if !is_ours || !old_enough {
            continue;
        }
        let pid_file = entry.path().join("data").join("postmaster.pid");
        let server_alive = fs::read_to_string(pid_file)
            .ok()
            .and_then(|text| text.lines().next()?.trim().parse::<i32>().ok())
            .is_some_and(|pid| kill(Pid::from_raw(pid), None).is_ok());
        if !server_alive {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Creates an empty database.
pub async fn create_database(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let mut connection = sqlx::PgConnection::connect(admin_url)
        .await
        .with_context(|| format!("cannot connect to the test cluster at {admin_url}"))?;
    // `name` is generated by us (test_<hex>), never user input.
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut connection)
        .await
        .with_context(|| format!("cannot create database {name}"))?;
    connection.close().await?;
    Ok(())
}

/// The same URL pointing at another database.
pub(crate) fn url_with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = base.rsplit_once('/').map_or(base, |(prefix, _)| prefix);
    match query {
        Some(query) => format!("{prefix}/{database}?{query}"),
        None => format!("{prefix}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_with_database_replaces_only_the_database() {
        assert_eq!(
            url_with_database("postgres://postgres@localhost/postgres?host=/tmp/x", "t1"),
            "postgres://postgres@localhost/t1?host=/tmp/x"
        );
        assert_eq!(
            url_with_database("postgres://u@h:5/db", "t2"),
            "postgres://u@h:5/t2"
        );
    }
}
