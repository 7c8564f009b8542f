//! Generated models keep key material out of Debug output: the fields the specs mark
//! `x-ms-secret` and those `sensitive_fields` names in specs/codegen.toml.

use keyvault::keys::models::JsonWebKey;

#[test]
fn private_key_parts_and_the_byok_protected_key_are_redacted() {
    // `t` is the BYOK protected key (wire name `key_hsm`).
    let key: JsonWebKey = serde_json::from_value(serde_json::json!({
        "kty": "RSA-HSM",
        "n": "AQAB",
        "d": "c2VjcmV0LWQ",
        "key_hsm": "cHJvdGVjdGVkLWtleS1ieXRlcw"
    }))
    .unwrap();
    let protected = key.t.as_ref().expect("key_hsm decodes into `t`");
    assert_eq!(protected.expose().as_slice(), b"protected-key-bytes");
    let debug = format!("{key:?}");
    assert!(debug.contains("REDACTED"), "{debug}");
    for leaked in [
        "protected-key-bytes",
        "112, 114, 111",
        "secret-d",
        "115, 101, 99",
    ] {
        assert!(!debug.contains(leaked), "{leaked} in {debug}");
    }
    // The public modulus is not secret.
    assert!(debug.contains("n: Some("), "{debug}");
    // Serialized back for a request, the key is whole.
    let wire = serde_json::to_value(&key).unwrap();
    assert_eq!(wire["key_hsm"], "cHJvdGVjdGVkLWtleS1ieXRlcw");
}
