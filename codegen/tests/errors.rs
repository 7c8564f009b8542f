//! What the generator cannot interpret is a hard error citing the spec file and JSON pointer;
//! nothing is silently dropped or renamed first-one-wins.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

/// Generates one module from `spec` (written as `api.json` in a temporary folder) and returns
/// the error message.
fn error_for(spec: Value) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("api.json"), spec.to_string()).unwrap();
    let config = codegen::Config::parse(
        r#"
specs_dir = "specs"
lock_file = "unused.lock"
regenerate_command = "regen"

[[crate]]
name = "t"
path = "out"
version = "0.0.0"
description = "test"

[[crate.module]]
name = "api"
spec = "api.json"
client = "ApiClient"
"#,
        Path::new("inline.toml"),
    )
    .unwrap();
    match codegen::generate(&config, dir.path(), dir.path(), &BTreeMap::new()) {
        Ok(files) => panic!("expected an error, generated {:?}", files.keys()),
        Err(e) => e.to_string(),
    }
}

/// A minimal valid spec with one GET returning `#/definitions/Thing`, plus `definitions`.
fn spec_with(definitions: Value) -> Value {
    json!({
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "host": "h.example",
        "paths": {"/things": {"get": {
            "operationId": "Things_Get",
            "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Thing"}}}
        }}},
        "definitions": definitions
    })
}

#[test]
fn unknown_format_cites_the_property() {
    let err = error_for(spec_with(json!({
        "Thing": {"type": "object", "properties": {"when": {"type": "string", "format": "epoch"}}}
    })));
    assert!(
        err.contains("api.json#/definitions/Thing/properties/when"),
        "{err}"
    );
    assert!(err.contains("epoch"), "{err}");
}

#[test]
fn unknown_spec_keys_are_rejected_with_their_location() {
    let mut spec = spec_with(json!({"Thing": {"type": "object"}}));
    spec["paths"]["/things"]["get"]["x-ms-new-extension"] = json!(true);
    let err = error_for(spec);
    assert!(err.contains("api.json#/paths/~1things/get"), "{err}");
    assert!(err.contains("x-ms-new-extension"), "{err}");
}

#[test]
fn dangling_references_are_errors() {
    let err = error_for(spec_with(json!({
        "Thing": {"type": "object", "properties": {"part": {"$ref": "#/definitions/Missing"}}}
    })));
    assert!(err.contains("#/definitions/Missing"), "{err}");
    assert!(err.contains("no such definition"), "{err}");
}

#[test]
fn name_collisions_cite_both_definitions() {
    let err = error_for(spec_with(json!({
        "Thing": {"type": "object", "properties": {
            "a": {"$ref": "#/definitions/part_info"},
            "b": {"$ref": "#/definitions/PartInfo"}
        }},
        "part_info": {"type": "object", "properties": {"x": {"type": "string"}}},
        "PartInfo": {"type": "object", "properties": {"y": {"type": "string"}}}
    })));
    assert!(err.contains("PartInfo"), "{err}");
    assert!(err.contains("#/definitions/part_info"), "{err}");
    assert!(err.contains("#/definitions/PartInfo"), "{err}");
}

#[test]
fn properties_mapping_to_one_field_are_errors() {
    let err = error_for(spec_with(json!({
        "Thing": {"type": "object", "properties": {
            "keyId": {"type": "string"}, "key_id": {"type": "string"}
        }}
    })));
    assert!(err.contains("key_id"), "{err}");
    assert!(err.contains("#/definitions/Thing"), "{err}");
}

#[test]
fn polymorphic_base_without_subtypes_is_an_error() {
    let err = error_for(spec_with(json!({
        "Thing": {"type": "object", "discriminator": "kind", "required": ["kind"],
                  "properties": {"kind": {"type": "string"}}}
    })));
    assert!(err.contains("without any subtype"), "{err}");
    assert!(err.contains("#/definitions/Thing"), "{err}");
}

#[test]
fn pageable_without_its_items_field_is_an_error() {
    let mut spec = spec_with(json!({
        "Thing": {"type": "object", "properties": {"value": {"type": "array", "items": {"type": "string"}}}}
    }));
    spec["paths"]["/things"]["get"]["x-ms-pageable"] =
        json!({"nextLinkName": null, "itemName": "entries"});
    let err = error_for(spec);
    assert!(err.contains("no items field `entries`"), "{err}");
    assert!(err.contains("#/paths/~1things/get"), "{err}");
}

#[test]
fn duplicate_operation_ids_are_errors() {
    let mut spec = spec_with(json!({"Thing": {"type": "object"}}));
    spec["paths"]["/others"] = spec["paths"]["/things"].clone();
    let err = error_for(spec);
    assert!(err.contains("Things_Get"), "{err}");
    assert!(err.contains("#/paths/~1things/get"), "{err}");
}

#[test]
fn unknown_final_state_via_is_an_error() {
    let mut spec = spec_with(json!({"Thing": {"type": "object"}}));
    spec["paths"]["/things"]["get"]["x-ms-long-running-operation"] = json!(true);
    spec["paths"]["/things"]["get"]["x-ms-long-running-operation-options"] =
        json!({"final-state-via": "somewhere"});
    let err = error_for(spec);
    assert!(err.contains("final-state-via `somewhere`"), "{err}");
}
