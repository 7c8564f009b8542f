//! `codegen diff` on small specs: an added operation, a removed field and a changed enum are
//! reported, each classified as breaking or not.

mod common;

use codegen::api::Api;
use codegen::diff::{ApiDiff, Change};
use common::generate;
use serde_json::{json, Value};

const CONFIG: &str = r#"
[[crate.module]]
name = "api"
spec = "api.json"
client = "ApiClient"
"#;

/// Version 1 of a small service: `Widgets_Get` returns a widget with a name, a size and a
/// closed color enum.
fn v1() -> Value {
    json!({
        "swagger": "2.0",
        "info": {"title": "t", "version": "2025-01-01"},
        "host": "h.example",
        "paths": {
            "/widgets/{name}": {"get": {
                "operationId": "Widgets_Get",
                "parameters": [
                    {"name": "name", "in": "path", "required": true, "type": "string"},
                    {"name": "api-version", "in": "query", "required": true, "type": "string"}
                ],
                "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Widget"}}}
            }}
        },
        "definitions": {
            "Widget": {"type": "object", "properties": {
                "name": {"type": "string"},
                "size": {"type": "integer", "format": "int32"},
                "color": {"type": "string", "enum": ["red", "blue"],
                          "x-ms-enum": {"name": "Color", "modelAsString": false}},
                "mode": {"type": "string", "enum": ["fast"], "default": "fast",
                         "x-ms-enum": {"name": "Mode", "modelAsString": true}}
            }}
        }
    })
}

fn api_of(spec: Value) -> Api {
    let files = generate(CONFIG, &[("api.json", spec)]).unwrap();
    Api::from_sources(&files, &[("t".to_owned(), "out".to_owned())]).unwrap()
}

fn entry<'d>(diff: &'d ApiDiff, path: &str) -> &'d codegen::diff::Entry {
    diff.entries
        .iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| panic!("no entry {path} in\n{}", diff.render()))
}

#[test]
fn the_same_spec_has_no_api_change() {
    let diff = ApiDiff::between(&api_of(v1()), &api_of(v1()));
    assert!(diff.is_empty(), "{}", diff.render());
    assert!(diff
        .render()
        .contains("0 breaking changes: no release needed"));
}

#[test]
fn added_operation_removed_field_and_changed_enum_are_classified() {
    let mut v2 = v1();
    v2["info"]["version"] = json!("2026-01-01");
    // An added operation.
    v2["paths"]["/widgets"] = json!({"get": {
        "operationId": "Widgets_List",
        "parameters": [{"name": "api-version", "in": "query", "required": true, "type": "string"}],
        "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Widget"}}}
    }});
    let widget = &mut v2["definitions"]["Widget"]["properties"];
    // A removed field.
    widget.as_object_mut().unwrap().remove("size");
    // A changed enum: one value gone, one added.
    widget["color"]["enum"] = json!(["red", "green"]);
    // A changed service default.
    widget["mode"]["default"] = json!("slow");
    widget["mode"]["enum"] = json!(["fast", "slow"]);
    let diff = ApiDiff::between(&api_of(v1()), &api_of(v2));
    let report = diff.render();

    let op = entry(&diff, "t::api::Widgets_List");
    assert!(
        matches!(op.change, Change::Added(_)) && !op.breaking,
        "{report}"
    );
    assert!(
        !entry(&diff, "t::api::WidgetsClient::list").breaking,
        "{report}"
    );

    let size = entry(&diff, "t::api::models::Widget::size");
    assert!(
        matches!(size.change, Change::Removed(_)) && size.breaking,
        "{report}"
    );

    let blue = entry(&diff, "t::api::models::Color::Blue");
    assert!(
        matches!(blue.change, Change::Removed(_)) && blue.breaking,
        "{report}"
    );
    // Color is closed (modelAsString: false), so exhaustive: matches over it break on a new
    // value. Mode is open (#[non_exhaustive], with an unknown-value variant): they do not.
    let green = entry(&diff, "t::api::models::Color::Green");
    assert!(
        matches!(green.change, Change::Added(_)) && green.breaking,
        "{report}"
    );
    let slow = entry(&diff, "t::api::models::Mode::Slow");
    assert!(
        matches!(slow.change, Change::Added(_)) && !slow.breaking,
        "{report}"
    );

    let default = entry(&diff, "t::api::models::Widget::mode::(default)");
    assert!(matches!(default.change, Change::Changed { .. }) && !default.breaking);

    assert!(
        report.contains("t::api: api-version 2025-01-01 -> 2026-01-01"),
        "{report}"
    );
    assert!(
        report.contains("[breaking] field t::api::models::Widget::size"),
        "{report}"
    );
    assert_eq!(diff.breaking(), 3, "{report}");
    assert!(
        report.contains("3 breaking changes: a major version"),
        "{report}"
    );
}

#[test]
fn a_new_required_parameter_changes_the_method_and_breaks() {
    let mut v2 = v1();
    v2["paths"]["/widgets/{name}"]["get"]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "tenant", "in": "query", "required": true, "type": "string"}));
    let diff = ApiDiff::between(&api_of(v1()), &api_of(v2));
    let get = entry(&diff, "t::api::WidgetsClient::get");
    let Change::Changed { old, new } = &get.change else {
        panic!("{}", diff.render())
    };
    assert!(get.breaking);
    assert!(
        !old.signature.contains("tenant") && new.signature.contains("tenant: impl Into<String>")
    );
}

#[test]
fn a_removed_module_breaks_and_its_items_go_with_it() {
    let two = "\n[[crate.module]]\nname = \"api\"\nspec = \"api.json\"\nclient = \"ApiClient\"\n\n[[crate.module]]\nname = \"extra\"\nspec = \"extra.json\"\nclient = \"ExtraClient\"\nfeature = \"extra\"\n";
    let read = |config: &str, specs: &[(&str, Value)]| {
        let files = generate(config, specs).unwrap();
        Api::from_sources(&files, &[("t".to_owned(), "out".to_owned())]).unwrap()
    };
    let old = read(two, &[("api.json", v1()), ("extra.json", v1())]);
    let new = read(CONFIG, &[("api.json", v1())]);
    let diff = ApiDiff::between(&old, &new);
    let module = entry(&diff, "t::extra");
    assert!(matches!(module.change, Change::Removed(_)) && module.breaking);
    // Only the module is listed, not each of its items.
    assert!(
        diff.entries
            .iter()
            .all(|e| !e.path.starts_with("t::extra::")),
        "{}",
        diff.render()
    );
}
