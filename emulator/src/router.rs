//! Dispatch: the token endpoint, then authentication, the api-version check, and the object
//! routes.

use crate::http::{bad_parameter, no_route, Req, Resp};
use crate::server::Settings;
use crate::store::State;

/// Whether the emulator answers this data-plane api-version: the stable versions it models,
/// and previews of them (official SDKs default to the newest).
fn data_plane_version(v: &str) -> bool {
    const STABLE: &[&str] = &[
        "7.0",
        "7.1",
        "7.2",
        "7.3",
        "7.4",
        "7.5",
        "7.6",
        "2025-06-01",
        "2025-07-01",
        "2026-04-01",
    ];
    STABLE.contains(&v)
        || v.strip_prefix("7.")
            .is_some_and(|rest| rest.contains("-preview"))
        || management_version(v)
}

/// A management api-version: a date from 2014 on (ARM's own APIs, such as the generic
/// resource list `az keyvault list` and the JavaScript `vaults.list` send with 2015-11-01,
/// are that old), optionally `-preview`.
fn management_version(v: &str) -> bool {
    let date = v.strip_suffix("-preview").unwrap_or(v);
    let parts: Vec<&str> = date.split('-').collect();
    matches!(parts.as_slice(), [y, m, d]
        if y.len() == 4 && m.len() == 2 && d.len() == 2
            && y.parse::<u32>().is_ok_and(|y| (2014..2100).contains(&y))
            && m.parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
            && d.parse::<u32>().is_ok_and(|d| (1..=31).contains(&d)))
}

pub(crate) fn route(state: &State, settings: &Settings, req: &Req) -> Resp {
    if let Some(response) = crate::auth::token_endpoint(state, req) {
        return response;
    }
    if let Some(response) = crate::management::metadata_endpoints(req) {
        return response;
    }
    if let Err(challenge) = crate::auth::check(state, settings, req) {
        return challenge;
    }
    let management = match req.segments.first().map(String::as_str) {
        Some("subscriptions") => true,
        Some("providers") => req.segments.get(1).map(String::as_str) == Some("Microsoft.KeyVault"),
        _ => false,
    };
    let known = if management {
        management_version
    } else {
        data_plane_version
    };
    match req.query.get("api-version") {
        None => return bad_parameter("The api-version query parameter is required."),
        Some(v) if !known(v) => {
            return bad_parameter(&format!(
                "The specified version ({v}) is not recognized. Consider using the latest supported version ({}).",
                if management {
                    crate::http::LATEST_MANAGEMENT
                } else {
                    crate::http::LATEST_DATA_PLANE
                }
            ))
        }
        Some(_) => {}
    }
    if management {
        return crate::management::handle(state, req).unwrap_or_else(|| no_route(req));
    }
    crate::secrets::handle(state, settings, req)
        .or_else(|| crate::keys::handle(state, settings, req))
        .or_else(|| crate::certificates::handle(state, settings, req))
        .or_else(|| crate::admin::handle(state, req))
        .or_else(|| crate::ekm::handle(state, req))
        .unwrap_or_else(|| no_route(req))
}
