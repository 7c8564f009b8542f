//! The clients, each driven the same way: a current-thread runtime on the client core,
//! `concurrency` tasks sharing one client, warm-up (connections, challenge, token) excluded.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;

use crate::{cpu_time, FakeVault, Run};

#[derive(Debug, Clone, Copy)]
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

    pub fn name(self) -> &'static str {
        match self {
            Driver::Ours => "ours",
            Driver::OursReqwest => "ours-rq",
            Driver::Raw => "raw",
            Driver::Official => "official",
        }
    }
}

type Call = Arc<dyn Fn() -> futures::future::BoxFuture<'static, ()> + Send + Sync>;

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

fn ours(vault: &FakeVault, h2: bool, over_reqwest: bool) -> Call {
    use keyvault_runtime::http::HttpClient;
    use keyvault_runtime::transport::{HyperTransport, TransportOptions};
    let settings = TransportOptions::default()
        .with_root_certificate_pem(vault.cert_pem.clone())
        .with_http1_only(!h2);
    let transport: Arc<dyn HttpClient> = if over_reqwest {
        Arc::new(keyvault_runtime::reqwest_transport::client(&settings).expect("reqwest"))
    } else {
        Arc::new(HyperTransport::new(&settings).expect("transport"))
    };
    let options = keyvault_runtime::ClientOptions::default()
        .with_transport(transport)
        .with_credential(bench_credential());
    let client =
        Arc::new(keyvault::secrets::SecretClient::new(&vault.url, options).expect("client"));
    Arc::new(move || {
        let client = client.clone();
        Box::pin(async move {
            let secret = client.get_secret("bench").await.expect("ours: get_secret");
            assert!(secret.value.is_some());
        })
    })
}

fn raw(vault: &FakeVault, h2: bool) -> Call {
    let mut builder = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&vault.cert_pem).expect("pem"))
        .redirect(reqwest::redirect::Policy::none());
    if !h2 {
        builder = builder.http1_only();
    }
    let client = builder.build().expect("reqwest");
    let url = format!("{}/secrets/bench/?api-version=2025-07-01", vault.url);
    Arc::new(move || {
        let (client, url) = (client.clone(), url.clone());
        Box::pin(async move {
            let response = client
                .get(&url)
                .header("authorization", "Bearer bench-token")
                .send()
                .await
                .expect("raw: send");
            assert!(response.status().is_success());
            let body = response.bytes().await.expect("raw: body");
            assert!(!body.is_empty());
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

fn official(vault: &FakeVault, h2: bool) -> Call {
    use azure_core::http::{ClientOptions, Transport};
    use azure_security_keyvault_secrets::{SecretClient, SecretClientOptions};
    let mut builder = reqwest13::Client::builder()
        .tls_certs_merge([reqwest13::Certificate::from_pem(&vault.cert_pem).expect("pem")])
        .redirect(reqwest13::redirect::Policy::none());
    if !h2 {
        builder = builder.http1_only();
    }
    let http = builder.build().expect("reqwest 0.13");
    let mut options = SecretClientOptions::default();
    options.api_version = "2025-07-01".into();
    options.verify_challenge_resource = Some(false);
    options.client_options = ClientOptions {
        transport: Some(Transport::new(Arc::new(http))),
        ..Default::default()
    };
    let client = Arc::new(
        SecretClient::new(&vault.url, Arc::new(StaticCredential), Some(options))
            .expect("official client"),
    );
    Arc::new(move || {
        let client = client.clone();
        Box::pin(async move {
            let secret = client
                .get_secret("bench", None)
                .await
                .expect("official: get_secret")
                .into_model()
                .expect("official: model");
            assert!(secret.value.is_some());
        })
    })
}

/// Runs `requests` calls with `concurrency` tasks.
pub fn run(
    driver: Driver,
    vault: &FakeVault,
    h2: bool,
    concurrency: usize,
    requests: usize,
) -> Run {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let call = match driver {
            Driver::Ours => ours(vault, h2, false),
            Driver::OursReqwest => ours(vault, h2, true),
            Driver::Raw => raw(vault, h2),
            Driver::Official => official(vault, h2),
        };
        // Warm-up: connections, TLS sessions, the challenge and the token.
        futures::stream::iter(0..200)
            .for_each_concurrent(concurrency, |_| call())
            .await;
        let per_task = requests / concurrency;
        let cpu_before = cpu_time();
        let started = Instant::now();
        let tasks: Vec<_> = (0..concurrency)
            .map(|_| {
                let call = call.clone();
                tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(per_task);
                    for _ in 0..per_task {
                        let t = Instant::now();
                        call().await;
                        latencies.push(t.elapsed());
                    }
                    latencies
                })
            })
            .collect();
        let mut latencies = Vec::with_capacity(requests);
        for task in tasks {
            latencies.extend(task.await.expect("task"));
        }
        Run {
            requests: per_task * concurrency,
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
