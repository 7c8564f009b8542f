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
    ($engine:path, standard_first: $standard_first:literal) => {
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
            deserializer
                .deserialize_str(super::Base64Text {
                    standard_first: $standard_first,
                })
                .map(T::from)
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
                let text = super::super::Base64Text {
                    standard_first: $standard_first,
                };
                deserializer
                    .deserialize_option(super::super::OptionalBase64Text(text))
                    .map(|bytes| bytes.map(T::from))
            }
        }

        nullable_form!(Vec<u8>);
    };
}

/// `format: base64url`: bytes as unpadded URL-safe base64. Decoding also accepts padding and
/// the standard alphabet, because services are not consistent about either.
pub mod base64url {
    bytes_form!(::base64::engine::general_purpose::URL_SAFE_NO_PAD, standard_first: false);
}

/// `format: byte`: bytes as standard padded base64 (decoded as leniently as `base64url`).
pub mod base64 {
    bytes_form!(::base64::engine::general_purpose::STANDARD, standard_first: true);
}

/// Decodes base64 in either alphabet, padded or not: the field's own alphabet first (a value
/// in it decodes in one pass), the other when that fails.
fn decode_base64_lenient(text: &str, standard_first: bool) -> Result<Vec<u8>, String> {
    use ::base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    use ::base64::Engine;
    let trimmed = text.trim_end_matches('=');
    let (first, second) = if standard_first {
        (&STANDARD_NO_PAD, &URL_SAFE_NO_PAD)
    } else {
        (&URL_SAFE_NO_PAD, &STANDARD_NO_PAD)
    };
    first
        .decode(trimmed)
        .or_else(|_| second.decode(trimmed))
        .map_err(|e| format!("invalid base64 ({e})"))
}

/// Decodes a base64 string where the deserializer holds it (serde's `Cow<str>` would copy it
/// into a `String` first: a certificate's `cer` or a 40 KB backup, on every response).
struct Base64Text {
    standard_first: bool,
}

impl<'de> serde::de::Visitor<'de> for Base64Text {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a base64 string")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Vec<u8>, E> {
        decode_base64_lenient(text, self.standard_first).map_err(E::custom)
    }
}

/// [`Base64Text`] or `null`.
struct OptionalBase64Text(Base64Text);

impl<'de> serde::de::Visitor<'de> for OptionalBase64Text {
    type Value = Option<Vec<u8>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a base64 string or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self.0).map(Some)
    }
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

    #[derive(Deserialize, Debug, PartialEq)]
    struct Optional {
        #[serde(with = "super::base64::option", default)]
        standard: Option<Vec<u8>>,
        #[serde(with = "super::base64url::option", default)]
        url_safe: Option<Vec<u8>>,
    }

    #[test]
    fn either_alphabet_padded_or_not_null_or_absent_in_both_forms() {
        let read = |json: &str| serde_json::from_str::<Optional>(json);
        let both = |standard: Option<&[u8]>, url_safe: Option<&[u8]>| Optional {
            standard: standard.map(<[u8]>::to_vec),
            url_safe: url_safe.map(<[u8]>::to_vec),
        };
        let bytes: &[u8] = &[0xfb, 0xff, 0xfe];
        for value in ["+//+", "-__-", "+/8", "-_8=", "+/8="] {
            let expected: &[u8] = if value.len() == 4 && !value.ends_with('=') {
                bytes
            } else {
                &bytes[..2]
            };
            let json = format!(r#"{{"standard":"{value}","url_safe":"{value}"}}"#);
            assert_eq!(
                read(&json).unwrap(),
                both(Some(expected), Some(expected)),
                "{value}"
            );
        }
        // Escaped text (which the deserializer unescapes into a scratch buffer) decodes too.
        let escaped = read(r#"{"standard":"\u002b/8=","url_safe":"\u002d_8"}"#).unwrap();
        assert_eq!(escaped, both(Some(&bytes[..2]), Some(&bytes[..2])));
        assert_eq!(read(r#"{"standard":null}"#).unwrap(), both(None, None));
        assert_eq!(read("{}").unwrap(), both(None, None));
        // Through a `serde_json::Value`, which hands over owned strings.
        let value = serde_json::json!({"standard": "+/8=", "url_safe": "-_8"});
        assert_eq!(
            serde_json::from_value::<Optional>(value).unwrap(),
            both(Some(&bytes[..2]), Some(&bytes[..2]))
        );
        for bad in [r#"{"standard":"*"}"#, r#"{"url_safe":12}"#] {
            let error = read(bad).unwrap_err().to_string();
            assert!(
                error.contains("invalid base64") || error.contains("a base64 string"),
                "{bad}: {error}"
            );
        }
    }
}

/// Arrays of bytes: `base64url_list` and `base64_list` encode each item; used only on optional
/// fields, hence only the `option` forms.
macro_rules! byte_list_codec {
    ($name:ident, $engine:path, standard_first: $standard_first:literal, $doc:literal) => {
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
                                    super::super::decode_base64_lenient(i, $standard_first)
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
    standard_first: false,
    "Arrays of `format: base64url` items."
);
byte_list_codec!(
    base64_list,
    ::base64::engine::general_purpose::STANDARD,
    standard_first: true,
    "Arrays of `format: byte` items."
);
