//! Configuration: defaults, then an optional TOML file, then `STELLAR_HEADS_*` environment
//! variables (and the conventional `DATABASE_URL`), each overriding the one before.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Environment variables are `STELLAR_HEADS_<SETTING>`, e.g. `STELLAR_HEADS_LISTEN`.
pub const ENV_PREFIX: &str = "STELLAR_HEADS_";

/// Where the server listens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ListenAddress {
    Tcp(std::net::SocketAddr),
    /// `unix:/path/to/socket`.
    Unix(PathBuf),
}

impl FromStr for ListenAddress {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        if let Some(path) = text.strip_prefix("unix:") {
            if !path.starts_with('/') {
                return Err(format!("unix socket path must be absolute: {text}"));
            }
            return Ok(Self::Unix(PathBuf::from(path)));
        }
        text.parse().map(Self::Tcp).map_err(|_| {
            format!("listen must be host:port (e.g. 127.0.0.1:3000) or unix:/path, not {text:?}")
        })
    }
}

impl TryFrom<String> for ListenAddress {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl std::fmt::Display for ListenAddress {
    /// As written in the configuration: `host:port` or `unix:/path`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Tcp(address) => write!(f, "{address}"),
            Self::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

impl From<ListenAddress> for String {
    fn from(address: ListenAddress) -> String {
        address.to_string()
    }
}

/// libpq's `sslmode` values, but for `verify-ca`: with the rustls our database driver uses,
/// it would still check the name (sqlx 0.8.6 misses rustls' newer name error), so it is not
/// offered rather than offered and wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatabaseSslMode {
    Disable,
    Prefer,
    /// Encrypted, the certificate not checked.
    Require,
    /// Encrypted to a server whose certificate a trusted authority signed for the URL's host.
    VerifyFull,
}

impl From<DatabaseSslMode> for sqlx::postgres::PgSslMode {
    fn from(mode: DatabaseSslMode) -> Self {
        match mode {
            DatabaseSslMode::Disable => Self::Disable,
            DatabaseSslMode::Prefer => Self::Prefer,
            DatabaseSslMode::Require => Self::Require,
            DatabaseSslMode::VerifyFull => Self::VerifyFull,
        }
    }
}

/// Log output: readable lines for people, or one JSON object per line for log collectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Every setting; the README documents each one.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub listen: ListenAddress,
    /// Mode of the unix socket file (octal in the file, e.g. "0660").
    pub socket_mode: String,
    /// PostgreSQL URL. Either this or `database_url_file`.
    pub database_url: Option<String>,
    /// A file holding the PostgreSQL URL (for URLs with passwords).
    pub database_url_file: Option<PathBuf>,
    /// A read replica of the database for the leaderboard and players' stats, which tolerate
    /// a few seconds of lag; writes, sign-ins and match records always use `database_url`.
    /// Either this or `database_replica_url_file`; unset, everything reads the primary.
    pub database_replica_url: Option<String>,
    pub database_replica_url_file: Option<PathBuf>,
    /// TLS to the database (primary and replica), overriding the URLs' `sslmode`:
    /// `verify-full` checks the server's certificate and name.
    pub database_ssl_mode: Option<DatabaseSslMode>,
    /// A PEM file of the certificate authorities the database's certificate is checked
    /// against (on top of the system's), overriding the URLs' `sslrootcert`.
    pub database_ca_file: Option<PathBuf>,
    /// Connections for writes and signed-in reads. With several API nodes on one database,
    /// every node's `database_max_connections + database_read_connections` together must fit
    /// in the server's `max_connections`; one node refuses to start if its own do not.
    pub database_max_connections: u32,
    /// Connections for anonymous public reads (leaderboard, stats, match records), on top
    /// of `database_max_connections`: however many readers come, they wait for these and
    /// never take the connections sign-ins and results need.
    pub database_read_connections: u32,
    /// A public read taking longer than this is cancelled by PostgreSQL (milliseconds).
    pub read_statement_timeout_ms: u64,
    /// Seconds to wait for a free database connection before answering 503.
    pub database_acquire_timeout_secs: u64,
    /// A file holding the HMAC secret for tokens (at least 32 bytes).
    pub jwt_secret_file: Option<PathBuf>,
    /// While rotating the secret: a file holding the previous one. Tokens and challenges it
    /// signed are still accepted (new ones are signed with `jwt_secret_file`'s), so nobody is
    /// signed out; remove it once `jwt_ttl_secs` has passed since the rotation.
    pub jwt_previous_secret_file: Option<PathBuf>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub jwt_ttl_secs: u64,
    pub challenge_ttl_secs: u64,
    /// Named in the wallet challenge message, so a signature cannot be replayed elsewhere.
    pub site_name: String,
    /// The built web root (frontend + game) to serve; the API alone when unset.
    pub web_root: Option<PathBuf>,
    pub max_body_bytes: usize,
    pub log_format: LogFormat,
    /// A `tracing` filter, e.g. `info,stellar_heads_backend=debug`.
    pub log_filter: String,
    /// Where Prometheus metrics are served (`/metrics`); not served at all when unset, and
    /// never on the public listener.
    pub metrics_listen: Option<ListenAddress>,
    /// Proxies (addresses or CIDR ranges) whose `X-Forwarded-For` is believed. Requests over
    /// the unix socket always come from the local proxy.
    #[serde(deserialize_with = "addresses_or_ranges")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub rate_limit: RateLimitConfig,
    /// Origins allowed to call the API from another site (CORS); none by default.
    pub cors_allowed_origins: Vec<String>,
    /// The Content-Security-Policy sent with every response.
    pub content_security_policy: String,
    /// Send `Strict-Transport-Security` (only honoured by browsers over HTTPS).
    pub hsts: bool,
    /// A request taking longer than this is answered 503.
    pub request_timeout_secs: u64,
    /// A client must send its request headers within this time.
    pub header_read_timeout_secs: u64,
    /// On SIGTERM, in-flight requests get this long to finish.
    pub shutdown_grace_secs: u64,
    /// A started match not finished within this time is closed (a ranked one forfeited).
    /// Must leave room for a whole match, pauses and a slow connection.
    pub match_ticket_ttl_secs: u64,
    /// Threads re-playing submitted matches at once; 0 means one per core.
    pub verify_workers: usize,
    /// Submitted matches that may wait for a verifier; beyond that, 503 `busy`.
    pub verify_queue: usize,
}

/// Requests per client address. The auth endpoints get a strict budget; the rest of the API
/// a loose one; static files and health checks none.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitConfig {
    pub enabled: bool,
    pub auth_per_minute: u32,
    pub auth_burst: u32,
    pub api_per_second: u32,
    pub api_burst: u32,
    /// IPv4 clients are keyed by this prefix of their address (32: each address).
    pub ipv4_prefix: u8,
    /// IPv6 clients are keyed by this prefix (64: one site's subnet, what one machine gets).
    pub ipv6_prefix: u8,
    /// Budget cells per limit (8 bytes each, allocated at start): memory never grows past
    /// them however many clients come; clients hashing to one cell share a budget.
    pub client_cells: usize,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            auth_per_minute: 30,
            auth_burst: 10,
            api_per_second: 20,
            api_burst: 100,
            ipv4_prefix: 32,
            ipv6_prefix: 64,
            client_cells: 1 << 20,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: ListenAddress::Tcp(([127, 0, 0, 1], 3000).into()),
            socket_mode: "0660".into(),
            database_url: None,
            database_url_file: None,
            database_replica_url: None,
            database_replica_url_file: None,
            database_ssl_mode: None,
            database_ca_file: None,
            database_max_connections: 10,
            database_read_connections: 4,
            read_statement_timeout_ms: 2000,
            database_acquire_timeout_secs: 5,
            jwt_secret_file: None,
            jwt_previous_secret_file: None,
            jwt_issuer: "stellar-heads".into(),
            jwt_audience: "stellar-heads-api".into(),
            jwt_ttl_secs: 24 * 60 * 60,
            challenge_ttl_secs: 5 * 60,
            site_name: "Stellar Heads".into(),
            web_root: None,
            max_body_bytes: 64 * 1024,
            log_format: LogFormat::Pretty,
            log_filter: "info".into(),
            metrics_listen: None,
            trusted_proxies: Vec::new(),
            rate_limit: RateLimitConfig::default(),
            cors_allowed_origins: Vec::new(),
            content_security_policy: crate::security_headers::default_csp(),
            hsts: true,
            request_timeout_secs: 30,
            header_read_timeout_secs: 10,
            shutdown_grace_secs: 30,
            match_ticket_ttl_secs: 20 * 60,
            verify_workers: 0,
            verify_queue: 64,
        }
    }
}

impl std::fmt::Debug for Config {
    // Never print the database URL: it may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database_url", &self.database_url.as_ref().map(|_| "<set>"))
            .field("database_url_file", &self.database_url_file)
            .field(
                "database_replica_url",
                &self.database_replica_url.as_ref().map(|_| "<set>"),
            )
            .field("database_replica_url_file", &self.database_replica_url_file)
            .field("database_ssl_mode", &self.database_ssl_mode)
            .field("database_ca_file", &self.database_ca_file)
            .field("jwt_secret_file", &self.jwt_secret_file)
            .field("jwt_previous_secret_file", &self.jwt_previous_secret_file)
            .field("web_root", &self.web_root)
            .finish_non_exhaustive()
    }
}

/// The least secret length we accept: HS256 wants a key as long as its 256-bit output.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

impl Config {
    /// Defaults < `file` (if any) < `STELLAR_HEADS_*` < `DATABASE_URL`.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.is_file() {
                bail!("config file {} does not exist", file.display());
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        figment = figment
            // Nested settings use a double underscore: STELLAR_HEADS_RATE_LIMIT__AUTH_BURST.
            .merge(Env::prefixed(ENV_PREFIX).ignore(&["CONFIG"]).split("__"))
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database_url".into()),
            );
        let config: Config = figment.extract().context("invalid configuration")?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if self.database_url.is_some() && self.database_url_file.is_some() {
            bail!("set database_url or database_url_file, not both");
        }
        if self.database_replica_url.is_some() && self.database_replica_url_file.is_some() {
            bail!("set database_replica_url or database_replica_url_file, not both");
        }
        // Ranges outside which a setting can only be a mistake: each names itself.
        let ranges: [(&str, u64, u64, u64); 7] = [
            // A full match's result is about 15 KB of JSON.
            (
                "max_body_bytes",
                self.max_body_bytes as u64,
                32 * 1024,
                16 << 20,
            ),
            ("verify_queue", self.verify_queue as u64, 1, 100_000),
            ("request_timeout_secs", self.request_timeout_secs, 1, 3600),
            (
                "header_read_timeout_secs",
                self.header_read_timeout_secs,
                1,
                600,
            ),
            ("shutdown_grace_secs", self.shutdown_grace_secs, 0, 3600),
            (
                "database_acquire_timeout_secs",
                self.database_acquire_timeout_secs,
                1,
                600,
            ),
            (
                "match_ticket_ttl_secs",
                self.match_ticket_ttl_secs,
                0,
                24 * 3600,
            ),
        ];
        for (name, value, low, high) in ranges {
            if !(low..=high).contains(&value) {
                bail!("{name} must be between {low} and {high}, not {value}");
            }
        }
        u32::from_str_radix(self.socket_mode.trim_start_matches("0o"), 8).with_context(|| {
            format!(
                "socket_mode must be octal, like \"0660\", not {:?}",
                self.socket_mode
            )
        })?;
        if !(60..=MAX_JWT_TTL_SECS).contains(&self.jwt_ttl_secs) {
            bail!(
                "jwt_ttl_secs must be between 60 and {MAX_JWT_TTL_SECS} (90 days), not {}",
                self.jwt_ttl_secs
            );
        }
        if !(30..=3600).contains(&self.challenge_ttl_secs) {
            bail!(
                "challenge_ttl_secs must be between 30 and 3600, not {}",
                self.challenge_ttl_secs
            );
        }
        if self.jwt_secret_file.is_some() && self.jwt_secret_file == self.jwt_previous_secret_file {
            bail!("jwt_previous_secret_file must be another file than jwt_secret_file");
        }
        let limits = &self.rate_limit;
        if limits.enabled
            && [
                limits.auth_per_minute,
                limits.auth_burst,
                limits.api_per_second,
                limits.api_burst,
            ]
            .contains(&0)
        {
            bail!("rate limits must be positive (or set rate_limit.enabled = false)");
        }
        if !(8..=32).contains(&limits.ipv4_prefix) || !(32..=128).contains(&limits.ipv6_prefix) {
            bail!(
                "rate_limit.ipv4_prefix must be 8..=32 and rate_limit.ipv6_prefix 32..=128, not {} and {}",
                limits.ipv4_prefix,
                limits.ipv6_prefix
            );
        }
        if !(1024..=(1 << 26)).contains(&limits.client_cells) {
            bail!(
                "rate_limit.client_cells must be between 1024 and {}, not {}",
                1 << 26,
                limits.client_cells
            );
        }
        for origin in &self.cors_allowed_origins {
            axum::http::HeaderValue::from_str(origin)
                .ok()
                .filter(|_| origin.starts_with("https://") || origin.starts_with("http://"))
                .with_context(|| {
                    format!(
                        "cors_allowed_origins: {origin:?} is not an origin like https://example.org"
                    )
                })?;
        }
        let shortest_ticket = u64::from(protocol::rules::MATCH_SECONDS) + 60;
        if self.match_ticket_ttl_secs < shortest_ticket {
            bail!(
                "match_ticket_ttl_secs must be at least {shortest_ticket}: a match lasts {} s",
                protocol::rules::MATCH_SECONDS
            );
        }
        if self.database_max_connections == 0 || self.database_read_connections == 0 {
            bail!("database_max_connections and database_read_connections must be at least 1");
        }
        if !(10..=60_000).contains(&self.read_statement_timeout_ms) {
            bail!(
                "read_statement_timeout_ms must be between 10 and 60000, not {}",
                self.read_statement_timeout_ms
            );
        }
        Ok(())
    }

    /// Verifier threads: `verify_workers`, or one per core.
    pub fn verify_workers(&self) -> usize {
        match self.verify_workers {
            0 => crate::verify::default_workers(),
            workers => workers,
        }
    }

    pub fn socket_mode(&self) -> u32 {
        u32::from_str_radix(self.socket_mode.trim_start_matches("0o"), 8).unwrap_or(0o660)
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_secs)
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }

    pub fn database_acquire_timeout(&self) -> Duration {
        Duration::from_secs(self.database_acquire_timeout_secs)
    }

    /// The database URL, read from the file when configured that way.
    pub fn database_url(&self) -> anyhow::Result<String> {
        read_url(
            &self.database_url,
            &self.database_url_file,
            "database_url_file",
        )?
        .with_context(|| {
            format!("no database configured: set DATABASE_URL (or {ENV_PREFIX}DATABASE_URL_FILE)")
        })
    }

    /// The read replica's URL, if one is configured.
    pub fn database_replica_url(&self) -> anyhow::Result<Option<String>> {
        read_url(
            &self.database_replica_url,
            &self.database_replica_url_file,
            "database_replica_url_file",
        )
    }

    pub fn jwt_ttl(&self) -> time::Duration {
        time::Duration::seconds(i64::try_from(self.jwt_ttl_secs).unwrap_or(i64::MAX))
    }

    /// The token secret. Refuses a missing, unreadable or short secret: a server with a weak
    /// secret must not start.
    pub fn jwt_secret(&self) -> anyhow::Result<Vec<u8>> {
        let file = self.jwt_secret_file.as_ref().with_context(|| {
            format!("no token secret: set {ENV_PREFIX}JWT_SECRET_FILE to a file with at least {MIN_JWT_SECRET_BYTES} random bytes")
        })?;
        read_secret(file, "jwt_secret_file")
    }

    /// The previous token secret, while rotating; the same rules as the current one.
    pub fn jwt_previous_secret(&self) -> anyhow::Result<Option<Vec<u8>>> {
        self.jwt_previous_secret_file
            .as_ref()
            .map(|file| read_secret(file, "jwt_previous_secret_file"))
            .transpose()
    }
}

/// A URL given directly or in a file (for URLs with passwords).
fn read_url(
    url: &Option<String>,
    file: &Option<PathBuf>,
    setting: &str,
) -> anyhow::Result<Option<String>> {
    match (url, file) {
        (Some(url), _) => Ok(Some(url.clone())),
        (None, Some(file)) => Ok(Some(
            std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {setting} {}", file.display()))?
                .trim()
                .to_owned(),
        )),
        (None, None) => Ok(None),
    }
}

/// `10.0.0.10` (one address) or `10.0.0.0/24` (a range), as operators write them.
fn addresses_or_ranges<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<ipnet::IpNet>, D::Error> {
    Vec::<String>::deserialize(deserializer)?
        .iter()
        .map(|text| {
            text.parse::<ipnet::IpNet>()
                .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    serde::de::Error::custom(format!(
                        "{text:?} is neither an IP address nor a CIDR range"
                    ))
                })
        })
        .collect()
}

/// The longest session a token may open.
pub const MAX_JWT_TTL_SECS: u64 = 90 * 24 * 60 * 60;

fn read_secret(file: &Path, setting: &str) -> anyhow::Result<Vec<u8>> {
    let mut secret =
        std::fs::read(file).with_context(|| format!("cannot read {setting} {}", file.display()))?;
    // A trailing newline from `echo` or an editor is not part of the secret.
    while secret.last().is_some_and(|b| b.is_ascii_whitespace()) {
        secret.pop();
    }
    if secret.len() < MIN_JWT_SECRET_BYTES {
        bail!(
            "the token secret in {} is {} bytes; at least {MIN_JWT_SECRET_BYTES} are required \
             (e.g. `head -c 48 /dev/urandom | base64 > {}`)",
            file.display(),
            secret.len(),
            file.display()
        );
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses_parse() {
        assert_eq!(
            "127.0.0.1:8080".parse(),
            Ok(ListenAddress::Tcp(([127, 0, 0, 1], 8080).into()))
        );
        assert_eq!(
            "unix:/run/stellar-heads/api.sock".parse(),
            Ok(ListenAddress::Unix("/run/stellar-heads/api.sock".into()))
        );
        assert!("unix:relative.sock".parse::<ListenAddress>().is_err());
        assert!("localhost".parse::<ListenAddress>().is_err());
    }

    #[test]
    fn a_short_or_missing_secret_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        let mut config = Config::default();
        assert!(config.jwt_secret().is_err());
        config.jwt_secret_file = Some(file.clone());
        assert!(
            config
                .jwt_secret()
                .unwrap_err()
                .to_string()
                .contains("cannot read")
        );
        std::fs::write(&file, "short\n").unwrap();
        assert!(
            config
                .jwt_secret()
                .unwrap_err()
                .to_string()
                .contains("at least 32")
        );
        std::fs::write(&file, format!("{}\n", "x".repeat(32))).unwrap();
        assert_eq!(config.jwt_secret().unwrap().len(), 32);
    }

    #[test]
    fn the_file_is_read_and_unknown_keys_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(
            &file,
            "listen = \"unix:/run/x.sock\"\njwt_ttl_secs = 60\ntrusted_proxies = [\"10.0.0.0/8\", \"::1/128\", \"192.0.2.7\"]\n\
             [rate_limit]\nauth_burst = 3\n",
        )
        .unwrap();
        let config = Config::load(Some(&file)).unwrap();
        assert_eq!(config.listen, ListenAddress::Unix("/run/x.sock".into()));
        assert_eq!(config.jwt_ttl_secs, 60);
        assert_eq!(
            config.trusted_proxies,
            ["10.0.0.0/8", "::1/128", "192.0.2.7/32"].map(|net| net.parse().unwrap())
        );
        assert_eq!(config.rate_limit.auth_burst, 3);
        assert_eq!(
            config.rate_limit.auth_per_minute,
            RateLimitConfig::default().auth_per_minute
        );
        std::fs::write(&file, "trusted_proxies = [\"10.0.0.0/33\"]\n").unwrap();
        assert!(
            format!("{:#}", Config::load(Some(&file)).unwrap_err())
                .contains("neither an IP address nor a CIDR range")
        );
        std::fs::write(&file, "lisen = \"127.0.0.1:1\"\n").unwrap();
        assert!(format!("{:#}", Config::load(Some(&file)).unwrap_err()).contains("lisen"));
    }

    #[test]
    fn settings_that_make_no_sense_are_refused_by_name() {
        let refused = |adjust: fn(&mut Config)| {
            let mut config = Config::default();
            adjust(&mut config);
            format!("{:#}", config.validate().unwrap_err())
        };
        assert!(refused(|c| c.jwt_ttl_secs = u64::MAX).contains("jwt_ttl_secs"));
        assert!(refused(|c| c.challenge_ttl_secs = 0).contains("challenge_ttl_secs"));
        assert!(refused(|c| c.max_body_bytes = 100).contains("max_body_bytes"));
        assert!(refused(|c| c.verify_queue = 0).contains("verify_queue"));
        assert!(refused(|c| c.request_timeout_secs = 0).contains("request_timeout_secs"));
        assert!(refused(|c| c.read_statement_timeout_ms = 0).contains("read_statement_timeout_ms"));
        assert!(refused(|c| c.rate_limit.ipv6_prefix = 129).contains("ipv6_prefix"));
        assert!(refused(|c| c.rate_limit.client_cells = 1).contains("client_cells"));
        assert!(refused(|c| c.database_read_connections = 0).contains("database_read_connections"));
        assert!(Config::default().validate().is_ok());
    }
}
