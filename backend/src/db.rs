//! The connection pools and the migrations (embedded at build time from `migrations/`).
//!
//! Three pools: writes (and signed-in reads) on the primary; anonymous public reads on the
//! primary, with a statement timeout; and, when a read replica is configured, the leaderboard
//! and players' stats on the replica (the same size and timeout as the public reads). Every
//! connection names itself `stellar-heads` to the server (`application_name`), so operators
//! see the nodes' connections in `pg_stat_activity`.

use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::config::Config;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Connects and brings the schema up to date. Migrations run under PostgreSQL's advisory
/// lock, so several instances starting at once apply each migration exactly once.
pub async fn connect_and_migrate(config: &Config) -> anyhow::Result<PgPool> {
    let options = connect_options(config, &config.database_url()?, "database_url")?;
    let pool = PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .acquire_timeout(config.database_acquire_timeout())
        .idle_timeout(Duration::from_secs(600))
        .connect_with(options)
        .await
        .context("cannot connect to the database")?;
    check_connection_budget(
        &pool,
        "database_max_connections + database_read_connections",
        config.database_max_connections + config.database_read_connections,
    )
    .await?;
    MIGRATOR
        .run(&pool)
        .await
        .context("cannot apply database migrations")?;
    Ok(pool)
}

/// The options for `url`, with the configured TLS settings (which override the URL's).
fn connect_options(config: &Config, url: &str, setting: &str) -> anyhow::Result<PgConnectOptions> {
    let mut options: PgConnectOptions = url
        .parse()
        .with_context(|| format!("{setting} is not a valid PostgreSQL URL"))?;
    if options.get_application_name().is_none() {
        options = options.application_name(APPLICATION_NAME);
    }
    if let Some(mode) = config.database_ssl_mode {
        options = options.ssl_mode(mode.into());
    }
    if let Some(ca_file) = &config.database_ca_file {
        // Read now, so that a wrong path is named at start, not as a TLS failure later.
        std::fs::metadata(ca_file)
            .with_context(|| format!("cannot read database_ca_file {}", ca_file.display()))?;
        options = options.ssl_root_cert(ca_file);
    }
    Ok(options)
}

/// What the server's connections call themselves in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "stellar-heads";

/// A lazily connecting pool of `database_read_connections` connections, each with
/// `read_statement_timeout_ms` as its statement timeout.
fn read_pool(config: &Config, options: PgConnectOptions) -> PgPool {
    let timeout = config.read_statement_timeout_ms.to_string();
    PgPoolOptions::new()
        .max_connections(config.database_read_connections)
        .acquire_timeout(config.database_acquire_timeout())
        .idle_timeout(Duration::from_secs(600))
        .connect_lazy_with(options.options([("statement_timeout", timeout.as_str())]))
}

/// The pool for anonymous public reads on the primary. Connects lazily.
pub fn connect_reads(config: &Config) -> anyhow::Result<PgPool> {
    let options = connect_options(config, &config.database_url()?, "database_url")?;
    Ok(read_pool(config, options))
}

/// The pool on the read replica, if one is configured; its connection budget is checked
/// at once (which also proves the replica answers).
pub async fn connect_replica(config: &Config) -> anyhow::Result<Option<PgPool>> {
    let Some(url) = config.database_replica_url()? else {
        return Ok(None);
    };
    let pool = read_pool(
        config,
        connect_options(config, &url, "database_replica_url")?,
    );
    check_connection_budget(
        &pool,
        "database_read_connections (on the replica)",
        config.database_read_connections,
    )
    .await
    .context("cannot use the read replica")?;
    Ok(Some(pool))
}

/// Refuses pools that cannot all connect: `wanted` must fit in the server's
/// `max_connections` less the connections reserved for superusers. (Several nodes must fit
/// together; one node can only check its own share.)
async fn check_connection_budget(pool: &PgPool, what: &str, wanted: u32) -> anyhow::Result<()> {
    let (max, reserved): (i32, i32) = sqlx::query_as(
        "SELECT current_setting('max_connections')::int4, \
                current_setting('superuser_reserved_connections')::int4",
    )
    .fetch_one(pool)
    .await
    .context("cannot read the database's max_connections")?;
    let available = i64::from(max) - i64::from(reserved);
    if i64::from(wanted) > available {
        bail!(
            "{what} is {wanted} connections, but the database allows {available} \
             (max_connections {max} less {reserved} reserved for superusers): lower the pool \
             sizes or raise max_connections; with several API nodes, all their pools together \
             must fit"
        );
    }
    tracing::info!(
        connections = wanted,
        available,
        "the pools fit in the database's max_connections"
    );
    Ok(())
}

/// A unique violation's constraint name, if `error` is one.
pub fn unique_violation(error: &sqlx::Error) -> Option<&str> {
    match error {
        sqlx::Error::Database(db) if db.is_unique_violation() => db.constraint(),
        _ => None,
    }
}

pub fn is_foreign_key_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_foreign_key_violation())
}
