//! Key delete and recover pollers.

use keyvault::keys::models::{DeletedKeyBundle, KeyBundle};
use keyvault::keys::KeyClient;

crate::probe::delete_recover_pollers! {
    trait KeyPollers for KeyClient, item "key" {
        deleted: DeletedKeyBundle, bundle: KeyBundle,
        delete: delete_key, get_deleted: get_deleted_key,
        recover: recover_deleted_key, get: get_key,
        begin_delete: begin_delete_key, resume_delete: resume_delete_key,
        begin_recover: begin_recover_deleted_key, resume_recover: resume_recover_deleted_key,
        kinds: ("kv-delete-key", "kv-recover-key"),
        operations: ("DeleteKey", "RecoverDeletedKey"),
    }
}
