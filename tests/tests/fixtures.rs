//! The fixture snapshots (`codegen/fixtures`, one small spec per generator feature) behave as
//! the spec says: each test drives one feature through the generated code, with the capture
//! transport or a real loopback server.

use std::sync::Arc;
use std::time::Duration;

use codegen_fixtures as fx;
use e2e_tests::{LoopbackServer, Reply};
use futures::TryStreamExt;
use keyvault_runtime::capture::CaptureTransport;
use keyvault_runtime::http::{HeaderMap, RawResponse, StatusCode};
use keyvault_runtime::{ClientOptions, ErrorKind, PollerOptions};
use serde_json::{json, Value};

fn capture() -> (CaptureTransport, ClientOptions) {
    let transport = CaptureTransport::new();
    let options = ClientOptions::default().with_transport(Arc::new(transport.clone()));
    (transport, options)
}

fn body_json(request: &keyvault_runtime::http::Request) -> Value {
    serde_json::from_slice(&request.body).expect("a JSON body")
}

fn target(request: &keyvault_runtime::http::Request) -> String {
    let url = &request.url;
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

#[tokio::test]
async fn refs_across_files_build_and_decode() {
    let (transport, options) = capture();
    let client = fx::refs::RefsClient::with_endpoint("https://x.example", options).unwrap();
    transport.push_json(200, &json!({"name": "w", "part": {"serial": "s-1"}}));
    let widget = client.widgets().get("w 1").await.unwrap();
    assert_eq!(widget.part.unwrap().serial.as_deref(), Some("s-1"));
    let sent = transport.last_request().unwrap();
    assert_eq!(target(&sent), "/widgets/w%201?api-version=2025-01-01");
    // The error model from the shared file is the typed service error.
    transport.push_json(400, &json!({"code": "Bad", "message": "no"}));
    let err = client.widgets().get("w").await.unwrap_err();
    let ErrorKind::Service(service) = err.kind() else {
        panic!("{err}")
    };
    let typed: fx::refs::models::ErrorModel = service.body_as().unwrap();
    assert_eq!(typed.code.as_deref(), Some("Bad"));
}

#[test]
fn all_of_inherits_through_levels_and_children_override() {
    // `name` is redefined by the child and required there; `location` is required by the parent.
    // Constructor arguments follow the fields: inherited first, a redefinition in its place.
    let vault = fx::inheritance::models::Vault::new("v1", "eastus", "standard");
    let value = serde_json::to_value(&vault).unwrap();
    assert_eq!(
        value,
        json!({"location": "eastus", "name": "v1", "sku": "standard"})
    );
    let read: fx::inheritance::models::Vault =
        serde_json::from_value(json!({"id": "/v/1", "name": "v1", "location": "x", "sku": "s"}))
            .unwrap();
    assert_eq!(read.id.as_deref(), Some("/v/1"));
}

#[test]
fn discriminator_selects_variants_and_keeps_unknown_kinds() {
    use fx::polymorphism::models::{Circle, Drawing, RoundedSquare, Shape};
    let wire = json!({
        "main": {"kind": "circle", "label": "c", "radius": 2.0},
        "shapes": [
            {"kind": "Square", "side": 1.0},
            {"kind": "roundedSquare", "side": 1.0, "cornerRadius": 0.5},
            {"kind": "hexagon", "sides": 6, "label": "new in a later api-version"}
        ]
    });
    let drawing: Drawing = serde_json::from_value(wire.clone()).unwrap();
    let Some(Shape::Circle(circle)) = &drawing.main else {
        panic!("{drawing:?}")
    };
    assert_eq!(circle.radius, Some(2.0));
    let shapes = drawing.shapes.as_ref().unwrap();
    assert!(matches!(shapes[0], Shape::Square(_)));
    assert!(
        matches!(&shapes[1], Shape::RoundedSquare(r) if r.corner_radius == Some(0.5)),
        "a subtype of a subtype is a variant too"
    );
    assert_eq!(shapes[2].kind(), "hexagon");
    assert!(matches!(shapes[2], Shape::UnknownValue(_)));
    // Writing it back reproduces the wire form, unknown kinds included.
    assert_eq!(serde_json::to_value(&drawing).unwrap(), wire);
    // A subtype built in code carries its discriminator.
    let shape: Shape = Circle::new(1.5).into();
    assert_eq!(
        serde_json::to_value(&shape).unwrap(),
        json!({"kind": "circle", "radius": 1.5})
    );
    assert_eq!(
        serde_json::to_value(RoundedSquare::default()).unwrap(),
        json!({"kind": "roundedSquare"})
    );
}

#[test]
fn additional_properties_are_maps() {
    use fx::maps::models::Bag;
    let wire = json!({
        "tags": {"env": "prod"},
        "entries": {"a": {"count": 1}},
        "anything": {"nested": [1, 2]},
        "size": 3,
        "extra1": 10,
        "extra2": 20
    });
    let bag: Bag = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(bag.tags.as_ref().unwrap()["env"], "prod");
    assert_eq!(bag.entries.as_ref().unwrap()["a"].count, Some(1));
    assert_eq!(bag.anything.as_ref().unwrap()["nested"][1], 2);
    assert_eq!(bag.additional_properties.get("extra2"), Some(&20));
    assert_eq!(bag.additional_properties.len(), 2);
    assert_eq!(serde_json::to_value(&bag).unwrap(), wire);
}

#[tokio::test]
async fn read_only_fields_are_never_sent() {
    use fx::read_only::models::Item;
    let read: Item = serde_json::from_value(
        json!({"id": "i-1", "etag": "e", "created": 1700000000, "name": "n"}),
    )
    .unwrap();
    assert_eq!(read.created.unwrap().unix_timestamp(), 1_700_000_000);
    let (transport, options) = capture();
    let client =
        fx::read_only::ReadOnlyClient::with_endpoint("https://x.example", options).unwrap();
    transport.push_json(200, &json!({"id": "i-1", "name": "n"}));
    client.items().put("n", read).await.unwrap();
    // `id` and `created` are readOnly, `etag` is x-ms-mutability ["read"].
    assert_eq!(
        body_json(&transport.last_request().unwrap()),
        json!({"name": "n"})
    );
}

#[test]
fn nullable_fields_tell_null_from_absent_on_input() {
    use fx::nullable::models::{Setting, SettingPatch};
    let mut patch = SettingPatch::default();
    patch.note = Some(None);
    patch.value = Some("v".into());
    assert_eq!(
        serde_json::to_value(&patch).unwrap(),
        json!({"note": null, "value": "v"})
    );
    patch.note = Some(Some("n".into()));
    patch.expires = Some(None);
    assert_eq!(
        serde_json::to_value(&patch).unwrap(),
        json!({"note": "n", "expires": null, "value": "v"})
    );
    let read: SettingPatch = serde_json::from_value(json!({"note": null})).unwrap();
    assert_eq!(read.note, Some(None));
    assert_eq!(read.expires, None);
    // Output-only models read `null` as a plain `None`.
    let setting: Setting = serde_json::from_value(json!({"note": null, "value": "v"})).unwrap();
    assert_eq!(setting.note, None);
}

#[tokio::test]
async fn enums_share_names_keep_unknown_values_and_close_when_asked() {
    use fx::enums::models::{Color, Finish, Paint, PaintGrade};
    let paint: Paint =
        serde_json::from_value(json!({"color": "dark-blue", "finish": "matte", "grade": "z"}))
            .unwrap();
    assert_eq!(paint.color, Some(Color::Navy));
    assert_eq!(paint.finish, Some(Finish::Matte));
    assert_eq!(paint.grade, Some(PaintGrade::UnknownValue("z".into())));
    let open: Paint = serde_json::from_value(json!({"color": "teal"})).unwrap();
    assert_eq!(open.color.as_ref().map(Color::as_str), Some("teal"));
    assert!(
        serde_json::from_value::<Paint>(json!({"finish": "satin"})).is_err(),
        "modelAsString: false is a closed enum"
    );
    // The query parameter uses the same `Color` type.
    let (transport, options) = capture();
    let client = fx::enums::EnumsClient::with_endpoint("https://x.example", options).unwrap();
    transport.push_json(200, &json!({}));
    client.paints().list().color(Color::Navy).await.unwrap();
    assert_eq!(
        target(&transport.last_request().unwrap()),
        "/paints?api-version=2025-01-01&color=dark-blue"
    );
}

#[tokio::test]
async fn client_names_rename_types_fields_and_parameters() {
    let record: fx::client_names::models::StoredRecord = serde_json::from_value(json!({
        "type": "t", "self": "s", "ttl_sec": 30, "@odata.etag": "e"
    }))
    .unwrap();
    assert_eq!(record.r#type.as_deref(), Some("t"));
    assert_eq!(record.self_.as_deref(), Some("s"));
    assert_eq!(record.time_to_live, Some(30));
    assert_eq!(record.odata_etag.as_deref(), Some("e"));
    let (transport, options) = capture();
    let client =
        fx::client_names::ClientNamesClient::with_endpoint("https://x.example", options).unwrap();
    transport.push_json(200, &json!({}));
    client.records().get("r1").top(5).await.unwrap();
    assert_eq!(
        target(&transport.last_request().unwrap()),
        "/records/r1?api-version=2025-01-01&%24top=5"
    );
}

#[tokio::test]
async fn parameterized_host_inserts_skip_encoded_and_encodes_the_rest() {
    let (transport, options) = capture();
    let client =
        fx::host::HostClient::new("https://vault.example:8443/base", "west europe", options)
            .unwrap();
    assert_eq!(
        client.endpoint().as_str(),
        "https://vault.example:8443/base/regions/west%20europe"
    );
    transport.push_response(RawResponse::new(
        StatusCode::NO_CONTENT,
        HeaderMap::new(),
        "",
    ));
    client.ping().await.unwrap();
    assert_eq!(
        transport.last_request().unwrap().url.as_str(),
        "https://vault.example:8443/base/regions/west%20europe/ping?api-version=2025-01-01"
    );
    let err = fx::host::HostClient::new("not a url", "r", ClientOptions::default()).unwrap_err();
    assert!(err.to_string().contains("vaultBaseUrl"), "{err}");
}

#[tokio::test]
async fn parameters_go_where_the_spec_puts_them() {
    let (transport, options) = capture();
    let client = fx::parameters::ParametersClient::with_endpoint(
        "https://x.example",
        "sub-1",
        "t1",
        options,
    )
    .unwrap();
    transport.push_json(200, &json!({"name": "n"}));
    client
        .things()
        .get("thing-1")
        .maxresults(25)
        .ids(vec!["a".to_owned(), "b,c".to_owned()])
        .x_ms_trace("trace-7")
        .await
        .unwrap();
    let sent = transport.last_request().unwrap();
    // Global parameters belong to the client unless they say `method`; the inline `tenant` says
    // `client`; `mode` falls back to its x-ms-client-default.
    assert_eq!(
        target(&sent),
        "/subscriptions/sub-1/things/thing-1?api-version=2025-01-01&maxresults=25&ids=a%2Cb%2Cc&mode=fast&tenant=t1"
    );
    assert_eq!(sent.headers["x-ms-trace"], "trace-7");
    transport.push_json(200, &json!({}));
    client.things().get("thing-1").mode("slow").await.unwrap();
    assert!(target(&transport.last_request().unwrap()).contains("mode=slow"));
    // Constraints are checked before sending.
    for bad in [
        client.things().get("Thing_1").build_request().unwrap_err(),
        client
            .things()
            .get("ok")
            .maxresults(26)
            .build_request()
            .unwrap_err(),
    ] {
        assert!(
            matches!(bad.kind(), ErrorKind::InvalidInput { .. }),
            "{bad}"
        );
    }
    assert_eq!(transport.requests().len(), 2, "nothing invalid was sent");
}

#[tokio::test]
async fn paging_follows_next_links_stops_on_null_and_honours_item_names() {
    let server = LoopbackServer::start(Reply::json(500, "{}")).await;
    let base = server.url();
    let client = fx::paging::PagingClient::with_endpoint(&base, ClientOptions::default()).unwrap();
    server.push(Reply::json(
        200,
        &format!(r#"{{"value":[{{"id":"1"}}],"nextLink":"{base}/pages?page=2"}}"#),
    ));
    server.push(Reply::json(200, r#"{"value":[{"id":"2"}]}"#));
    let ids: Vec<_> = client
        .pages()
        .list()
        .into_stream()
        .map_ok(|e| e.id.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["1", "2"]);
    // nextLinkName null: one page, even if the body has a nextLink.
    server.push(Reply::json(
        200,
        &format!(r#"{{"value":[{{"id":"3"}}],"nextLink":"{base}/never"}}"#),
    ));
    let single: Vec<_> = client
        .pages()
        .list_single()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(single.len(), 1);
    server.push(Reply::json(
        200,
        &format!(r#"{{"items":[{{"id":"4"}}],"@odata.nextLink":"{base}/custom?p=2"}}"#),
    ));
    server.push(Reply::json(200, r#"{"items":[{"id":"5"}]}"#));
    let custom: Vec<_> = client
        .pages()
        .list_custom()
        .into_stream()
        .map_ok(|e| e.id.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(custom, ["4", "5"]);
    let targets: Vec<_> = server.seen().into_iter().map(|s| s.target).collect();
    assert_eq!(
        targets,
        [
            "/pages?api-version=2025-01-01",
            // Next links get the client's api-version when they lack one.
            "/pages?page=2&api-version=2025-01-01",
            "/single?api-version=2025-01-01",
            "/custom?api-version=2025-01-01",
            "/custom?p=2&api-version=2025-01-01"
        ]
    );
}

#[tokio::test]
async fn long_running_operations_follow_final_state_via() {
    let server = LoopbackServer::start(Reply::json(500, "{}")).await;
    let base = server.url();
    let client = fx::lro::LroClient::with_endpoint(&base, ClientOptions::default()).unwrap();
    let fast = PollerOptions::with_interval(Duration::ZERO);
    // azure-async-operation: poll the status monitor; its final body is the result.
    server.push(Reply {
        status: 201,
        headers: vec![(
            "azure-asyncoperation".into(),
            format!("{base}/operations/1"),
        )],
        body: r#"{"id":"j1","status":"Creating"}"#.into(),
    });
    server.push(Reply::json(200, r#"{"status":"InProgress"}"#));
    server.push(Reply::json(200, r#"{"id":"j1","status":"Succeeded"}"#));
    let job = client
        .jobs()
        .create("j1")
        .poller_options(fast)
        .await
        .unwrap();
    assert_eq!(job.status.as_deref(), Some("Succeeded"));
    // original-uri: poll Location, then GET the original URI for the result.
    server.push(Reply {
        status: 202,
        headers: vec![("location".into(), format!("{base}/operations/2"))],
        body: String::new(),
    });
    server.push(Reply::json(200, r#"{"status":"Succeeded"}"#));
    server.push(Reply::json(200, r#"{"id":"j1","status":"Restarted"}"#));
    let job = client
        .jobs()
        .restart("j1")
        .poller_options(fast)
        .await
        .unwrap();
    assert_eq!(job.status.as_deref(), Some("Restarted"));
    let methods: Vec<_> = server
        .seen()
        .into_iter()
        .map(|s| format!("{} {}", s.method, s.target))
        .collect();
    assert_eq!(
        methods,
        [
            "PUT /jobs/j1?api-version=2025-01-01",
            "GET /operations/1",
            "GET /operations/1",
            "POST /jobs/j1/restart?api-version=2025-01-01",
            "GET /operations/2",
            "GET /jobs/j1/restart?api-version=2025-01-01"
        ]
    );
    // location on a DELETE: poll Location until it stops answering 202.
    server.push(Reply {
        status: 202,
        headers: vec![("location".into(), format!("{base}/deletions/1"))],
        body: String::new(),
    });
    server.push(Reply {
        status: 202,
        headers: vec![],
        body: String::new(),
    });
    server.push(Reply::json(204, ""));
    client
        .jobs()
        .delete("j1")
        .poller_options(fast)
        .await
        .unwrap();
    let seen = server.seen();
    assert_eq!(seen[6].method, "DELETE");
    assert!(seen[7..]
        .iter()
        .all(|s| s.method == "GET" && s.target == "/deletions/1"));
    assert_eq!(seen.len(), 9, "the DELETE is never re-sent");
}

#[test]
fn secret_fields_are_redacted_in_debug_output() {
    use fx::secrets::models::Credential;
    let credential: Credential = serde_json::from_value(json!({
        "user": "alice", "token": "tok-123", "password": "hunter2", "key": "c2VjcmV0"
    }))
    .unwrap();
    let debug = format!("{credential:?}");
    assert!(debug.contains("alice"), "{debug}");
    for secret in ["tok-123", "hunter2", "c2VjcmV0", "115, 101"] {
        assert!(!debug.contains(secret), "{secret} leaked: {debug}");
    }
    assert_eq!(credential.key.as_ref().unwrap().expose(), b"secret");
    // Serializing (sending) keeps the real values.
    let value = serde_json::to_value(&credential).unwrap();
    assert_eq!(value["password"], "hunter2");
    assert_eq!(value["key"], "c2VjcmV0");
}

#[tokio::test]
async fn formats_round_trip_and_binary_bodies_are_bytes() {
    use fx::formats::models::Sample;
    let wire = json!({
        "int32": 7, "int64": 9007199254740993i64, "float": 1.5, "double": 2.25, "flag": true,
        "dateTime": "2025-07-01T10:00:00Z",
        "rfc1123": "Tue, 01 Jul 2025 10:00:00 GMT",
        "unix": 1751364000,
        "byte": "AAEC/w==",
        "base64url": "AAEC_w",
        "chain": ["AQ", "Ag"],
        "uuid": "00000000-0000-0000-0000-000000000001",
        "uri": "https://e.example/x",
        "armId": "/subscriptions/s",
        "duration": "PT1H"
    });
    let sample: Sample = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(sample.int64, Some(9_007_199_254_740_993));
    assert_eq!(sample.byte.as_deref(), Some(&[0u8, 1, 2, 255][..]));
    assert_eq!(sample.base64url, sample.byte);
    assert_eq!(sample.chain, Some(vec![vec![1], vec![2]]));
    let unix = sample.unix.unwrap();
    assert_eq!(sample.date_time, Some(unix));
    assert_eq!(sample.rfc1123, Some(unix));
    assert_eq!(serde_json::to_value(&sample).unwrap(), wire);

    let (transport, options) = capture();
    let client = fx::formats::FormatsClient::with_endpoint("https://x.example", options).unwrap();
    transport.push_response(RawResponse::new(
        StatusCode::OK,
        HeaderMap::new(),
        vec![0u8, 159, 146, 150],
    ));
    let bytes = client.files().download("f").await.unwrap();
    assert_eq!(&bytes[..], &[0u8, 159, 146, 150]);
}

#[tokio::test]
async fn responses_optional_bodies_typed_headers_and_errors() {
    use fx::responses::models::{EntriesGetHeaders, Entry, ErrorModel};
    let (transport, options) = capture();
    let client =
        fx::responses::ResponsesClient::with_endpoint("https://x.example", options).unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("etag", "\"v1\"".parse().unwrap());
    headers.insert(
        "last-modified",
        "Tue, 01 Jul 2025 10:00:00 GMT".parse().unwrap(),
    );
    transport.push_response(RawResponse::new(
        StatusCode::OK,
        headers,
        r#"{"value":"x"}"#,
    ));
    let response = client.entries().get("e").send().await.unwrap();
    let typed = EntriesGetHeaders::from_headers(response.headers()).unwrap();
    assert_eq!(typed.etag.as_deref(), Some("\"v1\""));
    assert_eq!(typed.last_modified.unwrap().unix_timestamp(), 1_751_364_000);
    assert_eq!(
        response.into_body().and_then(|e| e.value).as_deref(),
        Some("x")
    );
    // 204 has no body: `None`, not a decode error.
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", "soon".parse().unwrap());
    transport.push_response(RawResponse::new(StatusCode::NO_CONTENT, headers, ""));
    let response = client.entries().get("e").send().await.unwrap();
    assert!(response.body().is_none());
    let bad = EntriesGetHeaders::from_headers(response.headers()).unwrap_err();
    assert!(bad.to_string().contains("Retry-After"), "{bad}");
    // 200 and 201 both carry the entry.
    transport.push_json(201, &json!({"value": "new"}));
    let created = client.entries().put("e", Entry::default()).await.unwrap();
    assert_eq!(created.value.as_deref(), Some("new"));
    // Deletes have no body on either status.
    transport.push_json(204, &json!(null));
    client.entries().delete("e").await.unwrap();
    // Anything else is the typed default error.
    transport.push_json(
        409,
        &json!({"error": {"code": "Conflict", "message": "busy"}}),
    );
    let err = client.entries().delete("e").await.unwrap_err();
    let ErrorKind::Service(service) = err.kind() else {
        panic!("{err}")
    };
    assert_eq!(service.status.as_u16(), 409);
    assert_eq!(service.code.as_deref(), Some("Conflict"));
    let typed: ErrorModel = service.body_as().unwrap();
    assert_eq!(typed.error.unwrap().message.as_deref(), Some("busy"));
}

#[tokio::test]
async fn x_ms_paths_add_their_fixed_query() {
    let (transport, options) = capture();
    let client =
        fx::x_ms_paths::XMsPathsClient::with_endpoint("https://x.example", options).unwrap();
    transport.push_json(200, &json!({}));
    client.things().archive("t").await.unwrap();
    let sent = transport.last_request().unwrap();
    assert_eq!(sent.method.as_str(), "POST");
    assert_eq!(
        target(&sent),
        "/things/t?api-version=2025-01-01&action=archive"
    );
    transport.push_json(200, &json!({}));
    client.things().get("t").await.unwrap();
    assert_eq!(
        target(&transport.last_request().unwrap()),
        "/things/t?api-version=2025-01-01"
    );
}
