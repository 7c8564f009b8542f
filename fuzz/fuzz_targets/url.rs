//! URLs from configuration, next links and status monitors: parsing and joining never panic,
//! and what parses prints as a URL that parses to the same thing.
#![no_main]

use keyvault_runtime::url::Url;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first line is the base, the rest a reference joined onto it.
    let (base, reference) = text.split_once('\n').unwrap_or((text, ""));
    let Ok(url) = Url::parse(base) else {
        return;
    };
    let printed = url.to_string();
    let again = Url::parse(&printed)
        .unwrap_or_else(|e| panic!("{base:?} printed as {printed:?}, which does not parse: {e}"));
    assert_eq!(
        again.to_string(),
        printed,
        "printing is stable for {base:?}"
    );
    if let Ok(joined) = url.join(reference) {
        let printed = joined.to_string();
        assert!(
            Url::parse(&printed).is_ok(),
            "{base:?} joined with {reference:?} printed as {printed:?}, which does not parse"
        );
    }
});
