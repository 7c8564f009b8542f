//! The shape every Key Vault pseudo-LRO shares: one request starts it, then a GET is repeated
//! until the item exists (404 means "not yet"). Resumable from a token naming the vault and
//! item.

use keyvault_runtime::http::{BoxFuture, Request, StatusCode, Url};
use keyvault_runtime::poller::{decode_token, encode_token};
use keyvault_runtime::{
    Context, Error, Pipeline, PollOperation, PollStatus, Poller, PollerOptions, Progress, Result,
};
use serde::{Deserialize, Serialize};

/// What a continuation token holds: which vault and which item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Saved {
    pub(crate) vault: Url,
    pub(crate) name: String,
}

/// Decodes a token for `kind` and checks it belongs to this client's vault.
pub(crate) fn saved_for(kind: &str, token: &str, vault: &Url) -> Result<Saved> {
    let saved: Saved = decode_token(kind, token)?;
    if saved.vault.origin() != vault.origin() {
        return Err(Error::invalid_input(
            "continuation_token",
            "belongs to another vault than this client's",
        ));
    }
    Ok(saved)
}

/// A start request (if not yet sent) followed by polling `probe` until it answers 200.
pub(crate) struct ProbeOperation<T> {
    pub(crate) kind: &'static str,
    pub(crate) ctx: Context,
    pub(crate) pipeline: Pipeline,
    pub(crate) saved: Saved,
    /// The request that starts the operation; `None` once sent (or when resumed).
    pub(crate) start: Option<Result<Request>>,
    /// Whether the start response already is the result (e.g. no soft delete).
    pub(crate) done_at_start: fn(&[u8]) -> bool,
    pub(crate) probe: Result<Request>,
    pub(crate) decode: fn(&[u8]) -> Result<T>,
    pub(crate) result: Option<Vec<u8>>,
}

/// Everything that distinguishes one pseudo-LRO from another.
pub(crate) struct Spec<T> {
    /// The token kind, e.g. `kv-delete-secret`.
    pub(crate) kind: &'static str,
    /// The operation id for diagnostics.
    pub(crate) operation_id: &'static str,
    pub(crate) done_at_start: fn(&[u8]) -> bool,
    pub(crate) decode: fn(&[u8]) -> Result<T>,
}

impl<T: Send + 'static> ProbeOperation<T> {
    /// A poller that sends `start` (unless resuming, `None`) and then polls `probe`.
    pub(crate) fn poller(
        spec: Spec<T>,
        pipeline: &Pipeline,
        vault: &Url,
        name: String,
        start: Option<Result<Request>>,
        probe: Result<Request>,
    ) -> Poller<T> {
        Poller::new(
            ProbeOperation {
                kind: spec.kind,
                ctx: Context::new(spec.operation_id),
                pipeline: pipeline.clone(),
                saved: Saved {
                    vault: vault.clone(),
                    name,
                },
                start,
                done_at_start: spec.done_at_start,
                probe,
                decode: spec.decode,
                result: None,
            },
            PollerOptions::with_interval(crate::DELETE_RECOVER_INTERVAL),
        )
    }

    async fn send(&self, mut request: Request) -> Result<keyvault_runtime::http::RawResponse> {
        self.pipeline.send(&self.ctx, &mut request).await
    }
}

impl<T: Send + 'static> PollOperation for ProbeOperation<T> {
    type Output = T;

    fn poll(&mut self) -> BoxFuture<'_, Result<Progress>> {
        Box::pin(async move {
            if self.result.is_some() {
                return Ok(Progress::new(PollStatus::Succeeded, None));
            }
            if let Some(start) = self.start.take() {
                let response = self.send(start?).await?;
                if !response.status.is_success() {
                    return Err(keyvault_runtime::response::unexpected(response));
                }
                if (self.done_at_start)(&response.body) {
                    self.result = Some(response.body.to_vec());
                    return Ok(Progress::new(PollStatus::Succeeded, Some(response)));
                }
                return Ok(Progress::new(
                    PollStatus::InProgress("Started".into()),
                    Some(response),
                ));
            }
            let probe = match &self.probe {
                Ok(request) => request.clone(),
                Err(e) => return Err(Error::invalid_input("name", e.to_string())),
            };
            let response = self.send(probe).await?;
            match response.status {
                StatusCode::NOT_FOUND => Ok(Progress::new(
                    PollStatus::InProgress("NotFoundYet".into()),
                    Some(response),
                )),
                s if s.is_success() => {
                    self.result = Some(response.body.to_vec());
                    Ok(Progress::new(PollStatus::Succeeded, Some(response)))
                }
                _ => Err(keyvault_runtime::response::unexpected(response)),
            }
        })
    }

    fn result(&mut self) -> BoxFuture<'_, Result<T>> {
        Box::pin(async move {
            match &self.result {
                Some(body) => (self.decode)(body),
                None => Err(Error::poller("the operation has not finished yet", None)),
            }
        })
    }

    fn continuation_token(&self) -> Result<String> {
        if self.start.is_some() {
            return Err(Error::poller(
                "the operation has not started yet; step the poller once first",
                None,
            ));
        }
        encode_token(self.kind, &self.saved)
    }

    fn name(&self) -> &str {
        self.kind
    }
}

/// Whether a deleted item's body says the vault keeps it (soft delete): its
/// `attributes.recoveryLevel` allows recovery. Without soft delete a delete is final at once.
pub(crate) fn recoverable(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.pointer("/attributes/recoveryLevel")
                .and_then(|l| l.as_str())
                .map(|l| l.contains("Recoverable"))
        })
        .unwrap_or(false)
}

/// A delete is finished at once unless the item is recoverable.
pub(crate) fn delete_done_at_start(body: &[u8]) -> bool {
    !recoverable(body)
}

/// A recover always waits for the item to be readable.
pub(crate) fn never(_: &[u8]) -> bool {
    false
}

/// Decodes a JSON body.
pub(crate) fn json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T> {
    keyvault_runtime::response::decode_json(body)
}

/// Defines the delete/recover poller trait of one item type (secrets, keys, certificates) and
/// implements it for its client; the three differ only in names.
macro_rules! delete_recover_pollers {
    (
        trait $trait:ident for $client:ty, item $item:literal {
            deleted: $deleted:ty, bundle: $bundle:ty,
            delete: $delete:ident, get_deleted: $get_deleted:ident,
            recover: $recover:ident, get: $get:ident,
            begin_delete: $begin_delete:ident, resume_delete: $resume_delete:ident,
            begin_recover: $begin_recover:ident, resume_recover: $resume_recover:ident,
            kinds: ($delete_kind:literal, $recover_kind:literal),
            operations: ($delete_op:literal, $recover_op:literal) $(,)?
        }
    ) => {
        #[doc = concat!("Long-running forms of the ", $item, " client's delete and recover.")]
        pub trait $trait {
            #[doc = concat!("Deletes a ", $item, "; the poller ends when the deleted ", $item,
                " can be read (at once when the vault has no soft delete). Purging is safe afterwards.")]
            fn $begin_delete(&self, name: impl Into<String>) -> keyvault_runtime::Poller<$deleted>;
            #[doc = concat!("Resumes `", stringify!($begin_delete), "` from its continuation token.")]
            fn $resume_delete(&self, token: &str) -> keyvault_runtime::Result<keyvault_runtime::Poller<$deleted>>;
            #[doc = concat!("Recovers a deleted ", $item, "; the poller ends when it can be read again.")]
            fn $begin_recover(&self, name: impl Into<String>) -> keyvault_runtime::Poller<$bundle>;
            #[doc = concat!("Resumes `", stringify!($begin_recover), "` from its continuation token.")]
            fn $resume_recover(&self, token: &str) -> keyvault_runtime::Result<keyvault_runtime::Poller<$bundle>>;
        }

        impl $trait for $client {
            fn $begin_delete(&self, name: impl Into<String>) -> keyvault_runtime::Poller<$deleted> {
                let name = name.into();
                let start = self.$delete(name.clone()).build_request();
                let probe = self.$get_deleted(name.clone()).build_request();
                $crate::probe::ProbeOperation::poller(
                    $crate::probe::Spec {
                        kind: $delete_kind,
                        operation_id: $delete_op,
                        done_at_start: $crate::probe::delete_done_at_start,
                        decode: $crate::probe::json,
                    },
                    self.pipeline(), self.endpoint(), name, Some(start), probe,
                )
            }

            fn $resume_delete(&self, token: &str) -> keyvault_runtime::Result<keyvault_runtime::Poller<$deleted>> {
                let saved = $crate::probe::saved_for($delete_kind, token, self.endpoint())?;
                let probe = self.$get_deleted(saved.name.clone()).build_request();
                Ok($crate::probe::ProbeOperation::poller(
                    $crate::probe::Spec {
                        kind: $delete_kind,
                        operation_id: $delete_op,
                        done_at_start: $crate::probe::delete_done_at_start,
                        decode: $crate::probe::json,
                    },
                    self.pipeline(), self.endpoint(), saved.name, None, probe,
                ))
            }

            fn $begin_recover(&self, name: impl Into<String>) -> keyvault_runtime::Poller<$bundle> {
                let name = name.into();
                let start = self.$recover(name.clone()).build_request();
                let probe = self.$get(name.clone()).build_request();
                $crate::probe::ProbeOperation::poller(
                    $crate::probe::Spec {
                        kind: $recover_kind,
                        operation_id: $recover_op,
                        done_at_start: $crate::probe::never,
                        decode: $crate::probe::json,
                    },
                    self.pipeline(), self.endpoint(), name, Some(start), probe,
                )
            }

            fn $resume_recover(&self, token: &str) -> keyvault_runtime::Result<keyvault_runtime::Poller<$bundle>> {
                let saved = $crate::probe::saved_for($recover_kind, token, self.endpoint())?;
                let probe = self.$get(saved.name.clone()).build_request();
                Ok($crate::probe::ProbeOperation::poller(
                    $crate::probe::Spec {
                        kind: $recover_kind,
                        operation_id: $recover_op,
                        done_at_start: $crate::probe::never,
                        decode: $crate::probe::json,
                    },
                    self.pipeline(), self.endpoint(), saved.name, None, probe,
                ))
            }
        }
    };
}
pub(crate) use delete_recover_pollers;
