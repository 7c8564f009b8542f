//! The hand-written runtime under the generated Azure Key Vault clients.
//!
//! Generated crates stay thin: every behaviour (transport, pipeline, errors, paging, polling,
//! URL encoding, constraint checks, wire formats, secret redaction) lives here once.
//!
//! - [`http`]: requests, responses and the [`http::HttpClient`] transport trait;
//!   [`transport::HyperTransport`] is the default, [`capture::CaptureTransport`] records
//!   requests for tests.
//! - [`pipeline`]: the policy chain authentication and retries plug into.
//! - [`Error`]: one error type whose [`ErrorKind`] a caller can match.
//! - [`pager::Pager`] and [`poller::Poller`]: lists and long-running operations.
#![deny(missing_docs)]

pub mod auth;
pub mod capture;
pub mod codec;
mod error;
pub mod header;
pub mod http;
mod id;
mod loopback_dns;
pub mod options;
pub mod pager;
pub mod pipeline;
pub mod poller;
pub mod proxy;
#[cfg(feature = "reqwest")]
pub mod reqwest_transport;
pub mod response;
pub mod retry;
pub mod secret;
pub mod service;
pub mod transport;
pub mod url;
pub mod url_builder;
pub mod validate;

pub use auth::{AccessToken, TokenCredential, TokenRequest};
pub use error::{Error, ErrorKind, Result, ServiceError};
pub use options::ClientOptions;
pub use pager::{Page, Pager};
pub use pipeline::{CallOptions, Context, Pipeline};
pub use poller::{
    FinalStateVia, PollOperation, PollStatus, PollStep, Poller, PollerOptions, Progress,
};
pub use response::Response;
pub use retry::RetryOptions;
pub use secret::Secret;
/// Free-form JSON in models is `serde_json::Value`.
pub use serde_json::Value as JsonValue;
pub use service::{AuthScheme, OperationInfo, ServiceInfo};
/// Date-times in models are `time::OffsetDateTime`.
pub use time::OffsetDateTime;

/// Re-exports generated code refers to, so generated crates need no direct dependencies on them.
#[doc(hidden)]
pub mod __private {
    pub use bytes::Bytes;
    pub use futures_util as futures;
    pub use serde;
    pub use serde_json;
    pub use time::OffsetDateTime;
}
