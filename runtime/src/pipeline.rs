//! The policy pipeline: every request passes through an ordered list of policies and then the
//! transport. Authentication and retries plug in here as policies; generated code only ever calls
//! [`Pipeline::send`].

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::Instrument;

use crate::auth::{BearerTokenPolicy, ChallengeAuthPolicy};
use crate::error::{Error, Result};
use crate::http::{
    BoxFuture, HeaderValue, HttpClient, RawResponse, RedactedHeaders, RedactedUrl, Request, Url,
};
use crate::options::ClientOptions;
use crate::retry::RetryPolicy;
use crate::service::{AuthScheme, ServiceInfo};

/// Per-call settings that override the client's: set them on any generated request builder
/// with `.call_options(...)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// The whole call, retries and waits included, must finish within this.
    pub deadline: Option<Duration>,
    /// Each try must get its response within this.
    pub try_timeout: Option<Duration>,
    /// Retries after the first try.
    pub max_retries: Option<u32>,
}

impl CallOptions {
    /// Limits the whole call.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Limits each try.
    pub fn with_try_timeout(mut self, timeout: Duration) -> Self {
        self.try_timeout = Some(timeout);
        self
    }

    /// Sets the number of retries.
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }
}

/// Per-call information that policies may read.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Context {
    /// The spec's `operationId` of the call, for tracing and diagnostics.
    pub operation_id: &'static str,
    /// The call's settings: the caller's, completed with the client's defaults when sent.
    pub options: CallOptions,
    /// When the call's deadline passes, once the pipeline has started it.
    pub deadline_at: Option<Instant>,
    /// The operation is safe to send twice although its HTTP method is not idempotent: a POST
    /// that only computes (encrypt, sign, a backup blob) or a PATCH that sets absolute values.
    /// The generator sets it from the spec config's `idempotent_operations`. A request that is
    /// neither this nor idempotent by its method is retried only when it never left the client.
    pub idempotent: bool,
}

impl Context {
    /// The context of one call of the named operation.
    pub fn new(operation_id: &'static str) -> Self {
        Context {
            operation_id,
            ..Context::default()
        }
    }

    /// Marks the operation safe to repeat (see [`Context::idempotent`]).
    pub fn with_idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Whether a request of this call may be sent again after it may have reached the server:
    /// its method is idempotent (RFC 9110: GET, HEAD, PUT, DELETE, OPTIONS, TRACE), or the
    /// operation is marked so.
    pub fn may_repeat(&self, method: &http::Method) -> bool {
        use http::Method;
        self.idempotent
            || [
                Method::GET,
                Method::HEAD,
                Method::PUT,
                Method::DELETE,
                Method::OPTIONS,
                Method::TRACE,
            ]
            .contains(method)
    }

    /// The same context with the caller's per-call settings.
    pub fn with_options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }
}

/// A step every request passes through on its way to the transport.
pub trait Policy: Send + Sync + fmt::Debug {
    /// Handles the request, usually by changing it and calling `next.send`.
    fn send<'a>(
        &'a self,
        ctx: &'a Context,
        request: &'a mut Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<RawResponse>>;
}

/// The rest of the pipeline after the current policy.
#[derive(Clone, Copy)]
pub struct Next<'a> {
    policies: &'a [Arc<dyn Policy>],
    transport: &'a dyn HttpClient,
}

impl<'a> Next<'a> {
    /// The end of a pipeline: straight to `transport`. With it a policy runs on its own, e.g.
    /// the retry policy around a credential's token request.
    pub fn transport(transport: &'a dyn HttpClient) -> Self {
        Next {
            policies: &[],
            transport,
        }
    }

    /// Passes the request on to the next policy, or to the transport after the last one.
    pub fn send(
        self,
        ctx: &'a Context,
        request: &'a mut Request,
    ) -> BoxFuture<'a, Result<RawResponse>> {
        match self.policies.split_first() {
            Some((policy, rest)) => policy.send(
                ctx,
                request,
                Next {
                    policies: rest,
                    transport: self.transport,
                },
            ),
            None => self.transport.execute(request),
        }
    }
}

impl fmt::Debug for Next<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Next")
            .field("policies", &self.policies.len())
            .finish()
    }
}

/// The policies and transport a client sends through; cheap to clone.
#[derive(Clone)]
pub struct Pipeline {
    inner: Arc<Inner>,
}

struct Inner {
    policies: Vec<Arc<dyn Policy>>,
    transport: Arc<dyn HttpClient>,
    defaults: CallOptions,
}

impl Pipeline {
    /// Assembles the pipeline for a generated client talking to `endpoint`: user agent and
    /// client request id, the caller's policies, retries, authentication (when a credential is
    /// set: Key Vault's challenge flow or a plain bearer token, as the service says), logging,
    /// then the transport.
    pub fn new(service: &ServiceInfo, options: &ClientOptions, endpoint: &Url) -> Result<Self> {
        let user_agent = match &options.user_agent_suffix {
            Some(suffix) => format!("{} {}", service.user_agent(), suffix),
            None => service.user_agent(),
        };
        let mut policies: Vec<Arc<dyn Policy>> = vec![
            Arc::new(UserAgentPolicy::new(&user_agent)),
            Arc::new(ClientRequestIdPolicy),
        ];
        policies.extend(options.policies.iter().cloned());
        policies.push(Arc::new(RetryPolicy::new(options.retry)));
        if let Some(credential) = &options.credential {
            let auth: Arc<dyn Policy> = match service.auth {
                AuthScheme::KeyVaultChallenge => {
                    Arc::new(ChallengeAuthPolicy::new(credential.clone(), &options.auth))
                }
                AuthScheme::Bearer => Arc::new(BearerTokenPolicy::new(
                    credential.clone(),
                    bearer_scopes(service, options, endpoint),
                    &options.auth,
                )),
            };
            policies.push(auth);
        }
        policies.push(Arc::new(LoggingPolicy));
        let transport = match &options.transport {
            Some(transport) => transport.clone(),
            None => crate::transport::HyperTransport::shared(&options.transport_options)?,
        };
        Ok(Pipeline {
            inner: Arc::new(Inner {
                policies,
                transport,
                defaults: CallOptions {
                    deadline: options.deadline,
                    try_timeout: options.try_timeout,
                    max_retries: None,
                },
            }),
        })
    }

    /// Sends a request through every policy and the transport, within the call's deadline.
    pub async fn send(&self, ctx: &Context, request: &mut Request) -> Result<RawResponse> {
        let mut ctx = ctx.clone();
        let defaults = &self.inner.defaults;
        ctx.options.deadline = ctx.options.deadline.or(defaults.deadline);
        ctx.options.try_timeout = ctx.options.try_timeout.or(defaults.try_timeout);
        let deadline = ctx.options.deadline;
        ctx.deadline_at = deadline.map(|d| Instant::now() + d);
        let span = tracing::debug_span!("keyvault.call", operation = ctx.operation_id);
        let call = async {
            Next {
                policies: &self.inner.policies,
                transport: &*self.inner.transport,
            }
            .send(&ctx, request)
            .await
        }
        .instrument(span);
        match deadline {
            Some(limit) => tokio::time::timeout(limit, call).await.unwrap_or_else(|_| {
                Err(Error::timeout(format!(
                    "{} did not finish within its {limit:?} deadline",
                    ctx.operation_id
                )))
            }),
            None => call.await,
        }
    }
}

/// The bearer scopes: the caller's, else the spec's; a spec scope for another host than the
/// endpoint's (a sovereign cloud's management endpoint) becomes the endpoint's `/.default`.
fn bearer_scopes(service: &ServiceInfo, options: &ClientOptions, endpoint: &Url) -> Vec<String> {
    if let Some(scopes) = &options.auth.scopes {
        return scopes.clone();
    }
    let host = endpoint.host_str().unwrap_or("").to_ascii_lowercase();
    service
        .scopes
        .iter()
        .map(|scope| {
            let scope_host = Url::parse(scope)
                .ok()
                .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
                .unwrap_or_default();
            if scope_host.is_empty()
                || host == scope_host
                || host.ends_with(&format!(".{scope_host}"))
                || !scope.ends_with("/.default")
            {
                (*scope).to_owned()
            } else {
                format!("{}/.default", endpoint.origin().ascii_serialization())
            }
        })
        .collect()
}

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline")
            .field("policies", &self.inner.policies)
            .field("transport", &self.inner.transport)
            .finish()
    }
}

/// Sets `User-Agent` unless the request already has one.
#[derive(Debug)]
pub struct UserAgentPolicy {
    value: HeaderValue,
}

impl UserAgentPolicy {
    /// A policy that sends the given user agent (non-header characters are dropped).
    pub fn new(user_agent: &str) -> Self {
        let cleaned: String = user_agent
            .chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_control())
            .collect();
        UserAgentPolicy {
            value: HeaderValue::from_str(&cleaned)
                .unwrap_or(HeaderValue::from_static("keyvault-rs")),
        }
    }
}

impl Policy for UserAgentPolicy {
    fn send<'a>(
        &'a self,
        ctx: &'a Context,
        request: &'a mut Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<RawResponse>> {
        request
            .headers
            .entry(http::header::USER_AGENT)
            .or_insert_with(|| self.value.clone());
        next.send(ctx, request)
    }
}

/// Sets a fresh `x-ms-client-request-id` unless the caller chose one, so a call can be found in
/// the service's logs.
#[derive(Debug)]
pub struct ClientRequestIdPolicy;

impl Policy for ClientRequestIdPolicy {
    fn send<'a>(
        &'a self,
        ctx: &'a Context,
        request: &'a mut Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<RawResponse>> {
        const NAME: http::HeaderName = http::HeaderName::from_static("x-ms-client-request-id");
        if let http::header::Entry::Vacant(entry) = request.headers.entry(NAME) {
            if let Ok(mut value) = HeaderValue::from_bytes(&crate::id::random_uuid()) {
                // Never indexed by HTTP/2's header compression: a value used once would only
                // push reusable entries (authority, path, user agent) out of the HPACK table
                // and cost a comparison against every id before it (h2 sends it as a literal).
                value.set_sensitive(true);
                entry.insert(value);
            }
        }
        next.send(ctx, request)
    }
}

/// Logs each try (method, redacted URL and headers; status, allow-listed response headers and
/// time) at DEBUG. Bodies are never logged, and header values and query parameters outside the
/// allow-lists are shown as `REDACTED`.
#[derive(Debug)]
pub struct LoggingPolicy;

impl Policy for LoggingPolicy {
    fn send<'a>(
        &'a self,
        ctx: &'a Context,
        request: &'a mut Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<RawResponse>> {
        Box::pin(async move {
            tracing::debug!(
                method = %request.method,
                url = ?RedactedUrl(&request.url),
                headers = ?RedactedHeaders(&request.headers),
                body_len = request.body.len(),
                "request"
            );
            let started = Instant::now();
            let result = next.send(ctx, request).await;
            match &result {
                Ok(response) => tracing::debug!(
                    status = response.status.as_u16(),
                    headers = ?RedactedHeaders(&response.headers),
                    body_len = response.body.len(),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "response"
                ),
                Err(e) => tracing::debug!(
                    error = %e,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "no response"
                ),
            }
            result
        })
    }
}
