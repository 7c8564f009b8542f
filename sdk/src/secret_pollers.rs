//! Secret delete and recover pollers.

use keyvault::secrets::models::{DeletedSecretBundle, SecretBundle};
use keyvault::secrets::SecretClient;

crate::probe::delete_recover_pollers! {
    trait SecretPollers for SecretClient, item "secret" {
        deleted: DeletedSecretBundle, bundle: SecretBundle,
        delete: delete_secret, get_deleted: get_deleted_secret,
        recover: recover_deleted_secret, get: get_secret,
        begin_delete: begin_delete_secret, resume_delete: resume_delete_secret,
        begin_recover: begin_recover_deleted_secret, resume_recover: resume_recover_deleted_secret,
        kinds: ("kv-delete-secret", "kv-recover-secret"),
        operations: ("DeleteSecret", "RecoverDeletedSecret"),
    }
}
