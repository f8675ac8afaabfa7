//! Limits per client, so that one client (one address) cannot take what
//! everyone shares: the connections it may hold open (closed at accept
//! beyond [`Config::max_connections_per_client`]), the function requests it
//! may have in flight ([`Config::max_fn_requests_per_client`]; more wait
//! their turn, 429 past the function timeout),
//! the log-ins and sign-ups it may try per minute (429 beyond
//! [`Config::logins_per_client_per_minute`]), and the other changes it may
//! make per minute (429 beyond [`Config::changes_per_client_per_minute`]).
//!
//! A client is its address; an IPv6 client is its /64 network, which one
//! host usually holds whole. Behind a reverse proxy the address comes from
//! [`Config::client_ip_header`].

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{Request, State};
use axum::http::header::HOST;
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::serve::IncomingStream;
use fnlab_functions::FunctionsOrigin;
use fnlab_usecases::holdings::{Held, Holdings};
use governor::{Quota, RateLimiter};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::AppState;
use crate::api::ApiError;
use crate::config::Config;

/// Who sent a request, as far as per-client limits go: its address with
/// an IPv6 address cut to its /64. In every request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Client(pub IpAddr);

impl Client {
    /// The client behind `addr`.
    pub fn of(addr: IpAddr) -> Self {
        match addr {
            IpAddr::V4(v4) => Self(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(IpAddr::V4(v4)),
                None => {
                    let network = u128::from(v6) & !u128::from(u64::MAX);
                    Self(IpAddr::V6(Ipv6Addr::from(network)))
                }
            },
        }
    }
}

/// The peer address of a connection, as axum hands it to requests.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

impl Connected<IncomingStream<'_, ClientListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, ClientListener>) -> Self {
        Self(*stream.remote_addr())
    }
}

/// A TCP listener that closes a client's connections beyond its share at
/// once, before reading a byte of them, and sends without delay
/// (`TCP_NODELAY`) on the others.
pub struct ClientListener {
    inner: TcpListener,
    connections: Holdings<Client>,
}

impl ClientListener {
    /// Accepts from `inner`, at most `max_per_client` open connections per
    /// client (0: no limit).
    pub fn new(inner: TcpListener, max_per_client: u32) -> Self {
        Self {
            inner,
            connections: Holdings::new(max_per_client),
        }
    }
}

impl axum::serve::Listener for ClientListener {
    type Io = HeldStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (HeldStream, SocketAddr) {
        loop {
            let (stream, addr) = axum::serve::Listener::accept(&mut self.inner).await;
            match self.connections.take(Client::of(addr.ip())) {
                Some(held) => {
                    // A function's response head and body leave in separate
                    // writes: without this, Nagle's algorithm holds the body
                    // until the client's delayed ACK, about 40 ms.
                    if let Err(e) = stream.set_nodelay(true) {
                        tracing::debug!(error = %e, "cannot set TCP_NODELAY");
                    }
                    let stream = HeldStream {
                        stream,
                        _held: held,
                    };
                    return (stream, addr);
                }
                None => tracing::debug!(%addr, "too many connections from one client: closed"),
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// A connection that counts against its client until it closes.
pub struct HeldStream {
    stream: TcpStream,
    _held: Held<Client>,
}

impl AsyncRead for HeldStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for HeldStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// The per-client limits that apply to requests.
pub struct ClientLimits {
    /// Function requests in flight, and those waiting their turn.
    pub functions: FunctionTurns,
    logins: Option<Rate>,
    changes: Option<Rate>,
    header: Option<axum::http::HeaderName>,
}

/// Each client's turns at calling functions: at most `max` in flight;
/// more wait their turn, in order, for as long as a function may run,
/// holding only their connection (a client that asks for more at once
/// spins nothing), then are refused.
pub struct FunctionTurns {
    max: u32,
    wait: std::time::Duration,
    clients: Mutex<HashMap<Client, Arc<Semaphore>>>,
}

/// Clients kept before those with nothing in flight are forgotten.
const TURNS_SWEEP_AT: usize = 10_000;

impl FunctionTurns {
    /// A turn for `client`, waiting for one if need be (`Some(None)`
    /// when there is no limit); `None` when none came in time.
    pub async fn take(&self, client: Client) -> Option<Option<OwnedSemaphorePermit>> {
        if self.max == 0 {
            return Some(None);
        }
        let turns = {
            let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
            if clients.len() >= TURNS_SWEEP_AT {
                let max = self.max as usize;
                clients.retain(|_, turns| {
                    Arc::strong_count(turns) > 1 || turns.available_permits() < max
                });
            }
            let max = self.max as usize;
            let turns = clients
                .entry(client)
                .or_insert_with(|| Arc::new(Semaphore::new(max)));
            turns.clone()
        };
        let turn = tokio::time::timeout(self.wait, turns.acquire_owned()).await;
        turn.ok()?.ok().map(Some)
    }

    /// The most one client may have in flight (0: no limit).
    pub fn max(&self) -> u32 {
        self.max
    }
}

/// So many requests of one kind per client per minute (a burst, then
/// evenly), with governor; idle clients are forgotten once many are kept.
struct Rate(governor::DefaultKeyedRateLimiter<Client>);

/// Clients a rate keeps before it forgets the idle ones.
const RATE_SWEEP_AT: usize = 10_000;

impl Rate {
    /// `per_minute` a client; `None` for 0, no limit.
    fn per_minute(per_minute: u32) -> Option<Self> {
        let per_minute = NonZeroU32::new(per_minute)?;
        Some(Self(RateLimiter::hashmap(Quota::per_minute(per_minute))))
    }

    /// Counts one for `client`, or says how long it must wait.
    fn take(&self, client: Client) -> Result<(), std::time::Duration> {
        if self.0.len() >= RATE_SWEEP_AT {
            self.0.retain_recent();
        }
        let now = governor::clock::Clock::now(self.0.clock());
        self.0
            .check_key(&client)
            .map_err(|refused| refused.wait_time_from(now))
    }
}

/// The paths that check a password: REST and the pages' server functions.
const LOGIN_PATHS: [&str; 4] = [
    "/api/v1/login",
    "/api/v1/users",
    "/_app/log_in",
    "/_app/sign_up",
];

impl ClientLimits {
    /// The limits `config` sets.
    pub fn new(config: &Config) -> Self {
        Self {
            functions: FunctionTurns {
                max: config.max_fn_requests_per_client,
                wait: std::time::Duration::from_millis(config.timeout_ms),
                clients: Mutex::default(),
            },
            logins: Rate::per_minute(config.logins_per_client_per_minute),
            changes: Rate::per_minute(config.changes_per_client_per_minute),
            header: config.client_ip_header.clone(),
        }
    }

    /// The client of a request: from the configured header, else the peer.
    fn client(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<Client> {
        let from_header = self.header.as_ref().and_then(|name| {
            let value = headers.get_all(name).iter().next_back()?.to_str().ok()?;
            value.rsplit(',').next()?.trim().parse::<IpAddr>().ok()
        });
        from_header.or(peer.map(|peer| peer.ip())).map(Client::of)
    }

    /// The rate `request` counts against, with what to say past it: a
    /// log-in or sign-up, or another change to the dashboard's state
    /// (function calls, under `/fn/` or on a user's `origin`, have their
    /// own limit).
    fn rate_of(
        &self,
        request: &Request,
        origin: &FunctionsOrigin,
    ) -> Option<(&Rate, &'static str)> {
        let path = request.uri().path();
        if request.method().is_safe() {
            return None;
        }
        let host = request.headers().get(HOST).and_then(|h| h.to_str().ok());
        if path.starts_with("/fn/") || host.is_some_and(|host| origin.user_of_host(host).is_some())
        {
            return None;
        }
        if request.method() == Method::POST && LOGIN_PATHS.contains(&path) {
            let message = "too many log-in attempts from your address; try again later";
            return self.logins.as_ref().map(|rate| (rate, message));
        }
        let message = "too many changes from your address; slow down and try again shortly";
        self.changes.as_ref().map(|rate| (rate, message))
    }
}

/// Middleware: names each request's [`Client`] (in its extensions) and
/// refuses a client's log-ins and other changes beyond their rates.
pub async fn identify(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<Peer>>()
        .map(|ConnectInfo(Peer(addr))| *addr);
    let limits = &state.clients;
    let Some(client) = limits.client(request.headers(), peer) else {
        return next.run(request).await;
    };
    request.extensions_mut().insert(client);
    let origin = &state.fnlab.settings().functions_origin;
    if let Some((rate, message)) = limits.rate_of(&request, origin)
        && let Err(wait) = rate.take(client)
    {
        return ApiError::UseCase(fnlab_usecases::Error::Throttled {
            message: message.into(),
            retry_after_secs: wait.as_secs().max(1),
        })
        .into_response();
    }
    next.run(request).await
}
