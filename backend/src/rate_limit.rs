//! Per-client request budgets (GCRA, from `governor`): strict for `/api/auth/*`, loose for
//! the rest of `/api`, none for static files and health checks. Over budget: 429 with
//! `Retry-After` and the JSON error body.

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
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

#[derive(Debug)]
struct Limiters {
    auth: DefaultKeyedRateLimiter<IpAddr>,
    api: DefaultKeyedRateLimiter<IpAddr>,
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
            Arc::new(Limiters {
                auth: RateLimiter::keyed(auth),
                api: RateLimiter::keyed(api),
            })
        });
        Self {
            inner,
            trusted_proxies: trusted_proxies.into(),
            metrics,
        }
    }

    /// Forgets clients whose budget is full again, so memory does not grow with every
    /// address ever seen. Runs until the process ends.
    pub fn spawn_housekeeping(&self) {
        let Some(inner) = self.inner.clone() else {
            return;
        };
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_secs(60));
            loop {
                interval.tick().await;
                inner.auth.retain_recent();
                inner.api.retain_recent();
                inner.auth.shrink_to_fit();
                inner.api.shrink_to_fit();
            }
        });
    }
}

/// Clients whose address cannot be known share one budget.
const UNKNOWN_CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

pub async fn middleware(
    State(limits): State<RateLimits>,
    request: Request,
    next: Next,
) -> Response {
    let (Some(inner), Some(class)) = (&limits.inner, LimitClass::of(request.uri().path())) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let client = client_ip(&parts, &limits.trusted_proxies).unwrap_or(UNKNOWN_CLIENT);
    let limiter = match class {
        LimitClass::Auth => &inner.auth,
        LimitClass::Api => &inner.api,
    };
    match limiter.check_key(&client) {
        Ok(()) => next.run(Request::from_parts(parts, body)).await,
        Err(not_until) => {
            limits.metrics.rate_limited(class);
            let wait = not_until.wait_time_from(DefaultClock::default().now());
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
