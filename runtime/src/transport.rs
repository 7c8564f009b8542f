//! The default transport: reqwest over rustls (pure Rust, no C toolchain needed).

use std::time::Duration;

use crate::error::{Error, ErrorKind, Result};
use crate::http::{BoxFuture, HttpClient, RawResponse, Request};

/// Settings for the default transport.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct TransportOptions {
    /// Extra root certificates (PEM) to trust, e.g. a local emulator's self-signed certificate.
    pub extra_root_certificates_pem: Vec<Vec<u8>>,
    /// How long establishing a connection may take; `None` means the transport's default (10 s).
    pub connect_timeout: Option<Duration>,
    /// Use HTTP/1.1 only, even when the server offers HTTP/2.
    pub http1_only: bool,
}

impl TransportOptions {
    /// Trusts an extra root certificate (PEM), e.g. a local emulator's.
    pub fn with_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.extra_root_certificates_pem.push(pem.into());
        self
    }
}

/// Sends requests with a shared `reqwest::Client` (connection pool included).
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport with the given settings.
    pub fn new(options: &TransportOptions) -> Result<Self> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout.unwrap_or(Duration::from_secs(10)))
            // Redirects would carry the Authorization header to wherever the server points.
            .redirect(reqwest::redirect::Policy::none());
        if options.http1_only {
            builder = builder.http1_only();
        }
        for pem in &options.extra_root_certificates_pem {
            let certificate = reqwest::Certificate::from_pem(pem)
                .map_err(|e| Error::transport("invalid root certificate PEM", e))?;
            builder = builder.add_root_certificate(certificate);
        }
        let client = builder
            .build()
            .map_err(|e| Error::transport("could not build the HTTP client", e))?;
        Ok(ReqwestTransport { client })
    }

    /// Wraps an already configured `reqwest::Client`.
    pub fn from_client(client: reqwest::Client) -> Self {
        ReqwestTransport { client }
    }
}

impl HttpClient for ReqwestTransport {
    fn execute<'a>(&'a self, request: &'a Request) -> BoxFuture<'a, Result<RawResponse>> {
        Box::pin(async move {
            let mut builder = self
                .client
                .request(request.method.clone(), request.url.clone())
                .headers(request.headers.clone());
            if !request.body.is_empty() {
                builder = builder.body(request.body.clone());
            }
            let mut response = builder.send().await.map_err(map_reqwest_error)?;
            let status = response.status();
            let headers = std::mem::take(response.headers_mut());
            let body = response.bytes().await.map_err(map_reqwest_error)?;
            Ok(RawResponse {
                status,
                headers,
                body,
            })
        })
    }
}

fn map_reqwest_error(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        return Error::new(ErrorKind::Timeout {
            message: e.to_string(),
        });
    }
    // The URL may carry query secrets; reqwest includes it in its message, so strip it.
    let e = e.without_url();
    let message = if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    Error::transport(message, e)
}
