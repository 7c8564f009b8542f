//! Every Rust name the generator produces comes from here: `x-ms-client-name` first, then the
//! wire name; keywords and reserved API words are renamed.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Keywords that can be raw identifiers (`r#type`).
const RAW_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "gen", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// Keywords that cannot be raw identifiers; they get a trailing `_`.
const NON_RAW_KEYWORDS: &[&str] = &["crate", "self", "super", "Self"];

/// Method names a builder or client already uses for itself.
const RESERVED_METHODS: &[&str] = &[
    "send",
    "call_options",
    "poller_options",
    "continuation_token",
    "into_future",
    "build_request",
    "into_stream",
    "into_pages",
    "into_poller",
    "new",
    "endpoint",
    "api_version",
    "clone",
    "pipeline",
];

/// Type names the generated code uses for itself (`Unknown` variants clash with enums' own).
const RESERVED_TYPES: &[&str] = &[
    "Result", "Error", "Response", "Option", "String", "Vec", "Box", "Client", "Pager", "Poller",
    "Request", "Secret", "Url",
];

/// Makes a word usable as an identifier: keywords raw or suffixed, leading digits prefixed.
pub fn sanitize(name: &str) -> String {
    let mut name = name.to_owned();
    if name.is_empty() {
        name.push_str("value");
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if NON_RAW_KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    } else if RAW_KEYWORDS.contains(&name.as_str()) {
        name.insert_str(0, "r#");
    }
    name
}

/// Words whose capitals do not start new words (`ETag` is one word, not `e_tag`).
const ONE_WORD: &[(&str, &str)] = &[("ETag", "Etag"), ("OData", "Odata")];

/// Replaces characters that are not identifier characters with word breaks.
fn words(name: &str) -> String {
    let mut text: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    for (from, to) in ONE_WORD {
        text = text.replace(from, to);
    }
    text
}

/// A field, parameter or method name.
pub fn snake(name: &str) -> String {
    sanitize(&words(name).to_snake_case())
}

/// A method name, avoiding the builder's own methods.
pub fn method(name: &str) -> String {
    let name = snake(name);
    if RESERVED_METHODS.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// A type name.
pub fn type_name(name: &str) -> String {
    // A raw identifier (`r#type`) names the word, not the `r#`.
    let name = name.strip_prefix("r#").unwrap_or(name);
    let mut name = words(name).to_upper_camel_case();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'T');
    }
    if RESERVED_TYPES.contains(&name.as_str()) || NON_RAW_KEYWORDS.contains(&name.as_str()) {
        name.push_str("Model");
    }
    name
}

/// An enum variant name; `Unknown` is renamed so it cannot clash with the unknown-value variant.
pub fn variant(name: &str) -> String {
    let mut name = type_name(name);
    if name == "UnknownValue" {
        name.push('_');
    }
    if name == "Unknown" {
        name = "UnknownValue_".to_owned();
    }
    if name.ends_with("Model") && !name.is_empty() {
        // type_name's renaming of reserved type names does not apply to variants.
        let original = words(&name[..name.len() - 5]).to_upper_camel_case();
        if RESERVED_TYPES.contains(&original.as_str()) {
            return original;
        }
    }
    name
}

/// Splits an operation id into its group and name: `Vaults_CreateOrUpdate` -> (`Vaults`,
/// `CreateOrUpdate`); `GetSecret` -> (None, `GetSecret`).
pub fn split_operation_id(operation_id: &str) -> (Option<&str>, &str) {
    match operation_id.split_once('_') {
        Some((group, name)) if !group.is_empty() && !name.is_empty() => (Some(group), name),
        _ => (None, operation_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        type Case = (&'static str, fn(&str) -> String, &'static str);
        let cases: &[Case] = &[
            ("secretName", snake, "secret_name"),
            ("secret-name", snake, "secret_name"),
            ("type", snake, "r#type"),
            ("self", snake, "self_"),
            ("$skipToken", snake, "skip_token"),
            ("x-ms-client-request-id", snake, "x_ms_client_request_id"),
            ("ETag", snake, "etag"),
            ("r#type", type_name, "Type"),
            ("@odata.nextLink", snake, "odata_next_link"),
            ("HSMSecurityDomain", type_name, "HsmSecurityDomain"),
            ("send", method, "send_"),
            ("CreateOrUpdate", method, "create_or_update"),
            ("SecretBundle", type_name, "SecretBundle"),
            (
                "Azure.Core.Foundations.Error",
                type_name,
                "AzureCoreFoundationsError",
            ),
            ("Error", type_name, "ErrorModel"),
            ("RSA-HSM", variant, "RsaHsm"),
            ("Recoverable+Purgeable", variant, "RecoverablePurgeable"),
            ("Unknown", variant, "UnknownValue_"),
            ("1.2", variant, "T12"),
            ("Error", variant, "Error"),
        ];
        for (input, f, expected) in cases {
            assert_eq!(f(input), *expected, "{input}");
        }
    }

    #[test]
    fn operation_ids() {
        assert_eq!(
            split_operation_id("Vaults_CreateOrUpdate"),
            (Some("Vaults"), "CreateOrUpdate")
        );
        assert_eq!(split_operation_id("GetSecret"), (None, "GetSecret"));
    }
}
