//! AES with a symmetric (`oct`) JSON Web Key's `k`, in the algorithms Managed HSM names: key
//! wrap (`A*KW` and `CKM_AES_KEY_WRAP`, RFC 3394; `CKM_AES_KEY_WRAP_PAD`, RFC 5649), AES-GCM
//! (`A*GCM`: a fresh 12-byte IV per encryption, a 16-byte tag) and AES-CBC (`A*CBC` on whole
//! blocks, `A*CBCPAD` with PKCS#7 padding).

use aes::{Aes128, Aes192, Aes256};
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{AesGcm, Nonce};
use cbc::cipher::block_padding::{NoPadding, Pkcs7};
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use zeroize::Zeroizing;

use super::{invalid_input, Operation, Sealed};
use crate::cryptography::CryptographyError;

/// Runs `$body` with `$aes` bound to the AES type of a key of `$len` bytes (16, 24 or 32: the
/// only sizes [`OctKey::new`] accepts).
macro_rules! with_aes {
    ($len:expr, $aes:ident => $body:expr) => {
        match $len {
            16 => {
                type $aes = Aes128;
                $body
            }
            24 => {
                type $aes = Aes192;
                $body
            }
            _ => {
                type $aes = Aes256;
                $body
            }
        }
    };
}

/// The length of an AES-GCM IV and tag, as Key Vault uses them.
const GCM_IV: usize = 12;
const GCM_TAG: usize = 16;
/// An AES block, and so an AES-CBC IV.
const BLOCK: usize = 16;

/// A symmetric key.
pub(crate) struct OctKey {
    k: Zeroizing<Vec<u8>>,
}

enum Mode {
    Gcm,
    Cbc { pad: bool },
    Wrap { pad: bool },
}

/// An algorithm's mode and the key size it names (`None`: any AES key).
fn mode(alg: &str) -> Option<(Mode, Option<usize>)> {
    let size = match alg.get(..4) {
        Some("A128") => Some(16),
        Some("A192") => Some(24),
        Some("A256") => Some(32),
        _ => None,
    };
    let mode = match alg.get(4..) {
        Some("GCM") if size.is_some() => Mode::Gcm,
        Some("CBC") if size.is_some() => Mode::Cbc { pad: false },
        Some("CBCPAD") if size.is_some() => Mode::Cbc { pad: true },
        Some("KW") if size.is_some() => Mode::Wrap { pad: false },
        _ => match alg {
            "CKM_AES_KEY_WRAP" => Mode::Wrap { pad: false },
            "CKM_AES_KEY_WRAP_PAD" => Mode::Wrap { pad: true },
            _ => return None,
        },
    };
    Some((mode, size))
}

impl OctKey {
    /// A key of 128, 192 or 256 bits; `None` for other sizes (HMAC keys), which stay with the
    /// vault.
    pub(crate) fn new(k: &[u8]) -> Option<Self> {
        matches!(k.len(), 16 | 24 | 32).then(|| Self {
            k: Zeroizing::new(k.to_vec()),
        })
    }

    /// Whether this key can run `operation` with `alg` here: its size must be the one the
    /// algorithm names.
    pub(crate) fn supports(&self, operation: Operation, alg: &str) -> bool {
        let Some((mode, size)) = mode(alg) else {
            return false;
        };
        if size.is_some_and(|size| size != self.k.len()) {
            return false;
        }
        match operation {
            Operation::Encrypt | Operation::Decrypt => !matches!(mode, Mode::Wrap { .. }),
            Operation::WrapKey | Operation::UnwrapKey => matches!(mode, Mode::Wrap { .. }),
            Operation::Sign | Operation::Verify => false,
        }
    }

    fn key_wrap(&self, alg: &str, data: &[u8], wrap: bool) -> Result<Vec<u8>, aes_kw::Error> {
        let Some((Mode::Wrap { pad }, _)) = mode(alg) else {
            unreachable!("checked by supports")
        };
        with_aes!(self.k.len(), A => {
            let kek = aes_kw::Kek::<A>::new(self.k.as_slice().into());
            match (wrap, pad) {
                (true, false) => kek.wrap_vec(data),
                (false, false) => kek.unwrap_vec(data),
                (true, true) => kek.wrap_with_padding_vec(data),
                (false, true) => kek.unwrap_with_padding_vec(data),
            }
        })
    }

    /// Wraps key material.
    pub(crate) fn wrap(&self, alg: &str, key: &[u8]) -> Result<Vec<u8>, CryptographyError> {
        self.key_wrap(alg, key, true).map_err(|_| {
            invalid_input(format!(
                "{alg} wraps a key of at least 16 bytes in 8-byte steps (CKM_AES_KEY_WRAP_PAD: any length), not {} bytes",
                key.len()
            ))
        })
    }

    /// Unwraps what [`OctKey::wrap`] wrapped; an integrity failure is a
    /// [`CryptographyError::DecryptionFailed`].
    pub(crate) fn unwrap(
        &self,
        alg: &str,
        wrapped: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptographyError> {
        self.key_wrap(alg, wrapped, false)
            .map(Zeroizing::new)
            .map_err(|_| CryptographyError::DecryptionFailed {
                algorithm: alg.to_owned(),
            })
    }

    /// Encrypts with AES-GCM (a fresh IV, which the result carries) or AES-CBC (with the
    /// caller's IV).
    pub(crate) fn encrypt(
        &self,
        alg: &str,
        data: &[u8],
        iv: Option<&[u8]>,
        aad: Option<&[u8]>,
    ) -> Result<Sealed, CryptographyError> {
        let Some((mode, _)) = mode(alg) else {
            unreachable!("checked by supports")
        };
        match mode {
            Mode::Gcm => {
                let iv = super::random(GCM_IV);
                let aad = aad.unwrap_or_default();
                let sealed = with_aes!(self.k.len(), A => {
                    AesGcm::<A, U12>::new_from_slice(&self.k)
                        .expect("a checked key size")
                        .encrypt(Nonce::from_slice(&iv), Payload { msg: data, aad })
                })
                .map_err(|_| invalid_input(format!("{alg} cannot encrypt {} bytes", data.len())))?;
                let (ciphertext, tag) = sealed.split_at(sealed.len() - GCM_TAG);
                Ok(Sealed {
                    ciphertext: ciphertext.to_vec(),
                    iv: Some(iv),
                    tag: Some(tag.to_vec()),
                })
            }
            Mode::Cbc { pad } => {
                let iv = cbc_iv(alg, iv)?;
                if !pad && !data.len().is_multiple_of(BLOCK) {
                    return Err(invalid_input(format!(
                        "{alg} encrypts whole 16-byte blocks, not {} bytes; {alg}PAD pads",
                        data.len()
                    )));
                }
                let ciphertext = with_aes!(self.k.len(), A => {
                    let cipher = cbc::Encryptor::<A>::new_from_slices(&self.k, iv).expect("checked sizes");
                    if pad {
                        cipher.encrypt_padded_vec_mut::<Pkcs7>(data)
                    } else {
                        cipher.encrypt_padded_vec_mut::<NoPadding>(data)
                    }
                });
                Ok(Sealed {
                    ciphertext,
                    iv: Some(iv.to_vec()),
                    tag: None,
                })
            }
            Mode::Wrap { .. } => unreachable!("checked by supports"),
        }
    }

    /// Decrypts what [`OctKey::encrypt`] (or the vault) sealed.
    pub(crate) fn decrypt(
        &self,
        alg: &str,
        data: &[u8],
        iv: Option<&[u8]>,
        aad: Option<&[u8]>,
        tag: Option<&[u8]>,
    ) -> Result<Zeroizing<Vec<u8>>, CryptographyError> {
        let Some((mode, _)) = mode(alg) else {
            unreachable!("checked by supports")
        };
        let failed = || CryptographyError::DecryptionFailed {
            algorithm: alg.to_owned(),
        };
        match mode {
            Mode::Gcm => {
                let iv = iv.filter(|iv| iv.len() == GCM_IV).ok_or_else(|| {
                    invalid_input(format!("{alg} decryption needs the 12-byte IV (iv)"))
                })?;
                let tag = tag.filter(|tag| tag.len() == GCM_TAG).ok_or_else(|| {
                    invalid_input(format!(
                        "{alg} decryption needs the 16-byte authentication tag"
                    ))
                })?;
                let mut sealed = Zeroizing::new(Vec::with_capacity(data.len() + GCM_TAG));
                sealed.extend_from_slice(data);
                sealed.extend_from_slice(tag);
                let aad = aad.unwrap_or_default();
                with_aes!(self.k.len(), A => {
                    AesGcm::<A, U12>::new_from_slice(&self.k)
                        .expect("a checked key size")
                        .decrypt(Nonce::from_slice(iv), Payload { msg: &sealed, aad })
                })
                .map(Zeroizing::new)
                .map_err(|_| failed())
            }
            Mode::Cbc { pad } => {
                let iv = cbc_iv(alg, iv)?;
                with_aes!(self.k.len(), A => {
                    let cipher = cbc::Decryptor::<A>::new_from_slices(&self.k, iv).expect("checked sizes");
                    if pad {
                        cipher.decrypt_padded_vec_mut::<Pkcs7>(data)
                    } else {
                        cipher.decrypt_padded_vec_mut::<NoPadding>(data)
                    }
                })
                .map(Zeroizing::new)
                .map_err(|_| failed())
            }
            Mode::Wrap { .. } => unreachable!("checked by supports"),
        }
    }
}

fn cbc_iv<'a>(alg: &str, iv: Option<&'a [u8]>) -> Result<&'a [u8], CryptographyError> {
    iv.filter(|iv| iv.len() == BLOCK)
        .ok_or_else(|| invalid_input(format!("{alg} needs a 16-byte IV (iv)")))
}

/// Whether `alg` is AES-CBC, whose IV the caller gives (the client makes one when not).
pub(crate) fn is_cbc(alg: &str) -> bool {
    matches!(mode(alg), Some((Mode::Cbc { .. }, _)))
}

/// Whether `alg` is AES-GCM, whose IV the encryption makes.
pub(crate) fn is_gcm(alg: &str) -> bool {
    matches!(mode(alg), Some((Mode::Gcm, _)))
}

/// A fresh AES-CBC IV.
pub(crate) fn cbc_iv_random() -> Vec<u8> {
    super::random(BLOCK)
}
