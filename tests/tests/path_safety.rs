//! A hostile value in a path parameter reaches a real server as one encoded segment, and a
//! value breaking a spec pattern is refused before anything is sent.

use e2e_tests::{LoopbackServer, Reply};
use keyvault::secrets::{models, SecretClient};
use keyvault_runtime::{ClientOptions, ErrorKind};

const SECRET: &str = r#"{"value":"s3cr3t","id":"https://v/secrets/x/1"}"#;

#[tokio::test]
async fn hostile_names_stay_one_segment_on_the_wire() {
    let server = LoopbackServer::start(Reply::json(200, SECRET)).await;
    let options = ClientOptions::default().with_constraint_checks(false);
    let client = SecretClient::new(&server.url(), options).unwrap();
    let cases = [
        ("../keys/k1", "/secrets/..%2Fkeys%2Fk1/"),
        ("a/b", "/secrets/a%2Fb/"),
        ("%2e%2e", "/secrets/%252e%252e/"),
        ("x?y#z", "/secrets/x%3Fy%23z/"),
    ];
    for (name, _) in cases {
        let secret = client.get_secret(name).await.unwrap();
        assert_eq!(
            secret.value.as_ref().map(|v| v.expose().as_str()),
            Some("s3cr3t")
        );
    }
    let seen = server.seen();
    assert_eq!(seen.len(), cases.len());
    for ((name, path), request) in cases.iter().zip(&seen) {
        assert_eq!(request.method, "GET");
        assert_eq!(
            request.target,
            format!("{path}?api-version={}", client.api_version()),
            "for {name}"
        );
    }
    // A dot segment cannot be sent as one segment at all: refused whatever the setting.
    let err = client.get_secret("..").await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidInput { parameter, .. } if parameter == "secret-name"),
        "{err}"
    );
    assert_eq!(server.seen().len(), cases.len());
}

#[tokio::test]
async fn pattern_violations_are_refused_before_sending() {
    let server = LoopbackServer::start(Reply::json(200, SECRET)).await;
    let client = SecretClient::new(&server.url(), ClientOptions::default()).unwrap();
    for name in ["../keys/k1", "a/b", "%2e%2e", "x?y#z"] {
        let err = client
            .set_secret(name, models::SecretSetParameters::new("v"))
            .await
            .unwrap_err();
        match err.kind() {
            ErrorKind::InvalidInput { parameter, reason } => {
                assert_eq!(parameter, "secret-name");
                assert!(reason.contains("pattern"), "{reason}");
            }
            other => panic!("expected invalid input, got {other:?}"),
        }
    }
    assert!(server.seen().is_empty(), "nothing may be sent");
    // A valid name goes through, with the body as JSON.
    client
        .set_secret("good-name", models::SecretSetParameters::new("v"))
        .await
        .unwrap();
    let seen = server.seen();
    assert_eq!(seen[0].method, "PUT");
    assert_eq!(
        seen[0].target,
        format!("/secrets/good-name?api-version={}", client.api_version())
    );
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&seen[0].body).unwrap(),
        serde_json::json!({"value": "v"})
    );
}

#[tokio::test]
async fn empty_required_names_are_refused_and_versions_are_optional() {
    let server = LoopbackServer::start(Reply::json(200, SECRET)).await;
    let client = SecretClient::new(
        &server.url(),
        ClientOptions::default().with_constraint_checks(false),
    )
    .unwrap();
    let err = client.get_secret("").await.unwrap_err();
    assert!(err.to_string().contains("secret-name"), "{err}");
    client.get_secret("n").secret_version("v1").await.unwrap();
    assert_eq!(
        server.seen()[0].target,
        format!("/secrets/n/v1?api-version={}", client.api_version())
    );
}

#[test]
fn secret_values_are_redacted_in_debug() {
    let bundle: models::SecretBundle = serde_json::from_str(SECRET).unwrap();
    let shown = format!("{bundle:?}");
    assert!(!shown.contains("s3cr3t"), "{shown}");
    assert!(shown.contains("REDACTED"), "{shown}");
}
