//! A [`reqwest::Client`] as the transport (feature `reqwest`): for
//! applications that already configure one (their proxies, TLS settings, a pool shared with the
//! rest of the app).
//!
//! The default transport ([`HyperTransport`](crate::transport::HyperTransport)) is hyper
//! directly: fewer crates to build and less work per call. This one gives the same behaviour
//! through reqwest 0.12, and the whole emulator suite runs against both.
//!
//! ```no_run
//! # async fn run() -> keyvault_runtime::Result<()> {
//! use std::sync::Arc;
//! use keyvault_runtime::transport::TransportOptions;
//! use keyvault_runtime::{reqwest_transport, ClientOptions};
//!
//! // Our safe defaults, as a builder to add your own settings to.
//! let client = reqwest_transport::builder(&TransportOptions::default())?
//!     .user_agent("my-app/1.0")
//!     .build()
//!     .expect("a reqwest client");
//! let options = ClientOptions::default().with_transport(Arc::new(client));
//! # let _ = options; Ok(())
//! # }
//! ```
//!
//! # A client you build yourself
//!
//! Any `reqwest::Client` works as a transport (`ClientOptions::with_transport(Arc::new(client))`,
//! and `CredentialOptions::with_transport` for credentials). What it must and must not do:
//! - **Not follow redirects** (`.redirect(reqwest::redirect::Policy::none())`). reqwest's
//!   default follows up to 10 and drops the `Authorization` header only when the host changes,
//!   and the pipeline must see a 3xx to handle it. A response that arrives after a redirect is
//!   refused with a transport error naming both URLs, and is not retried.
//! - **Not retry, decompress or time out on its own** unless you mean it: the pipeline already
//!   retries (with backoff and `Retry-After`), bounds every try (`ClientOptions::try_timeout`)
//!   and sends no `Accept-Encoding`.
//! - Trust the certificates the vault (or the emulator) presents: with a client of your own,
//!   `ClientOptions::with_root_certificate_pem`, `TransportOptions::with_proxy`,
//!   `with_http1_only` and `with_connect_timeout` no longer apply, because they configure the
//!   transport this crate builds. [`builder`] applies them to a reqwest builder.

use std::error::Error as StdError;
use std::time::Duration;

use ::reqwest as rq;

use crate::error::{Error, ErrorKind, Result};
use crate::http::{BoxFuture, HttpClient, RawResponse, Request};
use crate::proxy::{Proxy, ProxyKind, ProxyRules};
use crate::transport::{
    connect_cause, exchange_cause, has_timeout, proxy_rules, target, tls_config, TransportOptions,
};

/// A reqwest builder with what the default transport does: no redirects, the connect timeout
/// (10 s unless set), TCP keep-alive and no Nagle delay, a 90 s idle pool timeout, the TLS
/// settings of [`TransportOptions`] (its root certificates, and with `native-roots` the
/// system's, through the same rustls configuration), HTTP/2 when offered unless
/// `http1_only`, and the proxy rules the default transport uses (`TransportOptions::proxy`, or
/// `https_proxy`, `http_proxy`, `all_proxy` and `NO_PROXY` read as curl reads them, not as
/// reqwest does). One difference: an environment proxy value that cannot be used is an error
/// here, when the client is built, where the default transport reports it at the first
/// connection that needs it.
pub fn builder(options: &TransportOptions) -> Result<rq::ClientBuilder> {
    let mut tls = tls_config(options)?;
    tls.alpn_protocols = if options.http1_only || cfg!(not(feature = "http2")) {
        vec![b"http/1.1".to_vec()]
    } else {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    };
    let mut builder = rq::Client::builder()
        .use_preconfigured_tls(tls)
        .redirect(rq::redirect::Policy::none())
        .connect_timeout(options.connect_timeout.unwrap_or(Duration::from_secs(10)))
        .tcp_nodelay(true)
        .tcp_keepalive(Duration::from_secs(15))
        .pool_idle_timeout(Duration::from_secs(90))
        // reqwest's own reading of the environment differs from curl's (and ours); the rules
        // below replace it.
        .no_proxy();
    if options.http1_only {
        builder = builder.http1_only();
    }
    if let Some(rules) = proxy_rules(options)? {
        builder = builder.proxy(proxy(rules)?);
    }
    Ok(builder)
}

/// A reqwest client with the settings of [`builder`].
pub fn client(options: &TransportOptions) -> Result<rq::Client> {
    builder(options)?
        .build()
        .map_err(|e| Error::transport("could not build the reqwest client", e))
}

/// The rules as one reqwest proxy that asks them for every URL.
fn proxy(rules: ProxyRules) -> Result<rq::Proxy> {
    for scheme in ["https", "http"] {
        // A host no `NO_PROXY` entry can match: whether the scheme has a proxy at all.
        if let Some(Err(why)) = rules.proxy_for(scheme, "") {
            return Err(Error::invalid_input("proxy", why.clone()));
        }
    }
    Ok(rq::Proxy::custom(move |url| {
        match rules.proxy_for(url.scheme(), url.host_str().unwrap_or(""))? {
            Ok(proxy) => Some(proxy_url(proxy)),
            Err(_) => None,
        }
    }))
}

/// The URL reqwest reads a proxy from, credentials percent-encoded.
fn proxy_url(proxy: &Proxy) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    let scheme = match proxy.kind {
        ProxyKind::HttpConnect => "http",
        ProxyKind::Socks5 { remote_dns: false } => "socks5",
        ProxyKind::Socks5 { remote_dns: true } => "socks5h",
    };
    let userinfo = proxy
        .credentials
        .as_ref()
        .map(|(user, password)| {
            format!(
                "{}:{}@",
                utf8_percent_encode(user, NON_ALPHANUMERIC),
                utf8_percent_encode(password, NON_ALPHANUMERIC)
            )
        })
        .unwrap_or_default();
    format!("{scheme}://{userinfo}{}", proxy.authority)
}

impl HttpClient for rq::Client {
    fn execute<'a>(&'a self, request: &'a Request) -> BoxFuture<'a, Result<RawResponse>> {
        Box::pin(async move {
            // Parsed here, so the URL a response reports can be compared with the same
            // normalisation.
            let url = rq::Url::parse(request.url.as_str())
                .map_err(|e| Error::invalid_input("url", format!("not a valid URL: {e}")))?;
            let response = self
                .request(request.method.clone(), url.clone())
                .headers(request.headers.clone())
                .body(request.body.clone())
                .send()
                .await
                .map_err(|e| map_error(e, request))?;
            if *response.url() != url {
                return Err(followed_redirect(request, response.url()));
            }
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(|e| {
                let target = target(&request.url);
                if e.is_timeout() || has_timeout(&e) {
                    return Error::timeout(format!(
                        "reading the response body from {target} timed out"
                    ));
                }
                let cause = exchange_cause(&e);
                Error::transport(
                    format!("reading the response body from {target} failed: {cause}"),
                    e,
                )
            })?;
            Ok(RawResponse {
                status,
                headers,
                body,
            })
        })
    }
}

/// The same classification as the default transport's: connect failures (never sent, so any
/// request may be retried; certificate and handshake failures not at all), timeouts, and
/// failures on an open connection.
fn map_error(e: rq::Error, request: &Request) -> Error {
    let target = target(&request.url);
    let timed_out = e.is_timeout() || has_timeout(&e);
    if e.is_connect() {
        if timed_out {
            return Error::connect_timeout(format!("connecting to {target} timed out"));
        }
        let (cause, transient) = connect_cause(&e);
        return Error::connect_failed(
            format!("could not connect to {target}: {cause}"),
            e,
            transient,
        );
    }
    if timed_out {
        return Error::timeout(format!("the request to {target} timed out"));
    }
    let cause = exchange_cause(&e);
    Error::transport(format!("the request to {target} failed: {cause}"), e)
}

/// A client that followed a redirect: the response is for another URL, and the request (with
/// its token, when the host stayed the same) went there. Not retried: it would happen again.
fn followed_redirect(request: &Request, to: &rq::Url) -> Error {
    let from = target(&request.url);
    let to = crate::url::shown_in_errors(&format!(
        "{}:{}",
        to.host_str().unwrap_or(""),
        to.port_or_known_default().unwrap_or(0)
    ));
    Error::new(ErrorKind::Transport {
        message: format!(
            "the reqwest client followed a redirect from {from} to {to}; build it with \
             redirect::Policy::none() (keyvault_runtime::reqwest_transport::builder does)"
        ),
        source: Some(Box::new(RedirectFollowed) as Box<dyn StdError + Send + Sync>),
        request_sent: true,
        transient: false,
    })
}

/// The cause of [`followed_redirect`]'s error.
#[derive(Debug)]
struct RedirectFollowed;

impl std::fmt::Display for RedirectFollowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the HTTP client follows redirects")
    }
}

impl StdError for RedirectFollowed {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_carry_kind_and_encoded_credentials() {
        let proxy = Proxy::parse("http://us%40er:p%3Ass@proxy.example:3128").unwrap();
        assert_eq!(
            proxy_url(&proxy),
            "http://us%40er:p%3Ass@proxy.example:3128"
        );
        let socks = Proxy::parse("socks5h://10.0.0.1").unwrap();
        assert_eq!(proxy_url(&socks), "socks5h://10.0.0.1:1080");
    }

    #[test]
    fn an_unusable_proxy_setting_is_refused_when_building() {
        let options = TransportOptions::default().with_proxy("ftp://proxy.example");
        let err = client(&options).unwrap_err();
        assert!(err.to_string().contains("ftp"), "{err}");
    }
}
