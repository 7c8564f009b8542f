//! The Microsoft Entra token endpoint (`/{tenant}/oauth2/v2.0/token`) and the token responses
//! every credential reads.

use std::time::Duration;

use keyvault_runtime::auth::ensure_secure_transport;
use keyvault_runtime::http::{HeaderValue, HttpClient, Method, RawResponse, Request, Url};
use keyvault_runtime::pipeline::{Next, Policy};
use keyvault_runtime::retry::RetryPolicy;
use keyvault_runtime::{AccessToken, CallOptions, Context, Error, ErrorKind, Result, RetryOptions};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::options::CredentialOptions;

/// The token endpoint of a tenant below an authority host.
pub(crate) fn token_url(options: &CredentialOptions, tenant: &str) -> Result<Url> {
    if tenant.is_empty()
        || !tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        return Err(Error::credential(
            format!("`{tenant}` is not a valid tenant id"),
            None,
        ));
    }
    let mut url = options.authority()?.clone();
    let base = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{base}/{tenant}/oauth2/v2.0/token"));
    if !(url.scheme() == "https" || options.allow_http_loopback) {
        return Err(Error::credential(
            format!("the authority host {} is not https", options.authority_host),
            None,
        ));
    }
    ensure_secure_transport(&url, options.allow_http_loopback)?;
    Ok(url)
}

/// How a token request is sent: each try within `timeout`, and transient failures (a refused
/// or cut connection, 408, 429, 5xx, and `also_retried`) tried again as the retry policy of
/// the clients does, `Retry-After` included. A token request is safe to repeat.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sending {
    pub(crate) timeout: Duration,
    /// `None` for one try only (the managed identity probe, which must answer at once).
    pub(crate) retry: Option<RetryOptions>,
    pub(crate) also_retried: &'static [u16],
}

/// Posts a form to a token endpoint and reads the token.
pub(crate) async fn post_form(
    http: &dyn HttpClient,
    url: Url,
    form: &[(&str, &str)],
    sending: Sending,
    credential: &str,
) -> Result<AccessToken> {
    let body = keyvault_runtime::codec::form::encode(form.iter().copied());
    let mut request = Request::new(Method::POST, url);
    request.headers.insert(
        "content-type",
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    request.body = body.into_bytes().into();
    let response = send(http, &request, sending, credential).await?;
    read_token(&response, credential)
}

/// Sends a token request, each try within the timeout, retrying what may heal.
pub(crate) async fn send(
    http: &dyn HttpClient,
    request: &Request,
    sending: Sending,
    credential: &str,
) -> Result<RawResponse> {
    let ctx = Context::new("TokenRequest")
        .with_idempotent(true)
        .with_options(CallOptions::default().with_try_timeout(sending.timeout));
    let retry = sending
        .retry
        .unwrap_or_else(|| RetryOptions::default().with_max_retries(0));
    let policy = RetryPolicy::new(retry).also_retrying(sending.also_retried);
    let mut request = request.clone();
    match policy.send(&ctx, &mut request, Next::transport(http)).await {
        Ok(response) => Ok(response),
        Err(e) if matches!(e.kind(), ErrorKind::Timeout { .. }) => Err(Error::credential(
            format!(
                "{credential}: no token response from {} within {:?}",
                request.url.host_str().unwrap_or(""),
                sending.timeout
            ),
            Some(Box::new(e)),
        )),
        Err(e) => Err(Error::credential(
            format!(
                "{credential}: the token request to {} failed",
                request.url.host_str().unwrap_or("")
            ),
            Some(Box::new(e)),
        )),
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<NumberOrString>,
    #[serde(default)]
    expires_on: Option<NumberOrString>,
    #[serde(default)]
    refresh_in: Option<NumberOrString>,
}

#[derive(Deserialize)]
struct ErrorResponse {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Numbers that some endpoints send as strings (managed identity's `expires_on`).
#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrString {
    Number(f64),
    Text(String),
}

impl NumberOrString {
    fn seconds(&self) -> Option<i64> {
        match self {
            NumberOrString::Number(n) if n.is_finite() => Some(*n as i64),
            NumberOrString::Text(t) => t.trim().parse::<f64>().ok().map(|n| n as i64),
            _ => None,
        }
    }

    /// `expires_on` as epoch seconds, or as a date (App Service's older format).
    fn instant(&self) -> Option<OffsetDateTime> {
        if let Some(s) = self.seconds() {
            return OffsetDateTime::from_unix_timestamp(s).ok();
        }
        match self {
            NumberOrString::Text(t) => {
                keyvault_runtime::codec::parse_rfc3339(t).ok().or_else(|| {
                    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc2822)
                        .ok()
                })
            }
            NumberOrString::Number(_) => None,
        }
    }
}

/// Reads a token response (Entra, IMDS or App Service shapes); errors carry the service's
/// error code and description, never the request.
pub(crate) fn read_token(response: &RawResponse, credential: &str) -> Result<AccessToken> {
    if !response.status.is_success() {
        let detail = serde_json::from_slice::<ErrorResponse>(&response.body)
            .ok()
            .map(|e| {
                let code = e.error.unwrap_or_default();
                let text = e.error_description.or(e.message).unwrap_or_default();
                format!("{code}: {text}")
            })
            .unwrap_or_else(|| "no error details".to_owned());
        return Err(Error::credential(
            format!(
                "{credential}: the token endpoint answered {}: {detail}",
                response.status.as_u16()
            ),
            None,
        ));
    }
    let token: TokenResponse = serde_json::from_slice(&response.body).map_err(|e| {
        Error::credential(
            format!("{credential}: the token response is not valid ({e})"),
            None,
        )
    })?;
    let now = OffsetDateTime::now_utc();
    let expires_on = token
        .expires_on
        .as_ref()
        .and_then(NumberOrString::instant)
        .or_else(|| {
            token
                .expires_in
                .as_ref()
                .and_then(NumberOrString::seconds)
                .map(|s| now + Duration::from_secs(s.max(0) as u64))
        })
        .ok_or_else(|| {
            Error::credential(
                format!("{credential}: the token response has no expiry"),
                None,
            )
        })?;
    let mut access = AccessToken::new(token.access_token, expires_on);
    if let Some(refresh_in) = token.refresh_in.as_ref().and_then(NumberOrString::seconds) {
        access = access.with_refresh_on(now + Duration::from_secs(refresh_in.max(0) as u64));
    }
    Ok(access)
}

/// The `scope` form value: scopes joined by spaces.
pub(crate) fn scope_param(scopes: &[String]) -> Result<String> {
    if scopes.is_empty() {
        return Err(Error::credential("no scope was requested", None));
    }
    Ok(scopes.join(" "))
}
