//! Managed HSM external key manager (EKM, 2026-04-01): one connection to an EKM proxy per vault
//! (create, get, update, delete), the client certificate the HSM authenticates to the proxy
//! with, and the connectivity check. There is no proxy behind it: the check answers with fixed
//! product strings once a connection is configured.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use hyper::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::http::{bad_parameter, error, ok, Req, Resp};
use crate::store::State;

/// The subject common name of the client certificate (the one in the service's example).
const CLIENT_SUBJECT: &str = "Azure Key Vault EKM Client";

/// One vault's EKM state.
#[derive(Default, Clone, Serialize, Deserialize)]
pub(crate) struct Ekm {
    connection: Option<Connection>,
    /// The client certificate (DER), made on first request and kept for the vault's life: a
    /// proxy is configured to trust it, so it must not change between calls.
    client_certificate: Option<Vec<u8>>,
}

/// An `EkmConnection`, with the fields under their wire names.
#[derive(Clone, Serialize, Deserialize)]
struct Connection {
    host: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_prefix: Option<String>,
    /// Base64 DER, normalized to padded standard base64.
    server_ca_certificates: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_subject_common_name: Option<String>,
}

/// An `EkmConnectionUpdate`: every field optional.
#[derive(Deserialize)]
struct Update {
    host: Option<String>,
    path_prefix: Option<String>,
    server_ca_certificates: Option<Vec<String>>,
    server_subject_common_name: Option<String>,
}

/// Serves the EKM routes; `None` for other paths.
pub(crate) fn handle(state: &State, req: &Req) -> Option<Resp> {
    let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let result = match (&req.method, segments.as_slice()) {
        (&Method::GET, ["ekm"]) => get(state, req),
        (&Method::PATCH, ["ekm"]) => update(state, req),
        (&Method::DELETE, ["ekm"]) => delete(state, req),
        (&Method::POST, ["ekm", "create"]) => create(state, req),
        (&Method::GET, ["ekm", "certificate"]) => Ok(certificate(state, req)),
        (&Method::POST, ["ekm", "check"]) => check(state, req),
        _ => return None,
    };
    Some(result.unwrap_or_else(|e| e))
}

/// 404 when the vault has no connection, worded like the other administration objects.
fn no_connection() -> Resp {
    error(
        StatusCode::NOT_FOUND,
        "EkmConnectionNotFound",
        "No EKM connection is configured for this managed HSM.",
    )
}

fn to_json(connection: &Connection) -> Value {
    serde_json::to_value(connection).unwrap_or_default()
}

/// The proxy's FQDN: the characters the spec allows (a port after a colon included).
fn check_host(host: &str) -> Result<(), Resp> {
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':'));
    if valid {
        Ok(())
    } else {
        Err(bad_parameter(&format!(
            "The EKM proxy host '{host}' is invalid: use letters, digits, '-', '.' and ':'."
        )))
    }
}

/// The server CA chain: at least one certificate, each base64 of an X.509 DER certificate.
fn check_certificates(certificates: &[String]) -> Result<Vec<String>, Resp> {
    if certificates.is_empty() {
        return Err(bad_parameter(
            "server_ca_certificates needs at least one certificate.",
        ));
    }
    certificates
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let der = STANDARD_NO_PAD
                .decode(text.trim_end_matches('='))
                .map_err(|_| {
                    bad_parameter(&format!("server_ca_certificates[{i}] is not base64."))
                })?;
            webpki::EndEntityCert::try_from(&rustls::pki_types::CertificateDer::from(
                der.as_slice(),
            ))
            .map_err(|_| {
                bad_parameter(&format!(
                    "server_ca_certificates[{i}] is not a DER X.509 certificate."
                ))
            })?;
            Ok(STANDARD.encode(der))
        })
        .collect()
}

/// `POST /ekm/create`: the one connection; a second create is a conflict (update it instead).
fn create(state: &State, req: &Req) -> Result<Resp, Resp> {
    let body: Update = req.json()?;
    let host = body
        .host
        .ok_or_else(|| bad_parameter("host is required."))?;
    check_host(&host)?;
    let certificates = body
        .server_ca_certificates
        .ok_or_else(|| bad_parameter("server_ca_certificates is required."))?;
    let connection = Connection {
        host,
        path_prefix: body.path_prefix,
        server_ca_certificates: check_certificates(&certificates)?,
        server_subject_common_name: body.server_subject_common_name,
    };
    state.with_vault(&req.vault, |vault| {
        if vault.ekm.connection.is_some() {
            return Err(error(
                StatusCode::CONFLICT,
                "Conflict",
                "An EKM connection already exists for this managed HSM: update or delete it.",
            ));
        }
        let out = to_json(&connection);
        vault.ekm.connection = Some(connection);
        Ok(ok(out))
    })
}

/// `GET /ekm`.
fn get(state: &State, req: &Req) -> Result<Resp, Resp> {
    state.with_vault(&req.vault, |vault| {
        vault
            .ekm
            .connection
            .as_ref()
            .map(|c| ok(to_json(c)))
            .ok_or_else(no_connection)
    })
}

/// `PATCH /ekm`: the given fields replace the stored ones; the others stay.
fn update(state: &State, req: &Req) -> Result<Resp, Resp> {
    let body: Update = req.json()?;
    if let Some(host) = &body.host {
        check_host(host)?;
    }
    let certificates = body
        .server_ca_certificates
        .as_deref()
        .map(check_certificates)
        .transpose()?;
    state.with_vault(&req.vault, |vault| {
        let connection = vault.ekm.connection.as_mut().ok_or_else(no_connection)?;
        if let Some(host) = body.host {
            connection.host = host;
        }
        if let Some(prefix) = body.path_prefix {
            connection.path_prefix = Some(prefix);
        }
        if let Some(certificates) = certificates {
            connection.server_ca_certificates = certificates;
        }
        if let Some(name) = body.server_subject_common_name {
            connection.server_subject_common_name = Some(name);
        }
        Ok(ok(to_json(connection)))
    })
}

/// `DELETE /ekm`: answers with the connection it removed.
fn delete(state: &State, req: &Req) -> Result<Resp, Resp> {
    state.with_vault(&req.vault, |vault| {
        vault
            .ekm
            .connection
            .take()
            .map(|c| ok(to_json(&c)))
            .ok_or_else(no_connection)
    })
}

/// `GET /ekm/certificate`: available with or without a connection (the proxy needs it first).
fn certificate(state: &State, req: &Req) -> Resp {
    let made = state.with_vault(&req.vault, |vault| {
        if vault.ekm.client_certificate.is_none() {
            vault.ekm.client_certificate = client_certificate();
        }
        vault.ekm.client_certificate.clone()
    });
    match made {
        Some(der) => ok(json!({
            "ca_certificates": [STANDARD.encode(der)],
            "subject_common_name": CLIENT_SUBJECT,
        })),
        None => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "The emulator could not make the EKM client certificate.",
        ),
    }
}

/// A self-signed client certificate that is its own root: the chain handed out is just it.
fn client_certificate() -> Option<Vec<u8>> {
    let key = rcgen::KeyPair::generate().ok()?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).ok()?;
    let mut name = rcgen::DistinguishedName::new();
    name.push(rcgen::DnType::CommonName, CLIENT_SUBJECT);
    params.distinguished_name = name;
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    Some(params.self_signed(&key).ok()?.der().to_vec())
}

/// `POST /ekm/check`: what a reachable proxy reports about itself.
fn check(state: &State, req: &Req) -> Result<Resp, Resp> {
    state.with_vault(&req.vault, |vault| {
        vault.ekm.connection.as_ref().ok_or_else(no_connection)?;
        Ok(ok(json!({
            "api_version": "1.0.0",
            "proxy_vendor": "Key Vault Emulator",
            "proxy_name": "Key Vault Emulator EKM Proxy 1.0",
            "ekm_vendor": "Key Vault Emulator",
            "ekm_product": "Key Vault Emulator In-Memory EKM 1.0",
        })))
    })
}
