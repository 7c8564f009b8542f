//! Typed response headers: the readers generated `...Headers` types use.

use time::OffsetDateTime;

use crate::error::{Error, ErrorKind, Result};
use crate::http::HeaderMap;

/// A header value as text; `None` when absent. A value that is not visible ASCII is an error
/// naming the header.
pub fn text(headers: &HeaderMap, name: &'static str) -> Result<Option<String>> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .map(|v| Some(v.to_owned()))
            .map_err(|_| invalid(name, "is not visible ASCII text")),
    }
}

/// A header parsed with [`std::str::FromStr`] (numbers, booleans).
pub fn parse<T: std::str::FromStr>(headers: &HeaderMap, name: &'static str) -> Result<Option<T>> {
    text(headers, name)?
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|_| invalid(name, std::any::type_name::<T>()))
        })
        .transpose()
}

/// A date-time header in RFC 1123 form (`Tue, 01 Jul 2025 10:00:00 GMT`).
pub fn rfc1123(headers: &HeaderMap, name: &'static str) -> Result<Option<OffsetDateTime>> {
    text(headers, name)?
        .map(|v| {
            crate::codec::rfc1123::parse(v.trim()).map_err(|_| invalid(name, "an RFC 1123 date"))
        })
        .transpose()
}

/// A date-time header in RFC 3339 form.
pub fn rfc3339(headers: &HeaderMap, name: &'static str) -> Result<Option<OffsetDateTime>> {
    text(headers, name)?
        .map(|v| {
            crate::codec::parse_rfc3339(v.trim()).map_err(|_| invalid(name, "an RFC 3339 date"))
        })
        .transpose()
}

/// A date-time header in seconds since the epoch.
pub fn unix_time(headers: &HeaderMap, name: &'static str) -> Result<Option<OffsetDateTime>> {
    parse::<i64>(headers, name)?
        .map(|secs| {
            OffsetDateTime::from_unix_timestamp(secs).map_err(|_| invalid(name, "a unix time"))
        })
        .transpose()
}

fn invalid(name: &'static str, expected: &str) -> Error {
    // The value itself is left out: headers can carry tokens.
    Error::new(ErrorKind::Deserialize {
        type_name: name,
        message: format!("response header `{name}` is not {expected}"),
        excerpt: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{HeaderName, HeaderValue};

    fn map(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_static(k),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn reads_typed_values_and_names_bad_ones() {
        let h = map(&[
            ("retry-after", "30"),
            ("date", "Tue, 01 Jul 2025 10:00:00 GMT"),
            ("x-bad", "soon"),
        ]);
        assert_eq!(parse::<i64>(&h, "Retry-After").unwrap(), Some(30));
        assert_eq!(parse::<i64>(&h, "x-missing").unwrap(), None);
        let date = rfc1123(&h, "Date").unwrap().unwrap();
        assert_eq!(date.unix_timestamp(), 1_751_364_000);
        let err = parse::<i64>(&h, "x-bad").unwrap_err();
        assert!(err.to_string().contains("x-bad"), "{err}");
        assert!(!err.to_string().contains("soon"), "{err}");
    }
}
