//! Monitoring an operator can trust: every metric the alert rules (`nixos/monitoring/alerts.yml`)
//! and the dashboard (`nixos/monitoring/dashboard.json`) name is one that is really exported,
//! read live: the server's `/metrics` (the metrics listener's router) after real traffic, the
//! backup job's and the certificate check's textfiles after running those scripts.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{TestApp, pg_env};
use http_body_util::BodyExt;
use protocol::Difficulty;
use regex::Regex;
use serde_json::json;
use stellar_heads_backend::config::RateLimitConfig;
use stellar_heads_backend::metrics;
use tower::ServiceExt;

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// Every PromQL expression of the alert rules and the dashboard, with where it is.
fn expressions() -> Vec<(String, String)> {
    #[derive(serde::Deserialize)]
    struct RuleFile {
        groups: Vec<Group>,
    }
    #[derive(serde::Deserialize)]
    struct Group {
        rules: Vec<Rule>,
    }
    #[derive(serde::Deserialize)]
    struct Rule {
        alert: String,
        expr: String,
    }
    let rules: RuleFile = serde_norway::from_str(
        &std::fs::read_to_string(repo_file("nixos/monitoring/alerts.yml")).unwrap(),
    )
    .unwrap();
    let mut found: Vec<(String, String)> = rules
        .groups
        .into_iter()
        .flat_map(|group| group.rules)
        .map(|rule| (format!("alert {}", rule.alert), rule.expr))
        .collect();
    let dashboard: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_file("nixos/monitoring/dashboard.json")).unwrap(),
    )
    .unwrap();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            found.push((
                format!("panel {}", panel["title"]),
                target["expr"].as_str().unwrap().to_owned(),
            ));
        }
    }
    found
}

/// The metric names a PromQL expression reads: identifiers that are not functions or
/// aggregations (followed by `(`), keywords, label names (in `{...}` or `by (...)`) or parts
/// of strings and ranges.
fn metric_names(expr: &str) -> BTreeSet<String> {
    let stripped = Regex::new(r#""[^"]*"|\{[^}]*\}|\[[^\]]*\]"#)
        .unwrap()
        .replace_all(expr, " ");
    let stripped = Regex::new(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
        .unwrap()
        .replace_all(&stripped, " ");
    let identifier = Regex::new(r"[A-Za-z_:][A-Za-z0-9_:]*").unwrap();
    let keywords = ["and", "or", "unless", "bool", "offset", "inf", "nan"];
    identifier
        .find_iter(&stripped)
        .filter(|found| {
            let rest = stripped[found.end()..].trim_start();
            let after_number =
                found.start() > 0 && stripped.as_bytes()[found.start() - 1].is_ascii_digit();
            !rest.starts_with('(') && !keywords.contains(&found.as_str()) && !after_number
        })
        .map(|found| found.as_str().to_owned())
        .collect()
}

/// The sample names of a Prometheus/OpenMetrics text.
fn exported_names(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| line.split(['{', ' ']).next().unwrap().to_owned())
        .collect()
}

/// What does not resolve: (where, metric) for every name no exporter provides.
fn unexported(exported: &BTreeSet<String>) -> Vec<(String, String)> {
    expressions()
        .into_iter()
        .flat_map(|(place, expr)| {
            metric_names(&expr)
                .into_iter()
                .filter(|name| !exported.contains(name))
                .map(move |name| (place.clone(), name))
        })
        .collect()
}

#[test]
fn the_expression_reader_finds_metrics_and_nothing_else() {
    assert_eq!(
        metric_names(
            r#"sum by (instance, le) (rate(a_total{status=~"5..", x="y(z)"}[5m])) / on (pool) b > 26 * 3600 and bool c offset 5m"#
        ),
        ["a_total", "b", "c"].map(String::from).into()
    );
    assert_eq!(
        metric_names("time() - stellar_heads_backup_last_success_timestamp_seconds > 1e3"),
        ["stellar_heads_backup_last_success_timestamp_seconds".to_owned()].into()
    );
}

/// The server's `/metrics` after a little of everything: requests, a verified match, a
/// rate-limited sign-in, the pools.
async fn server_metrics() -> String {
    let app = TestApp::spawn_with(|config| {
        config.rate_limit = RateLimitConfig {
            // Registering takes two auth requests; the third is refused.
            auth_burst: 2,
            ..RateLimitConfig::default()
        };
    })
    .await;
    let player = app.register("Watched").await;
    let response = app.play(&player, Difficulty::Normal).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    app.post(
        "/api/auth/challenge",
        json!({"wallet_address": player.wallet.address()}),
        None,
    )
    .await;
    app.get("/api/leaderboard", None).await;
    let router = metrics::router(app.state.metrics.clone(), app.state.pools());
    let response = router
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(body.to_vec()).unwrap()
}

/// The backup job's textfile after a real backup with an off-host copy.
fn backup_metrics(database_url: &str) -> String {
    let (database, host) = pg_env(database_url);
    let dir = tempfile::tempdir().unwrap();
    let metrics_file = dir.path().join("backup.prom");
    let output = Command::new("bash")
        .arg(repo_file("nixos/backup.sh"))
        .env("DATABASE", database)
        .env("BACKUP_DIR", dir.path().join("dumps"))
        .env("OFFSITE_REMOTE", dir.path().join("offsite"))
        .env("RCLONE_CONFIG", dir.path().join("none.conf"))
        .env("METRICS_FILE", &metrics_file)
        .env("PGHOST", host)
        .env("PGUSER", "postgres")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    std::fs::read_to_string(metrics_file).unwrap()
}

/// The certificate check's textfile for a certificate that expires in 40 days.
fn certificate_metrics() -> String {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["heads.example".to_owned()]).unwrap();
    let expires = time::OffsetDateTime::now_utc() + time::Duration::days(40);
    params.not_after = expires;
    let certificate = dir.path().join("cert.pem");
    std::fs::write(&certificate, params.self_signed(&key).unwrap().pem()).unwrap();
    let metrics_file = dir.path().join("cert.prom");
    let output = Command::new("bash")
        .arg(repo_file("nixos/cert-expiry.sh"))
        .arg(format!("heads.example={}", certificate.display()))
        .env("METRICS_FILE", &metrics_file)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = std::fs::read_to_string(metrics_file).unwrap();
    let line = text.lines().find(|line| !line.starts_with('#')).unwrap();
    assert_eq!(
        line,
        format!(
            r#"stellar_heads_tls_certificate_expiry_timestamp_seconds{{domain="heads.example"}} {}"#,
            expires.unix_timestamp()
        )
    );
    text
}

#[tokio::test]
async fn every_metric_the_alerts_and_the_dashboard_name_is_exported() {
    let server = server_metrics().await;
    let database = pg_harness::fresh_database().await.unwrap();
    // The backup job dumps a database with the schema in it.
    TestApp::spawn_on(&database.url, |_| {}).await;
    let mut exported = exported_names(&server);
    exported.extend(exported_names(&backup_metrics(&database.url)));
    exported.extend(exported_names(&certificate_metrics()));
    // Prometheus' own series for every target it scrapes.
    exported.insert("up".to_owned());

    for expected in [
        "stellar_heads_database_up",
        "stellar_heads_verify_waiting",
        "stellar_heads_http_request_duration_seconds_bucket",
        "stellar_heads_rate_limited_requests_total",
        "stellar_heads_backup_offsite_last_success_timestamp_seconds",
    ] {
        assert!(
            exported.contains(expected),
            "{expected} is not exported:\n{server}"
        );
    }
    assert!(server.contains("stellar_heads_database_up 1"), "{server}");
    let named: BTreeSet<String> = expressions()
        .iter()
        .flat_map(|(_, expr)| metric_names(expr))
        .collect();
    assert!(named.len() >= 15, "too few metrics read: {named:?}");
    let missing = unexported(&exported);
    assert!(missing.is_empty(), "named but not exported: {missing:?}");

    // The check can fail: without the certificate check, its alert and panel are reported.
    exported.remove("stellar_heads_tls_certificate_expiry_timestamp_seconds");
    let places: Vec<String> = unexported(&exported)
        .into_iter()
        .map(|(place, _)| place)
        .collect();
    assert_eq!(
        places,
        [
            "alert StellarHeadsCertificateExpiresSoon",
            "panel \"Certificate expires in\""
        ]
    );
}
