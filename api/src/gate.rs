//! The gate every authenticated route goes through: who the caller is (with failed sign-ins
//! limited per peer address), whether it may spend the request's rate-limit points, and a
//! record of what was refused, in bounded form (at most one audit entry a minute for each
//! refusal of a principal or address, so a flood of refusals cannot flood the audit trail).

use crate::caller::Caller;
use crate::limits::{Limits, RateLimiter};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Why the gate did not let a request through.
#[derive(Debug)]
pub enum Refusal {
    /// No token (`false`), or a token that is not valid (`true`).
    Unauthenticated(crate::Error, bool),
    /// The peer address made too many failed sign-ins; try again in this many seconds.
    TooManyFailures(u64),
    /// The principal spent its points; try again in this many seconds.
    RateLimited(u64),
}

impl Refusal {
    /// The code the client is given.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Unauthenticated(..) => "UNAUTHENTICATED",
            Refusal::TooManyFailures(_) | Refusal::RateLimited(_) => "VALIDATION",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Refusal::Unauthenticated(e, _) => e.message(),
            Refusal::TooManyFailures(s) => {
                format!("too many failed sign-ins from this address: try again in {s} s")
            }
            Refusal::RateLimited(s) => format!("too many requests: try again in {s} s"),
        }
    }

    /// Seconds to wait, for a `Retry-After` header.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Refusal::Unauthenticated(..) => None,
            Refusal::TooManyFailures(s) | Refusal::RateLimited(s) => Some(*s),
        }
    }

    /// `response` with a `Retry-After` header when there is a wait, and for a missing or bad
    /// token the `WWW-Authenticate` challenge of RFC 6750 (with `error="invalid_token"` when a
    /// token was presented).
    pub fn with_headers(&self, mut response: poem::Response) -> poem::Response {
        if let Some(value) = self.retry_after().and_then(|s| s.to_string().parse().ok()) {
            response
                .headers_mut()
                .insert(poem::http::header::RETRY_AFTER, value);
        }
        if let Refusal::Unauthenticated(_, presented) = self {
            let challenge = if *presented {
                r#"Bearer realm="qiflow", error="invalid_token""#
            } else {
                r#"Bearer realm="qiflow""#
            };
            response.headers_mut().insert(
                poem::http::header::WWW_AUTHENTICATE,
                poem::http::HeaderValue::from_static(challenge),
            );
        }
        response
    }

    pub fn status(&self) -> poem::http::StatusCode {
        match self {
            Refusal::Unauthenticated(..) => poem::http::StatusCode::UNAUTHORIZED,
            _ => poem::http::StatusCode::TOO_MANY_REQUESTS,
        }
    }
}

/// Most refusal keys remembered for throttling their audit entries.
const MAX_REMEMBERED: usize = 10_000;

/// The server's gate (route data).
#[derive(Debug)]
pub struct Gate {
    requests: RateLimiter<Uuid>,
    failures: RateLimiter<IpAddr>,
    /// When each (who, what) refusal was last written to the audit trail.
    recorded: Mutex<HashMap<(String, &'static str), Instant>>,
}

impl Gate {
    pub fn new(limits: &Limits) -> Self {
        Self {
            requests: RateLimiter::new(limits.points_per_minute),
            failures: RateLimiter::new(limits.auth_failures_per_minute),
            recorded: Mutex::default(),
        }
    }

    /// The caller of a request, unless its address has failed to sign in too often (then no
    /// token is even checked). A presented token that is refused counts against the address and
    /// is recorded.
    pub async fn admit(
        &self,
        db: &DatabaseConnection,
        http: &poem::Request,
        oidc: &crate::auth::Oidc,
    ) -> Result<Caller, Refusal> {
        let peer = peer_of(http);
        if let Some(ip) = peer
            && let Err(wait) = self.failures.has(ip, 1)
        {
            self.record(db, &Caller::Anonymous, peer, "signInBlocked", "VALIDATION")
                .await;
            return Err(Refusal::TooManyFailures(wait));
        }
        match crate::auth::authenticate(db, http.headers(), oidc.0.as_deref()).await {
            Ok(caller) => Ok(caller),
            Err(e) => {
                let presented = http
                    .headers()
                    .contains_key(poem::http::header::AUTHORIZATION);
                if presented {
                    if let Some(ip) = peer {
                        let _ = self.failures.take(ip, 1);
                    }
                    self.record(db, &Caller::Anonymous, peer, "signIn", "UNAUTHENTICATED")
                        .await;
                }
                Err(Refusal::Unauthenticated(e, presented))
            }
        }
    }

    /// Spends `cost` of the caller's rate-limit points; a refusal is recorded.
    pub async fn charge(
        &self,
        db: &DatabaseConnection,
        http: &poem::Request,
        caller: &Caller,
        cost: u32,
    ) -> Result<(), Refusal> {
        let Some(principal) = caller.principal_id() else {
            return Ok(());
        };
        if let Err(wait) = self.requests.take(principal, cost) {
            self.record(db, caller, peer_of(http), "rateLimit", "VALIDATION")
                .await;
            return Err(Refusal::RateLimited(wait));
        }
        Ok(())
    }

    /// Records a refusal of `caller` (or of an unknown client at `peer`) for `operation`, at
    /// most once a minute for the same principal or address and operation. Failing to record
    /// is logged, never hidden, but does not change the answer.
    pub async fn record(
        &self,
        db: &DatabaseConnection,
        caller: &Caller,
        peer: Option<IpAddr>,
        operation: &'static str,
        outcome: &str,
    ) {
        let who = match (caller.principal_id(), peer) {
            (Some(id), _) => id.to_string(),
            (None, Some(ip)) => ip.to_string(),
            (None, None) => "unknown".to_string(),
        };
        {
            let now = Instant::now();
            let mut recorded = self.recorded.lock().unwrap_or_else(|e| e.into_inner());
            if recorded.len() >= MAX_REMEMBERED {
                recorded.retain(|_, at| now.duration_since(*at) < Duration::from_secs(60));
            }
            let key = (who.clone(), operation);
            if recorded
                .get(&key)
                .is_some_and(|at| now.duration_since(*at) < Duration::from_secs(60))
            {
                return;
            }
            recorded.insert(key, now);
        }
        let name = match (caller, peer) {
            (Caller::Anonymous, Some(ip)) => format!("unknown client at {ip}"),
            (Caller::Anonymous, None) => "unknown client".to_string(),
            (c, _) => c.name().to_string(),
        };
        let ctx = crate::context::RequestContext::new(caller.clone(), operation);
        if let Err(e) = crate::store::audit::record_refusal(db, &ctx, &name, outcome).await {
            tracing::error!(error = ?e, "could not record a refusal in the audit trail");
        }
    }
}

/// The peer address of a request (none for other kinds of listener).
pub fn peer_of(http: &poem::Request) -> Option<IpAddr> {
    http.remote_addr().as_socket_addr().map(|a| a.ip())
}
