//! Long-running operations. A [`Poller`] drives any [`PollOperation`]: generated methods return
//! pollers over Azure's ARM rules ([`start`], [`resume`]); hand-written pseudo-LROs (Key Vault's
//! delete, recover, certificate creation) implement [`PollOperation`] themselves.
//!
//! A poller can be awaited to the end, stepped one poll at a time, or turned into a
//! continuation token (a string) and resumed later, even in another process:
//!
//! ```no_run
//! # async fn demo(poller: keyvault_runtime::Poller<String>, resume: impl Fn(&str) -> keyvault_runtime::Result<keyvault_runtime::Poller<String>>) -> keyvault_runtime::Result<()> {
//! let mut poller = poller;
//! let step = poller.step().await?; // sends the initial request
//! println!("{:?} after {:?}", step.status, step.response.map(|r| r.status));
//! let token = poller.continuation_token()?; // store it anywhere
//! drop(poller); // dropping cancels nothing on the service, only the local waiting
//! let result = resume(&token)?.await?; // e.g. `client.vaults().resume_create_or_update(&token)`
//! # let _ = result; Ok(()) }
//! ```

mod arm;

use std::fmt;
use std::future::IntoFuture;
use std::time::Duration;

use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::http::{BoxFuture, RawResponse};

pub use crate::retry::retry_after;
pub use arm::{initial, resume, start, DecodeFn, FinalStateVia};

/// Poller settings a caller may change per call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollerOptions {
    /// The wait between polls when the service sends no `Retry-After`.
    pub interval: Duration,
    /// The longest wait between polls a service's `Retry-After` may ask for (60 s): a longer
    /// one, hostile or broken, is cut to this, so a poller keeps polling instead of parking
    /// for hours (a poll too early only reads the status again).
    pub max_wait: Duration,
}

impl Default for PollerOptions {
    fn default() -> Self {
        PollerOptions {
            interval: Duration::from_secs(5),
            max_wait: Duration::from_secs(60),
        }
    }
}

impl PollerOptions {
    /// Options with the given fallback interval.
    pub fn with_interval(interval: Duration) -> Self {
        PollerOptions {
            interval,
            ..PollerOptions::default()
        }
    }

    /// The same options with another bound on the wait a `Retry-After` may ask for.
    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }
}

/// What a long-running operation is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PollStatus {
    /// Still running; the text is the service's status (e.g. `InProgress`).
    InProgress(String),
    /// Finished successfully; awaiting the poller now yields the result.
    Succeeded,
}

/// The outcome of one poll.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Progress {
    /// Where the operation stands.
    pub status: PollStatus,
    /// The response this poll read, if it sent a request.
    pub response: Option<RawResponse>,
    /// How long the service asked to wait before the next poll.
    pub retry_after: Option<Duration>,
}

impl Progress {
    /// Progress with a status and the response that told it.
    pub fn new(status: PollStatus, response: Option<RawResponse>) -> Self {
        let retry_after = response.as_ref().and_then(retry_after);
        Progress {
            status,
            response,
            retry_after,
        }
    }
}

/// The logic of one long-running operation; [`Poller`] drives it.
pub trait PollOperation: Send {
    /// The final result.
    type Output: Send;

    /// Sends the initial request (first call) or polls once. A failed or cancelled operation
    /// is an error carrying the service's response.
    fn poll(&mut self) -> BoxFuture<'_, Result<Progress>>;

    /// The final result, once [`PollOperation::poll`] reported success.
    fn result(&mut self) -> BoxFuture<'_, Result<Self::Output>>;

    /// A token from which the operation's kind can rebuild it; an error before the initial
    /// request has been answered.
    fn continuation_token(&self) -> Result<String>;

    /// A name for diagnostics (the operation id).
    fn name(&self) -> &str;
}

/// One step's outcome, with the response it read.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PollStep {
    /// Where the operation stands.
    pub status: PollStatus,
    /// The raw response of this poll (`None` when nothing was sent, e.g. after success).
    pub response: Option<RawResponse>,
}

/// A long-running operation. Await it for the final typed result; or [`Poller::step`] it one
/// poll at a time; or take its [`Poller::continuation_token`] and resume it elsewhere.
/// Dropping it stops polling (the service-side operation carries on).
pub struct Poller<T> {
    operation: Box<dyn PollOperation<Output = T>>,
    options: PollerOptions,
    status: Option<PollStatus>,
    retry_after: Option<Duration>,
}

impl<T: Send + 'static> Poller<T> {
    /// A poller driving `operation`.
    pub fn new(
        operation: impl PollOperation<Output = T> + 'static,
        options: PollerOptions,
    ) -> Self {
        Poller {
            operation: Box::new(operation),
            options,
            status: None,
            retry_after: None,
        }
    }

    /// Polls once (sending the initial request on the first call) and says where the
    /// operation stands, with the response read. Does not wait; after success it sends
    /// nothing.
    pub async fn step(&mut self) -> Result<PollStep> {
        if self.status == Some(PollStatus::Succeeded) {
            return Ok(PollStep {
                status: PollStatus::Succeeded,
                response: None,
            });
        }
        let progress = self.operation.poll().await?;
        self.status = Some(progress.status.clone());
        self.retry_after = progress.retry_after;
        Ok(PollStep {
            status: progress.status,
            response: progress.response,
        })
    }

    /// The last known status (`None` before the first step).
    pub fn status(&self) -> Option<&PollStatus> {
        self.status.as_ref()
    }

    /// How long to wait before the next step: the service's `Retry-After` (at most
    /// [`PollerOptions::max_wait`]), else the interval.
    pub fn suggested_wait(&self) -> Duration {
        match self.retry_after {
            Some(asked) => asked.min(self.options.max_wait),
            None => self.options.interval,
        }
    }

    /// Changes the polling interval used when the service does not say.
    pub fn set_options(&mut self, options: PollerOptions) {
        self.options = options;
    }

    /// A string to resume this operation from later (see the module docs); available once the
    /// initial request has been answered.
    pub fn continuation_token(&self) -> Result<String> {
        self.operation.continuation_token()
    }

    /// Polls until the operation ends and returns its final result.
    pub async fn wait(mut self) -> Result<T> {
        loop {
            match self.step().await?.status {
                PollStatus::Succeeded => return self.operation.result().await,
                PollStatus::InProgress(_) => tokio::time::sleep(self.suggested_wait()).await,
            }
        }
    }
}

impl<T: Send + 'static> IntoFuture for Poller<T> {
    type Output = Result<T>;
    type IntoFuture = BoxFuture<'static, Result<T>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.wait())
    }
}

impl<T: Send> fmt::Debug for Poller<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Poller")
            .field("operation", &self.operation.name())
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

const TOKEN_PREFIX: &str = "kvpoll1.";

/// Encodes an operation's state as a continuation token: a versioned, URL-safe string naming
/// the operation kind.
pub fn encode_token<S: Serialize>(kind: &str, state: &S) -> Result<String> {
    let json = serde_json::to_vec(&serde_json::json!({ "kind": kind, "state": state }))
        .map_err(|e| Error::poller(format!("cannot encode the poller state: {e}"), None))?;
    Ok(format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    ))
}

/// Decodes a continuation token made by [`encode_token`] for the same `kind`; anything else is
/// an invalid-input error.
pub fn decode_token<S: DeserializeOwned>(kind: &str, token: &str) -> Result<S> {
    let invalid = |why: &str| Error::invalid_input("continuation_token", why.to_owned());
    let body = token
        .trim()
        .strip_prefix(TOKEN_PREFIX)
        .ok_or_else(|| invalid("is not a poller continuation token"))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| invalid("is not a poller continuation token (bad encoding)"))?;
    #[derive(serde::Deserialize)]
    struct Envelope<S> {
        kind: String,
        state: S,
    }
    let envelope: Envelope<serde_json::Value> = serde_json::from_slice(&bytes)
        .map_err(|_| invalid("is not a poller continuation token (bad content)"))?;
    if envelope.kind != kind {
        return Err(invalid(&format!(
            "belongs to a `{}` operation, not `{kind}`",
            envelope.kind
        )));
    }
    serde_json::from_value(envelope.state)
        .map_err(|e| invalid(&format!("has an unreadable state ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Always in progress, with the `Retry-After` it was given.
    struct Asking(Duration);

    impl PollOperation for Asking {
        type Output = ();
        fn poll(&mut self) -> BoxFuture<'_, Result<Progress>> {
            let mut progress = Progress::new(PollStatus::InProgress("Running".into()), None);
            progress.retry_after = Some(self.0);
            Box::pin(async move { Ok(progress) })
        }
        fn result(&mut self) -> BoxFuture<'_, Result<()>> {
            Box::pin(async { Ok(()) })
        }
        fn continuation_token(&self) -> Result<String> {
            Ok(String::new())
        }
        fn name(&self) -> &str {
            "Asking"
        }
    }

    #[tokio::test]
    async fn a_huge_retry_after_is_cut_to_the_longest_wait() {
        let mut poller = Poller::new(Asking(Duration::MAX), PollerOptions::default());
        poller.step().await.unwrap();
        assert_eq!(poller.suggested_wait(), Duration::from_secs(60));
        let mut poller = Poller::new(
            Asking(Duration::from_secs(7)),
            PollerOptions::default().with_max_wait(Duration::from_secs(3)),
        );
        poller.step().await.unwrap();
        assert_eq!(poller.suggested_wait(), Duration::from_secs(3));
        let mut poller = Poller::new(Asking(Duration::from_secs(2)), PollerOptions::default());
        poller.step().await.unwrap();
        assert_eq!(poller.suggested_wait(), Duration::from_secs(2));
    }
}
