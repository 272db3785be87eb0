//! `stellar-heads-backend health-check`: asks the server at its configured `listen` address
//! whether it is ready (`GET /health/ready`), for container health checks: the OCI image has
//! the server and nothing else, no curl.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use anyhow::{Context, ensure};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};

use crate::config::ListenAddress;

/// Succeeds when the server at `address` answers 200 within `timeout`.
pub async fn check(address: &ListenAddress, timeout: Duration) -> anyhow::Result<()> {
    let status = tokio::time::timeout(timeout, ask(address))
        .await
        .with_context(|| format!("{address} did not answer within {timeout:?}"))??;
    ensure!(
        status == StatusCode::OK,
        "{address} is not ready: /health/ready answered {status}"
    );
    Ok(())
}

async fn ask(address: &ListenAddress) -> anyhow::Result<StatusCode> {
    let cannot_connect = || format!("cannot connect to {address}");
    match address {
        ListenAddress::Tcp(listen) => {
            request(
                TcpStream::connect(reachable(*listen))
                    .await
                    .with_context(cannot_connect)?,
            )
            .await
        }
        ListenAddress::Unix(path) => {
            request(
                UnixStream::connect(path)
                    .await
                    .with_context(cannot_connect)?,
            )
            .await
        }
    }
}

/// A server listening on every address (0.0.0.0, ::) is asked on loopback.
fn reachable(listen: SocketAddr) -> SocketAddr {
    match listen {
        SocketAddr::V4(v4) if v4.ip().is_unspecified() => (Ipv4Addr::LOCALHOST, v4.port()).into(),
        SocketAddr::V6(v6) if v6.ip().is_unspecified() => (Ipv6Addr::LOCALHOST, v6.port()).into(),
        other => other,
    }
}

async fn request<S>(stream: S) -> anyhow::Result<StatusCode>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .context("HTTP handshake failed")?;
    tokio::spawn(connection);
    let request = Request::get("/health/ready")
        .header(hyper::header::HOST, "localhost")
        .body(String::new())?;
    Ok(sender.send_request(request).await?.status())
}
