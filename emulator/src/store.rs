//! The in-memory state: vaults by name, each holding versioned items and their soft-deleted
//! counterparts.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long soft-deleted items are kept before a scheduled purge (the service's default).
pub(crate) const RETENTION_DAYS: i64 = 90;

/// Everything the emulator holds.
#[derive(Default)]
pub(crate) struct State {
    pub(crate) vaults: Mutex<HashMap<String, Vault>>,
    /// Tokens the emulator's token endpoint issued (checked with `--strict-auth`).
    pub(crate) tokens: Mutex<HashSet<String>>,
    /// The management plane's resources.
    pub(crate) arm: Mutex<crate::management::Arm>,
    /// Administration: role-based access, settings, backup jobs.
    pub(crate) admin: Mutex<crate::admin::Admin>,
    /// How far the emulator's clock is ahead of real time (`/_emulator/clock`).
    pub(crate) clock_offset: Mutex<Duration>,
    /// Injected faults and latency (`/_emulator/faults`).
    pub(crate) faults: Mutex<crate::faults::Faults>,
    /// Starts a listener for a vault (on its own port); set by the server.
    pub(crate) vault_listeners: Mutex<Option<VaultListenerFactory>>,
    /// Where the state is persisted (`--state`), if anywhere.
    pub(crate) state_file: Option<crate::persist::StateFile>,
    /// Dropped with the state: open connections watch it and close, so a client's pooled
    /// connection to a stopped emulator (in the same process) fails over to a new one
    /// instead of being answered 503 by what is left of it.
    pub(crate) stopped: tokio::sync::watch::Sender<()>,
}

/// Starts a listener serving one vault, on the port given when it is free (0: any); returns
/// its port and task.
pub(crate) type VaultListenerFactory =
    Box<dyn Fn(&str, u16) -> std::io::Result<(u16, tokio::task::JoinHandle<()>)> + Send + Sync>;

impl State {
    /// Runs `f` on a vault's data (empty on first use), holding the lock over every vault.
    pub(crate) fn with_vault<T>(&self, vault: &str, f: impl FnOnce(&mut Vault) -> T) -> T {
        let mut vaults = self
            .vaults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let vault = vaults.entry(vault.to_owned()).or_default();
        // What time does on its own happens when the vault is next looked at: deleted objects
        // past their scheduled purge date go, rotation policies that are due rotate.
        let now = now();
        vault.secrets.purge_due(now);
        vault.keys.purge_due(now);
        vault.certificates.purge_due(now);
        crate::keys::run_rotation_policies(vault, now);
        crate::certificates::run_lifetime_actions(vault, now);
        f(vault)
    }

    /// A listener for `vault` (see [`VaultListenerFactory`]).
    pub(crate) fn start_vault_listener(
        &self,
        vault: &str,
        port: u16,
    ) -> std::io::Result<(u16, tokio::task::JoinHandle<()>)> {
        match &*self
            .vault_listeners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        {
            Some(factory) => factory(vault, port),
            None => Err(std::io::Error::other("the server is not running")),
        }
    }

    /// Stops every vault's own listener.
    pub(crate) fn stop_vault_listeners(&self) {
        self.arm
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .stop_listeners();
        self.vault_listeners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
    }
}

/// One vault's objects.
#[derive(Default, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Vault {
    pub(crate) secrets: Collection<crate::secrets::SecretVersion>,
    pub(crate) keys: Collection<crate::keys::KeyVersion>,
    /// Rotation policies by lower-cased key name.
    pub(crate) rotation_policies: HashMap<String, serde_json::Value>,
    pub(crate) certificates: Collection<crate::certificates::CertVersion>,
    /// Certificate creations in progress, by lower-cased name.
    pub(crate) pending: HashMap<String, crate::certificates::Pending>,
    /// Certificate issuers, by lower-cased name.
    pub(crate) issuers: BTreeMap<String, serde_json::Value>,
    /// Certificate contacts.
    pub(crate) contacts: Option<serde_json::Value>,
    /// The external key manager connection and client certificate (Managed HSM).
    pub(crate) ekm: crate::ekm::Ekm,
}

/// Common attributes of every object version.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Attributes {
    pub(crate) enabled: bool,
    pub(crate) not_before: Option<i64>,
    pub(crate) expires: Option<i64>,
    pub(crate) created: i64,
    pub(crate) updated: i64,
}

impl Attributes {
    /// Fresh attributes, optionally from a request's `attributes` object.
    pub(crate) fn new(from: Option<&serde_json::Value>) -> Self {
        let now = now();
        let mut attributes = Attributes {
            enabled: true,
            not_before: None,
            expires: None,
            created: now,
            updated: now,
        };
        if let Some(from) = from {
            attributes.update(from);
        }
        attributes
    }

    /// Applies a request's `attributes` object.
    pub(crate) fn update(&mut self, from: &serde_json::Value) {
        if let Some(enabled) = from.get("enabled").and_then(serde_json::Value::as_bool) {
            self.enabled = enabled;
        }
        if let Some(nbf) = from.get("nbf").and_then(serde_json::Value::as_i64) {
            self.not_before = Some(nbf);
        }
        if let Some(exp) = from.get("exp").and_then(serde_json::Value::as_i64) {
            self.expires = Some(exp);
        }
        self.updated = now();
    }

    /// As JSON, with the vault's recovery settings.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        let mut value = serde_json::json!({
            "enabled": self.enabled,
            "created": self.created,
            "updated": self.updated,
            "recoveryLevel": "Recoverable+Purgeable",
            "recoverableDays": RETENTION_DAYS,
        });
        if let Some(nbf) = self.not_before {
            value["nbf"] = nbf.into();
        }
        if let Some(exp) = self.expires {
            value["exp"] = exp.into();
        }
        value
    }
}

/// Seconds since the epoch, by the emulator's clock.
pub(crate) fn now() -> i64 {
    crate::clock::unix_now()
}

/// Now, as RFC 3339 text (management-plane dates), by the emulator's clock.
pub(crate) fn now_rfc3339() -> String {
    crate::clock::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A new object version id: 32 hex digits.
pub(crate) fn new_version() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::with_capacity(32);
    for _ in 0..2 {
        let mut h = RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

/// An object: its versions, oldest first (the last is current).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Item<V> {
    pub(crate) versions: Vec<(String, V)>,
}

impl<V> Item<V> {
    /// The current version.
    pub(crate) fn current(&self) -> Option<&(String, V)> {
        self.versions.last()
    }

    /// A version by id; empty means current.
    pub(crate) fn version(&self, version: &str) -> Option<&(String, V)> {
        if version.is_empty() {
            self.current()
        } else {
            self.versions
                .iter()
                .find(|(v, _)| v.eq_ignore_ascii_case(version))
        }
    }

    /// A version by id, mutable; empty means current.
    pub(crate) fn version_mut(&mut self, version: &str) -> Option<&mut (String, V)> {
        if version.is_empty() {
            self.versions.last_mut()
        } else {
            self.versions
                .iter_mut()
                .find(|(v, _)| v.eq_ignore_ascii_case(version))
        }
    }
}

/// A soft-deleted object.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Deleted<V> {
    pub(crate) item: Item<V>,
    pub(crate) deleted_date: i64,
    /// Until then the deletion is in progress: the deleted object cannot be read, recovered or
    /// purged yet ("currently being deleted"), as on the service.
    #[serde(with = "crate::persist::deadline")]
    pub(crate) settled_at: Instant,
}

impl<V> Deleted<V> {
    /// Whether the deletion has finished.
    pub(crate) fn settled(&self) -> bool {
        crate::clock::instant() >= self.settled_at
    }

    /// `deletedDate` and `scheduledPurgeDate`.
    pub(crate) fn dates(&self) -> (i64, i64) {
        (
            self.deleted_date,
            self.deleted_date + RETENTION_DAYS * 24 * 3600,
        )
    }
}

/// Live and deleted objects of one kind, by lower-cased name (names are case-insensitive).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(bound(
    serialize = "V: serde::Serialize",
    deserialize = "V: serde::Deserialize<'de>"
))]
pub(crate) struct Collection<V> {
    pub(crate) live: BTreeMap<String, (String, Item<V>)>,
    pub(crate) deleted: BTreeMap<String, (String, Deleted<V>)>,
}

impl<V> Default for Collection<V> {
    fn default() -> Self {
        Collection {
            live: BTreeMap::new(),
            deleted: BTreeMap::new(),
        }
    }
}

impl<V: Clone> Collection<V> {
    /// Adds a version (creating the object); a soft-deleted object of that name is a conflict.
    pub(crate) fn add_version(&mut self, name: &str, version: V) -> Result<String, Conflict> {
        let key = name.to_ascii_lowercase();
        if self.deleted.contains_key(&key) {
            return Err(Conflict::DeletedButRecoverable);
        }
        let id = new_version();
        self.live
            .entry(key)
            .or_insert_with(|| {
                (
                    name.to_owned(),
                    Item {
                        versions: Vec::new(),
                    },
                )
            })
            .1
            .versions
            .push((id.clone(), version));
        Ok(id)
    }

    /// A live object.
    pub(crate) fn get(&self, name: &str) -> Option<&(String, Item<V>)> {
        self.live.get(&name.to_ascii_lowercase())
    }

    /// A live object, mutable.
    pub(crate) fn get_mut(&mut self, name: &str) -> Option<&mut (String, Item<V>)> {
        self.live.get_mut(&name.to_ascii_lowercase())
    }

    /// Soft-deletes an object; the deletion settles after `delay`.
    pub(crate) fn delete(&mut self, name: &str, delay: Duration) -> Option<(String, Deleted<V>)> {
        let key = name.to_ascii_lowercase();
        let (display, item) = self.live.remove(&key)?;
        let deleted = Deleted {
            item,
            deleted_date: now(),
            settled_at: crate::clock::instant() + delay,
        };
        self.deleted.insert(key, (display.clone(), deleted.clone()));
        Some((display, deleted))
    }

    /// Drops deleted objects whose scheduled purge date has passed, as the service does.
    pub(crate) fn purge_due(&mut self, now: i64) {
        self.deleted
            .retain(|_, (_, deleted)| deleted.dates().1 > now);
    }

    /// A settled deleted object; `Err(Conflict::BeingDeleted)` while the deletion runs.
    pub(crate) fn get_deleted(
        &self,
        name: &str,
    ) -> Result<Option<&(String, Deleted<V>)>, Conflict> {
        match self.deleted.get(&name.to_ascii_lowercase()) {
            Some(entry) if !entry.1.settled() => Err(Conflict::BeingDeleted),
            other => Ok(other),
        }
    }

    /// Recovers a deleted object (settled only).
    pub(crate) fn recover(&mut self, name: &str) -> Result<Option<(String, Item<V>)>, Conflict> {
        let key = name.to_ascii_lowercase();
        match self.deleted.get(&key) {
            None => return Ok(None),
            Some(entry) if !entry.1.settled() => return Err(Conflict::BeingDeleted),
            Some(_) => {}
        }
        let (display, deleted) = self.deleted.remove(&key).expect("checked above");
        self.live
            .insert(key, (display.clone(), deleted.item.clone()));
        Ok(Some((display, deleted.item)))
    }

    /// Purges a deleted object (settled only).
    pub(crate) fn purge(&mut self, name: &str) -> Result<bool, Conflict> {
        let key = name.to_ascii_lowercase();
        match self.deleted.get(&key) {
            None => Ok(false),
            Some(entry) if !entry.1.settled() => Err(Conflict::BeingDeleted),
            Some(_) => {
                self.deleted.remove(&key);
                Ok(true)
            }
        }
    }

    /// Restores a whole object from a backup; an existing live or deleted name is a conflict.
    pub(crate) fn restore(&mut self, name: &str, item: Item<V>) -> Result<(), Conflict> {
        let key = name.to_ascii_lowercase();
        if self.live.contains_key(&key) || self.deleted.contains_key(&key) {
            return Err(Conflict::Exists);
        }
        self.live.insert(key, (name.to_owned(), item));
        Ok(())
    }
}

/// Why a change is refused with 409.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Conflict {
    /// A soft-deleted object has the name.
    DeletedButRecoverable,
    /// The deletion has not finished yet.
    BeingDeleted,
    /// The name is taken.
    Exists,
}

impl Conflict {
    /// Key Vault's 409 for it.
    pub(crate) fn response(self, kind: &str, name: &str) -> crate::http::Resp {
        let message = match self {
            Conflict::DeletedButRecoverable => format!("{kind} {name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the {kind} can only be recovered or purged."),
            Conflict::BeingDeleted => format!("{kind} {name} is currently being deleted."),
            Conflict::Exists => format!("{kind} {name} already exists."),
        };
        crate::http::error(hyper::StatusCode::CONFLICT, "Conflict", &message)
    }
}
