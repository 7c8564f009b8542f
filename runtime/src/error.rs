//! The one error type every generated and hand-written call returns.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

/// A shorthand for `Result<T, keyvault_runtime::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a call, as kinds a caller can match on.
///
/// The error is boxed inside so that `Result<T>` stays one pointer wide on the success path.
pub struct Error {
    kind: Box<ErrorKind>,
}

/// What went wrong; match on [`Error::kind`].
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The service answered with a status the operation does not define as success.
    Service(ServiceError),
    /// The request could not be sent or the response not read (connection, TLS, DNS, I/O).
    Transport {
        /// What failed.
        message: String,
        /// The underlying error.
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The call, or one try of it, ran out of time.
    Timeout {
        /// Which limit was hit.
        message: String,
    },
    /// A response body did not match the type the spec promises.
    Deserialize {
        /// The Rust type the body was decoded into.
        type_name: &'static str,
        /// The decoder's message (line, column and what was expected).
        message: String,
        /// The start of the offending body, for diagnosis.
        excerpt: String,
    },
    /// An argument was rejected before anything was sent.
    InvalidInput {
        /// The parameter's wire name as the spec spells it.
        parameter: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A credential could not provide a token.
    Credential {
        /// What failed.
        message: String,
        /// The underlying error.
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// A long-running operation failed, was cancelled or could not be followed.
    Poller {
        /// What happened.
        message: String,
        /// The service's response that ended the operation, when there was one.
        response: Option<ServiceError>,
    },
}

/// A response whose status the operation does not define as success, kept whole.
#[derive(Clone)]
pub struct ServiceError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The service's error code (`error.code` in Azure's error shape), when the body has one.
    pub code: Option<String>,
    /// The service's message (`error.message`), when the body has one.
    pub message: Option<String>,
    /// The response headers.
    pub headers: HeaderMap,
    /// The raw response body.
    pub body: Bytes,
}

impl ServiceError {
    /// Builds the error from a response, reading Azure's `{"error": {"code", "message"}}` shape
    /// when the body has it.
    pub fn from_parts(status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        #[derive(serde::Deserialize)]
        struct Envelope {
            error: Option<Inner>,
        }
        #[derive(serde::Deserialize)]
        struct Inner {
            code: Option<String>,
            message: Option<String>,
        }
        let (code, message) = match serde_json::from_slice::<Envelope>(&body) {
            Ok(Envelope { error: Some(inner) }) => (inner.code, inner.message),
            _ => (None, None),
        };
        let code = code.or_else(|| {
            headers
                .get("x-ms-error-code")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
        ServiceError {
            status,
            code,
            message,
            headers,
            body,
        }
    }

    /// Decodes the body into the operation's typed error model (the spec's `default` response).
    pub fn body_as<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        crate::response::decode_json(&self.body)
    }
}

impl fmt::Debug for ServiceError {
    // Headers are left out: they may carry tokens or cookies and are rarely what a reader wants.
    // The body's string values are masked (a service may echo what it was sent); the code and
    // message are shown above it, and `body_as` still reads the whole body.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceError")
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("body", &crate::response::mask_strings(&self.body))
            .finish_non_exhaustive()
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the service answered {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        match &self.message {
            Some(message) => write!(f, ": {message}"),
            None if !self.body.is_empty() => {
                write!(f, ": {}", crate::response::mask_strings(&self.body))
            }
            None => Ok(()),
        }
    }
}

impl Error {
    /// Wraps a kind.
    pub fn new(kind: ErrorKind) -> Self {
        Error {
            kind: Box::new(kind),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Consumes the error, returning its kind.
    pub fn into_kind(self) -> ErrorKind {
        *self.kind
    }

    /// The service's answer, when the error is one.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match &*self.kind {
            ErrorKind::Service(e) => Some(e),
            ErrorKind::Poller { response, .. } => response.as_ref(),
            _ => None,
        }
    }

    /// The HTTP status of the service's answer, when the error is one.
    pub fn status(&self) -> Option<StatusCode> {
        self.service_error().map(|e| e.status)
    }

    /// An argument rejected before sending.
    pub fn invalid_input(parameter: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidInput {
            parameter: parameter.into(),
            reason: reason.into(),
        })
    }

    /// A transport failure with its cause.
    pub fn transport(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::new(ErrorKind::Transport {
            message: message.into(),
            source: Some(source.into()),
        })
    }

    /// A timeout.
    pub fn timeout(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Timeout {
            message: message.into(),
        })
    }

    /// A long-running operation that ended badly.
    pub fn poller(message: impl Into<String>, response: Option<ServiceError>) -> Self {
        Error::new(ErrorKind::Poller {
            message: message.into(),
            response,
        })
    }

    /// A credential that could not provide a token.
    pub fn credential(
        message: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::new(ErrorKind::Credential {
            message: message.into(),
            source,
        })
    }
}

impl From<ServiceError> for Error {
    fn from(e: ServiceError) -> Self {
        Error::new(ErrorKind::Service(e))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.kind, f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.kind {
            ErrorKind::Service(e) => fmt::Display::fmt(e, f),
            ErrorKind::Transport { message, source } => match source {
                Some(source) => write!(f, "transport error: {message}: {source}"),
                None => write!(f, "transport error: {message}"),
            },
            ErrorKind::Timeout { message } => write!(f, "timed out: {message}"),
            ErrorKind::Deserialize {
                type_name,
                message,
                excerpt,
            } => write!(
                f,
                "could not decode the response as {type_name}: {message}; body starts: {excerpt}"
            ),
            ErrorKind::InvalidInput { parameter, reason } => {
                write!(f, "invalid value for parameter `{parameter}`: {reason}")
            }
            ErrorKind::Credential { message, source } => match source {
                Some(source) => write!(f, "credential error: {message}: {source}"),
                None => write!(f, "credential error: {message}"),
            },
            ErrorKind::Poller { message, response } => match response {
                Some(response) => write!(f, "long-running operation: {message}: {response}"),
                None => write!(f, "long-running operation: {message}"),
            },
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.kind {
            ErrorKind::Transport {
                source: Some(s), ..
            }
            | ErrorKind::Credential {
                source: Some(s), ..
            } => Some(&**s),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_error_reads_azure_error_shape() {
        let body = Bytes::from_static(br#"{"error":{"code":"SecretNotFound","message":"gone"}}"#);
        let e = ServiceError::from_parts(StatusCode::NOT_FOUND, HeaderMap::new(), body);
        assert_eq!(e.code.as_deref(), Some("SecretNotFound"));
        assert_eq!(
            e.to_string(),
            "the service answered 404 Not Found (SecretNotFound): gone"
        );
    }

    #[test]
    fn service_error_keeps_unparseable_body() {
        let body = Bytes::from_static(b"<html>bad gateway</html>");
        let e = ServiceError::from_parts(StatusCode::BAD_GATEWAY, HeaderMap::new(), body);
        assert_eq!(e.code, None);
        assert!(e.to_string().contains("<html>bad gateway</html>"));
    }

    #[test]
    fn error_is_one_pointer_wide() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }
}
