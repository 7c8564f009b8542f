//! Requests as the handlers see them, and the responses they build (Key Vault's JSON shapes and
//! error envelope).

use std::collections::BTreeMap;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{HeaderMap, Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// The newest data-plane api-version the emulator models: named in "not recognized" errors and
/// put in the links it builds when a request somehow came without one.
pub(crate) const LATEST_DATA_PLANE: &str = "2026-04-01";

/// The newest management api-version the emulator models (same uses).
pub(crate) const LATEST_MANAGEMENT: &str = "2026-02-01";

/// The response type every handler returns.
pub(crate) type Resp = hyper::Response<Full<Bytes>>;

/// A request, read whole.
pub(crate) struct Req {
    pub(crate) method: Method,
    /// Percent-decoded path segments, without the empty first one.
    pub(crate) segments: Vec<String>,
    pub(crate) query: BTreeMap<String, String>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// The vault's URL as the client addressed it (`scheme://host[:port]`, plus
    /// `/vaults/{name}` when the vault is chosen by path): ids are built from it.
    pub(crate) base: String,
    /// `scheme://host[:port]`: where the emulator's own endpoints (token) are.
    pub(crate) origin: String,
    /// Which vault (lower case): by path `/vaults/{name}`, the port's own vault, an alias, the
    /// `{name}` of `{name}.localhost`, or else the host the client addressed (any name works).
    pub(crate) vault: String,
}

impl Req {
    /// The JSON body as `T`, or a 400 naming what is wrong.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, Resp> {
        if self.body.is_empty() {
            return Err(bad_parameter("The request body is missing."));
        }
        serde_json::from_slice(&self.body)
            .map_err(|e| bad_parameter(&format!("The request body is not valid: {e}")))
    }

    /// `maxresults`, checked like the service does (1 to 25; 25 when absent).
    pub(crate) fn max_results(&self) -> Result<usize, Resp> {
        match self.query.get("maxresults") {
            None => Ok(25),
            Some(text) => match text.parse::<usize>() {
                Ok(n) if (1..=25).contains(&n) => Ok(n),
                _ => Err(bad_parameter(&format!(
                    "Invalid maxresults value '{text}': it must be between 1 and 25."
                ))),
            },
        }
    }
}

/// A JSON response.
pub(crate) fn json(status: StatusCode, value: &Value) -> Resp {
    let mut response = hyper::Response::new(Full::new(Bytes::from(value.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// A 200 with a JSON body.
pub(crate) fn ok(value: Value) -> Resp {
    json(StatusCode::OK, &value)
}

/// An empty response.
pub(crate) fn empty(status: StatusCode) -> Resp {
    let mut response = hyper::Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

/// Key Vault's error envelope.
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Resp {
    json(
        status,
        &json!({"error": {"code": code, "message": message}}),
    )
}

/// 400 `BadParameter`.
pub(crate) fn bad_parameter(message: &str) -> Resp {
    error(StatusCode::BAD_REQUEST, "BadParameter", message)
}

/// 404 for a missing object, worded like the service.
pub(crate) fn not_found(kind: &str, name: &str) -> Resp {
    let code = format!("{}NotFound", capitalized(kind));
    error(
        StatusCode::NOT_FOUND,
        &code,
        &format!("A {kind} with (name/id) {name} was not found in this key vault. If you recently deleted this {kind} you may be able to recover it using the correct recovery command."),
    )
}

/// 405 / unknown route.
pub(crate) fn no_route(req: &Req) -> Resp {
    error(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!(
            "The emulator has no operation {} /{}",
            req.method,
            req.segments.join("/")
        ),
    )
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Object names: 1-127 letters, digits and dashes (the service's rule).
pub(crate) fn check_name(kind: &str, name: &str) -> Result<(), Resp> {
    let valid = !name.is_empty()
        && name.len() <= 127
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(bad_parameter(&format!(
            "The {kind} name '{name}' is invalid: use 1 to 127 letters, digits and dashes."
        )))
    }
}

/// A page of a list with Key Vault's `nextLink` (`$skiptoken` is the offset).
pub(crate) fn page(req: &Req, path: &str, items: Vec<Value>) -> Result<Resp, Resp> {
    let max = req.max_results()?;
    let skip: usize = req
        .query
        .get("$skiptoken")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let end = (skip + max).min(items.len());
    let value: Vec<Value> = items
        .get(skip..end)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let next = (end < items.len()).then(|| {
        format!(
            "{}/{path}?api-version={}&$skiptoken={end}&maxresults={max}",
            req.base,
            req.query
                .get("api-version")
                .map(String::as_str)
                .unwrap_or(LATEST_DATA_PLANE)
        )
    });
    // The last page has no `nextLink` at all: the spec types it as a string, not nullable.
    let mut body = json!({ "value": value });
    if let Some(next) = next {
        body["nextLink"] = next.into();
    }
    Ok(ok(body))
}

/// `scheme`, host (IPv6 in brackets) and port of a URL such as `https://127.0.0.1:8443/x`.
pub(crate) fn url_parts(url: &str) -> Option<(&str, &str, Option<u16>)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let (host, port) = split_authority(authority)?;
    Some((scheme, host, port))
}

/// The host (IPv6 in brackets) and port of `host[:port]`; `None` when the port is not a
/// number.
pub(crate) fn split_authority(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (inside, after) = v6.split_once(']')?;
            (&authority[..inside.len() + 2], after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    match port {
        Some(port) => Some((host, Some(port.parse().ok()?))),
        None => Some((host, None)),
    }
}

/// `scheme://host:port/` from a URL's scheme and host and another port.
pub(crate) fn with_port(url: &str, port: u16) -> Option<String> {
    let (scheme, host, _) = url_parts(url)?;
    Some(format!("{scheme}://{host}:{port}/"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn url_parts_and_ports() {
        use super::{url_parts, with_port};
        assert_eq!(
            url_parts("https://127.0.0.1:8443/x"),
            Some(("https", "127.0.0.1", Some(8443)))
        );
        assert_eq!(
            url_parts("http://[::1]:9/"),
            Some(("http", "[::1]", Some(9)))
        );
        assert_eq!(
            url_parts("https://a.localhost"),
            Some(("https", "a.localhost", None))
        );
        assert_eq!(url_parts("nonsense"), None);
        assert_eq!(
            with_port("https://a.localhost:1", 2).as_deref(),
            Some("https://a.localhost:2/")
        );
    }
}
