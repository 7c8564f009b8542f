//! The policy pipeline: every request passes through an ordered list of policies and then the
//! transport. Authentication and retries plug in here as policies; generated code only ever calls
//! [`Pipeline::send`].

use std::fmt;
use std::sync::Arc;

use crate::error::Result;
use crate::http::{BoxFuture, HeaderValue, HttpClient, RawResponse, Request};
use crate::options::ClientOptions;
use crate::service::ServiceInfo;

/// Per-call information that policies may read.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Context {
    /// The spec's `operationId` of the call, for tracing and diagnostics.
    pub operation_id: &'static str,
}

impl Context {
    /// The context of one call of the named operation.
    pub fn new(operation_id: &'static str) -> Self {
        Context { operation_id }
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
}

impl Pipeline {
    /// Assembles the pipeline for a generated client from the caller's options: user agent and
    /// client request id first, then the caller's policies, then the transport.
    pub fn new(service: &ServiceInfo, options: &ClientOptions) -> Result<Self> {
        let user_agent = match &options.user_agent_suffix {
            Some(suffix) => format!("{} {}", service.user_agent(), suffix),
            None => service.user_agent(),
        };
        let mut policies: Vec<Arc<dyn Policy>> = vec![
            Arc::new(UserAgentPolicy::new(&user_agent)),
            Arc::new(ClientRequestIdPolicy),
        ];
        policies.extend(options.policies.iter().cloned());
        let transport = match &options.transport {
            Some(transport) => transport.clone(),
            None => Arc::new(crate::transport::ReqwestTransport::new(
                &options.transport_options,
            )?),
        };
        Ok(Pipeline {
            inner: Arc::new(Inner {
                policies,
                transport,
            }),
        })
    }

    /// Sends a request through every policy and the transport.
    pub async fn send(&self, ctx: &Context, request: &mut Request) -> Result<RawResponse> {
        Next {
            policies: &self.inner.policies,
            transport: &*self.inner.transport,
        }
        .send(ctx, request)
        .await
    }
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
        if !request.headers.contains_key("x-ms-client-request-id") {
            let id = crate::id::random_uuid();
            if let Ok(value) = HeaderValue::from_str(&id) {
                request.headers.insert("x-ms-client-request-id", value);
            }
        }
        next.send(ctx, request)
    }
}
