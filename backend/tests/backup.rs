//! The deployment's backup script (`nixos/backup.sh`), run for real against a database in the
//! throwaway cluster: a verified, private, atomically written dump; retention; a dump that
//! does not match the database fails; a dump restores.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::TestApp;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../nixos/backup.sh")
}

/// libpq settings for the test database's cluster, from its URL.
fn pg_env(url: &str) -> (String, String) {
    let (base, query) = url.split_once('?').unwrap();
    let database = base.rsplit('/').next().unwrap().to_owned();
    let host = query.strip_prefix("host=").unwrap().to_owned();
    (database, host)
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
    // No scratch database is left behind.
    let leftovers: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname LIKE '%_verify_%'")
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
