//! Secrets: versions, attributes, tags, soft delete, recover, purge, backup and restore.

use base64::Engine;
use hyper::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::{bad_parameter, check_name, empty, not_found, ok, page, Req, Resp};
use crate::server::Settings;
use crate::store::{Attributes, Item, State};

const KIND: &str = "secret";

/// One version of a secret.
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub(crate) struct SecretVersion {
    value: String,
    content_type: Option<String>,
    tags: Option<Value>,
    attributes: Attributes,
}

#[derive(Deserialize)]
struct SetParameters {
    value: Option<String>,
    #[serde(rename = "contentType")]
    content_type: Option<String>,
    tags: Option<Value>,
    attributes: Option<Value>,
}

#[derive(Deserialize)]
struct UpdateParameters {
    #[serde(rename = "contentType")]
    content_type: Option<String>,
    tags: Option<Value>,
    attributes: Option<Value>,
}

fn bundle(req: &Req, name: &str, version: &str, v: &SecretVersion, with_value: bool) -> Value {
    let mut out = json!({
        "id": format!("{}/secrets/{name}/{version}", req.base),
        "attributes": v.attributes.to_json(),
    });
    if with_value {
        out["value"] = v.value.clone().into();
    }
    if let Some(ct) = &v.content_type {
        out["contentType"] = ct.clone().into();
    }
    if let Some(tags) = &v.tags {
        out["tags"] = tags.clone();
    }
    out
}

fn item_json(req: &Req, name: &str, version: Option<&str>, v: &SecretVersion) -> Value {
    let mut out = bundle(req, name, version.unwrap_or(""), v, false);
    if version.is_none() {
        out["id"] = format!("{}/secrets/{name}", req.base).into();
    }
    out
}

fn deleted_json(
    req: &Req,
    name: &str,
    deleted: &crate::store::Deleted<SecretVersion>,
    list: bool,
) -> Option<Value> {
    let (version, v) = deleted.item.current()?;
    let mut out = if list {
        item_json(req, name, None, v)
    } else {
        bundle(req, name, version, v, false)
    };
    let (deleted_date, purge_date) = deleted.dates();
    out["recoveryId"] = format!("{}/deletedsecrets/{name}", req.base).into();
    out["deletedDate"] = deleted_date.into();
    out["scheduledPurgeDate"] = purge_date.into();
    Some(out)
}

/// Serves the secret routes; `None` when the path is not one of them.
pub(crate) fn handle(state: &State, settings: &Settings, req: &Req) -> Option<Resp> {
    let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let result = match (&req.method, segments.as_slice()) {
        (&Method::GET, ["secrets"]) => list(state, req),
        (&Method::POST, ["secrets", "restore"]) => restore(state, req),
        (&Method::PUT, ["secrets", name]) => set(state, req, name),
        (&Method::GET, ["secrets", name, "versions"]) => versions(state, req, name),
        (&Method::POST, ["secrets", name, "backup"]) => backup(state, req, name),
        (&Method::GET, ["secrets", name]) => get(state, req, name, ""),
        (&Method::GET, ["secrets", name, version]) => get(state, req, name, version),
        (&Method::PATCH, ["secrets", name]) => update(state, req, name, ""),
        (&Method::PATCH, ["secrets", name, version]) => update(state, req, name, version),
        (&Method::DELETE, ["secrets", name]) => delete(state, settings, req, name),
        (&Method::GET, ["deletedsecrets"]) => list_deleted(state, req),
        (&Method::GET, ["deletedsecrets", name]) => get_deleted(state, req, name),
        (&Method::DELETE, ["deletedsecrets", name]) => purge(state, req, name),
        (&Method::POST, ["deletedsecrets", name, "recover"]) => recover(state, req, name),
        _ => return None,
    };
    Some(result.unwrap_or_else(|e| e))
}

fn with_vault<T>(
    state: &State,
    req: &Req,
    f: impl FnOnce(&mut crate::store::Collection<SecretVersion>) -> T,
) -> T {
    let mut vaults = state
        .vaults
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    f(&mut vaults.entry(req.vault.clone()).or_default().secrets)
}

fn set(state: &State, req: &Req, name: &str) -> Result<Resp, Resp> {
    check_name(KIND, name)?;
    let p: SetParameters = req.json()?;
    let value = p
        .value
        .ok_or_else(|| bad_parameter("The secret value is required."))?;
    if value.len() > 25 * 1024 {
        return Err(bad_parameter("The secret value is larger than 25 KB."));
    }
    let version = SecretVersion {
        value,
        content_type: p.content_type,
        tags: p.tags,
        attributes: Attributes::new(p.attributes.as_ref()),
    };
    with_vault(state, req, |secrets| {
        let id = secrets
            .add_version(name, version.clone())
            .map_err(|c| c.response("Secret", name))?;
        let display = secrets
            .get(name)
            .map(|e| e.0.clone())
            .unwrap_or_else(|| name.to_owned());
        Ok(ok(bundle(req, &display, &id, &version, true)))
    })
}

fn get(state: &State, req: &Req, name: &str, version: &str) -> Result<Resp, Resp> {
    with_vault(state, req, |secrets| {
        let (display, item) = secrets.get(name).ok_or_else(|| not_found(KIND, name))?;
        let (id, v) = item
            .version(version)
            .ok_or_else(|| not_found(KIND, &format!("{name}/{version}")))?;
        if !v.attributes.enabled {
            return Err(crate::http::error(
                StatusCode::FORBIDDEN,
                "Forbidden",
                &format!("Operation get is not allowed on a disabled secret ({display})."),
            ));
        }
        Ok(ok(bundle(req, display, id, v, true)))
    })
}

fn update(state: &State, req: &Req, name: &str, version: &str) -> Result<Resp, Resp> {
    let p: UpdateParameters = req.json()?;
    with_vault(state, req, |secrets| {
        let (display, item) = secrets.get_mut(name).ok_or_else(|| not_found(KIND, name))?;
        let display = display.clone();
        let (id, v) = item
            .version_mut(version)
            .ok_or_else(|| not_found(KIND, &format!("{name}/{version}")))?;
        if let Some(ct) = p.content_type {
            v.content_type = Some(ct);
        }
        if let Some(tags) = p.tags {
            v.tags = Some(tags);
        }
        match &p.attributes {
            Some(attributes) => v.attributes.update(attributes),
            None => v.attributes.updated = crate::store::now(),
        }
        Ok(ok(bundle(req, &display, id, v, false)))
    })
}

fn list(state: &State, req: &Req) -> Result<Resp, Resp> {
    let items = with_vault(state, req, |secrets| {
        secrets
            .live
            .values()
            .filter_map(|(display, item)| {
                item.current()
                    .map(|(_, v)| item_json(req, display, None, v))
            })
            .collect()
    });
    page(req, "secrets", items)
}

fn versions(state: &State, req: &Req, name: &str) -> Result<Resp, Resp> {
    let items = with_vault(state, req, |secrets| {
        let (display, item) = secrets.get(name).ok_or_else(|| not_found(KIND, name))?;
        Ok(item
            .versions
            .iter()
            .map(|(id, v)| item_json(req, display, Some(id), v))
            .collect())
    })?;
    page(req, &format!("secrets/{name}/versions"), items)
}

fn delete(state: &State, settings: &Settings, req: &Req, name: &str) -> Result<Resp, Resp> {
    with_vault(state, req, |secrets| {
        let (display, deleted) = secrets
            .delete(name, settings.delete_delay)
            .ok_or_else(|| not_found(KIND, name))?;
        deleted_json(req, &display, &deleted, false)
            .map(ok)
            .ok_or_else(|| not_found(KIND, name))
    })
}

fn get_deleted(state: &State, req: &Req, name: &str) -> Result<Resp, Resp> {
    with_vault(state, req, |secrets| match secrets.get_deleted(name) {
        Ok(Some((display, deleted))) => deleted_json(req, display, deleted, false)
            .map(ok)
            .ok_or_else(|| not_found(KIND, name)),
        // While the deletion runs the deleted secret is not readable yet.
        Ok(None) | Err(_) => Err(not_found(KIND, name)),
    })
}

fn list_deleted(state: &State, req: &Req) -> Result<Resp, Resp> {
    let items = with_vault(state, req, |secrets| {
        secrets
            .deleted
            .values()
            .filter(|(_, d)| d.settled())
            .filter_map(|(display, d)| deleted_json(req, display, d, true))
            .collect()
    });
    page(req, "deletedsecrets", items)
}

fn purge(state: &State, req: &Req, name: &str) -> Result<Resp, Resp> {
    with_vault(state, req, |secrets| match secrets.purge(name) {
        Ok(true) => Ok(empty(StatusCode::NO_CONTENT)),
        Ok(false) => Err(not_found(KIND, name)),
        Err(conflict) => Err(conflict.response("Secret", name)),
    })
}

fn recover(state: &State, req: &Req, name: &str) -> Result<Resp, Resp> {
    with_vault(state, req, |secrets| match secrets.recover(name) {
        Ok(Some((display, item))) => {
            let (id, v) = item.current().ok_or_else(|| not_found(KIND, name))?;
            Ok(ok(bundle(req, &display, id, v, false)))
        }
        Ok(None) => Err(not_found(KIND, name)),
        Err(conflict) => Err(conflict.response("Secret", name)),
    })
}

/// A backup blob: the emulator's own opaque format (a prefix and the versions as JSON).
const BACKUP_PREFIX: &[u8] = b"KVEMU-SECRET-BACKUP-1:";

#[derive(serde::Serialize, Deserialize)]
struct Backup {
    name: String,
    versions: Vec<(String, SecretVersion)>,
}

fn backup(state: &State, req: &Req, name: &str) -> Result<Resp, Resp> {
    with_vault(state, req, |secrets| {
        let (display, item) = secrets.get(name).ok_or_else(|| not_found(KIND, name))?;
        let backup = Backup {
            name: display.clone(),
            versions: item.versions.clone(),
        };
        let mut blob = BACKUP_PREFIX.to_vec();
        blob.extend(serde_json::to_vec(&backup).unwrap_or_default());
        Ok(ok(
            json!({"value": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(blob)}),
        ))
    })
}

fn restore(state: &State, req: &Req) -> Result<Resp, Resp> {
    #[derive(Deserialize)]
    struct RestoreParameters {
        value: String,
    }
    let p: RestoreParameters = req.json()?;
    let blob = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(p.value.trim_end_matches('='))
        .map_err(|_| bad_parameter("The backup blob is not base64url."))?;
    let backup: Backup = blob
        .strip_prefix(BACKUP_PREFIX)
        .and_then(|json| serde_json::from_slice(json).ok())
        .ok_or_else(|| bad_parameter("The backup blob is corrupt or not a secret backup."))?;
    let item = Item {
        versions: backup.versions,
    };
    with_vault(state, req, |secrets| {
        secrets
            .restore(&backup.name, item.clone())
            .map_err(|c| c.response("Secret", &backup.name))?;
        let (id, v) = item
            .current()
            .ok_or_else(|| bad_parameter("The backup has no versions."))?;
        Ok(ok(bundle(req, &backup.name, id, v, false)))
    })
}
