//! The large bodies the benchmark sends and receives, the same bytes for every client and the
//! fake vault: a 25 KB secret (a PEM bundle, so its JSON carries `\n` escapes as real ones do),
//! a 40 KB backup blob (sent base64url, as the service does) and a certificate's DER.

use base64::Engine;

/// The size of the large secret's value.
pub const LARGE_SECRET_BYTES: usize = 25 * 1024;
/// The size of the backup blob, before base64url.
pub const BACKUP_BYTES: usize = 40 * 1024;

/// `len` bytes that do not compress (a xorshift stream from `seed`).
pub fn bytes_of(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Standard base64 (`url_safe`: base64url without padding, as Key Vault sends blobs).
pub fn base64(bytes: &[u8], url_safe: bool) -> String {
    if url_safe {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    } else {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }
}

/// A PEM bundle of about 25 KB: base64 lines of 64 characters between BEGIN/END lines.
pub fn large_secret_value() -> String {
    let body = base64(&bytes_of(LARGE_SECRET_BYTES * 3 / 4 - 200, 25), false);
    let mut pem = String::with_capacity(LARGE_SECRET_BYTES + 64);
    pem.push_str("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

/// The backup blob a backup answers and a restore sends.
pub fn backup_blob() -> Vec<u8> {
    bytes_of(BACKUP_BYTES, 40)
}
