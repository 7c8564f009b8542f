//! Generated models keep key material out of Debug output (the fields the specs mark
//! `x-ms-secret` and those `sensitive_fields` names in specs/codegen.toml), and can be built
//! from outside their crate.

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

/// Models are built in one expression outside their crate (they are `#[non_exhaustive]`):
/// required fields through `new`, the others through chainable `with_*` setters, which send
/// what they set and nothing else.
#[test]
fn nested_request_models_chain_their_setters() {
    use keyvault_mgmt::management::models;
    let properties =
        models::VaultProperties::new("tenant-1", models::Sku::new(models::SkuName::Premium))
            .with_enable_soft_delete(true)
            .with_soft_delete_retention_in_days(7)
            .with_access_policies([models::AccessPolicyEntry::new(
                "tenant-1",
                "object-1",
                models::Permissions::default().with_keys([models::KeyPermissions::Get]),
            )]);
    let params = models::VaultCreateOrUpdateParameters::new("westeurope", properties);
    let json = serde_json::to_value(&params).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "location": "westeurope",
            "properties": {
                "tenantId": "tenant-1",
                "sku": {"family": "A", "name": "premium"},
                "enableSoftDelete": true,
                "softDeleteRetentionInDays": 7,
                "accessPolicies": [{
                    "tenantId": "tenant-1",
                    "objectId": "object-1",
                    "permissions": {"keys": ["get"]}
                }]
            }
        })
    );
}
