//! Prism (`@stoplight/prism-cli`, pinned in `tests/prism/`), the independent spec validator:
//! processes started and stopped by their own pid on free loopback ports, in mock or proxy
//! mode, a recording transport that collects Prism's `sl-violations`, and the documented
//! preprocessing of spec copies (see `tests/tests/prism.rs`).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keyvault_runtime::http::{BoxFuture, HttpClient, RawResponse, Request};
use keyvault_runtime::transport::HyperTransport;
use serde_json::Value;

/// The challenge the preprocessed data-plane specs answer unauthenticated requests with.
pub const CHALLENGE: &str = r#"Bearer authorization="https://login.microsoftonline.com/prism-tenant", resource="http://127.0.0.1""#;

/// A Prism server, stopped (by its own pid) when dropped.
pub struct Prism {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Prism {
    /// `prism mock` of a spec.
    pub fn mock(spec: &Path) -> Prism {
        Self::start(&["mock"], spec, None)
    }

    /// `prism proxy` of a spec in front of `upstream`; responses and requests are validated
    /// and violations reported in `sl-violations`.
    pub fn proxy(spec: &Path, upstream: &str) -> Prism {
        Self::start(&["proxy"], spec, Some(upstream))
    }

    fn start(mode: &[&str], spec: &Path, upstream: Option<&str>) -> Prism {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let cli = root.join("tests/prism/node_modules/@stoplight/prism-cli/dist/index.js");
        assert!(
            cli.exists(),
            "Prism is not installed: run `npm ci --prefix tests/prism` (scripts/test.sh does)"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = Command::new("node");
        command
            .arg(&cli)
            .args(mode)
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-v", "error"])
            .arg(spec);
        if let Some(upstream) = upstream {
            command.arg(upstream);
        }
        let child = command
            .env("SCARF_ANALYTICS", "false")
            .env("DO_NOT_TRACK", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs");
        let prism = Prism {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "Prism did not start for {}",
                spec.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        prism
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request as the transport sent it and Prism answered it.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// `METHOD path`.
    pub request: String,
    /// Whether it carried a bearer token.
    pub authorized: bool,
    /// The status Prism answered.
    pub status: u16,
    /// Prism's `sl-violations` header, when present.
    pub violations: Option<String>,
}

impl Exchange {
    /// The violations on the given side (`request` or `response`).
    pub fn violations_of(&self, side: &str) -> Vec<Value> {
        let parsed: Vec<Value> = self
            .violations
            .as_deref()
            .and_then(|v| serde_json::from_str(v).ok())
            .unwrap_or_default();
        parsed
            .into_iter()
            .filter(|v| v["location"][0] == side)
            .collect()
    }
}

/// The real transport, recording every exchange.
#[derive(Debug, Clone)]
pub struct Recording {
    inner: Arc<HyperTransport>,
    /// Every exchange so far.
    pub log: Arc<Mutex<Vec<Exchange>>>,
}

impl Recording {
    /// Records through a default transport.
    pub fn new(inner: HyperTransport) -> Self {
        Recording {
            inner: Arc::new(inner),
            log: Arc::new(Mutex::new(Vec::new())),
        }
    }
}

impl HttpClient for Recording {
    fn execute<'a>(
        &'a self,
        request: &'a Request,
    ) -> BoxFuture<'a, keyvault_runtime::Result<RawResponse>> {
        Box::pin(async move {
            let response = self.inner.execute(request).await?;
            self.log.lock().unwrap().push(Exchange {
                request: format!("{} {}", request.method, request.url.path()),
                authorized: request.headers.contains_key("authorization"),
                status: response.status.as_u16(),
                violations: response.header("sl-violations").map(str::to_owned),
            });
            Ok(response)
        })
    }
}

/// Copies the synced specs and preprocesses the entry files (`(path, data plane)` pairs; see
/// `tests/tests/prism.rs` for each step and why).
pub fn preprocess(specs: &Path, out: &Path, entries: &[(String, bool)]) {
    copy_dir(specs, out);
    for (entry, challenge) in entries {
        let path = out.join(entry);
        let mut spec: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        if *challenge && spec.get("security").is_none() {
            spec["securityDefinitions"] = serde_json::json!({"OAuth2Auth": {
                "type": "oauth2",
                "flow": "implicit",
                "authorizationUrl": "https://login.microsoftonline.com/common/oauth2/authorize",
                "scopes": {"https://vault.azure.net/.default": ""}
            }});
            spec["security"] =
                serde_json::json!([{"OAuth2Auth": ["https://vault.azure.net/.default"]}]);
        }
        if let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) {
            let scoped: Vec<(String, Value)> = paths
                .iter()
                .filter_map(|(k, v)| {
                    let rest = k.strip_prefix("/{scope}")?;
                    let mut item = v.clone();
                    for op in item.as_object_mut()?.values_mut() {
                        let Some(op) = op.as_object_mut() else {
                            continue;
                        };
                        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut)
                        {
                            params
                                .retain(|p| p.get("name").and_then(Value::as_str) != Some("scope"));
                        }
                        if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                            let id = format!("{id}GlobalScope");
                            op.insert("operationId".into(), Value::from(id));
                        }
                    }
                    Some((rest.to_owned(), item))
                })
                .collect();
            for (path, item) in scoped {
                paths.insert(path, item);
            }
        }
        for section in ["paths", "x-ms-paths"] {
            let Some(paths) = spec.get_mut(section).and_then(Value::as_object_mut) else {
                continue;
            };
            for item in paths.values_mut() {
                for op in item.as_object_mut().unwrap().values_mut() {
                    let Some(op) = op.as_object_mut() else {
                        continue;
                    };
                    if !op.contains_key("responses") {
                        continue;
                    }
                    op.remove("x-ms-examples");
                    if *challenge {
                        op["responses"].as_object_mut().unwrap().insert(
                            "401".into(),
                            serde_json::json!({
                                "description": "Key Vault's authentication challenge.",
                                "headers": {"WWW-Authenticate": {"type": "string", "default": CHALLENGE}}
                            }),
                        );
                    }
                }
            }
        }
        std::fs::write(&path, serde_json::to_vec(&spec).unwrap()).unwrap();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A folder removed when dropped.
pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
