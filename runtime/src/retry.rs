//! Retries with exponential backoff and jitter, honouring the service's `Retry-After` on every
//! retried status, bounded by attempts, total time and the call's deadline; each try can have
//! its own timeout.

use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::http::{BoxFuture, RawResponse, Request, StatusCode};
use crate::pipeline::{Context, Next, Policy};

/// Statuses worth another try: timeouts, throttling and transient server errors.
const RETRY_STATUSES: &[u16] = &[408, 429, 500, 502, 503, 504];

/// How often and how long to retry; part of [`crate::ClientOptions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryOptions {
    /// Retries after the first try (0 turns retrying off).
    pub max_retries: u32,
    /// The first backoff; each later one doubles, with ±20% jitter.
    pub initial_delay: Duration,
    /// The longest backoff between tries (a service's `Retry-After` may ask for more, and is
    /// obeyed within `max_elapsed` and the call's deadline).
    pub max_delay: Duration,
    /// No new try starts after this much time since the first; `None` means no limit beyond
    /// the call's deadline.
    pub max_elapsed: Option<Duration>,
    /// The longest wait a service's `Retry-After` may ask for: asked for more, the call gives
    /// up and returns the response (status and `Retry-After` included) instead of parking for
    /// hours on a hostile or broken header.
    pub max_retry_after: Duration,
}

impl Default for RetryOptions {
    fn default() -> Self {
        RetryOptions {
            max_retries: 3,
            initial_delay: Duration::from_millis(800),
            max_delay: Duration::from_secs(60),
            max_elapsed: None,
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryOptions {
    /// The same options with another retry count.
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// The same options with another first backoff.
    pub fn with_initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// The same options with another limit on the wait a `Retry-After` may ask for.
    pub fn with_max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// The same options with a limit on the total time spent trying.
    pub fn with_max_elapsed(mut self, max_elapsed: Duration) -> Self {
        self.max_elapsed = Some(max_elapsed);
        self
    }
}

/// The wait the service asked for: `retry-after-ms`, `x-ms-retry-after-ms`, or `Retry-After` in
/// seconds or as an HTTP date.
pub fn retry_after(response: &RawResponse) -> Option<Duration> {
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = response
            .header(name)
            .and_then(|v| v.trim().parse::<f64>().ok())
        {
            if ms.is_finite() && ms >= 0.0 {
                return Some(Duration::from_millis(ms as u64));
            }
        }
    }
    let value = response.header("retry-after")?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = crate::codec::rfc1123::parse(value).ok()?;
    let now = time::OffsetDateTime::now_utc();
    Some(if date > now {
        (date - now).unsigned_abs()
    } else {
        Duration::ZERO
    })
}

/// The retry policy; the pipeline puts it before authentication, so every try gets a valid
/// token, and re-sends the caller's request (body included) unchanged.
#[derive(Debug)]
pub struct RetryPolicy {
    options: RetryOptions,
    /// Statuses retried besides [`RETRY_STATUSES`] (IMDS's 404 and 410).
    also_retried: &'static [u16],
}

impl RetryPolicy {
    /// A policy with these options.
    pub fn new(options: RetryOptions) -> Self {
        RetryPolicy {
            options,
            also_retried: &[],
        }
    }

    /// The same policy, also retrying these statuses (Azure's instance metadata service
    /// answers 404 while an identity is being assigned and 410 while it updates itself).
    pub fn also_retrying(mut self, statuses: &'static [u16]) -> Self {
        self.also_retried = statuses;
        self
    }

    fn backoff(&self, retry: u32) -> Duration {
        let base = self
            .options
            .initial_delay
            .saturating_mul(2u32.saturating_pow(retry.min(16)))
            .min(self.options.max_delay);
        // ±20%, so clients that failed together do not retry together.
        let jitter = (crate::id::random_u64() % 401) as f64 / 1000.0 + 0.8;
        base.mul_f64(jitter)
    }

    async fn run(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: Next<'_>,
    ) -> Result<RawResponse> {
        let started = Instant::now();
        let max_retries = ctx.options.max_retries.unwrap_or(self.options.max_retries);
        let try_timeout = ctx.options.try_timeout;
        // Each retry starts from the request as the caller built it. The policies after this
        // one (authentication, logging) change only `Authorization` and, while the challenge
        // flow sends its probe, the body: a try cut off by its timeout leaves the body held
        // back. So those two are kept (the body is shared bytes, not copied), not a copy of
        // the whole request on every call.
        let caller_authorization = request.headers.get(http::header::AUTHORIZATION).cloned();
        let caller_body = request.body.clone();
        let may_repeat = ctx.may_repeat(&request.method);
        let mut retry = 0;
        loop {
            if retry > 0 {
                request.body = caller_body.clone();
                match &caller_authorization {
                    Some(value) => {
                        request
                            .headers
                            .insert(http::header::AUTHORIZATION, value.clone());
                    }
                    None => {
                        request.headers.remove(http::header::AUTHORIZATION);
                    }
                }
            }
            let result = match try_timeout {
                Some(limit) => match tokio::time::timeout(limit, next.send(ctx, request)).await {
                    Ok(result) => result,
                    Err(_) => Err(Error::timeout(format!(
                        "a try of {} got no response within its {limit:?} try timeout",
                        ctx.operation_id
                    ))),
                },
                None => next.send(ctx, request).await,
            };
            // A status is the service's answer that it did not do the work (throttled,
            // unavailable), so it is retried for every operation, as the Azure SDKs do. A lost
            // connection is not: a create, import or restore that reached the service must not
            // run twice, so only requests that may repeat, or never left, are sent again.
            let retryable = match &result {
                Ok(response) => {
                    let status = response.status.as_u16();
                    RETRY_STATUSES.contains(&status) || self.also_retried.contains(&status)
                }
                Err(e) => e.is_retryable(may_repeat),
            };
            if !retryable || retry >= max_retries {
                return result;
            }
            let delay = result
                .as_ref()
                .ok()
                .and_then(retry_after)
                .unwrap_or_else(|| self.backoff(retry));
            if delay > self.options.max_retry_after {
                return result;
            }
            // Checked: a `Retry-After` of u64::MAX seconds must not overflow the clock.
            let Some(resume) = Instant::now().checked_add(delay) else {
                return result;
            };
            let past_budget = self
                .options
                .max_elapsed
                .is_some_and(|max| resume.duration_since(started) > max);
            let past_deadline = ctx.deadline_at.is_some_and(|deadline| resume >= deadline);
            if past_budget || past_deadline {
                return result;
            }
            tracing::debug!(
                operation = ctx.operation_id,
                retry = retry + 1,
                delay_ms = delay.as_millis() as u64,
                status = result.as_ref().ok().map(|r| r.status.as_u16()),
                "retrying"
            );
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }
}

impl Policy for RetryPolicy {
    fn send<'a>(
        &'a self,
        ctx: &'a Context,
        request: &'a mut Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<RawResponse>> {
        Box::pin(self.run(ctx, request, next))
    }
}

/// Whether a status is one the retry policy retries (for pollers and tests).
pub fn is_retryable(status: StatusCode) -> bool {
    RETRY_STATUSES.contains(&status.as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{HeaderMap, HeaderValue};

    fn response(name: &'static str, value: &str) -> RawResponse {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).unwrap());
        RawResponse::new(StatusCode::SERVICE_UNAVAILABLE, headers, "")
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(
            retry_after(&response("retry-after", "7")),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&response("retry-after-ms", "250")),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            retry_after(&response("x-ms-retry-after-ms", "1.5")),
            Some(Duration::from_millis(1))
        );
        let future = time::OffsetDateTime::now_utc() + Duration::from_secs(30);
        let format = time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        );
        let wait = retry_after(&response("retry-after", &future.format(&format).unwrap())).unwrap();
        assert!(
            wait > Duration::from_secs(28) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert_eq!(retry_after(&response("retry-after", "soon")), None);
    }
}
