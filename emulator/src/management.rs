//! The management plane subset: vaults (create as a long-running operation, update, get, list,
//! delete with soft delete), access policies, name availability, and deleted vaults (get, list,
//! purge as a long-running operation). A vault's `vaultUri` points back at the emulator
//! (`{base}/vaults/{name}/`), and recovering a deleted vault (`createMode: recover`) brings
//! its objects back.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hyper::{Method, StatusCode};
use serde_json::{json, Value};

use crate::http::{bad_parameter, error, json as respond, ok, Req, Resp};
use crate::store::State;

/// How long provisioning takes (GETs say `Provisioning` until then).
const PROVISIONING_TIME: Duration = Duration::from_millis(200);

/// ARM state.
#[derive(Default, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Arm {
    /// Vaults by lower-cased name (vault names are global).
    vaults: BTreeMap<String, ArmVault>,
    /// Soft-deleted vaults by lower-cased name.
    deleted: BTreeMap<String, DeletedVault>,
    /// Purges in progress: operation id to when they finish.
    #[serde(with = "crate::persist::deadline_map")]
    purges: BTreeMap<String, Instant>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ArmVault {
    subscription: String,
    group: String,
    name: String,
    location: String,
    tags: Value,
    properties: Value,
    #[serde(with = "crate::persist::deadline")]
    ready_at: Instant,
    /// The vault's own data-plane URL (its own port on the emulator's address).
    uri: String,
    /// The listener serving that port.
    #[serde(skip)]
    listener: Option<tokio::task::JoinHandle<()>>,
}

/// A copy without the listener (which stays with the original).
impl Clone for ArmVault {
    fn clone(&self) -> Self {
        ArmVault {
            subscription: self.subscription.clone(),
            group: self.group.clone(),
            name: self.name.clone(),
            location: self.location.clone(),
            tags: self.tags.clone(),
            properties: self.properties.clone(),
            ready_at: self.ready_at,
            uri: self.uri.clone(),
            listener: None,
        }
    }
}

impl Arm {
    /// Moves over the listeners of `old`'s vaults that this state has too, at the same URI.
    pub(crate) fn take_listeners_from(&mut self, old: &mut Arm) {
        let mut serving: BTreeMap<String, (String, tokio::task::JoinHandle<()>)> = BTreeMap::new();
        let old_vaults = old
            .vaults
            .iter_mut()
            .chain(old.deleted.iter_mut().map(|(key, d)| (key, &mut d.vault)));
        for (key, vault) in old_vaults {
            if let Some(listener) = vault.listener.take() {
                serving.insert(key.clone(), (vault.uri.clone(), listener));
            }
        }
        let new_vaults = self
            .vaults
            .iter_mut()
            .chain(self.deleted.iter_mut().map(|(key, d)| (key, &mut d.vault)));
        for (key, vault) in new_vaults {
            match serving.remove(key) {
                Some((uri, listener)) if uri == vault.uri => vault.listener = Some(listener),
                Some((_, listener)) => listener.abort(),
                None => {}
            }
        }
        for (_, (_, listener)) in serving {
            listener.abort();
        }
    }

    /// Starts a listener for every vault (live or soft-deleted) loaded from a saved state, on
    /// the port its `vaultUri` names when that port is free (else another, and the URI says
    /// so).
    pub(crate) fn start_listeners(&mut self, state: &State) {
        let vaults = self
            .vaults
            .iter_mut()
            .chain(self.deleted.iter_mut().map(|(key, d)| (key, &mut d.vault)));
        for (key, vault) in vaults.filter(|(_, v)| v.listener.is_none()) {
            let Some((_, _, wanted)) = crate::http::url_parts(&vault.uri) else {
                continue;
            };
            if let Ok((port, listener)) = state.start_vault_listener(key, wanted.unwrap_or(0)) {
                if let Some(uri) = crate::http::with_port(&vault.uri, port) {
                    vault.uri = uri;
                }
                vault.listener = Some(listener);
            }
        }
    }

    /// Stops every vault's listener (the emulator is going away).
    pub(crate) fn stop_listeners(&mut self) {
        let vaults = self
            .vaults
            .values_mut()
            .chain(self.deleted.values_mut().map(|d| &mut d.vault));
        for vault in vaults {
            if let Some(task) = vault.listener.take() {
                task.abort();
            }
        }
    }
}

impl Drop for ArmVault {
    fn drop(&mut self) {
        if let Some(task) = self.listener.take() {
            task.abort();
        }
    }
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct DeletedVault {
    vault: ArmVault,
    #[serde(with = "time::serde::rfc3339")]
    deleted_at: time::OffsetDateTime,
}

fn vault_json(v: &ArmVault) -> Value {
    let mut properties = v.properties.clone();
    properties["vaultUri"] = v.uri.clone().into();
    properties["provisioningState"] = if crate::clock::instant() >= v.ready_at {
        "Succeeded"
    } else {
        "Provisioning"
    }
    .into();
    json!({
        "id": format!("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.KeyVault/vaults/{}", v.subscription, v.group, v.name),
        "name": v.name,
        "type": "Microsoft.KeyVault/vaults",
        "location": v.location,
        "tags": v.tags,
        "properties": properties,
    })
}

fn deleted_json(d: &DeletedVault) -> Value {
    let v = &d.vault;
    let rfc3339 = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    json!({
        "id": format!("/subscriptions/{}/providers/Microsoft.KeyVault/locations/{}/deletedVaults/{}", v.subscription, v.location, v.name),
        "name": v.name,
        "type": "Microsoft.KeyVault/deletedVaults",
        "properties": {
            "vaultId": format!("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.KeyVault/vaults/{}", v.subscription, v.group, v.name),
            "location": v.location,
            "deletionDate": rfc3339(d.deleted_at),
            "scheduledPurgeDate": rfc3339(d.deleted_at + retention(v)),
            "tags": v.tags,
            "purgeProtectionEnabled": false,
        }
    })
}

/// `GET /metadata/endpoints`: the cloud's endpoints, as Azure Resource Manager serves them,
/// all pointing at the emulator, so a custom cloud registered from it (`az cloud register
/// --endpoint-resource-manager`) needs no `--skip-endpoint-discovery`. api-versions from
/// 2019-05-01 get the list form, older ones the single-object form.
pub(crate) fn metadata_endpoints(req: &Req) -> Option<Resp> {
    if req.method != Method::GET || req.segments != ["metadata", "endpoints"] {
        return None;
    }
    let base = format!("{}/", req.origin);
    let audience = base.clone();
    let list_form = req
        .query
        .get("api-version")
        .is_some_and(|v| v.as_str() >= "2019-05-01");
    let host = crate::http::url_parts(&req.origin)
        .map(|(_, host, _)| host.to_owned())
        .unwrap_or_default();
    Some(ok(if list_form {
        json!([{
            "name": "Emulator",
            "portal": base,
            "resourceManager": base,
            "gallery": base,
            "graph": base,
            "graphAudience": base,
            "microsoftGraphResourceId": base,
            "activeDirectoryDataLake": base,
            "sqlManagement": base,
            "batch": base,
            "media": base,
            "vmImageAliasDoc": base,
            "authentication": {
                "loginEndpoint": base,
                "audiences": [audience],
                "tenant": "common",
                "identityProvider": "AAD"
            },
            "suffixes": {"keyVaultDns": host, "storage": host, "acrLoginServer": host, "sqlServerHostname": host}
        }])
    } else {
        json!({
            "galleryEndpoint": base,
            "graphEndpoint": base,
            "portalEndpoint": base,
            "authentication": {"loginEndpoint": base, "audiences": [audience]}
        })
    }))
}

fn arm_error(status: StatusCode, code: &str, message: &str) -> Resp {
    error(status, code, message)
}

fn not_found(name: &str) -> Resp {
    arm_error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!("The Resource 'Microsoft.KeyVault/vaults/{name}' was not found."),
    )
}

/// Serves the management routes; `None` for other paths.
pub(crate) fn handle(state: &State, req: &Req) -> Option<Resp> {
    let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let result = match (&req.method, segments.as_slice()) {
        (&Method::GET, ["providers", "Microsoft.KeyVault", "operations"]) => Ok(ok(
            json!({"value": [{"name": "Microsoft.KeyVault/vaults/read", "display": {"provider": "Microsoft Key Vault", "resource": "Key Vault", "operation": "View Key Vault", "description": "View the properties of a key vault"}, "origin": "user"}]}),
        )),
        (_, ["subscriptions", sub, rest @ ..]) => subscription(state, req, sub, rest),
        _ => return None,
    };
    Some(result.unwrap_or_else(|e| e))
}

/// Purges the deleted vaults whose scheduled purge date has passed (and their objects), as the
/// service does on its own.
fn purge_due(state: &State) {
    let now = crate::clock::now_utc();
    let due: Vec<String> = {
        let mut arm = state
            .arm
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let due: Vec<String> = arm
            .deleted
            .iter()
            .filter(|(_, d)| d.deleted_at + retention(&d.vault) <= now)
            .map(|(key, _)| key.clone())
            .collect();
        for key in &due {
            arm.deleted.remove(key);
        }
        due
    };
    // The vaults' objects are a separate lock, never taken while holding the ARM state's.
    let mut vaults = state
        .vaults
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for key in due {
        vaults.remove(&key);
    }
}

/// How long the service keeps a deleted vault: its retention period (7-90 days, 90 by default).
fn retention(v: &ArmVault) -> time::Duration {
    time::Duration::days(
        v.properties["softDeleteRetentionInDays"]
            .as_i64()
            .unwrap_or(90)
            .clamp(7, 90),
    )
}

fn subscription(state: &State, req: &Req, sub: &str, rest: &[&str]) -> Result<Resp, Resp> {
    purge_due(state);
    let mut arm = state
        .arm
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match (&req.method, rest) {
        (&Method::POST, ["providers", "Microsoft.KeyVault", "checkNameAvailability"]) => {
            let body: Value = req.json()?;
            let name = body["name"]
                .as_str()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let valid = (3..=24).contains(&name.len())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            let taken = arm.vaults.contains_key(&name) || arm.deleted.contains_key(&name);
            Ok(ok(match (valid, taken) {
                (false, _) => {
                    json!({"nameAvailable": false, "reason": "AccountNameInvalid", "message": "Vault names are 3-24 letters, digits and dashes."})
                }
                (true, true) => {
                    json!({"nameAvailable": false, "reason": "AlreadyExists", "message": format!("The vault name '{name}' is already in use.")})
                }
                (true, false) => json!({"nameAvailable": true}),
            }))
        }
        (&Method::GET, ["providers", "Microsoft.KeyVault", "vaults"]) => {
            let value: Vec<Value> = arm
                .vaults
                .values()
                .filter(|v| v.subscription == sub)
                .map(vault_json)
                .collect();
            Ok(ok(json!({"value": value})))
        }
        (&Method::GET, ["resources"]) => {
            // `$filter=resourceType eq '...'` (what the CLI and the JavaScript SDK send): only
            // vaults are resources here.
            let wanted = req.query.get("$filter").and_then(|f| {
                let (_, rest) = f.split_once("resourceType eq '")?;
                rest.split_once('\'').map(|(kind, _)| kind.to_owned())
            });
            let vaults_wanted =
                wanted.is_none_or(|kind| kind.eq_ignore_ascii_case("Microsoft.KeyVault/vaults"));
            let value: Vec<Value> = arm
                .vaults
                .values()
                .filter(|v| vaults_wanted && v.subscription == sub)
                .map(|v| {
                    let full = vault_json(v);
                    json!({"id": full["id"], "name": full["name"], "type": full["type"], "location": full["location"], "tags": full["tags"]})
                })
                .collect();
            Ok(ok(json!({"value": value})))
        }
        // Managed HSMs are not emulated on the management plane, so there are never deleted
        // ones; `az keyvault list-deleted` asks for both kinds.
        (&Method::GET, ["providers", "Microsoft.KeyVault", "deletedManagedHSMs"]) => {
            Ok(ok(json!({"value": []})))
        }
        (&Method::GET, ["providers", "Microsoft.KeyVault", "deletedVaults"]) => {
            let value: Vec<Value> = arm
                .deleted
                .values()
                .filter(|d| d.vault.subscription == sub)
                .map(deleted_json)
                .collect();
            Ok(ok(json!({"value": value})))
        }
        (
            &Method::GET,
            ["providers", "Microsoft.KeyVault", "locations", _, "deletedVaults", name],
        ) => arm
            .deleted
            .get(&name.to_ascii_lowercase())
            .map(|d| ok(deleted_json(d)))
            .ok_or_else(|| not_found(name)),
        (
            &Method::POST,
            ["providers", "Microsoft.KeyVault", "locations", location, "deletedVaults", name, "purge"],
        ) => {
            let key = name.to_ascii_lowercase();
            if arm.deleted.remove(&key).is_none() {
                return Err(not_found(name));
            }
            drop(arm);
            state
                .vaults
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .remove(&key);
            let mut arm = state
                .arm
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let op = crate::store::new_version();
            arm.purges
                .insert(op.clone(), crate::clock::instant() + PROVISIONING_TIME);
            let mut response = crate::http::empty(StatusCode::ACCEPTED);
            let location = format!(
                "{}/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/{location}/operationResults/{op}?api-version={}",
                req.base,
                req.query.get("api-version").map(String::as_str).unwrap_or(crate::http::LATEST_MANAGEMENT)
            );
            if let Ok(value) = hyper::header::HeaderValue::from_str(&location) {
                response
                    .headers_mut()
                    .insert(hyper::header::LOCATION, value);
            }
            response.headers_mut().insert(
                hyper::header::RETRY_AFTER,
                hyper::header::HeaderValue::from_static("0"),
            );
            Ok(response)
        }
        (
            &Method::GET,
            ["providers", "Microsoft.KeyVault", "locations", _, "operationResults", op],
        ) => match arm.purges.get(*op) {
            Some(done) if crate::clock::instant() < *done => {
                let mut response = crate::http::empty(StatusCode::ACCEPTED);
                response.headers_mut().insert(
                    hyper::header::RETRY_AFTER,
                    hyper::header::HeaderValue::from_static("0"),
                );
                Ok(response)
            }
            Some(_) => Ok(crate::http::empty(StatusCode::OK)),
            None => Err(arm_error(
                StatusCode::NOT_FOUND,
                "OperationNotFound",
                "No such operation.",
            )),
        },
        (&Method::GET, ["resourceGroups", group, "providers", "Microsoft.KeyVault", "vaults"]) => {
            let value: Vec<Value> = arm
                .vaults
                .values()
                .filter(|v| v.subscription == sub && v.group.eq_ignore_ascii_case(group))
                .map(vault_json)
                .collect();
            Ok(ok(json!({"value": value})))
        }
        (method, ["resourceGroups", group, "providers", "Microsoft.KeyVault", "vaults", name]) => {
            let key = name.to_ascii_lowercase();
            match *method {
                Method::GET => arm
                    .vaults
                    .get(&key)
                    .map(|v| ok(vault_json(v)))
                    .ok_or_else(|| not_found(name)),
                Method::PUT => create(state, &mut arm, req, sub, group, name),
                Method::PATCH => {
                    let body: Value = req.json()?;
                    let v = arm.vaults.get_mut(&key).ok_or_else(|| not_found(name))?;
                    if let Some(tags) = body.get("tags") {
                        v.tags = tags.clone();
                    }
                    if let Some(props) = body.get("properties").and_then(Value::as_object) {
                        for (k, val) in props {
                            v.properties[k] = val.clone();
                        }
                    }
                    Ok(ok(vault_json(v)))
                }
                Method::DELETE => match arm.vaults.remove(&key) {
                    Some(vault) => {
                        if vault.properties["enableSoftDelete"] != Value::Bool(false) {
                            arm.deleted.insert(
                                key,
                                DeletedVault {
                                    vault,
                                    deleted_at: crate::clock::now_utc(),
                                },
                            );
                        } else {
                            drop(arm);
                            state
                                .vaults
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .remove(&key);
                        }
                        Ok(crate::http::empty(StatusCode::OK))
                    }
                    None => Ok(crate::http::empty(StatusCode::NO_CONTENT)),
                },
                _ => Err(crate::http::no_route(req)),
            }
        }
        (
            &Method::PUT,
            ["resourceGroups", _, "providers", "Microsoft.KeyVault", "vaults", name, "accessPolicies", kind],
        ) => {
            let body: Value = req.json()?;
            let v = arm
                .vaults
                .get_mut(&name.to_ascii_lowercase())
                .ok_or_else(|| not_found(name))?;
            let given = body["properties"]["accessPolicies"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let mut current = v.properties["accessPolicies"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let same = |a: &Value, b: &Value| {
                a["tenantId"] == b["tenantId"] && a["objectId"] == b["objectId"]
            };
            match *kind {
                "replace" => current = given.clone(),
                "add" => {
                    for p in &given {
                        match current.iter_mut().find(|c| same(c, p)) {
                            Some(existing) => {
                                for perm in ["keys", "secrets", "certificates", "storage"] {
                                    let mut merged: Vec<Value> = existing["permissions"][perm]
                                        .as_array()
                                        .cloned()
                                        .unwrap_or_default();
                                    for x in p["permissions"][perm]
                                        .as_array()
                                        .cloned()
                                        .unwrap_or_default()
                                    {
                                        if !merged.contains(&x) {
                                            merged.push(x);
                                        }
                                    }
                                    existing["permissions"][perm] = Value::Array(merged);
                                }
                            }
                            None => current.push(p.clone()),
                        }
                    }
                }
                "remove" => current.retain(|c| !given.iter().any(|p| same(c, p))),
                other => {
                    return Err(bad_parameter(&format!(
                        "operationKind must be add, replace or remove, not '{other}'"
                    )))
                }
            }
            v.properties["accessPolicies"] = Value::Array(current);
            Ok(ok(json!({
                "id": format!("/subscriptions/{sub}/resourceGroups/{}/providers/Microsoft.KeyVault/vaults/{}/accessPolicies/{kind}", v.group, v.name),
                "type": "Microsoft.KeyVault/vaults/accessPolicies",
                "properties": {"accessPolicies": v.properties["accessPolicies"]},
            })))
        }
        _ => Err(crate::http::no_route(req)),
    }
}

fn create(
    state: &State,
    arm: &mut Arm,
    req: &Req,
    sub: &str,
    group: &str,
    name: &str,
) -> Result<Resp, Resp> {
    let body: Value = req.json()?;
    let key = name.to_ascii_lowercase();
    let valid = (3..=24).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !valid {
        return Err(bad_parameter(&format!(
            "The vault name '{name}' is invalid: use 3-24 letters, digits and dashes."
        )));
    }
    let location = body["location"].as_str().unwrap_or_default().to_owned();
    if location.is_empty() {
        return Err(bad_parameter("The location is required."));
    }
    let mut properties = body["properties"].clone();
    let recover = properties["createMode"].as_str() == Some("recover");
    if let Some(existing) = arm.vaults.get_mut(&key) {
        // An update through PUT.
        if let Some(props) = properties.as_object() {
            for (k, v) in props {
                existing.properties[k] = v.clone();
            }
        }
        existing.tags = body.get("tags").cloned().unwrap_or(json!({}));
        return Ok(ok(vault_json(existing)));
    }
    if recover {
        let deleted = arm.deleted.remove(&key).ok_or_else(|| not_found(name))?;
        let mut vault = deleted.vault;
        vault.ready_at = crate::clock::instant() + PROVISIONING_TIME;
        let response = respond(StatusCode::OK, &vault_json(&vault));
        arm.vaults.insert(key, vault);
        return Ok(response);
    }
    if arm.deleted.contains_key(&key) {
        return Err(arm_error(StatusCode::CONFLICT, "ConflictError", &format!("A vault with the same name already exists in deleted state. You need to either recover or purge existing key vault '{name}'.")));
    }
    if properties["tenantId"].as_str().is_none() || properties.get("sku").is_none() {
        return Err(bad_parameter(
            "properties.tenantId and properties.sku are required.",
        ));
    }
    if properties.get("enableSoftDelete").is_none() {
        properties["enableSoftDelete"] = true.into();
    }
    if properties.get("softDeleteRetentionInDays").is_none() {
        properties["softDeleteRetentionInDays"] = 90.into();
    }
    if properties.get("accessPolicies").is_none() {
        properties["accessPolicies"] = json!([]);
    }
    let (port, listener) = state.start_vault_listener(&key, 0).map_err(|e| {
        arm_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            &format!("cannot serve the vault: {e}"),
        )
    })?;
    let uri = crate::http::with_port(&req.origin, port).ok_or_else(|| bad_parameter("bad host"))?;
    let vault = ArmVault {
        subscription: sub.to_owned(),
        group: group.to_owned(),
        name: name.to_owned(),
        location,
        tags: body.get("tags").cloned().unwrap_or(json!({})),
        properties,
        ready_at: crate::clock::instant() + PROVISIONING_TIME,
        uri,
        listener: Some(listener),
    };
    let response = respond(StatusCode::CREATED, &vault_json(&vault));
    arm.vaults.insert(key, vault);
    Ok(response)
}
