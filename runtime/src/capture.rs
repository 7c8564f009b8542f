//! A transport for tests: records every request and answers with queued responses, so a test
//! can assert the exact request a generated method builds and feed it a canned answer.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::http::{BoxFuture, HeaderMap, HttpClient, RawResponse, Request, StatusCode};

/// Records requests and replays queued responses in order.
#[derive(Debug, Clone, Default)]
pub struct CaptureTransport {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    requests: Vec<Request>,
    responses: VecDeque<RawResponse>,
}

impl CaptureTransport {
    /// A transport with no queued responses.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues a response for the next request that has none yet.
    pub fn push_response(&self, response: RawResponse) {
        self.lock().responses.push_back(response);
    }

    /// Queues a JSON response with the given status.
    pub fn push_json(&self, status: u16, body: &serde_json::Value) {
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            "application/json".parse().expect("static header"),
        );
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        self.push_response(RawResponse::new(
            status,
            headers,
            Bytes::from(body.to_string()),
        ));
    }

    /// Every request sent so far, oldest first.
    pub fn requests(&self) -> Vec<Request> {
        self.lock().requests.clone()
    }

    /// The most recent request, if any.
    pub fn last_request(&self) -> Option<Request> {
        self.lock().requests.last().cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panicking test thread must not hide the requests from the next assertion.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl HttpClient for CaptureTransport {
    fn execute<'a>(&'a self, request: &'a Request) -> BoxFuture<'a, Result<RawResponse>> {
        let mut state = self.lock();
        state.requests.push(request.clone());
        let response = state.responses.pop_front();
        drop(state);
        Box::pin(async move {
            response.ok_or_else(|| {
                Error::transport(
                    "capture transport has no queued response",
                    format!("{} {}", request.method, request.url.path()),
                )
            })
        })
    }
}
