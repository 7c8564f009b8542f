//! Key Vault challenge auth and bearer auth, end to end: generated clients, real credentials, a
//! fake vault and a token endpoint on loopback.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use e2e_tests::{LoopbackServer, Reply, Seen};
use keyvault::secrets::{models::SecretSetParameters, SecretClient};
use keyvault_identity::{CallbackCredential, ClientSecretCredential, CredentialOptions};
use keyvault_runtime::auth::AuthOptions;
use keyvault_runtime::http::Url;
use keyvault_runtime::{AccessToken, ClientOptions, ErrorKind, TokenCredential};

const SECRET: &str = r#"{"value":"the-secret-value","id":"https://v/secrets/s/1"}"#;

/// A vault that challenges requests without a token and serves a secret to any bearer token.
async fn vault(authorization: String, resource: String) -> LoopbackServer {
    LoopbackServer::start_with(move |req: &Seen| match req.header("authorization") {
        None => Reply::json(
            401,
            r#"{"error":{"code":"Unauthorized","message":"AKV10000"}}"#,
        )
        .header(
            "www-authenticate",
            &format!(r#"Bearer authorization="{authorization}", resource="{resource}""#),
        ),
        Some(_) => Reply::json(200, SECRET),
    })
    .await
}

fn token_options(server: &LoopbackServer) -> CredentialOptions {
    CredentialOptions::default()
        .with_authority_host(Url::parse(&server.url()).unwrap())
        .with_http_loopback(true)
        .with_additionally_allowed_tenants(["*"])
}

fn client_options(credential: Arc<dyn TokenCredential>) -> ClientOptions {
    ClientOptions::default()
        .with_credential(credential)
        .with_auth_options(AuthOptions::default().with_http_loopback(true))
}

#[tokio::test]
async fn challenge_flow_keeps_the_body_discovers_the_tenant_and_is_cached_across_clients() {
    let tokens = LoopbackServer::start(Reply::token("kv-token", 3600)).await;
    let vault = vault(
        format!("{}/discovered-tenant", tokens.url()),
        "http://127.0.0.1".into(),
    )
    .await;
    let credential: Arc<dyn TokenCredential> = Arc::new(
        ClientSecretCredential::new("configured-tenant", "app", "pw", token_options(&tokens))
            .unwrap(),
    );
    let client = SecretClient::new(&vault.url(), client_options(credential.clone())).unwrap();
    client
        .set_secret("s", SecretSetParameters::new("the-secret-value"))
        .await
        .unwrap();
    let seen = vault.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].header("authorization"), None);
    assert!(
        seen[0].body.is_empty(),
        "the first request goes without its body"
    );
    assert_eq!(seen[1].header("authorization"), Some("Bearer kv-token"));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&seen[1].body).unwrap(),
        serde_json::json!({"value": "the-secret-value"}),
        "the body is re-sent whole"
    );
    // The tenant and scope came from the challenge.
    let token_request = &tokens.seen()[0];
    assert_eq!(token_request.path(), "/discovered-tenant/oauth2/v2.0/token");
    assert_eq!(token_request.form()["scope"], "http://127.0.0.1/.default");

    // A new client for the same vault skips the challenge round trip.
    let other = SecretClient::new(&vault.url(), client_options(credential)).unwrap();
    let secret = other.get_secret("s").await.unwrap();
    assert_eq!(secret.value.unwrap().expose(), "the-secret-value");
    let seen = vault.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[2].header("authorization"), Some("Bearer kv-token"));
    assert_eq!(tokens.seen().len(), 1, "the token was cached");
}

/// A try cut off by its timeout while the challenge probe (sent without the body) is out: the
/// retry still sends the body whole.
#[tokio::test]
async fn a_challenge_probe_that_times_out_is_retried_with_the_body() {
    let tokens = LoopbackServer::start(Reply::token("kv-token", 3600)).await;
    let vault = vault(
        format!("{}/tenant", tokens.url()),
        "http://127.0.0.1".into(),
    )
    .await;
    vault.push(Reply::stall());
    let credential: Arc<dyn TokenCredential> = Arc::new(
        ClientSecretCredential::new("tenant", "app", "pw", token_options(&tokens)).unwrap(),
    );
    let client = SecretClient::new(&vault.url(), client_options(credential)).unwrap();
    client
        .set_secret("s", SecretSetParameters::new("kept-through-the-timeout"))
        .call_options(
            keyvault_runtime::CallOptions::default()
                .with_try_timeout(std::time::Duration::from_millis(300)),
        )
        .await
        .unwrap();
    let seen = vault.seen();
    assert_eq!(
        seen.len(),
        3,
        "stalled probe, probe again, the authorized request"
    );
    assert!(seen[0].body.is_empty() && seen[1].body.is_empty());
    assert_eq!(seen[2].header("authorization"), Some("Bearer kv-token"));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&seen[2].body).unwrap(),
        serde_json::json!({"value": "kept-through-the-timeout"}),
    );
}

#[tokio::test]
async fn challenge_resource_must_match_the_vault_host() {
    let tokens = LoopbackServer::start(Reply::token("never-sent", 3600)).await;
    let vault = vault(
        format!("{}/t", tokens.url()),
        "https://vault.attacker.example".into(),
    )
    .await;
    let credential =
        Arc::new(ClientSecretCredential::new("t", "app", "pw", token_options(&tokens)).unwrap());
    let client = SecretClient::new(&vault.url(), client_options(credential)).unwrap();
    let err = client.get_secret("s").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Credential { .. }), "{err}");
    assert!(
        err.to_string().contains("does not match the vault host"),
        "{err}"
    );
    assert!(tokens.seen().is_empty(), "no token was even requested");
    assert!(vault
        .seen()
        .iter()
        .all(|s| s.header("authorization").is_none()));
}

/// The challenge cache is shared by every client of the process; a challenge a client with
/// verification off has cached must still be verified by a client with it on (the default)
/// before that client sends a token.
#[tokio::test]
async fn a_cached_challenge_is_verified_again_by_each_client() {
    let tokens = LoopbackServer::start(Reply::token("kv-token", 3600)).await;
    let vault = vault(
        format!("{}/t", tokens.url()),
        "https://vault.attacker.example".into(),
    )
    .await;
    let credential: Arc<dyn TokenCredential> =
        Arc::new(ClientSecretCredential::new("t", "app", "pw", token_options(&tokens)).unwrap());
    let lenient = ClientOptions::default()
        .with_credential(credential.clone())
        .with_auth_options(
            AuthOptions::default()
                .with_http_loopback(true)
                .with_challenge_resource_verification(false),
        );
    SecretClient::new(&vault.url(), lenient)
        .unwrap()
        .get_secret("s")
        .await
        .unwrap();
    let sent_before = vault.seen().len();
    let strict = SecretClient::new(&vault.url(), client_options(credential)).unwrap();
    let err = strict.get_secret("s").await.unwrap_err();
    assert!(
        err.to_string().contains("does not match the vault host"),
        "{err}"
    );
    assert_eq!(
        vault.seen().len(),
        sent_before,
        "nothing was sent, so no token either"
    );
}

#[tokio::test]
async fn callback_credential_sees_the_challenge() {
    let vault = vault(
        "https://login.example/tenant-from-challenge".into(),
        "http://127.0.0.1".into(),
    )
    .await;
    let seen_contexts = Arc::new(std::sync::Mutex::new(Vec::new()));
    let contexts = seen_contexts.clone();
    let credential = Arc::new(CallbackCredential::new(move |context| {
        contexts.lock().unwrap().push(context);
        Box::pin(async {
            Ok(AccessToken::new(
                "from-callback",
                keyvault_runtime::OffsetDateTime::now_utc() + std::time::Duration::from_secs(3600),
            ))
        })
    }));
    let client = SecretClient::new(&vault.url(), client_options(credential)).unwrap();
    client.get_secret("s").await.unwrap();
    let contexts = seen_contexts.lock().unwrap();
    assert_eq!(contexts.len(), 1);
    assert_eq!(
        contexts[0].authorization_server.as_deref(),
        Some("https://login.example/tenant-from-challenge")
    );
    assert_eq!(contexts[0].resource.as_deref(), Some("http://127.0.0.1"));
    assert_eq!(
        contexts[0].tenant_id.as_deref(),
        Some("tenant-from-challenge")
    );
    assert_eq!(contexts[0].scopes, vec!["http://127.0.0.1/.default"]);
}

#[tokio::test]
async fn claims_challenges_are_answered_once_not_looped() {
    let tokens = LoopbackServer::start(Reply::token("plain", 3600)).await;
    let authority = format!("{}/t", tokens.url());
    let claims_json = r#"{"access_token":{"nbf":{"essential":true,"value":"1726077595"}}}"#;
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(claims_json);
    let challenge = format!(
        r#"Bearer authorization="{authority}", error="insufficient_claims", claims="{encoded}""#
    );
    // Always demands claims once a token is presented: the client must give up after one retry.
    let vault = LoopbackServer::start_with(move |req: &Seen| match req.header("authorization") {
        None => Reply::json(401, "{}").header(
            "www-authenticate",
            &format!(r#"Bearer authorization="{authority}", resource="http://127.0.0.1""#),
        ),
        Some(_) => Reply::json(401, "{}").header("www-authenticate", &challenge),
    })
    .await;
    let credential =
        Arc::new(ClientSecretCredential::new("t", "app", "pw", token_options(&tokens)).unwrap());
    let client = SecretClient::new(&vault.url(), client_options(credential)).unwrap();
    let err = client.get_secret("s").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    // bare challenge, token, token with claims: then stop.
    assert_eq!(vault.seen().len(), 3);
    let forms: Vec<_> = tokens.seen().iter().map(|s| s.form()).collect();
    assert_eq!(forms.len(), 2);
    assert!(!forms[0].contains_key("claims"));
    assert_eq!(forms[1]["claims"], claims_json);
}

#[tokio::test]
async fn a_thousand_concurrent_calls_with_an_expired_token_make_one_token_request() {
    let tokens = LoopbackServer::start(Reply::token("fresh", 3600)).await;
    // The first token is already inside its refresh window (expires in 10 s).
    tokens.push(Reply::token("stale", 10));
    let vault = vault(format!("{}/t", tokens.url()), "http://127.0.0.1".into()).await;
    let credential: Arc<dyn TokenCredential> =
        Arc::new(ClientSecretCredential::new("t", "app", "pw", token_options(&tokens)).unwrap());
    let client = Arc::new(SecretClient::new(&vault.url(), client_options(credential)).unwrap());
    client.get_secret("warm-up").await.unwrap();
    assert_eq!(tokens.seen().len(), 1);
    let failures = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..1000 {
        let (client, failures) = (client.clone(), failures.clone());
        tasks.push(tokio::spawn(async move {
            if client.get_secret(format!("s{i}")).await.is_err() {
                failures.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(failures.load(Ordering::Relaxed), 0);
    assert_eq!(
        tokens.seen().len(),
        2,
        "1000 concurrent callers share exactly one refresh"
    );
    let bearer_fresh = vault
        .seen()
        .iter()
        .filter(|s| s.header("authorization") == Some("Bearer fresh"))
        .count();
    assert_eq!(bearer_fresh, 1000);
}

#[tokio::test]
async fn bearer_tokens_never_travel_over_plain_http_except_opted_in_loopback() {
    let tokens = LoopbackServer::start(Reply::token("t", 3600)).await;
    let credential: Arc<dyn TokenCredential> =
        Arc::new(ClientSecretCredential::new("t", "app", "pw", token_options(&tokens)).unwrap());
    // A non-loopback http vault: refused before anything is sent, even with the opt-in.
    let remote = SecretClient::new(
        "http://myvault.vault.azure.net",
        client_options(credential.clone()),
    )
    .unwrap();
    let err = remote.get_secret("s").await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Credential { .. }), "{err}");
    assert!(
        err.to_string().contains("plain http") || err.to_string().contains("https"),
        "{err}"
    );

    let vault = vault(format!("{}/t", tokens.url()), "http://127.0.0.1".into()).await;
    // Loopback without the opt-in: refused too.
    let no_opt_in = SecretClient::new(
        &vault.url(),
        ClientOptions::default().with_credential(credential.clone()),
    )
    .unwrap();
    let err = no_opt_in.get_secret("s").await.unwrap_err();
    assert!(err.to_string().contains("allow_http_loopback"), "{err}");
    assert!(vault.seen().is_empty());
    // With the opt-in, loopback works.
    let allowed = SecretClient::new(&vault.url(), client_options(credential)).unwrap();
    allowed.get_secret("s").await.unwrap();

    // The management plane's bearer policy follows the same rule.
    let arm = LoopbackServer::start(Reply::json(200, r#"{"value":[]}"#)).await;
    let mgmt = keyvault_mgmt::management::KeyVaultManagementClient::with_endpoint(
        &arm.url(),
        "sub",
        ClientOptions::default()
            .with_credential(Arc::new(
                ClientSecretCredential::new("t", "app", "pw", token_options(&tokens)).unwrap(),
            ))
            .with_auth_options(AuthOptions::default().with_http_loopback(true)),
    )
    .unwrap();
    use futures::TryStreamExt;
    let _: Vec<_> = mgmt
        .vaults()
        .list_by_subscription()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    let seen = &arm.seen()[0];
    assert_eq!(seen.header("authorization"), Some("Bearer t"));
    // A management endpoint other than the public cloud's asks for its own scope.
    let scope_requests: Vec<_> = tokens
        .seen()
        .iter()
        .map(|s| s.form()["scope"].clone())
        .collect();
    assert!(
        scope_requests.contains(&format!("{}/.default", arm.url())),
        "{scope_requests:?}"
    );
}

/// Challenge discovery is single-flight like the token: a cold burst of calls to a vault sends
/// one unauthenticated round trip, not one per caller.
#[tokio::test]
async fn a_cold_burst_of_calls_discovers_the_challenge_once() {
    let tokens = LoopbackServer::start(Reply::token("kv-token", 3600)).await;
    let vault = vault(format!("{}/t", tokens.url()), "http://127.0.0.1".into()).await;
    let credential: Arc<dyn TokenCredential> =
        Arc::new(ClientSecretCredential::new("t", "app", "pw", token_options(&tokens)).unwrap());
    let client = Arc::new(SecretClient::new(&vault.url(), client_options(credential)).unwrap());
    let mut tasks = Vec::new();
    for i in 0..500 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            client.get_secret(format!("s{i}")).await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let seen = vault.seen();
    let unauthenticated = seen
        .iter()
        .filter(|s| s.header("authorization").is_none())
        .count();
    assert_eq!(unauthenticated, 1, "{} requests in all", seen.len());
    assert_eq!(seen.len(), 501);
    assert_eq!(tokens.seen().len(), 1);
}
