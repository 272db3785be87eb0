//! The real server binary: configuration, refusal to start without a proper secret, serving
//! over a unix socket, and a clean exit on SIGTERM.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const BINARY: &str = env!("CARGO_BIN_EXE_stellar-heads-backend");

fn server(dir: &Path, database_url: &str) -> Command {
    server_with(BINARY, dir, database_url)
}

fn server_with(program: &str, dir: &Path, database_url: &str) -> Command {
    let mut command = Command::new(program);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("STELLAR_HEADS_LOG_FILTER", "info")
        .current_dir(dir)
        .stdin(Stdio::null());
    command
}

#[tokio::test]
async fn refuses_to_start_without_a_strong_secret() {
    let database = pg_harness::fresh_database().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let missing = server(dir.path(), &database.url).output().unwrap();
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("JWT_SECRET_FILE"),
        "{missing:?}"
    );

    let secret = dir.path().join("secret");
    std::fs::write(&secret, "too-short").unwrap();
    let short = server(dir.path(), &database.url)
        .env("STELLAR_HEADS_JWT_SECRET_FILE", &secret)
        .output()
        .unwrap();
    assert!(!short.status.success());
    assert!(
        String::from_utf8_lossy(&short.stderr).contains("at least 32"),
        "{short:?}"
    );
}

/// Waits until the server has bound `socket` (it then migrates the database and serves).
fn wait_for_socket(child: &mut std::process::Child, socket: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !socket.exists() {
        assert!(child.try_wait().unwrap().is_none(), "server exited early");
        assert!(Instant::now() < deadline, "socket never appeared");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn http_get(socket: &Path, path: &str) -> String {
    http_get_on(UnixStream::connect(socket).unwrap(), path)
}

/// Sends a GET on an open connection and reads the whole answer.
fn http_get_on(mut stream: UnixStream, path: &str) -> String {
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[tokio::test]
async fn serves_on_a_unix_socket_from_a_config_file_and_stops_cleanly_on_sigterm() {
    let database = pg_harness::fresh_database().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "0123456789abcdef0123456789abcdef0123456789").unwrap();
    let socket = dir.path().join("api.sock");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"unix:{}\"\nsocket_mode = \"0600\"\njwt_secret_file = \"{}\"\nlog_format = \"json\"\n",
            socket.display(),
            secret.display()
        ),
    )
    .unwrap();
    let mut child = server(dir.path(), &database.url)
        .arg("--config")
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_socket(&mut child, &socket);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let response = http_get(&socket, "/health");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"database\":{\"ok\":true"), "{response}");
    // The container image's health check asks the same server, found through the same file.
    let health_check = || {
        server(dir.path(), &database.url)
            .args([
                "--config".as_ref(),
                config.as_os_str(),
                "health-check".as_ref(),
            ])
            .output()
            .unwrap()
    };
    let healthy = health_check();
    assert!(healthy.status.success(), "{healthy:?}");

    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(!socket.exists(), "the socket file is removed on exit");
    let gone = health_check();
    assert!(!gone.status.success());
    assert!(
        String::from_utf8_lossy(&gone.stderr).contains("cannot connect to unix:"),
        "{gone:?}"
    );
    // Production logs are JSON lines that carry the request id.
    let logs = String::from_utf8_lossy(&output.stdout);
    let request_line = logs
        .lines()
        .find(|line| line.contains("/health"))
        .unwrap_or_else(|| panic!("{logs}"));
    let parsed: serde_json::Value = serde_json::from_str(request_line).unwrap();
    assert!(
        parsed["span"]["request_id"]
            .as_str()
            .is_some_and(|id| uuid::Uuid::parse_str(id).is_ok()),
        "{request_line}"
    );
    assert_eq!(parsed["status"], 200, "{request_line}");
}

#[tokio::test]
async fn tells_systemd_it_is_ready_pings_the_watchdog_and_serves_metrics_privately() {
    use std::os::unix::net::UnixDatagram;

    let database = pg_harness::fresh_database().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "0123456789abcdef0123456789abcdef0123456789").unwrap();
    let notify_path = dir.path().join("notify.sock");
    let notify = UnixDatagram::bind(&notify_path).unwrap();
    notify
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let api = dir.path().join("api.sock");
    let metrics = dir.path().join("metrics.sock");
    // systemd names the watched process in WATCHDOG_PID; `exec` keeps the shell's pid.
    let mut command = server_with("/bin/sh", dir.path(), &database.url);
    command.args(["-c", "WATCHDOG_PID=$$ exec \"$0\"", BINARY]);
    let mut child = command
        .env("STELLAR_HEADS_JWT_SECRET_FILE", &secret)
        .env("STELLAR_HEADS_LISTEN", format!("unix:{}", api.display()))
        .env(
            "STELLAR_HEADS_METRICS_LISTEN",
            format!("unix:{}", metrics.display()),
        )
        .env("NOTIFY_SOCKET", &notify_path)
        .env("WATCHDOG_USEC", "200000")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let receive = || {
        let mut buffer = [0u8; 512];
        let length = notify.recv(&mut buffer).expect("a notification");
        String::from_utf8_lossy(&buffer[..length]).into_owned()
    };
    let first = {
        let mut buffer = [0u8; 512];
        match notify.recv(&mut buffer) {
            Ok(length) => String::from_utf8_lossy(&buffer[..length]).into_owned(),
            Err(error) => {
                let _ = child.kill();
                let output = child.wait_with_output().unwrap();
                panic!(
                    "no READY ({error}): {}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
        }
    };
    assert!(first.lines().any(|line| line == "READY=1"), "{first}");
    // Ready means ready: the API answers at once.
    assert!(http_get(&api, "/health/ready").starts_with("HTTP/1.1 200"));
    // The watchdog is pinged at half its 200 ms interval.
    let started = Instant::now();
    let mut pings = 0;
    while pings < 3 {
        if receive().lines().any(|line| line == "WATCHDOG=1") {
            pings += 1;
        }
    }
    assert!(started.elapsed() < Duration::from_secs(2));
    // Metrics are on their own socket, not on the API's.
    http_get(&api, "/api/leaderboard");
    let text = http_get(&metrics, "/metrics");
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains(r#"stellar_heads_http_requests_total{method="GET",route="/api/leaderboard",status="200"} 1"#), "{text}");
    assert!(http_get(&api, "/metrics").starts_with("HTTP/1.1 404"));

    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    let mut stopping = false;
    for _ in 0..50 {
        if receive().lines().any(|line| line == "STOPPING=1") {
            stopping = true;
            break;
        }
    }
    assert!(stopping, "STOPPING=1 was never sent");
    assert!(child.wait().unwrap().success());
}

#[tokio::test]
async fn a_sigterm_while_starting_up_stops_it_cleanly() {
    // The socket is bound before the database is migrated: a SIGTERM from then on (a deploy
    // cancelled mid-start, say) must be a clean shutdown, not the default kill.
    let database = pg_harness::fresh_database().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "0123456789abcdef0123456789abcdef0123456789").unwrap();
    let socket = dir.path().join("api.sock");
    let mut child = server(dir.path(), &database.url)
        .env("STELLAR_HEADS_JWT_SECRET_FILE", &secret)
        .env("STELLAR_HEADS_LISTEN", format!("unix:{}", socket.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_socket(&mut child, &socket);
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
}

/// Starts the server on a listening socket it inherits as fd 3, the way systemd's socket
/// activation passes it (LISTEN_FDS=1, no LISTEN_PID: the pid check is optional).
#[allow(unsafe_code)] // pre_exec: the only way to place an fd in a child with std.
fn server_on_inherited_socket(
    dir: &Path,
    database_url: &str,
    secret: &Path,
    listener: &std::os::unix::net::UnixListener,
) -> std::process::Child {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    let fd = listener.as_raw_fd();
    let mut command = server(dir, database_url);
    command
        .env("STELLAR_HEADS_JWT_SECRET_FILE", secret)
        .env("LISTEN_FDS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: dup2 is async-signal-safe; the duplicate does not inherit close-on-exec.
    unsafe {
        command.pre_exec(move || {
            if nix::libc::dup2(fd, 3) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.spawn().unwrap()
}

fn wait_until_healthy(child: &mut std::process::Child, socket: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(child.try_wait().unwrap().is_none(), "server exited early");
        assert!(Instant::now() < deadline, "never became healthy");
        if http_get(socket, "/health").starts_with("HTTP/1.1 200") {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn with_socket_activation_requests_during_a_restart_wait_for_the_next_server() {
    // systemd owns the socket (stellar-heads.socket): the server only accepts on it. Between
    // one server stopping and the next starting, connections queue in the kernel and are
    // answered by the next one, none refused.
    let database = pg_harness::fresh_database().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "0123456789abcdef0123456789abcdef0123456789").unwrap();
    let socket = dir.path().join("api.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();

    let mut first = server_on_inherited_socket(dir.path(), &database.url, &secret, &listener);
    wait_until_healthy(&mut first, &socket);
    kill(Pid::from_raw(first.id() as i32), Signal::SIGTERM).unwrap();
    assert!(first.wait().unwrap().success());
    assert!(
        socket.exists(),
        "the server never removes a socket systemd owns"
    );

    // Nobody serves now: these requests connect (the socket is systemd's) and wait.
    let waiting: Vec<_> = (0..3)
        .map(|_| {
            let stream = UnixStream::connect(&socket).expect("connect while restarting");
            std::thread::spawn(move || http_get_on(stream, "/health"))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    assert!(waiting.iter().all(|request| !request.is_finished()));

    let mut second = server_on_inherited_socket(dir.path(), &database.url, &secret, &listener);
    for request in waiting {
        let response = request.join().unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    }
    wait_until_healthy(&mut second, &socket);
    kill(Pid::from_raw(second.id() as i32), Signal::SIGTERM).unwrap();
    assert!(second.wait().unwrap().success());
}
