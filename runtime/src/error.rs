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
    #[non_exhaustive]
    Transport {
        /// What failed, naming the host and port and the cause.
        message: String,
        /// The underlying error.
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
        /// Whether the request may have reached the server: `false` when the failure came while
        /// connecting (DNS, TCP, a proxy's tunnel, TLS), so that even a request that must not be
        /// repeated (a create, an import, a restore) can safely be tried again.
        request_sent: bool,
        /// Whether another try may succeed: a certificate the client does not trust, or a proxy
        /// that refuses the tunnel, does not heal by retrying.
        transient: bool,
    },
    /// The call, or one try of it, ran out of time.
    #[non_exhaustive]
    Timeout {
        /// Which limit was hit.
        message: String,
        /// Whether the request may have reached the server (`false` for a connect timeout).
        request_sent: bool,
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
            Some(message) => write!(f, ": {message}")?,
            None if !self.body.is_empty() => {
                write!(f, ": {}", crate::response::mask_strings(&self.body))?
            }
            None => {}
        }
        if self.is_still_being_deleted() {
            f.write_str(
                " (the delete finishes after its call returns: wait for it with keyvault_sdk's begin_delete_* poller before recovering or purging)",
            )?;
        }
        Ok(())
    }
}

impl ServiceError {
    /// Key Vault's 409 for an object whose delete has not finished yet (a recover or purge
    /// sent right after `delete_*`).
    pub fn is_still_being_deleted(&self) -> bool {
        self.status == StatusCode::CONFLICT
            && self
                .message
                .as_deref()
                .is_some_and(|m| m.to_ascii_lowercase().contains("currently being deleted"))
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

    /// A transport failure with its cause, after the request may have reached the server.
    pub fn transport(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::new(ErrorKind::Transport {
            message: message.into(),
            source: Some(source.into()),
            request_sent: true,
            transient: true,
        })
    }

    /// A failure while connecting, before anything of the request was sent; `transient` says
    /// whether another try may succeed.
    pub fn connect_failed(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
        transient: bool,
    ) -> Self {
        Error::new(ErrorKind::Transport {
            message: message.into(),
            source: Some(source.into()),
            request_sent: false,
            transient,
        })
    }

    /// A timeout after the request may have reached the server.
    pub fn timeout(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Timeout {
            message: message.into(),
            request_sent: true,
        })
    }

    /// A timeout while connecting, before anything of the request was sent.
    pub fn connect_timeout(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Timeout {
            message: message.into(),
            request_sent: false,
        })
    }

    /// Whether another try of the request may succeed, and may be sent: a transport failure
    /// or timeout that can heal, when the request is `idempotent` or never reached the server.
    /// Service answers are judged by their status instead (see the retry policy).
    pub fn is_retryable(&self, idempotent: bool) -> bool {
        match &*self.kind {
            ErrorKind::Transport {
                request_sent,
                transient,
                ..
            } => *transient && (idempotent || !*request_sent),
            ErrorKind::Timeout { request_sent, .. } => idempotent || !*request_sent,
            _ => false,
        }
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

/// The outermost message only, as the Rust API guidelines ask: the cause is
/// [`std::error::Error::source`], so reporters such as anyhow and eyre print each link of the
/// chain once. The alternate form (`{:#}`) appends the causes, `: `-separated, for a one-line
/// log.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.kind {
            ErrorKind::Service(e) => fmt::Display::fmt(e, f)?,
            ErrorKind::Transport { message, .. } => write!(f, "transport error: {message}")?,
            ErrorKind::Timeout { message, .. } => write!(f, "timed out: {message}")?,
            ErrorKind::Deserialize {
                type_name,
                message,
                excerpt,
            } => write!(
                f,
                "could not decode the response as {type_name}: {message}; body starts: {excerpt}"
            )?,
            ErrorKind::InvalidInput { parameter, reason } => {
                write!(f, "invalid value for parameter `{parameter}`: {reason}")?
            }
            ErrorKind::Credential { message, .. } => write!(f, "credential error: {message}")?,
            ErrorKind::Poller { message, response } => match response {
                Some(response) => write!(f, "long-running operation: {message}: {response}")?,
                None => write!(f, "long-running operation: {message}")?,
            },
        }
        if f.alternate() {
            let mut cause = std::error::Error::source(self);
            while let Some(error) = cause {
                write!(f, ": {error}")?;
                cause = error.source();
            }
        }
        Ok(())
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
    fn a_conflict_with_a_delete_in_progress_points_at_the_poller() {
        let body = Bytes::from_static(
            br#"{"error":{"code":"Conflict","message":"Secret s is currently being deleted."}}"#,
        );
        let e = ServiceError::from_parts(StatusCode::CONFLICT, HeaderMap::new(), body);
        assert!(e.is_still_being_deleted());
        assert!(e.to_string().contains("begin_delete_* poller"), "{e}");
        let other = Bytes::from_static(br#"{"error":{"code":"Conflict","message":"in use"}}"#);
        let e = ServiceError::from_parts(StatusCode::CONFLICT, HeaderMap::new(), other);
        assert!(!e.to_string().contains("poller"), "{e}");
    }

    #[test]
    fn service_error_keeps_unparseable_body() {
        let body = Bytes::from_static(b"<html>bad gateway</html>");
        let e = ServiceError::from_parts(StatusCode::BAD_GATEWAY, HeaderMap::new(), body);
        assert_eq!(e.code, None);
        assert!(e.to_string().contains("<html>bad gateway</html>"));
    }

    #[test]
    fn display_is_the_outermost_message_and_the_alternate_form_the_chain() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused by peer");
        let inner = Error::connect_failed("could not connect to v.example:443", io, true);
        let outer = Error::credential("the token request failed", Some(Box::new(inner)));
        assert_eq!(
            outer.to_string(),
            "credential error: the token request failed"
        );
        assert_eq!(
            format!("{outer:#}"),
            "credential error: the token request failed: transport error: could not connect to v.example:443: refused by peer"
        );
    }

    #[test]
    fn only_requests_that_never_left_or_may_be_repeated_are_retryable() {
        let io = || std::io::Error::other("x");
        let refused = Error::connect_failed("could not connect", io(), true);
        let untrusted = Error::connect_failed("certificate not trusted", io(), false);
        let cut = Error::transport("the connection was cut", io());
        assert!(refused.is_retryable(false) && refused.is_retryable(true));
        assert!(!untrusted.is_retryable(true));
        assert!(cut.is_retryable(true) && !cut.is_retryable(false));
        assert!(Error::connect_timeout("slow").is_retryable(false));
        assert!(!Error::timeout("slow").is_retryable(false));
        assert!(!Error::invalid_input("p", "bad").is_retryable(true));
    }

    #[test]
    fn error_is_one_pointer_wide() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }
}
