//! `WWW-Authenticate` values from any host that answers 401: parsing always returns (it
//! once looped forever on `Bearer !=`), and every accessor works on what it returns.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    for challenge in keyvault_runtime::auth::parse_challenges(header) {
        let _ = challenge.tenant_id();
        let _ = challenge.scopes();
        let _ = challenge.claims();
        let _ = challenge.authorization_server();
        let _ = challenge.error();
    }
});
