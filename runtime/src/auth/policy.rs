//! The pipeline policies that attach bearer tokens.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::{parse_challenges, Challenge, TokenCredential, TokenRequest};
use crate::error::{Error, Result};
use crate::http::{BoxFuture, HeaderValue, RawResponse, Request, StatusCode, Url};
use crate::pipeline::{Context, Next, Policy};
use crate::url::Host;

/// How tokens may be sent; part of [`crate::ClientOptions`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthOptions {
    /// Allow bearer tokens over plain `http` to loopback hosts (127.0.0.0/8, `::1`,
    /// `localhost` and names under it) for local emulators. Other `http` hosts are always refused.
    pub allow_http_loopback: bool,
    /// Check that a Key Vault challenge's resource is the vault's host or a parent domain of it
    /// (on by default: it stops a spoofed vault URL from harvesting tokens). Emulators on
    /// arbitrary hosts may turn it off.
    pub verify_challenge_resource: bool,
    /// Scopes to ask for instead of the spec's (bearer policy only), e.g. a sovereign cloud's
    /// management endpoint.
    pub scopes: Option<Vec<String>>,
}

impl Default for AuthOptions {
    fn default() -> Self {
        AuthOptions {
            allow_http_loopback: false,
            verify_challenge_resource: true,
            scopes: None,
        }
    }
}

impl AuthOptions {
    /// Allows tokens over plain `http` to loopback hosts (local emulators).
    pub fn with_http_loopback(mut self, allow: bool) -> Self {
        self.allow_http_loopback = allow;
        self
    }

    /// Turns the challenge resource check on or off.
    pub fn with_challenge_resource_verification(mut self, verify: bool) -> Self {
        self.verify_challenge_resource = verify;
        self
    }

    /// Asks for these scopes instead of the spec's (bearer policy).
    pub fn with_scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }
}

/// Refuses to send a token anywhere but `https`, or `http` to a loopback host when allowed.
pub fn ensure_secure_transport(url: &Url, allow_http_loopback: bool) -> Result<()> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_http_loopback && is_loopback(url) => Ok(()),
        "http" if is_loopback(url) => Err(Error::credential(
            format!(
                "refusing to send a bearer token over plain http to {}; for a local emulator set `AuthOptions::allow_http_loopback`",
                url.host_str().unwrap_or("")
            ),
            None,
        )),
        scheme => Err(Error::credential(
            format!(
                "refusing to send a bearer token over `{scheme}` to {}: tokens are only sent over https (plain http only to loopback hosts, with an explicit opt-in)",
                url.host_str().unwrap_or("")
            ),
            None,
        )),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        // `*.localhost` too: loopback by RFC 6761, and how an emulator names several vaults on
        // one port (the default transport resolves them so without asking DNS).
        Some(Host::Domain(d)) => crate::loopback_dns::is_localhost(d),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// The last token a policy attached, ready to reuse while fresh: most calls then need no lock
/// beyond this one, no credential call and no header formatting.
#[derive(Debug, Default)]
struct TokenSlot {
    current: Mutex<Option<CachedHeader>>,
}

#[derive(Debug, Clone)]
struct CachedHeader {
    /// What it is for: the authority (challenge policy) or the scopes (bearer policy).
    key: String,
    header: HeaderValue,
    /// Ask the credential again from then on (its own cache decides about refreshing).
    reuse_until: time::OffsetDateTime,
}

impl TokenSlot {
    /// The header, when fresh and its key passes `is_for`.
    fn get(&self, is_for: impl FnOnce(&str) -> bool) -> Option<HeaderValue> {
        let slot = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        slot.as_ref()
            .filter(|c| is_for(&c.key) && time::OffsetDateTime::now_utc() < c.reuse_until)
            .map(|c| c.header.clone())
    }

    fn put(&self, key: &str, header: HeaderValue, token: &super::AccessToken) {
        let reuse_until = super::cache::reuse_until(token);
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some(CachedHeader {
            key: key.to_owned(),
            header,
            reuse_until,
        });
    }

    fn clear(&self) {
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

fn bearer_header(token: &str) -> Result<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
        Error::credential(
            "the credential returned a token that is not header text",
            None,
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// The first bearer challenge of a 401 response.
fn bearer_challenge(response: &RawResponse) -> Option<Challenge> {
    if response.status != StatusCode::UNAUTHORIZED {
        return None;
    }
    response
        .headers
        .get_all(http::header::WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(parse_challenges)
        .find(|c| c.scheme.eq_ignore_ascii_case("bearer"))
}

/// The claims of a Continuous Access Evaluation challenge.
fn claims_challenge(response: &RawResponse) -> Option<(Challenge, String)> {
    let challenge = bearer_challenge(response)?;
    if challenge.error() != Some("insufficient_claims") {
        return None;
    }
    let claims = challenge.claims()?;
    Some((challenge, claims))
}

/// Attaches a token for fixed scopes to every request (the management plane). Answers one
/// claims challenge per call by asking again with the claims.
#[derive(Debug)]
pub struct BearerTokenPolicy {
    credential: Arc<dyn TokenCredential>,
    scopes: Vec<String>,
    allow_http_loopback: bool,
    slot: TokenSlot,
}

impl BearerTokenPolicy {
    /// A policy asking `credential` for `scopes`.
    pub fn new(
        credential: Arc<dyn TokenCredential>,
        scopes: Vec<String>,
        options: &AuthOptions,
    ) -> Self {
        BearerTokenPolicy {
            credential,
            scopes,
            allow_http_loopback: options.allow_http_loopback,
            slot: TokenSlot::default(),
        }
    }

    async fn authorize(&self, request: &mut Request, claims: Option<String>) -> Result<()> {
        ensure_secure_transport(&request.url, self.allow_http_loopback)?;
        if claims.is_none() {
            if let Some(header) = self.slot.get(str::is_empty) {
                request.headers.insert(http::header::AUTHORIZATION, header);
                return Ok(());
            }
        }
        let plain = claims.is_none();
        let mut token_request = TokenRequest::new(self.scopes.iter().cloned());
        token_request.claims = claims;
        let token = self.credential.get_token(&token_request).await?;
        let header = bearer_header(token.token.expose())?;
        if plain {
            self.slot.put("", header.clone(), &token);
        }
        request.headers.insert(http::header::AUTHORIZATION, header);
        Ok(())
    }
}

impl Policy for BearerTokenPolicy {
    fn send<'a>(
        &'a self,
        ctx: &'a Context,
        request: &'a mut Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<RawResponse>> {
        Box::pin(async move {
            self.authorize(request, None).await?;
            let response = next.send(ctx, request).await?;
            match claims_challenge(&response) {
                Some((_, claims)) => {
                    self.authorize(request, Some(claims)).await?;
                    next.send(ctx, request).await
                }
                None => Ok(response),
            }
        })
    }
}

/// Key Vault's challenge flow (the data plane): the first request to a vault goes without a
/// token or body; the 401's `WWW-Authenticate` says which authority, tenant and scope to use;
/// the request is then sent whole with a token. Challenges are cached process-wide per vault
/// authority, so later clients skip the extra round trip.
#[derive(Debug)]
pub struct ChallengeAuthPolicy {
    credential: Arc<dyn TokenCredential>,
    allow_http_loopback: bool,
    verify_resource: bool,
    slot: TokenSlot,
}

/// What the process knows about a vault authority's challenge.
#[derive(Debug)]
enum CacheEntry {
    Known(Challenge),
    /// One call is asking the vault for its challenge; the others wait for the gate to close
    /// (no permit is ever added: closing it is the signal) rather than each sending its own
    /// unauthenticated round trip.
    Discovering(Arc<tokio::sync::Semaphore>),
}

fn challenge_cache() -> &'static Mutex<HashMap<String, CacheEntry>> {
    static CACHE: OnceLock<Mutex<HashMap<String, CacheEntry>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn lock_cache() -> std::sync::MutexGuard<'static, HashMap<String, CacheEntry>> {
    challenge_cache()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// Held by the one call discovering an authority's challenge. Dropping it (discovery done,
/// failed, or the call cancelled) releases the waiters and withdraws the pending entry, unless
/// the challenge was stored meanwhile.
struct Discovery {
    key: String,
    gate: Arc<tokio::sync::Semaphore>,
}

impl Drop for Discovery {
    fn drop(&mut self) {
        let mut cache = lock_cache();
        if matches!(cache.get(&self.key), Some(CacheEntry::Discovering(gate)) if Arc::ptr_eq(gate, &self.gate))
        {
            cache.remove(&self.key);
        }
        drop(cache);
        self.gate.close();
    }
}

/// The cached challenge for `key`; or, when none is known, the right to discover it (`Some`
/// discovery) or `None` of either after waiting for another call's discovery that found
/// nothing (the caller then asks on its own, so a vault that never challenges does not
/// serialise its callers).
async fn cached_or_discover(key: &str) -> (Option<Challenge>, Option<Discovery>) {
    let gate = {
        let mut cache = lock_cache();
        match cache.get(key) {
            Some(CacheEntry::Known(challenge)) => return (Some(challenge.clone()), None),
            Some(CacheEntry::Discovering(gate)) => gate.clone(),
            None => {
                let gate = Arc::new(tokio::sync::Semaphore::new(0));
                cache.insert(key.to_owned(), CacheEntry::Discovering(gate.clone()));
                let key = key.to_owned();
                return (None, Some(Discovery { key, gate }));
            }
        }
    };
    // Err(Closed) is the only outcome: the gate never has permits.
    let _ = gate.acquire().await;
    match lock_cache().get(key) {
        Some(CacheEntry::Known(challenge)) => (Some(challenge.clone()), None),
        _ => (None, None),
    }
}

/// The key challenges are cached under: scheme, lower-case host and port.
fn authority(url: &Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or("").to_ascii_lowercase(),
        url.port_or_known_default().unwrap_or(0)
    )
}

/// Whether `key` is [`authority`] of `url`, without building it (every call checks this).
fn is_authority_of(key: &str, url: &Url) -> bool {
    let Some((host, port)) = key
        .strip_prefix(url.scheme())
        .and_then(|rest| rest.strip_prefix("://"))
        .and_then(|rest| rest.rsplit_once(':'))
    else {
        return false;
    };
    host.eq_ignore_ascii_case(url.host_str().unwrap_or(""))
        && port.parse::<u16>().ok() == Some(url.port_or_known_default().unwrap_or(0))
}

impl ChallengeAuthPolicy {
    /// A challenge policy asking `credential` for tokens.
    pub fn new(credential: Arc<dyn TokenCredential>, options: &AuthOptions) -> Self {
        ChallengeAuthPolicy {
            credential,
            allow_http_loopback: options.allow_http_loopback,
            verify_resource: options.verify_challenge_resource,
            slot: TokenSlot::default(),
        }
    }

    /// Forgets every cached challenge (all clients in the process).
    pub fn clear_cache() {
        lock_cache().clear();
    }

    async fn authorize(
        &self,
        request: &mut Request,
        challenge: &Challenge,
        claims: Option<String>,
        authority: &str,
    ) -> Result<()> {
        ensure_secure_transport(&request.url, self.allow_http_loopback)?;
        let scopes = challenge.scopes().ok_or_else(|| {
            Error::credential(
                "the Key Vault challenge names neither a scope nor a resource",
                None,
            )
        })?;
        let plain = claims.is_none();
        let token_request = TokenRequest {
            scopes,
            tenant_id: challenge.tenant_id(),
            claims,
            challenge: Some(challenge.clone()),
        };
        let token = self.credential.get_token(&token_request).await?;
        let header = bearer_header(token.token.expose())?;
        if plain {
            self.slot.put(authority, header.clone(), &token);
        }
        request.headers.insert(http::header::AUTHORIZATION, header);
        Ok(())
    }

    /// The challenge's resource must be the vault's host or a parent domain of it.
    fn verify(&self, challenge: &Challenge, url: &Url) -> Result<()> {
        if !self.verify_resource {
            return Ok(());
        }
        let named = challenge
            .scope()
            .and_then(|s| s.split(' ').next())
            .or_else(|| challenge.resource())
            .ok_or_else(|| {
                Error::credential(
                    "the Key Vault challenge names neither a scope nor a resource",
                    None,
                )
            })?;
        let resource_host = Url::parse(named)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .unwrap_or_default();
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        let ok = !resource_host.is_empty()
            && (host == resource_host || host.ends_with(&format!(".{resource_host}")));
        if ok {
            Ok(())
        } else {
            Err(Error::credential(
                format!(
                    "the challenge's resource `{resource_host}` does not match the vault host `{host}`; no token was sent (turn off `AuthOptions::verify_challenge_resource` only for emulators)"
                ),
                None,
            ))
        }
    }

    /// Everything but the fast path: `answered_fresh` is the answer to a fresh token the
    /// vault turned down (401), if one was sent.
    async fn handle(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: Next<'_>,
        answered_fresh: Option<RawResponse>,
    ) -> Result<RawResponse> {
        let key = authority(&request.url);
        // The cache is per process: another client, perhaps with verification off, may have
        // stored this challenge, so it is checked against this policy's rules before use.
        let (cached, discovery) = cached_or_discover(&key).await;
        if let Some(challenge) = &cached {
            self.verify(challenge, &request.url)?;
        }
        let (cached, response) = match answered_fresh {
            Some(response) => (cached, response),
            None => {
                let response = match &cached {
                    Some(challenge) => {
                        self.authorize(request, challenge, None, &key).await?;
                        next.send(ctx, request).await?
                    }
                    None => {
                        // Without a token, and without the body: the service only answers with
                        // its challenge, and a secret value should not travel before auth is
                        // settled.
                        let body = std::mem::take(&mut request.body);
                        let sent = next.send(ctx, request).await;
                        request.body = body;
                        sent?
                    }
                };
                (cached, response)
            }
        };
        let Some(challenge) = bearer_challenge(&response) else {
            return Ok(response);
        };
        // A claims challenge for a token we sent: ask again once, with the claims.
        if let (Some(cached), Some((_, claims))) = (&cached, claims_challenge(&response)) {
            self.authorize(request, cached, Some(claims), &key).await?;
            return next.send(ctx, request).await;
        }
        self.verify(&challenge, &request.url)?;
        lock_cache().insert(key.clone(), CacheEntry::Known(challenge.clone()));
        // Waiters may go now: they find the challenge.
        drop(discovery);
        self.authorize(request, &challenge, None, &key).await?;
        let response = next.send(ctx, request).await?;
        match claims_challenge(&response) {
            Some((_, claims)) => {
                self.authorize(request, &challenge, Some(claims), &key)
                    .await?;
                next.send(ctx, request).await
            }
            None => Ok(response),
        }
    }
}

impl Policy for ChallengeAuthPolicy {
    fn send<'a>(
        &'a self,
        ctx: &'a Context,
        request: &'a mut Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<RawResponse>> {
        // The fast path is a future of its own: the full handling (discovery, verification,
        // claims) is a much larger state machine, boxed only when no fresh token is at hand
        // or the vault refuses it.
        Box::pin(async move {
            // Checked before anything is sent: the call would need a token on this channel.
            ensure_secure_transport(&request.url, self.allow_http_loopback)?;
            let refused = match self.slot.get(|key| is_authority_of(key, &request.url)) {
                Some(header) => {
                    request.headers.insert(http::header::AUTHORIZATION, header);
                    let response = next.send(ctx, request).await?;
                    if response.status != StatusCode::UNAUTHORIZED {
                        return Ok(response);
                    }
                    self.slot.clear();
                    Some(response)
                }
                None => None,
            };
            Box::pin(self.handle(ctx, request, next, refused)).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_keys_match_without_being_built() {
        for u in [
            "https://V.vault.azure.net/secrets/a",
            "https://v.vault.azure.net:443/x",
            "http://127.0.0.1:8080/",
            "https://[::1]:9443/k",
        ] {
            let url = Url::parse(u).unwrap();
            assert!(is_authority_of(&authority(&url), &url), "{u}");
        }
        let url = Url::parse("https://v.vault.azure.net/").unwrap();
        for other in [
            "https://w.vault.azure.net:443",
            "http://v.vault.azure.net:443",
            "https://v.vault.azure.net:8443",
            "https://v.vault.azure.net",
            "",
        ] {
            assert!(!is_authority_of(other, &url), "{other}");
        }
    }

    #[tokio::test]
    async fn a_cancelled_discovery_releases_its_waiters_and_its_key() {
        let key = "https://cancelled-discovery.example:443";
        let (none, leader) = cached_or_discover(key).await;
        assert!(none.is_none());
        let leader = leader.expect("the first call discovers");
        let waiter = tokio::spawn(cached_or_discover(key));
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "the second call waits for the first");
        drop(leader);
        let (none, discovery) = waiter.await.unwrap();
        assert!(
            none.is_none() && discovery.is_none(),
            "it then asks on its own"
        );
        let (_, next) = cached_or_discover(key).await;
        assert!(next.is_some(), "a later call may discover again");
    }

    #[test]
    fn tokens_only_over_https_or_opted_in_loopback() {
        let ok = |u: &str, allow| ensure_secure_transport(&Url::parse(u).unwrap(), allow).is_ok();
        assert!(ok("https://v.vault.azure.net/", false));
        assert!(!ok("http://v.vault.azure.net/", true));
        assert!(!ok("http://127.0.0.1:8080/", false));
        assert!(ok("http://127.0.0.1:8080/", true));
        assert!(ok("http://127.9.9.9/", true));
        assert!(ok("http://localhost/", true));
        assert!(ok("http://my-vault.localhost:8443/", true));
        assert!(!ok("http://my-vault.localhost:8443/", false));
        assert!(ok("http://[::1]:9/", true));
        assert!(!ok("http://10.0.0.1/", true));
        assert!(!ok("http://localhost.evil.example/", true));
    }
}
