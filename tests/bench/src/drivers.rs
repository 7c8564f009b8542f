//! The clients, each driven the same way: a current-thread runtime on the client core,
//! `concurrency` tasks sharing the clients, warm-up (connections, challenge, token) excluded.
//!
//! - `ours`: our generated client over its default transport (hyper directly);
//! - `ours-rq`: the same over the `reqwest` feature's transport;
//! - `raw`: reqwest with a fixed bearer token, the same TLS stack and settings: the ceiling
//!   (for `get_secret` it reads the body's bytes; for the large bodies it does what a
//!   hand-written REST client must to get the same result: `serde` structs of the fields
//!   used, the certificate's DER and the backup blob decoded from base64, the blob encoded
//!   again for the restore);
//! - `official`: the official `azure_security_keyvault_*` crates over reqwest 0.13.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use crate::payloads;
use crate::{cpu_time, FakeVault, Run};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    /// Our client over its default transport (hyper directly).
    Ours,
    /// Our client over the `reqwest` feature's transport.
    OursReqwest,
    Raw,
    Official,
}

impl Driver {
    pub const ALL: [Driver; 4] = [
        Driver::Ours,
        Driver::OursReqwest,
        Driver::Raw,
        Driver::Official,
    ];
    /// The clients the newer cases compare (ours-rq only in the `get_secret` table).
    pub const PEERS: [Driver; 3] = [Driver::Ours, Driver::Raw, Driver::Official];

    pub fn name(self) -> &'static str {
        match self {
            Driver::Ours => "ours",
            Driver::OursReqwest => "ours-rq",
            Driver::Raw => "raw",
            Driver::Official => "official",
        }
    }

    pub fn from_name(name: &str) -> Option<Driver> {
        Driver::ALL.into_iter().find(|d| d.name() == name)
    }
}

/// One call of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `get_secret` of a small secret.
    GetSecret,
    /// `get_secret` of a 25 KB secret.
    GetLargeSecret,
    /// `set_secret` with a 25 KB value (the service answers it back).
    SetLargeSecret,
    /// `get_certificate` (a 1.4 KB DER and its policy).
    GetCertificate,
    /// `backup_secret`: a 40 KB blob, base64url in JSON.
    BackupSecret,
    /// `restore_secret` of that blob.
    RestoreSecret,
    /// `get_secret` answered after `fake_vault::SLOW_ANSWER` (memory per in-flight call).
    GetSlowSecret,
}

impl Op {
    pub const LARGE: [Op; 5] = [
        Op::GetLargeSecret,
        Op::SetLargeSecret,
        Op::GetCertificate,
        Op::BackupSecret,
        Op::RestoreSecret,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Op::GetSecret => "get_secret",
            Op::GetLargeSecret => "get_secret_25k",
            Op::SetLargeSecret => "set_secret_25k",
            Op::GetCertificate => "get_certificate",
            Op::BackupSecret => "backup_secret_40k",
            Op::RestoreSecret => "restore_secret_40k",
            Op::GetSlowSecret => "get_secret_slow",
        }
    }

    fn secret_name(self) -> &'static str {
        match self {
            Op::GetLargeSecret | Op::SetLargeSecret => "large",
            Op::GetSlowSecret => "slow",
            _ => "bench",
        }
    }
}

pub type Call = Arc<dyn Fn() -> futures::future::BoxFuture<'static, ()> + Send + Sync>;

/// What the calls send: made once, cloned into each call as every client needs its own copy.
struct Payloads {
    large_secret: String,
    backup: Vec<u8>,
}

/// Made once per process: every client shares them, so the memory per idle client counts
/// the client, not a copy of the bench's 65 KB of payloads each client would otherwise hold.
fn payloads() -> Arc<Payloads> {
    static MADE: std::sync::OnceLock<Arc<Payloads>> = std::sync::OnceLock::new();
    MADE.get_or_init(|| {
        Arc::new(Payloads {
            large_secret: payloads::large_secret_value(),
            backup: payloads::backup_blob(),
        })
    })
    .clone()
}

/// A fixed token for our client, as the official client's `StaticCredential` gives.
fn bench_credential() -> Arc<keyvault_identity::CallbackCredential> {
    Arc::new(keyvault_identity::CallbackCredential::new(|_| {
        Box::pin(async {
            Ok(keyvault_runtime::AccessToken::new(
                "bench-token",
                keyvault_runtime::OffsetDateTime::now_utc() + Duration::from_secs(3600),
            ))
        })
    }))
}

/// `clients` clients of one driver, each with its own transport (connection pool) unless
/// `shared`; one `Call` per client.
pub fn calls(
    driver: Driver,
    vault: &FakeVault,
    h2: bool,
    op: Op,
    clients: usize,
    shared: bool,
) -> Vec<Call> {
    let payloads = payloads();
    match driver {
        Driver::Ours | Driver::OursReqwest => transports(clients, shared, || {
            ours_transport(vault, h2, driver == Driver::OursReqwest)
        })
        .into_iter()
        .map(|t| ours(vault, t, op, payloads.clone()))
        .collect(),
        Driver::Raw => transports(clients, shared, || raw_client(vault, h2))
            .into_iter()
            .map(|c| raw(vault, c, op, payloads.clone()))
            .collect(),
        Driver::Official => transports(clients, shared, || official_http(vault, h2))
            .into_iter()
            .map(|c| official(vault, c, op, payloads.clone()))
            .collect(),
    }
}

/// One transport per client, or one for all of them (`shared`; clones share its pool).
fn transports<T: Clone>(clients: usize, shared: bool, make: impl Fn() -> T) -> Vec<T> {
    let first = make();
    (0..clients)
        .map(|i| {
            if shared || i == 0 {
                first.clone()
            } else {
                make()
            }
        })
        .collect()
}

fn ours_transport(
    vault: &FakeVault,
    h2: bool,
    over_reqwest: bool,
) -> Arc<dyn keyvault_runtime::http::HttpClient> {
    use keyvault_runtime::transport::{HyperTransport, TransportOptions};
    let settings = TransportOptions::default()
        .with_root_certificate_pem(vault.cert_pem.clone())
        .with_http1_only(!h2);
    if over_reqwest {
        Arc::new(keyvault_runtime::reqwest_transport::client(&settings).expect("reqwest"))
    } else {
        Arc::new(HyperTransport::new(&settings).expect("transport"))
    }
}

fn ours(
    vault: &FakeVault,
    transport: Arc<dyn keyvault_runtime::http::HttpClient>,
    op: Op,
    payloads: Arc<Payloads>,
) -> Call {
    use keyvault::certificates::CertificateClient;
    use keyvault::secrets::models::{SecretRestoreParameters, SecretSetParameters};
    use keyvault::secrets::SecretClient;
    let options = keyvault_runtime::ClientOptions::default()
        .with_transport(transport)
        .with_credential(bench_credential());
    if op == Op::GetCertificate {
        let client = Arc::new(CertificateClient::new(&vault.url, options).expect("client"));
        return Arc::new(move || {
            let client = client.clone();
            Box::pin(async move {
                let certificate = client
                    .get_certificate("bench")
                    .await
                    .expect("ours: get_certificate");
                assert!(certificate.cer.is_some());
            })
        });
    }
    let client = Arc::new(SecretClient::new(&vault.url, options).expect("client"));
    Arc::new(move || {
        let (client, payloads) = (client.clone(), payloads.clone());
        Box::pin(async move {
            match op {
                Op::SetLargeSecret => {
                    let parameters = SecretSetParameters::new(payloads.large_secret.clone());
                    let secret = client
                        .set_secret(op.secret_name(), parameters)
                        .await
                        .expect("ours: set_secret");
                    assert!(secret.value.is_some());
                }
                Op::BackupSecret => {
                    let backup = client
                        .backup_secret(op.secret_name())
                        .await
                        .expect("ours: backup_secret");
                    assert_eq!(backup.value.map(|v| v.len()), Some(payloads::BACKUP_BYTES));
                }
                Op::RestoreSecret => {
                    let parameters = SecretRestoreParameters::new(payloads.backup.clone());
                    let secret = client
                        .restore_secret(parameters)
                        .await
                        .expect("ours: restore_secret");
                    assert!(secret.value.is_some());
                }
                _ => {
                    let secret = client
                        .get_secret(op.secret_name())
                        .await
                        .expect("ours: get_secret");
                    assert!(secret.value.is_some());
                }
            }
        })
    })
}

fn raw_client(vault: &FakeVault, h2: bool) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&vault.cert_pem).expect("pem"))
        .redirect(reqwest::redirect::Policy::none());
    if !h2 {
        builder = builder.http1_only();
    }
    builder.build().expect("reqwest")
}

/// The fields a hand-written REST client reads from a secret or a backup.
#[derive(Deserialize)]
struct RawValue {
    value: String,
}

#[derive(Deserialize)]
struct RawCertificate {
    cer: String,
}

#[derive(Serialize)]
struct RawSet<'a> {
    value: &'a str,
}

fn raw(vault: &FakeVault, client: reqwest::Client, op: Op, payloads: Arc<Payloads>) -> Call {
    let base = vault.url.clone();
    let url: Arc<str> = match op {
        Op::GetCertificate => format!("{base}/certificates/bench/?api-version=2025-07-01"),
        Op::BackupSecret => format!("{base}/secrets/bench/backup?api-version=2025-07-01"),
        Op::RestoreSecret => format!("{base}/secrets/restore?api-version=2025-07-01"),
        Op::SetLargeSecret => format!("{base}/secrets/large?api-version=2025-07-01"),
        _ => format!(
            "{base}/secrets/{}/?api-version=2025-07-01",
            op.secret_name()
        ),
    }
    .into();
    Arc::new(move || {
        let (client, url, payloads) = (client.clone(), url.clone(), payloads.clone());
        Box::pin(async move {
            let request = match op {
                Op::SetLargeSecret => client
                    .put(&*url)
                    .header("content-type", "application/json")
                    .body(
                        serde_json::to_vec(&RawSet {
                            value: &payloads.large_secret,
                        })
                        .expect("raw: body"),
                    ),
                Op::BackupSecret => client.post(&*url),
                Op::RestoreSecret => client
                    .post(&*url)
                    .header("content-type", "application/json")
                    .body(
                        serde_json::to_vec(&RawSet {
                            value: &payloads::base64(&payloads.backup, true),
                        })
                        .expect("raw: body"),
                    ),
                _ => client.get(&*url),
            };
            let response = request
                .header("authorization", "Bearer bench-token")
                .send()
                .await
                .expect("raw: send");
            assert!(response.status().is_success());
            let body = response.bytes().await.expect("raw: body");
            match op {
                Op::GetSecret | Op::GetSlowSecret => assert!(!body.is_empty()),
                Op::BackupSecret => {
                    let backup: RawValue = serde_json::from_slice(&body).expect("raw: backup");
                    let blob = base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(backup.value)
                        .expect("raw: base64url");
                    assert_eq!(blob.len(), payloads::BACKUP_BYTES);
                }
                Op::GetCertificate => {
                    let certificate: RawCertificate =
                        serde_json::from_slice(&body).expect("raw: certificate");
                    let der = base64::engine::general_purpose::STANDARD
                        .decode(certificate.cer)
                        .expect("raw: base64");
                    assert!(!der.is_empty());
                }
                _ => {
                    let value: RawValue = serde_json::from_slice(&body).expect("raw: value");
                    assert!(!value.value.is_empty());
                }
            }
        })
    })
}

#[derive(Debug)]
struct StaticCredential;

#[async_trait::async_trait]
impl azure_core::credentials::TokenCredential for StaticCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        Ok(azure_core::credentials::AccessToken::new(
            "bench-token".to_string(),
            azure_core::time::OffsetDateTime::now_utc() + Duration::from_secs(3600),
        ))
    }
}

fn official_http(vault: &FakeVault, h2: bool) -> reqwest13::Client {
    let mut builder = reqwest13::Client::builder()
        .tls_certs_merge([reqwest13::Certificate::from_pem(&vault.cert_pem).expect("pem")])
        .redirect(reqwest13::redirect::Policy::none());
    if !h2 {
        builder = builder.http1_only();
    }
    builder.build().expect("reqwest 0.13")
}

fn official(vault: &FakeVault, http: reqwest13::Client, op: Op, payloads: Arc<Payloads>) -> Call {
    use azure_core::http::{ClientOptions, Transport};
    use azure_security_keyvault_certificates::{CertificateClient, CertificateClientOptions};
    use azure_security_keyvault_secrets::models::{RestoreSecretParameters, SetSecretParameters};
    use azure_security_keyvault_secrets::{SecretClient, SecretClientOptions};
    let client_options = ClientOptions {
        transport: Some(Transport::new(Arc::new(http))),
        ..Default::default()
    };
    if op == Op::GetCertificate {
        let options = CertificateClientOptions {
            api_version: "2025-07-01".into(),
            verify_challenge_resource: Some(false),
            client_options,
        };
        let client = Arc::new(
            CertificateClient::new(&vault.url, Arc::new(StaticCredential), Some(options))
                .expect("official certificate client"),
        );
        return Arc::new(move || {
            let client = client.clone();
            Box::pin(async move {
                let certificate = client
                    .get_certificate("bench", None)
                    .await
                    .expect("official: get_certificate")
                    .into_model()
                    .expect("official: model");
                assert!(certificate.cer.is_some());
            })
        });
    }
    let options = SecretClientOptions {
        api_version: "2025-07-01".into(),
        verify_challenge_resource: Some(false),
        client_options,
    };
    let client = Arc::new(
        SecretClient::new(&vault.url, Arc::new(StaticCredential), Some(options))
            .expect("official client"),
    );
    Arc::new(move || {
        let (client, payloads) = (client.clone(), payloads.clone());
        Box::pin(async move {
            let secret = match op {
                Op::SetLargeSecret => {
                    let parameters = SetSecretParameters {
                        value: Some(payloads.large_secret.clone()),
                        ..Default::default()
                    };
                    client
                        .set_secret(
                            op.secret_name(),
                            parameters.try_into().expect("official: body"),
                            None,
                        )
                        .await
                        .expect("official: set_secret")
                }
                Op::BackupSecret => {
                    let backup = client
                        .backup_secret(op.secret_name(), None)
                        .await
                        .expect("official: backup_secret")
                        .into_model()
                        .expect("official: model");
                    assert_eq!(backup.value.map(|v| v.len()), Some(payloads::BACKUP_BYTES));
                    return;
                }
                Op::RestoreSecret => {
                    let parameters = RestoreSecretParameters {
                        secret_backup: Some(payloads.backup.clone()),
                    };
                    client
                        .restore_secret(parameters.try_into().expect("official: body"), None)
                        .await
                        .expect("official: restore_secret")
                }
                _ => client
                    .get_secret(op.secret_name(), None)
                    .await
                    .expect("official: get_secret"),
            };
            let secret = secret.into_model().expect("official: model");
            assert!(secret.value.is_some());
        })
    })
}

/// A current-thread runtime, as every case runs its client on one.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// One case: its clients, how many tasks call them and how many calls in all.
pub struct Case {
    pub op: Op,
    pub concurrency: usize,
    pub requests: usize,
    /// How many clients the tasks take turns on.
    pub clients: usize,
    /// Whether those clients share one transport.
    pub shared: bool,
}

/// Runs a case: `concurrency` tasks, each calling the clients in turn.
pub fn run(driver: Driver, vault: &FakeVault, h2: bool, case: &Case) -> Run {
    runtime().block_on(async move {
        let calls = calls(driver, vault, h2, case.op, case.clients, case.shared);
        // Warm-up: every client's connections, TLS sessions, challenge and token.
        futures::stream::iter(0..(200usize).max(4 * calls.len()))
            .for_each_concurrent(case.concurrency, |i| calls[i % calls.len()]())
            .await;
        let per_task = case.requests / case.concurrency;
        let cpu_before = cpu_time();
        let started = Instant::now();
        let tasks: Vec<_> = (0..case.concurrency)
            .map(|task| {
                let calls = calls.clone();
                tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(per_task);
                    for i in 0..per_task {
                        let call = &calls[(task + i) % calls.len()];
                        let t = Instant::now();
                        call().await;
                        latencies.push(t.elapsed());
                    }
                    latencies
                })
            })
            .collect();
        let mut latencies = Vec::with_capacity(case.requests);
        for task in tasks {
            latencies.extend(task.await.expect("task"));
        }
        Run {
            requests: per_task * case.concurrency,
            elapsed: started.elapsed(),
            cpu: cpu_time() - cpu_before,
            latencies,
        }
    })
}

/// Streams every secret of the list through our pager; returns how many.
pub async fn page_through(vault: &FakeVault, expected: usize) -> usize {
    use futures::TryStreamExt;
    let options = keyvault_runtime::ClientOptions::default()
        .with_credential(bench_credential())
        .with_root_certificate_pem(vault.cert_pem.clone());
    let client = keyvault::secrets::SecretClient::new(&vault.url, options).expect("client");
    let count = client
        .get_secrets()
        .into_stream()
        .try_fold(0usize, |n, item| async move {
            assert!(item.id.is_some());
            Ok(n + 1)
        })
        .await
        .expect("paging");
    assert_eq!(count, expected);
    count
}
