//! Accepting TCP connections, before any HTTP: the total and per-address caps (with a reserve for
//! addresses that hold few connections), the bound on the time to send a request head (which also
//! closes idle keep-alive connections), and HTTP/1.1 with upgrades for the WebSocket.
//!
//! Counting at accept rather than at the WebSocket upgrade is what stops one laptop in the audience
//! from opening every file descriptor the server has and sending nothing: a connection is counted
//! from the moment it is accepted until its socket closes, the upgraded WebSocket included.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::connect_info::IntoMakeServiceWithConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::Service;

use super::Limits;

/// An address holding fewer connections than this may still use the reserve: a phone needs its
/// WebSocket and a page load's few connections, an address hoarding its whole share does not.
const RESERVE_HOLDING: u32 = 4;
/// How often refused connections are summed up in the log (one line per refusal would let a flood
/// fill the terminal and the disk).
const REFUSAL_LOG_PERIOD: Duration = Duration::from_secs(10);
/// Refused connections being told why at once; more are closed without a word.
const REFUSALS_ANSWERED_AT_ONCE: usize = 32;
/// How long a refused connection is drained after its answer, so that the close does not reset
/// the connection before the client has read why.
const REFUSAL_LINGER: Duration = Duration::from_secs(1);

/// Why a connection was refused at accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crowded {
    /// `Limits::max_connections` reached.
    Server,
    /// The address holds `Limits::max_connections_per_ip` already.
    Address,
    /// Only the reserve is left, and the address already holds several connections.
    Reserve,
}

/// Connections open now, in total and per address.
#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_ip: HashMap<IpAddr, u32>,
}

impl Counts {
    /// Counts a new connection from `ip`, or says which limit refuses it.
    fn admit(&mut self, ip: IpAddr, limits: &Limits) -> Result<(), Crowded> {
        if self.total >= limits.max_connections {
            return Err(Crowded::Server);
        }
        let held = self.per_ip.get(&ip).copied().unwrap_or(0);
        if !limits.is_exempt(ip) {
            if held >= limits.max_connections_per_ip {
                return Err(Crowded::Address);
            }
            if self.total >= limits.max_connections - limits.reserve() && held >= RESERVE_HOLDING {
                return Err(Crowded::Reserve);
            }
        }
        self.total += 1;
        *self.per_ip.entry(ip).or_insert(0) += 1;
        Ok(())
    }

    fn release(&mut self, ip: IpAddr) {
        self.total = self.total.saturating_sub(1);
        if let Some(held) = self.per_ip.get_mut(&ip) {
            *held -= 1;
            if *held == 0 {
                self.per_ip.remove(&ip);
            }
        }
    }
}

/// The connection counts shared by the accept loop and every open connection.
#[derive(Debug)]
pub struct Connections {
    limits: Limits,
    counts: Mutex<Counts>,
}

impl Connections {
    /// No connections yet, under `limits`.
    pub fn new(limits: Limits) -> Arc<Connections> {
        Arc::new(Connections {
            limits,
            counts: Mutex::default(),
        })
    }

    /// Takes a slot for a connection from `ip`, released when the slot is dropped.
    fn take(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, Crowded> {
        let mut counts = self.counts.lock().map_err(|_| Crowded::Server)?;
        counts.admit(ip, &self.limits)?;
        Ok(Slot {
            connections: self.clone(),
            ip,
        })
    }

    /// Connections open now (all addresses).
    pub fn open(&self) -> usize {
        self.counts.lock().map_or(0, |counts| counts.total)
    }
}

/// One counted connection; dropping it frees the slot.
#[derive(Debug)]
struct Slot {
    connections: Arc<Connections>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut counts) = self.connections.counts.lock() {
            counts.release(self.ip);
        }
    }
}

/// A TCP stream that holds its slot for as long as the socket lives: through hyper's upgrade the
/// WebSocket owns this stream, so a WebSocket counts until it closes.
struct CountedStream {
    tcp: TcpStream,
    _slot: Slot,
}

impl AsyncRead for CountedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
}

/// Refusals since the last log line.
#[derive(Debug, Default)]
struct Refusals {
    by_reason: [u64; 3],
    /// Connections `accept` failed on, and the last error.
    accept_errors: u64,
    last_accept_error: Option<io::Error>,
    /// The addresses refused most (bounded: a flood of addresses must not grow it).
    by_ip: HashMap<IpAddr, u64>,
}

/// Addresses named in one refusal summary.
const REFUSALS_TRACKED_IPS: usize = 64;

impl Refusals {
    fn note(&mut self, crowded: Crowded, ip: IpAddr) {
        self.by_reason[crowded as usize] += 1;
        if let Some(count) = self.by_ip.get_mut(&ip) {
            *count += 1;
        } else if self.by_ip.len() < REFUSALS_TRACKED_IPS {
            self.by_ip.insert(ip, 1);
        }
    }

    fn accept_failed(&mut self, error: io::Error) {
        self.accept_errors += 1;
        self.last_accept_error = Some(error);
    }

    /// Logs what was refused since the last call, if anything.
    fn flush(&mut self, limits: &Limits) {
        if let Some(error) = self.last_accept_error.take() {
            tracing::warn!(
                failed = self.accept_errors,
                last_error = %error,
                "cannot accept connections (too many open files? see ulimit -n)"
            );
            self.accept_errors = 0;
        }
        let [server, address, reserve] = self.by_reason;
        if server + address + reserve == 0 {
            return;
        }
        let mut top: Vec<(IpAddr, u64)> = self.by_ip.drain().collect();
        top.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let from = top
            .iter()
            .take(5)
            .map(|(ip, count)| format!("{ip} ×{count}"))
            .collect::<Vec<_>>()
            .join(", ");
        // Phones behind a router that does NAT (a repeater in router mode) share one address; the
        // operator needs to know which flag lets them in.
        tracing::warn!(
            server_full = server,
            per_address = address,
            reserve,
            from = %from,
            max_connections = limits.max_connections,
            max_connections_per_ip = limits.max_connections_per_ip,
            "connections refused in the last {} s (--max-connections; --max-connections-per-ip: \
             phones behind one NAT router share an address)",
            REFUSAL_LOG_PERIOD.as_secs()
        );
        *self = Refusals::default();
    }
}

/// Accepts connections until `cancel` fires and serves each with `app`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    connections: Arc<Connections>,
    cancel: CancellationToken,
    tracker: TaskTracker,
) {
    let limits = connections.limits;
    let mut make_service: IntoMakeServiceWithConnectInfo<Router, SocketAddr> =
        app.into_make_service_with_connect_info::<SocketAddr>();
    let mut refusals = Refusals::default();
    let answering = Arc::new(Semaphore::new(REFUSALS_ANSWERED_AT_ONCE));
    let mut log_tick = tokio::time::interval(REFUSAL_LOG_PERIOD);
    log_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let (tcp, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors or a connection reset before it was accepted: the
                    // listener itself is fine; pause so that a persistent error does not spin.
                    refusals.accept_failed(error);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = log_tick.tick() => {
                refusals.flush(&limits);
                continue;
            }
            () = cancel.cancelled() => break,
        };
        let remote = device_address(remote);
        let slot = match connections.take(remote.ip()) {
            Ok(slot) => slot,
            Err(crowded) => {
                refusals.note(crowded, remote.ip());
                if let Ok(permit) = answering.clone().try_acquire_owned() {
                    tokio::spawn(async move {
                        answer_refusal(tcp, crowded).await;
                        drop(permit);
                    });
                }
                continue;
            }
        };
        // Small messages (clock pings, buzz acknowledgements) must leave at once: Nagle's
        // algorithm would hold one behind an unacknowledged state for up to a delayed-ACK period
        // on one direction only, skewing the clock estimate.
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::warn!(%error, "could not disable Nagle's algorithm on a connection");
        }
        let Ok(service) = make_service.call(remote).await;
        let io = TokioIo::new(CountedStream { tcp, _slot: slot });
        let cancel = cancel.clone();
        tracker.spawn(async move {
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                // From the connection's start, and again after each response while it is kept
                // alive: a client that sends no complete request head in time is disconnected.
                .header_read_timeout(limits.request_head_timeout);
            let connection = builder
                .serve_connection(io, TowerToHyperService::new(service))
                .with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                () = cancel.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    refusals.flush(&limits);
}

/// The client's address as one device: listening on `::`, an IPv4 client arrives as
/// `::ffff:a.b.c.d`, which must count as `a.b.c.d` (the same share; loopback still loopback).
fn device_address(remote: SocketAddr) -> SocketAddr {
    SocketAddr::new(remote.ip().to_canonical(), remote.port())
}

/// Tells a refused client why, in both languages, then closes gently: the request is drained for
/// a moment so that the close does not reset the connection before the answer is read.
async fn answer_refusal(mut tcp: TcpStream, crowded: Crowded) {
    let body = match crowded {
        Crowded::Address => {
            "Quá nhiều kết nối từ địa chỉ này. / Too many connections from this address.\n"
        }
        Crowded::Server | Crowded::Reserve => {
            "Máy chủ đang quá tải kết nối. / The server has too many connections.\n"
        }
    };
    let response = format!(
        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\nRetry-After: 5\r\n\r\n{body}",
        body.len()
    );
    let answered = async {
        tcp.write_all(response.as_bytes()).await?;
        tcp.shutdown().await?;
        let mut sink = [0u8; 1024];
        let mut drained = 0;
        while drained < 16 * 1024 {
            let read = tokio::io::AsyncReadExt::read(&mut tcp, &mut sink).await?;
            if read == 0 {
                break;
            }
            drained += read;
        }
        io::Result::Ok(())
    };
    let _ = tokio::time::timeout(REFUSAL_LINGER, answered).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(total: usize, per_ip: u32) -> Limits {
        Limits {
            max_connections: total,
            max_connections_per_ip: per_ip,
            exempt_loopback: true,
            ..Limits::default()
        }
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([192, 168, 1, last])
    }

    #[test]
    fn an_address_gets_its_share_and_no_more() {
        let limits = limits(1000, 3);
        let mut counts = Counts::default();
        for _ in 0..3 {
            assert_eq!(counts.admit(ip(7), &limits), Ok(()));
        }
        assert_eq!(counts.admit(ip(7), &limits), Err(Crowded::Address));
        assert_eq!(counts.admit(ip(8), &limits), Ok(()), "others unaffected");
        counts.release(ip(7));
        assert_eq!(
            counts.admit(ip(7), &limits),
            Ok(()),
            "a closed one frees a slot"
        );
    }

    #[test]
    fn loopback_is_exempt_only_when_the_setting_says_so() {
        let mut exempt = limits(1000, 2);
        let loopback = IpAddr::from([127, 0, 0, 1]);
        let mut counts = Counts::default();
        for _ in 0..10 {
            assert_eq!(counts.admit(loopback, &exempt), Ok(()));
        }
        exempt.exempt_loopback = false;
        assert_eq!(counts.admit(loopback, &exempt), Err(Crowded::Address));
        let v6 = IpAddr::from(std::net::Ipv6Addr::LOCALHOST);
        assert_eq!(counts.admit(v6, &exempt), Ok(()));
        assert_eq!(counts.admit(v6, &exempt), Ok(()));
        assert_eq!(counts.admit(v6, &exempt), Err(Crowded::Address));
    }

    #[test]
    fn hoarding_addresses_cannot_take_the_reserve_from_a_new_phone() {
        // 100 in total, a reserve of 5: twelve hoarders wanting 8 each get 95 (the twelfth 7),
        // then only addresses holding fewer than RESERVE_HOLDING get in, until the server is full.
        let limits = limits(100, 8);
        assert_eq!(limits.reserve(), 5);
        let mut counts = Counts::default();
        let mut admitted = 0;
        for hoarder in 0..12 {
            for _ in 0..8 {
                if counts.admit(ip(hoarder), &limits).is_ok() {
                    admitted += 1;
                }
            }
        }
        assert_eq!(admitted, 95, "hoarders stop at the reserve");
        assert_eq!(counts.admit(ip(0), &limits), Err(Crowded::Address));
        assert_eq!(counts.admit(ip(11), &limits), Err(Crowded::Reserve));
        for phone in 100..105 {
            assert_eq!(counts.admit(ip(phone), &limits), Ok(()), "phone {phone}");
        }
        assert_eq!(counts.admit(ip(200), &limits), Err(Crowded::Server));
    }

    #[test]
    fn an_ipv4_client_of_a_dual_stack_listener_is_its_ipv4_address() {
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:4000".parse().expect("address");
        let device = device_address(mapped);
        assert_eq!(
            device,
            "127.0.0.1:4000".parse::<SocketAddr>().expect("address")
        );
        assert!(limits(10, 1).is_exempt(device.ip()));
        let lan: SocketAddr = "[::ffff:192.168.1.7]:4000".parse().expect("address");
        assert_eq!(device_address(lan).ip(), ip(7));
        let v6: SocketAddr = "[fe80::1]:4000".parse().expect("address");
        assert_eq!(device_address(v6), v6);
    }

    #[test]
    fn a_slot_is_released_when_dropped() {
        let connections = Connections::new(limits(10, 1));
        let slot = connections.take(ip(1)).expect("first");
        assert_eq!(connections.open(), 1);
        assert!(matches!(connections.take(ip(1)), Err(Crowded::Address)));
        drop(slot);
        assert_eq!(connections.open(), 0);
        assert!(connections.take(ip(1)).is_ok());
    }
}
