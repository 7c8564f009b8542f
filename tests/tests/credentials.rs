//! Every credential against real loopback servers written here: a token endpoint, IMDS, the
//! App Service identity endpoint, and a fake `az`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e_tests::{LoopbackServer, Reply, Seen};
use keyvault_identity::{
    AzureCliCredential, ChainedTokenCredential, ClientAssertionCredential,
    ClientCertificateCredential, ClientSecretCredential, CredentialOptions, DefaultAzureCredential,
    ManagedIdentityCredential, ManagedIdentityId, ManagedIdentityOptions,
    WorkloadIdentityCredential,
};
use keyvault_runtime::http::Url;
use keyvault_runtime::{ErrorKind, TokenCredential, TokenRequest};

const VAULT_SCOPE: &str = "https://vault.azure.net/.default";

fn options(server: &LoopbackServer) -> CredentialOptions {
    CredentialOptions::default()
        .with_authority_host(Url::parse(&server.url()).unwrap())
        .with_http_loopback(true)
}

fn request() -> TokenRequest {
    TokenRequest::new([VAULT_SCOPE])
}

#[tokio::test]
async fn client_secret_posts_the_client_credentials_grant_and_caches() {
    let server = LoopbackServer::start(Reply::token("tok-secret-1", 3600)).await;
    let credential =
        ClientSecretCredential::new("tenant-1", "client-1", "s3cr3t-value", options(&server))
            .unwrap();
    let token = credential.get_token(&request()).await.unwrap();
    assert_eq!(token.token.expose(), "tok-secret-1");
    credential.get_token(&request()).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 1, "the second call is served from the cache");
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].path(), "/tenant-1/oauth2/v2.0/token");
    let form = seen[0].form();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], "client-1");
    assert_eq!(form["client_secret"], "s3cr3t-value");
    assert_eq!(form["scope"], VAULT_SCOPE);
    let debug = format!("{credential:?} {token:?}");
    assert!(
        !debug.contains("s3cr3t-value") && !debug.contains("tok-secret-1"),
        "{debug}"
    );
}

#[tokio::test]
async fn token_endpoint_errors_are_typed_and_say_why() {
    let server = LoopbackServer::start(Reply::json(
        401,
        r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#,
    ))
    .await;
    let credential =
        ClientSecretCredential::new("tenant-1", "client-1", "wrong", options(&server)).unwrap();
    let err = credential.get_token(&request()).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Credential { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("invalid_client") && text.contains("AADSTS7000215"),
        "{text}"
    );
    assert!(!text.contains("wrong"), "{text}");
}

#[tokio::test]
async fn authority_must_be_https_except_opted_in_loopback() {
    let plain = CredentialOptions::default()
        .with_authority_host(Url::parse("http://login.example").unwrap())
        .with_http_loopback(true);
    assert!(ClientSecretCredential::new("t", "c", "s", plain).is_err());
    let loopback_without_opt_in =
        CredentialOptions::default().with_authority_host(Url::parse("http://127.0.0.1:9").unwrap());
    assert!(ClientSecretCredential::new("t", "c", "s", loopback_without_opt_in).is_err());
}

#[tokio::test]
async fn tenants_other_than_the_configured_one_need_allowing() {
    let server = LoopbackServer::start(Reply::token("t", 3600)).await;
    let strict = ClientSecretCredential::new("tenant-1", "c", "s", options(&server)).unwrap();
    let err = strict
        .get_token(&request().with_tenant("tenant-2"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("additionally_allowed_tenants"),
        "{err}"
    );
    let open = ClientSecretCredential::new(
        "tenant-1",
        "c",
        "s",
        options(&server).with_additionally_allowed_tenants(["*"]),
    )
    .unwrap();
    open.get_token(&request().with_tenant("tenant-2"))
        .await
        .unwrap();
    assert_eq!(server.seen()[0].path(), "/tenant-2/oauth2/v2.0/token");
}

#[tokio::test]
async fn client_assertion_and_workload_identity_post_their_assertions() {
    let server = LoopbackServer::start(Reply::token("t", 3600)).await;
    let assertion = ClientAssertionCredential::new(
        "tenant-1",
        "client-1",
        || Box::pin(async { Ok("header.claims.signature".to_owned()) }),
        options(&server),
    )
    .unwrap();
    assertion.get_token(&request()).await.unwrap();
    let dir = tempfile_dir();
    let file = dir.join("token");
    std::fs::write(&file, "projected.service.account\n").unwrap();
    let workload =
        WorkloadIdentityCredential::new("tenant-1", "client-2", &file, options(&server)).unwrap();
    workload.get_token(&request()).await.unwrap();
    let seen = server.seen();
    let forms: Vec<_> = seen.iter().map(|s| s.form()).collect();
    for form in &forms {
        assert_eq!(
            form["client_assertion_type"],
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        );
    }
    assert_eq!(forms[0]["client_assertion"], "header.claims.signature");
    assert_eq!(forms[1]["client_assertion"], "projected.service.account");
    assert_eq!(forms[1]["client_id"], "client-2");
    // A missing token file is a clear error.
    let missing = WorkloadIdentityCredential::new(
        "tenant-1",
        "client-2",
        dir.join("absent"),
        options(&server),
    )
    .unwrap();
    let err = missing.get_token(&request()).await.unwrap_err();
    assert!(
        err.to_string().contains("cannot read the token file"),
        "{err}"
    );
}

#[tokio::test]
async fn client_certificate_signs_an_assertion_with_its_thumbprint() {
    use base64::Engine;
    let server = LoopbackServer::start(Reply::token("t", 3600)).await;
    let certificate = keyvault_identity::certificate::ClientCertificate::from_pem(include_bytes!(
        "../../identity/tests/data/cert.pem"
    ))
    .unwrap();
    let thumbprint = certificate.thumbprint_sha256();
    let credential =
        ClientCertificateCredential::new("tenant-1", "client-1", certificate, options(&server))
            .unwrap();
    credential.get_token(&request()).await.unwrap();
    let form = server.seen()[0].form();
    let jwt = &form["client_assertion"];
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let decode = |p: &str| -> serde_json::Value {
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .unwrap(),
        )
        .unwrap()
    };
    let header = decode(parts[0]);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["x5t#S256"], thumbprint.as_str());
    let claims = decode(parts[1]);
    assert_eq!(claims["iss"], "client-1");
    assert_eq!(
        claims["aud"],
        format!("{}/tenant-1/oauth2/v2.0/token", server.url())
    );
}

#[tokio::test]
async fn managed_identity_on_imds_and_app_service() {
    let imds = LoopbackServer::start(Reply::managed_identity_token("mi-token")).await;
    let mut options = ManagedIdentityOptions::default();
    options.app_service = None;
    options.imds_endpoint =
        Url::parse(&format!("{}/metadata/identity/oauth2/token", imds.url())).unwrap();
    let credential =
        ManagedIdentityCredential::new(ManagedIdentityId::ClientId("mi-client".into()), options)
            .unwrap();
    let token = credential.get_token(&request()).await.unwrap();
    assert_eq!(token.token.expose(), "mi-token");
    assert_eq!(token.expires_on.unix_timestamp(), 4_102_444_800);
    let seen = &imds.seen()[0];
    assert_eq!(seen.method, "GET");
    assert_eq!(seen.header("metadata"), Some("true"));
    let query = seen.query();
    assert_eq!(query["api-version"], "2018-02-01");
    assert_eq!(query["resource"], "https://vault.azure.net");
    assert_eq!(query["client_id"], "mi-client");

    let app = LoopbackServer::start(Reply::json(
        200,
        r#"{"access_token":"app-token","expires_on":4102444800,"resource":"https://vault.azure.net"}"#,
    ))
    .await;
    let mut options = ManagedIdentityOptions::default();
    options.app_service = Some((
        Url::parse(&format!("{}/msi/token", app.url())).unwrap(),
        keyvault_runtime::Secret::new("identity-header-secret".into()),
    ));
    let credential =
        ManagedIdentityCredential::new(ManagedIdentityId::ObjectId("oid-1".into()), options)
            .unwrap();
    assert_eq!(
        credential
            .get_token(&request())
            .await
            .unwrap()
            .token
            .expose(),
        "app-token"
    );
    let seen = &app.seen()[0];
    assert_eq!(
        seen.header("x-identity-header"),
        Some("identity-header-secret")
    );
    assert_eq!(seen.query()["api-version"], "2019-08-01");
    assert_eq!(seen.query()["principal_id"], "oid-1");
    assert!(!format!("{credential:?}").contains("identity-header-secret"));
}

#[tokio::test]
async fn absent_or_silent_imds_fails_fast() {
    // Nothing listens on this port.
    let closed = e2e_tests::closed_port();
    let silent = LoopbackServer::start(Reply::stall()).await;
    for endpoint in [
        format!("http://{closed}/token"),
        format!("{}/token", silent.url()),
    ] {
        let mut options = ManagedIdentityOptions::default();
        options.app_service = None;
        options.imds_endpoint = Url::parse(&endpoint).unwrap();
        options.probe_timeout = Duration::from_millis(300);
        let credential =
            ManagedIdentityCredential::new(ManagedIdentityId::SystemAssigned, options).unwrap();
        let started = Instant::now();
        let err = credential.get_token(&request()).await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert!(
            err.to_string()
                .contains("no managed identity endpoint answered"),
            "{err}"
        );
    }
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kv-e2e-{}-{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

static TEMP_COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A fake `az` script in its own folder.
#[cfg(unix)]
fn fake_az(script: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile_dir();
    let path = dir.join("az");
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[cfg(unix)]
#[tokio::test]
async fn azure_cli_runs_az_and_explains_failures() {
    let args_file = tempfile_dir().join("args");
    let az = fake_az(&format!(
        r#"echo "$@" > {}
echo '{{"accessToken":"cli-token","expiresOn":"2099-01-01 00:00:00.000000","expires_on":4070908800,"tenant":"t","tokenType":"Bearer"}}'"#,
        args_file.display()
    ));
    let credential = AzureCliCredential::new().with_program(&az);
    let token = credential
        .get_token(&request().with_tenant("tenant-9"))
        .await
        .unwrap();
    assert_eq!(token.token.expose(), "cli-token");
    assert_eq!(token.expires_on.unix_timestamp(), 4_070_908_800);
    assert_eq!(
        std::fs::read_to_string(&args_file).unwrap().trim(),
        format!("account get-access-token --output json --scope {VAULT_SCOPE} --tenant tenant-9")
    );

    let logged_out = fake_az("echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1");
    let err = AzureCliCredential::new()
        .with_program(&logged_out)
        .get_token(&request())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("not logged in; run `az login`"),
        "{err}"
    );

    let hanging = fake_az("sleep 30");
    let started = Instant::now();
    let err = AzureCliCredential::new()
        .with_program(&hanging)
        .with_timeout(Duration::from_millis(300))
        .get_token(&request())
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(err.to_string().contains("did not finish"), "{err}");

    let err = AzureCliCredential::new()
        .with_program("/nonexistent/az")
        .get_token(&request())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not found on PATH"), "{err}");
}

#[tokio::test]
async fn chains_try_each_link_and_list_every_failure() {
    let server = LoopbackServer::start(Reply::token("second-link", 3600)).await;
    let failing = ClientSecretCredential::new("tenant-1", "c", "s", options(&server)).unwrap();
    server.push(Reply::json(400, r#"{"error":"invalid_request"}"#));
    let working = ClientSecretCredential::new("tenant-2", "c", "s", options(&server)).unwrap();
    let chain = ChainedTokenCredential::new(vec![
        ("first".into(), Arc::new(failing)),
        ("second".into(), Arc::new(working)),
    ]);
    assert_eq!(
        chain.get_token(&request()).await.unwrap().token.expose(),
        "second-link"
    );

    // The default chain where nothing is configured: every link says why.
    let mut managed = ManagedIdentityOptions::default();
    managed.app_service = None;
    managed.imds_endpoint = Url::parse("http://127.0.0.1:9/token").unwrap();
    managed.probe_timeout = Duration::from_millis(200);
    let default = DefaultAzureCredential::with_options(CredentialOptions::default(), managed);
    if std::env::var_os("AZURE_CLIENT_ID").is_none() {
        let err = default.get_token(&request()).await.unwrap_err();
        let text = err.to_string();
        for link in [
            "EnvironmentCredential",
            "WorkloadIdentityCredential",
            "ManagedIdentityCredential",
            "AzureCliCredential",
        ] {
            assert!(text.contains(link), "{link} missing from: {text}");
        }
        // Each link's line names it once, without a second `credential error:`.
        assert_eq!(text.matches("credential error:").count(), 1, "{text}");
        assert!(
            !text.contains("ManagedIdentityCredential: ManagedIdentityCredential"),
            "{text}"
        );
    }
}

/// Set in the child process that runs [`environment_child`]: environment variables are
/// process-wide, so the environment tests run in their own process.
const CHILD_FLAG: &str = "KV_E2E_ENVIRONMENT_CHILD";

/// Runs the test `child` in a process of its own with `CHILD_FLAG=flag` and the environment
/// `env` makes from the URL of a token endpoint on loopback; returns whether the child passed
/// and what the endpoint was asked.
fn run_child(
    child: &str,
    flag: &str,
    env: impl FnOnce(&str) -> Vec<(&'static str, String)> + Send + 'static,
) -> (std::process::ExitStatus, Vec<Seen>) {
    let child = format!("credentials::{child}");
    let flag = flag.to_owned();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let server = LoopbackServer::start(Reply::token("env-token", 3600)).await;
            let status = std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", &child, "--nocapture"])
                .env(CHILD_FLAG, flag)
                .envs(env(&server.url()))
                .env_remove("AZURE_FEDERATED_TOKEN_FILE")
                .env_remove("IDENTITY_ENDPOINT")
                .status()
                .unwrap();
            (status, server.seen())
        })
    })
    .join()
    .unwrap()
}

#[test]
fn environment_variables_configure_the_environment_credential_and_default_chain() {
    let (status, seen) = run_child("environment_child", "1", |url| {
        vec![
            ("AZURE_AUTHORITY_HOST", url.to_owned()),
            ("AZURE_TENANT_ID", "env-tenant".to_owned()),
            ("AZURE_CLIENT_ID", "env-client".to_owned()),
            ("AZURE_CLIENT_SECRET", "env-secret".to_owned()),
        ]
    });
    assert!(status.success(), "the child test failed");
    // Both the environment credential and the default chain asked the authority from
    // AZURE_AUTHORITY_HOST, for the tenant and client from the environment.
    assert_eq!(seen.len(), 2);
    for request in &seen {
        assert_eq!(request.path(), "/env-tenant/oauth2/v2.0/token");
        let form = request.form();
        assert_eq!(form["client_id"], "env-client");
        assert_eq!(form["client_secret"], "env-secret");
    }
}

/// Runs only inside the child process started above (it checks what the parent set).
#[tokio::test]
async fn environment_child() {
    if std::env::var(CHILD_FLAG).as_deref() != Ok("1") {
        return;
    }
    // Plain http to loopback is allowed here only because the test authority is loopback.
    let options = CredentialOptions::default().with_http_loopback(true);
    assert!(options
        .authority_host
        .as_str()
        .starts_with("http://127.0.0.1"));
    let credential = keyvault_identity::EnvironmentCredential::new(options.clone());
    let token = credential.get_token(&request()).await.unwrap();
    assert_eq!(token.token.expose(), "env-token");
    let default = DefaultAzureCredential::with_options(options, ManagedIdentityOptions::default());
    let token = default.get_token(&request()).await.unwrap();
    assert_eq!(token.token.expose(), "env-token");
}

/// `AZURE_AUTHORITY_HOST` without a scheme (`login.microsoftonline.us`) once fell back to the
/// public cloud silently; now every token request fails naming the variable, and nothing is
/// sent anywhere.
#[test]
fn a_malformed_authority_host_is_a_named_error() {
    let (status, seen) = run_child("malformed_authority_child", "malformed-authority", |url| {
        vec![(
            "AZURE_AUTHORITY_HOST",
            url.trim_start_matches("http://").to_owned(),
        )]
    });
    assert!(status.success(), "the child test failed");
    assert!(seen.is_empty(), "no token request was sent: {seen:?}");
}

/// Runs only inside the child process started above.
#[tokio::test]
async fn malformed_authority_child() {
    if std::env::var(CHILD_FLAG).as_deref() != Ok("malformed-authority") {
        return;
    }
    let options = CredentialOptions::default().with_http_loopback(true);
    // Refused when the credential is made (it builds its token endpoint then), else at the
    // first token request.
    let err = match keyvault_identity::ClientSecretCredential::new("tenant", "app", "pw", options) {
        Err(e) => e,
        Ok(credential) => credential.get_token(&request()).await.unwrap_err(),
    };
    let text = err.to_string();
    assert!(
        text.contains("AZURE_AUTHORITY_HOST") && text.contains("not an absolute URL"),
        "{text}"
    );
}

fn fast_retries() -> keyvault_runtime::RetryOptions {
    keyvault_runtime::RetryOptions::default()
        .with_max_retries(3)
        .with_initial_delay(Duration::from_millis(10))
}

/// A token endpoint that fails transiently (throttled, unavailable, a cut connection) is asked
/// again as the clients' retry policy would; one that says no (400) is not.
#[tokio::test]
async fn transient_token_endpoint_failures_are_retried_and_refusals_are_not() {
    let server = LoopbackServer::start(Reply::token("after-retries", 3600)).await;
    server.push(Reply::json(429, "{}").header("retry-after", "0"));
    server.push(Reply::cut());
    server.push(Reply::json(503, "{}"));
    let credential = ClientSecretCredential::new(
        "t",
        "app",
        "pw",
        options(&server).with_retry(fast_retries()),
    )
    .unwrap();
    let token = credential.get_token(&request()).await.unwrap();
    assert_eq!(token.token.expose(), "after-retries");
    assert_eq!(server.seen().len(), 4);

    let refusing = LoopbackServer::start(Reply::json(
        400,
        r#"{"error":"invalid_request","error_description":"AADSTS900144"}"#,
    ))
    .await;
    let credential = ClientSecretCredential::new(
        "t",
        "app",
        "pw",
        options(&refusing).with_retry(fast_retries()),
    )
    .unwrap();
    let err = credential.get_token(&request()).await.unwrap_err();
    assert!(err.to_string().contains("AADSTS900144"), "{err}");
    assert_eq!(refusing.seen().len(), 1);
}

/// After the probe, IMDS requests are retried, also on the 404 and 410 IMDS answers while an
/// identity is being assigned or the service updates; the probe itself is tried once.
#[tokio::test]
async fn imds_requests_after_the_probe_are_retried_on_its_transient_answers() {
    let imds = LoopbackServer::start(Reply::managed_identity_token("mi-token")).await;
    let mut options = ManagedIdentityOptions::default();
    options.app_service = None;
    options.imds_endpoint =
        Url::parse(&format!("{}/metadata/identity/oauth2/token", imds.url())).unwrap();
    options.retry = fast_retries();
    let credential =
        ManagedIdentityCredential::new(ManagedIdentityId::SystemAssigned, options).unwrap();
    // The probe: one try.
    imds.push(Reply::json(503, "{}"));
    credential.get_token(&request()).await.unwrap_err();
    assert_eq!(imds.seen().len(), 1);
    // Found (a 503 is an answer): later requests retry 410, 404 and 500.
    imds.push(Reply::json(410, "{}"));
    imds.push(Reply::json(404, "{}"));
    imds.push(Reply::json(500, "{}"));
    let token = credential.get_token(&request()).await.unwrap();
    assert_eq!(token.token.expose(), "mi-token");
    assert_eq!(imds.seen().len(), 5);
}
