//! The request and response values that flow through the pipeline, and the transport trait.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

pub use crate::url::Url;
use bytes::Bytes;
pub use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

use crate::error::Result;

/// A boxed, sendable future: what policies and transports return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Header names whose values may be logged or shown in Debug output; every other header's value
/// is redacted, because `Authorization`, cookies and custom headers can carry secrets.
const LOGGABLE_HEADERS: &[&str] = &[
    "accept",
    "content-type",
    "content-length",
    "user-agent",
    "x-ms-client-request-id",
    "x-ms-request-id",
    "x-ms-keyvault-service-version",
    "x-ms-keyvault-region",
    "retry-after",
    "retry-after-ms",
    "x-ms-retry-after-ms",
    "location",
    "azure-asyncoperation",
    "operation-location",
    "date",
];

/// An HTTP request about to be sent. The body is `Bytes` so retries re-send it without copying.
#[derive(Clone)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The full URL, path already percent-encoded.
    pub url: Url,
    /// The headers.
    pub headers: HeaderMap,
    /// The body; empty when there is none.
    pub body: Bytes,
}

impl Request {
    /// A request without headers or body.
    pub fn new(method: Method, url: Url) -> Self {
        Request {
            method,
            url,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// Sets a JSON body and its content type.
    pub fn set_json_body(&mut self, body: Bytes) {
        self.headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        self.body = body;
    }

    /// Serializes `value` as the JSON body.
    pub fn set_json<T: serde::Serialize>(&mut self, parameter: &str, value: &T) -> Result<()> {
        let body = serde_json::to_vec(value).map_err(|e| {
            crate::Error::invalid_input(parameter, format!("cannot be serialized as JSON: {e}"))
        })?;
        self.set_json_body(Bytes::from(body));
        Ok(())
    }

    /// Sets a header, rejecting values that are not valid header text with a typed error naming
    /// the parameter.
    pub fn set_header(&mut self, parameter: &str, name: &'static str, value: &str) -> Result<()> {
        let value = HeaderValue::from_str(value).map_err(|_| {
            crate::Error::invalid_input(
                parameter,
                "contains characters not allowed in an HTTP header",
            )
        })?;
        self.headers.insert(HeaderName::from_static(name), value);
        Ok(())
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &RedactedUrl(&self.url))
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A response as the transport read it, body complete.
#[derive(Clone)]
pub struct RawResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

impl RawResponse {
    /// A response from its parts.
    pub fn new(status: StatusCode, headers: HeaderMap, body: impl Into<Bytes>) -> Self {
        RawResponse {
            status,
            headers,
            body: body.into(),
        }
    }

    /// A header's value as text, when present and valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Sends requests. The default is [`crate::transport::HyperTransport`]; tests use
/// [`crate::capture::CaptureTransport`]; anything else (a proxy, another HTTP stack) can plug in.
pub trait HttpClient: Send + Sync + fmt::Debug {
    /// Sends one request and reads the whole response.
    fn execute<'a>(&'a self, request: &'a Request) -> BoxFuture<'a, Result<RawResponse>>;
}

/// Shows headers with values only for the allow-listed names.
pub struct RedactedHeaders<'a>(pub &'a HeaderMap);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if LOGGABLE_HEADERS.contains(&name.as_str()) {
                map.entry(&name.as_str(), &value.to_str().unwrap_or("<binary>"));
            } else {
                map.entry(&name.as_str(), &"REDACTED");
            }
        }
        map.finish()
    }
}

/// Shows a URL with every query value except `api-version` redacted (SAS tokens and similar ride
/// in query strings).
pub struct RedactedUrl<'a>(pub &'a Url);

impl fmt::Debug for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.0;
        write!(
            f,
            "\"{}://{}{}",
            url.scheme(),
            url.host_str().unwrap_or(""),
            url.path()
        )?;
        if let Some(port) = url.port() {
            write!(f, " (port {port})")?;
        }
        let mut first = true;
        for (name, value) in url.query_pairs() {
            let shown = if name == "api-version" || name == "maxresults" {
                &*value
            } else {
                "REDACTED"
            };
            write!(f, "{}{}={}", if first { "?" } else { "&" }, name, shown)?;
            first = false;
        }
        write!(f, "\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_authorization_and_query_secrets() {
        let mut request = Request::new(
            Method::GET,
            Url::parse("https://v.vault.azure.net/secrets/a?api-version=1&sig=abc").unwrap(),
        );
        request
            .headers
            .insert("authorization", HeaderValue::from_static("Bearer t0ken"));
        request
            .headers
            .insert("content-type", HeaderValue::from_static("application/json"));
        let shown = format!("{request:?}");
        assert!(!shown.contains("t0ken"), "{shown}");
        assert!(!shown.contains("abc"), "{shown}");
        assert!(shown.contains("api-version=1"), "{shown}");
        assert!(shown.contains("application/json"), "{shown}");
    }
}
