//! The database for more than one node: TLS to an external PostgreSQL (`verify-full` against
//! a CA file, refused for an unknown authority or another name), the pools' connection
//! budget against the server's `max_connections`, and a read replica that serves the
//! leaderboard and stats while every write goes to the primary.

mod common;

use std::net::TcpListener;

use axum::http::StatusCode;
use common::TestApp;
use pg_harness::{Cluster, ClusterOptions};
use protocol::Difficulty;
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use stellar_heads_backend::app;
use stellar_heads_backend::config::{Config, DatabaseSslMode};

/// A certificate authority and a server certificate it signed for `names`.
struct Certificates {
    ca_pem: String,
    server_pem: String,
    server_key_pem: String,
}

fn certificates(names: &[&str]) -> Certificates {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
        .unwrap()
        .signed_by(&server_key, &ca, &ca_key)
        .unwrap();
    Certificates {
        ca_pem: ca.pem(),
        server_pem: server.pem(),
        server_key_pem: server_key.serialize_pem(),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A cluster listening on 127.0.0.1 with TLS, its certificate for `names`.
fn tls_cluster(certificates: &Certificates, port: u16) -> Cluster {
    Cluster::start(ClusterOptions {
        settings: vec![
            ("listen_addresses".into(), "127.0.0.1".into()),
            ("port".into(), port.to_string()),
            ("ssl".into(), "on".into()),
            ("ssl_cert_file".into(), "server.crt".into()),
            ("ssl_key_file".into(), "server.key".into()),
        ],
        data_files: vec![
            ("server.crt".into(), certificates.server_pem.clone().into()),
            (
                "server.key".into(),
                certificates.server_key_pem.clone().into(),
            ),
        ],
        ..ClusterOptions::default()
    })
    .unwrap()
}

fn config_for(url: &str, dir: &std::path::Path) -> Config {
    let secret = dir.join("jwt-secret");
    std::fs::write(&secret, common::SECRET).unwrap();
    Config {
        database_url: Some(url.to_owned()),
        jwt_secret_file: Some(secret),
        ..Config::default()
    }
}

#[tokio::test]
async fn verify_full_connects_with_the_ca_file_and_refuses_an_unknown_authority_or_another_name() {
    let certificates = certificates(&["localhost"]);
    let port = free_port();
    let _cluster = tls_cluster(&certificates, port);
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &certificates.ca_pem).unwrap();

    // The name in the certificate, the CA from the file: connected over TLS.
    let mut config = config_for(
        &format!("postgres://postgres@localhost:{port}/postgres"),
        dir.path(),
    );
    config.database_ssl_mode = Some(DatabaseSslMode::VerifyFull);
    config.database_ca_file = Some(ca_file.clone());
    let state = app::state_from_config(&config).await.unwrap();
    let (ssl, application): (bool, String) = sqlx::query_as(
        "SELECT s.ssl, a.application_name FROM pg_stat_ssl s \
         JOIN pg_stat_activity a USING (pid) WHERE pid = pg_backend_pid()",
    )
    .fetch_one(&state.db)
    .await
    .unwrap();
    assert!(ssl, "the connection is not encrypted");
    assert_eq!(application, "stellar-heads");
    state.db.close().await;

    // Without the CA file, the server's certificate is from an unknown authority.
    let mut unknown = config.clone();
    unknown.database_ca_file = None;
    let error = format!("{:#}", app::state_from_config(&unknown).await.unwrap_err());
    assert!(
        error.contains("cannot connect to the database") && error.contains("certificate"),
        "{error}"
    );

    // Another name than the certificate's.
    let mut other_name = config.clone();
    other_name.database_url = Some(format!("postgres://postgres@127.0.0.1:{port}/postgres"));
    let error = format!(
        "{:#}",
        app::state_from_config(&other_name).await.unwrap_err()
    );
    assert!(error.contains("not valid for name"), "{error}");

    // The setting overrides the URL's sslmode: "disable" in the URL does not turn TLS off.
    let mut url_says_disable = config.clone();
    url_says_disable.database_url = Some(format!(
        "postgres://postgres@localhost:{port}/postgres?sslmode=disable"
    ));
    url_says_disable.database_ca_file = None;
    assert!(app::state_from_config(&url_says_disable).await.is_err());

    // A CA file that is not there is named.
    let mut missing = config.clone();
    missing.database_ca_file = Some(dir.path().join("nope.pem"));
    let error = format!("{:#}", app::state_from_config(&missing).await.unwrap_err());
    assert!(error.contains("database_ca_file"), "{error}");
}

#[tokio::test]
async fn pools_larger_than_the_servers_max_connections_are_refused_at_start() {
    let database = pg_harness::fresh_database().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_for(&database.url, dir.path());
    // The harness's cluster: max_connections 300, 3 reserved for superusers.
    config.database_max_connections = 290;
    config.database_read_connections = 10;
    let error = format!("{:#}", app::state_from_config(&config).await.unwrap_err());
    assert!(
        error.contains("300 connections") && error.contains("allows 297"),
        "{error}"
    );
    config.database_read_connections = 7;
    app::state_from_config(&config)
        .await
        .unwrap()
        .db
        .close()
        .await;
}

#[tokio::test]
async fn the_replica_serves_the_leaderboard_and_stats_and_every_write_goes_to_the_primary() {
    // Two databases of one cluster stand in for a primary and its replica: what each holds
    // shows where a request read or wrote.
    let replica = TestApp::spawn().await;
    let only_on_replica = replica.register("OnReplica").await;
    let response = replica.play(&only_on_replica, Difficulty::Normal).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());

    let primary = TestApp::spawn_with(|config| {
        config.database_replica_url = Some(replica.database_url.clone());
    })
    .await;
    let leaderboard_names = || async {
        let board = primary.get("/api/leaderboard", None).await.json();
        board["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["username"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    // The leaderboard: from the replica.
    assert_eq!(leaderboard_names().await, ["OnReplica"]);

    let player = primary.register("OnPrimary").await;
    let response = primary.play(&player, Difficulty::Normal).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let match_id = response.json()["match_id"].as_str().unwrap().to_owned();

    // Writes: the primary has its player and match; the replica has only its own.
    assert_eq!(primary.count("players").await, 1);
    assert_eq!(primary.count("matches").await, 1);
    assert_eq!(replica.count("players").await, 1);
    assert_eq!(replica.count("matches").await, 1);

    // A node refreshes its cached top from the primary right after storing a ranked match,
    // so a player sees their own result at once, however far the replica lags.
    assert_eq!(leaderboard_names().await, ["OnPrimary"]);

    // Players' stats: from the replica.
    let stats = primary
        .get(
            &format!("/api/players/{}/stats", only_on_replica.wallet.address()),
            None,
        )
        .await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.text());
    primary
        .get(
            &format!("/api/players/{}/stats", player.wallet.address()),
            None,
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");

    // Signed-in reads and match records: from the primary.
    let me = primary.get("/api/me", Some(&player.token)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text());
    let record = primary
        .get(&format!("/api/matches/{match_id}/record"), None)
        .await;
    assert_eq!(record.status, StatusCode::OK, "{}", record.text());

    // The metrics show the replica's pool beside the primary's.
    let text = primary.state.metrics.render(&primary.state.pools());
    assert!(
        text.contains(r#"stellar_heads_db_pool_max_connections{pool="replica"} 4"#),
        "{text}"
    );
}
