//! Continuation tokens come from callers' storage (files, queues, other processes): decoding
//! a tampered or truncated one is an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    for kind in ["arm", "keyvault-delete", "certificate"] {
        let _ = keyvault_runtime::poller::decode_token::<serde_json::Value>(kind, token);
    }
});
