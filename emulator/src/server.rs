//! The listener: HTTPS (self-signed, HTTP/2 and HTTP/1.1) or plain http, each request read
//! whole, routed, and answered; the accept loop stops when the [`Emulator`] is dropped.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

use crate::http::{bad_parameter, Req};
use crate::store::State;

/// The largest request body accepted.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// How to run the emulator.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EmulatorOptions {
    /// Where to listen (`127.0.0.1:0` picks a free port).
    pub addr: SocketAddr,
    /// Serve HTTPS (default) or plain http (loopback only).
    pub tls: bool,
    /// Accept only tokens the emulator's token endpoint issued.
    pub strict_auth: bool,
    /// How long a deletion stays "in progress" (the deleted object cannot be read, recovered
    /// or purged yet), as on the service.
    pub delete_delay: Duration,
    /// Extra host names for the server certificate made at start (any other
    /// `{vault}.localhost` gets a certificate of its own on its first handshake).
    pub extra_names: Vec<String>,
    /// Faults and latency injected from the start (also settable at run time).
    pub faults: crate::faults::FaultSettings,
    /// How far ahead of real time the emulator's clock starts (also movable at run time).
    pub clock_offset: Duration,
    /// Vaults named at start: each is also served on a port of its own (see
    /// [`Emulator::vault_url`]) and its `{name}.localhost` is in the certificate.
    pub vaults: Vec<String>,
    /// Host names (lower case) that address a vault of another name: `(host, vault)`.
    pub aliases: Vec<(String, String)>,
    /// Load the state from this file at start (when it exists) and write it there after
    /// every change; `None` (the default) keeps it in memory only.
    pub state_file: Option<std::path::PathBuf>,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        EmulatorOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: true,
            strict_auth: false,
            delete_delay: Duration::from_millis(200),
            extra_names: Vec::new(),
            faults: crate::faults::FaultSettings::default(),
            clock_offset: Duration::ZERO,
            vaults: Vec::new(),
            aliases: Vec::new(),
            state_file: None,
        }
    }
}

impl EmulatorOptions {
    /// Plain http instead of HTTPS.
    pub fn with_plain_http(mut self) -> Self {
        self.tls = false;
        self
    }

    /// Listens on `addr`.
    pub fn with_addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Accepts only tokens it issued.
    pub fn with_strict_auth(mut self, strict: bool) -> Self {
        self.strict_auth = strict;
        self
    }

    /// Starts the emulator's clock this far ahead of real time.
    pub fn with_clock_offset(mut self, offset: Duration) -> Self {
        self.clock_offset = offset;
        self
    }

    /// Injects faults (and latency) from the start.
    pub fn with_faults(mut self, faults: crate::faults::FaultSettings) -> Self {
        self.faults = faults;
        self
    }

    /// Sets how long deletions take.
    pub fn with_delete_delay(mut self, delay: Duration) -> Self {
        self.delete_delay = delay;
        self
    }

    /// Persists the state in `path`: loaded at start when the file exists, written after every
    /// change before the answer is sent (atomically: a kill leaves the old or the new state).
    pub fn with_state_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Names a vault at start: it is also served on a port of its own, and
    /// `{name}.localhost` is in the certificate. (Any vault name works without this, on the
    /// main port: by host name `{name}.localhost` or by path `/vaults/{name}`.)
    pub fn with_vault(mut self, name: &str) -> Self {
        self.vaults.push(name.to_ascii_lowercase());
        self
    }

    /// Requests addressed to `host` (a host name, without port) go to the vault `vault`; the
    /// name is added to the certificate.
    pub fn with_alias(mut self, host: &str, vault: &str) -> Self {
        self.aliases
            .push((host.to_ascii_lowercase(), vault.to_ascii_lowercase()));
        self
    }
}

/// Which vault a request addresses, from its host (without port, lower case): an alias, else
/// `{vault}.localhost`, else the host itself.
pub(crate) fn vault_of_host<'a>(host: &'a str, aliases: &'a [(String, String)]) -> &'a str {
    if let Some((_, vault)) = aliases.iter().find(|(alias, _)| alias == host) {
        return vault;
    }
    match host.strip_suffix(".localhost") {
        Some(vault) if !vault.is_empty() => vault,
        _ => host,
    }
}

/// Whether `name` can name a vault: a DNS label (letters, digits and hyphens, 1 to 63).
fn valid_vault_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// What the handlers need to know about the configuration.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) delete_delay: Duration,
    pub(crate) strict_auth: bool,
    pub(crate) tenant: String,
    /// `(host, vault)` pairs: see [`EmulatorOptions::with_alias`].
    pub(crate) aliases: Vec<(String, String)>,
}

/// A running emulator; stops when dropped.
pub struct Emulator {
    addr: SocketAddr,
    pem: Option<String>,
    task: tokio::task::JoinHandle<()>,
    /// The named vaults' own listeners: name, port, task.
    named: Vec<(String, u16, tokio::task::JoinHandle<()>)>,
    _state: Arc<State>,
}

/// What every listener shares.
struct ServeContext {
    state: std::sync::Weak<State>,
    /// Ends (`changed` fails) when the state is dropped: the emulator has stopped.
    stopped: tokio::sync::watch::Receiver<()>,
    settings: Arc<Settings>,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    scheme: &'static str,
}

/// Accepts connections on `listener` until aborted; `vault` fixes the vault its requests
/// address (a management-created vault's own port).
fn serve(
    listener: TcpListener,
    context: Arc<ServeContext>,
    vault: Option<String>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let (context, vault) = (context.clone(), vault.clone());
            tokio::spawn(async move {
                let mut stopped = context.stopped.clone();
                tokio::select! {
                    () = serve_connection(stream, context, vault) => {}
                    // The sender is only ever dropped, never sent on.
                    _ = stopped.changed() => {}
                }
            });
        }
    })
}

/// Serves one accepted connection (TLS when the emulator has an acceptor).
async fn serve_connection(
    stream: tokio::net::TcpStream,
    context: Arc<ServeContext>,
    vault: Option<String>,
) {
    let acceptor = context.acceptor.clone();
    let service = hyper::service::service_fn(move |request| {
        let (context, vault) = (context.clone(), vault.clone());
        async move {
            match context.state.upgrade() {
                Some(state) => {
                    handle(
                        &state,
                        &context.settings,
                        context.scheme,
                        vault.as_deref(),
                        request,
                    )
                    .await
                }
                None => Ok(crate::http::empty(hyper::StatusCode::SERVICE_UNAVAILABLE)),
            }
        }
    });
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    match acceptor {
        Some(acceptor) => {
            if let Ok(tls) = acceptor.accept(stream).await {
                let _ = builder.serve_connection(TokioIo::new(tls), service).await;
            }
        }
        None => {
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        }
    }
}

impl Emulator {
    /// Starts listening and returns once the socket is bound.
    pub async fn start(options: EmulatorOptions) -> std::io::Result<Emulator> {
        if !options.tls && !options.addr.ip().is_loopback() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "plain http is only served on loopback addresses",
            ));
        }
        for name in options
            .vaults
            .iter()
            .chain(options.aliases.iter().map(|(_, vault)| vault))
        {
            if !valid_vault_name(name) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("`{name}` is not a vault name: 1 to 63 letters, digits and hyphens"),
                ));
            }
        }
        let mut names = options.extra_names.clone();
        names.extend(options.vaults.iter().map(|v| format!("{v}.localhost")));
        names.extend(options.aliases.iter().map(|(host, _)| host.clone()));
        let tls = if options.tls {
            let kept_ca = options.state_file.as_deref().map(crate::tls::kept_ca_path);
            Some(crate::tls::server(&names, kept_ca.as_deref())?)
        } else {
            None
        };
        let listener = TcpListener::bind(options.addr).await?;
        let addr = listener.local_addr()?;
        let pem = tls.as_ref().map(|t| t.pem.clone());
        let acceptor = tls.map(|t| tokio_rustls::TlsAcceptor::from(t.config));
        options
            .faults
            .check()
            .map_err(|why| std::io::Error::new(std::io::ErrorKind::InvalidInput, why))?;
        let (state_file, snapshot) = match &options.state_file {
            Some(path) => {
                let (file, snapshot) = crate::persist::StateFile::open(path)?;
                (Some(file), snapshot)
            }
            None => (None, None),
        };
        let state = Arc::new(State {
            state_file,
            ..State::default()
        });
        *state
            .faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            crate::faults::Faults::new(options.faults.clone());
        *state
            .clock_offset
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = options.clock_offset;
        let settings = Arc::new(Settings {
            delete_delay: options.delete_delay,
            strict_auth: options.strict_auth,
            tenant: "00000000-0000-0000-0000-00000000e001".to_owned(),
            aliases: options.aliases.clone(),
        });
        let scheme = if acceptor.is_some() { "https" } else { "http" };
        let context = Arc::new(ServeContext {
            state: Arc::downgrade(&state),
            stopped: state.stopped.subscribe(),
            settings,
            acceptor,
            scheme,
        });
        // Vaults created through the management plane get a listener of their own (same
        // address, another port), so their `vaultUri` is a plain host URL as clients expect.
        let ip = addr.ip();
        let spawner_context = context.clone();
        *state
            .vault_listeners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(Box::new(move |vault: &str, port: u16| {
                let listener = std::net::TcpListener::bind((ip, port))
                    .or_else(|_| std::net::TcpListener::bind((ip, 0)))?;
                listener.set_nonblocking(true)?;
                let port = listener.local_addr()?.port();
                let listener = TcpListener::from_std(listener)?;
                Ok((
                    port,
                    serve(listener, spawner_context.clone(), Some(vault.to_owned())),
                ))
            }));
        if let Some(snapshot) = snapshot {
            snapshot.restore(&state);
        }
        let mut named = Vec::new();
        for name in &options.vaults {
            let (port, task) = state.start_vault_listener(name, 0)?;
            named.push((name.clone(), port, task));
        }
        let task = serve(listener, context, None);
        Ok(Emulator {
            addr,
            pem,
            task,
            named,
            _state: state,
        })
    }

    /// The URL of a vault named at start ([`EmulatorOptions::with_vault`]) on its own port:
    /// `https://127.0.0.1:PORT`, which every client can reach without name resolution.
    pub fn vault_url(&self, name: &str) -> Option<String> {
        let (_, port, _) = self
            .named
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(name))?;
        let mut addr = self.addr;
        addr.set_port(*port);
        Some(format!("{}://{addr}", self.scheme()))
    }

    /// `https://{name}.localhost:PORT`: any vault by name on the main port. `*.localhost`
    /// resolves to loopback in this SDK's transport, curl, browsers and with systemd-resolved
    /// or macOS; elsewhere (the C library alone) use [`Emulator::vault_url`] or an alias.
    pub fn vault_host_url(&self, name: &str) -> String {
        format!(
            "{}://{}.localhost:{}",
            self.scheme(),
            name.to_ascii_lowercase(),
            self.addr.port()
        )
    }

    /// The names of the vaults named at start, with their own ports' URLs.
    pub fn named_vaults(&self) -> impl Iterator<Item = (&str, String)> + '_ {
        self.named
            .iter()
            .map(|(name, _, _)| (name.as_str(), self.vault_url(name).unwrap_or_default()))
    }

    /// A new token accepted by this emulator (also with strict auth).
    pub(crate) fn issue_token(&self) -> String {
        crate::auth::issue_token(&self._state)
    }

    fn scheme(&self) -> &'static str {
        if self.pem.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://127.0.0.1:PORT` (or `http://` when serving plain http): the vault URL of a
    /// vault named by its host; any host name that resolves here works too.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme(), self.addr)
    }

    /// The certificate (PEM) to trust: the emulator's own CA, made at start, which signs the
    /// server certificates of every host name it serves; empty for plain http.
    pub fn certificate_pem(&self) -> &str {
        self.pem.as_deref().unwrap_or("")
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.task.abort();
        for (_, _, task) in &self.named {
            task.abort();
        }
        self._state.stop_vault_listeners();
    }
}

async fn handle(
    state: &State,
    settings: &Settings,
    scheme: &str,
    fixed_vault: Option<&str>,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, std::io::Error> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return Ok(bad_parameter(
                "The request body is too large or was cut off.",
            ))
        }
    };
    let host = parts
        .uri
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| {
            parts
                .headers
                .get(hyper::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "localhost".to_owned());
    let bare_host = crate::http::split_authority(&host)
        .map_or(host.as_str(), |(h, _)| h)
        .to_ascii_lowercase();
    let vault = vault_of_host(&bare_host, &settings.aliases).to_owned();
    let path = parts.uri.path();
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let segments = if segments.len() == 1 && segments[0].is_empty() {
        Vec::new()
    } else {
        segments
    };
    let query: BTreeMap<String, String> = parts
        .uri
        .query()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    // `/vaults/{name}/...` selects a vault by path, so any number of vaults share one host
    // (management `vaultUri`s point there).
    let (segments, base, vault) = match segments.as_slice() {
        [first, name, ..] if first == "vaults" && !name.is_empty() => (
            segments[2..].to_vec(),
            format!("{scheme}://{host}/vaults/{name}"),
            name.to_ascii_lowercase(),
        ),
        _ => (
            segments,
            format!("{scheme}://{host}"),
            fixed_vault.map(str::to_owned).unwrap_or(vault),
        ),
    };
    let req = Req {
        method: parts.method,
        segments,
        query,
        headers: parts.headers,
        body,
        base,
        origin: format!("{scheme}://{host}"),
        vault,
    };
    // The emulator's own endpoints, never faulted; nor is the token endpoint (the faults
    // stand for the vault's throttling and outages).
    let offset = *state
        .clock_offset
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if req.segments.first().map(String::as_str) == Some("_emulator") {
        return Ok(crate::clock::with_offset(offset, || {
            persisted(state, control(state, &req))
        }));
    }
    let token_request = req.segments.len() == 4 && req.segments[1] == "oauth2";
    if !token_request {
        let decision = state
            .faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .decide();
        if !decision.latency.is_zero() {
            tokio::time::sleep(decision.latency).await;
        }
        match decision.fault {
            None => {}
            Some(crate::faults::Fault::Respond(response)) => return Ok(response),
            Some(crate::faults::Fault::Reset) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected connection reset",
                ))
            }
        }
    }
    Ok(crate::clock::with_offset(offset, || {
        persisted(state, crate::router::route(state, settings, &req))
    }))
}

/// `response`, once the state it may have changed is in the state file (if there is one); a
/// failed write is a 500 naming why, since the change would not survive a restart.
fn persisted(
    state: &State,
    response: hyper::Response<Full<Bytes>>,
) -> hyper::Response<Full<Bytes>> {
    match &state.state_file {
        Some(file) => match file.save(state) {
            Ok(()) => response,
            Err(e) => crate::http::error(
                hyper::StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                &format!("the change was made but the state file could not be written: {e}"),
            ),
        },
        None => response,
    }
}

/// `/_emulator/...`: the emulator's controls (faults, clock).
fn control(state: &State, req: &Req) -> hyper::Response<Full<Bytes>> {
    match req.segments.get(1).map(String::as_str) {
        Some("clock") if req.segments.len() == 2 => clock(state, req),
        Some("state") if req.segments.len() == 2 => state_control(state, req),
        Some("faults") if req.segments.len() == 2 => state
            .faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .handle(req),
        _ => crate::http::no_route(req),
    }
}

/// `/_emulator/state`: `GET` exports the whole state (the `--state` file's JSON), `PUT`
/// replaces the state with one exported before.
fn state_control(state: &State, req: &Req) -> hyper::Response<Full<Bytes>> {
    match req.method {
        hyper::Method::GET => crate::http::ok(
            serde_json::to_value(crate::persist::Snapshot::take(state)).unwrap_or_default(),
        ),
        hyper::Method::PUT => match crate::persist::Snapshot::parse(&req.body) {
            Ok(snapshot) => {
                snapshot.restore(state);
                crate::http::empty(hyper::StatusCode::NO_CONTENT)
            }
            Err(why) => bad_parameter(&why),
        },
        _ => crate::http::no_route(req),
    }
}

/// `/_emulator/clock`: `GET` shows the emulator's now and offset; `POST` with
/// `{"advanceSeconds": N}` or `{"advance": "P30D"}` moves it forward.
fn clock(state: &State, req: &Req) -> hyper::Response<Full<Bytes>> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Advance {
        advance_seconds: Option<u64>,
        advance: Option<String>,
    }
    let mut offset = state
        .clock_offset
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match req.method {
        hyper::Method::GET => {}
        hyper::Method::POST => {
            let advance: Advance = match req.json() {
                Ok(advance) => advance,
                Err(response) => return response,
            };
            let seconds = match (advance.advance_seconds, advance.advance.as_deref()) {
                (Some(seconds), None) => seconds,
                (None, Some(text)) => match crate::clock::parse_iso_duration(text) {
                    Some(seconds) => seconds as u64,
                    None => {
                        return bad_parameter(&format!(
                            "advance `{text}` is not an ISO 8601 duration such as P30D or PT1H"
                        ))
                    }
                },
                _ => return bad_parameter("give one of advanceSeconds or advance"),
            };
            // At most 100 years in all: far enough for any test, and no overflow.
            match offset.checked_add(Duration::from_secs(seconds)) {
                Some(next)
                    if next <= Duration::from_secs(crate::persist::MAX_CLOCK_OFFSET_SECONDS) =>
                {
                    *offset = next
                }
                _ => return bad_parameter("the clock can move at most 100 years ahead"),
            }
        }
        _ => return crate::http::no_route(req),
    }
    let offset = *offset;
    let now = crate::clock::with_offset(offset, crate::store::now_rfc3339);
    crate::http::ok(serde_json::json!({"now": now, "offsetSeconds": offset.as_secs()}))
}
