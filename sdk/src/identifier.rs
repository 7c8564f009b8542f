//! Key Vault object identifiers: the `kid` of a key, the `id` of a secret or certificate, and
//! the ids of their deleted forms, parsed into vault, kind, name and version (as the other
//! Azure SDKs' `KeyVaultKeyIdentifier`, `KeyVaultSecretIdentifier` and
//! `KeyVaultCertificateIdentifier` do), and accepted by the clients (`get_secret_by_id`, ...).

use std::fmt;
use std::str::FromStr;

use keyvault_runtime::http::Url;

/// What an identifier names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdKind {
    /// `/keys/{name}[/{version}]`
    Key,
    /// `/secrets/{name}[/{version}]`
    Secret,
    /// `/certificates/{name}[/{version}]`
    Certificate,
    /// `/deletedkeys/{name}`
    DeletedKey,
    /// `/deletedsecrets/{name}`
    DeletedSecret,
    /// `/deletedcertificates/{name}`
    DeletedCertificate,
}

impl IdKind {
    /// The collection's path segment.
    pub fn collection(self) -> &'static str {
        match self {
            IdKind::Key => "keys",
            IdKind::Secret => "secrets",
            IdKind::Certificate => "certificates",
            IdKind::DeletedKey => "deletedkeys",
            IdKind::DeletedSecret => "deletedsecrets",
            IdKind::DeletedCertificate => "deletedcertificates",
        }
    }

    fn from_collection(segment: &str) -> Option<IdKind> {
        [
            IdKind::Key,
            IdKind::Secret,
            IdKind::Certificate,
            IdKind::DeletedKey,
            IdKind::DeletedSecret,
            IdKind::DeletedCertificate,
        ]
        .into_iter()
        .find(|kind| kind.collection().eq_ignore_ascii_case(segment))
    }

    /// Whether the identifier may carry a version (deleted objects have none).
    pub fn has_versions(self) -> bool {
        matches!(self, IdKind::Key | IdKind::Secret | IdKind::Certificate)
    }
}

/// A parsed Key Vault identifier:
/// `https://{vault}/{keys|secrets|certificates|deletedkeys|deletedsecrets|deletedcertificates}/{name}[/{version}]`.
///
/// ```
/// use keyvault_sdk::identifier::{IdKind, KeyVaultId};
///
/// let id: KeyVaultId = "https://my-vault.vault.azure.net/keys/signing/78deebed173b48e48f55abf87ed4cf71"
///     .parse()?;
/// assert_eq!(id.vault_url(), "https://my-vault.vault.azure.net");
/// assert_eq!(id.kind(), IdKind::Key);
/// assert_eq!(id.name(), "signing");
/// assert_eq!(id.version(), Some("78deebed173b48e48f55abf87ed4cf71"));
/// assert_eq!(id.to_string().parse::<KeyVaultId>()?, id);
/// # Ok::<(), keyvault_sdk::identifier::InvalidIdentifier>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyVaultId {
    vault_url: String,
    kind: IdKind,
    name: String,
    version: Option<String>,
}

/// Why a text is not a Key Vault identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidIdentifier {
    /// The input as error messages show it (credentials hidden, long input cut).
    pub input: String,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for InvalidIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a Key Vault identifier: {}",
            self.input, self.reason
        )
    }
}

impl std::error::Error for InvalidIdentifier {}

impl From<InvalidIdentifier> for keyvault_runtime::Error {
    fn from(e: InvalidIdentifier) -> Self {
        keyvault_runtime::Error::invalid_input("id", e.to_string())
    }
}

/// Names and versions: what Key Vault allows in them (letters, digits, `-`).
fn valid_segment(segment: &str) -> bool {
    !segment.is_empty()
        && segment.len() <= 127
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl KeyVaultId {
    /// Parses an identifier; see the type's docs for the forms accepted.
    pub fn parse(text: &str) -> Result<KeyVaultId, InvalidIdentifier> {
        let invalid = |reason: &str| InvalidIdentifier {
            input: keyvault_runtime::url::shown_in_errors(text),
            reason: reason.to_owned(),
        };
        let url = Url::parse(text).map_err(|e| invalid(&format!("not an absolute URL ({e})")))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(invalid("the scheme is not https"));
        }
        if url.has_credentials() || url.query().is_some() || url.fragment().is_some() {
            return Err(invalid(
                "an identifier has no user information, query or fragment",
            ));
        }
        let path = url.path().trim_end_matches('/');
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let (collection, name, version) = match segments.as_slice() {
            [collection, name] => (*collection, *name, None),
            [collection, name, version] => (*collection, *name, Some(*version)),
            _ => {
                return Err(invalid(
                    "the path is not /{collection}/{name} or /{collection}/{name}/{version}",
                ))
            }
        };
        let kind = IdKind::from_collection(collection).ok_or_else(|| {
            invalid("the collection is not keys, secrets, certificates, deletedkeys, deletedsecrets or deletedcertificates")
        })?;
        if !valid_segment(name) {
            return Err(invalid("the name is not 1-127 letters, digits and dashes"));
        }
        if let Some(version) = version {
            if !kind.has_versions() {
                return Err(invalid("a deleted object's identifier has no version"));
            }
            if !valid_segment(version) {
                return Err(invalid("the version is not letters, digits and dashes"));
            }
        }
        Ok(KeyVaultId {
            vault_url: url.origin().ascii_serialization(),
            kind,
            name: name.to_owned(),
            version: version.map(str::to_owned),
        })
    }

    /// The vault (or managed HSM): `https://{host}[:{port}]`, as clients are created with.
    pub fn vault_url(&self) -> &str {
        &self.vault_url
    }

    /// What it names.
    pub fn kind(&self) -> IdKind {
        self.kind
    }

    /// The object's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version; `None` names the latest.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// An error unless the identifier is of `kind` and names an object of the vault a client
    /// talks to.
    pub fn check_for(&self, kind: IdKind, endpoint: &Url) -> Result<(), InvalidIdentifier> {
        let invalid = |reason: String| InvalidIdentifier {
            input: self.to_string(),
            reason,
        };
        if self.kind != kind {
            return Err(invalid(format!(
                "it names {}, not {}",
                self.kind.collection(),
                kind.collection()
            )));
        }
        if endpoint.origin().ascii_serialization() != self.vault_url {
            return Err(invalid(format!(
                "it is in another vault than the client's ({})",
                endpoint.origin().ascii_serialization()
            )));
        }
        Ok(())
    }
}

impl FromStr for KeyVaultId {
    type Err = InvalidIdentifier;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KeyVaultId::parse(s)
    }
}

impl TryFrom<&str> for KeyVaultId {
    type Error = InvalidIdentifier;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        KeyVaultId::parse(s)
    }
}

/// The identifier as the service writes it.
impl fmt::Display for KeyVaultId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            self.vault_url,
            self.kind.collection(),
            self.name
        )?;
        match &self.version {
            Some(version) => write!(f, "/{version}"),
            None => Ok(()),
        }
    }
}

/// Defines an extension trait getting an object by its identifier.
macro_rules! by_id {
    ($(#[$doc:meta])* $trait:ident, $client:ty, $method:ident, $get:ident, $builder:ty, $set_version:ident, $kind:expr) => {
        $(#[$doc])*
        pub trait $trait {
            /// The request for the object the identifier names (its version, or the latest
            /// without one), after checking that the identifier is of this kind and of this
            /// client's vault. The check comes first, so this returns a `Result` of the
            /// request: `client.get_secret_by_id(&id)?.await?` (or set per-call options
            /// between the two).
            fn $method(&self, id: &KeyVaultId) -> keyvault_runtime::Result<$builder>;
        }

        impl $trait for $client {
            fn $method(&self, id: &KeyVaultId) -> keyvault_runtime::Result<$builder> {
                id.check_for($kind, self.endpoint())?;
                let request = self.$get(id.name());
                Ok(match id.version() {
                    Some(version) => request.$set_version(version),
                    None => request,
                })
            }
        }
    };
}

#[cfg(keyvault_module = "secrets")]
by_id!(
    /// `SecretClient::get_secret_by_id`.
    SecretsById,
    keyvault::secrets::SecretClient,
    get_secret_by_id,
    get_secret,
    keyvault::secrets::GetSecretBuilder<'_>,
    secret_version,
    IdKind::Secret
);

#[cfg(keyvault_module = "keys")]
by_id!(
    /// `KeyClient::get_key_by_id`.
    KeysById,
    keyvault::keys::KeyClient,
    get_key_by_id,
    get_key,
    keyvault::keys::GetKeyBuilder<'_>,
    key_version,
    IdKind::Key
);

#[cfg(keyvault_module = "certificates")]
by_id!(
    /// `CertificateClient::get_certificate_by_id`.
    CertificatesById,
    keyvault::certificates::CertificateClient,
    get_certificate_by_id,
    get_certificate,
    keyvault::certificates::GetCertificateBuilder<'_>,
    certificate_version,
    IdKind::Certificate
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_parses_and_round_trips() {
        for (text, kind, version) in [
            (
                "https://v.vault.azure.net/keys/k1/0123abcd",
                IdKind::Key,
                Some("0123abcd"),
            ),
            (
                "https://v.vault.azure.net/secrets/s-1",
                IdKind::Secret,
                None,
            ),
            (
                "https://h.managedhsm.azure.net/keys/k/v1",
                IdKind::Key,
                Some("v1"),
            ),
            (
                "https://v.vault.azure.net/certificates/c/abc",
                IdKind::Certificate,
                Some("abc"),
            ),
            (
                "https://v.vault.azure.net/deletedkeys/k",
                IdKind::DeletedKey,
                None,
            ),
            (
                "https://v.vault.azure.net/deletedsecrets/s",
                IdKind::DeletedSecret,
                None,
            ),
            (
                "https://v.vault.azure.net/deletedcertificates/c",
                IdKind::DeletedCertificate,
                None,
            ),
            (
                "https://127.0.0.1:8443/secrets/s/1",
                IdKind::Secret,
                Some("1"),
            ),
        ] {
            let id = KeyVaultId::parse(text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!((id.kind(), id.version()), (kind, version), "{text}");
            assert_eq!(id.to_string(), text);
            assert_eq!(id.to_string().parse::<KeyVaultId>().unwrap(), id);
        }
        let id = KeyVaultId::parse("HTTPS://V.Vault.Azure.NET:443/Secrets/s/").unwrap();
        assert_eq!(id.to_string(), "https://v.vault.azure.net/secrets/s");
        assert_eq!(id.vault_url(), "https://v.vault.azure.net");
    }

    #[test]
    fn anything_else_is_a_typed_error_saying_why() {
        for (text, why) in [
            ("v.vault.azure.net/keys/k", "not an absolute URL"),
            ("ftp://v.vault.azure.net/keys/k", "scheme"),
            ("https://v.vault.azure.net/keys", "path"),
            ("https://v.vault.azure.net/keys/k/v/extra", "path"),
            ("https://v.vault.azure.net/blobs/k", "collection"),
            ("https://v.vault.azure.net/keys/k%2F..", "name"),
            (
                "https://v.vault.azure.net/keys/k/v?api-version=7.6",
                "query",
            ),
            (
                "https://user:pw@v.vault.azure.net/keys/k",
                "user information",
            ),
            ("https://v.vault.azure.net/deletedkeys/k/v1", "no version"),
        ] {
            let e = KeyVaultId::parse(text).expect_err(text);
            assert!(e.reason.contains(why), "{text}: {e}");
            assert!(!e.to_string().contains("pw@"), "{e}");
        }
    }

    #[test]
    fn an_identifier_must_fit_the_client() {
        let endpoint = Url::parse("https://v.vault.azure.net/").unwrap();
        let id = KeyVaultId::parse("https://v.vault.azure.net/secrets/s/1").unwrap();
        assert!(id.check_for(IdKind::Secret, &endpoint).is_ok());
        let e = id.check_for(IdKind::Key, &endpoint).unwrap_err();
        assert!(e.reason.contains("not keys"), "{e}");
        let other = Url::parse("https://w.vault.azure.net").unwrap();
        let e = id.check_for(IdKind::Secret, &other).unwrap_err();
        assert!(e.reason.contains("another vault"), "{e}");
    }
}
