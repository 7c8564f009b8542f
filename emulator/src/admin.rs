//! Managed HSM administration: role definitions and assignments at a scope, account settings,
//! full backup and restore (and their pre-checks) and selective key restore with status URLs,
//! and the security domain download/upload. Backups are snapshots of the vault's keys kept in
//! memory under the storage folder URL they were written to.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hyper::{Method, StatusCode};
use serde_json::{json, Value};

use crate::http::{bad_parameter, error, json as respond, ok, Req, Resp};
use crate::store::State;

/// How long backup, restore and security-domain jobs run.
const JOB_TIME: Duration = Duration::from_millis(200);

/// Jobs and snapshots of every vault.
#[derive(Default, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Admin {
    jobs: BTreeMap<String, Job>,
    /// Full backups by folder URL.
    backups: BTreeMap<String, crate::store::Collection<crate::keys::KeyVersion>>,
    #[serde(with = "crate::persist::pair_keyed")]
    role_definitions: BTreeMap<(String, String), Value>,
    #[serde(with = "crate::persist::pair_keyed")]
    role_assignments: BTreeMap<(String, String), Value>,
    #[serde(with = "crate::persist::pair_keyed")]
    settings: BTreeMap<(String, String), String>,
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Job {
    #[serde(with = "crate::persist::deadline")]
    done_at: Instant,
    body: Value,
}

const BUILT_IN_ROLES: &[(&str, &str, &[&str])] = &[
    (
        "a290e904-7015-4bba-90c8-60543313cdb4",
        "Managed HSM Administrator",
        &["Microsoft.KeyVault/managedHsm/*"],
    ),
    (
        "21dbd100-6940-42c2-9190-5d6cb909625b",
        "Managed HSM Crypto User",
        &[
            "Microsoft.KeyVault/managedHsm/keys/read/action",
            "Microsoft.KeyVault/managedHsm/keys/encrypt/action",
            "Microsoft.KeyVault/managedHsm/keys/decrypt/action",
            "Microsoft.KeyVault/managedHsm/keys/sign/action",
            "Microsoft.KeyVault/managedHsm/keys/verify/action",
        ],
    ),
    (
        "515eb02d-2335-4d2d-92f2-b1cbdf9c3778",
        "Managed HSM Crypto Officer",
        &["Microsoft.KeyVault/managedHsm/keys/*"],
    ),
];

/// Serves the administration routes; `None` for other paths.
pub(crate) fn handle(state: &State, req: &Req) -> Option<Resp> {
    let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    if let Some(at) = segments.iter().position(|s| *s == "providers") {
        if segments.get(at + 1) == Some(&"Microsoft.Authorization") {
            let scope = format!("/{}", segments[..at].join("/"));
            return Some(rbac(state, req, &scope, &segments[at + 2..]).unwrap_or_else(|e| e));
        }
    }
    let result = match (&req.method, segments.as_slice()) {
        (&Method::GET, ["settings"]) => settings(state, req, None),
        (&Method::GET, ["settings", name]) => settings(state, req, Some((name, None))),
        (&Method::PATCH, ["settings", name]) => {
            let body: Value = match req.json() {
                Ok(body) => body,
                Err(e) => return Some(e),
            };
            settings(
                state,
                req,
                Some((name, body["value"].as_str().map(str::to_owned))),
            )
        }
        (&Method::POST, ["backup"]) => start_job(state, req, "backup", Some(snapshot_folder)),
        (&Method::POST, ["prebackup"]) => start_job(state, req, "backup", None),
        (&Method::PUT, ["prerestore"]) => start_job(state, req, "restore", None),
        (&Method::PUT, ["restore"]) => start_job(state, req, "restore", Some(restore_folder)),
        (&Method::PUT, ["keys", _, "restore"]) => {
            start_job(state, req, "restore", Some(restore_key))
        }
        (&Method::GET, [kind, job, "pending"]) if *kind == "backup" || *kind == "restore" => {
            job_status(state, job)
        }
        (&Method::POST, ["securitydomain", "download"]) => security_domain(state, req, "download"),
        (&Method::POST, ["securitydomain", "upload"]) => security_domain(state, req, "upload"),
        (&Method::GET, ["securitydomain", kind @ ("download" | "upload"), "pending"]) => {
            job_status(state, &format!("securitydomain-{}-{kind}", req.vault))
        }
        (&Method::GET, ["securitydomain", "upload"]) => Ok(ok(json!({
            "key_format": "jwk",
            "transfer_key": {"kty": "RSA", "key_ops": ["wrapKey"], "n": "AQAB", "e": "AQAB", "x5c": [], "alg": "RSA-OAEP-256", "kid": format!("{}/securitydomain/transferkey", req.base)}
        }))),
        _ => return None,
    };
    Some(result.unwrap_or_else(|e| e))
}

fn rbac(state: &State, req: &Req, scope: &str, rest: &[&str]) -> Result<Resp, Resp> {
    let mut admin = state
        .admin
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let vault = req.vault.clone();
    match (&req.method, rest) {
        (&Method::GET, ["roleDefinitions"]) => {
            let mut value: Vec<Value> = BUILT_IN_ROLES.iter().map(built_in).collect();
            value.extend(
                admin
                    .role_definitions
                    .iter()
                    .filter(|((v, _), _)| *v == vault)
                    .map(|(_, d)| d.clone()),
            );
            Ok(ok(json!({"value": value})))
        }
        (method, ["roleDefinitions", name]) => {
            let key = (vault, name.to_ascii_lowercase());
            match *method {
                Method::GET => BUILT_IN_ROLES
                    .iter()
                    .find(|r| r.0 == *name)
                    .map(built_in)
                    .or_else(|| admin.role_definitions.get(&key).cloned())
                    .map(ok)
                    .ok_or_else(|| {
                        error(
                            StatusCode::NOT_FOUND,
                            "RoleDefinitionNotFound",
                            &format!("Role definition {name} was not found."),
                        )
                    }),
                Method::PUT => {
                    let body: Value = req.json()?;
                    let mut properties = body["properties"].clone();
                    properties["type"] = "CustomRole".into();
                    if properties.get("assignableScopes").is_none() {
                        properties["assignableScopes"] = json!([scope]);
                    }
                    let definition = json!({
                        "id": format!("Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/{name}"),
                        "name": name,
                        "type": "Microsoft.Authorization/roleDefinitions",
                        "properties": properties,
                    });
                    admin.role_definitions.insert(key, definition.clone());
                    Ok(respond(StatusCode::CREATED, &definition))
                }
                Method::DELETE => admin.role_definitions.remove(&key).map(ok).ok_or_else(|| {
                    error(
                        StatusCode::NOT_FOUND,
                        "RoleDefinitionNotFound",
                        &format!("Role definition {name} was not found."),
                    )
                }),
                _ => Err(crate::http::no_route(req)),
            }
        }
        (&Method::GET, ["roleAssignments"]) => {
            let value: Vec<Value> = admin
                .role_assignments
                .iter()
                .filter(|((v, _), a)| *v == vault && a["properties"]["scope"] == scope)
                .map(|(_, a)| a.clone())
                .collect();
            Ok(ok(json!({"value": value})))
        }
        (method, ["roleAssignments", name]) => {
            let key = (vault, name.to_ascii_lowercase());
            match *method {
                Method::GET => admin
                    .role_assignments
                    .get(&key)
                    .cloned()
                    .map(ok)
                    .ok_or_else(|| {
                        error(
                            StatusCode::NOT_FOUND,
                            "RoleAssignmentNotFound",
                            &format!("Role assignment {name} was not found."),
                        )
                    }),
                Method::PUT => {
                    let body: Value = req.json()?;
                    let properties = &body["properties"];
                    if properties["roleDefinitionId"].as_str().is_none()
                        || properties["principalId"].as_str().is_none()
                    {
                        return Err(bad_parameter(
                            "properties.roleDefinitionId and properties.principalId are required.",
                        ));
                    }
                    let assignment = json!({
                        "id": format!("{}/providers/Microsoft.Authorization/roleAssignments/{name}", scope.trim_end_matches('/')),
                        "name": name,
                        "type": "Microsoft.Authorization/roleAssignments",
                        "properties": {"scope": scope, "roleDefinitionId": properties["roleDefinitionId"], "principalId": properties["principalId"]},
                    });
                    admin.role_assignments.insert(key, assignment.clone());
                    Ok(respond(StatusCode::CREATED, &assignment))
                }
                Method::DELETE => admin.role_assignments.remove(&key).map(ok).ok_or_else(|| {
                    error(
                        StatusCode::NOT_FOUND,
                        "RoleAssignmentNotFound",
                        &format!("Role assignment {name} was not found."),
                    )
                }),
                _ => Err(crate::http::no_route(req)),
            }
        }
        _ => Err(crate::http::no_route(req)),
    }
}

fn built_in(role: &(&str, &str, &[&str])) -> Value {
    let (id, name, actions) = role;
    json!({
        "id": format!("Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/{id}"),
        "name": id,
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "roleName": name,
            "description": "",
            "type": "AKVBuiltInRole",
            "permissions": [{"actions": [], "notActions": [], "dataActions": actions, "notDataActions": []}],
            "assignableScopes": ["/"],
        }
    })
}

const SETTINGS: &[(&str, &str, &str)] = &[
    ("AllowKeyManagementOperationsThroughARM", "false", "boolean"),
    (
        "EnableSecureKeyReleaseWithoutAttestation",
        "false",
        "boolean",
    ),
];

fn settings(state: &State, req: &Req, one: Option<(&str, Option<String>)>) -> Result<Resp, Resp> {
    let mut admin = state
        .admin
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let value_of = |admin: &Admin, name: &str, default: &str| {
        admin
            .settings
            .get(&(req.vault.clone(), name.to_owned()))
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    };
    match one {
        None => Ok(ok(
            json!({"settings": SETTINGS.iter().map(|(n, d, t)| json!({"name": n, "value": value_of(&admin, n, d), "type": t})).collect::<Vec<_>>()}),
        )),
        Some((name, new_value)) => {
            let (n, d, t) = SETTINGS
                .iter()
                .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    error(
                        StatusCode::NOT_FOUND,
                        "SettingNotFound",
                        &format!("Setting {name} does not exist."),
                    )
                })?;
            if let Some(v) = new_value {
                if v != "true" && v != "false" {
                    return Err(bad_parameter(&format!(
                        "Setting {n} is a boolean; '{v}' is not."
                    )));
                }
                admin
                    .settings
                    .insert((req.vault.clone(), (*n).to_owned()), v);
            }
            Ok(ok(
                json!({"name": n, "value": value_of(&admin, n, d), "type": t}),
            ))
        }
    }
}

/// What a finished job does to the state: back up, restore all, restore one key.
type JobEffect = fn(&State, &Req, &Value) -> Result<Value, Resp>;

fn start_job(
    state: &State,
    req: &Req,
    kind: &str,
    effect: Option<JobEffect>,
) -> Result<Resp, Resp> {
    let body: Value = req.json()?;
    let sas = body.get("sasTokenParameters").unwrap_or(&body);
    if sas["storageResourceUri"].as_str().is_none_or(str::is_empty) {
        return Err(bad_parameter("storageResourceUri is required."));
    }
    if sas["token"].as_str().is_none() && sas["useManagedIdentity"].as_bool() != Some(true) {
        return Err(bad_parameter(
            "Either a SAS token or useManagedIdentity is required.",
        ));
    }
    let mut result = json!({});
    if let Some(effect) = effect {
        result = effect(state, req, &body)?;
    }
    let job = crate::store::new_version();
    let mut status = json!({"status": "InProgress", "statusDetails": null, "error": null, "jobId": job, "startTime": crate::store::now(), "endTime": null});
    let mut done = status.clone();
    done["status"] = "Succeeded".into();
    done["endTime"] = crate::store::now().into();
    if let Some(map) = result.as_object() {
        for (k, v) in map {
            done[k] = v.clone();
        }
    }
    state
        .admin
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .jobs
        .insert(
            job.clone(),
            Job {
                done_at: crate::clock::instant() + JOB_TIME,
                body: done,
            },
        );
    status["azureStorageBlobContainerUri"] = Value::Null;
    let mut response = respond(StatusCode::ACCEPTED, &status);
    let url = format!(
        "{}/{kind}/{job}/pending?api-version={}",
        req.base,
        api_version(req)
    );
    if let Ok(v) = hyper::header::HeaderValue::from_str(&url) {
        response.headers_mut().insert("azure-asyncoperation", v);
    }
    response.headers_mut().insert(
        hyper::header::RETRY_AFTER,
        hyper::header::HeaderValue::from_static("0"),
    );
    Ok(response)
}

/// The request's api-version, for the status URLs handed back (the service includes it).
fn api_version(req: &Req) -> &str {
    req.query
        .get("api-version")
        .map(String::as_str)
        .unwrap_or(crate::http::LATEST_DATA_PLANE)
}

fn job_status(state: &State, job: &str) -> Result<Resp, Resp> {
    let admin = state
        .admin
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let job = admin.jobs.get(job).ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            "JobNotFound",
            &format!("No job {job}."),
        )
    })?;
    if crate::clock::instant() < job.done_at {
        let mut running = job.body.clone();
        running["status"] = "InProgress".into();
        running["endTime"] = Value::Null;
        return Ok(ok(running));
    }
    Ok(ok(job.body.clone()))
}

fn keys_of(state: &State, vault: &str) -> crate::store::Collection<crate::keys::KeyVersion> {
    let mut vaults = state
        .vaults
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    vaults.entry(vault.to_owned()).or_default().keys.clone()
}

fn snapshot_folder(state: &State, req: &Req, body: &Value) -> Result<Value, Resp> {
    let container = body["storageResourceUri"]
        .as_str()
        .unwrap_or_default()
        .trim_end_matches('/');
    let folder = format!(
        "{container}/mhsm-{}-{}",
        req.vault.replace(['.', ':'], "-"),
        crate::store::now_rfc3339().replace([':', '.'], "")
    );
    let snapshot = keys_of(state, &req.vault);
    state
        .admin
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .backups
        .insert(folder.clone(), snapshot);
    Ok(json!({"azureStorageBlobContainerUri": folder}))
}

fn backup_at(
    state: &State,
    body: &Value,
) -> Result<crate::store::Collection<crate::keys::KeyVersion>, Resp> {
    let container = body["sasTokenParameters"]["storageResourceUri"]
        .as_str()
        .unwrap_or_default()
        .trim_end_matches('/');
    let folder = body["folderToRestore"]
        .as_str()
        .or_else(|| body["folder"].as_str())
        .unwrap_or_default();
    let uri = format!("{container}/{folder}");
    state
        .admin
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .backups
        .get(&uri)
        .cloned()
        .ok_or_else(|| bad_parameter(&format!("No backup found at {uri}.")))
}

fn restore_folder(state: &State, req: &Req, body: &Value) -> Result<Value, Resp> {
    let snapshot = backup_at(state, body)?;
    state.with_vault(&req.vault, |vault| vault.keys = snapshot);
    Ok(json!({}))
}

fn restore_key(state: &State, req: &Req, body: &Value) -> Result<Value, Resp> {
    let name = req.segments.get(1).cloned().unwrap_or_default();
    let snapshot = backup_at(state, body)?;
    let (display, item) = snapshot
        .get(&name)
        .cloned()
        .ok_or_else(|| bad_parameter(&format!("The backup has no key {name}.")))?;
    state.with_vault(&req.vault, |vault| {
        vault
            .keys
            .live
            .insert(name.to_ascii_lowercase(), (display, item))
    });
    Ok(json!({}))
}

fn security_domain(state: &State, req: &Req, kind: &str) -> Result<Resp, Resp> {
    let body: Value = req.json()?;
    let response_body = if kind == "download" {
        let certificates = body["certificates"].as_array().map_or(0, Vec::len);
        let required = body["required"].as_u64().unwrap_or(0);
        if certificates < 3 || required == 0 || required as usize > certificates {
            return Err(bad_parameter(
                "At least 3 certificates are needed, and a quorum between 1 and their count.",
            ));
        }
        json!({"value": json!({"EncData": {"data": [], "kdf": "sp108_kdf"}, "WrappedData": {}, "SharedKeys": {"required": required}}).to_string()})
    } else {
        if body["value"].as_str().is_none_or(str::is_empty) {
            return Err(bad_parameter("The security domain (value) is required."));
        }
        json!({"status": "InProgress", "status_details": "Restoring the security domain."})
    };
    let job = format!("securitydomain-{}-{kind}", req.vault);
    state
        .admin
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .jobs
        .insert(job, Job { done_at: crate::clock::instant() + JOB_TIME, body: json!({"status": "Success", "status_details": format!("The security domain {kind} finished.")}) });
    let mut response = respond(StatusCode::ACCEPTED, &response_body);
    if let Ok(v) = hyper::header::HeaderValue::from_str(&format!(
        "{}/securitydomain/{kind}/pending?api-version={}",
        req.base,
        api_version(req)
    )) {
        response.headers_mut().insert("azure-asyncoperation", v);
    }
    response.headers_mut().insert(
        hyper::header::RETRY_AFTER,
        hyper::header::HeaderValue::from_static("0"),
    );
    Ok(response)
}
