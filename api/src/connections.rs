//! Accepting connections without letting slow or many clients starve the rest: at most
//! `max_connections` open at once (past it, new ones wait in the kernel's queue), at most
//! `max_connections_per_address` from one peer address (more are closed at once), a deadline for
//! each request's head, and a pause instead of a busy loop when accepting fails (out of file
//! descriptors). Written by hand: poem's TCP acceptor has none of these, and hyper's own head
//! timeout needs a timer poem does not give it.

use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Addr, http::uri::Scheme};
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Sleep;

/// How many connections, and how long a request head may take.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub max_connections_per_address: usize,
    /// From a request's first byte (or the connection's opening) to the end of its head.
    pub head_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: 1_024,
            max_connections_per_address: 128,
            head_timeout: Duration::from_secs(10),
        }
    }
}

/// The open connections of each peer address.
type PerAddress = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// A TCP acceptor that keeps to [`ConnectionLimits`].
pub struct GuardedAcceptor {
    listener: TcpListener,
    local: LocalAddr,
    limits: ConnectionLimits,
    permits: Arc<Semaphore>,
    per_address: PerAddress,
}

impl GuardedAcceptor {
    pub async fn bind(address: &str, limits: ConnectionLimits) -> std::io::Result<Self> {
        let listener = TcpListener::bind(address).await?;
        let local = LocalAddr(Addr::SocketAddr(listener.local_addr()?));
        Ok(Self {
            listener,
            local,
            permits: Arc::new(Semaphore::new(limits.max_connections.max(1))),
            limits,
            per_address: Arc::default(),
        })
    }

    pub fn port(&self) -> Option<u16> {
        self.local.as_socket_addr().map(|a| a.port())
    }
}

impl Acceptor for GuardedAcceptor {
    type Io = GuardedStream;

    fn local_addr(&self) -> Vec<LocalAddr> {
        vec![self.local.clone()]
    }

    /// Never fails: an error accepting (no file descriptors left, a connection reset before it
    /// was accepted) is logged and retried after a pause that doubles up to a second, so poem's
    /// loop, which retries at once, cannot spin.
    async fn accept(&mut self) -> std::io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        let mut pause = Duration::from_millis(10);
        loop {
            let permit = self
                .permits
                .clone()
                .acquire_owned()
                .await
                .map_err(std::io::Error::other)?;
            match self.listener.accept().await {
                Ok((stream, peer)) => {
                    pause = Duration::from_millis(10);
                    let Some(address) = AddressGuard::take(
                        &self.per_address,
                        peer.ip(),
                        self.limits.max_connections_per_address,
                    ) else {
                        tracing::warn!(peer = %peer.ip(), "too many connections from one address; closing the newest");
                        continue;
                    };
                    let io = GuardedStream {
                        inner: stream,
                        head: Head::new(self.limits.head_timeout),
                        _permit: permit,
                        _address: address,
                    };
                    let remote = RemoteAddr(Addr::SocketAddr(peer));
                    return Ok((io, self.local.clone(), remote, Scheme::HTTP));
                }
                Err(e) => {
                    tracing::warn!(error = %e, pause_ms = pause.as_millis() as u64, "accepting a connection failed; pausing");
                    drop(permit);
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
            }
        }
    }
}

/// One connection counted against its peer address while it is open.
struct AddressGuard {
    per_address: PerAddress,
    ip: IpAddr,
}

impl AddressGuard {
    fn take(per_address: &PerAddress, ip: IpAddr, max: usize) -> Option<Self> {
        let mut counts = per_address.lock().unwrap_or_else(|e| e.into_inner());
        let open = counts.entry(ip).or_insert(0);
        if *open >= max {
            return None;
        }
        *open += 1;
        Some(Self {
            per_address: per_address.clone(),
            ip,
        })
    }
}

impl Drop for AddressGuard {
    fn drop(&mut self) {
        let mut counts = self.per_address.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = counts.get_mut(&self.ip) {
            *open -= 1;
            if *open == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

/// Where a connection is in its current request's head: a request head must end (`\r\n\r\n`)
/// within the timeout of its first byte; a new connection must send one within the timeout.
/// After the server writes (a response), the next byte read starts the next head.
struct Head {
    timeout: Duration,
    deadline: Option<Pin<Box<Sleep>>>,
    /// How much of `\r\n\r\n` the bytes read so far end with.
    matched: usize,
}

impl Head {
    fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            deadline: Some(Box::pin(tokio::time::sleep(timeout))),
            matched: 0,
        }
    }

    /// Notes bytes read; returns nothing, but ends the deadline when the head is complete.
    fn read(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.deadline.is_none() && self.matched == usize::MAX {
            // Waiting for the next request: its first byte starts its deadline.
            self.deadline = Some(Box::pin(tokio::time::sleep(self.timeout)));
            self.matched = 0;
        }
        if self.deadline.is_none() {
            return;
        }
        const END: &[u8] = b"\r\n\r\n";
        for &b in bytes {
            self.matched = if b == END[self.matched] {
                self.matched + 1
            } else if b == b'\r' {
                1
            } else {
                0
            };
            if self.matched == END.len() {
                self.deadline = None;
                self.matched = 0;
                return;
            }
        }
    }

    /// The server answered: the next byte read begins a new head.
    fn wrote(&mut self) {
        if self.deadline.is_none() {
            self.matched = usize::MAX;
        }
    }

    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.deadline
            .as_mut()
            .is_some_and(|d| d.as_mut().poll(cx).is_ready())
    }
}

/// A connection under [`ConnectionLimits`]: holds its place in the caps until it closes.
pub struct GuardedStream {
    inner: TcpStream,
    head: Head,
    _permit: OwnedSemaphorePermit,
    _address: AddressGuard,
}

impl AsyncRead for GuardedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if this.head.expired(cx) {
            return Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request head did not arrive in time",
            )));
        }
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if result.is_ready() {
            this.head.read(&buf.filled()[before..]);
        }
        result
    }
}

impl AsyncWrite for GuardedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.head.wrote();
        }
        result
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.head.wrote();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_head_must_end_within_its_deadline_and_the_next_starts_after_a_write() {
        let mut head = Head::new(Duration::from_secs(10));
        head.read(b"GET / HTTP/1.1\r\nHost: x\r\n");
        assert!(head.deadline.is_some());
        head.read(b"\r\n");
        assert!(head.deadline.is_none(), "the head ended across two reads");
        head.read(b"a body with no blank line");
        assert!(head.deadline.is_none(), "a body is not a head");
        head.wrote();
        assert!(
            head.deadline.is_none(),
            "an idle connection has no head deadline"
        );
        head.read(b"G");
        assert!(
            head.deadline.is_some(),
            "the next request's first byte starts one"
        );
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(!head.expired(&mut cx));
        tokio::time::advance(Duration::from_secs(11)).await;
        assert!(head.expired(&mut cx));
    }

    #[test]
    fn an_address_holds_at_most_its_share() {
        let per_address = PerAddress::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let a = AddressGuard::take(&per_address, ip, 2).unwrap();
        let _b = AddressGuard::take(&per_address, ip, 2).unwrap();
        assert!(AddressGuard::take(&per_address, ip, 2).is_none());
        drop(a);
        assert!(AddressGuard::take(&per_address, ip, 2).is_some());
    }
}
