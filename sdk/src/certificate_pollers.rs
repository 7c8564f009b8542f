//! Certificate pollers: delete, recover, and creation through the pending certificate
//! operation.

use keyvault::certificates::models::{
    CertificateBundle, CertificateCreateParameters, CertificateOperation,
    CertificateOperationUpdateParameter, DeletedCertificateBundle,
};
use keyvault::certificates::CertificateClient;
use keyvault_runtime::http::{BoxFuture, RawResponse, Request};
use keyvault_runtime::poller::encode_token;
use keyvault_runtime::{
    Context, Error, Pipeline, PollOperation, PollStatus, Poller, PollerOptions, Progress, Result,
    ServiceError,
};

use crate::probe::{saved_for, Saved};

crate::probe::delete_recover_pollers! {
    trait CertificateDeletePollers for CertificateClient, item "certificate" {
        deleted: DeletedCertificateBundle, bundle: CertificateBundle,
        delete: delete_certificate, get_deleted: get_deleted_certificate,
        recover: recover_deleted_certificate, get: get_certificate,
        begin_delete: begin_delete_certificate, resume_delete: resume_delete_certificate,
        begin_recover: begin_recover_deleted_certificate, resume_recover: resume_recover_deleted_certificate,
        kinds: ("kv-delete-certificate", "kv-recover-certificate"),
        operations: ("DeleteCertificate", "RecoverDeletedCertificate"),
    }
}

const CREATE: &str = "kv-create-certificate";

/// How a certificate creation ended.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CertificateCreation {
    /// The certificate was issued.
    Issued(Box<CertificateBundle>),
    /// The issuer is `Unknown`: the caller gets the pending operation (with its CSR), has the
    /// certificate signed elsewhere, and merges it (`merge_certificate`).
    MergeRequired(Box<CertificateOperation>),
}

/// Certificate creation as a long-running operation, and the delete and recover pollers.
pub trait CertificatePollers: CertificateDeletePollers {
    /// Creates a certificate and polls its pending operation until the certificate is issued
    /// (then reads it), the operation fails or is cancelled (errors carrying the operation),
    /// or a manual merge is needed.
    fn begin_create_certificate(
        &self,
        name: impl Into<String>,
        parameters: impl Into<CertificateCreateParameters>,
    ) -> Poller<CertificateCreation>;
    /// Resumes [`CertificatePollers::begin_create_certificate`] from its continuation token.
    fn resume_create_certificate(&self, token: &str) -> Result<Poller<CertificateCreation>>;
    /// Asks the service to cancel a pending certificate creation; the creation poller then
    /// ends with a "cancelled" error.
    fn cancel_certificate_operation(
        &self,
        name: impl Into<String>,
    ) -> BoxFuture<'_, Result<CertificateOperation>>;
}

impl CertificatePollers for CertificateClient {
    fn begin_create_certificate(
        &self,
        name: impl Into<String>,
        parameters: impl Into<CertificateCreateParameters>,
    ) -> Poller<CertificateCreation> {
        let name = name.into();
        let start = self
            .create_certificate(name.clone(), parameters)
            .build_request();
        create_poller(self, name, Some(start))
    }

    fn resume_create_certificate(&self, token: &str) -> Result<Poller<CertificateCreation>> {
        let saved = saved_for(CREATE, token, self.endpoint())?;
        Ok(create_poller(self, saved.name, None))
    }

    fn cancel_certificate_operation(
        &self,
        name: impl Into<String>,
    ) -> BoxFuture<'_, Result<CertificateOperation>> {
        let mut update = CertificateOperationUpdateParameter::default();
        update.cancellation_requested = Some(true);
        let builder = self.update_certificate_operation(name, update);
        Box::pin(async move { builder.await })
    }
}

fn create_poller(
    client: &CertificateClient,
    name: String,
    start: Option<Result<Request>>,
) -> Poller<CertificateCreation> {
    Poller::new(
        CreateOperation {
            ctx: Context::new("CreateCertificate"),
            pipeline: client.pipeline().clone(),
            probe: client
                .get_certificate_operation(name.clone())
                .build_request(),
            fetch: client.get_certificate(name.clone()).build_request(),
            saved: Saved {
                vault: client.endpoint().clone(),
                name,
            },
            start,
            outcome: None,
        },
        PollerOptions::with_interval(crate::CERTIFICATE_INTERVAL),
    )
}

enum Outcome {
    Completed,
    MergeRequired(Box<CertificateOperation>),
}

struct CreateOperation {
    ctx: Context,
    pipeline: Pipeline,
    start: Option<Result<Request>>,
    probe: Result<Request>,
    fetch: Result<Request>,
    saved: Saved,
    outcome: Option<Outcome>,
}

impl CreateOperation {
    async fn send(&self, request: &Result<Request>) -> Result<RawResponse> {
        let mut request = match request {
            Ok(r) => r.clone(),
            Err(e) => return Err(Error::invalid_input("certificate-name", e.to_string())),
        };
        let response = self.pipeline.send(&self.ctx, &mut request).await?;
        if !response.status.is_success() {
            return Err(keyvault_runtime::response::unexpected(response));
        }
        Ok(response)
    }

    /// Reads the pending operation's status.
    fn evaluate(&mut self, response: RawResponse) -> Result<Progress> {
        let operation: CertificateOperation =
            keyvault_runtime::response::decode_json(&response.body)?;
        let status = operation.status.clone().unwrap_or_default();
        let issuer = operation
            .issuer_parameters
            .as_ref()
            .and_then(|i| i.name.as_deref())
            .unwrap_or_default();
        let failed = |what: &str| {
            let detail = operation
                .error
                .as_ref()
                .and_then(|e| e.message.clone())
                .or_else(|| operation.status_details.clone())
                .unwrap_or_default();
            Error::poller(
                format!("certificate creation {what}: {detail}"),
                Some(ServiceError::from_parts(
                    response.status,
                    response.headers.clone(),
                    response.body.clone(),
                )),
            )
        };
        match status.to_ascii_lowercase().as_str() {
            "completed" => {
                self.outcome = Some(Outcome::Completed);
                Ok(Progress::new(PollStatus::Succeeded, Some(response)))
            }
            "failed" => Err(failed("failed")),
            "cancelled" | "canceled" => Err(failed("was cancelled")),
            _ if issuer.eq_ignore_ascii_case("unknown") => {
                self.outcome = Some(Outcome::MergeRequired(Box::new(operation)));
                Ok(Progress::new(PollStatus::Succeeded, Some(response)))
            }
            _ => Ok(Progress::new(
                PollStatus::InProgress(status),
                Some(response),
            )),
        }
    }
}

impl PollOperation for CreateOperation {
    type Output = CertificateCreation;

    fn poll(&mut self) -> BoxFuture<'_, Result<Progress>> {
        Box::pin(async move {
            if self.outcome.is_some() {
                return Ok(Progress::new(PollStatus::Succeeded, None));
            }
            let response = match self.start.take() {
                Some(start) => self.send(&Ok(start?)).await?,
                None => self.send(&self.probe).await?,
            };
            self.evaluate(response)
        })
    }

    fn result(&mut self) -> BoxFuture<'_, Result<CertificateCreation>> {
        Box::pin(async move {
            match self.outcome.take() {
                Some(Outcome::MergeRequired(operation)) => {
                    Ok(CertificateCreation::MergeRequired(operation))
                }
                Some(Outcome::Completed) => {
                    let response = self.send(&self.fetch).await?;
                    keyvault_runtime::response::decode_json(&response.body)
                        .map(|c| CertificateCreation::Issued(Box::new(c)))
                }
                None => Err(Error::poller("the certificate is not ready yet", None)),
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
        encode_token(CREATE, &self.saved)
    }

    fn name(&self) -> &str {
        CREATE
    }
}
