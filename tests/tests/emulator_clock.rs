//! The emulator's simulated clock (`/_emulator/clock`): moved ahead, time-driven behaviour
//! happens without waiting: keys stop encrypting and signing after `exp` (and start at
//! `nbf`), rotation policies rotate, deleted objects and vaults are purged on their scheduled
//! date, pending operations finish.

use keyvault_runtime::http::Method;
use serde_json::{json, Value};

use crate::emulator_fidelity::Raw;

const DAY: i64 = 86_400;

async fn advance(raw: &Raw, body: Value) -> Value {
    let (status, answer) = raw.call(Method::POST, "/_emulator/clock", Some(body)).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// The emulator's now, in seconds since the epoch.
async fn now(raw: &Raw) -> i64 {
    let (_, clock) = raw.call(Method::GET, "/_emulator/clock", None).await;
    time::OffsetDateTime::parse(
        clock["now"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
    .unix_timestamp()
}

/// How many deleted vaults subscription `sub-1` has.
async fn deleted_vaults(raw: &Raw) -> usize {
    let (_, list) = raw
        .call(
            Method::GET,
            "/subscriptions/sub-1/providers/Microsoft.KeyVault/deletedVaults?api-version=2026-02-01",
            None,
        )
        .await;
    list["value"].as_array().unwrap().len()
}

#[tokio::test]
async fn keys_outside_nbf_and_exp_decrypt_and_verify_but_make_nothing_new() {
    let raw = Raw::start().await;
    let start = now(&raw).await;
    let (status, key) = raw
        .call(
            Method::POST,
            "/keys/expiring/create?api-version=2026-04-01",
            Some(json!({"kty": "RSA", "key_size": 2048, "attributes": {"exp": start + DAY}})),
        )
        .await;
    assert_eq!(status, 200, "{key}");
    let encrypt = json!({"alg": "RSA-OAEP-256", "value": "cGxhaW50ZXh0"});
    let (status, encrypted) = raw
        .call(
            Method::POST,
            "/keys/expiring/encrypt?api-version=2026-04-01",
            Some(encrypt.clone()),
        )
        .await;
    assert_eq!(status, 200, "{encrypted}");

    let moved = advance(&raw, json!({"advance": "P2D"})).await;
    assert_eq!(moved["offsetSeconds"], 2 * DAY);
    let (status, refused) = raw
        .call(
            Method::POST,
            "/keys/expiring/encrypt?api-version=2026-04-01",
            Some(encrypt),
        )
        .await;
    assert_eq!(status, 403, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{refused}"
    );
    // What it encrypted while valid still decrypts.
    let (status, decrypted) = raw
        .call(
            Method::POST,
            "/keys/expiring/decrypt?api-version=2026-04-01",
            Some(json!({"alg": "RSA-OAEP-256", "value": encrypted["value"]})),
        )
        .await;
    assert_eq!(
        (status, decrypted["value"].as_str()),
        (200, Some("cGxhaW50ZXh0"))
    );

    // Not valid before a day from now: signing waits for it.
    let nbf = now(&raw).await + DAY;
    raw.call(
        Method::POST,
        "/keys/later/create?api-version=2026-04-01",
        Some(json!({"kty": "EC", "crv": "P-256", "attributes": {"nbf": nbf}})),
    )
    .await;
    let sign = json!({"alg": "ES256", "value": "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"});
    let (status, _) = raw
        .call(
            Method::POST,
            "/keys/later/sign?api-version=2026-04-01",
            Some(sign.clone()),
        )
        .await;
    assert_eq!(status, 403);
    advance(&raw, json!({"advanceSeconds": DAY + 1})).await;
    let (status, signed) = raw
        .call(
            Method::POST,
            "/keys/later/sign?api-version=2026-04-01",
            Some(sign),
        )
        .await;
    assert_eq!(status, 200, "{signed}");
}

#[tokio::test]
async fn a_rotation_policy_rotates_when_its_time_comes() {
    let raw = Raw::start().await;
    raw.call(
        Method::POST,
        "/keys/rotating/create?api-version=2026-04-01",
        Some(json!({"kty": "EC", "crv": "P-256"})),
    )
    .await;
    let (status, policy) = raw
        .call(
            Method::PUT,
            "/keys/rotating/rotationpolicy?api-version=2026-04-01",
            Some(json!({
                "lifetimeActions": [{"trigger": {"timeAfterCreate": "P30D"}, "action": {"type": "Rotate"}}],
                "attributes": {"expiryTime": "P90D"}
            })),
        )
        .await;
    assert_eq!(status, 200, "{policy}");
    assert_eq!(version_count(&raw, "keys", "rotating").await, 1);
    advance(&raw, json!({"advance": "P29D"})).await;
    assert_eq!(
        version_count(&raw, "keys", "rotating").await,
        1,
        "not due yet"
    );
    advance(&raw, json!({"advance": "P2D"})).await;
    assert_eq!(
        version_count(&raw, "keys", "rotating").await,
        2,
        "rotated at 30 days"
    );
    let (_, current) = raw
        .call(Method::GET, "/keys/rotating?api-version=2026-04-01", None)
        .await;
    let attributes = &current["attributes"];
    assert_eq!(
        attributes["exp"].as_i64().unwrap() - attributes["created"].as_i64().unwrap(),
        90 * DAY,
        "the policy's expiryTime: {current}"
    );
    // Two more periods: two more versions.
    advance(&raw, json!({"advance": "P60D"})).await;
    assert_eq!(version_count(&raw, "keys", "rotating").await, 4);
}

#[tokio::test]
async fn deleted_objects_and_vaults_are_purged_on_their_scheduled_date() {
    let raw = Raw::start().await;
    raw.call(
        Method::PUT,
        "/secrets/old?api-version=2026-04-01",
        Some(json!({"value": "v"})),
    )
    .await;
    let (status, deleted) = raw
        .call(Method::DELETE, "/secrets/old?api-version=2026-04-01", None)
        .await;
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(
        deleted["scheduledPurgeDate"].as_i64().unwrap() - deleted["deletedDate"].as_i64().unwrap(),
        90 * DAY
    );
    // The deletion settles (its delay is on the emulator's clock too), then is kept 90 days.
    advance(&raw, json!({"advance": "P89D"})).await;
    let (status, _) = raw
        .call(
            Method::GET,
            "/deletedsecrets/old?api-version=2026-04-01",
            None,
        )
        .await;
    assert_eq!(status, 200, "still recoverable on day 89");
    advance(&raw, json!({"advance": "P2D"})).await;
    let (status, _) = raw
        .call(
            Method::GET,
            "/deletedsecrets/old?api-version=2026-04-01",
            None,
        )
        .await;
    assert_eq!(status, 404, "purged after 90 days");

    raw.create_vault("short-lived", 7).await;
    raw.call(
        Method::DELETE,
        "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/short-lived?api-version=2026-02-01",
        None,
    )
    .await;
    assert_eq!(deleted_vaults(&raw).await, 1);
    advance(&raw, json!({"advance": "P8D"})).await;
    assert_eq!(
        deleted_vaults(&raw).await,
        0,
        "purged after its 7 retention days"
    );
}

#[tokio::test]
async fn the_clock_only_moves_forward_and_refuses_bad_input() {
    let raw = Raw::start().await;
    for bad in [
        json!({"advance": "30 days"}),
        json!({"advanceSeconds": -5}),
        json!({}),
        json!({"advance": "P200Y"}),
    ] {
        let (status, body) = raw
            .call(Method::POST, "/_emulator/clock", Some(bad.clone()))
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (_, clock) = raw.call(Method::GET, "/_emulator/clock", None).await;
    assert_eq!(clock["offsetSeconds"], 0);
}

/// The version count of `/{collection}/{name}/versions`.
async fn version_count(raw: &Raw, collection: &str, name: &str) -> usize {
    let (status, list) = raw
        .call(
            Method::GET,
            &format!("/{collection}/{name}/versions?api-version=2026-04-01"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{list}");
    list["value"].as_array().unwrap().len()
}

/// Creates a self-issued certificate with `lifetime_actions` and waits for its issuance.
async fn issue(raw: &Raw, name: &str, lifetime_actions: Value) {
    let policy = json!({
        "key_props": {"kty": "EC", "crv": "P-256"},
        "x509_props": {"subject": format!("CN={name}"), "validity_months": 12},
        "issuer": {"name": "Self"},
        "lifetime_actions": lifetime_actions,
    });
    let (status, answer) = raw
        .call(
            Method::POST,
            &format!("/certificates/{name}/create?api-version=2026-04-01"),
            Some(json!({"policy": policy})),
        )
        .await;
    assert_eq!(status, 202, "{answer}");
    advance(raw, json!({"advanceSeconds": 1})).await;
    let (_, pending) = raw
        .call(
            Method::GET,
            &format!("/certificates/{name}/pending?api-version=2026-04-01"),
            None,
        )
        .await;
    assert_eq!(pending["status"], "completed", "{pending}");
}

#[tokio::test]
async fn certificate_auto_renew_fires_at_its_trigger_and_email_actions_do_not_renew() {
    let raw = Raw::start().await;
    let renew =
        |trigger: Value| json!([{"trigger": trigger, "action": {"action_type": "AutoRenew"}}]);
    issue(&raw, "by-share", renew(json!({"lifetime_percentage": 80}))).await;
    issue(&raw, "by-days", renew(json!({"days_before_expiry": 30}))).await;
    issue(
        &raw,
        "mail-only",
        json!([{"trigger": {"lifetime_percentage": 50}, "action": {"action_type": "EmailContacts"}}]),
    )
    .await;
    // A lifetime is 360 days here (12 months of 30): 80% is day 288, 30 days before its end is
    // day 330.
    advance(&raw, json!({"advance": "P280D"})).await;
    assert_eq!(version_count(&raw, "certificates", "by-share").await, 1);
    advance(&raw, json!({"advance": "P10D"})).await;
    assert_eq!(
        version_count(&raw, "certificates", "by-share").await,
        2,
        "renewed at 80%"
    );
    assert_eq!(version_count(&raw, "certificates", "by-days").await, 1);
    // Its key and secret were renewed with it, and the new version is the current one.
    assert_eq!(version_count(&raw, "keys", "by-share").await, 2);
    assert_eq!(version_count(&raw, "secrets", "by-share").await, 2);
    let (_, current) = raw
        .call(
            Method::GET,
            "/certificates/by-share?api-version=2026-04-01",
            None,
        )
        .await;
    let start = now(&raw).await;
    let created = current["attributes"]["created"].as_i64().unwrap();
    assert!(
        (start - created) < 3 * DAY,
        "issued when due: {created} vs now {start}"
    );

    advance(&raw, json!({"advance": "P45D"})).await;
    assert_eq!(
        version_count(&raw, "certificates", "by-days").await,
        2,
        "renewed 30 days before its end"
    );
    assert_eq!(
        version_count(&raw, "certificates", "mail-only").await,
        1,
        "e-mail actions renew nothing"
    );

    // Two more lifetimes at once: renewed once per lifetime, not once per look.
    advance(&raw, json!({"advance": "P576D"})).await;
    assert_eq!(version_count(&raw, "certificates", "by-share").await, 4);
}
