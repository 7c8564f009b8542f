//! The form encoder for token requests: whatever the names and values (secrets, assertions,
//! scopes), a standard form decoder reads back exactly the pairs that were encoded.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Pairs as lines of `name\tvalue`.
    let pairs: Vec<(&str, &str)> = text
        .split('\n')
        .map(|line| line.split_once('\t').unwrap_or((line, "")))
        .collect();
    let encoded = keyvault_runtime::codec::form::encode(pairs.iter().copied());
    let decoded: Vec<(String, String)> = form_urlencoded::parse(encoded.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let expected: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    // An empty body decodes to no pairs at all.
    if !(encoded.is_empty() && expected == [(String::new(), String::new())]) {
        assert_eq!(decoded, expected, "{encoded}");
    }
});
