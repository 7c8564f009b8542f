//! Secrets: versions, attributes, tags, soft delete, recover, purge, backup and restore.

use hyper::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::{bad_parameter, check_name, not_found, ok, Req, Resp};
use crate::objects::{self, ObjectKind};
use crate::server::Settings;
use crate::store::{Attributes, State};

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

/// Secrets as an object kind.
pub(crate) struct Secrets;

impl ObjectKind for Secrets {
    type Version = SecretVersion;
    const KIND: &'static str = KIND;
    const COLLECTION: &'static str = "secrets";
    const DELETED: &'static str = "deletedsecrets";

    fn collection(vault: &mut crate::store::Vault) -> &mut crate::store::Collection<SecretVersion> {
        &mut vault.secrets
    }

    fn bundle(req: &Req, name: &str, version: &str, v: &SecretVersion, full: bool) -> Value {
        let mut out = json!({
            "id": format!("{}/secrets/{name}/{version}", req.base),
            "attributes": v.attributes.to_json(),
        });
        if full {
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
}

/// Serves the secret routes; `None` when the path is not one of them.
pub(crate) fn handle(state: &State, settings: &Settings, req: &Req) -> Option<Resp> {
    let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let result = match (&req.method, segments.as_slice()) {
        (&Method::GET, ["secrets"]) => objects::list::<Secrets>(state, req),
        (&Method::POST, ["secrets", "restore"]) => objects::restore::<Secrets>(state, req),
        (&Method::PUT, ["secrets", name]) => set(state, req, name),
        (&Method::GET, ["secrets", name, "versions"]) => {
            objects::versions::<Secrets>(state, req, name)
        }
        (&Method::POST, ["secrets", name, "backup"]) => {
            objects::backup::<Secrets>(state, req, name)
        }
        (&Method::GET, ["secrets", name]) => get(state, req, name, ""),
        (&Method::GET, ["secrets", name, version]) => get(state, req, name, version),
        (&Method::PATCH, ["secrets", name]) => update(state, req, name, ""),
        (&Method::PATCH, ["secrets", name, version]) => update(state, req, name, version),
        (&Method::DELETE, ["secrets", name]) => {
            objects::delete::<Secrets>(state, settings, req, name)
        }
        (&Method::GET, ["deletedsecrets"]) => objects::list_deleted::<Secrets>(state, req),
        (&Method::GET, ["deletedsecrets", name]) => {
            objects::get_deleted::<Secrets>(state, req, name)
        }
        (&Method::DELETE, ["deletedsecrets", name]) => objects::purge::<Secrets>(state, req, name),
        (&Method::POST, ["deletedsecrets", name, "recover"]) => {
            objects::recover::<Secrets>(state, req, name)
        }
        _ => return None,
    };
    Some(result.unwrap_or_else(|e| e))
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
    objects::with::<Secrets, _>(state, req, |secrets| {
        let id = secrets
            .add_version(name, version.clone())
            .map_err(|c| c.response("Secret", name))?;
        let display = secrets
            .get(name)
            .map(|e| e.0.clone())
            .unwrap_or_else(|| name.to_owned());
        Ok(ok(Secrets::bundle(req, &display, &id, &version, true)))
    })
}

fn get(state: &State, req: &Req, name: &str, version: &str) -> Result<Resp, Resp> {
    objects::with::<Secrets, _>(state, req, |secrets| {
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
        Ok(ok(Secrets::bundle(req, display, id, v, true)))
    })
}

fn update(state: &State, req: &Req, name: &str, version: &str) -> Result<Resp, Resp> {
    let p: UpdateParameters = req.json()?;
    objects::with::<Secrets, _>(state, req, |secrets| {
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
        Ok(ok(Secrets::bundle(req, &display, id, v, false)))
    })
}

/// The secret a certificate version owns (certificate and key as PEM, for its `sid`).
pub(crate) fn add_certificate_secret(
    vault: &mut crate::store::Vault,
    name: &str,
    value: String,
    content_type: &str,
    tags: Option<Value>,
) -> Result<String, crate::store::Conflict> {
    let version = SecretVersion {
        value,
        content_type: Some(content_type.to_owned()),
        tags,
        attributes: Attributes::new(None),
    };
    vault.secrets.add_version(name, version)
}
