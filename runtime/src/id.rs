//! Random identifiers without pulling in a UUID or RNG crate.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A random starting point per process, from std's randomly keyed hasher.
fn seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| RandomState::new().hash_one(std::process::id()))
}

/// splitmix64's finaliser: a bijection, so distinct inputs always give distinct outputs.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// 64 random-looking bits, never the same twice in a process: the per-process seed plus a
/// counter, mixed. For jitter and request ids, where spreading and uniqueness matter, not
/// unpredictability.
pub(crate) fn random_u64() -> u64 {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    mix(seed().wrapping_add(n.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
}

/// A random version-4 UUID in its usual text form (36 ASCII bytes, lower-case hex), built
/// without allocating; used for client request ids.
pub(crate) fn random_uuid() -> [u8; 36] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let hi = (random_u64() & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let lo = (mix(hi ^ seed()) & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    let bytes = (((hi as u128) << 64) | lo as u128).to_be_bytes();
    let mut out = [b'-'; 36];
    // Two hex digits per byte; the dashes after bytes 4, 6, 8 and 10.
    let mut at = 0;
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            at += 1;
        }
        out[at] = HEX[(byte >> 4) as usize];
        out[at + 1] = HEX[(byte & 0xf) as usize];
        at += 2;
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuids_are_well_formed_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let id = super::random_uuid();
            let text = std::str::from_utf8(&id).unwrap();
            assert_eq!(text.len(), 36);
            assert_eq!(&text[14..15], "4", "{text}");
            assert!(matches!(&text[19..20], "8" | "9" | "a" | "b"), "{text}");
            assert_eq!(
                text.split('-').map(str::len).collect::<Vec<_>>(),
                [8, 4, 4, 4, 12]
            );
            assert!(text.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()));
            assert!(seen.insert(id), "repeated {text}");
        }
    }

    #[test]
    fn random_numbers_spread() {
        // Jitter relies on the low bits varying.
        let values: Vec<u64> = (0..1000).map(|_| super::random_u64() % 401).collect();
        let distinct: std::collections::HashSet<_> = values.iter().collect();
        assert!(distinct.len() > 300, "{}", distinct.len());
    }
}
