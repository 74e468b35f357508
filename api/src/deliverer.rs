//! Delivers webhooks as the Standard Webhooks specification describes them: a POST of
//! `{type, timestamp, data}` with `webhook-id`, `webhook-timestamp` and `webhook-signature`
//! (signed by the `standardwebhooks` crate, the specification's own Rust library), retried with
//! exponential backoff and jitter, at least once. Guards against server-side request forgery:
//! an endpoint must resolve to public addresses (unless the server allows private ones), the
//! request goes to the address checked (no second lookup to rebind), redirects are not
//! followed, and an answer is read for at most 10 seconds and 64 KiB.

use crate::store::webhooks::{self as store, DueDelivery, Outcome};
use chrono::Utc;
use sea_orm::DatabaseConnection;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// How webhooks are delivered.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Allow endpoints on loopback, link-local and private addresses (`--allow-private-webhooks`).
    pub allow_private: bool,
    /// Allow http:// endpoints (`--allow-insecure-webhooks`).
    pub allow_insecure: bool,
    /// The wait before each retry; a delivery fails after the last.
    pub retry_delays: Vec<Duration>,
    /// How often to look for deliveries other replicas committed (this process's own commits
    /// wake it at once).
    pub poll_interval: Duration,
    /// Whether this server delivers at all.
    pub deliver: bool,
    /// How long events, their deliveries and attempts are kept (those still to be delivered are
    /// kept whatever their age). Longer than a subscription's look-back (two minutes).
    pub retention: Duration,
    /// How often the deliverer clears what is older than `retention`.
    pub prune_every: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_private: false,
            allow_insecure: false,
            // About a day in all: 5 s, 1 min, 10 min, 1 h, 6 h, 12 h (Standard Webhooks'
            // suggested schedule).
            retry_delays: [5, 60, 600, 3_600, 21_600, 43_200]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            poll_interval: Duration::from_secs(1),
            deliver: true,
            retention: Duration::from_secs(30 * 24 * 3600),
            prune_every: Duration::from_secs(3600),
        }
    }
}

/// Longest endpoint URL.
pub const MAX_URL_BYTES: usize = 2_000;
/// How long one POST may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Most bytes of an answer read (the rest is dropped).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// Deliveries claimed at once.
const BATCH: u64 = 16;

/// Whether an address is one the public internet routes to. Written out because the standard
/// library's `is_global` is unstable; the ranges are RFC 6890's special-purpose registries.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                // Shared address space (carrier-grade NAT), 100.64.0.0/10.
                || (a == 100 && (64..128).contains(&b))
                // Benchmarking, 198.18.0.0/15.
                || (a == 198 && (b == 18 || b == 19))
                // Reserved, 240.0.0.0/4.
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let segments = v6.segments();
            let embedded = |high: u16, low: u16| {
                std::net::Ipv4Addr::new((high >> 8) as u8, high as u8, (low >> 8) as u8, low as u8)
            };
            // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach the IPv4 address inside them.
            if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return is_public(IpAddr::V4(embedded(segments[6], segments[7])));
            }
            if segments[0] == 0x2002 {
                return is_public(IpAddr::V4(embedded(segments[1], segments[2])));
            }
            let first = segments[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // Unique local, fc00::/7, and link-local, fe80::/10.
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                // Documentation, 2001:db8::/32, and Teredo, 2001::/32 (a tunnel to anywhere).
                || (first == 0x2001 && (segments[1] == 0x0db8 || segments[1] == 0)))
        }
    }
}

/// Checks an endpoint URL as given: https (or http when allowed), a host, no credentials, not
/// too long. The addresses are checked when it is registered and at each delivery.
pub fn check_url(settings: &WebhookSettings, url: &str) -> Result<reqwest::Url, String> {
    if url.len() > MAX_URL_BYTES {
        return Err(format!("is longer than {MAX_URL_BYTES} bytes"));
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("is not a URL: {e}"))?;
    match parsed.scheme() {
        "https" => {}
        "http" if settings.allow_insecure => {}
        "http" => {
            return Err(
                "must be https (the server allows http only when started with --allow-insecure-webhooks)"
                    .into(),
            );
        }
        other => return Err(format!("must be https, not {other}")),
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("has no host".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not carry a user name or password".into());
    }
    Ok(parsed)
}

/// The addresses the URL's host resolves to, when the server may send to all of them.
pub async fn resolve(
    settings: &WebhookSettings,
    url: &reqwest::Url,
) -> Result<Vec<SocketAddr>, String> {
    let host = url.host_str().ok_or("has no host")?;
    let port = url.port_or_known_default().unwrap_or(443);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> =
        match tokio::time::timeout(TIMEOUT, tokio::net::lookup_host((host, port))).await {
            Ok(Ok(found)) => found.collect(),
            Ok(Err(e)) => return Err(format!("host {host} does not resolve: {e}")),
            Err(_) => return Err(format!("host {host} did not resolve within 10 s")),
        };
    if addresses.is_empty() {
        return Err(format!("host {host} has no address"));
    }
    if !settings.allow_private
        && let Some(private) = addresses.iter().find(|a| !is_public(a.ip()))
    {
        return Err(format!(
            "host {host} resolves to {}, a private, loopback or link-local address (the server allows these only when started with --allow-private-webhooks)",
            private.ip()
        ));
    }
    Ok(addresses)
}

/// Starts delivering in the background; stops when the handle is aborted.
pub fn spawn(db: DatabaseConnection, settings: WebhookSettings) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(db, settings))
}

async fn run(db: DatabaseConnection, settings: WebhookSettings) {
    let client = match client(None) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("webhooks are not delivered: no HTTP client: {e}");
            return;
        }
    };
    let mut wake = crate::notifications::watch();
    let mut pruned = Instant::now();
    loop {
        if pruned.elapsed() >= settings.prune_every {
            pruned = Instant::now();
            let cutoff =
                Utc::now() - chrono::Duration::from_std(settings.retention).unwrap_or_default();
            match store::prune_before(&db, cutoff).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("cleared {n} events older than the retention period"),
                Err(e) => tracing::warn!("clearing old events: {e:?}"),
            }
        }
        match store::claim_due(&db, BATCH, TIMEOUT * 6).await {
            Ok(batch) if !batch.is_empty() => {
                futures::future::join_all(
                    batch
                        .into_iter()
                        .map(|d| deliver_and_record(&db, &settings, &client, d)),
                )
                .await;
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("claiming webhook deliveries: {e:?}"),
        }
        tokio::select! {
            _ = wake.changed() => {}
            _ = tokio::time::sleep(settings.poll_interval) => {}
        }
    }
}

fn client(pinned: Option<(&str, SocketAddr)>) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .user_agent(concat!("qiflow-webhooks/", env!("CARGO_PKG_VERSION")));
    if let Some((host, address)) = pinned {
        builder = builder.resolve(host, address);
    }
    builder.build()
}

async fn deliver_and_record(
    db: &DatabaseConnection,
    settings: &WebhookSettings,
    client: &reqwest::Client,
    delivery: DueDelivery,
) {
    let started = Instant::now();
    let (status, error) = match post(settings, client, &delivery).await {
        Ok(status) => (
            Some(status),
            (!(200..300).contains(&status)).then(|| format!("answered {status}")),
        ),
        Err(e) => (None, Some(e)),
    };
    let delivered = status.is_some_and(|s| (200..300).contains(&s));
    let attempt = usize::try_from(delivery.attempts).unwrap_or(usize::MAX);
    let retry_at = (!delivered)
        .then(|| settings.retry_delays.get(attempt))
        .flatten()
        .map(|delay| Utc::now() + chrono::Duration::from_std(jittered(*delay)).unwrap_or_default());
    let outcome = Outcome {
        status,
        latency_ms: i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX),
        error,
        retry_at,
    };
    if let Err(e) = store::record_attempt(db, &delivery, outcome).await {
        // The claim runs out and the delivery is tried again: at least once.
        tracing::warn!("recording webhook delivery {}: {e:?}", delivery.id);
    }
}

/// A delay with up to 10% either way, so that retries to an endpoint that was down do not all
/// arrive in the same second.
fn jittered(delay: Duration) -> Duration {
    let mut byte = [0u8; 1];
    let spread = if getrandom::fill(&mut byte).is_ok() {
        0.9 + 0.2 * f64::from(byte[0]) / 255.0
    } else {
        1.0
    };
    delay.mul_f64(spread)
}

/// A delivery's body and its Standard Webhooks headers.
pub struct Signed {
    pub body: Vec<u8>,
    pub headers: Vec<(&'static str, String)>,
}

/// The body and headers of a delivery, signed with each of the endpoint's secrets.
pub fn signed(delivery: &DueDelivery, timestamp: i64) -> Result<Signed, String> {
    let body = serde_json::to_vec(&serde_json::json!({
        "type": delivery.event_type,
        "timestamp": delivery.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": delivery.data,
    }))
    .map_err(|e| format!("the payload did not serialise: {e}"))?;
    let id = delivery.event_id.to_string();
    let mut signatures = Vec::new();
    for secret in &delivery.secrets {
        let signer = standardwebhooks::Webhook::new(secret)
            .map_err(|e| format!("the endpoint's secret is unusable: {e}"))?;
        signatures.push(
            signer
                .sign(&id, timestamp, &body)
                .map_err(|e| format!("signing failed: {e}"))?,
        );
    }
    Ok(Signed {
        body,
        headers: vec![
            (standardwebhooks::HEADER_WEBHOOK_ID, id),
            (
                standardwebhooks::HEADER_WEBHOOK_TIMESTAMP,
                timestamp.to_string(),
            ),
            (
                standardwebhooks::HEADER_WEBHOOK_SIGNATURE,
                signatures.join(" "),
            ),
        ],
    })
}

/// One POST: the status it answered, or why there was none.
async fn post(
    settings: &WebhookSettings,
    shared: &reqwest::Client,
    delivery: &DueDelivery,
) -> Result<u16, String> {
    let url = check_url(settings, &delivery.url)?;
    let addresses = resolve(settings, &url).await?;
    // Sent to the address just checked, so a second lookup cannot swap in a private one.
    let pinned;
    let client = match (settings.allow_private, url.host_str()) {
        (false, Some(host)) if host.parse::<IpAddr>().is_err() => {
            pinned = client(Some((host, addresses[0]))).map_err(|e| e.to_string())?;
            &pinned
        }
        _ => shared,
    };
    let Signed { body, headers } = signed(delivery, Utc::now().timestamp())?;
    let mut request = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let mut response = request.body(body).send().await.map_err(|e| {
        if e.is_timeout() {
            "no answer within 10 s".to_string()
        } else {
            format!("could not connect: {e}")
        }
    })?;
    let status = response.status().as_u16();
    // Read (and drop) at most 64 KiB of the answer, so the connection can be reused.
    let mut read = 0;
    while read < MAX_ANSWER_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => read += chunk.len(),
            _ => break,
        }
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "64:ff9b::7f00:1",
            "2002:c0a8:101::1",
            "2002:7f00:1::1",
            "2001:0:4136:e378::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "8.8.8.8",
            "151.101.1.1",
            "2a00:1450:4009:81f::200e",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn urls_are_https_with_a_host_and_no_credentials() {
        let strict = WebhookSettings::default();
        assert!(check_url(&strict, "https://example.org/hook").is_ok());
        assert!(check_url(&strict, "http://example.org/hook").is_err());
        assert!(check_url(&strict, "ftp://example.org/hook").is_err());
        assert!(check_url(&strict, "https://user:pw@example.org/hook").is_err());
        assert!(check_url(&strict, "not a url").is_err());
        assert!(
            check_url(
                &strict,
                &format!("https://example.org/{}", "a".repeat(3000))
            )
            .is_err()
        );
        let insecure = WebhookSettings {
            allow_insecure: true,
            ..Default::default()
        };
        assert!(check_url(&insecure, "http://example.org/hook").is_ok());
    }

    #[tokio::test]
    async fn loopback_is_refused_unless_allowed() {
        let strict = WebhookSettings::default();
        let url = reqwest::Url::parse("https://127.0.0.1:9/hook").unwrap();
        assert!(
            resolve(&strict, &url)
                .await
                .unwrap_err()
                .contains("--allow-private-webhooks")
        );
        let url = reqwest::Url::parse("https://localhost:9/hook").unwrap();
        assert!(resolve(&strict, &url).await.is_err());
        let open = WebhookSettings {
            allow_private: true,
            ..Default::default()
        };
        assert!(resolve(&open, &url).await.is_ok());
    }
}
