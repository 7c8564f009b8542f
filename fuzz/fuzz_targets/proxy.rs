//! What proxies and their settings hand us: a proxy's answer to `CONNECT` (read before TLS
//! starts, from whatever is listening at the proxy's address) and `NO_PROXY` values. Neither
//! may panic; a complete answer's head length is within the bytes read; `*` alone bypasses
//! every host, and an entry always matches itself.
#![no_main]

use keyvault_runtime::proxy::{read_connect_reply, NoProxy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    if selector % 2 == 0 {
        if let Ok(Some((_, reason, length))) = read_connect_reply(rest) {
            assert!(length <= rest.len());
            assert!(reason.chars().count() <= 80);
        }
        return;
    }
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    // The first line is the NO_PROXY value, the second a host.
    let (value, host) = text.split_once('\n').unwrap_or((text, "example.com"));
    let rules = NoProxy::parse(value);
    let _ = rules.matches(host);
    if value.trim() == "*" {
        assert!(rules.matches(host));
    }
    let entry = value.trim();
    if !entry.is_empty()
        && entry
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        assert!(rules.matches(entry), "{entry:?} matches itself");
    }
});
