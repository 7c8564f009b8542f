//! What every Key Vault object kind (secrets, keys, certificates) shares: lists and versions,
//! soft delete while "in progress", deleted views, recover, purge, backup and restore. Each
//! kind says how its versions look as JSON; the handlers here do the rest.

use base64::Engine;
use hyper::StatusCode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::http::{bad_parameter, empty, not_found, ok, page, Req, Resp};
use crate::server::Settings;
use crate::store::{Collection, Deleted, Item, State, Vault};

/// One kind of object.
pub(crate) trait ObjectKind {
    /// A version's state.
    type Version: Clone + Serialize + DeserializeOwned;
    /// `secret`, `key`, `certificate` (messages and error codes).
    const KIND: &'static str;
    /// The path collection: `secrets`, `keys`, `certificates`.
    const COLLECTION: &'static str;
    /// The deleted collection: `deletedsecrets`, ...
    const DELETED: &'static str;

    /// The vault's collection of this kind.
    fn collection(vault: &mut Vault) -> &mut Collection<Self::Version>;

    /// A version as returned by get/set (`full` includes secret material like a secret's
    /// value, which delete and list responses leave out).
    fn bundle(req: &Req, name: &str, version: &str, v: &Self::Version, full: bool) -> Value;

    /// A list item (`version` `None`: the object's id without a version).
    fn item(req: &Req, name: &str, version: Option<&str>, v: &Self::Version) -> Value {
        let mut out = Self::bundle(req, name, version.unwrap_or(""), v, false);
        if version.is_none() {
            out[Self::id_field()] = format!("{}/{}/{name}", req.base, Self::COLLECTION).into();
        }
        out
    }

    /// The field holding the object id (`id`; keys use `kid` inside `key`).
    fn id_field() -> &'static str {
        "id"
    }

    /// Display name for messages (`Secret`, `Key`, ...).
    fn title() -> String {
        let mut chars = Self::KIND.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    }
}

/// Runs `f` on the kind's collection of the request's vault.
pub(crate) fn with<K: ObjectKind, T>(
    state: &State,
    req: &Req,
    f: impl FnOnce(&mut Collection<K::Version>) -> T,
) -> T {
    state.with_vault(&req.vault, |vault| f(K::collection(vault)))
}

fn deleted_json<K: ObjectKind>(
    req: &Req,
    name: &str,
    deleted: &Deleted<K::Version>,
    list: bool,
) -> Option<Value> {
    let (version, v) = deleted.item.current()?;
    let mut out = if list {
        K::item(req, name, None, v)
    } else {
        K::bundle(req, name, version, v, false)
    };
    let (deleted_date, purge_date) = deleted.dates();
    out["recoveryId"] = format!("{}/{}/{name}", req.base, K::DELETED).into();
    out["deletedDate"] = deleted_date.into();
    out["scheduledPurgeDate"] = purge_date.into();
    Some(out)
}

/// `GET /{collection}`.
pub(crate) fn list<K: ObjectKind>(state: &State, req: &Req) -> Result<Resp, Resp> {
    let items = with::<K, _>(state, req, |c| {
        c.live
            .values()
            .filter_map(|(display, item)| {
                item.current().map(|(_, v)| K::item(req, display, None, v))
            })
            .collect()
    });
    page(req, K::COLLECTION, items)
}

/// `GET /{collection}/{name}/versions`.
pub(crate) fn versions<K: ObjectKind>(state: &State, req: &Req, name: &str) -> Result<Resp, Resp> {
    let items = with::<K, _>(state, req, |c| {
        let (display, item) = c.get(name).ok_or_else(|| not_found(K::KIND, name))?;
        Ok(item
            .versions
            .iter()
            .map(|(id, v)| K::item(req, display, Some(id), v))
            .collect())
    })?;
    page(req, &format!("{}/{name}/versions", K::COLLECTION), items)
}

/// `GET /{collection}/{name}/{version}` (empty version: the current one).
pub(crate) fn get<K: ObjectKind>(
    state: &State,
    req: &Req,
    name: &str,
    version: &str,
) -> Result<Resp, Resp> {
    with::<K, _>(state, req, |c| {
        let (display, item) = c.get(name).ok_or_else(|| not_found(K::KIND, name))?;
        let (id, v) = item
            .version(version)
            .ok_or_else(|| not_found(K::KIND, &format!("{name}/{version}")))?;
        Ok(ok(K::bundle(req, display, id, v, true)))
    })
}

/// `DELETE /{collection}/{name}`: soft delete, in progress for the configured delay.
pub(crate) fn delete<K: ObjectKind>(
    state: &State,
    settings: &Settings,
    req: &Req,
    name: &str,
) -> Result<Resp, Resp> {
    with::<K, _>(state, req, |c| {
        let (display, deleted) = c
            .delete(name, settings.delete_delay)
            .ok_or_else(|| not_found(K::KIND, name))?;
        deleted_json::<K>(req, &display, &deleted, false)
            .map(ok)
            .ok_or_else(|| not_found(K::KIND, name))
    })
}

/// `GET /{deleted}/{name}`: 404 while the deletion is in progress.
pub(crate) fn get_deleted<K: ObjectKind>(
    state: &State,
    req: &Req,
    name: &str,
) -> Result<Resp, Resp> {
    with::<K, _>(state, req, |c| match c.get_deleted(name) {
        Ok(Some((display, deleted))) => deleted_json::<K>(req, display, deleted, false)
            .map(ok)
            .ok_or_else(|| not_found(K::KIND, name)),
        Ok(None) | Err(_) => Err(not_found(K::KIND, name)),
    })
}

/// `GET /{deleted}`.
pub(crate) fn list_deleted<K: ObjectKind>(state: &State, req: &Req) -> Result<Resp, Resp> {
    let items = with::<K, _>(state, req, |c| {
        c.deleted
            .values()
            .filter(|(_, d)| d.settled())
            .filter_map(|(display, d)| deleted_json::<K>(req, display, d, true))
            .collect()
    });
    page(req, K::DELETED, items)
}

/// `DELETE /{deleted}/{name}`: 204, or 409 while the deletion runs.
pub(crate) fn purge<K: ObjectKind>(state: &State, req: &Req, name: &str) -> Result<Resp, Resp> {
    with::<K, _>(state, req, |c| match c.purge(name) {
        Ok(true) => Ok(empty(StatusCode::NO_CONTENT)),
        Ok(false) => Err(not_found(K::KIND, name)),
        Err(conflict) => Err(conflict.response(&K::title(), name)),
    })
}

/// `POST /{deleted}/{name}/recover`.
pub(crate) fn recover<K: ObjectKind>(state: &State, req: &Req, name: &str) -> Result<Resp, Resp> {
    with::<K, _>(state, req, |c| match c.recover(name) {
        Ok(Some((display, item))) => {
            let (id, v) = item.current().ok_or_else(|| not_found(K::KIND, name))?;
            Ok(ok(K::bundle(req, &display, id, v, false)))
        }
        Ok(None) => Err(not_found(K::KIND, name)),
        Err(conflict) => Err(conflict.response(&K::title(), name)),
    })
}

/// A backup blob: the emulator's own opaque format (a prefix naming the kind, then JSON).
#[derive(Serialize, Deserialize)]
struct Backup<V> {
    name: String,
    versions: Vec<(String, V)>,
}

fn backup_prefix<K: ObjectKind>() -> Vec<u8> {
    format!("KVEMU-{}-BACKUP-1:", K::KIND.to_ascii_uppercase()).into_bytes()
}

/// `POST /{collection}/{name}/backup`.
pub(crate) fn backup<K: ObjectKind>(state: &State, req: &Req, name: &str) -> Result<Resp, Resp> {
    with::<K, _>(state, req, |c| {
        let (display, item) = c.get(name).ok_or_else(|| not_found(K::KIND, name))?;
        let mut blob = backup_prefix::<K>();
        blob.extend(
            serde_json::to_vec(&Backup {
                name: display.clone(),
                versions: item.versions.clone(),
            })
            .unwrap_or_default(),
        );
        Ok(ok(
            json!({"value": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(blob)}),
        ))
    })
}

/// `POST /{collection}/restore`.
pub(crate) fn restore<K: ObjectKind>(state: &State, req: &Req) -> Result<Resp, Resp> {
    #[derive(Deserialize)]
    struct Parameters {
        value: String,
    }
    let p: Parameters = req.json()?;
    let blob = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(p.value.trim_end_matches('='))
        .map_err(|_| bad_parameter("The backup blob is not base64url."))?;
    let backup: Backup<K::Version> = blob
        .strip_prefix(backup_prefix::<K>().as_slice())
        .and_then(|json| serde_json::from_slice(json).ok())
        .ok_or_else(|| {
            bad_parameter(&format!(
                "The backup blob is corrupt or not a {} backup.",
                K::KIND
            ))
        })?;
    let item = Item {
        versions: backup.versions,
    };
    with::<K, _>(state, req, |c| {
        c.restore(&backup.name, item.clone())
            .map_err(|conflict| conflict.response(&K::title(), &backup.name))?;
        let (id, v) = item
            .current()
            .ok_or_else(|| bad_parameter("The backup has no versions."))?;
        Ok(ok(K::bundle(req, &backup.name, id, v, false)))
    })
}
