//! What the emulator serves, operation by operation: every operation of the generated clients
//! (their operations tables: HTTP method and path template) is sent to the emulator, and its
//! answer says whether the emulator has it: "no operation" (an unknown route) or `NotSupported`
//! mean not emulated; anything else (a result, a 404 for the probe object, a 400 for the empty
//! body) means the route is served. The README's table is this test's output.

use std::collections::BTreeMap;

use bytes::Bytes;
use keyvault_runtime::http::{HttpClient, Method, Request, Url};
use keyvault_runtime::transport::{HyperTransport, TransportOptions};

const BEGIN: &str = "<!-- emulated-operations:begin -->";
const END: &str = "<!-- emulated-operations:end -->";

/// Whether the emulator answered as one that does not have the operation.
fn not_emulated(status: u16, body: &[u8]) -> bool {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let code = json["error"]["code"].as_str().unwrap_or_default();
    let message = json["error"]["message"].as_str().unwrap_or_default();
    (status == 404 && code == "NotFound" && message.starts_with("The emulator has no operation"))
        || code == "NotSupported"
}

#[tokio::test]
async fn the_readme_table_of_emulated_operations_is_what_the_emulator_serves() {
    let emulator = keyvault_emulator::start().await.unwrap();
    let transport = HyperTransport::new(
        &TransportOptions::default()
            .with_root_certificate_pem(emulator.certificate_pem().as_bytes().to_vec()),
    )
    .unwrap();
    // module -> (operations, those not emulated)
    let mut modules: BTreeMap<&str, (usize, Vec<&str>)> = BTreeMap::new();
    let operations = keyvault::operations()
        .into_iter()
        .chain(keyvault_mgmt::operations());
    for op in operations {
        let path: String = op
            .path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') && segment.ends_with('}') {
                    "probe"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let (path, extra_query) = path.split_once('?').unwrap_or((&path, ""));
        let api_version = match op.module {
            "management" => "2026-02-01",
            "storage" => "2025-07-01",
            _ => "2026-04-01",
        };
        let mut url = format!("{}{path}?api-version={api_version}", emulator.url());
        if !extra_query.is_empty() {
            url.push('&');
            url.push_str(extra_query);
        }
        let method = Method::from_bytes(op.http_method.to_ascii_uppercase().as_bytes()).unwrap();
        let mut request = Request::new(method.clone(), Url::parse(&url).unwrap());
        request
            .headers
            .insert("authorization", "Bearer probe".parse().unwrap());
        if matches!(method, Method::PUT | Method::POST | Method::PATCH) {
            request.set_json_body(Bytes::from_static(b"{}"));
        }
        let response = transport.execute(&request).await.unwrap();
        let entry = modules.entry(op.module).or_default();
        entry.0 += 1;
        if not_emulated(response.status.as_u16(), &response.body) {
            entry.1.push(op.operation_id);
        }
    }
    let mut table = String::from(
        "| module | operations | emulated | not emulated |\n| --- | ---: | ---: | --- |\n",
    );
    for (module, (total, missing)) in &modules {
        let names = if missing.len() == *total {
            "all".to_owned()
        } else if missing.is_empty() {
            "-".to_owned()
        } else {
            missing
                .iter()
                .map(|id| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        table.push_str(&format!(
            "| `{module}` | {total} | {} | {names} |\n",
            total - missing.len()
        ));
    }
    let (total, missing) = modules.values().fold((0, 0), |(t, m), (total, missing)| {
        (t + total, m + missing.len())
    });
    println!("emulated operations: {}/{total}", total - missing);
    print!("{table}");
    let readme_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let block = readme
        .split_once(BEGIN)
        .and_then(|(_, rest)| rest.split_once(END))
        .map(|(block, _)| block.trim())
        .expect("README.md has the emulated-operations markers");
    assert_eq!(
        block,
        table.trim(),
        "README.md's table of emulated operations differs from what the emulator serves; put this between the markers:\n{table}"
    );
}
