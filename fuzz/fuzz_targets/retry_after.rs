//! `Retry-After`, `retry-after-ms` and `x-ms-retry-after-ms` values from any response: read
//! without panicking (u64::MAX seconds once overflowed the clock).
#![no_main]

use keyvault_runtime::http::{HeaderMap, HeaderValue, RawResponse, StatusCode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, value)) = data.split_first() else {
        return;
    };
    let name = ["retry-after", "retry-after-ms", "x-ms-retry-after-ms"][which as usize % 3];
    let Ok(value) = HeaderValue::from_bytes(value) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert(name, value);
    let response = RawResponse::new(StatusCode::TOO_MANY_REQUESTS, headers, "");
    if let Some(wait) = keyvault_runtime::retry::retry_after(&response) {
        // Whatever was asked, adding it to the clock must be checkable.
        let _ = std::time::Instant::now().checked_add(wait);
    }
});
