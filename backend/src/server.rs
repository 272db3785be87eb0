//! Listening (TCP, or a unix socket for a reverse proxy on the same host) and shutting down
//! cleanly on SIGTERM/SIGINT: stop accepting, finish in-flight requests, close the pool.

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;

use anyhow::{Context, bail};
use tokio::net::{TcpListener, UnixListener};

use crate::app;
use crate::config::{Config, ListenAddress};

pub async fn run(config: Config) -> anyhow::Result<()> {
    let state = app::state_from_config(&config).await?;
    let db = state.db.clone();
    let router = app::router(state, &config)?;
    match &config.listen {
        ListenAddress::Tcp(address) => {
            let listener = TcpListener::bind(address)
                .await
                .with_context(|| format!("cannot listen on {address}"))?;
            tracing::info!(address = %listener.local_addr()?, "listening");
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown_signal())
                .await?;
        }
        ListenAddress::Unix(path) => {
            let listener = bind_unix(path, config.socket_mode())?;
            tracing::info!(socket = %path.display(), "listening");
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(shutdown_signal())
                .await;
            let _ = std::fs::remove_file(path);
            served?;
        }
    }
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Binds a unix socket, replacing a stale socket file left by a crash but never a live one.
pub fn bind_unix(path: &Path, mode: u32) -> anyhow::Result<UnixListener> {
    if let Ok(metadata) = std::fs::symlink_metadata(path) {
        if !metadata.file_type().is_socket() {
            bail!("{} exists and is not a socket", path.display());
        }
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            bail!("another server is listening on {}", path.display());
        }
        std::fs::remove_file(path)
            .with_context(|| format!("cannot remove stale {}", path.display()))?;
    }
    let listener =
        UnixListener::bind(path).with_context(|| format!("cannot listen on {}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    Ok(listener)
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("cannot install the SIGTERM handler");
    tokio::select! {
        _ = interrupt => {}
        _ = terminate.recv() => {}
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
