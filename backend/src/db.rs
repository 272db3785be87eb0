//! The connection pool and the migrations (embedded at build time from `migrations/`).

use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::config::Config;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Connects and brings the schema up to date. Migrations run under PostgreSQL's advisory
/// lock, so several instances starting at once apply each migration exactly once.
pub async fn connect_and_migrate(config: &Config) -> anyhow::Result<PgPool> {
    let options = connect_options(config)?;
    let pool = PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .acquire_timeout(config.database_acquire_timeout())
        .idle_timeout(Duration::from_secs(600))
        .connect_with(options)
        .await
        .context("cannot connect to the database")?;
    MIGRATOR
        .run(&pool)
        .await
        .context("cannot apply database migrations")?;
    Ok(pool)
}

fn connect_options(config: &Config) -> anyhow::Result<PgConnectOptions> {
    config
        .database_url()?
        .parse()
        .context("database_url is not a valid PostgreSQL URL")
}

/// The pool for anonymous public reads: `database_read_connections` connections, each with
/// `read_statement_timeout_ms` as its statement timeout. Connects lazily.
pub fn connect_reads(config: &Config) -> anyhow::Result<PgPool> {
    let timeout = config.read_statement_timeout_ms.to_string();
    let options = connect_options(config)?.options([("statement_timeout", timeout.as_str())]);
    Ok(PgPoolOptions::new()
        .max_connections(config.database_read_connections)
        .acquire_timeout(config.database_acquire_timeout())
        .idle_timeout(Duration::from_secs(600))
        .connect_lazy_with(options))
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
