//! Dispatch: the token endpoint, then authentication, the api-version check, and the object
//! routes.

use crate::http::{bad_parameter, no_route, Req, Resp};
use crate::server::Settings;
use crate::store::State;

/// api-versions the emulator answers (the data plane's stable versions it models).
const API_VERSIONS: &[&str] = &[
    "7.0",
    "7.1",
    "7.2",
    "7.3",
    "7.4",
    "7.5",
    "7.6",
    "2025-06-01",
    "2025-07-01",
];

pub(crate) fn route(state: &State, settings: &Settings, req: &Req) -> Resp {
    if let Some(response) = crate::auth::token_endpoint(state, req) {
        return response;
    }
    if let Err(challenge) = crate::auth::check(state, settings, req) {
        return challenge;
    }
    match req.query.get("api-version") {
        None => return bad_parameter("The api-version query parameter is required."),
        Some(v) if !API_VERSIONS.contains(&v.as_str()) => {
            return bad_parameter(&format!(
                "The specified version ({v}) is not recognized. Consider using the latest supported version (2025-07-01)."
            ))
        }
        Some(_) => {}
    }
    crate::secrets::handle(state, settings, req)
        .or_else(|| crate::keys::handle(state, settings, req))
        .or_else(|| crate::certificates::handle(state, settings, req))
        .unwrap_or_else(|| no_route(req))
}
