//! The emulator's fault injection, driven through our clients: throttling and outages they
//! retry through (honouring `Retry-After`), resets they retry, latency that trips a per-try
//! timeout, and the run-time control endpoint. (The JavaScript fidelity check drives the same
//! through the official SDK.)

use std::time::{Duration, Instant};

use keyvault::secrets::{models::SecretSetParameters, SecretClient};
use keyvault_emulator::{EmulatorOptions, FaultKind, FaultSettings};
use keyvault_runtime::http::{HttpClient, Method, Request, Url};
use keyvault_runtime::transport::{HyperTransport, TransportOptions};
use keyvault_runtime::{ErrorKind, RetryOptions};
use serde_json::{json, Value};

use crate::emulator::start;

fn quick_retries(max: u32) -> RetryOptions {
    RetryOptions::default()
        .with_max_retries(max)
        .with_initial_delay(Duration::from_millis(10))
}

/// `method /_emulator/faults` with an optional JSON body; the answer as JSON.
async fn control(
    emulator: &keyvault_emulator::Emulator,
    method: Method,
    body: Option<Value>,
) -> Value {
    let transport = HyperTransport::new(
        &TransportOptions::default()
            .with_root_certificate_pem(emulator.certificate_pem().as_bytes().to_vec()),
    )
    .unwrap();
    let mut request = Request::new(
        method,
        Url::parse(&format!("{}/_emulator/faults", emulator.url())).unwrap(),
    );
    if let Some(body) = body {
        request.set_json_body(serde_json::to_vec(&body).unwrap().into());
    }
    let response = transport.execute(&request).await.unwrap();
    assert_eq!(response.status.as_u16(), 200, "{:?}", response.body);
    serde_json::from_slice(&response.body).unwrap()
}

#[tokio::test]
async fn throttling_is_retried_after_its_retry_after() {
    // The next two requests are throttled with Retry-After: 1.
    let faults = FaultSettings::new(FaultKind::Throttle)
        .with_count(2)
        .with_retry_after_seconds(1);
    let (emulator, options) = start(EmulatorOptions::default().with_faults(faults)).await;
    let client = SecretClient::new(
        &emulator.url(),
        options.clone().with_retry(quick_retries(3)),
    )
    .unwrap();
    let started = Instant::now();
    client
        .set_secret("through-throttling", SecretSetParameters::new("v"))
        .await
        .unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(2),
        "Retry-After honoured twice: {waited:?}"
    );
    assert_eq!(control(&emulator, Method::GET, None).await["injected"], 2);

    // Without retries the 429 is the error, Retry-After included.
    control(
        &emulator,
        Method::PUT,
        Some(json!({"kind": "throttle", "count": 1, "retryAfterSeconds": 7})),
    )
    .await;
    let client = SecretClient::new(&emulator.url(), options.with_retry(quick_retries(0))).unwrap();
    let error = client.get_secret("through-throttling").await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429), "{error:?}");
    let ErrorKind::Service(service) = error.kind() else {
        panic!("{error:?}")
    };
    assert_eq!(service.code.as_deref(), Some("Throttled"));
}

#[tokio::test]
async fn outages_resets_and_latency() {
    let (emulator, options) = start(EmulatorOptions::default()).await;
    let client = SecretClient::new(
        &emulator.url(),
        options.clone().with_retry(quick_retries(3)),
    )
    .unwrap();
    client
        .set_secret("s", SecretSetParameters::new("v"))
        .await
        .unwrap();

    // A 503 with Retry-After: 0, once: retried, then the answer.
    control(
        &emulator,
        Method::PUT,
        Some(json!({"kind": "unavailable", "count": 1, "retryAfterSeconds": 0})),
    )
    .await;
    assert_eq!(
        client
            .get_secret("s")
            .await
            .unwrap()
            .value
            .unwrap()
            .expose(),
        "v"
    );
    assert_eq!(control(&emulator, Method::GET, None).await["injected"], 1);

    // Two resets: a read is retried through them.
    control(
        &emulator,
        Method::PUT,
        Some(json!({"kind": "reset", "count": 2})),
    )
    .await;
    assert_eq!(
        client
            .get_secret("s")
            .await
            .unwrap()
            .value
            .unwrap()
            .expose(),
        "v"
    );
    assert_eq!(control(&emulator, Method::GET, None).await["injected"], 2);
    // Every request reset and no retries: a transport error.
    control(&emulator, Method::PUT, Some(json!({"kind": "reset"}))).await;
    let once = SecretClient::new(
        &emulator.url(),
        options.clone().with_retry(quick_retries(0)),
    )
    .unwrap();
    let error = once.get_secret("s").await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Transport { .. }),
        "{error:?}"
    );

    // Latency beyond the per-try timeout: a timeout.
    control(&emulator, Method::PUT, Some(json!({"latencyMs": 500}))).await;
    let impatient = SecretClient::new(
        &emulator.url(),
        options
            .clone()
            .with_retry(quick_retries(0))
            .with_try_timeout(Some(Duration::from_millis(100))),
    )
    .unwrap();
    let error = impatient.get_secret("s").await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Timeout { .. }),
        "{error:?}"
    );

    // Cleared: normal answers again; a bad setting is refused.
    let cleared = control(&emulator, Method::DELETE, None).await;
    assert_eq!(cleared["injected"], 0);
    assert_eq!(
        client
            .get_secret("s")
            .await
            .unwrap()
            .value
            .unwrap()
            .expose(),
        "v"
    );
    let transport = HyperTransport::new(
        &TransportOptions::default()
            .with_root_certificate_pem(emulator.certificate_pem().as_bytes().to_vec()),
    )
    .unwrap();
    let mut bad = Request::new(
        Method::PUT,
        Url::parse(&format!("{}/_emulator/faults", emulator.url())).unwrap(),
    );
    bad.set_json_body(br#"{"kind":"throttle","share":1.5}"#.to_vec().into());
    let response = transport.execute(&bad).await.unwrap();
    assert_eq!(response.status.as_u16(), 400);
}

#[tokio::test]
async fn a_share_of_requests_is_faulted() {
    let faults = FaultSettings::new(FaultKind::Unavailable)
        .with_share(0.5)
        .with_retry_after_seconds(0);
    let (emulator, options) = start(EmulatorOptions::default().with_faults(faults)).await;
    let client = SecretClient::new(&emulator.url(), options.with_retry(quick_retries(10))).unwrap();
    for i in 0..20 {
        client
            .set_secret(format!("s{i}"), SecretSetParameters::new("v"))
            .await
            .unwrap();
    }
    // 20 calls with a 50% fault rate: some faulted, and every call still succeeded. (The
    // chance of none in 20+ tries at 50% is below one in a million.)
    let injected = control(&emulator, Method::GET, None).await["injected"]
        .as_u64()
        .unwrap();
    assert!((1..=200).contains(&injected), "{injected}");
}
