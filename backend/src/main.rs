use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use stellar_heads_backend::config::Config;
use stellar_heads_backend::{audit, db, health_check, server, telemetry};

/// The Stellar Heads API server. Settings come from the optional TOML file and
/// STELLAR_HEADS_* environment variables (see the README).
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// A TOML configuration file.
    #[arg(long, env = "STELLAR_HEADS_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply migrations and serve (the default).
    Serve,
    /// Apply migrations and exit.
    Migrate,
    /// Load and check the configuration (including the token secret), then exit.
    CheckConfig,
    /// Ask the running server (at `listen`) whether it is ready: exit 0 if it answers
    /// /health/ready with 200 within the timeout. For container health checks.
    HealthCheck {
        /// Seconds to wait for the answer.
        #[arg(long, default_value_t = 5)]
        timeout_secs: u64,
    },
    /// Re-play every stored verified match and list those whose stored score this build no
    /// longer reproduces; exits 1 if there is any.
    VerifyMatches,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref())?;
    let command = cli.command.unwrap_or(Command::Serve);
    // A health check answers with its exit status (and one line on failure), no logs.
    if !matches!(command, Command::HealthCheck { .. }) {
        telemetry::init(&config);
    }
    match command {
        Command::HealthCheck { timeout_secs } => {
            health_check::check(&config.listen, Duration::from_secs(timeout_secs)).await
        }
        Command::Serve => server::run(config).await,
        Command::Migrate => {
            db::connect_and_migrate(&config).await?.close().await;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::CheckConfig => {
            config.jwt_secret()?;
            config.jwt_previous_secret()?;
            config.database_url()?;
            println!("configuration ok: {config:?}");
            Ok(())
        }
        Command::VerifyMatches => {
            let db = db::connect_and_migrate(&config).await?;
            let report = audit::verify_matches(&db, config.verify_workers()).await?;
            db.close().await;
            for (match_id, problem) in &report.mismatched {
                println!("mismatch: match {match_id}: {problem}");
            }
            println!(
                "verify-matches: {} re-played, {} mismatched, {} skipped (recorded by a game \
                 version this build does not play: it plays {} to {})",
                report.replayed,
                report.mismatched.len(),
                report.skipped,
                protocol::record::OLDEST_SIM_VERSION,
                protocol::record::SIM_VERSION,
            );
            anyhow::ensure!(
                report.mismatched.is_empty(),
                "{} stored matches do not re-play to their stored score",
                report.mismatched.len()
            );
            Ok(())
        }
    }
}
