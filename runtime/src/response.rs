//! Typed responses and the decoding helpers generated methods use.

use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, Result, ServiceError};
use crate::http::{HeaderMap, RawResponse, StatusCode};

/// A successful response: status, headers and the typed body. Debug output shows header values
/// only for the names the logging policy also shows (cookies and custom headers can carry
/// secrets); the body's own Debug redacts its secret fields.
#[derive(Clone)]
pub struct Response<T> {
    status: StatusCode,
    headers: HeaderMap,
    body: T,
}

impl<T: std::fmt::Debug> std::fmt::Debug for Response<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &crate::http::RedactedHeaders(&self.headers))
            .field("body", &self.body)
            .finish()
    }
}

impl<T> Response<T> {
    /// A response from its parts.
    pub fn new(status: StatusCode, headers: HeaderMap, body: T) -> Self {
        Response {
            status,
            headers,
            body,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The typed body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// Consumes the response, returning the body.
    pub fn into_body(self) -> T {
        self.body
    }

    /// Transforms the body, keeping status and headers.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            status: self.status,
            headers: self.headers,
            body: f(self.body),
        }
    }
}

/// Decodes a JSON body. On failure the error names the type and quotes the start of the body
/// with every string value masked, since bodies can carry secret values.
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        Error::new(ErrorKind::Deserialize {
            type_name: std::any::type_name::<T>(),
            // serde_json quotes offending string values in its message; mask them too.
            message: mask_strings(e.to_string().as_bytes()),
            excerpt: mask_strings(body),
        })
    })
}

/// A JSON response body decoded into `T`.
pub fn json<T: DeserializeOwned>(raw: RawResponse) -> Result<Response<T>> {
    let body = decode_json(&raw.body)?;
    Ok(Response {
        status: raw.status,
        headers: raw.headers,
        body,
    })
}

/// A response whose body is ignored.
pub fn empty(raw: RawResponse) -> Response<()> {
    Response {
        status: raw.status,
        headers: raw.headers,
        body: (),
    }
}

/// A response whose body is returned as raw bytes (`format: binary`, or bodies without schema).
pub fn bytes(raw: RawResponse) -> Response<Bytes> {
    Response {
        status: raw.status,
        headers: raw.headers,
        body: raw.body,
    }
}

/// The error for a status the operation does not define as success.
pub fn unexpected(raw: RawResponse) -> Error {
    Error::from(ServiceError::from_parts(raw.status, raw.headers, raw.body))
}

/// The body with the contents of every JSON string replaced by `…`, cut to 512 bytes: enough
/// structure to see what did not match, none of the values.
pub(crate) fn mask_strings(body: &[u8]) -> String {
    let mut out = String::with_capacity(body.len().min(600));
    let mut in_string = false;
    let mut escaped = false;
    for &b in body.iter().take(4096) {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
                out.push_str("…\"");
            }
            continue;
        }
        if b == b'"' {
            in_string = true;
            out.push('"');
        } else if b.is_ascii() {
            out.push(b as char);
        }
        if out.len() >= 512 {
            out.push_str("...");
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_headers_outside_the_allow_list() {
        use crate::http::HeaderValue;
        let mut headers = HeaderMap::new();
        headers.insert(
            "set-cookie",
            HeaderValue::from_static("session=s3cr3t-cookie"),
        );
        headers.insert("x-custom-token", HeaderValue::from_static("t0ken-value"));
        headers.insert("x-ms-request-id", HeaderValue::from_static("req-1"));
        let response = Response::new(StatusCode::OK, headers, "body");
        let debug = format!("{response:?}");
        assert!(
            !debug.contains("s3cr3t-cookie") && !debug.contains("t0ken-value"),
            "{debug}"
        );
        assert!(debug.contains("\"set-cookie\": \"REDACTED\""), "{debug}");
        assert!(
            debug.contains("req-1") && debug.contains("\"body\""),
            "{debug}"
        );
    }

    #[test]
    fn decode_error_masks_values() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct S {
            value: u32,
        }
        let err = decode_json::<S>(br#"{"value":"top-secret"}"#).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("top-secret"), "{shown}");
        assert!(shown.contains("line 1 column 21"), "{shown}");
    }
}
