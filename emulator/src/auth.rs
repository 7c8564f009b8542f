//! Authentication as Key Vault does it: an unauthenticated request gets a 401 whose
//! `WWW-Authenticate` challenge names the authorization server (the emulator's own token
//! endpoint) and the resource. By default any bearer token is then accepted; with strict auth
//! only tokens the emulator issued.

use hyper::{Method, StatusCode};
use serde_json::json;

use crate::http::{error, json, Req, Resp};
use crate::server::Settings;
use crate::store::State;

/// The client-credentials token endpoint: `POST /{tenant}/oauth2/v2.0/token`.
pub(crate) fn token_endpoint(state: &State, req: &Req) -> Option<Resp> {
    let segments: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let [_tenant, "oauth2", "v2.0", "token"] = segments.as_slice() else {
        return None;
    };
    if req.method != Method::POST {
        return Some(error(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            "use POST",
        ));
    }
    let form: std::collections::BTreeMap<String, String> = form_urlencoded::parse(&req.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return Some(json(
            StatusCode::BAD_REQUEST,
            &json!({"error": "unsupported_grant_type", "error_description": "The emulator issues tokens for the client_credentials grant."}),
        ));
    }
    let token = issue_token(state);
    Some(json(
        StatusCode::OK,
        &json!({"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600, "access_token": token}),
    ))
}

/// A new token, remembered so strict auth accepts it.
pub(crate) fn issue_token(state: &State) -> String {
    let token = format!("emulator.{}", crate::store::new_version());
    state
        .tokens
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(token.clone());
    token
}

/// Lets an authorized request through; answers anything else with the challenge.
pub(crate) fn check(state: &State, settings: &Settings, req: &Req) -> Result<(), Resp> {
    let token = req
        .headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let accepted = match token {
        None => false,
        Some(token) if settings.strict_auth => state
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(token),
        Some(_) => true,
    };
    if accepted {
        return Ok(());
    }
    let mut response = error(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        if token.is_some() {
            "AKV10032: Invalid issuer or token."
        } else {
            "AKV10000: Request is missing a Bearer or PoP token."
        },
    );
    let challenge = format!(
        r#"Bearer authorization="{}/{}", resource="{}""#,
        req.origin,
        settings.tenant,
        challenge_resource(&req.origin)
    );
    if let Ok(value) = hyper::header::HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(hyper::header::WWW_AUTHENTICATE, value);
    }
    Err(response)
}

/// The challenge's `resource`: as the service names `https://vault.azure.net` to the vault
/// `https://{name}.vault.azure.net`, the parent domain of a host name with one
/// (`https://alpha.localhost:PORT` -> `https://localhost`), so SDKs that check the resource is
/// a parent of the vault's host (JavaScript, Python, .NET) accept it; else the origin itself
/// (an IP address or a single-label name has no parent).
fn challenge_resource(origin: &str) -> String {
    let Some((scheme, host, _)) = crate::http::url_parts(origin) else {
        return origin.to_owned();
    };
    if host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok() {
        return origin.to_owned();
    }
    match host.split_once('.') {
        Some((_, parent)) if !parent.is_empty() => format!("{scheme}://{parent}"),
        _ => origin.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::challenge_resource;

    #[test]
    fn the_resource_is_the_parent_domain_of_a_vault_host() {
        for (origin, resource) in [
            ("https://alpha.localhost:8443", "https://localhost"),
            ("https://kv.vault.azure.net", "https://vault.azure.net"),
            ("https://127.0.0.1:8443", "https://127.0.0.1:8443"),
            ("https://[::1]:8443", "https://[::1]:8443"),
            ("https://localhost:8443", "https://localhost:8443"),
        ] {
            assert_eq!(challenge_resource(origin), resource, "{origin}");
        }
    }
}
