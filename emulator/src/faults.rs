//! Fault injection, for testing a client's retry handling: a share of requests (or exactly the
//! next N) answered with `429 Too Many Requests` and `Retry-After`, `503 Service Unavailable`,
//! or a connection reset, and latency added to every request. Set at start
//! ([`FaultSettings`], flags `--fault`, `--fault-share`, `--fault-count`, `--retry-after`,
//! `--latency-ms`) or at run time through `PUT /_emulator/faults` (the same fields as JSON;
//! `GET` shows them with how many faults were injected, `DELETE` clears them). The token
//! endpoint and `/_emulator/` itself are never faulted.

use std::time::Duration;

use hyper::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::http::{bad_parameter, error, ok, Req, Resp};

/// What a faulted request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultKind {
    /// `429 Too Many Requests` with `Retry-After` (Key Vault's throttling answer).
    Throttle,
    /// `503 Service Unavailable` with `Retry-After`.
    Unavailable,
    /// The connection is closed without an answer (HTTP/2: the stream is reset).
    Reset,
}

impl std::str::FromStr for FaultKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "throttle" | "429" => Ok(FaultKind::Throttle),
            "unavailable" | "503" => Ok(FaultKind::Unavailable),
            "reset" => Ok(FaultKind::Reset),
            other => Err(format!(
                "unknown fault `{other}`: use throttle (429), unavailable (503) or reset"
            )),
        }
    }
}

/// Which requests fail, and how; plus latency for all of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct FaultSettings {
    /// The fault; none when absent (latency alone may still apply).
    #[serde(default)]
    pub kind: Option<FaultKind>,
    /// The share of requests that get it, 0 to 1 (1 when absent).
    #[serde(default)]
    pub share: Option<f64>,
    /// Only this many faults, then none (deterministic with `share` 1: exactly the next N).
    #[serde(default)]
    pub count: Option<u64>,
    /// The `Retry-After` seconds of 429 and 503 answers (1 when absent).
    #[serde(default)]
    pub retry_after_seconds: Option<u64>,
    /// Added before every request is answered.
    #[serde(default)]
    pub latency_ms: Option<u64>,
}

impl FaultSettings {
    /// `kind` for every request.
    pub fn new(kind: FaultKind) -> Self {
        FaultSettings {
            kind: Some(kind),
            ..FaultSettings::default()
        }
    }

    /// Only a share (0 to 1) of requests.
    pub fn with_share(mut self, share: f64) -> Self {
        self.share = Some(share);
        self
    }

    /// Only the next `count` faults.
    pub fn with_count(mut self, count: u64) -> Self {
        self.count = Some(count);
        self
    }

    /// The `Retry-After` of 429 and 503 answers.
    pub fn with_retry_after_seconds(mut self, seconds: u64) -> Self {
        self.retry_after_seconds = Some(seconds);
        self
    }

    /// Latency added to every request.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency_ms = Some(latency.as_millis() as u64);
        self
    }

    /// The settings, or why they cannot work.
    pub(crate) fn check(&self) -> Result<(), String> {
        if let Some(share) = self.share {
            if !(0.0..=1.0).contains(&share) {
                return Err(format!("share must be between 0 and 1, not {share}"));
            }
        }
        if self.latency_ms.is_some_and(|ms| ms > 600_000) {
            return Err("latencyMs is at most 600000 (10 minutes)".to_owned());
        }
        Ok(())
    }
}

/// The settings in force and what they did.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    settings: FaultSettings,
    injected: u64,
}

/// What to do with one request: wait `latency`, then answer it normally unless `fault` says
/// otherwise.
pub(crate) struct Decision {
    pub(crate) latency: Duration,
    pub(crate) fault: Option<Fault>,
}

/// An injected fault.
pub(crate) enum Fault {
    /// Answer with this instead.
    Respond(Resp),
    /// Close the connection.
    Reset,
}

impl Faults {
    pub(crate) fn new(settings: FaultSettings) -> Faults {
        Faults {
            settings,
            injected: 0,
        }
    }

    /// Decides for the next request.
    pub(crate) fn decide(&mut self) -> Decision {
        Decision {
            latency: Duration::from_millis(self.settings.latency_ms.unwrap_or(0)),
            fault: self.fault(),
        }
    }

    /// The fault for the next request, if it gets one (counted).
    fn fault(&mut self) -> Option<Fault> {
        let kind = self.settings.kind?;
        if self
            .settings
            .count
            .is_some_and(|count| self.injected >= count)
        {
            return None;
        }
        let share = self.settings.share.unwrap_or(1.0);
        if share < 1.0 && random_unit() >= share {
            return None;
        }
        self.injected += 1;
        let retry_after = self.settings.retry_after_seconds.unwrap_or(1);
        let answer = |status: StatusCode, code: &str, message: &str| {
            let mut response = error(status, code, message);
            if let Ok(value) = hyper::header::HeaderValue::from_str(&retry_after.to_string()) {
                response
                    .headers_mut()
                    .insert(hyper::header::RETRY_AFTER, value);
            }
            Fault::Respond(response)
        };
        Some(match kind {
            FaultKind::Throttle => answer(
                StatusCode::TOO_MANY_REQUESTS,
                "Throttled",
                "Rate limit is exceeded. Try again in a few seconds. (Injected by the emulator.)",
            ),
            FaultKind::Unavailable => answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "The service is unavailable. (Injected by the emulator.)",
            ),
            FaultKind::Reset => Fault::Reset,
        })
    }

    /// `/_emulator/faults`: GET shows, PUT replaces, DELETE clears.
    pub(crate) fn handle(&mut self, req: &Req) -> Resp {
        match req.method {
            Method::GET => {}
            Method::PUT => {
                let settings: FaultSettings = match req.json() {
                    Ok(settings) => settings,
                    Err(response) => return response,
                };
                if let Err(why) = settings.check() {
                    return bad_parameter(&why);
                }
                *self = Faults::new(settings);
            }
            Method::DELETE => *self = Faults::default(),
            _ => return crate::http::no_route(req),
        }
        ok(json!({"settings": self.settings, "injected": self.injected}))
    }
}

/// A uniform number in [0, 1) from the operating system's generator.
fn random_unit() -> f64 {
    let bytes: [u8; 8] = crate::material::random(8).try_into().unwrap_or_default();
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}
