//! The deployment's backup script (`nixos/backup.sh`), run for real against a database in the
//! throwaway cluster: a verified, private, atomically written dump; retention; a dump that
//! does not match the database fails; the off-host copy (real rclone, to a directory standing
//! in for the remote) with its own retention, restored from; the success times for Prometheus.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{TestApp, pg_env};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../nixos/backup.sh")
}

/// The role the module's backup job runs as: no superuser, only what a verified dump needs
/// (read every table, create the scratch database it restores into).
async fn backup_role(app: &TestApp) -> String {
    let (database, _) = pg_env(&app.database_url);
    let role = format!("{database}_backup");
    for statement in [
        format!("CREATE ROLE \"{role}\" LOGIN CREATEDB"),
        format!("GRANT pg_read_all_data TO \"{role}\""),
    ] {
        sqlx::query(&statement)
            .execute(&app.state.db)
            .await
            .unwrap();
    }
    role
}

fn run_backup_as(
    app: &TestApp,
    user: &str,
    dir: &Path,
    keep: u32,
    path_prefix: Option<&Path>,
) -> Output {
    run_backup_with(app, user, dir, keep, path_prefix, &[])
}

fn run_backup_with(
    app: &TestApp,
    user: &str,
    dir: &Path,
    keep: u32,
    path_prefix: Option<&Path>,
    extra_env: &[(&str, &Path)],
) -> Output {
    let (database, host) = pg_env(&app.database_url);
    let mut path = std::env::var("PATH").unwrap();
    if let Some(prefix) = path_prefix {
        path = format!("{}:{path}", prefix.display());
    }
    Command::new("bash")
        .arg(script())
        .env("DATABASE", &database)
        .env("BACKUP_DIR", dir)
        .env("KEEP", keep.to_string())
        .env("PGHOST", host)
        .env("PGUSER", user)
        .env("PATH", path)
        .envs(extra_env.iter().copied())
        .output()
        .unwrap()
}

fn dumps(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    found.sort();
    found
}

async fn app_with_data() -> TestApp {
    let app = TestApp::spawn().await;
    for name in ["alpha", "bravo", "charlie"] {
        let player = app.register(name).await;
        app.insert_result(&player, "vs_computer", 5, 2).await;
        app.insert_result(&player, "vs_computer", 1, 1).await;
    }
    app
}

#[tokio::test]
async fn a_backup_is_verified_private_and_rotated() {
    let app = app_with_data().await;
    let role = backup_role(&app).await;
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..3 {
        let output = run_backup_as(&app, &role, dir.path(), 2, None);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            ["matches=6 players=3 sessions=3", "standings=3"]
                .iter()
                .all(|counts| String::from_utf8_lossy(&output.stdout).contains(counts)),
            "{output:?}"
        );
        // Distinct names need distinct seconds.
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    let kept = dumps(dir.path(), ".dump");
    assert_eq!(kept.len(), 2, "retention keeps the newest two: {kept:?}");
    for dump in &kept {
        assert_eq!(
            std::fs::metadata(dump).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert!(dumps(dir.path(), ".in-progress").is_empty());
    // No scratch database is left behind (this database's: other tests back up at once).
    let (database, _) = pg_env(&app.database_url);
    let leftovers: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname LIKE $1 || '_verify_%'")
            .bind(&database)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(leftovers, 0);
}

#[tokio::test]
async fn a_dump_that_loses_rows_fails_the_backup() {
    let app = app_with_data().await;
    let role = backup_role(&app).await;
    let dir = tempfile::tempdir().unwrap();
    // A pg_dump that silently leaves out the matches' rows.
    let shim = tempfile::tempdir().unwrap();
    let real = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v pg_dump"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let fake = shim.path().join("pg_dump");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\nexec {} --exclude-table-data=matches \"$@\"\n",
            real.trim()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let output = run_backup_as(&app, &role, dir.path(), 7, Some(shim.path()));
    assert!(!output.status.success(), "a bad dump must fail: {output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("restored rows differ"),
        "{output:?}"
    );
    assert!(
        dumps(dir.path(), ".dump").is_empty(),
        "no dump is presented as good"
    );
    assert_eq!(dumps(dir.path(), ".failed").len(), 1);
}

/// rclone is what the module runs for the off-host copy; the test needs the real one.
fn require_rclone() {
    let found = Command::new("rclone").arg("version").output();
    assert!(
        found.is_ok_and(|output| output.status.success()),
        "rclone is missing (scripts/install-deploy-tools.sh installs it)"
    );
}

/// The `name value` lines of a Prometheus text file.
fn metric_values(text: &str) -> Vec<(String, i64)> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let (name, value) = line.split_once(' ').unwrap();
            (name.to_owned(), value.parse().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn verified_dumps_are_copied_off_the_host_rotated_there_and_restore_from_there() {
    require_rclone();
    let app = app_with_data().await;
    let role = backup_role(&app).await;
    let (database, host) = pg_env(&app.database_url);
    let dir = tempfile::tempdir().unwrap();
    let remote = tempfile::tempdir().unwrap();
    let metrics = tempfile::tempdir().unwrap();
    let metrics_file = metrics.path().join("stellar-heads-backup.prom");
    // Something else kept in the same remote place is never counted or deleted.
    let foreign = remote.path().join("notes.txt");
    std::fs::write(&foreign, "not a dump").unwrap();
    let rclone_config = dir.path().join("no-rclone.conf");
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for _ in 0..3 {
        let output = run_backup_with(
            &app,
            &role,
            dir.path(),
            3,
            None,
            &[
                ("OFFSITE_REMOTE", remote.path()),
                ("OFFSITE_KEEP", Path::new("2")),
                ("METRICS_FILE", &metrics_file),
                ("RCLONE_CONFIG", &rclone_config),
            ],
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("copied to"),
            "{output:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    // Three kept here, the newest two there, byte for byte the same as here.
    let local = dumps(dir.path(), ".dump");
    let offsite = dumps(remote.path(), ".dump");
    assert_eq!(
        (local.len(), offsite.len()),
        (3, 2),
        "{local:?} {offsite:?}"
    );
    for copy in &offsite {
        let original = dir.path().join(copy.file_name().unwrap());
        assert_eq!(
            std::fs::read(copy).unwrap(),
            std::fs::read(original).unwrap()
        );
    }
    assert!(
        offsite[0].file_name() > local[0].file_name(),
        "the oldest is gone there"
    );
    assert!(foreign.exists());

    // Both successes recorded, now-ish, readable by the exporter.
    let text = std::fs::read_to_string(&metrics_file).unwrap();
    let values = metric_values(&text);
    let names: Vec<&str> = values.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "stellar_heads_backup_last_success_timestamp_seconds",
            "stellar_heads_backup_offsite_last_success_timestamp_seconds"
        ],
        "{text}"
    );
    for (_, value) in &values {
        assert!(
            (started as i64..started as i64 + 60).contains(value),
            "{text}"
        );
    }
    assert_eq!(
        std::fs::metadata(&metrics_file)
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o644
    );

    // The restore procedure from the off-host copy (README, "Backups"): fetch the newest with
    // rclone, restore it into an empty database, and find every row.
    let fetched = dir.path().join("fetched.dump");
    let status = Command::new("rclone")
        .arg("copyto")
        .arg(offsite.last().unwrap())
        .arg(&fetched)
        .env("RCLONE_CONFIG", &rclone_config)
        .status()
        .unwrap();
    assert!(status.success());
    let restored = pg_harness::fresh_database().await.unwrap();
    let output = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname", &restored.name])
        .arg(&fetched)
        .env("PGHOST", &host)
        .env("PGUSER", "postgres")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let restored_pool = sqlx::PgPool::connect(&restored.url).await.unwrap();
    for table in ["players", "matches", "standings"] {
        let query = format!("SELECT count(*) FROM {table}");
        let count: i64 = sqlx::query_scalar(&query)
            .fetch_one(&restored_pool)
            .await
            .unwrap();
        assert_eq!(count, app.count(table).await, "{table} in {database}");
    }

    // A remote that cannot be written fails the run, and the local dump is kept.
    let before = dumps(dir.path(), ".dump").len();
    let output = run_backup_with(
        &app,
        &role,
        dir.path(),
        7,
        None,
        &[
            ("OFFSITE_REMOTE", Path::new("nowhere:stellar-heads")),
            ("RCLONE_CONFIG", &rclone_config),
        ],
    );
    assert!(!output.status.success(), "{output:?}");
    assert_eq!(dumps(dir.path(), ".dump").len(), before + 1);
}
