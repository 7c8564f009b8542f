//! Builds request URLs so that every path parameter is exactly one percent-encoded segment:
//! a value containing `/`, `..`, `?`, `#` or `%` can never change which resource is addressed.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::error::{Error, Result};
use crate::http::Url;

/// Everything but RFC 3986 unreserved characters is encoded, in path segments and query parts.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Appends path pieces and query parameters to a client's base URL. The base is parsed once,
/// when the client is made; each request only has its path and query checked on top of it
/// (parsing the whole URL again, host included, is most of the cost of building one).
#[derive(Debug)]
pub struct UrlBuilder<'a> {
    base: &'a Url,
    path: String,
    query: String,
}

impl<'a> UrlBuilder<'a> {
    /// Starts from the client's endpoint; a trailing `/` on its path is dropped because every
    /// spec path starts with one.
    pub fn new(base: &'a Url) -> Self {
        let base_path = base.path().trim_end_matches('/');
        let mut path = String::with_capacity(base_path.len() + 64);
        path.push_str(base_path);
        UrlBuilder {
            base,
            path,
            query: String::new(),
        }
    }

    /// Appends a fixed piece of the spec's path template.
    pub fn literal(&mut self, text: &str) {
        debug_assert!(
            self.query.is_empty(),
            "path pieces must come before query parameters"
        );
        self.path.push_str(text);
    }

    /// Appends a required path parameter as one encoded segment. Empty values and the dot
    /// segments `.` and `..` are refused: they cannot be sent as one segment (URL parsers and
    /// servers collapse them), whatever the constraint-check setting.
    pub fn segment(&mut self, parameter: &str, value: &str) -> Result<()> {
        if value.is_empty() {
            return Err(Error::invalid_input(parameter, "must not be empty"));
        }
        self.push_segment(parameter, value)
    }

    /// Appends an optional path parameter: absent or empty leaves an empty segment, which Key
    /// Vault reads as "the latest version".
    pub fn optional_segment(&mut self, parameter: &str, value: Option<&str>) -> Result<()> {
        match value {
            None | Some("") => Ok(()),
            Some(value) => self.push_segment(parameter, value),
        }
    }

    /// Appends a path parameter the spec marks `x-ms-skip-url-encoding`: a path of its own,
    /// like a role scope (`/`, `/keys`, `/keys/k1`). Its `/`-separated segments are kept, each
    /// encoded on its own; leading and trailing `/` are dropped (an empty or `/` value adds
    /// nothing, so `/{scope}/providers` becomes `/providers`, as Azure's other SDKs send it);
    /// dot segments are refused, so the value can still not climb out of its place.
    pub fn path(&mut self, parameter: &str, value: &str) -> Result<()> {
        let trimmed = value.trim_matches('/');
        if trimmed.is_empty() {
            if self.path.ends_with('/') {
                self.path.pop();
            }
            return Ok(());
        }
        for (i, segment) in trimmed.split('/').enumerate() {
            if segment.is_empty() {
                return Err(Error::invalid_input(parameter, "must not contain `//`"));
            }
            if i > 0 {
                self.path.push('/');
            }
            self.push_segment(parameter, segment)?;
        }
        Ok(())
    }

    fn push_segment(&mut self, parameter: &str, value: &str) -> Result<()> {
        if value == "." || value == ".." {
            return Err(Error::invalid_input(parameter, "must not be `.` or `..`"));
        }
        self.path.extend(utf8_percent_encode(value, COMPONENT));
        Ok(())
    }

    /// Appends a query parameter, name and value encoded.
    pub fn query(&mut self, name: &str, value: &str) {
        if !self.query.is_empty() {
            self.query.push('&');
        }
        self.query.extend(utf8_percent_encode(name, COMPONENT));
        self.query.push('=');
        self.query.extend(utf8_percent_encode(value, COMPONENT));
    }

    /// Finishes the URL.
    pub fn build(self) -> Result<Url> {
        Ok(self.base.with_path_and_query(&self.path, &self.query))
    }
}

/// Percent-encodes a value as one URL component (host template parameters).
pub fn encode_component(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

/// Parses and checks a service endpoint given by a caller: `http` or `https`, a host, and no
/// query or fragment (they would end up in the middle of every request URL).
pub fn parse_endpoint(parameter: &str, value: &str) -> Result<Url> {
    let url = Url::parse(value).map_err(|e| {
        Error::invalid_input(
            parameter,
            format!(
                "`{}` is not an absolute URL ({e}); expected e.g. https://myvault.vault.azure.net",
                crate::url::shown_in_errors(value)
            ),
        )
    })?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(Error::invalid_input(
            parameter,
            format!("scheme `{}` is not http or https", url.scheme()),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid_input(parameter, "has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid_input(
            parameter,
            "must not have a query or fragment",
        ));
    }
    if url.has_credentials() {
        return Err(Error::invalid_input(parameter, "must not carry user info"));
    }
    Ok(url)
}

/// Resolves a link a service returned (a next page, a status monitor) against the URL it
/// answered: one on another origin, or carrying a user name or password, is refused, as
/// following it would send our credentials elsewhere. The error says why, for the caller's
/// own error.
pub fn resolve_service_link(base: &Url, link: &str) -> std::result::Result<Url, String> {
    let url = base
        .join(link)
        .map_err(|e| format!("is not a valid URL ({e})"))?;
    if url.has_credentials() {
        return Err("carries a user name or password".to_owned());
    }
    if url.origin() != base.origin() {
        return Err(format!(
            "is on another origin ({})",
            url.origin().ascii_serialization()
        ));
    }
    Ok(url)
}

/// Builds the URL of a next page from a `nextLink` the service returned: it must be on the same
/// origin as the client's endpoint (a link elsewhere would carry our credentials away), and
/// gets the client's api-version when it has none.
pub fn next_link_url(endpoint: &Url, next_link: &str, api_version: &str) -> Result<Url> {
    let mut url = resolve_service_link(endpoint, next_link).map_err(|why| {
        Error::invalid_input(
            "nextLink",
            format!("the service returned a next link that {why}; refusing to follow it"),
        )
    })?;
    if !url.query_pairs().any(|(name, _)| name == "api-version") {
        url.append_query_pair("api-version", api_version);
    }
    Ok(url)
}

#[cfg(test)]
mod path_tests {
    use super::*;

    fn build(scope: &str) -> Result<String> {
        let base = Url::parse("https://v.vault.azure.net/").unwrap();
        let mut url = UrlBuilder::new(&base);
        url.literal("/");
        url.path("scope", scope)?;
        url.literal("/providers/x");
        Ok(url.build()?.path().to_owned())
    }

    #[test]
    fn scope_paths_keep_their_segments_and_cannot_climb() {
        assert_eq!(build("/").unwrap(), "/providers/x");
        assert_eq!(build("").unwrap(), "/providers/x");
        assert_eq!(build("/keys").unwrap(), "/keys/providers/x");
        assert_eq!(build("/keys/a b?c").unwrap(), "/keys/a%20b%3Fc/providers/x");
        for bad in ["/keys/..", "/./keys", "/keys//k"] {
            assert!(build(bad).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An endpoint that does not parse is named in the error, but neither its password nor
    /// more than a bounded part of it reaches the message.
    #[test]
    fn endpoint_errors_bound_the_input_and_hide_credentials() {
        let long = format!("https://[{}]/", "z".repeat(100_000));
        let run = "z".repeat(200);
        for (input, hidden) in [
            ("https://user:p4ssw0rd@[zz]", "p4ssw0rd"),
            ("https://user:p4ssw0rd@host:99999/", "p4ssw0rd"),
            (long.as_str(), run.as_str()),
        ] {
            let err = parse_endpoint("vault_base_url", input)
                .unwrap_err()
                .to_string();
            assert!(err.len() < 600, "{} characters: {}", err.len(), &err[..200]);
            assert!(!err.contains(hidden), "{err}");
        }
        let err = parse_endpoint("vault_base_url", "https://user:p4ssw0rd@[zz]")
            .unwrap_err()
            .to_string();
        assert!(err.contains("https://REDACTED@[zz]"), "{err}");
        assert_eq!(
            crate::url::shown_in_errors("https://u:p@h/a@b"),
            "https://REDACTED@h/a@b",
            "an @ in the path is not user info"
        );
    }

    fn build(value: &str) -> Result<String> {
        let base = Url::parse("https://v.vault.azure.net/").unwrap();
        let mut b = UrlBuilder::new(&base);
        b.literal("/secrets/");
        b.segment("secret-name", value)?;
        b.query("api-version", "2025-07-01");
        Ok(b.build()?.to_string())
    }

    #[test]
    fn hostile_values_stay_one_segment() {
        let cases = [
            ("../keys/k1", "/secrets/..%2Fkeys%2Fk1?"),
            ("a/b", "/secrets/a%2Fb?"),
            ("%2e%2e", "/secrets/%252e%252e?"),
            ("x?y#z", "/secrets/x%3Fy%23z?"),
            ("é ", "/secrets/%C3%A9%20?"),
        ];
        for (value, expected) in cases {
            let url = build(value).unwrap();
            assert!(url.contains(expected), "{value} -> {url}");
        }
    }

    #[test]
    fn dot_segments_and_empty_values_are_refused() {
        for value in ["", ".", ".."] {
            let err = build(value).unwrap_err();
            assert!(err.to_string().contains("secret-name"), "{err}");
        }
    }

    #[test]
    fn endpoint_must_be_http_without_query() {
        assert!(parse_endpoint("vaultBaseUrl", "https://v.vault.azure.net").is_ok());
        for bad in [
            "v.vault.azure.net",
            "ftp://v",
            "https://v/?a=b",
            "https://u:p@v/",
        ] {
            let err = parse_endpoint("vaultBaseUrl", bad).unwrap_err();
            assert!(err.to_string().contains("vaultBaseUrl"), "{bad}: {err}");
        }
    }

    #[test]
    fn next_links_stay_on_origin() {
        let endpoint = Url::parse("https://v.vault.azure.net").unwrap();
        let ok = next_link_url(
            &endpoint,
            "https://v.vault.azure.net/secrets?$skiptoken=x",
            "7.6",
        )
        .unwrap();
        assert!(ok.as_str().ends_with("api-version=7.6"), "{ok}");
        assert!(next_link_url(&endpoint, "https://evil.example/secrets", "7.6").is_err());
        assert!(next_link_url(&endpoint, "https://x:y@v.vault.azure.net/secrets", "7.6").is_err());

        // Status monitors go through the same check.
        let base = Url::parse("https://management.azure.com/subscriptions/s/vaults/v").unwrap();
        let relative = resolve_service_link(&base, "/operations/1?api-version=2").unwrap();
        assert_eq!(
            relative.as_str(),
            "https://management.azure.com/operations/1?api-version=2"
        );
        for (link, why) in [
            ("https://evil.example/operations/1", "another origin"),
            ("https://u:p@management.azure.com/operations/1", "user name"),
            ("https://[zz]/", "not a valid URL"),
        ] {
            let error = resolve_service_link(&base, link).unwrap_err();
            assert!(error.contains(why), "{link}: {error}");
        }
    }
}
