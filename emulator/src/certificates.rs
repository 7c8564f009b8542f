//! Certificates: creation through a pending operation (self-signed issuance when the issuer is
//! `Self`, a CSR awaiting a merge when it is `Unknown`), cancellation, import of PEM, policies,
//! issuers and contacts, versions, update, and the shared soft-delete/backup behaviour. Each
//! certificate also owns a key and a secret of its name, as on the service.

use std::time::{Duration, Instant};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hyper::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::crypto;
use crate::http::{bad_parameter, check_name, error, not_found, ok, Req, Resp};
use crate::objects::{self, ObjectKind};
use crate::server::Settings;
use crate::store::{Attributes, State};

const KIND: &str = "certificate";

/// How long a self-signed issuance takes (the pending operation says `inProgress` until then).
const ISSUANCE_TIME: Duration = Duration::from_millis(300);

/// One version of a certificate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CertVersion {
    /// The certificate, DER.
    der: Vec<u8>,
    policy: Value,
    tags: Option<Value>,
    attributes: Attributes,
    /// Ids of the key and secret versions holding its key and content.
    kid: String,
    sid: String,
}

/// A creation in progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Pending {
    policy: Value,
    tags: Option<Value>,
    attributes: Option<Value>,
    /// The private key (JWK) the certificate will be for.
    key: Map<String, Value>,
    csr: Vec<u8>,
    #[serde(with = "crate::persist::deadline")]
    ready_at: Instant,
    status: String,
    error: Option<Value>,
    cancellation_requested: bool,
    target: Option<String>,
}

/// Certificates as an object kind.
pub(crate) struct Certificates;

impl ObjectKind for Certificates {
    type Version = CertVersion;
    const KIND: &'static str = KIND;
    const COLLECTION: &'static str = "certificates";
    const DELETED: &'static str = "deletedcertificates";

    fn collection(vault: &mut crate::store::Vault) -> &mut crate::store::Collection<CertVersion> {
        &mut vault.certificates
    }

    fn bundle(req: &Req, name: &str, version: &str, v: &CertVersion, _full: bool) -> Value {
        let mut policy = v.policy.clone();
        policy["id"] = format!("{}/certificates/{name}/policy", req.base).into();
        let mut out = json!({
            "id": format!("{}/certificates/{name}/{version}", req.base),
            "kid": v.kid,
            "sid": v.sid,
            "x5t": URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &v.der)),
            "cer": STANDARD.encode(&v.der),
            "attributes": v.attributes.to_json(),
            "policy": policy,
        });
        if let Some(tags) = &v.tags {
            out["tags"] = tags.clone();
        }
        out
    }

    fn item(req: &Req, name: &str, version: Option<&str>, v: &CertVersion) -> Value {
        let mut out = Self::bundle(req, name, version.unwrap_or(""), v, false);
        if version.is_none() {
            out["id"] = format!("{}/certificates/{name}", req.base).into();
        }
        if let Some(map) = out.as_object_mut() {
            map.remove("policy");
            map.remove("cer");
            map.remove("kid");
            map.remove("sid");
        }
        out
    }
}

/// Serves the certificate routes; `None` when the path is not one of them.
pub(crate) fn handle(state: &State, settings: &Settings, req: &Req) -> Option<Resp> {
    let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let result = match (&req.method, segments.as_slice()) {
        (&Method::GET, ["certificates"]) => objects::list::<Certificates>(state, req),
        (&Method::POST, ["certificates", "restore"]) => {
            objects::restore::<Certificates>(state, req)
        }
        (&Method::GET, ["certificates", "contacts"]) => contacts(state, req, None),
        (&Method::PUT, ["certificates", "contacts"]) => contacts(state, req, Some(true)),
        (&Method::DELETE, ["certificates", "contacts"]) => contacts(state, req, Some(false)),
        (&Method::GET, ["certificates", "issuers"]) => list_issuers(state, req),
        (&Method::GET, ["certificates", "issuers", name]) => issuer(state, req, name, None),
        (&Method::PUT, ["certificates", "issuers", name]) => issuer(state, req, name, Some(true)),
        (&Method::PATCH, ["certificates", "issuers", name]) => issuer(state, req, name, Some(true)),
        (&Method::DELETE, ["certificates", "issuers", name]) => {
            issuer(state, req, name, Some(false))
        }
        (&Method::POST, ["certificates", name, "create"]) => create(state, req, name),
        (&Method::POST, ["certificates", name, "import"]) => import(state, req, name),
        (&Method::GET, ["certificates", name, "pending"]) => {
            pending(state, req, name, PendingAction::Get)
        }
        (&Method::PATCH, ["certificates", name, "pending"]) => {
            pending(state, req, name, PendingAction::Update)
        }
        (&Method::DELETE, ["certificates", name, "pending"]) => {
            pending(state, req, name, PendingAction::Delete)
        }
        (&Method::POST, ["certificates", name, "pending", "merge"]) => merge(state, req, name),
        (&Method::GET, ["certificates", name, "policy"]) => policy(state, req, name, false),
        (&Method::PATCH, ["certificates", name, "policy"]) => policy(state, req, name, true),
        (&Method::GET, ["certificates", name, "versions"]) => {
            objects::versions::<Certificates>(state, req, name)
        }
        (&Method::POST, ["certificates", name, "backup"]) => {
            objects::backup::<Certificates>(state, req, name)
        }
        (&Method::GET, ["certificates", name]) => {
            objects::get::<Certificates>(state, req, name, "")
        }
        (&Method::GET, ["certificates", name, version]) => {
            objects::get::<Certificates>(state, req, name, version)
        }
        (&Method::PATCH, ["certificates", name]) => update(state, req, name, ""),
        (&Method::PATCH, ["certificates", name, version]) => update(state, req, name, version),
        (&Method::DELETE, ["certificates", name]) => {
            objects::delete::<Certificates>(state, settings, req, name)
        }
        (&Method::GET, ["deletedcertificates"]) => {
            objects::list_deleted::<Certificates>(state, req)
        }
        (&Method::GET, ["deletedcertificates", name]) => {
            objects::get_deleted::<Certificates>(state, req, name)
        }
        (&Method::DELETE, ["deletedcertificates", name]) => {
            objects::purge::<Certificates>(state, req, name)
        }
        (&Method::POST, ["deletedcertificates", name, "recover"]) => {
            objects::recover::<Certificates>(state, req, name)
        }
        _ => return None,
    };
    Some(result.unwrap_or_else(|e| e))
}

/// The secret content types of certificates.
const PEM: &str = "application/x-pem-file";
const PKCS12: &str = "application/x-pkcs12";

/// The policy a creation without one gets, and the defaults filled into a given one, as the
/// service fills them: missing fields of `key_props`, `secret_props` (PKCS#12 unless PEM is
/// named; also for an empty object, which the JavaScript SDK sends), `x509_props` (the server
/// and client authentication EKUs, key usage, a non-CA basic constraint, 12 months) and
/// `lifetime_actions` (auto-renew at 80% of the lifetime for self-signed certificates, an
/// e-mail to the contacts otherwise).
fn complete_policy(policy: Option<Value>) -> Value {
    let mut policy = policy.unwrap_or_else(|| json!({}));
    if !policy.is_object() {
        policy = json!({});
    }
    fill(
        &mut policy["key_props"],
        json!({"exportable": true, "kty": "RSA", "key_size": 2048, "reuse_key": false}),
    );
    if policy["key_props"]["kty"]
        .as_str()
        .is_some_and(|k| k.starts_with("EC"))
    {
        if let Some(props) = policy["key_props"].as_object_mut() {
            props.remove("key_size");
            props.entry("crv").or_insert_with(|| "P-256".into());
        }
    }
    fill(
        &mut policy["secret_props"],
        json!({ "contentType": PKCS12 }),
    );
    fill(
        &mut policy["x509_props"],
        json!({
            "subject": "CN=emulator",
            "ekus": ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
            "key_usage": ["digitalSignature", "keyEncipherment"],
            "validity_months": 12,
            "basic_constraints": {"ca": false}
        }),
    );
    fill(&mut policy["issuer"], json!({"name": "Self"}));
    let empty_actions = policy["lifetime_actions"]
        .as_array()
        .is_none_or(Vec::is_empty);
    if empty_actions {
        let action = if policy["issuer"]["name"].as_str() == Some("Self") {
            "AutoRenew"
        } else {
            "EmailContacts"
        };
        policy["lifetime_actions"] =
            json!([{"trigger": {"lifetime_percentage": 80}, "action": {"action_type": action}}]);
    }
    policy["attributes"] =
        json!({"enabled": true, "created": crate::store::now(), "updated": crate::store::now()});
    policy
}

/// Sets each field of `defaults` that `target` lacks (or has as null); a target that is not
/// an object becomes the defaults.
fn fill(target: &mut Value, defaults: Value) {
    let Value::Object(defaults) = defaults else {
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    if let Some(map) = target.as_object_mut() {
        for (key, value) in defaults {
            if map.get(&key).is_none_or(Value::is_null) {
                map.insert(key, value);
            }
        }
    }
}

/// A key for the policy's `key_props`, as a private JWK and as PKCS#8 DER for signing.
fn policy_key(policy: &Value) -> Result<(Map<String, Value>, rcgen::KeyPair), Resp> {
    let props = &policy["key_props"];
    let kty = props["kty"]
        .as_str()
        .unwrap_or("RSA")
        .trim_end_matches("-HSM")
        .to_owned();
    let jwk = match kty.as_str() {
        "RSA" => crypto::generate_rsa(props["key_size"].as_u64().unwrap_or(2048) as usize, None),
        "EC" => crypto::generate_ec(props["crv"].as_str().unwrap_or("P-256")),
        other => Err(format!("certificates need an RSA or EC key, not `{other}`")),
    }
    .map_err(|m| bad_parameter(&m))?;
    let pair = signing_pair(&jwk)?;
    Ok((jwk, pair))
}

/// The key as rcgen needs it (RSA, P-256 or P-384).
fn signing_pair(jwk: &Map<String, Value>) -> Result<rcgen::KeyPair, Resp> {
    let der = crypto::pkcs8_der(jwk).map_err(|m| bad_parameter(&m))?;
    rcgen::KeyPair::try_from(der.as_slice()).map_err(|e| {
        bad_parameter(&format!(
            "the emulator cannot issue a certificate for this key: {e}"
        ))
    })
}

fn params(policy: &Value) -> Result<rcgen::CertificateParams, Resp> {
    let x509 = &policy["x509_props"];
    let mut sans: Vec<String> = Vec::new();
    for field in ["dns_names", "emails", "upns"] {
        if let Some(names) = x509["sans"][field].as_array() {
            sans.extend(names.iter().filter_map(Value::as_str).map(str::to_owned));
        }
    }
    let mut params = rcgen::CertificateParams::new(sans)
        .map_err(|e| bad_parameter(&format!("invalid subject alternative names: {e}")))?;
    let subject = x509["subject"].as_str().unwrap_or("CN=emulator");
    let mut dn = rcgen::DistinguishedName::new();
    for part in subject.split(',') {
        let (k, v) = part.trim().split_once('=').unwrap_or(("CN", part.trim()));
        let kind = match k.trim().to_ascii_uppercase().as_str() {
            "CN" => rcgen::DnType::CommonName,
            "O" => rcgen::DnType::OrganizationName,
            "OU" => rcgen::DnType::OrganizationalUnitName,
            "C" => rcgen::DnType::CountryName,
            "L" => rcgen::DnType::LocalityName,
            "ST" => rcgen::DnType::StateOrProvinceName,
            _ => continue,
        };
        dn.push(kind, v.trim());
    }
    params.distinguished_name = dn;
    let months = x509["validity_months"]
        .as_i64()
        .unwrap_or(12)
        .clamp(1, 1200);
    let now = crate::clock::now_utc();
    params.not_before = now - Duration::from_secs(60);
    params.not_after = now + Duration::from_secs(months as u64 * 30 * 24 * 3600);
    Ok(params)
}

fn operation_json(req: &Req, name: &str, p: &Pending) -> Value {
    let mut out = json!({
        "id": format!("{}/certificates/{name}/pending", req.base),
        "issuer": {"name": p.policy["issuer"]["name"].clone()},
        "csr": STANDARD.encode(&p.csr),
        "cancellation_requested": p.cancellation_requested,
        "status": p.status,
        "status_details": match p.status.as_str() {
            "completed" => "The certificate has been issued.",
            "cancelled" => "The creation was cancelled.",
            _ => "Pending certificate created. Certificate request is in progress.",
        },
        "request_id": crate::store::new_version(),
    });
    if let Some(target) = &p.target {
        out["target"] = target.clone().into();
    }
    if let Some(e) = &p.error {
        out["error"] = e.clone();
    }
    out
}

fn create(state: &State, req: &Req, name: &str) -> Result<Resp, Resp> {
    #[derive(Deserialize)]
    struct Parameters {
        policy: Option<Value>,
        attributes: Option<Value>,
        tags: Option<Value>,
    }
    check_name(KIND, name)?;
    let p: Parameters = req.json()?;
    let policy = complete_policy(p.policy);
    let (key, pair) = policy_key(&policy)?;
    let csr = params(&policy)?
        .serialize_request(&pair)
        .map_err(|e| bad_parameter(&format!("cannot make the CSR: {e}")))?
        .der()
        .to_vec();
    let pending = Pending {
        policy,
        tags: p.tags,
        attributes: p.attributes,
        key,
        csr,
        ready_at: crate::clock::instant() + ISSUANCE_TIME,
        status: "inProgress".into(),
        error: None,
        cancellation_requested: false,
        target: None,
    };
    let body = operation_json(req, name, &pending);
    state.with_vault(&req.vault, |vault| {
        if vault
            .certificates
            .deleted
            .contains_key(&name.to_ascii_lowercase())
        {
            return Err(crate::store::Conflict::DeletedButRecoverable.response("Certificate", name));
        }
        vault.pending.insert(name.to_ascii_lowercase(), pending);
        Ok(crate::http::json(StatusCode::ACCEPTED, &body))
    })
}

/// What a new certificate version is made of.
struct NewVersion<'a> {
    der: Vec<u8>,
    key: &'a Map<String, Value>,
    policy: Value,
    attributes: Option<&'a Value>,
    tags: Option<Value>,
}

/// Stores a certificate version with its key and secret.
fn store(
    vault: &mut crate::store::Vault,
    base: &str,
    name: &str,
    new: NewVersion<'_>,
) -> Result<String, Resp> {
    let NewVersion {
        der,
        key,
        policy,
        attributes,
        tags,
    } = new;
    // The secret in the policy's format: PEM, or base64 PKCS#12 without a password.
    let (secret, content_type) = if policy["secret_props"]["contentType"] == PKCS12 {
        let pfx = crypto::pkcs12_der(&der, key).map_err(|m| bad_parameter(&m))?;
        (STANDARD.encode(pfx), PKCS12)
    } else {
        let pem = format!(
            "{}{}",
            pem_block("CERTIFICATE", &der),
            pem_block(
                "PRIVATE KEY",
                &crypto::pkcs8_der(key).map_err(|m| bad_parameter(&m))?
            )
        );
        (pem, PEM)
    };
    let key_id = crate::keys::add_certificate_key(vault, name, key.clone(), tags.clone())
        .map_err(|c| c.response("Key", name))?;
    let secret_id =
        crate::secrets::add_certificate_secret(vault, name, secret, content_type, tags.clone())
            .map_err(|c| c.response("Secret", name))?;
    let version = CertVersion {
        der,
        policy,
        tags,
        attributes: Attributes::new(attributes),
        kid: format!("{base}/keys/{name}/{key_id}"),
        sid: format!("{base}/secrets/{name}/{secret_id}"),
    };
    vault
        .certificates
        .add_version(name, version)
        .map_err(|c| c.response("Certificate", name))
}

/// When a version's `AutoRenew` lifetime action is due: at its trigger's share of the
/// lifetime (`lifetime_percentage`) or days before it ends (`days_before_expiry`), the lifetime
/// being the policy's `validity_months` from the version's creation, as issued.
fn renewal_due_at(version: &CertVersion) -> Option<i64> {
    let actions = version.policy["lifetime_actions"].as_array()?;
    let renew = actions.iter().find(|a| {
        a["action"]["action_type"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("AutoRenew"))
    })?;
    let start = version.attributes.created;
    let months = version.policy["x509_props"]["validity_months"]
        .as_i64()
        .unwrap_or(12)
        .clamp(1, 1200);
    let end = start + months * 30 * 86_400;
    let trigger = &renew["trigger"];
    if let Some(percentage) = trigger["lifetime_percentage"].as_i64() {
        return Some(start + (end - start) * percentage.clamp(1, 99) / 100);
    }
    let days = trigger["days_before_expiry"].as_i64()?;
    Some((end - days.max(0) * 86_400).max(start))
}

/// Runs due `AutoRenew` lifetime actions of self-issued certificates (on the emulator's clock):
/// a new version with a new key, its key and secret too, as the service renews them; several
/// lifetimes passed renew several times. `EmailContacts` has nothing to do here.
pub(crate) fn run_lifetime_actions(vault: &mut crate::store::Vault, now: i64) {
    let self_issued: Vec<String> = vault
        .certificates
        .live
        .values()
        .filter(|(_, item)| {
            item.current().is_some_and(|(_, v)| {
                v.policy["issuer"]["name"]
                    .as_str()
                    .is_some_and(|i| i.eq_ignore_ascii_case("Self"))
            })
        })
        .map(|(display, _)| display.clone())
        .collect();
    for name in self_issued {
        // At most a few renewals per look (each is a new key pair); a failed one stops.
        for _ in 0..8 {
            let due = vault
                .certificates
                .get(&name)
                .and_then(|(_, item)| item.current())
                .and_then(|(_, current)| renewal_due_at(current));
            match due {
                // The renewal happens when it was due, so a long jump renews once per lifetime.
                Some(at) if at <= now => {
                    if crate::clock::with_offset_at(at, || renew(vault, &name)).is_err() {
                        break;
                    }
                }
                _ => break,
            }
        }
    }
}

/// One renewal of `name` from its current version's policy.
fn renew(vault: &mut crate::store::Vault, name: &str) -> Result<(), Resp> {
    let current = vault
        .certificates
        .get(name)
        .and_then(|(_, item)| item.current())
        .map(|(_, v)| v.clone())
        .ok_or_else(|| not_found(KIND, name))?;
    // The vault's base URL, as the version's key id names it.
    let base = current
        .kid
        .split_once("/keys/")
        .map(|(base, _)| base.to_owned())
        .unwrap_or_default();
    let (key, pair) = policy_key(&current.policy)?;
    let der = params(&current.policy)?
        .self_signed(&pair)
        .map_err(|e| bad_parameter(&format!("cannot issue: {e}")))?
        .der()
        .to_vec();
    let attributes = json!({"enabled": current.attributes.enabled});
    store(
        vault,
        &base,
        name,
        NewVersion {
            der,
            key: &key,
            policy: current.policy.clone(),
            attributes: Some(&attributes),
            tags: current.tags.clone(),
        },
    )?;
    Ok(())
}

fn pem_block(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PendingAction {
    Get,
    Update,
    Delete,
}

fn pending(state: &State, req: &Req, name: &str, action: PendingAction) -> Result<Resp, Resp> {
    let update: Option<Value> = if action == PendingAction::Update {
        Some(req.json()?)
    } else {
        None
    };
    state.with_vault(&req.vault, |vault| {
        let key = name.to_ascii_lowercase();
        let mut p = vault.pending.get(&key).cloned().ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                "PendingCertificateNotFound",
                &format!("Pending certificate not found: {name}"),
            )
        })?;
        if let Some(update) = update {
            if update["cancellation_requested"].as_bool() == Some(true) && p.status == "inProgress"
            {
                p.cancellation_requested = true;
                p.status = "cancelled".into();
            }
        }
        if action == PendingAction::Delete {
            vault.pending.remove(&key);
            return Ok(ok(operation_json(req, name, &p)));
        }
        // A self-signed issuance completes on the first look after its time has passed.
        let issuer = p.policy["issuer"]["name"]
            .as_str()
            .unwrap_or("Self")
            .to_ascii_lowercase();
        if p.status == "inProgress" && issuer == "self" && crate::clock::instant() >= p.ready_at {
            let pair = signing_pair(&p.key)?;
            let der = params(&p.policy)?
                .self_signed(&pair)
                .map_err(|e| bad_parameter(&format!("cannot issue: {e}")))?
                .der()
                .to_vec();
            store(
                vault,
                &req.base,
                name,
                NewVersion {
                    der,
                    key: &p.key,
                    policy: p.policy.clone(),
                    attributes: p.attributes.as_ref(),
                    tags: p.tags.clone(),
                },
            )?;
            p.status = "completed".into();
            p.target = Some(format!("{}/certificates/{name}", req.base));
        }
        let body = operation_json(req, name, &p);
        vault.pending.insert(key, p);
        Ok(ok(body))
    })
}

fn merge(state: &State, req: &Req, name: &str) -> Result<Resp, Resp> {
    #[derive(Deserialize)]
    struct Parameters {
        x5c: Option<Vec<String>>,
        attributes: Option<Value>,
        tags: Option<Value>,
    }
    let p: Parameters = req.json()?;
    let leaf = p
        .x5c
        .and_then(|chain| chain.into_iter().next())
        .ok_or_else(|| bad_parameter("x5c must hold the signed certificate."))?;
    let der = STANDARD
        .decode(leaf.trim())
        .map_err(|_| bad_parameter("x5c entries must be base64 DER certificates."))?;
    state.with_vault(&req.vault, |vault| {
        let key = name.to_ascii_lowercase();
        let pending = vault.pending.remove(&key).ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                "PendingCertificateNotFound",
                &format!("Pending certificate not found: {name}"),
            )
        })?;
        let id = store(
            vault,
            &req.base,
            name,
            NewVersion {
                der,
                key: &pending.key,
                policy: pending.policy.clone(),
                attributes: p.attributes.as_ref(),
                tags: p.tags.or(pending.tags),
            },
        )?;
        let (display, item) = vault
            .certificates
            .get(name)
            .ok_or_else(|| not_found(KIND, name))?;
        let (_, v) = item.version(&id).ok_or_else(|| not_found(KIND, name))?;
        Ok(crate::http::json(
            StatusCode::CREATED,
            &Certificates::bundle(req, display, &id, v, true),
        ))
    })
}

fn import(state: &State, req: &Req, name: &str) -> Result<Resp, Resp> {
    #[derive(Deserialize)]
    struct Parameters {
        value: Option<String>,
        pwd: Option<String>,
        policy: Option<Value>,
        attributes: Option<Value>,
        tags: Option<Value>,
    }
    check_name(KIND, name)?;
    let p: Parameters = req.json()?;
    let value = p
        .value
        .ok_or_else(|| bad_parameter("The certificate value is required."))?;
    // PEM text, base64 of a PEM file (what the Python SDK and the CLI send), or a base64
    // PKCS#12 file (with `pwd`), as the service takes them; the secret keeps the imported
    // format unless the policy names another.
    let pem_text = if value.contains("-----BEGIN") {
        Ok(value)
    } else {
        let bytes = crypto::decode(value.trim()).map_err(|_| {
            bad_parameter(
                "The certificate value is neither PEM nor base64 of a PEM or PKCS#12 file.",
            )
        })?;
        match String::from_utf8(bytes) {
            Ok(text) if text.contains("-----BEGIN") => Ok(text),
            Ok(text) => Err(text.into_bytes()),
            Err(not_text) => Err(not_text.into_bytes()),
        }
    };
    let (der, key, content_type) = match pem_text {
        Ok(pem) => {
            let (der, key) =
                crypto::parse_pem_certificate_and_key(&pem).map_err(|m| bad_parameter(&m))?;
            (der, key, PEM)
        }
        Err(pfx) => {
            let (der, key) =
                crypto::parse_pkcs12_certificate_and_key(&pfx, p.pwd.as_deref().unwrap_or(""))
                    .map_err(|m| bad_parameter(&m))?;
            (der, key, PKCS12)
        }
    };
    let mut policy = p
        .policy
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    if !policy["secret_props"].is_object() {
        policy["secret_props"] = json!({});
    }
    if policy["secret_props"]["contentType"].as_str().is_none() {
        policy["secret_props"]["contentType"] = content_type.into();
    }
    let policy = complete_policy(Some(policy));
    state.with_vault(&req.vault, |vault| {
        let id = store(
            vault,
            &req.base,
            name,
            NewVersion {
                der,
                key: &key,
                policy,
                attributes: p.attributes.as_ref(),
                tags: p.tags,
            },
        )?;
        let (display, item) = vault
            .certificates
            .get(name)
            .ok_or_else(|| not_found(KIND, name))?;
        let (_, v) = item.version(&id).ok_or_else(|| not_found(KIND, name))?;
        Ok(ok(Certificates::bundle(req, display, &id, v, true)))
    })
}

fn update(state: &State, req: &Req, name: &str, version: &str) -> Result<Resp, Resp> {
    #[derive(Deserialize)]
    struct Parameters {
        policy: Option<Value>,
        attributes: Option<Value>,
        tags: Option<Value>,
    }
    let p: Parameters = req.json()?;
    objects::with::<Certificates, _>(state, req, |certs| {
        let (display, item) = certs.get_mut(name).ok_or_else(|| not_found(KIND, name))?;
        let display = display.clone();
        let (id, v) = item
            .version_mut(version)
            .ok_or_else(|| not_found(KIND, &format!("{name}/{version}")))?;
        if let Some(policy) = p.policy {
            merge_json(&mut v.policy, policy);
        }
        if let Some(tags) = p.tags {
            v.tags = Some(tags);
        }
        match &p.attributes {
            Some(a) => v.attributes.update(a),
            None => v.attributes.updated = crate::store::now(),
        }
        Ok(ok(Certificates::bundle(req, &display, id, v, true)))
    })
}

fn merge_json(target: &mut Value, patch: Value) {
    match (target.as_object_mut(), patch) {
        (Some(map), Value::Object(patch)) => {
            for (k, v) in patch {
                merge_json(map.entry(k).or_insert(Value::Null), v);
            }
        }
        (_, patch) => *target = patch,
    }
}

fn policy(state: &State, req: &Req, name: &str, change: bool) -> Result<Resp, Resp> {
    let patch: Option<Value> = if change { Some(req.json()?) } else { None };
    objects::with::<Certificates, _>(state, req, |certs| {
        let (_, item) = certs.get_mut(name).ok_or_else(|| not_found(KIND, name))?;
        let (_, v) = item
            .versions
            .last_mut()
            .ok_or_else(|| not_found(KIND, name))?;
        if let Some(patch) = patch {
            merge_json(&mut v.policy, patch);
        }
        let mut policy = v.policy.clone();
        policy["id"] = format!("{}/certificates/{name}/policy", req.base).into();
        Ok(ok(policy))
    })
}

fn issuer(state: &State, req: &Req, name: &str, change: Option<bool>) -> Result<Resp, Resp> {
    let body: Option<Value> = if change == Some(true) {
        Some(req.json()?)
    } else {
        None
    };
    state.with_vault(&req.vault, |vault| {
        let key = name.to_ascii_lowercase();
        let id = format!("{}/certificates/issuers/{name}", req.base);
        match (change, body) {
            (Some(true), Some(body)) => {
                check_name("issuer", name)?;
                let entry = vault.issuers.entry(key).or_insert_with(|| json!({}));
                merge_json(entry, body);
                entry["id"] = id.into();
                entry["attributes"]["updated"] = crate::store::now().into();
                if entry["attributes"].get("created").is_none() {
                    entry["attributes"]["created"] = crate::store::now().into();
                }
                Ok(ok(entry.clone()))
            }
            (Some(false), _) => vault.issuers.remove(&key).map(ok).ok_or_else(|| {
                error(
                    StatusCode::NOT_FOUND,
                    "CertificateIssuerNotFound",
                    &format!("Issuer not found: {name}"),
                )
            }),
            _ => vault.issuers.get(&key).cloned().map(ok).ok_or_else(|| {
                error(
                    StatusCode::NOT_FOUND,
                    "CertificateIssuerNotFound",
                    &format!("Issuer not found: {name}"),
                )
            }),
        }
    })
}

fn list_issuers(state: &State, req: &Req) -> Result<Resp, Resp> {
    let items = state.with_vault(&req.vault, |vault| {
        vault
            .issuers
            .values()
            .map(|i| json!({"id": i["id"], "provider": i["provider"]}))
            .collect()
    });
    crate::http::page(req, "certificates/issuers", items)
}

fn contacts(state: &State, req: &Req, change: Option<bool>) -> Result<Resp, Resp> {
    let body: Option<Value> = if change == Some(true) {
        Some(req.json()?)
    } else {
        None
    };
    state.with_vault(&req.vault, |vault| {
        let id = format!("{}/certificates/contacts", req.base);
        match (change, body) {
            (Some(true), Some(mut body)) => {
                body["id"] = id.into();
                vault.contacts = Some(body.clone());
                Ok(ok(body))
            }
            (Some(false), _) => vault.contacts.take().map(ok).ok_or_else(|| {
                error(
                    StatusCode::NOT_FOUND,
                    "ContactsNotFound",
                    "No certificate contacts are set.",
                )
            }),
            _ => vault.contacts.clone().map(ok).ok_or_else(|| {
                error(
                    StatusCode::NOT_FOUND,
                    "ContactsNotFound",
                    "No certificate contacts are set.",
                )
            }),
        }
    })
}
