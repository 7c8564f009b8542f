//! Modules fed by several spec files or by part of one, and the config's name lists: what
//! merges, what is an error, and that every error names what was wrong.

mod common;

use common::generate;
use serde_json::{json, Value};

fn expect_error(config: &str, specs: &[(&str, Value)]) -> String {
    match generate(config, specs) {
        Ok(files) => panic!("expected an error, generated {:?}", files.keys()),
        Err(e) => e,
    }
}

/// A spec with the given operations (operationId -> path) returning `#/definitions/Thing`.
fn spec(version: &str, ops: &[(&str, &str)], thing: Value) -> Value {
    let mut paths = serde_json::Map::new();
    for (id, path) in ops {
        paths.insert(
            (*path).to_owned(),
            json!({"get": {
                "operationId": id,
                "parameters": [{"name": "api-version", "in": "query", "required": true, "type": "string"}],
                "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Thing"}}}
            }}),
        );
    }
    json!({
        "swagger": "2.0",
        "info": {"title": "t", "version": version},
        "host": "h.example",
        "paths": paths,
        "definitions": {"Thing": thing}
    })
}

fn thing() -> Value {
    json!({"type": "object", "properties": {"name": {"type": "string"}}})
}

const TWO_FILES: &str = r#"
[[crate.module]]
name = "api"
spec = ["a.json", "b.json"]
client = "ApiClient"
"#;

#[test]
fn two_files_make_one_client_and_share_identical_definitions() {
    let files = generate(
        TWO_FILES,
        &[
            ("a.json", spec("1", &[("Things_Get", "/a")], thing())),
            ("b.json", spec("1", &[("Things_List", "/b")], thing())),
        ],
    )
    .unwrap();
    let client = &files["out/src/api/mod.rs"];
    assert!(
        client.contains("pub fn get(") && client.contains("pub fn list("),
        "{client}"
    );
    let models = &files["out/src/api/models.rs"];
    assert_eq!(models.matches("pub struct Thing {").count(), 1, "{models}");
    // Both files are named in the header.
    assert!(client.contains("Spec: a.json") && client.contains("Spec: b.json"));
}

#[test]
fn two_different_definitions_under_one_name_are_an_error_citing_both() {
    let other = json!({"type": "object", "properties": {"size": {"type": "integer"}}});
    let err = expect_error(
        TWO_FILES,
        &[
            ("a.json", spec("1", &[("Things_Get", "/a")], thing())),
            ("b.json", spec("1", &[("Things_List", "/b")], other)),
        ],
    );
    assert!(err.contains("b.json#/definitions/Thing"), "{err}");
    assert!(err.contains("a.json#/definitions/Thing"), "{err}");
}

#[test]
fn files_of_one_module_must_share_the_api_version() {
    let err = expect_error(
        TWO_FILES,
        &[
            ("a.json", spec("1", &[("Things_Get", "/a")], thing())),
            ("b.json", spec("2", &[("Things_List", "/b")], thing())),
        ],
    );
    assert!(err.contains("b.json#/info/version"), "{err}");
}

const SPLIT: &str = r#"
[[crate.module]]
name = "reading"
spec = "a.json"
operations = ["*_Get"]
client = "ReadingClient"

[[crate.module]]
name = "listing"
spec = "a.json"
operations = ["Things_List"]
client = "ListingClient"
"#;

fn three_ops() -> Value {
    spec(
        "1",
        &[
            ("Things_Get", "/t"),
            ("Things_List", "/ts"),
            ("Others_Get", "/o"),
        ],
        thing(),
    )
}

#[test]
fn one_file_split_over_modules_by_operation_patterns() {
    let files = generate(SPLIT, &[("a.json", three_ops())]).unwrap();
    let reading = &files["out/src/reading/mod.rs"];
    assert!(reading.contains("\"Things_Get\"") && reading.contains("\"Others_Get\""));
    assert!(!reading.contains("\"Things_List\""));
    assert!(files["out/src/listing/mod.rs"].contains("\"Things_List\""));
}

#[test]
fn an_operation_no_module_serves_is_an_error_naming_it() {
    let config = SPLIT.replace("operations = [\"*_Get\"]", "operations = [\"Things_Get\"]");
    let err = expect_error(&config, &[("a.json", three_ops())]);
    assert!(
        err.contains("`Others_Get`") && err.contains("no module"),
        "{err}"
    );
    assert!(err.contains("a.json#/paths/~1o/get"), "{err}");
}

#[test]
fn an_operation_two_modules_serve_is_an_error() {
    let config = SPLIT.replace(
        "operations = [\"Things_List\"]",
        "operations = [\"Things_*\"]",
    );
    let err = expect_error(&config, &[("a.json", three_ops())]);
    assert!(
        err.contains("`Things_Get`") && err.contains("`reading` and `listing`"),
        "{err}"
    );
}

#[test]
fn a_pattern_matching_nothing_is_an_error() {
    let config = SPLIT.replace("[\"Things_List\"]", "[\"Things_List\", \"Gone_*\"]");
    let err = expect_error(&config, &[("a.json", three_ops())]);
    assert!(
        err.contains("`Gone_*`") && err.contains("`listing`"),
        "{err}"
    );
}

const ONE: &str = r#"
[[crate.module]]
name = "api"
spec = "a.json"
client = "ApiClient"
"#;

#[test]
fn stale_config_entries_are_errors_naming_them() {
    let ops = [("Things_Get", "/t")];
    let keyed = json!({"type": "object", "properties": {
        "key_hsm": {"type": "string", "x-ms-client-name": "t"}
    }});
    // A client name instead of the wire name: the error says which to write.
    let err = expect_error(
        &format!("sensitive_fields = [\"Thing.t\"]\n{ONE}"),
        &[("a.json", spec("1", &ops, keyed.clone()))],
    );
    assert!(
        err.contains("`Thing.t`") && err.contains("write `Thing.key_hsm`"),
        "{err}"
    );
    // The wire name works and redacts the field.
    let files = generate(
        &format!("sensitive_fields = [\"Thing.key_hsm\"]\n{ONE}"),
        &[("a.json", spec("1", &ops, keyed))],
    )
    .unwrap();
    assert!(files["out/src/api/models.rs"]
        .contains("pub t: Option<::keyvault_runtime::Secret<String>>"));
    // Every kind of list, each entry named.
    for (line, entry) in [
        ("sensitive_fields = [\"Thing.gone\"]", "`Thing.gone`"),
        (
            "optional_path_parameters = [\"thing-version\"]",
            "`thing-version`",
        ),
        ("method_names = { Gone_Op = \"gone\" }", "`Gone_Op`"),
        (
            "lro_result_from_initial_response = [\"Things_Get\"]",
            "`Things_Get`",
        ),
        // A GET is idempotent already: listing it is a mistake.
        ("idempotent_operations = [\"Things_*\"]", "`Things_*`"),
        (
            "[[crate.doc_note]]\noperations = [\"Gone_Op\"]\nnote = \"n\"",
            "`Gone_Op`",
        ),
    ] {
        let err = expect_error(
            &format!("{line}\n{ONE}"),
            &[("a.json", spec("1", &ops, thing()))],
        );
        assert!(err.contains(entry), "{line}: {err}");
    }
}

#[test]
fn idempotent_operations_mark_only_the_posts_they_name() {
    let mut s = spec(
        "1",
        &[("Things_Compute", "/c"), ("Things_Create", "/n")],
        thing(),
    );
    for path in ["/c", "/n"] {
        let get = s["paths"][path]
            .as_object_mut()
            .unwrap()
            .remove("get")
            .unwrap();
        s["paths"][path]["post"] = get;
    }
    let files = generate(
        &format!("idempotent_operations = [\"*_Compute\"]\n{ONE}"),
        &[("a.json", s)],
    )
    .unwrap();
    let client: String = files["out/src/api/mod.rs"]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(
        client.contains("Context::new(\"Things_Compute\").with_idempotent(true)"),
        "{client}"
    );
    assert!(
        client.contains("Context::new(\"Things_Create\")")
            && !client.contains("Context::new(\"Things_Create\").with_idempotent"),
        "{client}"
    );
}

#[test]
fn method_names_rename_the_method_and_its_builder() {
    let files = generate(
        &format!("method_names = {{ Things_Get = \"fetch_thing\" }}\n{ONE}"),
        &[("a.json", spec("1", &[("Things_Get", "/t")], thing()))],
    )
    .unwrap();
    let client = &files["out/src/api/mod.rs"];
    assert!(
        client.contains("pub fn fetch_thing(") && client.contains("FetchThingBuilder"),
        "{client}"
    );
}

#[test]
fn x_ms_odata_documents_the_filter_with_its_model() {
    let mut s = spec("1", &[("Things_List", "/t")], thing());
    let op = &mut s["paths"]["/t"]["get"];
    op["x-ms-odata"] = json!("#/definitions/ThingFilter");
    op["parameters"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "$filter", "in": "query", "type": "string"}));
    s["definitions"]["ThingFilter"] =
        json!({"type": "object", "properties": {"principalId": {"type": "string"}}});
    let files = generate(ONE, &[("a.json", s)]).unwrap();
    let client = &files["out/src/api/mod.rs"];
    assert!(
        client
            .matches("written against the properties of [`models::ThingFilter`]")
            .count()
            >= 2,
        "the method and its `filter` setter document the model: {client}"
    );
    assert!(files["out/src/api/models.rs"].contains("pub struct ThingFilter"));
}

#[test]
fn x_ms_client_flatten_on_a_body_keeps_the_model_argument() {
    let mut s = spec("1", &[("Things_Get", "/t")], thing());
    let op = &mut s["paths"]["/t"]["get"];
    op["parameters"].as_array_mut().unwrap().push(json!({
        "name": "parameters", "in": "body", "required": true,
        "schema": {"$ref": "#/definitions/Thing"}, "x-ms-client-flatten": true
    }));
    let files = generate(ONE, &[("a.json", s)]).unwrap();
    assert!(
        files["out/src/api/mod.rs"].contains("parameters: impl Into<models::Thing>"),
        "{}",
        files["out/src/api/mod.rs"]
    );
}
