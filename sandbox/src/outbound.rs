//! Outbound HTTP from guests (`wasi:http/outgoing-handler`), guarded as a
//! public platform must be. The host resolves the name itself, refuses
//! loopback, private, link-local (cloud metadata), CGNAT, ULA, multicast,
//! documentation and unspecified addresses BEFORE any connection, and
//! connects to the very address it checked (so a name cannot resolve to a
//! public address for the check and a private one for the connection).
//! HTTPS is verified against the Mozilla roots (`webpki-roots`, rustls).
//!
//! Per invocation: at most [`OutboundPolicy::max_requests`] requests, each
//! ending by the function's own deadline; each call is a line in the
//! invocation's log (method, host, status, milliseconds) and its bytes are
//! counted. A refused call fails inside the function, and the log line
//! names the rule and the setting that would change it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use crate::platform::{self, INTERNAL_HOST, Platform};

use crate::host::CappedLog;

/// Who may call out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboundMode {
    /// Nobody: every outbound request is refused.
    Off,
    /// Any public address, and the hosts of the allow list.
    Public,
    /// Only the hosts of the allow list.
    AllowList,
}

impl FromStr for OutboundMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "off" => Ok(Self::Off),
            "public" => Ok(Self::Public),
            "allow-list" => Ok(Self::AllowList),
            other => Err(format!("{other:?} is not off, public or allow-list")),
        }
    }
}

/// A host (and port, if given) the operator allows, private or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    /// A name or an IP address, lower case.
    pub host: String,
    /// Only this port, if given.
    pub port: Option<u16>,
}

impl AllowedHost {
    /// Reads a comma-separated list of `host[:port]` (an IPv6 address in
    /// brackets).
    pub fn parse_list(list: &str) -> Result<Vec<Self>, String> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                let authority: http::uri::Authority = entry
                    .parse()
                    .map_err(|_| format!("{entry:?} is not host[:port]"))?;
                Ok(Self {
                    host: bare_host(authority.host()),
                    port: authority.port_u16(),
                })
            })
            .collect()
    }

    fn admits(&self, host: &str, port: u16) -> bool {
        self.host == host && self.port.is_none_or(|allowed| allowed == port)
    }
}

/// A host without the brackets of an IPv6 literal, lower case.
fn bare_host(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase()
}

/// The operator's rules for outbound HTTP.
#[derive(Debug, Clone)]
pub struct OutboundPolicy {
    /// Who may call out.
    pub mode: OutboundMode,
    /// Hosts allowed whatever their address (`FNLAB_OUTBOUND_ALLOW`).
    pub allow: Vec<AllowedHost>,
    /// Most outbound requests one invocation may make.
    pub max_requests: u32,
    /// Longest wait for a connection (and the TLS handshake).
    pub connect_timeout: Duration,
}

impl OutboundPolicy {
    /// No outbound HTTP at all.
    pub fn off() -> Self {
        Self {
            mode: OutboundMode::Off,
            allow: Vec::new(),
            max_requests: 50,
            connect_timeout: Duration::from_secs(5),
        }
    }

    /// The address to connect to for `host:port`, or why not. Resolves
    /// names itself; never connects.
    pub async fn check(&self, host: &str, port: u16) -> Result<SocketAddr, Refusal> {
        let host = bare_host(host);
        let allowed = self.allow.iter().any(|entry| entry.admits(&host, port));
        match self.mode {
            OutboundMode::Off => return Err(Refusal::Off),
            OutboundMode::AllowList if !allowed => {
                return Err(Refusal::NotAllowed(format!("{host}:{port}")));
            }
            _ => {}
        }
        let addresses: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => {
                let lookup = tokio::net::lookup_host((host.clone(), port));
                match tokio::time::timeout(self.connect_timeout, lookup).await {
                    Ok(Ok(found)) => found.collect(),
                    Ok(Err(_)) | Err(_) => return Err(Refusal::Unresolved(host)),
                }
            }
        };
        let mut refused = None;
        for address in addresses {
            match forbidden(address.ip()) {
                Some(rule) if !allowed => refused = Some((address.ip(), rule)),
                _ => return Ok(address),
            }
        }
        match refused {
            Some((ip, rule)) => Err(Refusal::Forbidden { host, ip, rule }),
            None => Err(Refusal::Unresolved(host)),
        }
    }
}

/// Why an outbound request was refused. The messages name the rule and
/// the setting that changes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Outbound HTTP is off.
    #[error("outbound HTTP is off on this server (FNLAB_OUTBOUND=off)")]
    Off,
    /// Allow-list mode, and the host is not on it.
    #[error("{0} is not in FNLAB_OUTBOUND_ALLOW (this server sets FNLAB_OUTBOUND=allow-list)")]
    NotAllowed(String),
    /// The address is one functions may not reach.
    #[error(
        "{}: functions may reach public addresses only \
         (an operator can allow a host with FNLAB_OUTBOUND_ALLOW)",
        what_it_is(host, ip, rule)
    )]
    Forbidden {
        /// The host asked for.
        host: String,
        /// The address it is or resolved to.
        ip: IpAddr,
        /// Which rule.
        rule: &'static str,
    },
    /// The name does not resolve.
    #[error("{0} does not resolve to any address")]
    Unresolved(String),
    /// Past the limit of requests per invocation.
    #[error("more than {0} outbound requests in one invocation (FNLAB_OUTBOUND_MAX_REQUESTS)")]
    TooMany(u32),
    /// The request has no host.
    #[error("the request has no host")]
    NoHost,
}

/// "10.0.0.1 is a private address", or "db.internal resolves to
/// 10.0.0.1, a private address".
fn what_it_is(host: &str, ip: &IpAddr, rule: &str) -> String {
    if host.parse::<IpAddr>().is_ok() {
        format!("{host} is {rule}")
    } else {
        format!("{host} resolves to {ip}, {rule}")
    }
}

impl Refusal {
    /// The `wasi:http` error code the guest receives.
    fn code(&self) -> Error {
        match self {
            Self::Off | Self::NotAllowed(_) => Error::HttpRequestDenied,
            Self::Forbidden { .. } => Error::DestinationIpProhibited,
            Self::Unresolved(_) => Error::DestinationNotFound,
            Self::TooMany(_) => Error::ConnectionLimitReached,
            Self::NoHost => Error::HttpRequestUriInvalid,
        }
    }
}

/// Why functions may not reach `ip`, if they may not.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(ip) => forbidden_v4(ip),
        IpAddr::V6(ip) => forbidden_v6(ip),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, ..) => "an unspecified address (0.0.0.0/8)",
        (127, ..) => "a loopback address",
        (10, ..) | (172, 16..=31, _) | (192, 168, _) => "a private address (RFC 1918)",
        (169, 254, _) => "a link-local address (169.254.0.0/16, where cloud metadata lives)",
        (100, 64..=127, _) => "a shared address (CGNAT, 100.64.0.0/10)",
        (192, 0, 0) => "an IETF protocol address (192.0.0.0/24)",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (198, 18..=19, _) => "a benchmarking address (198.18.0.0/15)",
        (224..=239, ..) => "a multicast address",
        (240..=255, ..) => "a reserved or broadcast address",
        _ => return None,
    })
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let segments = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., high, low] = segments;
        return forbidden_v4(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low)));
    }
    Some(match segments[0] {
        _ if ip.is_unspecified() => "an unspecified address (::)",
        _ if ip.is_loopback() => "a loopback address",
        0 => "a reserved address (::/16, such as IPv4-compatible ones)",
        0x0100 if segments[1..4] == [0, 0, 0] => "a discard address (100::/64)",
        0x2001 if segments[1] == 0x0db8 => "a documentation address (2001:db8::/32)",
        s if s & 0xfe00 == 0xfc00 => "a unique local address (fc00::/7)",
        s if s & 0xffc0 == 0xfe80 => "a link-local address (fe80::/10)",
        s if s & 0xff00 == 0xff00 => "a multicast address",
        _ => return None,
    })
}

/// How long after the function's deadline an outbound connection is
/// closed at the latest (the watchdog stops the function itself sooner).
const AFTER_DEADLINE: Duration = Duration::from_secs(1);

/// What the outbound calls of one invocation added up to.
#[derive(Debug, Default)]
pub(crate) struct OutboundUsage {
    /// Requests sent.
    pub(crate) requests: AtomicU64,
    /// Bytes of request bodies sent and response bodies received.
    pub(crate) bytes: AtomicU64,
}

/// The `wasi:http` hooks of one invocation: every outbound request goes
/// through the policy, within the invocation's budget and deadline.
pub(crate) struct Outbound {
    policy: Arc<OutboundPolicy>,
    tls: Arc<rustls::ClientConfig>,
    deadline: Instant,
    log: CappedLog,
    usage: Arc<OutboundUsage>,
    made: u32,
    /// Who answers calls to Fnlab itself, for which owner.
    platform: (Option<Arc<dyn Platform>>, i64),
}

impl Outbound {
    pub(crate) fn new(
        policy: Arc<OutboundPolicy>,
        tls: Arc<rustls::ClientConfig>,
        deadline: Instant,
        log: CappedLog,
        usage: Arc<OutboundUsage>,
        platform: (Option<Arc<dyn Platform>>, i64),
    ) -> Self {
        Self {
            policy,
            tls,
            deadline,
            log,
            usage,
            made: 0,
            platform,
        }
    }
}

/// The client configuration every outbound HTTPS connection uses: the
/// Mozilla root certificates, no client certificate.
pub(crate) fn tls_config() -> Arc<rustls::ClientConfig> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

type SendResult = wasmtime_wasi_http::Result<(
    http::Response<WasiBody>,
    Box<dyn Future<Output = Result<(), Error>> + Send>,
)>;

impl WasiHttpHooks for Outbound {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        self.made = self.made.saturating_add(1);
        let call = Call {
            policy: self.policy.clone(),
            tls: self.tls.clone(),
            deadline: self.deadline,
            log: self.log.clone(),
            usage: self.usage.clone(),
            over_budget: self.made > self.policy.max_requests,
            platform: self.platform.clone(),
        };
        Box::new(call.send(request, options))
    }
}

/// One outbound request on its way.
struct Call {
    policy: Arc<OutboundPolicy>,
    tls: Arc<rustls::ClientConfig>,
    deadline: Instant,
    log: CappedLog,
    usage: Arc<OutboundUsage>,
    over_budget: bool,
    platform: (Option<Arc<dyn Platform>>, i64),
}

impl Call {
    async fn send(
        self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
    ) -> SendResult {
        let started = Instant::now();
        let method = request.method().clone();
        let uri = request.uri().clone();
        let target = format!(
            "{}{}",
            uri.authority().map_or("", |a| a.as_str()),
            uri.path()
        );
        let result = self.exchange(request, options).await;
        let ms = started.elapsed().as_millis();
        match &result {
            Ok((response, _)) => self.log.host_line(&format!(
                "outbound {method} {target} → {} in {ms} ms",
                response.status().as_u16()
            )),
            Err(Failure::Refused(refusal)) => self
                .log
                .host_line(&format!("outbound {method} {target} refused: {refusal}")),
            Err(Failure::Failed(error)) => self.log.host_line(&format!(
                "outbound {method} {target} failed after {ms} ms: {error}"
            )),
        }
        result.map_err(|failure| match failure {
            Failure::Refused(refusal) => refusal.code(),
            Failure::Failed(error) => error,
        })
    }

    async fn exchange(
        &self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
    ) -> Result<
        (
            http::Response<WasiBody>,
            Box<dyn Future<Output = Result<(), Error>> + Send>,
        ),
        Failure,
    > {
        if self.over_budget {
            return Err(Failure::Refused(Refusal::TooMany(self.policy.max_requests)));
        }
        let https = request.uri().scheme() == Some(&http::uri::Scheme::HTTPS);
        let authority = request
            .uri()
            .authority()
            .cloned()
            .ok_or(Failure::Refused(Refusal::NoHost))?;
        // Fnlab itself: answered here, never over the network.
        if authority.host().eq_ignore_ascii_case(INTERNAL_HOST) {
            self.usage.requests.fetch_add(1, Ordering::Relaxed);
            let (platform, owner) = &self.platform;
            let response = platform::answer(platform.as_deref(), *owner, request).await;
            return Ok((response, platform::done()));
        }
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        let address = self.policy.check(authority.host(), port).await?;
        self.usage.requests.fetch_add(1, Ordering::Relaxed);

        // The watchdog stops the invocation at its deadline, which drops
        // this call; the cut-off only makes sure that nothing of it (the
        // connection, driven on its own) outlives the invocation.
        let cutoff = self.deadline + AFTER_DEADLINE;
        let left = cutoff.saturating_duration_since(Instant::now());
        let connect_within = self.policy.connect_timeout.min(left);
        let stream = tokio::time::timeout(connect_within, TcpStream::connect(address))
            .await
            .map_err(|_| Error::ConnectionTimeout)?
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::ConnectionRefused => Error::ConnectionRefused,
                _ => Error::Connect(e),
            })?;
        let _ = stream.set_nodelay(true);
        let (mut sender, connection) = if https {
            let name = rustls::pki_types::ServerName::try_from(bare_host(authority.host()))
                .map_err(|_| Error::HttpRequestUriInvalid)?;
            let connector = tokio_rustls::TlsConnector::from(self.tls.clone());
            let tls = tokio::time::timeout(connect_within, connector.connect(name, stream))
                .await
                .map_err(|_| Error::ConnectionTimeout)?
                .map_err(Error::Tls)?;
            handshake(Box::new(tls)).await?
        } else {
            handshake(Box::new(stream)).await?
        };
        // The request line carries the path only (the Host header, which
        // wasi-http sets, names the host).
        *request.uri_mut() = uri_path(request.uri());
        let request = request.map(|body| Counted::new(body, self.usage.clone()).boxed_unsync());
        let first_byte = options
            .and_then(|o| o.first_byte_timeout)
            .map_or(left, |t| t.min(left));
        let mut connection = Some(Box::pin(tokio::time::timeout_at(cutoff.into(), connection)));
        let response = tokio::time::timeout(first_byte, async {
            let mut send = std::pin::pin!(sender.send_request(request));
            // Drive the connection while waiting for the response head. A
            // connection that ends may have handed the head over just before.
            std::future::poll_fn(|cx| {
                if let Poll::Ready(result) = send.as_mut().poll(cx) {
                    return Poll::Ready(result.map_err(Error::from));
                }
                let Some(driving) = connection.as_mut() else {
                    return Poll::Pending;
                };
                let Poll::Ready(done) = driving.as_mut().poll(cx) else {
                    return Poll::Pending;
                };
                connection = None;
                match done {
                    Ok(Ok(())) => send.as_mut().poll(cx).map_err(Error::from),
                    Ok(Err(e)) => Poll::Ready(Err(Error::from(e))),
                    Err(_) => Poll::Ready(Err(Error::HttpResponseTimeout)),
                }
            })
            .await
        })
        .await
        .map_err(|_| Error::ConnectionReadTimeout)??;
        let usage = self.usage.clone();
        let response =
            response.map(move |body| Counted::new(body.map_err(Error::from), usage).boxed_unsync());
        let io = async move {
            let Some(connection) = connection else {
                return Ok(());
            };
            match connection.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(Error::from(e)),
                Err(_) => Err(Error::HttpResponseTimeout),
            }
        };
        Ok((response, Box::new(io)))
    }
}

/// What went wrong with one outbound call.
enum Failure {
    /// The policy said no: nothing was sent.
    Refused(Refusal),
    /// Sending or receiving failed.
    Failed(Error),
}

impl From<Refusal> for Failure {
    fn from(refusal: Refusal) -> Self {
        Self::Refused(refusal)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::Failed(error)
    }
}

impl From<hyper::Error> for Failure {
    fn from(error: hyper::Error) -> Self {
        Self::Failed(Error::from(error))
    }
}

/// A byte stream of either kind.
trait Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static> Stream for T {}

type Handshake = (
    hyper::client::conn::http1::SendRequest<
        http_body_util::combinators::UnsyncBoxBody<Bytes, Error>,
    >,
    hyper::client::conn::http1::Connection<
        TokioIo<Box<dyn Stream>>,
        http_body_util::combinators::UnsyncBoxBody<Bytes, Error>,
    >,
);

async fn handshake(stream: Box<dyn Stream>) -> Result<Handshake, Failure> {
    Ok(hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?)
}

/// `uri` reduced to its path and query, for the request line.
fn uri_path(uri: &http::Uri) -> http::Uri {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    http::Uri::builder()
        .path_and_query(path)
        .build()
        .unwrap_or_else(|_| http::Uri::from_static("/"))
}

/// A body that counts the bytes through it into the invocation's usage.
struct Counted<B> {
    inner: B,
    usage: Arc<OutboundUsage>,
}

impl<B> Counted<B> {
    fn new(inner: B, usage: Arc<OutboundUsage>) -> Self {
        Self { inner, usage }
    }
}

impl<B> Body for Counted<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            self.usage
                .bytes
                .fetch_add(data.len() as u64, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(mode: OutboundMode, allow: &str) -> OutboundPolicy {
        OutboundPolicy {
            mode,
            allow: AllowedHost::parse_list(allow).unwrap(),
            ..OutboundPolicy::off()
        }
    }

    #[test]
    fn every_internal_range_is_refused_and_public_ones_are_not() {
        for internal in [
            "0.0.0.0",
            "127.0.0.1",
            "127.9.9.9",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2001:db8::1",
            "::127.0.0.1",
        ] {
            let ip: IpAddr = internal.parse().unwrap();
            assert!(forbidden(ip).is_some(), "{internal} must be refused");
        }
        for public in [
            "1.1.1.1",
            "93.184.216.34",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "64:ff9b::101:101",
        ] {
            let ip: IpAddr = public.parse().unwrap();
            assert_eq!(forbidden(ip), None, "{public} is public");
        }
        let metadata = forbidden("169.254.169.254".parse().unwrap()).unwrap();
        assert!(metadata.contains("metadata"), "{metadata}");
    }

    #[tokio::test]
    async fn the_policy_refuses_before_connecting_and_names_the_rule() {
        let public = policy(OutboundMode::Public, "");
        let refused = public.check("10.0.0.1", 80).await.unwrap_err();
        assert!(refused.to_string().contains("RFC 1918"), "{refused}");
        assert!(
            refused.to_string().contains("FNLAB_OUTBOUND_ALLOW"),
            "{refused}"
        );
        let refused = public.check("localhost", 80).await.unwrap_err();
        assert!(refused.to_string().contains("loopback"), "{refused}");
        let refused = public.check("[::1]", 80).await.unwrap_err();
        assert!(refused.to_string().contains("loopback"), "{refused}");
        assert_eq!(
            public.check("1.1.1.1", 443).await,
            Ok("1.1.1.1:443".parse().unwrap())
        );

        let off = policy(OutboundMode::Off, "1.1.1.1");
        assert_eq!(off.check("1.1.1.1", 443).await, Err(Refusal::Off));

        // The allow list admits a private host, on its port only.
        let allowed = policy(OutboundMode::Public, "127.0.0.1:8080");
        assert_eq!(
            allowed.check("127.0.0.1", 8080).await,
            Ok("127.0.0.1:8080".parse().unwrap())
        );
        assert!(allowed.check("127.0.0.1", 8081).await.is_err());
        let only = policy(OutboundMode::AllowList, "127.0.0.1:8080, Example.org");
        assert!(matches!(
            only.check("1.1.1.1", 443).await,
            Err(Refusal::NotAllowed(_))
        ));
        assert_eq!(
            only.check("127.0.0.1", 8080).await,
            Ok("127.0.0.1:8080".parse().unwrap())
        );
        assert_eq!(only.allow[1].host, "example.org");
        assert!(AllowedHost::parse_list("a b").is_err());
        assert_eq!("allow-list".parse(), Ok(OutboundMode::AllowList));
        assert!("open".parse::<OutboundMode>().is_err());
    }
}
