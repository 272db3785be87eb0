//! The server loop: listening (TCP, a unix socket, or a socket passed in by systemd),
//! serving connections with hyper, systemd readiness and watchdog, and graceful shutdown.
//!
//! On SIGTERM/SIGINT the listener is closed first (with socket activation systemd keeps the
//! socket, so new connections wait in its queue for the next instance instead of being
//! refused), in-flight requests get `shutdown_grace_secs` to finish, then the pool closes.

use std::future::Future;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use anyhow::{Context, bail};
use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, UnixListener};
use tower::ServiceExt;

use crate::app;
use crate::client_ip::Peer;
use crate::config::{Config, ListenAddress};
use crate::metrics;

/// A bound listening socket.
#[derive(Debug)]
pub enum Listener {
    Tcp(TcpListener),
    /// The path is removed on shutdown when we created the socket (not when systemd did).
    Unix(UnixListener, Option<PathBuf>),
}

impl Listener {
    /// Binds `address`.
    pub async fn bind(address: &ListenAddress, socket_mode: u32) -> anyhow::Result<Self> {
        match address {
            ListenAddress::Tcp(address) => Ok(Self::Tcp(
                TcpListener::bind(address)
                    .await
                    .with_context(|| format!("cannot listen on {address}"))?,
            )),
            ListenAddress::Unix(path) => Ok(Self::Unix(
                bind_unix(path, socket_mode)?,
                Some(path.clone()),
            )),
        }
    }

    /// The socket systemd passed in (`LISTEN_FDS`), if any; harmless outside systemd.
    pub fn from_systemd() -> anyhow::Result<Option<Self>> {
        let mut fds = listenfd::ListenFd::from_env();
        if fds.len() == 0 {
            return Ok(None);
        }
        if let Ok(Some(listener)) = fds.take_tcp_listener(0) {
            listener.set_nonblocking(true)?;
            return Ok(Some(Self::Tcp(TcpListener::from_std(listener)?)));
        }
        if let Ok(Some(listener)) = fds.take_unix_listener(0) {
            listener.set_nonblocking(true)?;
            return Ok(Some(Self::Unix(UnixListener::from_std(listener)?, None)));
        }
        bail!("the socket passed in by systemd is neither a TCP nor a unix stream socket")
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Tcp(listener) => listener
                .local_addr()
                .map_or_else(|_| "tcp".into(), |a| a.to_string()),
            Self::Unix(listener, _) => listener
                .local_addr()
                .ok()
                .and_then(|a| a.as_pathname().map(|p| format!("unix:{}", p.display())))
                .unwrap_or_else(|| "unix socket".into()),
        }
    }

    async fn accept(&self) -> std::io::Result<(Box<dyn Connection>, Peer)> {
        match self {
            Self::Tcp(listener) => {
                let (stream, address) = listener.accept().await?;
                let _ = stream.set_nodelay(true);
                Ok((Box::new(stream), Peer::Tcp(address)))
            }
            Self::Unix(listener, _) => {
                let (stream, _) = listener.accept().await?;
                Ok((Box::new(stream), Peer::Unix))
            }
        }
    }

    fn remove_socket_file(&self) {
        if let Self::Unix(_, Some(path)) = self {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// An accepted connection, TCP or unix: both are served the same way.
trait Connection: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static> Connection for T {}

/// A connection that must send its first byte within a deadline. hyper times a request's
/// headers from their first byte, and telling HTTP/1 from HTTP/2 waits for the first bytes
/// with no timeout at all: a connection that never sends one would hold its socket and task
/// for ever. Reading fails with `TimedOut` once the deadline passes without a byte (or an
/// end of stream), which ends the connection.
struct FirstByteDeadline<C> {
    inner: C,
    /// Until the first read completes.
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<C> FirstByteDeadline<C> {
    fn new(inner: C, limit: Duration) -> Self {
        Self {
            inner,
            deadline: Some(Box::pin(tokio::time::sleep(limit))),
        }
    }
}

impl<C: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for FirstByteDeadline<C> {
    fn poll_read(
        self: Pin<&mut Self>,
        context: &mut std::task::Context<'_>,
        buffer: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_read(context, buffer);
        if let Some(deadline) = &mut this.deadline {
            if polled.is_ready() {
                this.deadline = None;
            } else if deadline.as_mut().poll(context).is_ready() {
                return std::task::Poll::Ready(Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the connection sent nothing within the header timeout",
                )));
            }
        }
        polled
    }
}

impl<C: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for FirstByteDeadline<C> {
    fn poll_write(
        self: Pin<&mut Self>,
        context: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(context, data)
    }

    fn poll_flush(
        self: Pin<&mut Self>,
        context: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(context)
    }

    fn poll_shutdown(
        self: Pin<&mut Self>,
        context: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(context)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        context: &mut std::task::Context<'_>,
        buffers: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(context, buffers)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
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
    // Bound under a temporary name, given its mode, then renamed into place: the socket
    // never appears at its path with the umask's permissions instead of `mode`.
    let file_name = path
        .file_name()
        .with_context(|| format!("{} names no file", path.display()))?;
    let temporary = path.with_file_name(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&temporary);
    let listener = UnixListener::bind(&temporary)
        .with_context(|| format!("cannot listen on {}", path.display()))?;
    let placed = std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(mode))
        .and_then(|()| std::fs::rename(&temporary, path));
    if let Err(error) = placed {
        let _ = std::fs::remove_file(&temporary);
        return Err(error).with_context(|| format!("cannot put the socket at {}", path.display()));
    }
    Ok(listener)
}

/// How long a just-accepted connection gets to deliver its request during shutdown.
const ACCEPTED_REQUEST_SETTLE: Duration = Duration::from_millis(250);

/// How connections are served.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    pub header_read_timeout: Duration,
    pub shutdown_grace: Duration,
}

/// Serves `router` on `listener` until `shutdown` completes, then drains.
pub async fn serve(
    listener: Listener,
    router: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // A client that trickles its headers (slowloris) is cut off instead of holding a task.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(30)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (connection, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = router
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(peer);
                request
            });
        let service = TowerToHyperService::new(service);
        let connection = FirstByteDeadline::new(connection, options.header_read_timeout);
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(connection), service);
        let watched = graceful.watch(connection.into_owned());
        tokio::spawn(async move {
            if let Err(error) = watched.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    // Stop accepting now; connections still open finish their current request.
    listener.remove_socket_file();
    drop(listener);
    tracing::info!("shutting down: finishing in-flight requests");
    // hyper closes a connection at once if it has not read a request yet; one accepted a
    // moment ago has its request in flight, so give it time to arrive before draining.
    tokio::time::sleep(ACCEPTED_REQUEST_SETTLE).await;
    if tokio::time::timeout(options.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(grace = ?options.shutdown_grace, "in-flight requests did not finish in time");
    }
    Ok(())
}

pub async fn run(config: Config) -> anyhow::Result<()> {
    // First, so that a SIGTERM while the database is migrated, or before the first request is
    // answered, shuts down cleanly instead of killing the process.
    let shutdown = shutdown_signal()?;
    let listener = match Listener::from_systemd()? {
        Some(listener) => listener,
        None => Listener::bind(&config.listen, config.socket_mode()).await?,
    };
    let metrics_listener = match &config.metrics_listen {
        Some(address) => Some(Listener::bind(address, config.socket_mode()).await?),
        None => None,
    };
    let state = app::state_from_config(&config).await?;
    let db = state.db.clone();
    let router = app::router(state.clone(), &config)?;
    crate::tickets::spawn_sweeper(db.clone(), state.metrics.clone());
    let options = ServeOptions {
        header_read_timeout: config.header_read_timeout(),
        shutdown_grace: config.shutdown_grace(),
    };
    let (stop_sender, stop) = tokio::sync::watch::channel(false);
    let wait_for_stop = |mut stop: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stop.wait_for(|stopped| *stopped).await;
    };
    let metrics_task = metrics_listener.map(|listener| {
        tracing::info!(address = %listener.describe(), "serving metrics");
        let router = metrics::router(state.metrics.clone(), state.pools());
        tokio::spawn(serve(
            listener,
            router,
            options,
            wait_for_stop(stop.clone()),
        ))
    });
    tracing::info!(address = %listener.describe(), "listening");
    systemd::ready();
    systemd::spawn_watchdog();
    let signal = async move {
        shutdown.await;
        systemd::stopping();
        let _ = stop_sender.send(true);
    };
    serve(listener, router, options, signal).await?;
    if let Some(task) = metrics_task {
        task.await??;
    }
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Installs the SIGTERM and SIGINT handlers now; the future ends at the first of them (even
/// one that came before it was first polled).
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate =
        signal(SignalKind::terminate()).context("cannot install the SIGTERM handler")?;
    let mut interrupt =
        signal(SignalKind::interrupt()).context("cannot install the SIGINT handler")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// sd_notify(3): all of it is a no-op when not started by systemd (no `NOTIFY_SOCKET`).
mod systemd {
    use std::time::Duration;

    use sd_notify::NotifyState;

    pub fn ready() {
        if let Err(error) =
            sd_notify::notify(false, &[NotifyState::Ready, NotifyState::Status("serving")])
        {
            tracing::warn!(%error, "cannot notify systemd");
        }
    }

    pub fn stopping() {
        let _ = sd_notify::notify(false, &[NotifyState::Stopping]);
    }

    /// Pings the watchdog at half its interval while the runtime is responsive: a wedged
    /// server stops pinging and systemd restarts it.
    pub fn spawn_watchdog() {
        let mut micros = 0;
        if !sd_notify::watchdog_enabled(false, &mut micros) || micros == 0 {
            return;
        }
        let period = Duration::from_micros(micros) / 2;
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(period);
            loop {
                interval.tick().await;
                let _ = sd_notify::notify(false, &[NotifyState::Watchdog]);
            }
        });
    }
}
