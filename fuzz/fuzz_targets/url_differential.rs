//! Our URL parser against the `url` crate (the WHATWG URL Standard, as browsers read URLs):
//! whenever both accept an http(s) URL, or the same reference joined onto one, they must agree
//! on scheme, host and port, so that no check we make (the vault's host, loopback, a token's
//! audience, NO_PROXY) is about another host than the one the connection goes to. Refusing
//! what the standard accepts is allowed; reading it differently is not.
#![no_main]

use keyvault_runtime::url::Url;
use libfuzzer_sys::fuzz_target;

fn agree(input: &str, ours: &Url, theirs: &url::Url) {
    if !matches!(ours.scheme(), "http" | "https") {
        return;
    }
    assert_eq!(ours.scheme(), theirs.scheme(), "scheme of {input:?}");
    assert_eq!(ours.host_str(), theirs.host_str(), "host of {input:?}");
    assert_eq!(
        ours.port_or_known_default(),
        theirs.port_or_known_default(),
        "port of {input:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first line is the base, the rest a reference joined onto it.
    let (base, reference) = text.split_once('\n').unwrap_or((text, ""));
    let (Ok(ours), Ok(theirs)) = (Url::parse(base), url::Url::parse(base)) else {
        return;
    };
    agree(base, &ours, &theirs);
    if let (Ok(ours), Ok(theirs)) = (ours.join(reference), theirs.join(reference)) {
        agree(
            &format!("{base:?} joined with {reference:?}"),
            &ours,
            &theirs,
        );
    }
});
