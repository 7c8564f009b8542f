//! A secret cache for applications that read secrets on their hot path: Key Vault throttles
//! per vault (a few thousand operations per 10 s), so reading a secret per request does not
//! scale. Values are served from memory for a time-to-live, then refreshed in the background
//! while the previous value is still served; a failed refresh keeps the good value until it is
//! older than the allowed staleness.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use keyvault::secrets::models::SecretBundle;
use keyvault::secrets::SecretClient;
use keyvault_runtime::Result;

/// How long values live and how many are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecretCacheOptions {
    /// How long a value is served without asking the vault (5 min). After it, the next read
    /// still gets the cached value at once and starts one background refresh.
    pub ttl: Duration,
    /// How old a value may get while refreshes fail (1 h): past it, a read waits for the
    /// vault and returns its error.
    pub max_staleness: Duration,
    /// The most secrets kept (1000); the least recently read goes first.
    pub max_entries: usize,
}

impl Default for SecretCacheOptions {
    fn default() -> Self {
        SecretCacheOptions {
            ttl: Duration::from_secs(300),
            max_staleness: Duration::from_secs(3600),
            max_entries: 1000,
        }
    }
}

impl SecretCacheOptions {
    /// The same options with another time-to-live.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The same options with another staleness bound.
    pub fn with_max_staleness(mut self, max_staleness: Duration) -> Self {
        self.max_staleness = max_staleness;
        self
    }

    /// The same options with another size bound.
    pub fn with_max_entries(mut self, max_entries: usize) -> Self {
        self.max_entries = max_entries.max(1);
        self
    }
}

/// A name, and a version when pinned.
type Key = (String, Option<String>);

struct Entry {
    value: Arc<SecretBundle>,
    fetched_at: Instant,
    last_read: Instant,
    refreshing: bool,
}

struct Inner {
    client: SecretClient,
    options: SecretCacheOptions,
    entries: Mutex<HashMap<Key, Entry>>,
    /// One fetch per key at a time: concurrent misses wait for the first and read its result.
    fetching: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
}

/// Caches secrets read through a [`SecretClient`]; cheap to clone (clones share the cache).
///
/// ```no_run
/// use keyvault_sdk::secret_cache::{SecretCache, SecretCacheOptions};
/// # async fn demo(client: keyvault_sdk::secrets::SecretClient) -> keyvault_sdk::Result<()> {
/// let cache = SecretCache::new(client, SecretCacheOptions::default());
/// let password = cache.get("db-password").await?; // from the vault once, then from memory
/// let pinned = cache.get_version("db-password", "0123456789abcdef").await?;
/// # let _ = (password, pinned); Ok(()) }
/// ```
///
/// Needs a tokio runtime (background refreshes are tokio tasks).
#[derive(Clone)]
pub struct SecretCache {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SecretCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretCache")
            .field("options", &self.inner.options)
            .field("entries", &self.inner.lock_entries().len())
            .finish_non_exhaustive()
    }
}

impl Inner {
    fn lock_entries(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn fetch(&self, key: &Key) -> Result<Arc<SecretBundle>> {
        let request = self.client.get_secret(key.0.clone());
        let bundle = match &key.1 {
            Some(version) => request.secret_version(version.clone()).await?,
            None => request.await?,
        };
        Ok(Arc::new(bundle))
    }

    fn store(&self, key: Key, value: Arc<SecretBundle>) {
        let now = Instant::now();
        let mut entries = self.lock_entries();
        entries.insert(
            key,
            Entry {
                value,
                fetched_at: now,
                last_read: now,
                refreshing: false,
            },
        );
        while entries.len() > self.options.max_entries {
            let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, entry)| entry.last_read)
                .map(|(key, _)| key.clone())
            else {
                break;
            };
            entries.remove(&oldest);
        }
    }
}

/// What the map says about a key at a read.
enum Found {
    Fresh(Arc<SecretBundle>),
    /// Past its TTL but within the staleness bound: served, and refreshed if `start` is set.
    Stale {
        value: Arc<SecretBundle>,
        start_refresh: bool,
    },
    Missing,
}

impl SecretCache {
    /// A cache reading through `client`.
    pub fn new(client: SecretClient, options: SecretCacheOptions) -> Self {
        SecretCache {
            inner: Arc::new(Inner {
                client,
                options,
                entries: Mutex::new(HashMap::new()),
                fetching: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The latest version of a secret.
    pub async fn get(&self, name: &str) -> Result<Arc<SecretBundle>> {
        self.read((name.to_owned(), None)).await
    }

    /// One version of a secret. A version's value never changes, so it is never refreshed;
    /// it stays until the size bound evicts it.
    pub async fn get_version(&self, name: &str, version: &str) -> Result<Arc<SecretBundle>> {
        self.read((name.to_owned(), Some(version.to_owned()))).await
    }

    /// Forgets a secret (every cached version of it), e.g. after rotating it.
    pub fn invalidate(&self, name: &str) {
        self.inner.lock_entries().retain(|(n, _), _| n != name);
    }

    fn look_up(&self, key: &Key) -> Found {
        let options = &self.inner.options;
        let mut entries = self.inner.lock_entries();
        let Some(entry) = entries.get_mut(key) else {
            return Found::Missing;
        };
        entry.last_read = Instant::now();
        let age = entry.fetched_at.elapsed();
        if key.1.is_some() || age < options.ttl {
            return Found::Fresh(entry.value.clone());
        }
        if age >= options.max_staleness {
            return Found::Missing;
        }
        let start_refresh = !entry.refreshing;
        entry.refreshing = true;
        Found::Stale {
            value: entry.value.clone(),
            start_refresh,
        }
    }

    async fn read(&self, key: Key) -> Result<Arc<SecretBundle>> {
        match self.look_up(&key) {
            Found::Fresh(value) => Ok(value),
            Found::Stale {
                value,
                start_refresh,
            } => {
                if start_refresh {
                    self.refresh_in_background(key);
                }
                Ok(value)
            }
            Found::Missing => self.fetch_once(key).await,
        }
    }

    /// One refresh task per key; on failure the old value stays (until `max_staleness`) and
    /// the next read past the TTL tries again.
    fn refresh_in_background(&self, key: Key) {
        let inner = self.inner.clone();
        tokio::spawn(async move {
            match inner.fetch(&key).await {
                Ok(value) => inner.store(key, value),
                Err(error) => {
                    tracing::warn!(secret = key.0.as_str(), error = %format_args!("{error:#}"), "secret cache: refresh failed; serving the cached value");
                    if let Some(entry) = inner.lock_entries().get_mut(&key) {
                        entry.refreshing = false;
                    }
                }
            }
        });
    }

    /// A miss: the first caller fetches, concurrent ones wait and read what it stored.
    async fn fetch_once(&self, key: Key) -> Result<Arc<SecretBundle>> {
        let gate = self
            .inner
            .fetching
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key.clone())
            .or_default()
            .clone();
        let _turn = gate.lock().await;
        if let Found::Fresh(value) = self.look_up(&key) {
            return Ok(value);
        }
        let result = self.inner.fetch(&key).await;
        if let Ok(value) = &result {
            self.inner.store(key.clone(), value.clone());
        }
        self.inner
            .fetching
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&key);
        result
    }
}
