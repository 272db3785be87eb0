//! Throwaway PostgreSQL for tests and local runs.
//!
//! [`Cluster::start`] runs `initdb` and `postgres` from the machine's PostgreSQL (found on
//! `PATH` or in `/usr/lib/postgresql/*/bin`) in a fresh temporary directory, listening only
//! on a unix socket in that directory. PostgreSQL refuses to run as root, so when we are root
//! the server runs as an unprivileged user (`PG_HARNESS_USER`, default `nobody`).
//!
//! Tests call [`fresh_database`]: it uses the cluster named by `PG_HARNESS_ADMIN_URL` when a
//! runner (`cargo xtask test`, the Nix checks) started one for the whole run, and otherwise
//! starts one for the test process, shared by all its tests. Every call creates a new, empty
//! database, so tests never see each other's rows.

mod cluster;
mod locate;

use std::sync::OnceLock;

pub use cluster::{Cluster, ClusterOptions, create_database};

/// The variable through which a runner hands its cluster to the test processes.
pub const ADMIN_URL_VAR: &str = "PG_HARNESS_ADMIN_URL";

/// A new empty database in the test cluster.
#[derive(Debug, Clone)]
pub struct TestDatabase {
    pub name: String,
    /// A `postgres://` URL for the database (unix socket, superuser, trust authentication).
    pub url: String,
}

/// Creates a new, empty database for one test.
pub async fn fresh_database() -> anyhow::Result<TestDatabase> {
    let admin_url = shared_admin_url()?;
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    cluster::create_database(&admin_url, &name).await?;
    Ok(TestDatabase {
        url: cluster::url_with_database(&admin_url, &name),
        name,
    })
}

/// The admin (`postgres` database) URL of the cluster the tests of this process use.
pub fn shared_admin_url() -> anyhow::Result<String> {
    if let Ok(url) = std::env::var(ADMIN_URL_VAR) {
        return Ok(url);
    }
    static PROCESS_CLUSTER: OnceLock<Result<String, String>> = OnceLock::new();
    PROCESS_CLUSTER
        .get_or_init(start_process_cluster)
        .clone()
        .map_err(|message| anyhow::anyhow!(message))
}

/// Starts the cluster from a thread that lives as long as the process: the server is told
/// to shut down when the thread that started it ends (`PR_SET_PDEATHSIG` follows the thread,
/// not the process), so it must not be a test's thread, which ends with the test.
fn start_process_cluster() -> Result<String, String> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("pg-harness".into())
        .spawn(move || {
            match Cluster::start(ClusterOptions::default()) {
                Ok(cluster) => {
                    let _ = sender.send(Ok(cluster.admin_url()));
                    // Keep the cluster (and its directory) for the rest of the process.
                    let _cluster = cluster;
                    loop {
                        std::thread::park();
                    }
                }
                Err(error) => {
                    let _ = sender.send(Err(format!("{error:#}")));
                }
            }
        })
        .map_err(|error| format!("cannot start the pg-harness thread: {error}"))?;
    receiver
        .recv()
        .map_err(|_| "the pg-harness thread ended without a cluster".to_string())?
}
