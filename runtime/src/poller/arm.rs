//! Azure's rules for long-running operations (ARM and Key Vault's spec-marked ones): after the
//! initial response, poll the `Azure-AsyncOperation`, `Operation-Location` or `Location` URL the
//! service gave, or re-read the resource while its `provisioningState` is not terminal. The
//! original request is never re-sent. On success the result is read as the spec's
//! `final-state-via` says, or by Azure's defaults.

use std::future::Future;

use serde::{Deserialize, Serialize};

use super::{
    decode_token, encode_token, PollOperation, PollStatus, Poller, PollerOptions, Progress,
};
use crate::error::{Error, Result, ServiceError};
use crate::http::{BoxFuture, Method, RawResponse, Request, StatusCode, Url};
use crate::pipeline::{Context, Pipeline};

/// Where the final result of a long-running operation comes from (`final-state-via`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The initial response's body is the result; polling only waits for the operation to
    /// end (Key Vault's security domain download). Not available after resuming, because the
    /// body (a secret) is never put into a continuation token.
    InitialResponse,
}

/// Decodes the final response into the operation's result type.
pub type DecodeFn<T> = fn(RawResponse) -> Result<T>;

const KIND: &str = "azure-lro";

/// What is polled.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Monitor {
    /// A status monitor (`Azure-AsyncOperation` / `Operation-Location`) with a `status` field.
    StatusUrl(Url),
    /// A `Location` URL answering 202 until done.
    Location(Url),
    /// The resource itself, read until `provisioningState` is terminal.
    Resource,
}

/// The resumable part of the state.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Saved {
    method: String,
    original_url: Url,
    final_state: FinalStateVia,
    monitor: Option<Monitor>,
    location: Option<Url>,
    /// Succeeded; the result must be (re-)read.
    done: bool,
}

enum Phase {
    NotStarted(BoxFuture<'static, Result<RawResponse>>),
    Polling {
        monitor: Monitor,
    },
    Succeeded {
        last: Option<RawResponse>,
        from_monitor: bool,
        monitor: Option<Monitor>,
    },
    Finished,
}

struct ArmOperation<T> {
    pipeline: Pipeline,
    ctx: Context,
    method: Method,
    original_url: Url,
    final_state: FinalStateVia,
    location: Option<Url>,
    /// Kept for [`FinalStateVia::InitialResponse`].
    initial_response: Option<RawResponse>,
    decode: DecodeFn<T>,
    phase: Phase,
}

impl<T: Send + 'static> ArmOperation<T> {
    fn after_initial(&mut self, response: RawResponse) -> Result<Progress> {
        if !response.status.is_success() {
            return Err(crate::response::unexpected(response));
        }
        let location = header_url(&response, "location", &self.original_url)?;
        self.location = location.clone();
        if self.final_state == FinalStateVia::InitialResponse {
            self.initial_response = Some(response.clone());
        }
        let monitor = if let Some(url) =
            header_url(&response, "azure-asyncoperation", &self.original_url)?
        {
            Some(Monitor::StatusUrl(url))
        } else if let Some(url) = header_url(&response, "operation-location", &self.original_url)? {
            Some(Monitor::StatusUrl(url))
        } else if let Some(url) = location {
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
                self.phase = Phase::Polling { monitor };
                Ok(Progress::new(
                    PollStatus::InProgress(status),
                    Some(response),
                ))
            }
            None => {
                self.succeeded_or_failed(provisioning_state(&response.body), response, false, None)
            }
        }
    }

    async fn poll_monitor(&mut self, monitor: Monitor) -> Result<Progress> {
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
                self.succeeded_or_failed(Some(s), response, from_monitor, Some(monitor))
            }
            other => {
                self.phase = Phase::Polling { monitor };
                Ok(Progress::new(
                    PollStatus::InProgress(other.unwrap_or_else(|| "InProgress".into())),
                    Some(response),
                ))
            }
        }
    }

    fn succeeded_or_failed(
        &mut self,
        status: Option<String>,
        response: RawResponse,
        from_monitor: bool,
        monitor: Option<Monitor>,
    ) -> Result<Progress> {
        match status.as_deref() {
            Some(s) if is_failure(s) => {
                self.phase = Phase::Finished;
                let error =
                    ServiceError::from_parts(response.status, response.headers, response.body);
                Err(Error::poller(
                    format!("the operation ended as {s}"),
                    Some(error),
                ))
            }
            _ => {
                self.phase = Phase::Succeeded {
                    last: Some(response.clone()),
                    from_monitor,
                    monitor,
                };
                Ok(Progress::new(PollStatus::Succeeded, Some(response)))
            }
        }
    }

    async fn final_result(&mut self) -> Result<T> {
        let Phase::Succeeded {
            last,
            from_monitor,
            monitor,
        } = std::mem::replace(&mut self.phase, Phase::Finished)
        else {
            return Err(Error::poller("the operation has not succeeded yet", None));
        };
        if self.final_state == FinalStateVia::InitialResponse {
            return match self.initial_response.take() {
                Some(initial) => (self.decode)(initial),
                None => Err(Error::poller(
                    "this operation's result is the initial response, which only the poller that started it holds (it is never put into a continuation token)",
                    None,
                )),
            };
        }
        let is_put_or_patch = self.method == Method::PUT || self.method == Method::PATCH;
        let fetch = match self.final_state {
            FinalStateVia::AzureAsyncOperation | FinalStateVia::InitialResponse => None,
            FinalStateVia::OriginalUri => Some(self.original_url.clone()),
            // Without a Location header a PUT/PATCH result is the resource itself.
            FinalStateVia::Location | FinalStateVia::OperationLocation => self
                .location
                .clone()
                .or_else(|| is_put_or_patch.then(|| self.original_url.clone())),
            FinalStateVia::Default if is_put_or_patch => Some(self.original_url.clone()),
            FinalStateVia::Default => self.location.clone(),
        };
        let must_fetch = |last: &RawResponse| {
            // Re-read when the last response was a status monitor rather than the result.
            from_monitor || (is_put_or_patch && last.body.is_empty())
        };
        let response = match (fetch, last) {
            (Some(_), Some(last)) if !must_fetch(&last) => last,
            (Some(url), _) => {
                let response = self.get(url).await?;
                if !response.status.is_success() {
                    return Err(crate::response::unexpected(response));
                }
                response
            }
            (None, Some(last)) => last,
            // Resumed after success: read the status monitor again.
            (None, None) => match monitor {
                Some(Monitor::StatusUrl(url)) | Some(Monitor::Location(url)) => {
                    self.get(url).await?
                }
                _ => self.get(self.original_url.clone()).await?,
            },
        };
        (self.decode)(response)
    }

    fn get(&self, url: Url) -> impl Future<Output = Result<RawResponse>> + Send + 'static {
        // Owns what it needs, so the operation need not be `Sync` across the await.
        let pipeline = self.pipeline.clone();
        let ctx = self.ctx.clone();
        async move {
            let mut request = Request::new(Method::GET, url);
            pipeline.send(&ctx, &mut request).await
        }
    }
}

impl<T: Send + 'static> PollOperation for ArmOperation<T> {
    type Output = T;

    fn poll(&mut self) -> BoxFuture<'_, Result<Progress>> {
        Box::pin(async move {
            match std::mem::replace(&mut self.phase, Phase::Finished) {
                Phase::NotStarted(initial) => {
                    let response = initial.await?;
                    self.after_initial(response)
                }
                Phase::Polling { monitor } => self.poll_monitor(monitor).await,
                phase @ Phase::Succeeded { .. } => {
                    self.phase = phase;
                    Ok(Progress::new(PollStatus::Succeeded, None))
                }
                Phase::Finished => Err(Error::poller("the operation has already ended", None)),
            }
        })
    }

    fn result(&mut self) -> BoxFuture<'_, Result<T>> {
        Box::pin(self.final_result())
    }

    fn continuation_token(&self) -> Result<String> {
        let (monitor, done) = match &self.phase {
            Phase::NotStarted(_) => {
                return Err(Error::poller(
                    "the operation has not started yet; step the poller once first",
                    None,
                ))
            }
            Phase::Polling { monitor } => (Some(monitor.clone()), false),
            Phase::Succeeded { monitor, .. } => (monitor.clone(), true),
            Phase::Finished => return Err(Error::poller("the operation has already ended", None)),
        };
        encode_token(
            KIND,
            &Saved {
                method: self.method.as_str().to_owned(),
                original_url: self.original_url.clone(),
                final_state: self.final_state,
                monitor,
                location: self.location.clone(),
                done,
            },
        )
    }

    fn name(&self) -> &str {
        self.ctx.operation_id
    }
}

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
        ArmOperation {
            pipeline,
            ctx,
            method,
            original_url: url,
            final_state,
            location: None,
            initial_response: None,
            decode,
            phase: Phase::NotStarted(initial),
        },
        options,
    )
}

/// Resumes a generated long-running operation from a continuation token. Every URL in the
/// token must be on the client's `endpoint` origin: a forged token cannot send the client's
/// credentials elsewhere.
pub fn resume<T: Send + 'static>(
    pipeline: Pipeline,
    ctx: Context,
    endpoint: &Url,
    token: &str,
    options: PollerOptions,
    decode: DecodeFn<T>,
) -> Result<Poller<T>> {
    let saved: Saved = decode_token(KIND, token)?;
    let mut urls = vec![&saved.original_url];
    urls.extend(saved.location.as_ref());
    if let Some(Monitor::StatusUrl(u) | Monitor::Location(u)) = &saved.monitor {
        urls.push(u);
    }
    if urls.iter().any(|u| u.origin() != endpoint.origin()) {
        return Err(Error::invalid_input(
            "continuation_token",
            "points at another host than the client's endpoint",
        ));
    }
    let method = Method::from_bytes(saved.method.as_bytes())
        .map_err(|_| Error::invalid_input("continuation_token", "has an invalid method"))?;
    let phase = match (saved.done, saved.monitor) {
        (false, Some(monitor)) => Phase::Polling { monitor },
        (false, None) => {
            return Err(Error::invalid_input(
                "continuation_token",
                "has nothing to poll",
            ))
        }
        (true, monitor) => Phase::Succeeded {
            last: None,
            from_monitor: true,
            monitor,
        },
    };
    let operation = ArmOperation {
        pipeline,
        ctx,
        method,
        original_url: saved.original_url,
        final_state: saved.final_state,
        location: saved.location,
        initial_response: None,
        decode,
        phase,
    };
    Ok(Poller::new(operation, options))
}

fn is_terminal(status: &str) -> bool {
    ["succeeded", "success", "completed"]
        .iter()
        .any(|s| status.eq_ignore_ascii_case(s))
        || is_failure(status)
}

fn is_failure(status: &str) -> bool {
    ["failed", "canceled", "cancelled"]
        .iter()
        .any(|s| status.eq_ignore_ascii_case(s))
}

fn header_url(response: &RawResponse, name: &str, base: &Url) -> Result<Option<Url>> {
    let Some(value) = response.header(name) else {
        return Ok(None);
    };
    crate::url_builder::resolve_service_link(base, value)
        .map(Some)
        .map_err(|why| {
            Error::poller(
                format!("the service sent a `{name}` header that {why}; refusing to follow it"),
                None,
            )
        })
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
