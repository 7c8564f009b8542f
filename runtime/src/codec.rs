//! Serde adapters for the spec's wire formats, used by generated models through
//! `#[serde(with = "...")]`. Each has an `option` submodule for optional fields.

use serde::{Deserialize, Deserializer, Serializer};
use time::OffsetDateTime;

/// The `nullable` form of a codec module (for `x-nullable` properties): `None` is absent,
/// `Some(None)` an explicit `null`; built on the module's `option` form.
macro_rules! nullable_form {
    ($ty:ty) => {
        /// The same for `x-nullable` fields (`Option<Option<_>>`): `Some(None)` is `null`.
        pub mod nullable {
            use serde::{Deserializer, Serializer};

            /// Serializes a present value or `null`.
            pub fn serialize<S: Serializer>(
                value: &Option<Option<$ty>>,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                match value {
                    Some(inner) => super::option::serialize(inner, serializer),
                    None => serializer.serialize_none(),
                }
            }

            /// Deserializes a present value or `null` as `Some(..)`.
            pub fn deserialize<'de, D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Option<Option<$ty>>, D::Error> {
                super::option::deserialize(deserializer).map(Some)
            }
        }
    };
}

/// The serde functions of a bytes format written with `$engine` and read leniently (either
/// alphabet, padded or not), with its `option` and `nullable` forms.
macro_rules! bytes_form {
    ($engine:path) => {
        use super::*;
        use ::base64::Engine;

        /// Serializes bytes.
        pub fn serialize<T: AsRef<[u8]>, S: Serializer>(
            value: &T,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            serializer.serialize_str(&$engine.encode(value.as_ref()))
        }

        /// Deserializes bytes.
        pub fn deserialize<'de, T: From<Vec<u8>>, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<T, D::Error> {
            let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
            super::decode_base64_lenient(&text)
                .map(T::from)
                .map_err(serde::de::Error::custom)
        }

        /// The same for `Option`.
        pub mod option {
            use super::*;

            /// Serializes optional bytes (`None` is skipped by the field attribute).
            pub fn serialize<T: AsRef<[u8]>, S: Serializer>(
                value: &Option<T>,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                match value {
                    Some(v) => super::serialize(v, serializer),
                    None => serializer.serialize_none(),
                }
            }

            /// Deserializes optional bytes; `null` is `None`.
            pub fn deserialize<'de, T: From<Vec<u8>>, D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Option<T>, D::Error> {
                let text = Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.map(|t| {
                    super::super::decode_base64_lenient(&t)
                        .map(T::from)
                        .map_err(serde::de::Error::custom)
                })
                .transpose()
            }
        }

        nullable_form!(Vec<u8>);
    };
}

/// `format: base64url`: bytes as unpadded URL-safe base64. Decoding also accepts padding and
/// the standard alphabet, because services are not consistent about either.
pub mod base64url {
    bytes_form!(::base64::engine::general_purpose::URL_SAFE_NO_PAD);
}

/// `format: byte`: bytes as standard padded base64 (decoded as leniently as `base64url`).
pub mod base64 {
    bytes_form!(::base64::engine::general_purpose::STANDARD);
}

fn decode_base64_lenient(text: &str) -> Result<Vec<u8>, String> {
    use ::base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    use ::base64::Engine;
    let trimmed = text.trim_end_matches('=');
    URL_SAFE_NO_PAD
        .decode(trimmed)
        .or_else(|_| STANDARD_NO_PAD.decode(trimmed))
        .map_err(|e| format!("invalid base64 ({e})"))
}

/// `format: unixtime`: seconds since the epoch as an integer.
pub mod unix_time {
    use super::*;

    /// Serializes a time as whole seconds.
    pub fn serialize<S: Serializer>(
        value: &OffsetDateTime,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(value.unix_timestamp())
    }

    /// Deserializes whole (or fractional, truncated) seconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<OffsetDateTime, D::Error> {
        let seconds = f64::deserialize(deserializer)?;
        OffsetDateTime::from_unix_timestamp(seconds as i64).map_err(serde::de::Error::custom)
    }

    /// The same for `Option`.
    pub mod option {
        use super::*;

        /// Serializes an optional time.
        pub fn serialize<S: Serializer>(
            value: &Option<OffsetDateTime>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(v) => super::serialize(v, serializer),
                None => serializer.serialize_none(),
            }
        }

        /// Deserializes an optional time.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<OffsetDateTime>, D::Error> {
            Option::<f64>::deserialize(deserializer)?
                .map(|s| {
                    OffsetDateTime::from_unix_timestamp(s as i64).map_err(serde::de::Error::custom)
                })
                .transpose()
        }
    }

    nullable_form!(time::OffsetDateTime);
}

/// `x-nullable` properties: `None` is absent (skipped when writing), `Some(None)` is an explicit
/// `null`, `Some(Some(v))` a value. Reading tells a present `null` from an absent field (which
/// the field's `default` makes `None`).
pub mod nullable {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes the inner option (`null` for `Some(None)`).
    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Reads a present value or `null` as `Some(..)`.
    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

/// `format: date-time`: RFC 3339; a time without an offset is read as UTC, as Azure means it.
pub mod rfc3339 {
    use super::*;
    use time::format_description::well_known::Rfc3339;

    /// Serializes as RFC 3339.
    pub fn serialize<S: Serializer>(
        value: &OffsetDateTime,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let text = value.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }

    /// Deserializes RFC 3339 (offset optional).
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<OffsetDateTime, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        super::parse_rfc3339(&text).map_err(serde::de::Error::custom)
    }

    /// The same for `Option`.
    pub mod option {
        use super::*;

        /// Serializes an optional time.
        pub fn serialize<S: Serializer>(
            value: &Option<OffsetDateTime>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(v) => super::serialize(v, serializer),
                None => serializer.serialize_none(),
            }
        }

        /// Deserializes an optional time.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<OffsetDateTime>, D::Error> {
            Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?
                .map(|t| super::super::parse_rfc3339(&t).map_err(serde::de::Error::custom))
                .transpose()
        }
    }

    nullable_form!(time::OffsetDateTime);
}

/// Parses RFC 3339, accepting a missing offset (read as UTC).
pub fn parse_rfc3339(text: &str) -> Result<OffsetDateTime, String> {
    use time::format_description::well_known::Rfc3339;
    OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(&format!("{text}Z"), &Rfc3339))
        .map_err(|e| format!("`{text}` is not an RFC 3339 date-time ({e})"))
}

/// `format: date-time-rfc1123`: e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
pub mod rfc1123 {
    use super::*;
    use time::format_description::well_known::Rfc2822;

    /// `Sun, 06 Nov 1994 08:49:37 GMT`, written directly: a format description would be parsed
    /// at run time (or need `time`'s proc macros in every user's build) for one fixed layout.
    pub(crate) fn format(value: &OffsetDateTime) -> String {
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let utc = value.to_offset(time::UtcOffset::UTC);
        format!(
            "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
            DAYS[utc.weekday().number_days_from_monday() as usize],
            utc.day(),
            MONTHS[utc.month() as usize - 1],
            utc.year(),
            utc.hour(),
            utc.minute(),
            utc.second()
        )
    }

    /// Serializes as RFC 1123 in GMT.
    pub fn serialize<S: Serializer>(
        value: &OffsetDateTime,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format(value))
    }

    /// Deserializes RFC 1123 / RFC 2822.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<OffsetDateTime, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        parse(&text).map_err(serde::de::Error::custom)
    }

    pub(crate) fn parse(text: &str) -> Result<OffsetDateTime, String> {
        let normalized = text.trim().replace("GMT", "+0000").replace("UTC", "+0000");
        OffsetDateTime::parse(&normalized, &Rfc2822)
            .map_err(|e| format!("`{text}` is not an RFC 1123 date ({e})"))
    }

    /// The same for `Option`.
    pub mod option {
        use super::*;

        /// Serializes an optional time.
        pub fn serialize<S: Serializer>(
            value: &Option<OffsetDateTime>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(v) => super::serialize(v, serializer),
                None => serializer.serialize_none(),
            }
        }

        /// Deserializes an optional time.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<OffsetDateTime>, D::Error> {
            Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?
                .map(|t| super::parse(&t).map_err(serde::de::Error::custom))
                .transpose()
        }
    }

    nullable_form!(time::OffsetDateTime);
}

/// `application/x-www-form-urlencoded` bodies (token requests).
pub mod form {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

    /// Everything but letters, digits and `*-._` is percent-encoded; spaces become `+`.
    const FORM: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'*')
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b' ');

    /// `name=value&...`, each name and value encoded.
    pub fn encode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
        let mut out = String::new();
        for (name, value) in pairs {
            if !out.is_empty() {
                out.push('&');
            }
            push(&mut out, name);
            out.push('=');
            push(&mut out, value);
        }
        out
    }

    fn push(out: &mut String, text: &str) {
        for piece in utf8_percent_encode(text, FORM) {
            out.push_str(&piece.replace(' ', "+"));
        }
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn encodes_like_html_forms() {
            assert_eq!(
                super::encode([
                    ("grant_type", "client_credentials"),
                    ("scope", "https://vault.azure.net/.default offline_access"),
                    ("client_secret", "a+b&c=d*é~"),
                ]),
                "grant_type=client_credentials&scope=https%3A%2F%2Fvault.azure.net%2F.default+offline_access&client_secret=a%2Bb%26c%3Dd*%C3%A9%7E"
            );
            assert_eq!(super::encode([]), "");
        }
    }
}

#[cfg(test)]
mod rfc1123_tests {
    #[test]
    fn formats_in_gmt_and_parses_back() {
        let leap = time::OffsetDateTime::parse(
            "2024-02-29T23:30:05-01:00",
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let text = super::rfc1123::format(&leap);
        assert_eq!(text, "Fri, 01 Mar 2024 00:30:05 GMT");
        assert_eq!(super::rfc1123::parse(&text).unwrap(), leap);
        let epoch = time::OffsetDateTime::UNIX_EPOCH;
        assert_eq!(
            super::rfc1123::format(&epoch),
            "Thu, 01 Jan 1970 00:00:00 GMT"
        );
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use time::OffsetDateTime;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Sample {
        #[serde(with = "super::base64url")]
        bytes: Vec<u8>,
        #[serde(with = "super::unix_time")]
        created: OffsetDateTime,
        #[serde(with = "super::rfc1123")]
        modified: OffsetDateTime,
        #[serde(
            with = "super::rfc3339::option",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        seen: Option<OffsetDateTime>,
    }

    #[test]
    fn round_trip() {
        let json = r#"{"bytes":"-_8","created":1493938410,"modified":"Sun, 06 Nov 1994 08:49:37 GMT","seen":"2024-01-02T03:04:05Z"}"#;
        let s: Sample = serde_json::from_str(json).unwrap();
        assert_eq!(s.bytes, vec![0xfb, 0xff]);
        assert_eq!(s.created.unix_timestamp(), 1493938410);
        assert_eq!(serde_json::to_string(&s).unwrap(), json);
    }

    #[test]
    fn lenient_base64() {
        let s: Sample = serde_json::from_str(
            r#"{"bytes":"+/8=","created":0,"modified":"Sun, 06 Nov 1994 08:49:37 GMT"}"#,
        )
        .unwrap();
        assert_eq!(s.bytes, vec![0xfb, 0xff]);
    }
}

/// Arrays of bytes: `base64url_list` and `base64_list` encode each item; used only on optional
/// fields, hence only the `option` forms.
macro_rules! byte_list_codec {
    ($name:ident, $engine:path, $doc:literal) => {
        #[doc = $doc]
        pub mod $name {
            /// The `Option<Vec<Vec<u8>>>` form.
            pub mod option {
                use ::base64::Engine;
                use serde::{Deserialize, Deserializer, Serializer};

                /// Serializes each item.
                pub fn serialize<S: Serializer>(
                    value: &Option<Vec<Vec<u8>>>,
                    serializer: S,
                ) -> Result<S::Ok, S::Error> {
                    match value {
                        Some(items) => {
                            serializer.collect_seq(items.iter().map(|i| $engine.encode(i)))
                        }
                        None => serializer.serialize_none(),
                    }
                }

                /// Deserializes each item.
                pub fn deserialize<'de, D: Deserializer<'de>>(
                    deserializer: D,
                ) -> Result<Option<Vec<Vec<u8>>>, D::Error> {
                    Option::<Vec<String>>::deserialize(deserializer)?
                        .map(|items| {
                            items
                                .iter()
                                .map(|i| {
                                    super::super::decode_base64_lenient(i)
                                        .map_err(serde::de::Error::custom)
                                })
                                .collect()
                        })
                        .transpose()
                }
            }
        }
    };
}

byte_list_codec!(
    base64url_list,
    ::base64::engine::general_purpose::URL_SAFE_NO_PAD,
    "Arrays of `format: base64url` items."
);
byte_list_codec!(
    base64_list,
    ::base64::engine::general_purpose::STANDARD,
    "Arrays of `format: byte` items."
);
