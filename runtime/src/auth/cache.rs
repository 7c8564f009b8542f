//! A token cache credentials wrap their token requests in: keyed by scopes, tenant and claims;
//! single-flight (concurrent callers for one key wait for one request); refreshed ahead of
//! expiry with jitter, keeping the old token if a refresh fails while it is still valid.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use time::OffsetDateTime;

use super::{AccessToken, TokenRequest};
use crate::error::Result;

/// Refresh this long before expiry when the token does not say when.
const DEFAULT_REFRESH_AHEAD: Duration = Duration::from_secs(5 * 60);
/// Up to this much earlier, at random, so many processes do not refresh in lockstep.
const MAX_JITTER: Duration = Duration::from_secs(30);
/// A token closer than this to expiry is never handed out.
const MIN_VALIDITY: Duration = Duration::from_secs(30);

type Key = (Vec<String>, Option<String>, Option<String>);

/// Caches tokens per (scopes, tenant, claims). Cheap to share behind an `Arc`.
#[derive(Debug, Default)]
pub struct TokenCache {
    slots: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<Option<Cached>>>>>,
}

#[derive(Debug, Clone)]
struct Cached {
    token: AccessToken,
    refresh_at: OffsetDateTime,
}

impl TokenCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The cached token for the request when it is fresh; otherwise runs `fetch` (one caller at
    /// a time per key; the others wait and then share its result).
    pub async fn get_or_fetch<F, Fut>(
        &self,
        request: &TokenRequest,
        fetch: F,
    ) -> Result<AccessToken>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<AccessToken>>,
    {
        let mut scopes = request.scopes.clone();
        scopes.sort();
        let key = (scopes, request.tenant_id.clone(), request.claims.clone());
        let slot = self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key)
            .or_default()
            .clone();
        let mut cached = slot.lock().await;
        let now = OffsetDateTime::now_utc();
        if let Some(entry) = &*cached {
            if now < entry.refresh_at && now + MIN_VALIDITY < entry.token.expires_on {
                return Ok(entry.token.clone());
            }
        }
        match fetch().await {
            Ok(token) => {
                *cached = Some(Cached {
                    refresh_at: refresh_at(&token),
                    token: token.clone(),
                });
                Ok(token)
            }
            // A failed early refresh keeps serving the token while it is still valid.
            Err(e) => match &*cached {
                Some(entry) if now + MIN_VALIDITY < entry.token.expires_on => {
                    Ok(entry.token.clone())
                }
                _ => Err(e),
            },
        }
    }

    /// Forgets every token (e.g. after a credential's configuration changed).
    pub fn clear(&self) {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// How long before expiry a token is replaced: five minutes, or half its remaining life for
/// tokens that live less than ten minutes (so a short token is still reused rather than
/// refreshed on every call).
fn refresh_ahead(token: &AccessToken) -> time::Duration {
    let remaining = (token.expires_on - OffsetDateTime::now_utc()).max(time::Duration::ZERO);
    std::cmp::min(
        time::Duration::try_from(DEFAULT_REFRESH_AHEAD).unwrap_or(remaining),
        remaining / 2,
    )
}

/// The latest moment a holder of `token` (a policy's header cache) may reuse it without asking
/// its credential: never past the credential's own refresh point, nor within the minimum
/// validity of expiry, so the credential's refresh-ahead still runs.
pub(crate) fn reuse_until(token: &AccessToken) -> OffsetDateTime {
    let ahead = refresh_ahead(token);
    token
        .refresh_on
        .unwrap_or(token.expires_on - ahead)
        .min(token.expires_on - ahead)
        .min(token.expires_on - MIN_VALIDITY)
}

/// When the cache asks for a new token: the token's own refresh point (or `refresh_ahead`
/// before expiry), made earlier by a random jitter of at most 30 s and at most half the time
/// left until that point, so it never falls before now: a short-lived token (under a minute)
/// would otherwise be due the moment it arrives, and every waiter would fetch again.
fn refresh_at(token: &AccessToken) -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    let base = token
        .refresh_on
        .unwrap_or(token.expires_on - refresh_ahead(token));
    let window = Duration::try_from(base - now).unwrap_or(Duration::ZERO);
    let max_jitter = MAX_JITTER.min(window / 2);
    let jitter_ms = crate::id::random_u64() % (max_jitter.as_millis() as u64 + 1);
    base - Duration::from_millis(jitter_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn token(valid_for: Duration) -> AccessToken {
        AccessToken::new("t", OffsetDateTime::now_utc() + valid_for)
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch() {
        let cache = Arc::new(TokenCache::new());
        let fetches = Arc::new(AtomicUsize::new(0));
        let request = TokenRequest::new(["s/.default"]);
        let mut tasks = Vec::new();
        for _ in 0..200 {
            let (cache, fetches, request) = (cache.clone(), fetches.clone(), request.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_fetch(&request, || async {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok(token(Duration::from_secs(3600)))
                    })
                    .await
                    .unwrap()
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn refreshes_ahead_of_expiry_and_keys_by_tenant_and_claims() {
        let cache = TokenCache::new();
        let fetches = AtomicUsize::new(0);
        let fetch = |valid: Duration| {
            fetches.fetch_add(1, Ordering::SeqCst);
            async move { Ok(token(valid)) }
        };
        let request = TokenRequest::new(["a"]);
        // Twenty seconds left: within the minimum validity, so the next call refreshes.
        cache
            .get_or_fetch(&request, || fetch(Duration::from_secs(20)))
            .await
            .unwrap();
        cache
            .get_or_fetch(&request, || fetch(Duration::from_secs(3600)))
            .await
            .unwrap();
        cache
            .get_or_fetch(&request, || fetch(Duration::from_secs(3600)))
            .await
            .unwrap();
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
        for other in [
            request.clone().with_tenant("t2"),
            request.clone().with_claims("{}"),
        ] {
            cache
                .get_or_fetch(&other, || fetch(Duration::from_secs(3600)))
                .await
                .unwrap();
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn failed_refresh_keeps_a_still_valid_token_and_errors_otherwise() {
        let cache = TokenCache::new();
        let request = TokenRequest::new(["a"]);
        cache
            .get_or_fetch(&request, || async { Ok(token(Duration::from_secs(120))) })
            .await
            .unwrap();
        let kept = cache
            .get_or_fetch(&request, || async {
                Err(crate::Error::credential("down", None))
            })
            .await;
        assert!(kept.is_ok());
        let fresh = TokenCache::new();
        let err = fresh
            .get_or_fetch(&request, || async {
                Err(crate::Error::credential("down", None))
            })
            .await;
        assert!(err.is_err());
    }
}

#[cfg(test)]
mod short_lived {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// 40-second tokens: the jitter once could put the refresh point before the token was
    /// even issued (28 token requests for 18 bursts); now one fetch serves every call, for
    /// any jitter drawn.
    #[tokio::test]
    async fn tokens_under_a_minute_are_not_refetched_at_once() {
        for _ in 0..50 {
            let cache = TokenCache::new();
            let fetches = AtomicUsize::new(0);
            let request = TokenRequest::new(["a"]);
            for _ in 0..20 {
                cache
                    .get_or_fetch(&request, || {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        async {
                            Ok(AccessToken::new(
                                "t",
                                OffsetDateTime::now_utc() + Duration::from_secs(40),
                            ))
                        }
                    })
                    .await
                    .unwrap();
            }
            assert_eq!(fetches.load(Ordering::SeqCst), 1);
        }
    }

    #[tokio::test]
    async fn short_tokens_are_reused_until_halfway() {
        let cache = TokenCache::new();
        let fetches = AtomicUsize::new(0);
        let request = TokenRequest::new(["a"]);
        for _ in 0..3 {
            cache
                .get_or_fetch(&request, || {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    async {
                        Ok(AccessToken::new(
                            "t",
                            OffsetDateTime::now_utc() + Duration::from_secs(300),
                        ))
                    }
                })
                .await
                .unwrap();
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }
}
