//! Per-client request budgets (GCRA, from `governor`): strict for `/api/auth/*`, loose for
//! the rest of `/api`, none for static files and health checks. Over budget: 429 with
//! `Retry-After` and the JSON error body.
//!
//! A client is its address, and an IPv6 client its /64 (configurable): one machine gets a
//! whole /64, so keying on the full address would give it 2^64 budgets. Budgets live in a
//! fixed number of cells ([`ClientCells`]) that clients hash to: memory is the same for ten
//! clients or a hundred million, and a flood of fresh addresses cannot grow it. Two clients
//! landing in one cell share a budget; with the default 2^20 cells and ten thousand clients
//! active at once, about one in a hundred does.

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::hash::BuildHasher;

use governor::clock::{Clock, DefaultClock};
use governor::nanos::Nanos;
use governor::state::{InMemoryState, NotKeyed, StateStore};
use governor::{Quota, RateLimiter};
use ipnet::IpNet;
use protocol::ErrorCode;

use crate::client_ip::client_ip;
use crate::config::RateLimitConfig;
use crate::error::ApiError;
use crate::metrics::Metrics;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitClass {
    Auth,
    Api,
}

impl LimitClass {
    fn of(path: &str) -> Option<Self> {
        if path.starts_with("/api/auth/") {
            Some(Self::Auth)
        } else if path.starts_with("/api/") {
            Some(Self::Api)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Api => "api",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RateLimits {
    inner: Option<Arc<Limiters>>,
    trusted_proxies: Arc<[IpNet]>,
    metrics: Arc<Metrics>,
}

/// GCRA state for any number of clients in a fixed number of cells: a client uses the cell
/// its key hashes to (with a per-process random seed, so nobody can aim at another's cell).
pub struct ClientCells {
    cells: Box<[InMemoryState]>,
    seed: std::hash::RandomState,
}

impl std::fmt::Debug for ClientCells {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCells")
            .field("cells", &self.cells.len())
            .finish()
    }
}

impl ClientCells {
    pub fn new(cells: usize) -> Self {
        Self {
            cells: (0..cells.max(1))
                .map(|_| InMemoryState::default())
                .collect(),
            seed: std::hash::RandomState::new(),
        }
    }

    /// Bytes `cells` cells hold (fixed).
    pub fn memory_bytes(cells: usize) -> usize {
        cells.max(1) * std::mem::size_of::<InMemoryState>()
    }
}

impl StateStore for ClientCells {
    type Key = IpAddr;

    fn measure_and_replace<T, F, E>(&self, key: &IpAddr, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        let index = (self.seed.hash_one(key) % self.cells.len() as u64) as usize;
        self.cells[index].measure_and_replace(&NotKeyed::NonKey, f)
    }
}

type CellLimiter = RateLimiter<IpAddr, ClientCells, DefaultClock>;

#[derive(Debug)]
struct Limiters {
    auth: CellLimiter,
    api: CellLimiter,
    ipv4_prefix: u8,
    ipv6_prefix: u8,
    cells: usize,
}

/// The key a client's budget is kept under: its address cut to the configured prefix.
pub fn client_key(address: IpAddr, ipv4_prefix: u8, ipv6_prefix: u8) -> IpAddr {
    // An IPv4 client behind an IPv4-mapped IPv6 socket is an IPv4 client.
    let address = match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    };
    match address {
        IpAddr::V4(v4) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(ipv4_prefix))
                .unwrap_or(0);
            IpAddr::V4((u32::from(v4) & mask).into())
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(ipv6_prefix))
                .unwrap_or(0);
            IpAddr::V6((u128::from(v6) & mask).into())
        }
    }
}

fn positive(value: u32) -> NonZeroU32 {
    NonZeroU32::new(value).unwrap_or(NonZeroU32::MIN)
}

impl RateLimits {
    pub fn new(config: &RateLimitConfig, trusted_proxies: &[IpNet], metrics: Arc<Metrics>) -> Self {
        let inner = config.enabled.then(|| {
            let auth = Quota::per_minute(positive(config.auth_per_minute))
                .allow_burst(positive(config.auth_burst));
            let api = Quota::per_second(positive(config.api_per_second))
                .allow_burst(positive(config.api_burst));
            let clock = DefaultClock::default();
            Arc::new(Limiters {
                auth: RateLimiter::new(auth, ClientCells::new(config.client_cells), clock.clone()),
                api: RateLimiter::new(api, ClientCells::new(config.client_cells), clock),
                ipv4_prefix: config.ipv4_prefix,
                ipv6_prefix: config.ipv6_prefix,
                cells: config.client_cells,
            })
        });
        Self {
            inner,
            trusted_proxies: trusted_proxies.into(),
            metrics,
        }
    }

    /// Bytes the budgets hold (fixed at start).
    pub fn memory_bytes(&self) -> usize {
        self.inner
            .as_ref()
            .map_or(0, |inner| 2 * ClientCells::memory_bytes(inner.cells))
    }

    /// Whether a request of `class` from `client` is within budget now (the middleware's
    /// check, for tests and benchmarks).
    pub fn check(&self, class: LimitClass, client: IpAddr) -> Result<(), Duration> {
        let Some(inner) = &self.inner else {
            return Ok(());
        };
        let limiter = match class {
            LimitClass::Auth => &inner.auth,
            LimitClass::Api => &inner.api,
        };
        limiter
            .check_key(&client_key(client, inner.ipv4_prefix, inner.ipv6_prefix))
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// Clients whose address cannot be known share one budget.
const UNKNOWN_CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

pub async fn middleware(
    State(limits): State<RateLimits>,
    request: Request,
    next: Next,
) -> Response {
    let (Some(_), Some(class)) = (&limits.inner, LimitClass::of(request.uri().path())) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let client = client_ip(&parts, &limits.trusted_proxies).unwrap_or(UNKNOWN_CLIENT);
    match limits.check(class, client) {
        Ok(()) => next.run(Request::from_parts(parts, body)).await,
        Err(wait) => {
            limits.metrics.rate_limited(class);
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let mut response = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                format!("too many requests; try again in {seconds} s"),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(config: RateLimitConfig) -> RateLimits {
        RateLimits::new(&config, &[], Arc::new(Metrics::new()))
    }

    #[test]
    fn clients_are_keyed_by_their_prefix() {
        let key = |text: &str| client_key(text.parse().unwrap(), 32, 64).to_string();
        assert_eq!(key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::");
        assert_eq!(key("2001:db8:1:2::9"), "2001:db8:1:2::");
        assert_eq!(key("198.51.100.7"), "198.51.100.7");
        // IPv4 behind a dual-stack socket is still IPv4.
        assert_eq!(key("::ffff:198.51.100.7"), "198.51.100.7");
        assert_eq!(
            client_key("198.51.100.7".parse().unwrap(), 24, 48).to_string(),
            "198.51.100.0"
        );
        assert_eq!(
            client_key("2001:db8:1:2::9".parse().unwrap(), 32, 48).to_string(),
            "2001:db8:1::"
        );
    }

    #[test]
    fn a_million_distinct_clients_take_no_more_memory_than_one() {
        let limits = limits(RateLimitConfig::default());
        let before = limits.memory_bytes();
        // The stated bound: 2 limits x 2^20 cells x 8 bytes = 16 MiB, fixed at start.
        assert_eq!(before, 16 << 20);
        let mut refused = 0;
        for index in 0..1_000_000_u32 {
            let client = IpAddr::V6(((0x2001_0db8_u128 << 96) | (u128::from(index) << 64)).into());
            if limits.check(LimitClass::Auth, client).is_err() {
                refused += 1;
            }
        }
        assert_eq!(limits.memory_bytes(), before);
        // Each made one request of a burst of 10: only clients sharing a cell with ten or more
        // others are refused, and with 2^20 cells that is almost never (one shared cell
        // would refuse everyone after the tenth).
        assert!(refused < 100, "{refused} of a million clients refused");
        // Every one of them is still limited: the budget holds under the flood.
        let first = IpAddr::V6((0x2001_0db8_u128 << 96).into());
        let refusals = (0..20)
            .filter(|_| limits.check(LimitClass::Auth, first).is_err())
            .count();
        assert!(refusals >= 10, "{refusals}");
    }
}
