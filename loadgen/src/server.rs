//! A server process under test, started the way systemd starts it: we own the listening
//! socket and pass it in (`LISTEN_FDS`), so a successor can take over the same socket and
//! connections that arrive in between wait in its queue instead of being refused.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// A listening TCP socket on loopback, held for the server processes.
#[derive(Debug)]
pub struct ListeningSocket {
    listener: TcpListener,
}

impl ListeningSocket {
    pub fn bind() -> anyhow::Result<Self> {
        Ok(Self {
            listener: TcpListener::bind("127.0.0.1:0")?,
        })
    }

    /// On every address, IPv6 and IPv4 (`[::]`: IPv4 clients arrive as `::ffff:a.b.c.d`), as
    /// a server listening on `[::]` is.
    pub fn bind_dual_stack() -> anyhow::Result<Self> {
        Ok(Self {
            listener: TcpListener::bind("[::]:0")?,
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.listener.local_addr().expect("bound"))
    }

    pub fn address(&self) -> std::net::SocketAddr {
        self.listener.local_addr().expect("bound")
    }
}

/// How to start the server. Every process started with the same options shares the token
/// secret, as successive instances of one deployment do.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub binary: PathBuf,
    pub database_url: String,
    /// Extra environment, e.g. `("STELLAR_HEADS_RATE_LIMIT__ENABLED", "false")`.
    pub env: Vec<(String, String)>,
    secret_dir: Arc<tempfile::TempDir>,
}

impl ServerOptions {
    pub fn new(binary: impl Into<PathBuf>, database_url: impl Into<String>) -> Self {
        let secret_dir = tempfile::tempdir().expect("temporary directory");
        let secret = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        std::fs::write(secret_dir.path().join("jwt-secret"), secret).expect("secret file");
        Self {
            binary: binary.into(),
            database_url: database_url.into(),
            env: Vec::new(),
            secret_dir: Arc::new(secret_dir),
        }
    }

    fn secret_file(&self) -> PathBuf {
        self.secret_dir.path().join("jwt-secret")
    }

    pub fn env(mut self, name: &str, value: impl Into<String>) -> Self {
        self.env.push((name.to_owned(), value.into()));
        self
    }
}

#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    dir: tempfile::TempDir,
}

/// Socket activation hands over the first socket as file descriptor 3.
const SD_LISTEN_FDS_START: i32 = 3;

impl ServerProcess {
    /// Starts a server on `socket` and waits until it answers `/health/live`.
    pub fn start(options: &ServerOptions, socket: &ListeningSocket) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let secret = options.secret_file();
        let log = std::fs::File::create(dir.path().join("server.log"))?;
        let mut command = Command::new(&options.binary);
        command
            .env("DATABASE_URL", &options.database_url)
            .env("STELLAR_HEADS_JWT_SECRET_FILE", &secret)
            .env("STELLAR_HEADS_LOG_FORMAT", "json")
            .env(
                "STELLAR_HEADS_LOG_FILTER",
                "warn,stellar_heads_backend=info",
            )
            .env("LISTEN_FDS", "1")
            .env_remove("LISTEN_PID")
            .env_remove("NOTIFY_SOCKET")
            .envs(options.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        let fd = socket.listener.as_raw_fd();
        // SAFETY: between fork and exec we only call dup2(2) and fcntl(2), which are
        // async-signal-safe.
        #[allow(unsafe_code)]
        unsafe {
            command.pre_exec(move || {
                if fd == SD_LISTEN_FDS_START {
                    if libc::fcntl(fd, libc::F_SETFD, 0) == -1 {
                        return Err(std::io::Error::last_os_error());
                    }
                } else if libc::dup2(fd, SD_LISTEN_FDS_START) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {}", options.binary.display()))?;
        let mut server = Self { child, dir };
        server.wait_until_live(socket.address())?;
        Ok(server)
    }

    fn wait_until_live(&mut self, address: std::net::SocketAddr) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("server exited at start ({status}):\n{}", self.log());
            }
            if probe_live(address).unwrap_or(false) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("server did not answer within 60 s:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends SIGTERM without waiting.
    pub fn signal_terminate(&self) -> anyhow::Result<()> {
        kill(
            Pid::from_raw(i32::try_from(self.child.id())?),
            Signal::SIGTERM,
        )?;
        Ok(())
    }

    /// Waits for the process to exit (after [`ServerProcess::signal_terminate`]).
    pub fn wait(&mut self, limit: Duration) -> anyhow::Result<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                bail!("server did not exit within {limit:?}:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then wait.
    pub fn terminate(mut self) -> anyhow::Result<ExitStatus> {
        self.signal_terminate()?;
        self.wait(Duration::from_secs(60))
    }

    /// Everything the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A plain HTTP/1.1 `GET /health/live`; true on a 200.
fn probe_live(address: std::net::SocketAddr) -> std::io::Result<bool> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(1))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream
        .write_all(b"GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response.starts_with("HTTP/1.1 200"))
}

/// The seed of every match after [`play_matches_instantly`].
pub const LOAD_SEED: u32 = 0x10AD;

/// Makes every match started from now on look as if it started an hour ago, so that its
/// result is accepted at once instead of after the match's real length, and gives it the
/// seed [`LOAD_SEED`], so that one genuine match played once per process is the genuine
/// record of every match. For load tests and the benchmark, which measure the server's
/// handling of results (each still re-played in full), not how fast a client plays; call
/// it after the server has applied its migrations.
pub async fn play_matches_instantly(database_url: &str) -> anyhow::Result<()> {
    let pool = sqlx::PgPool::connect(database_url).await?;
    sqlx::query(
        "ALTER TABLE match_tickets ALTER COLUMN started_at SET DEFAULT now() - interval '1 hour'",
    )
    .execute(&pool)
    .await?;
    // The server writes the seed it draws; a trigger replaces it (the ticket it returns is
    // what was stored).
    sqlx::raw_sql(&format!(
        "CREATE FUNCTION load_test_seed() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN NEW.seed := {LOAD_SEED}; RETURN NEW; END $$; \
         CREATE TRIGGER load_test_seed BEFORE INSERT ON match_tickets \
         FOR EACH ROW EXECUTE FUNCTION load_test_seed();"
    ))
    .execute(&pool)
    .await?;
    pool.close().await;
    Ok(())
}
