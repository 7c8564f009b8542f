//! The secret cache against a real loopback vault that counts what it is asked: one fetch for
//! a burst of cold reads, none within the TTL, one background refresh after it (the old value
//! served meanwhile), a good value kept through failing refreshes up to the staleness bound,
//! pinned versions never refreshed, and the size bound.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use e2e_tests::{LoopbackServer, Reply, Seen};
use keyvault::secrets::SecretClient;
use keyvault_runtime::{ClientOptions, RetryOptions};
use keyvault_sdk::secret_cache::{SecretCache, SecretCacheOptions};

struct Vault {
    server: LoopbackServer,
    generation: Arc<AtomicUsize>,
    failing: Arc<AtomicBool>,
}

/// Answers `GET /secrets/{name}[/{version}]` with a value naming the name, the version asked
/// for (or the current generation) ; 503 while `failing`.
async fn vault() -> Vault {
    let generation = Arc::new(AtomicUsize::new(1));
    let failing = Arc::new(AtomicBool::new(false));
    let (g, f) = (generation.clone(), failing.clone());
    let server = LoopbackServer::start_with(move |seen: &Seen| {
        if f.load(Ordering::SeqCst) {
            return Reply::json(503, r#"{"error":{"code":"Unavailable","message":"down"}}"#);
        }
        let parts: Vec<&str> = seen.path().trim_start_matches('/').split('/').collect();
        let name = parts.get(1).copied().unwrap_or("");
        let version = match parts.get(2).copied().filter(|v| !v.is_empty()) {
            Some(v) => v.to_owned(),
            None => format!("g{}", g.load(Ordering::SeqCst)),
        };
        Reply::json(
            200,
            &format!(r#"{{"value":"{name}@{version}","id":"https://v/secrets/{name}/{version}"}}"#),
        )
    })
    .await;
    Vault {
        server,
        generation,
        failing,
    }
}

fn cache(vault: &Vault, options: SecretCacheOptions) -> SecretCache {
    let client = SecretClient::new(
        &vault.server.url(),
        ClientOptions::default().with_retry(RetryOptions::default().with_max_retries(0)),
    )
    .unwrap();
    SecretCache::new(client, options)
}

fn value(bundle: &keyvault::secrets::models::SecretBundle) -> String {
    bundle.value.as_ref().unwrap().expose().clone()
}

#[tokio::test]
async fn a_cold_burst_fetches_once_and_the_ttl_serves_from_memory() {
    let vault = vault().await;
    let cache = cache(&vault, SecretCacheOptions::default());
    let mut reads = Vec::new();
    for _ in 0..100 {
        let cache = cache.clone();
        reads.push(tokio::spawn(async move { cache.get("db").await }));
    }
    for read in reads {
        assert_eq!(value(&read.await.unwrap().unwrap()), "db@g1");
    }
    for _ in 0..10 {
        cache.get("db").await.unwrap();
    }
    assert_eq!(vault.server.seen().len(), 1);
}

#[tokio::test]
async fn after_the_ttl_the_old_value_is_served_while_one_refresh_runs() {
    let vault = vault().await;
    let options = SecretCacheOptions::default().with_ttl(Duration::from_millis(100));
    let cache = cache(&vault, options);
    assert_eq!(value(&cache.get("db").await.unwrap()), "db@g1");
    vault.generation.store(2, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(150)).await;
    // Past the TTL: every read gets the old value at once; one refresh is started.
    for _ in 0..20 {
        assert_eq!(value(&cache.get("db").await.unwrap()), "db@g1");
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(value(&cache.get("db").await.unwrap()), "db@g2");
    assert_eq!(vault.server.seen().len(), 2, "one fetch, one refresh");
}

#[tokio::test]
async fn failed_refreshes_keep_the_good_value_until_it_is_too_stale() {
    let vault = vault().await;
    let options = SecretCacheOptions::default()
        .with_ttl(Duration::from_millis(50))
        .with_max_staleness(Duration::from_millis(400));
    let cache = cache(&vault, options);
    cache.get("db").await.unwrap();
    vault.failing.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    for _ in 0..3 {
        assert_eq!(value(&cache.get("db").await.unwrap()), "db@g1");
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let err = cache.get("db").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err}");
    vault.failing.store(false, Ordering::SeqCst);
    assert_eq!(value(&cache.get("db").await.unwrap()), "db@g1");
}

#[tokio::test]
async fn pinned_versions_are_not_refreshed_and_the_size_is_bounded() {
    let vault = vault().await;
    let options = SecretCacheOptions::default()
        .with_ttl(Duration::from_millis(10))
        .with_max_entries(2);
    let cache = cache(&vault, options);
    assert_eq!(
        value(&cache.get_version("db", "v7").await.unwrap()),
        "db@v7"
    );
    tokio::time::sleep(Duration::from_millis(30)).await;
    cache.get_version("db", "v7").await.unwrap();
    assert_eq!(
        vault.server.seen().len(),
        1,
        "a version's value never changes"
    );
    assert_eq!(vault.server.seen()[0].path(), "/secrets/db/v7");

    cache.get_version("a", "1").await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    cache.get_version("db", "v7").await.unwrap(); // read: now the most recent
    cache.get_version("b", "1").await.unwrap(); // evicts `a`, the least recently read
    let before = vault.server.seen().len();
    cache.get_version("db", "v7").await.unwrap();
    assert_eq!(vault.server.seen().len(), before, "kept");
    cache.get_version("a", "1").await.unwrap();
    assert_eq!(
        vault.server.seen().len(),
        before + 1,
        "evicted, fetched again"
    );

    cache.invalidate("db");
    cache.get_version("db", "v7").await.unwrap();
    assert_eq!(vault.server.seen().len(), before + 2, "invalidated");
}
