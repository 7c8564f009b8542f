//! Long-running operations: the poller that generated long-running methods return.
//!
//! It follows Azure's rules: after the initial response it polls the `Azure-AsyncOperation`,
//! `Operation-Location` or `Location` URL the service gave, or re-reads the resource while its
//! `provisioningState` is not terminal, waiting as `Retry-After` says. The original request is
//! never re-sent. When the operation has succeeded the final result is fetched as the spec's
//! `final-state-via` says, or by Azure's defaults.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::time::Duration;

use crate::error::{Error, Result, ServiceError};
use crate::http::{BoxFuture, Method, RawResponse, Request, StatusCode, Url};
use crate::pipeline::{Context, Pipeline};

/// Where the final result of a long-running operation comes from (`final-state-via`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FinalStateVia {
    /// The body of the `Azure-AsyncOperation` status monitor.
    AzureAsyncOperation,
    /// A GET on the initial response's `Location`.
    Location,
    /// A GET on the original request URL.
    OriginalUri,
    /// A GET on `Operation-Location`'s result.
    OperationLocation,
    /// Azure's defaults: PUT/PATCH read the resource, DELETE/POST the location result.
    Default,
}

/// Poller settings a caller may change per call.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct PollerOptions {
    /// The wait between polls when the service sends no `Retry-After`.
    pub interval: Duration,
}

impl Default for PollerOptions {
    fn default() -> Self {
        PollerOptions {
            interval: Duration::from_secs(5),
        }
    }
}

impl PollerOptions {
    /// Options with the given fallback interval.
    pub fn with_interval(interval: Duration) -> Self {
        PollerOptions { interval }
    }
}

/// What a long-running operation is doing after one step.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PollStatus {
    /// Still running; the text is the service's status (e.g. `InProgress`).
    InProgress(String),
    /// Finished successfully; awaiting the poller now yields the result.
    Succeeded,
}

/// Decodes the final response into the operation's result type.
pub type DecodeFn<T> = fn(RawResponse) -> Result<T>;

/// A long-running operation. Await it for the final typed result, or call [`Poller::step`] to
/// poll once at a time.
pub struct Poller<T> {
    pipeline: Pipeline,
    ctx: Context,
    method: Method,
    original_url: Url,
    final_state: FinalStateVia,
    options: PollerOptions,
    decode: DecodeFn<T>,
    state: State,
}

enum State {
    NotStarted(BoxFuture<'static, Result<RawResponse>>),
    Polling {
        monitor: Monitor,
        location: Option<Url>,
        wait: Duration,
    },
    Succeeded {
        location: Option<Url>,
        last: RawResponse,
        from_monitor: bool,
    },
    Finished,
}

#[derive(Debug, Clone)]
enum Monitor {
    /// A status monitor (`Azure-AsyncOperation` / `Operation-Location`) with a `status` field.
    StatusUrl(Url),
    /// A `Location` URL answering 202 until done.
    Location(Url),
    /// The resource itself, read until `provisioningState` is terminal.
    Resource,
}

impl<T: Send + 'static> Poller<T> {
    /// A poller for an operation whose initial request is `initial` (not yet sent).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        pipeline: Pipeline,
        ctx: Context,
        method: Method,
        original_url: Url,
        final_state: FinalStateVia,
        options: PollerOptions,
        decode: DecodeFn<T>,
        initial: BoxFuture<'static, Result<RawResponse>>,
    ) -> Self {
        Poller {
            pipeline,
            ctx,
            method,
            original_url,
            final_state,
            options,
            decode,
            state: State::NotStarted(initial),
        }
    }

    /// Polls once (sending the initial request on the first call) and says where the operation
    /// stands. Does not wait; the caller decides when to step again.
    pub async fn step(&mut self) -> Result<PollStatus> {
        match std::mem::replace(&mut self.state, State::Finished) {
            State::NotStarted(initial) => {
                let response = initial.await?;
                self.after_initial(response)
            }
            State::Polling {
                monitor, location, ..
            } => self.poll_monitor(monitor, location).await,
            state @ State::Succeeded { .. } => {
                self.state = state;
                Ok(PollStatus::Succeeded)
            }
            State::Finished => Err(Error::poller("the poller has already finished", None)),
        }
    }

    /// How long to wait before the next [`Poller::step`], as the service asked.
    pub fn suggested_wait(&self) -> Option<Duration> {
        match &self.state {
            State::Polling { wait, .. } => Some(*wait),
            _ => None,
        }
    }

    /// Runs the operation to the end and returns its final result.
    pub async fn wait(mut self) -> Result<T> {
        loop {
            match self.step().await? {
                PollStatus::Succeeded => return self.final_result().await,
                PollStatus::InProgress(_) => {
                    let wait = self.suggested_wait().unwrap_or(self.options.interval);
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    fn after_initial(&mut self, response: RawResponse) -> Result<PollStatus> {
        if !response.status.is_success() {
            return Err(crate::response::unexpected(response));
        }
        let location = header_url(&response, "location", &self.original_url)?;
        let monitor = if let Some(url) =
            header_url(&response, "azure-asyncoperation", &self.original_url)?
        {
            Some(Monitor::StatusUrl(url))
        } else if let Some(url) = header_url(&response, "operation-location", &self.original_url)? {
            Some(Monitor::StatusUrl(url))
        } else if let Some(url) = location.clone() {
            Some(Monitor::Location(url))
        } else if matches!(provisioning_state(&response.body).as_deref(), Some(s) if !is_terminal(s))
            && (self.method == Method::PUT || self.method == Method::PATCH)
        {
            Some(Monitor::Resource)
        } else {
            None
        };
        match monitor {
            Some(monitor) => {
                let status =
                    provisioning_state(&response.body).unwrap_or_else(|| "InProgress".into());
                let wait = retry_after(&response).unwrap_or(self.options.interval);
                self.state = State::Polling {
                    monitor,
                    location,
                    wait,
                };
                Ok(PollStatus::InProgress(status))
            }
            None => self.succeeded_or_failed(
                provisioning_state(&response.body),
                response,
                location,
                false,
            ),
        }
    }

    async fn poll_monitor(
        &mut self,
        monitor: Monitor,
        location: Option<Url>,
    ) -> Result<PollStatus> {
        let url = match &monitor {
            Monitor::StatusUrl(url) | Monitor::Location(url) => url.clone(),
            Monitor::Resource => self.original_url.clone(),
        };
        let response = self.get(url).await?;
        let status = match &monitor {
            Monitor::StatusUrl(_) => {
                if !response.status.is_success() {
                    return Err(crate::response::unexpected(response));
                }
                operation_status(&response.body)
            }
            Monitor::Location(_) => match response.status {
                StatusCode::ACCEPTED => None,
                s if s.is_success() => Some("Succeeded".to_owned()),
                _ => return Err(crate::response::unexpected(response)),
            },
            Monitor::Resource => {
                if !response.status.is_success() {
                    return Err(crate::response::unexpected(response));
                }
                provisioning_state(&response.body).or_else(|| Some("Succeeded".to_owned()))
            }
        };
        match status {
            Some(s) if is_terminal(&s) => {
                // A Location poll's last answer is not the resource when the spec says the
                // result is read from the original URI.
                let from_monitor = match monitor {
                    Monitor::StatusUrl(_) => true,
                    Monitor::Location(_) => self.final_state == FinalStateVia::OriginalUri,
                    Monitor::Resource => false,
                };
                self.succeeded_or_failed(Some(s), response, location, from_monitor)
            }
            other => {
                let wait = retry_after(&response).unwrap_or(self.options.interval);
                self.state = State::Polling {
                    monitor,
                    location,
                    wait,
                };
                Ok(PollStatus::InProgress(
                    other.unwrap_or_else(|| "InProgress".into()),
                ))
            }
        }
    }

    fn succeeded_or_failed(
        &mut self,
        status: Option<String>,
        response: RawResponse,
        location: Option<Url>,
        from_monitor: bool,
    ) -> Result<PollStatus> {
        match status.as_deref() {
            Some(s)
                if s.eq_ignore_ascii_case("failed")
                    || s.eq_ignore_ascii_case("canceled")
                    || s.eq_ignore_ascii_case("cancelled") =>
            {
                let error =
                    ServiceError::from_parts(response.status, response.headers, response.body);
                Err(Error::poller(
                    format!("the operation ended as {s}"),
                    Some(error),
                ))
            }
            _ => {
                self.state = State::Succeeded {
                    location,
                    last: response,
                    from_monitor,
                };
                Ok(PollStatus::Succeeded)
            }
        }
    }

    async fn final_result(&mut self) -> Result<T> {
        let State::Succeeded {
            location,
            last,
            from_monitor,
        } = std::mem::replace(&mut self.state, State::Finished)
        else {
            return Err(Error::poller("the operation has not succeeded yet", None));
        };
        let is_put_or_patch = self.method == Method::PUT || self.method == Method::PATCH;
        let fetch = match self.final_state {
            FinalStateVia::AzureAsyncOperation => None,
            FinalStateVia::OriginalUri => Some(self.original_url.clone()),
            FinalStateVia::Location | FinalStateVia::OperationLocation => location.clone(),
            FinalStateVia::Default if is_put_or_patch => Some(self.original_url.clone()),
            FinalStateVia::Default => location.clone(),
        };
        // Only re-read when the last response was a status monitor rather than the result.
        let response = match fetch {
            Some(url) if from_monitor || (is_put_or_patch && last.body.is_empty()) => {
                let response = self.get(url).await?;
                if !response.status.is_success() {
                    return Err(crate::response::unexpected(response));
                }
                response
            }
            _ => last,
        };
        (self.decode)(response)
    }

    fn get(&self, url: Url) -> impl Future<Output = Result<RawResponse>> + Send + 'static {
        // Owns what it needs, so the poller itself need not be `Sync` across the await.
        let pipeline = self.pipeline.clone();
        let ctx = self.ctx.clone();
        async move {
            let mut request = Request::new(Method::GET, url);
            pipeline.send(&ctx, &mut request).await
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

impl<T> fmt::Debug for Poller<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Poller")
            .field("operation_id", &self.ctx.operation_id)
            .field("final_state", &self.final_state)
            .finish_non_exhaustive()
    }
}

fn is_terminal(status: &str) -> bool {
    ["succeeded", "failed", "canceled", "cancelled", "completed"]
        .iter()
        .any(|s| status.eq_ignore_ascii_case(s))
}

fn header_url(response: &RawResponse, name: &str, base: &Url) -> Result<Option<Url>> {
    let Some(value) = response.header(name) else {
        return Ok(None);
    };
    let url = base.join(value).map_err(|e| {
        Error::poller(
            format!("the service sent an invalid `{name}` header: {e}"),
            None,
        )
    })?;
    if url.origin() != base.origin() {
        return Err(Error::poller(
            format!(
                "the service sent a `{name}` on another origin; refusing to send credentials there"
            ),
            None,
        ));
    }
    Ok(Some(url))
}

/// `properties.provisioningState` of an ARM resource body.
fn provisioning_state(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value
        .pointer("/properties/provisioningState")?
        .as_str()
        .map(str::to_owned)
}

/// `status` of a status-monitor body.
fn operation_status(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get("status")?.as_str().map(str::to_owned)
}

pub use crate::retry::retry_after;

/// Wraps an async block that sends the initial request, for generated code.
pub fn initial<F>(future: F) -> BoxFuture<'static, Result<RawResponse>>
where
    F: Future<Output = Result<RawResponse>> + Send + 'static,
{
    Box::pin(future)
}

/// Starts a generated long-running operation: the initial request is sent on the first poll.
pub fn start<T: Send + 'static>(
    pipeline: Pipeline,
    ctx: Context,
    request: Result<Request>,
    final_state: FinalStateVia,
    options: PollerOptions,
    decode: DecodeFn<T>,
) -> Poller<T> {
    let (method, url) = match &request {
        Ok(r) => (r.method.clone(), r.url.clone()),
        // The error surfaces on the first poll; the URL is never used.
        Err(_) => (
            Method::GET,
            Url::parse("http://invalid.invalid/").expect("static URL"),
        ),
    };
    let initial_pipeline = pipeline.clone();
    let initial_ctx = ctx.clone();
    let initial = Box::pin(async move {
        let mut request = request?;
        initial_pipeline.send(&initial_ctx, &mut request).await
    });
    Poller::new(
        pipeline,
        ctx,
        method,
        url,
        final_state,
        options,
        decode,
        initial,
    )
}
