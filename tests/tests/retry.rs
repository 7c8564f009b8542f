//! Retries, Retry-After in each form, attempt and time budgets, per-try timeouts and per-call
//! deadlines, against a real loopback server.

use std::time::{Duration, Instant};

use e2e_tests::{LoopbackServer, Reply};
use keyvault::secrets::models::{SecretRestoreParameters, SecretSetParameters};
use keyvault::secrets::SecretClient;
use keyvault_runtime::{CallOptions, ClientOptions, ErrorKind, RetryOptions};

const SECRET: &str = r#"{"value":"v","id":"https://v/secrets/s/1"}"#;

fn fast_retries() -> ClientOptions {
    ClientOptions::default().with_retry(
        RetryOptions::default()
            .with_max_retries(3)
            .with_initial_delay(Duration::from_millis(10)),
    )
}

async fn timed_get(client: &SecretClient) -> (Duration, keyvault_runtime::Result<()>) {
    let started = Instant::now();
    let result = client.get_secret("s").await.map(|_| ());
    (started.elapsed(), result)
}

#[tokio::test]
async fn retry_after_is_obeyed_in_every_form_and_on_every_retried_status() {
    // The HTTP date is made when its case runs (`None` below), 2 s ahead.
    let http_date = || {
        let at = keyvault_runtime::OffsetDateTime::now_utc() + Duration::from_secs(2);
        let format = time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        );
        at.format(&format).unwrap()
    };
    let cases: Vec<(u16, &str, Option<&str>, Duration)> = vec![
        (503, "retry-after", Some("1"), Duration::from_millis(950)),
        (
            429,
            "retry-after-ms",
            Some("400"),
            Duration::from_millis(380),
        ),
        (
            500,
            "x-ms-retry-after-ms",
            Some("300"),
            Duration::from_millis(280),
        ),
        (408, "retry-after", None, Duration::from_millis(900)),
        (
            502,
            "retry-after-ms",
            Some("250"),
            Duration::from_millis(230),
        ),
        (
            504,
            "retry-after-ms",
            Some("250"),
            Duration::from_millis(230),
        ),
    ];
    for (status, header, value, at_least) in cases {
        let value = value.map(str::to_owned).unwrap_or_else(http_date);
        let server = LoopbackServer::start(Reply::json(200, SECRET)).await;
        server.push(Reply::json(status, "{}").header(header, &value));
        let client = SecretClient::new(&server.url(), fast_retries()).unwrap();
        let (elapsed, result) = timed_get(&client).await;
        result.unwrap();
        assert!(
            elapsed >= at_least,
            "{status} {header}: {value} waited only {elapsed:?}"
        );
        assert!(elapsed < at_least + Duration::from_secs(2), "{elapsed:?}");
        assert_eq!(server.seen().len(), 2);
    }
}

#[tokio::test]
async fn max_attempts_are_obeyed_and_the_last_answer_returned() {
    let server = LoopbackServer::start(
        Reply::json(503, r#"{"error":{"code":"Busy","message":"try later"}}"#)
            .header("retry-after-ms", "5"),
    )
    .await;
    let client = SecretClient::new(
        &server.url(),
        ClientOptions::default().with_retry(RetryOptions::default().with_max_retries(2)),
    )
    .unwrap();
    let err = client.get_secret("s").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.seen().len(), 3, "first try plus two retries");
    // Per call, retries can be turned off.
    let before = server.seen().len();
    client
        .get_secret("s")
        .call_options(CallOptions::default().with_max_retries(0))
        .await
        .unwrap_err();
    assert_eq!(server.seen().len(), before + 1);
    // Client errors are not retried.
    let not_found = LoopbackServer::start(Reply::json(404, "{}")).await;
    let client = SecretClient::new(&not_found.url(), fast_retries()).unwrap();
    client.get_secret("s").await.unwrap_err();
    assert_eq!(not_found.seen().len(), 1);
}

#[tokio::test]
async fn total_time_budget_is_obeyed() {
    let server =
        LoopbackServer::start(Reply::json(503, "{}").header("retry-after-ms", "300")).await;
    let client = SecretClient::new(
        &server.url(),
        ClientOptions::default().with_retry(
            RetryOptions::default()
                .with_max_retries(10)
                .with_max_elapsed(Duration::from_millis(700)),
        ),
    )
    .unwrap();
    let (elapsed, result) = timed_get(&client).await;
    assert!(result.is_err());
    assert!(elapsed < Duration::from_millis(1200), "{elapsed:?}");
    assert_eq!(
        server.seen().len(),
        3,
        "tries at 0, 300 and 600 ms; the next would pass 700"
    );
}

#[tokio::test]
async fn the_body_is_resent_intact() {
    let server = LoopbackServer::start(Reply::json(200, SECRET)).await;
    server.push(Reply::json(500, "{}").header("retry-after-ms", "1"));
    server.push(Reply::json(503, "{}").header("retry-after-ms", "1"));
    let client = SecretClient::new(&server.url(), fast_retries()).unwrap();
    client
        .set_secret("s", SecretSetParameters::new("payload-ü"))
        .await
        .unwrap();
    let bodies: Vec<_> = server.seen().into_iter().map(|s| s.body).collect();
    assert_eq!(bodies.len(), 3);
    assert!(bodies.iter().all(|b| b == &bodies[0]));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&bodies[0]).unwrap()["value"],
        "payload-ü"
    );
}

#[tokio::test]
async fn a_stalled_server_ends_in_a_timeout_within_the_deadline() {
    let server = LoopbackServer::start(Reply::stall()).await;
    let client = SecretClient::new(
        &server.url(),
        ClientOptions::default().with_deadline(Some(Duration::from_millis(600))),
    )
    .unwrap();
    let (elapsed, result) = timed_get(&client).await;
    let err = result.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Timeout { .. }), "{err}");
    assert!(err.to_string().contains("deadline"), "{err}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");

    // Per-try timeouts retry the stalled try; the per-call deadline still bounds the whole.
    let client = SecretClient::new(&server.url(), fast_retries()).unwrap();
    let started = Instant::now();
    let err = client
        .get_secret("s")
        .call_options(
            CallOptions::default()
                .with_try_timeout(Duration::from_millis(200))
                .with_deadline(Duration::from_millis(2000)),
        )
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Timeout { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_millis(2500));
    assert!(server.seen().len() >= 3, "each timed-out try was retried");
}

/// A `Retry-After` beyond `max_retry_after` (120 s by default) ends the call with the
/// service's answer at once: neither an overflowing clock (u64::MAX seconds once panicked
/// with "overflow when adding duration to instant") nor a call parked for hours.
#[tokio::test]
async fn absurd_retry_after_values_return_the_answer_instead_of_waiting() {
    for (header, value) in [
        ("retry-after", "18446744073709551615"),
        ("retry-after", "3600"),
        ("retry-after-ms", "1e300"),
        ("x-ms-retry-after-ms", "18446744073709551615000"),
    ] {
        let server = LoopbackServer::start(Reply::json(200, SECRET)).await;
        server.push(Reply::json(503, "{}").header(header, value));
        let client = SecretClient::new(&server.url(), fast_retries()).unwrap();
        let (elapsed, result) = timed_get(&client).await;
        let err = result.unwrap_err();
        assert_eq!(
            err.status().map(|s| s.as_u16()),
            Some(503),
            "{header}: {value}"
        );
        assert!(
            elapsed < Duration::from_secs(2),
            "{header}: {value}: {elapsed:?}"
        );
        assert_eq!(server.seen().len(), 1, "{header}: {value}");
    }
    // Within the limit, the wait is obeyed; the limit is an option.
    let server = LoopbackServer::start(Reply::json(200, SECRET)).await;
    server.push(Reply::json(503, "{}").header("retry-after", "1"));
    let options = ClientOptions::default()
        .with_retry(RetryOptions::default().with_max_retry_after(Duration::from_millis(500)));
    let client = SecretClient::new(&server.url(), options).unwrap();
    let (_, result) = timed_get(&client).await;
    assert_eq!(result.unwrap_err().status().map(|s| s.as_u16()), Some(503));
}

/// A lost connection after the request reached the service: a restore (not safe to repeat) is
/// sent once, a backup (marked idempotent in the config) and a GET are retried.
#[tokio::test]
async fn a_request_that_reached_the_server_is_repeated_only_when_safe() {
    let server = LoopbackServer::start(Reply::cut()).await;
    let client = SecretClient::new(&server.url(), fast_retries()).unwrap();
    let err = client
        .restore_secret(SecretRestoreParameters::new(b"blob".to_vec()))
        .await
        .unwrap_err();
    let addr = server.url().trim_start_matches("http://").to_owned();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Transport {
                request_sent: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&addr),
        "names host and port: {err}"
    );
    assert_eq!(server.seen().len(), 1, "the restore was not repeated");

    client.backup_secret("s").await.unwrap_err();
    assert_eq!(server.seen().len(), 1 + 4, "the backup was tried 4 times");
    client.get_secret("s").await.unwrap_err();
    assert_eq!(server.seen().len(), 5 + 4, "the GET was tried 4 times");
}

/// A request that never left (nobody listening yet) is retried even when it is not safe to
/// repeat: the service cannot have seen it.
#[tokio::test]
async fn a_request_that_never_left_is_retried_even_when_not_idempotent() {
    let addr = e2e_tests::closed_port();
    let client = SecretClient::new(
        &format!("http://{addr}"),
        ClientOptions::default().with_retry(
            RetryOptions::default()
                .with_max_retries(5)
                .with_initial_delay(Duration::from_millis(150)),
        ),
    )
    .unwrap();
    let restore = tokio::spawn(async move {
        client
            .restore_secret(SecretRestoreParameters::new(b"blob".to_vec()))
            .await
    });
    // The first try finds the port closed; the server comes up before the next.
    tokio::time::sleep(Duration::from_millis(60)).await;
    let server = LoopbackServer::start_at(addr, Reply::json(200, SECRET)).await;
    restore.await.unwrap().unwrap();
    assert_eq!(server.seen().len(), 1);
}

/// Connection refused names the host, port and cause in Display; the chain is in `source()`
/// (printed once by reporters), and `{:#}` gives it on one line.
#[tokio::test]
async fn a_refused_connection_says_where_and_why() {
    let addr = e2e_tests::closed_port();
    let client = SecretClient::new(
        &format!("http://{addr}"),
        ClientOptions::default().with_retry(RetryOptions::default().with_max_retries(0)),
    )
    .unwrap();
    let err = client.get_secret("s").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("transport error: could not connect to {addr}: connection refused")
    );
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Transport {
                request_sent: false,
                transient: true,
                ..
            }
        ),
        "{err:?}"
    );
    let source = std::error::Error::source(&err).expect("the cause is the source");
    assert!(!err.to_string().contains(&source.to_string()));
    assert!(format!("{err:#}").contains("Connection refused"), "{err:#}");
}
