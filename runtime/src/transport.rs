//! The default transport: hyper's pooled client over rustls (pure Rust, no C toolchain needed),
//! with no layer in between. A client stack on top (redirect following, URL re-parsing on every
//! request) would only cost time here: Key Vault never redirects, and the pipeline has built and
//! checked the URL already.

use std::error::Error as StdError;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::proxy::SocksV5;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use crate::error::{Error, Result};
use bytes::Bytes;

use crate::http::{BoxFuture, HttpClient, RawResponse, Request};
use crate::loopback_dns::LoopbackAwareResolver;
use crate::proxy::{Proxy, ProxyKind, ProxyRules};

/// Settings for the default transport.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransportOptions {
    /// Extra root certificates (PEM) to trust, e.g. a local emulator's self-signed certificate.
    pub extra_root_certificates_pem: Vec<Vec<u8>>,
    /// How long setting up a connection may take, DNS, TCP, a proxy's tunnel and the TLS
    /// handshake together; `None` means the transport's default (10 s).
    pub connect_timeout: Option<Duration>,
    /// Use HTTP/1.1 only, even when the server offers HTTP/2 (always so without the `http2`
    /// feature).
    pub http1_only: bool,
    /// Connect through the proxy the environment names, as curl reads it (on by default):
    /// `https_proxy` or `HTTPS_PROXY` for `https` URLs, `http_proxy` (lower case only) for
    /// `http` URLs, else `all_proxy` or `ALL_PROXY`; the lower-case name wins. `no_proxy` or
    /// `NO_PROXY` lists the hosts that go direct: `*` alone for all; names (matching their
    /// subdomains too, a leading dot optional), IP addresses and CIDR ranges, separated by
    /// commas or blanks. An `http://` proxy is asked for a `CONNECT` tunnel, so TLS stays end
    /// to end; `socks5://` (names resolved here) and `socks5h://` (by the proxy) work too. A
    /// proxy value that cannot be used (an `https://` proxy, say) fails the requests it would
    /// carry with an error naming the variable.
    pub proxy_from_env: bool,
    /// Connect through this proxy for every host, whatever the environment says:
    /// `http://[user:password@]host[:port]` (port 80 when left out), or `socks5://` or
    /// `socks5h://` (port 1080).
    pub proxy: Option<String>,
    /// Also trust the operating system's root certificates, or those `SSL_CERT_FILE` and
    /// `SSL_CERT_DIR` name (on by default with the `native-roots` feature).
    #[cfg(feature = "native-roots")]
    pub native_roots: bool,
}

impl Default for TransportOptions {
    fn default() -> Self {
        TransportOptions {
            extra_root_certificates_pem: Vec::new(),
            connect_timeout: None,
            http1_only: false,
            proxy_from_env: true,
            proxy: None,
            #[cfg(feature = "native-roots")]
            native_roots: true,
        }
    }
}

/// The proxy's user name and password are hidden.
impl std::fmt::Debug for TransportOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut debug = f.debug_struct("TransportOptions");
        debug
            .field(
                "extra_root_certificates",
                &self.extra_root_certificates_pem.len(),
            )
            .field("connect_timeout", &self.connect_timeout)
            .field("http1_only", &self.http1_only)
            .field("proxy_from_env", &self.proxy_from_env)
            .field(
                "proxy",
                &self.proxy.as_deref().map(crate::url::redact_userinfo),
            );
        #[cfg(feature = "native-roots")]
        debug.field("native_roots", &self.native_roots);
        debug.finish()
    }
}

impl TransportOptions {
    /// Trusts an extra root certificate (PEM), e.g. a local emulator's.
    pub fn with_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.extra_root_certificates_pem.push(pem.into());
        self
    }

    /// Connects through this proxy for every host (see [`TransportOptions::proxy`]).
    pub fn with_proxy(mut self, proxy: impl Into<String>) -> Self {
        self.proxy = Some(proxy.into());
        self
    }

    /// Whether to read the proxy from the environment (on by default; see
    /// [`TransportOptions::proxy_from_env`]).
    pub fn with_proxy_from_env(mut self, read: bool) -> Self {
        self.proxy_from_env = read;
        self
    }

    /// Uses HTTP/1.1 only, even when the server offers HTTP/2.
    pub fn with_http1_only(mut self, http1_only: bool) -> Self {
        self.http1_only = http1_only;
        self
    }

    /// Bounds connection set-up (DNS, TCP, a proxy's tunnel, TLS together); 10 s by default.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Whether to trust the system's root certificates too; without the `native-roots`
    /// feature there are none to trust and this changes nothing.
    pub fn with_native_roots(self, trust: bool) -> Self {
        #[cfg(feature = "native-roots")]
        {
            let mut options = self;
            options.native_roots = trust;
            options
        }
        #[cfg(not(feature = "native-roots"))]
        {
            let _ = trust;
            self
        }
    }
}

/// Sends requests with a shared, pooled hyper client over rustls (HTTP/1.1, and HTTP/2 when
/// the server offers it by ALPN and `http1_only` is off). Redirects are never followed: they
/// would carry the `Authorization` header wherever the server points.
#[derive(Clone)]
pub struct HyperTransport {
    client: Client<TimedConnector, Full<Bytes>>,
}

/// What makes two default transports interchangeable: equal settings, the same environment
/// where a transport reads it when built (proxies, and the system roots' `SSL_CERT_FILE` and
/// `SSL_CERT_DIR`), and the same tokio runtime (hyper runs
/// a pooled connection on the runtime that opened it; one runtime's connections are useless
/// after it shuts down, as each `#[tokio::test]`'s does).
#[derive(PartialEq)]
struct SharedKey {
    options: TransportOptions,
    environment: Vec<Option<std::ffi::OsString>>,
    runtime: Option<tokio::runtime::Id>,
}

impl SharedKey {
    fn new(options: &TransportOptions) -> Self {
        SharedKey {
            options: options.clone(),
            environment: crate::proxy::ENVIRONMENT
                .iter()
                .chain(&["SSL_CERT_FILE", "SSL_CERT_DIR"])
                .map(std::env::var_os)
                .collect(),
            runtime: tokio::runtime::Handle::try_current()
                .ok()
                .map(|handle| handle.id()),
        }
    }
}

impl HyperTransport {
    /// The process's transport for these settings: clients and credentials built with equal
    /// [`TransportOptions`] (in the same tokio runtime, with the same proxy environment) share
    /// one connection pool and TLS configuration, so a `SecretClient`, a `KeyClient` and their
    /// credential talking to one vault reuse each other's connections. Held weakly: the pool
    /// goes when the last client using it is dropped. What [`crate::Pipeline`] and the
    /// credentials use unless given a transport.
    pub fn shared(options: &TransportOptions) -> Result<Arc<HyperTransport>> {
        use std::sync::{Mutex, PoisonError, Weak};
        static SHARED: Mutex<Vec<(SharedKey, Weak<HyperTransport>)>> = Mutex::new(Vec::new());
        let key = SharedKey::new(options);
        let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
        shared.retain(|(_, transport)| transport.strong_count() > 0);
        if let Some(transport) = shared
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, transport)| transport.upgrade())
        {
            return Ok(transport);
        }
        let transport = Arc::new(HyperTransport::new(options)?);
        shared.push((key, Arc::downgrade(&transport)));
        Ok(transport)
    }

    /// A transport of its own (its own connection pool) with the given settings.
    pub fn new(options: &TransportOptions) -> Result<Self> {
        let tls = tls_config(options)?;

        let mut http = HttpConnector::new_with_resolver(LoopbackAwareResolver::default());
        http.enforce_http(false);
        http.set_nodelay(true);
        // Pooled connections can die silently behind NATs and load balancers; keep-alive probes
        // find them before a request is lost on one.
        http.set_keepalive(Some(Duration::from_secs(15)));
        http.set_keepalive_interval(Some(Duration::from_secs(15)));
        http.set_keepalive_retries(Some(3));
        #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
        http.set_tcp_user_timeout(Some(Duration::from_secs(30)));
        let connect_timeout = options.connect_timeout.unwrap_or(Duration::from_secs(10));
        // Per TCP attempt (split across a host's addresses, so a dead one leaves time for the
        // next); `TimedConnector` below bounds the whole set-up by the same limit.
        http.set_connect_timeout(Some(connect_timeout));
        let rules = proxy_rules(options)?.map(Arc::new);
        let connector = ProxyConnector { http, rules };
        let builder = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http();
        #[cfg(feature = "http2")]
        let connector = if options.http1_only {
            builder.enable_http1().wrap_connector(connector)
        } else {
            builder.enable_all_versions().wrap_connector(connector)
        };
        #[cfg(not(feature = "http2"))]
        let connector = builder.enable_http1().wrap_connector(connector);
        let connector = TimedConnector {
            inner: connector,
            limit: connect_timeout,
        };
        let client = Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(connector);
        Ok(HyperTransport { client })
    }
}

/// The TLS settings every transport uses: the built-in webpki roots, the extra roots of
/// `options` (and with `native-roots` the system's), TLS 1.2 and 1.3 through ring, no client
/// certificate. ALPN is left to the transport.
pub(crate) fn tls_config(options: &TransportOptions) -> Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for pem in &options.extra_root_certificates_pem {
        let mut found = false;
        for certificate in CertificateDer::pem_slice_iter(pem) {
            let certificate =
                certificate.map_err(|e| Error::transport("invalid root certificate PEM", e))?;
            roots
                .add(certificate)
                .map_err(|e| Error::transport("invalid root certificate", e))?;
            found = true;
        }
        if !found {
            return Err(Error::transport(
                "invalid root certificate PEM",
                std::io::Error::other("no CERTIFICATE block"),
            ));
        }
    }
    #[cfg(feature = "native-roots")]
    if options.native_roots {
        add_native_roots(&mut roots)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::transport("could not set up TLS", e))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The proxies a transport with these settings uses: the one named, or the environment's
/// (unless turned off).
pub(crate) fn proxy_rules(options: &TransportOptions) -> Result<Option<ProxyRules>> {
    Ok(match &options.proxy {
        Some(proxy) => Some(ProxyRules::all(
            Proxy::parse(proxy).map_err(|why| Error::invalid_input("proxy", why))?,
        )),
        None => options.proxy_from_env.then(ProxyRules::from_env),
    })
}

impl std::fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperTransport").finish_non_exhaustive()
    }
}

impl HttpClient for HyperTransport {
    fn execute<'a>(&'a self, request: &'a Request) -> BoxFuture<'a, Result<RawResponse>> {
        Box::pin(async move {
            let uri = http::Uri::try_from(request.url.as_str())
                .map_err(|e| Error::invalid_input("url", format!("not a valid URI: {e}")))?;
            let mut outgoing = http::Request::new(Full::new(request.body.clone()));
            *outgoing.method_mut() = request.method.clone();
            *outgoing.uri_mut() = uri;
            *outgoing.headers_mut() = request.headers.clone();
            let response = self
                .client
                .request(outgoing)
                .await
                .map_err(|e| map_error(e, &request.url))?;
            let (parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|e| {
                    let target = target(&request.url);
                    if has_timeout(&e) {
                        return Error::timeout(format!(
                            "reading the response body from {target} timed out"
                        ));
                    }
                    let cause = exchange_cause(&e);
                    Error::transport(
                        format!("reading the response body from {target} failed: {cause}"),
                        e,
                    )
                })?
                .to_bytes();
            Ok(RawResponse {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        })
    }
}

/// The system's roots. Unreadable or unparsable ones are skipped as long as some load (one bad
/// file in a certificate folder should not stop every connection). None at all is an error
/// when `SSL_CERT_FILE` or `SSL_CERT_DIR` name them (a typo, say), and only a warning on a
/// system without a store (a minimal container image), where the built-in roots still
/// apply. Loaded once per process
/// (again only if `SSL_CERT_FILE` or `SSL_CERT_DIR` change): reading a certificate folder for
/// every client would cost more than the client.
#[cfg(feature = "native-roots")]
fn add_native_roots(roots: &mut rustls::RootCertStore) -> Result<()> {
    use std::sync::Mutex;
    /// What one load found: the certificates, and the first error when there were none.
    struct Found {
        certificates: Vec<CertificateDer<'static>>,
        error: Option<String>,
    }
    type Key = [Option<std::ffi::OsString>; 2];
    static LOADED: Mutex<Option<(Key, Arc<Found>)>> = Mutex::new(None);

    let key = [
        std::env::var_os("SSL_CERT_FILE"),
        std::env::var_os("SSL_CERT_DIR"),
    ];
    let named = key.iter().any(Option::is_some);
    let found = {
        let mut loaded = LOADED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*loaded {
            Some((seen, found)) if *seen == key => found.clone(),
            _ => {
                let result = rustls_native_certs::load_native_certs();
                if result.certs.is_empty() && !named {
                    // A minimal image without a system store: the built-in roots still apply.
                    tracing::warn!("no system root certificates found; using the built-in roots");
                } else {
                    for error in &result.errors {
                        tracing::warn!(%error, "skipped some of the system's root certificates");
                    }
                }
                let found = Arc::new(Found {
                    error: result.errors.first().map(ToString::to_string),
                    certificates: result.certs,
                });
                *loaded = Some((key, found.clone()));
                found
            }
        }
    };
    if found.certificates.is_empty() {
        if !named {
            return Ok(());
        }
        return Err(Error::transport(
            "could not load the system's root certificates",
            found.error.clone().unwrap_or_else(|| {
                "none found (the system store, or SSL_CERT_FILE / SSL_CERT_DIR)".to_owned()
            }),
        ));
    }
    let (added, _unparsable) = roots.add_parsable_certificates(found.certificates.iter().cloned());
    if added == 0 {
        return Err(Error::transport(
            "could not load the system's root certificates",
            "none of them could be parsed",
        ));
    }
    Ok(())
}

/// `host:port` of a request, for messages (bounded: a hostile host name must not make a huge
/// message).
pub(crate) fn target(url: &crate::http::Url) -> String {
    crate::url::shown_in_errors(&format!(
        "{}:{}",
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    ))
}

/// An error that says where and why: host and port, and the cause in words (refused, not
/// resolvable, an untrusted certificate, a proxy's answer), with the full chain as the source.
/// Failures while connecting are marked as such (the request never left, so any request may be
/// retried), and those that cannot heal as not transient. hyper's errors never include the URL
/// (which may carry query secrets).
fn map_error(e: hyper_util::client::legacy::Error, url: &crate::http::Url) -> Error {
    let target = target(url);
    if e.is_connect() {
        if has_timeout(&e) {
            return Error::connect_timeout(format!("connecting to {target} timed out"));
        }
        let (cause, transient) = connect_cause(&e);
        return Error::connect_failed(
            format!("could not connect to {target}: {cause}"),
            e,
            transient,
        );
    }
    if has_timeout(&e) {
        return Error::timeout(format!("the connection to {target} stopped answering"));
    }
    let cause = exchange_cause(&e);
    Error::transport(format!("the request to {target} failed: {cause}"), e)
}

/// The causes of `error`, outermost first. An `io::Error`'s own `source()` skips the error it
/// wraps (it returns that one's source), and hyper-rustls nests a rustls error two I/O errors
/// deep, so the wrapped error is taken instead.
pub(crate) fn chain<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(error), |e| next_cause(*e))
}

fn next_cause<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a (dyn StdError + 'static)> {
    match error.downcast_ref::<std::io::Error>() {
        Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
        None => error.source(),
    }
}

/// Whether an I/O timeout caused `error` (the connect timeout, or the TCP user timeout on a
/// connection that stopped answering).
pub(crate) fn has_timeout(error: &(dyn StdError + 'static)) -> bool {
    chain(error).any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
    })
}

/// Why a connection could not be set up, and whether another try may succeed.
pub(crate) fn connect_cause(error: &(dyn StdError + 'static)) -> (String, bool) {
    for cause in chain(error) {
        if let Some(proxy) = cause.downcast_ref::<ProxyError>() {
            return (proxy.message.clone(), proxy.transient);
        }
        // A certificate the client does not trust, or a handshake the two sides cannot agree
        // on, fails the same way every time.
        match cause.downcast_ref::<rustls::Error>() {
            Some(rustls::Error::InvalidCertificate(why)) => {
                return (
                    format!("the server's TLS certificate was rejected ({why:?})"),
                    false,
                )
            }
            Some(other) => return (format!("the TLS handshake failed ({other})"), false),
            None => {}
        }
        // hyper-util's connect error type is private; its message names the step.
        if cause.to_string() == "dns error" {
            return ("the host name could not be resolved".to_owned(), true);
        }
    }
    (
        io_cause(error).unwrap_or("the connection failed".to_owned()),
        true,
    )
}

/// Why an exchange on an open connection failed.
pub(crate) fn exchange_cause(error: &(dyn StdError + 'static)) -> String {
    for cause in chain(error) {
        if let Some(hyper) = cause.downcast_ref::<hyper::Error>() {
            if hyper.is_incomplete_message() {
                return "the connection closed before the response was complete".to_owned();
            }
        }
    }
    io_cause(error).unwrap_or("the connection failed".to_owned())
}

/// The kind of the first I/O error in the chain, in words ("connection refused").
fn io_cause(error: &(dyn StdError + 'static)) -> Option<String> {
    chain(error)
        .find_map(|cause| cause.downcast_ref::<std::io::Error>())
        .map(|io| io.kind().to_string())
}

/// A proxy that cannot be used, or that refused the tunnel.
#[derive(Debug)]
struct ProxyError {
    message: String,
    transient: bool,
}

impl std::fmt::Display for ProxyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for ProxyError {}

impl ProxyError {
    /// The error a connector returns.
    fn boxed(message: String, transient: bool) -> BoxError {
        Box::new(ProxyError { message, transient })
    }
}

type BoxError = Box<dyn StdError + Send + Sync>;
type Stream = TokioIo<tokio::net::TcpStream>;
type Connecting<T> = Pin<Box<dyn Future<Output = std::result::Result<T, BoxError>> + Send>>;

/// Bounds setting up a connection as a whole (DNS, TCP, the proxy's tunnel, the TLS handshake)
/// by the connect timeout: a proxy or server that accepts TCP and then says nothing would
/// otherwise hold each try until its own timeout.
#[derive(Clone)]
struct TimedConnector {
    inner: hyper_rustls::HttpsConnector<ProxyConnector>,
    limit: Duration,
}

impl tower_service::Service<http::Uri> for TimedConnector {
    type Response = hyper_rustls::MaybeHttpsStream<Stream>;
    type Error = BoxError;
    type Future = Connecting<Self::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<std::result::Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, destination: http::Uri) -> Self::Future {
        let connecting = self.inner.call(destination);
        let limit = self.limit;
        Box::pin(async move {
            match tokio::time::timeout(limit, connecting).await {
                Ok(connected) => connected,
                Err(_) => Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("setting up the connection took longer than {limit:?}"),
                )) as BoxError),
            }
        })
    }
}

/// TCP connections, through a proxy when the proxy settings name one for the host: a `CONNECT`
/// tunnel through an `http://` proxy, or SOCKS5.
#[derive(Clone)]
struct ProxyConnector {
    http: HttpConnector<LoopbackAwareResolver>,
    rules: Option<Arc<ProxyRules>>,
}

impl tower_service::Service<http::Uri> for ProxyConnector {
    type Response = Stream;
    type Error = BoxError;
    type Future = Connecting<Stream>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<std::result::Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, destination: http::Uri) -> Self::Future {
        let host = destination.host().unwrap_or("").to_owned();
        let scheme = destination.scheme_str().unwrap_or("").to_owned();
        let proxy = self
            .rules
            .as_ref()
            .and_then(|rules| rules.proxy_for(&scheme, &host))
            .cloned();
        let mut http = self.http.clone();
        Box::pin(async move {
            let proxy = match proxy {
                None => return Ok(http.call(destination).await?),
                Some(Err(why)) => {
                    return Err(ProxyError::boxed(
                        format!("the proxy setting cannot be used: {why}"),
                        false,
                    ))
                }
                Some(Ok(proxy)) => proxy,
            };
            // The port the URL means: hyper leaves a default one out of the URI, and a tunnel
            // must not guess 443 for an http URL.
            let port = destination
                .port_u16()
                .unwrap_or(if scheme == "http" { 80 } else { 443 });
            match proxy.kind {
                ProxyKind::HttpConnect => {
                    let to_proxy = proxy_uri(&proxy)?;
                    let tcp = http
                        .call(to_proxy)
                        .await
                        .map_err(|e| unreachable_proxy(&proxy, &e))?;
                    connect_tunnel(tcp, &proxy, &host, port).await
                }
                ProxyKind::Socks5 { remote_dns } => {
                    socks5(http, &proxy, remote_dns, &host, port).await
                }
            }
        })
    }
}

fn proxy_uri(proxy: &Proxy) -> std::result::Result<http::Uri, BoxError> {
    format!("http://{}", proxy.authority)
        .parse::<http::Uri>()
        .map_err(|e| Box::new(e) as BoxError)
}

fn unreachable_proxy(proxy: &Proxy, error: &(dyn StdError + 'static)) -> BoxError {
    let cause = io_cause(error).unwrap_or_else(|| "the connection failed".to_owned());
    ProxyError::boxed(
        format!("could not reach the proxy {}: {cause}", proxy.authority),
        true,
    )
}

/// The most bytes a proxy's answer to `CONNECT` may take.
const CONNECT_REPLY_LIMIT: usize = 16 * 1024;

/// Asks an HTTP proxy for a tunnel to `host:port` and reads its answer: a 2xx opens it; any
/// other status is an error that keeps the proxy's status and reason (a 407 or 403 is not
/// transient: credentials or a policy do not change between tries).
async fn connect_tunnel(
    tcp: Stream,
    proxy: &Proxy,
    host: &str,
    port: u16,
) -> std::result::Result<Stream, BoxError> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tcp.into_inner();
    let target = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut head = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(auth) = proxy.basic_auth() {
        head.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
    }
    head.push_str("\r\n");
    let closed = |e: std::io::Error| {
        ProxyError::boxed(
            format!(
                "the proxy {} closed the connection ({})",
                proxy.authority,
                e.kind()
            ),
            true,
        )
    };
    tcp.write_all(head.as_bytes()).await.map_err(closed)?;
    let mut reply = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    loop {
        let read = tcp.read(&mut chunk).await.map_err(closed)?;
        if read == 0 {
            return Err(ProxyError::boxed(
                format!(
                    "the proxy {} closed the connection before answering CONNECT",
                    proxy.authority
                ),
                true,
            ));
        }
        reply.extend_from_slice(&chunk[..read]);
        match crate::proxy::read_connect_reply(&reply) {
            Ok(None) if reply.len() < CONNECT_REPLY_LIMIT => continue,
            Ok(None) => {
                return Err(ProxyError::boxed(
                    format!(
                    "the proxy {}'s answer to CONNECT is longer than {CONNECT_REPLY_LIMIT} bytes",
                    proxy.authority
                ),
                    false,
                ))
            }
            Err(why) => {
                return Err(ProxyError::boxed(
                    format!("{why} (from {})", proxy.authority),
                    false,
                ))
            }
            Ok(Some((status, reason, length))) => {
                if !(200..300).contains(&status) {
                    let hint = if status == 407 {
                        "; give the proxy's user and password in its URL (http://user:password@host:port)"
                    } else {
                        ""
                    };
                    return Err(ProxyError::boxed(
                        format!(
                            "the proxy {} refused the tunnel to {target}: {status} {reason}{hint}",
                            proxy.authority
                        ),
                        status >= 500 && status != 501 && status != 505,
                    ));
                }
                if length != reply.len() {
                    // Bytes after the head belong to nobody: TLS has not started yet.
                    return Err(ProxyError::boxed(
                        format!(
                            "the proxy {} sent data after opening the tunnel",
                            proxy.authority
                        ),
                        false,
                    ));
                }
                return Ok(TokioIo::new(tcp));
            }
        }
    }
}

/// Through a SOCKS5 proxy (hyper-util's client); for `socks5://` the name is resolved here, for
/// `socks5h://` by the proxy.
async fn socks5(
    http: HttpConnector<LoopbackAwareResolver>,
    proxy: &Proxy,
    remote_dns: bool,
    host: &str,
    port: u16,
) -> std::result::Result<Stream, BoxError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let address = if remote_dns || bare.parse::<std::net::IpAddr>().is_ok() {
        bare.to_owned()
    } else if crate::loopback_dns::is_localhost(bare) {
        std::net::Ipv4Addr::LOCALHOST.to_string()
    } else {
        let mut found = tokio::net::lookup_host((bare, port)).await.map_err(|_| {
            ProxyError::boxed(format!("the host name {bare} could not be resolved"), true)
        })?;
        found.next().map(|a| a.ip().to_string()).ok_or_else(|| {
            ProxyError::boxed(format!("the host name {bare} has no address"), true)
        })?
    };
    let destination: http::Uri = if address.contains(':') {
        format!("http://[{address}]:{port}")
    } else {
        format!("http://{address}:{port}")
    }
    .parse()
    .map_err(|e| Box::new(e) as BoxError)?;
    let mut socks = SocksV5::new(proxy_uri(proxy)?, http);
    if let Some((user, password)) = &proxy.credentials {
        socks = socks.with_auth(user.clone(), password.clone());
    }
    // The address given is an IP for socks5 (resolved above, without blocking), a name for
    // socks5h; the connector's own local resolution would block the runtime.
    let mut socks = socks.local_dns(false);
    use tower_service::Service as _;
    socks.call(destination).await.map_err(|e| {
        // hyper-util's SOCKS error types are private; their messages name the failure.
        let text = e.to_string();
        let refused_credentials =
            text.contains("credentials not accepted") || text.contains("authentication");
        let cause = match e.source() {
            Some(inner) if text.contains("underlying connection") => {
                io_cause(inner).unwrap_or(text.clone())
            }
            _ => text.trim_start_matches("SOCKS error: ").to_owned(),
        };
        ProxyError::boxed(
            format!(
                "the SOCKS5 proxy {} could not open {host}:{port}: {cause}",
                proxy.authority
            ),
            !refused_credentials,
        )
    })
}
