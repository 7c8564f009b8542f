//! Keys: create (RSA, EC, oct), import, versions, update, rotate and rotation policies,
//! cryptographic operations (with the secure wrap/unwrap of 2026-04-01), random bytes, and the
//! shared soft-delete/backup behaviour.

use hyper::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::http::{bad_parameter, check_name, error, not_found, ok, Req, Resp};
use crate::objects::{self, ObjectKind};
use crate::server::Settings;
use crate::store::{Attributes, State};
use crate::{aes, crypto};

const KIND: &str = "key";

/// One version of a key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct KeyVersion {
    /// The private JWK (never returned; its public part is).
    jwk: Map<String, Value>,
    /// `RSA`, `RSA-HSM`, `EC`, `EC-HSM`, `oct-HSM`.
    kty: String,
    key_ops: Vec<String>,
    tags: Option<Value>,
    attributes: Attributes,
    /// How to make the next version on rotation.
    spec: KeySpec,
    /// `attributes.external_key` as given at creation (a key held by the vault's external key
    /// manager); kept and returned, not used. Absent from backups made before it existed.
    #[serde(default)]
    external_key: Option<Value>,
}

impl KeyVersion {
    /// `attributes` as every key view returns them: the common ones, plus `key_size` for
    /// symmetric keys (read-only in the spec: only the service knows it) and the external key.
    fn attributes_json(&self) -> Value {
        let mut attributes = self.attributes.to_json();
        if self.jwk.get("kty").and_then(Value::as_str) == Some("oct") {
            if let Some(k) = self.jwk.get("k").and_then(Value::as_str) {
                if let Ok(bytes) = crypto::decode(k) {
                    attributes["key_size"] = (bytes.len() * 8).into();
                }
            }
        }
        if let Some(external) = &self.external_key {
            attributes["external_key"] = external.clone();
        }
        attributes
    }
}

/// What a key was created with, for rotation.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct KeySpec {
    kty: String,
    size: Option<usize>,
    crv: Option<String>,
    public_exponent: Option<u64>,
}

/// Keys as an object kind.
pub(crate) struct Keys;

impl ObjectKind for Keys {
    type Version = KeyVersion;
    const KIND: &'static str = KIND;
    const COLLECTION: &'static str = "keys";
    const DELETED: &'static str = "deletedkeys";

    fn collection(vault: &mut crate::store::Vault) -> &mut crate::store::Collection<KeyVersion> {
        &mut vault.keys
    }

    fn bundle(req: &Req, name: &str, version: &str, v: &KeyVersion, _full: bool) -> Value {
        let mut key = crypto::public(&v.jwk);
        key.insert(
            "kid".into(),
            format!("{}/keys/{name}/{version}", req.base).into(),
        );
        key.insert("kty".into(), v.kty.clone().into());
        key.insert("key_ops".into(), json!(v.key_ops));
        let mut attributes = v.attributes_json();
        attributes["exportable"] = false.into();
        let mut out = json!({"key": key, "attributes": attributes});
        if let Some(tags) = &v.tags {
            out["tags"] = tags.clone();
        }
        out
    }

    fn item(req: &Req, name: &str, version: Option<&str>, v: &KeyVersion) -> Value {
        let kid = match version {
            Some(version) => format!("{}/keys/{name}/{version}", req.base),
            None => format!("{}/keys/{name}", req.base),
        };
        let mut out = json!({"kid": kid, "attributes": v.attributes_json()});
        if let Some(tags) = &v.tags {
            out["tags"] = tags.clone();
        }
        out
    }
}

/// Serves the key routes; `None` when the path is not one of them.
pub(crate) fn handle(state: &State, settings: &Settings, req: &Req) -> Option<Resp> {
    let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let result = match (&req.method, segments.as_slice()) {
        (&Method::POST, ["rng"]) => random_bytes(req),
        (&Method::GET, ["keys"]) => objects::list::<Keys>(state, req),
        (&Method::POST, ["keys", "restore"]) => objects::restore::<Keys>(state, req),
        (&Method::POST, ["keys", name, "create"]) => create(state, req, name),
        (&Method::PUT, ["keys", name]) => import(state, req, name),
        (&Method::POST, ["keys", name, "rotate"]) => rotate(state, req, name),
        (&Method::GET, ["keys", name, "rotationpolicy"]) => rotation_policy(state, req, name, None),
        (&Method::PUT, ["keys", name, "rotationpolicy"]) => {
            rotation_policy(state, req, name, Some(req.json::<Value>()))
        }
        (&Method::GET, ["keys", name, "versions"]) => objects::versions::<Keys>(state, req, name),
        (&Method::POST, ["keys", name, "backup"]) => objects::backup::<Keys>(state, req, name),
        (&Method::GET, ["keys", name]) => objects::get::<Keys>(state, req, name, ""),
        (&Method::GET, ["keys", name, version]) => objects::get::<Keys>(state, req, name, version),
        (&Method::PATCH, ["keys", name]) => update(state, req, name, ""),
        (&Method::PATCH, ["keys", name, version]) => update(state, req, name, version),
        (&Method::DELETE, ["keys", name]) => objects::delete::<Keys>(state, settings, req, name),
        (&Method::POST, ["keys", name, version, op]) => operation(state, req, name, version, op),
        // A proxy may collapse the empty version of `/keys/{name}//sign` ("latest").
        (
            &Method::POST,
            ["keys", name, op @ ("encrypt" | "decrypt" | "wrapkey" | "unwrapkey" | "sign" | "verify"
            | "securewrapkey" | "secureunwrapkey")],
        ) => operation(state, req, name, "", op),
        (&Method::GET, ["keys", _, _, "attestation"]) => Err(unsupported("Key attestation")),
        (&Method::GET, ["deletedkeys"]) => objects::list_deleted::<Keys>(state, req),
        (&Method::GET, ["deletedkeys", name]) => objects::get_deleted::<Keys>(state, req, name),
        (&Method::DELETE, ["deletedkeys", name]) => objects::purge::<Keys>(state, req, name),
        (&Method::POST, ["deletedkeys", name, "recover"]) => {
            objects::recover::<Keys>(state, req, name)
        }
        _ => return None,
    };
    Some(result.unwrap_or_else(|e| e))
}

fn unsupported(what: &str) -> Resp {
    error(
        hyper::StatusCode::BAD_REQUEST,
        "NotSupported",
        &format!("{what} needs a Managed HSM with attestation; the emulator does not provide it."),
    )
}

#[derive(Deserialize)]
struct CreateParameters {
    kty: Option<String>,
    key_size: Option<usize>,
    public_exponent: Option<u64>,
    key_ops: Option<Vec<String>>,
    attributes: Option<Value>,
    tags: Option<Value>,
    crv: Option<String>,
}

fn default_ops(kty: &str) -> Vec<String> {
    let ops: &[&str] = match kty.trim_end_matches("-HSM") {
        "EC" => &["sign", "verify"],
        "oct" => &["encrypt", "decrypt", "wrapKey", "unwrapKey"],
        _ => &[
            "encrypt",
            "decrypt",
            "sign",
            "verify",
            "wrapKey",
            "unwrapKey",
        ],
    };
    ops.iter().map(|s| (*s).to_owned()).collect()
}

/// `attributes.external_key` of a create or import, checked as the spec describes its id.
fn external_key(attributes: Option<&Value>) -> Result<Option<Value>, Resp> {
    let Some(external) = attributes.and_then(|a| a.get("external_key")) else {
        return Ok(None);
    };
    let id = external
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let valid =
        (1..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !valid {
        return Err(bad_parameter(
            "external_key.id is required: 1 to 64 letters, digits and dashes.",
        ));
    }
    Ok(Some(json!({ "id": id })))
}

fn material(spec: &KeySpec) -> Result<Map<String, Value>, Resp> {
    let result = match spec.kty.trim_end_matches("-HSM") {
        "RSA" => crypto::generate_rsa(spec.size.unwrap_or(2048), spec.public_exponent),
        "EC" => crypto::generate_ec(spec.crv.as_deref().unwrap_or("P-256")),
        "oct" => crypto::generate_oct(spec.size.unwrap_or(256)),
        other => Err(format!(
            "key type `{other}` is not supported: use RSA, RSA-HSM, EC, EC-HSM or oct-HSM"
        )),
    };
    result.map_err(|m| bad_parameter(&m))
}

fn store_version(state: &State, req: &Req, name: &str, version: KeyVersion) -> Result<Resp, Resp> {
    objects::with::<Keys, _>(state, req, |keys| {
        let id = keys
            .add_version(name, version.clone())
            .map_err(|c| c.response("Key", name))?;
        let display = keys
            .get(name)
            .map(|e| e.0.clone())
            .unwrap_or_else(|| name.to_owned());
        Ok(ok(Keys::bundle(req, &display, &id, &version, true)))
    })
}

fn create(state: &State, req: &Req, name: &str) -> Result<Resp, Resp> {
    check_name(KIND, name)?;
    let p: CreateParameters = req.json()?;
    let kty = p
        .kty
        .ok_or_else(|| bad_parameter("The key type (kty) is required."))?;
    let spec = KeySpec {
        kty: kty.clone(),
        size: p.key_size,
        crv: p.crv,
        public_exponent: p.public_exponent,
    };
    let version = KeyVersion {
        external_key: external_key(p.attributes.as_ref())?,
        jwk: material(&spec)?,
        key_ops: p.key_ops.unwrap_or_else(|| default_ops(&kty)),
        kty,
        tags: p.tags,
        attributes: Attributes::new(p.attributes.as_ref()),
        spec,
    };
    store_version(state, req, name, version)
}

fn import(state: &State, req: &Req, name: &str) -> Result<Resp, Resp> {
    #[derive(Deserialize)]
    struct ImportParameters {
        key: Option<Map<String, Value>>,
        #[serde(rename = "Hsm")]
        hsm: Option<bool>,
        attributes: Option<Value>,
        tags: Option<Value>,
    }
    check_name(KIND, name)?;
    let p: ImportParameters = req.json()?;
    let key = p
        .key
        .ok_or_else(|| bad_parameter("The key (JSON Web Key) is required."))?;
    let jwk = crypto::import(&key).map_err(|m| bad_parameter(&m))?;
    let base = jwk
        .get("kty")
        .and_then(Value::as_str)
        .unwrap_or("RSA")
        .to_owned();
    let kty = if p.hsm == Some(true) || base == "oct" {
        format!("{base}-HSM")
    } else {
        base
    };
    let key_ops = key
        .get("key_ops")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_else(|| default_ops(&kty));
    let spec = KeySpec {
        kty: kty.clone(),
        size: None,
        crv: jwk.get("crv").and_then(Value::as_str).map(str::to_owned),
        public_exponent: None,
    };
    let version = KeyVersion {
        external_key: external_key(p.attributes.as_ref())?,
        jwk,
        kty,
        key_ops,
        tags: p.tags,
        attributes: Attributes::new(p.attributes.as_ref()),
        spec,
    };
    store_version(state, req, name, version)
}

fn rotate(state: &State, req: &Req, name: &str) -> Result<Resp, Resp> {
    let current = objects::with::<Keys, _>(state, req, |keys| {
        keys.get(name)
            .and_then(|(_, item)| item.current().map(|(_, v)| v.clone()))
            .ok_or_else(|| not_found(KIND, name))
    })?;
    let mut next = current.clone();
    next.jwk = material(&current.spec)?;
    next.attributes = Attributes::new(None);
    store_version(state, req, name, next)
}

fn update(state: &State, req: &Req, name: &str, version: &str) -> Result<Resp, Resp> {
    #[derive(Deserialize)]
    struct UpdateParameters {
        key_ops: Option<Vec<String>>,
        attributes: Option<Value>,
        tags: Option<Value>,
    }
    let p: UpdateParameters = req.json()?;
    objects::with::<Keys, _>(state, req, |keys| {
        let (display, item) = keys.get_mut(name).ok_or_else(|| not_found(KIND, name))?;
        let display = display.clone();
        let (id, v) = item
            .version_mut(version)
            .ok_or_else(|| not_found(KIND, &format!("{name}/{version}")))?;
        if let Some(ops) = p.key_ops {
            v.key_ops = ops;
        }
        if let Some(tags) = p.tags {
            v.tags = Some(tags);
        }
        match &p.attributes {
            Some(a) => v.attributes.update(a),
            None => v.attributes.updated = crate::store::now(),
        }
        Ok(ok(Keys::bundle(req, &display, id, v, true)))
    })
}

fn rotation_policy(
    state: &State,
    req: &Req,
    name: &str,
    update: Option<Result<Value, Resp>>,
) -> Result<Resp, Resp> {
    let id = format!("{}/keys/{name}/rotationpolicy", req.base);
    state.with_vault(&req.vault, |vault| {
    if vault.keys.get(name).is_none() {
        return Err(not_found(KIND, name));
    }
    let key = name.to_ascii_lowercase();
    let policy = match update {
        Some(body) => {
            let mut body = body?;
            body["id"] = id.clone().into();
            let now = crate::store::now();
            body["attributes"]["updated"] = now.into();
            if body["attributes"].get("created").is_none() {
                body["attributes"]["created"] = now.into();
            }
            vault.rotation_policies.insert(key, body.clone());
            body
        }
        None => vault.rotation_policies.get(&key).cloned().unwrap_or_else(|| {
            json!({
                "id": id,
                "lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}],
                "attributes": {}
            })
        }),
    };
    Ok(ok(policy))
    })
}

fn random_bytes(req: &Req) -> Result<Resp, Resp> {
    #[derive(Deserialize)]
    struct Parameters {
        count: Option<usize>,
    }
    let p: Parameters = req.json()?;
    let count = p.count.unwrap_or(0);
    if !(1..=128).contains(&count) {
        return Err(bad_parameter("count must be between 1 and 128."));
    }
    Ok(ok(json!({"value": crypto::encode(&crypto::random(count))})))
}

fn operation(state: &State, req: &Req, name: &str, version: &str, op: &str) -> Result<Resp, Resp> {
    #[derive(Deserialize)]
    struct Parameters {
        alg: Option<String>,
        value: Option<String>,
        digest: Option<String>,
        iv: Option<String>,
        aad: Option<String>,
        tag: Option<String>,
    }
    let needed = match op {
        "encrypt" => "encrypt",
        "decrypt" => "decrypt",
        "wrapkey" => "wrapKey",
        "unwrapkey" => "unwrapKey",
        "sign" => "sign",
        "verify" => "verify",
        "securewrapkey" => return secure_wrap(state, req, name, version),
        "secureunwrapkey" => return secure_unwrap(state, req, name, version),
        "release" => return Err(unsupported("Secure key release")),
        _ => return Err(crate::http::no_route(req)),
    };
    let p: Parameters = req.json()?;
    let alg = p
        .alg
        .ok_or_else(|| bad_parameter("The algorithm (alg) is required."))?;
    let (kid, v) = usable_key(state, req, name, version, needed)?;
    let value =
        crypto::decode(p.value.as_deref().unwrap_or_default()).map_err(|m| bad_parameter(&m))?;
    let bad = |m: String| bad_parameter(&m);
    let field = |f: &Option<String>| -> Result<Option<Vec<u8>>, Resp> {
        f.as_deref()
            .map(crypto::decode)
            .transpose()
            .map_err(|m| bad_parameter(&m))
    };
    let symmetric = v.jwk.get("kty").and_then(Value::as_str) == Some("oct");
    let out = match op {
        "encrypt" | "decrypt" if symmetric => {
            let (iv, aad, tag) = (field(&p.iv)?, field(&p.aad)?, field(&p.tag)?);
            let k = crypto::oct_key(&v.jwk).map_err(bad)?;
            let aad = aad.as_deref().unwrap_or_default();
            if op == "decrypt" {
                let plain = aes::decrypt(&k, &alg, &value, iv.as_deref(), aad, tag.as_deref())
                    .map_err(bad)?;
                json!({"kid": kid, "value": crypto::encode(&plain)})
            } else {
                let sealed = aes::encrypt(&k, &alg, &value, iv.as_deref(), aad).map_err(bad)?;
                let mut out = json!({"kid": kid, "value": crypto::encode(&sealed.data), "iv": crypto::encode(&sealed.iv)});
                if let Some(tag) = &sealed.tag {
                    out["tag"] = crypto::encode(tag);
                }
                out
            }
        }
        "encrypt" => {
            json!({"kid": kid, "value": crypto::encode(&crypto::encrypt(&v.jwk, &alg, &value).map_err(bad)?)})
        }
        "decrypt" => {
            json!({"kid": kid, "value": crypto::encode(&crypto::decrypt(&v.jwk, &alg, &value).map_err(bad)?)})
        }
        "wrapkey" => {
            json!({"kid": kid, "value": crypto::encode(&crypto::wrap(&v.jwk, &alg, &value).map_err(bad)?)})
        }
        "unwrapkey" => {
            json!({"kid": kid, "value": crypto::encode(&crypto::unwrap(&v.jwk, &alg, &value).map_err(bad)?)})
        }
        "sign" => {
            json!({"kid": kid, "value": crypto::encode(&crypto::sign(&v.jwk, &alg, &value).map_err(bad)?)})
        }
        _ => {
            let digest = crypto::decode(p.digest.as_deref().unwrap_or_default())
                .map_err(|m| bad_parameter(&m))?;
            json!({"value": crypto::verify(&v.jwk, &alg, &digest, &value).map_err(bad)?})
        }
    };
    Ok(ok(out))
}

/// The key version a cryptographic operation runs with, and its `kid`: 404 when missing, 403
/// when its `key_ops` do not allow `needed` or it is disabled.
fn usable_key(
    state: &State,
    req: &Req,
    name: &str,
    version: &str,
    needed: &str,
) -> Result<(String, KeyVersion), Resp> {
    let (kid, v) = objects::with::<Keys, _>(state, req, |keys| {
        let (display, item) = keys.get(name).ok_or_else(|| not_found(KIND, name))?;
        let (id, v) = item
            .version(version)
            .ok_or_else(|| not_found(KIND, &format!("{name}/{version}")))?;
        Ok::<_, Resp>((format!("{}/keys/{display}/{id}", req.base), v.clone()))
    })?;
    if !v.key_ops.iter().any(|o| o == needed) {
        return Err(error(
            hyper::StatusCode::FORBIDDEN,
            "Forbidden",
            &format!("Operation {needed} is not permitted on this key."),
        ));
    }
    if !v.attributes.enabled {
        return Err(error(
            hyper::StatusCode::FORBIDDEN,
            "Forbidden",
            "Operations are not allowed on a disabled key.",
        ));
    }
    // Outside nbf..exp a key still decrypts, unwraps and verifies (so data made while it was
    // valid stays readable), but makes nothing new, as the service documents.
    if matches!(needed, "encrypt" | "wrapKey" | "sign") {
        let now = crate::store::now();
        let refused = |why: &str| {
            error(
                hyper::StatusCode::FORBIDDEN,
                "Forbidden",
                &format!("Operation {needed} is not allowed on {why} key."),
            )
        };
        if v.attributes.not_before.is_some_and(|nbf| now < nbf) {
            return Err(refused("a not-yet-valid"));
        }
        if v.attributes.expires.is_some_and(|exp| now >= exp) {
            return Err(refused("an expired"));
        }
    }
    Ok((kid, v))
}

/// The most rotations one look at a vault makes for one key (each makes a new key pair).
const MAX_ROTATIONS_PER_LOOK: usize = 10;

/// Rotates the keys whose rotation policy says they are due, as the service does on its own:
/// a `Rotate` action fires `timeAfterCreate` after the current version was created, or
/// `timeBeforeExpiry` before it expires; the new version expires `attributes.expiryTime` after
/// its creation. A clock moved past several periods rotates several times (up to
/// [`MAX_ROTATIONS_PER_LOOK`] per look), each version dated when it was due.
pub(crate) fn run_rotation_policies(vault: &mut crate::store::Vault, now: i64) {
    use crate::clock::parse_iso_duration;
    let policies: Vec<(String, Value)> = vault
        .rotation_policies
        .iter()
        .map(|(key, policy)| (key.clone(), policy.clone()))
        .collect();
    for (key, policy) in policies {
        let Some(action) = policy["lifetimeActions"].as_array().and_then(|actions| {
            actions.iter().find(|a| {
                a["action"]["type"]
                    .as_str()
                    .is_some_and(|t| t.eq_ignore_ascii_case("rotate"))
            })
        }) else {
            continue;
        };
        let positive = |field: &str| {
            action["trigger"][field]
                .as_str()
                .and_then(parse_iso_duration)
                .filter(|seconds| *seconds > 0)
        };
        let (after_create, before_expiry) =
            (positive("timeAfterCreate"), positive("timeBeforeExpiry"));
        let expiry = policy["attributes"]["expiryTime"]
            .as_str()
            .and_then(parse_iso_duration)
            .filter(|seconds| *seconds > 0);
        for _ in 0..MAX_ROTATIONS_PER_LOOK {
            let Some((display, item)) = vault.keys.live.get(&key) else {
                break;
            };
            let Some((_, current)) = item.current() else {
                break;
            };
            let due_at = match (after_create, before_expiry, current.attributes.expires) {
                (Some(after), _, _) => current.attributes.created + after,
                (None, Some(before), Some(expires)) => expires - before,
                _ => break,
            };
            if due_at > now {
                break;
            }
            let Ok(jwk) = material(&current.spec) else {
                break;
            };
            let display = display.clone();
            let mut next = current.clone();
            next.jwk = jwk;
            next.attributes = Attributes::new(None);
            next.attributes.created = due_at;
            next.attributes.updated = due_at;
            next.attributes.expires = expiry.map(|seconds| due_at + seconds);
            if vault.keys.add_version(&display, next).is_err() {
                break;
            }
        }
    }
}

/// The secure operations take a `JsonWebKeyWrapAlgorithm`, a narrower set than wrapKey's: of it
/// the emulator implements RSA-OAEP-256 (RSA keys) and AES key wrap (oct keys); the padded and
/// PKCS#11 variants, and RSA-OAEP / RSA1_5 (not in the set), are refused.
fn secure_algorithm(alg: Option<String>) -> Result<String, Resp> {
    let alg = alg.ok_or_else(|| bad_parameter("The algorithm (alg) is required."))?;
    match alg.as_str() {
        "RSA-OAEP-256" | "A128KW" | "A192KW" | "A256KW" => Ok(alg),
        other => Err(bad_parameter(&format!(
            "The algorithm `{other}` is not supported for secure key wrap: use RSA-OAEP-256 (RSA keys) or A128KW, A192KW or A256KW (oct keys)."
        ))),
    }
}

/// The size of the key a secure wrap makes: the service "creates a new 256-bit AES key" in its
/// trusted execution environment.
const SECURE_KEY_BYTES: usize = 32;

/// `POST /keys/{name}/{version}/securewrapkey`: a fresh AES-256 key, returned only wrapped by the
/// key encryption key (the caller never sees it in the clear).
fn secure_wrap(state: &State, req: &Req, name: &str, version: &str) -> Result<Resp, Resp> {
    #[derive(Deserialize)]
    struct Parameters {
        alg: Option<String>,
    }
    let p: Parameters = req.json()?;
    let alg = secure_algorithm(p.alg)?;
    let (kid, v) = usable_key(state, req, name, version, "wrapKey")?;
    let wrapped = crypto::wrap(&v.jwk, &alg, &crypto::random(SECURE_KEY_BYTES))
        .map_err(|m| bad_parameter(&m))?;
    Ok(ok(
        json!({"kid": kid, "alg": alg, "value": crypto::encode(&wrapped)}),
    ))
}

/// `POST /keys/{name}/{version}/secureunwrapkey`: the reverse, released to the attested target.
/// The emulator has no attestation service: any non-empty `target` token is accepted, an empty
/// or missing one is refused as the service refuses it.
fn secure_unwrap(state: &State, req: &Req, name: &str, version: &str) -> Result<Resp, Resp> {
    #[derive(Deserialize)]
    struct Parameters {
        alg: Option<String>,
        value: Option<String>,
        target: Option<String>,
    }
    let p: Parameters = req.json()?;
    let alg = secure_algorithm(p.alg)?;
    let value = p
        .value
        .ok_or_else(|| bad_parameter("The wrapped key (value) is required."))?;
    if p.target.as_deref().is_none_or(str::is_empty) {
        return Err(bad_parameter(
            "The target attestation token (target) is required.",
        ));
    }
    let wrapped = crypto::decode(&value).map_err(|m| bad_parameter(&m))?;
    let (kid, v) = usable_key(state, req, name, version, "unwrapKey")?;
    let key = crypto::unwrap(&v.jwk, &alg, &wrapped).map_err(|m| bad_parameter(&m))?;
    Ok(ok(
        json!({"kid": kid, "alg": alg, "value": crypto::encode(&key)}),
    ))
}

/// The key a certificate version owns (its private key, for its `kid`).
pub(crate) fn add_certificate_key(
    vault: &mut crate::store::Vault,
    name: &str,
    jwk: Map<String, Value>,
    tags: Option<Value>,
) -> Result<String, crate::store::Conflict> {
    let kty = jwk
        .get("kty")
        .and_then(Value::as_str)
        .unwrap_or("RSA")
        .to_owned();
    let version = KeyVersion {
        key_ops: default_ops(&kty),
        spec: KeySpec {
            kty: kty.clone(),
            size: None,
            crv: jwk.get("crv").and_then(Value::as_str).map(str::to_owned),
            public_exponent: None,
        },
        jwk,
        kty,
        tags,
        attributes: Attributes::new(None),
        external_key: None,
    };
    vault.keys.add_version(name, version)
}
