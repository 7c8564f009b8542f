//! Response bodies from the network: every model family decodes or fails with an error (and
//! what decodes serializes again), and error bodies of any shape become a service error.
#![no_main]

use keyvault::{backup_restore, certificates, ekm, keys, rbac, secrets, security_domain, settings};
use keyvault_mgmt::management;
use keyvault_runtime::http::{HeaderMap, StatusCode};
use libfuzzer_sys::fuzz_target;

/// Decodes `body` as `T` the way the generated clients do, and re-encodes what decodes.
fn check<T: serde::de::DeserializeOwned + serde::Serialize>(body: &[u8]) {
    if let Ok(value) = keyvault_runtime::response::decode_json::<T>(body) {
        serde_json::to_vec(&value).expect("a decoded model serializes");
    }
}

macro_rules! models {
    ($($ty:ty),* $(,)?) => {
        &[$(check::<$ty>),*]
    };
}

const MODELS: &[fn(&[u8])] = models![
    secrets::models::SecretBundle,
    secrets::models::SecretListResult,
    secrets::models::DeletedSecretBundle,
    keys::models::KeyBundle,
    keys::models::JsonWebKey,
    keys::models::KeyOperationResult,
    keys::models::KeyListResult,
    keys::models::KeyRotationPolicy,
    certificates::models::CertificateBundle,
    certificates::models::CertificateOperation,
    certificates::models::CertificatePolicy,
    rbac::models::RoleAssignment,
    rbac::models::RoleDefinitionListResult,
    backup_restore::models::FullBackupOperation,
    security_domain::models::SecurityDomainObject,
    settings::models::Setting,
    ekm::models::EkmConnection,
    management::models::Vault,
    management::models::VaultListResult,
    management::models::ManagedHsm,
];

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    match MODELS.get(which as usize) {
        Some(check) => check(body),
        None => {
            let error = keyvault_runtime::ServiceError::from_parts(
                StatusCode::BAD_REQUEST,
                HeaderMap::new(),
                bytes::Bytes::copy_from_slice(body),
            );
            let _ = error.to_string();
        }
    }
});
