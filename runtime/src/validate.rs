//! The spec's constraints (pattern, length, range, item count), checked before sending.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use regex_lite::Regex;

use crate::error::{Error, Result};

/// Checks a string against a spec `pattern` (regular expressions are compiled once per process).
pub fn pattern(parameter: &str, value: &str, pattern: &'static str) -> Result<()> {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Arc<Regex>>>> = OnceLock::new();
    let regex = {
        let mut cache = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match cache.get(pattern) {
            Some(regex) => regex.clone(),
            None => {
                // The generator compiled every pattern already, so this only fails if a caller
                // hands in a pattern of its own.
                let regex = Arc::new(Regex::new(pattern).map_err(|e| {
                    Error::invalid_input(
                        parameter,
                        format!(
                            "the spec's pattern `{pattern}` is not a valid regular expression: {e}"
                        ),
                    )
                })?);
                cache.insert(pattern, regex.clone());
                regex
            }
        }
    };
    if regex.is_match(value) {
        Ok(())
    } else {
        Err(Error::invalid_input(
            parameter,
            format!("`{value}` does not match the pattern `{pattern}`"),
        ))
    }
}

/// Checks a string's length in characters.
pub fn length(parameter: &str, value: &str, min: Option<usize>, max: Option<usize>) -> Result<()> {
    let len = value.chars().count();
    check_bounds(parameter, "length", len, min, max)
}

/// Checks a number against `minimum`/`maximum` (inclusive).
pub fn range<T: PartialOrd + Display + Copy>(
    parameter: &str,
    value: T,
    min: Option<T>,
    max: Option<T>,
) -> Result<()> {
    check_bounds(parameter, "value", value, min, max)
}

/// Checks an array's item count.
pub fn items(parameter: &str, count: usize, min: Option<usize>, max: Option<usize>) -> Result<()> {
    check_bounds(parameter, "item count", count, min, max)
}

fn check_bounds<T: PartialOrd + Display + Copy>(
    parameter: &str,
    what: &str,
    value: T,
    min: Option<T>,
    max: Option<T>,
) -> Result<()> {
    if let Some(min) = min {
        if value < min {
            return Err(Error::invalid_input(
                parameter,
                format!("{what} {value} is below the minimum {min}"),
            ));
        }
    }
    if let Some(max) = max {
        if value > max {
            return Err(Error::invalid_input(
                parameter,
                format!("{what} {value} is above the maximum {max}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_rejects_with_parameter_name() {
        assert!(pattern("secret-name", "abc-1", "^[0-9a-zA-Z-]+$").is_ok());
        let err = pattern("secret-name", "a/b", "^[0-9a-zA-Z-]+$").unwrap_err();
        assert!(err.to_string().contains("secret-name"));
        assert!(err.to_string().contains("a/b"));
    }

    #[test]
    fn bounds() {
        assert!(range("maxresults", 25, Some(1), Some(25)).is_ok());
        assert!(range("maxresults", 26, Some(1), Some(25)).is_err());
        assert!(length("name", "ab", Some(3), None).is_err());
        assert!(items("ids", 3, None, Some(2)).is_err());
    }
}
