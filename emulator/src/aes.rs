//! Symmetric (`oct-HSM`) cryptography with the algorithms Managed HSM names: AES key wrap
//! (`A*KW` and `CKM_AES_KEY_WRAP`, RFC 3394; `CKM_AES_KEY_WRAP_PAD`, RFC 5649), AES-GCM
//! (`A*GCM`, the IV made here and the tag returned beside the ciphertext) and AES-CBC (`A*CBC`
//! on whole blocks, `A*CBCPAD` with PKCS#7 padding, the IV given by the caller).

use aes::{Aes128, Aes192, Aes256};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{AesGcm, Nonce};
use cbc::cipher::block_padding::{NoPadding, Pkcs7};
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};

use crate::crypto::{random, CryptoResult};

/// Runs `$body` with `$aes` bound to the AES type of a key of `$len` bytes.
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
            32 => {
                type $aes = Aes256;
                $body
            }
            other => Err(format!(
                "an AES key is 128, 192 or 256 bits, not {}",
                other * 8
            )),
        }
    };
}

/// The key size an algorithm names (`A192GCM`: 24 bytes); `None` for the PKCS#11 wraps, which
/// take any AES key.
fn named_size(alg: &str) -> Option<usize> {
    match alg.get(..4)? {
        "A128" => Some(16),
        "A192" => Some(24),
        "A256" => Some(32),
        _ => None,
    }
}

fn check_size(alg: &str, k: &[u8]) -> CryptoResult<()> {
    match named_size(alg) {
        Some(n) if n != k.len() => Err(format!(
            "{alg} needs a {}-bit key; this key has {} bits",
            n * 8,
            k.len() * 8
        )),
        _ => Ok(()),
    }
}

/// Wraps (`wrap`) or unwraps key material.
pub(crate) fn key_wrap(k: &[u8], alg: &str, data: &[u8], wrap: bool) -> CryptoResult<Vec<u8>> {
    let padded = match alg {
        "A128KW" | "A192KW" | "A256KW" | "CKM_AES_KEY_WRAP" => false,
        "CKM_AES_KEY_WRAP_PAD" => true,
        other => {
            return Err(format!(
                "algorithm `{other}` is not a key wrap algorithm for oct keys"
            ))
        }
    };
    check_size(alg, k)?;
    let failed = |e: aes_kw::Error| format!("key {}wrap failed: {e}", if wrap { "" } else { "un" });
    with_aes!(k.len(), A => {
        let kek = aes_kw::Kek::<A>::new(k.into());
        match (wrap, padded) {
            (true, false) => kek.wrap_vec(data),
            (false, false) => kek.unwrap_vec(data),
            (true, true) => kek.wrap_with_padding_vec(data),
            (false, true) => kek.unwrap_with_padding_vec(data),
        }
        .map_err(failed)
    })
}

/// What an encryption returns: the ciphertext, the IV used and, for GCM, the tag.
pub(crate) struct Sealed {
    pub data: Vec<u8>,
    pub iv: Vec<u8>,
    pub tag: Option<Vec<u8>>,
}

enum Mode {
    Gcm,
    Cbc { pad: bool },
}

fn mode(alg: &str) -> CryptoResult<Mode> {
    match alg {
        "A128GCM" | "A192GCM" | "A256GCM" => Ok(Mode::Gcm),
        "A128CBC" | "A192CBC" | "A256CBC" => Ok(Mode::Cbc { pad: false }),
        "A128CBCPAD" | "A192CBCPAD" | "A256CBCPAD" => Ok(Mode::Cbc { pad: true }),
        other => Err(format!(
            "algorithm `{other}` is not supported for oct keys (use A*GCM, A*CBC, A*CBCPAD, or A*KW to wrap)"
        )),
    }
}

fn cbc_iv(iv: Option<&[u8]>) -> CryptoResult<&[u8]> {
    match iv {
        Some(iv) if iv.len() == 16 => Ok(iv),
        Some(_) => Err("an AES-CBC IV is 16 bytes".into()),
        None => Err("AES-CBC needs the IV (iv)".into()),
    }
}

/// Encrypts with AES-GCM (a fresh 12-byte IV unless one is given) or AES-CBC.
pub(crate) fn encrypt(
    k: &[u8],
    alg: &str,
    data: &[u8],
    iv: Option<&[u8]>,
    aad: &[u8],
) -> CryptoResult<Sealed> {
    let mode = mode(alg)?;
    check_size(alg, k)?;
    match mode {
        Mode::Gcm => {
            let iv = match iv {
                Some(iv) if iv.len() == 12 => iv.to_vec(),
                Some(_) => return Err("an AES-GCM IV is 12 bytes".into()),
                None => random(12),
            };
            let sealed = with_aes!(k.len(), A => {
                AesGcm::<A, aes_gcm::aead::consts::U12>::new_from_slice(k)
                    .map_err(|_| "bad key".to_owned())?
                    .encrypt(Nonce::from_slice(&iv), Payload { msg: data, aad })
                    .map_err(|_| "encryption failed".to_owned())
            })?;
            let (ciphertext, tag) = sealed.split_at(sealed.len() - 16);
            Ok(Sealed {
                data: ciphertext.to_vec(),
                iv,
                tag: Some(tag.to_vec()),
            })
        }
        Mode::Cbc { pad } => {
            let iv = cbc_iv(iv)?;
            if !pad && !data.len().is_multiple_of(16) {
                return Err(format!(
                    "{alg} encrypts whole 16-byte blocks; use {alg}PAD for {} bytes",
                    data.len()
                ));
            }
            let data = with_aes!(k.len(), A => {
                let cipher = cbc::Encryptor::<A>::new_from_slices(k, iv).map_err(|_| "bad key".to_owned())?;
                Ok(if pad {
                    cipher.encrypt_padded_vec_mut::<Pkcs7>(data)
                } else {
                    cipher.encrypt_padded_vec_mut::<NoPadding>(data)
                })
            })?;
            Ok(Sealed {
                data,
                iv: iv.to_vec(),
                tag: None,
            })
        }
    }
}

/// Decrypts what [`encrypt`] sealed.
pub(crate) fn decrypt(
    k: &[u8],
    alg: &str,
    data: &[u8],
    iv: Option<&[u8]>,
    aad: &[u8],
    tag: Option<&[u8]>,
) -> CryptoResult<Vec<u8>> {
    let mode = mode(alg)?;
    check_size(alg, k)?;
    match mode {
        Mode::Gcm => {
            let iv = match iv {
                Some(iv) if iv.len() == 12 => iv,
                _ => return Err("AES-GCM decryption needs the 12-byte IV (iv)".into()),
            };
            let tag = tag.ok_or("AES-GCM decryption needs the authentication tag.")?;
            let mut sealed = data.to_vec();
            sealed.extend_from_slice(tag);
            with_aes!(k.len(), A => {
                AesGcm::<A, aes_gcm::aead::consts::U12>::new_from_slice(k)
                    .map_err(|_| "bad key".to_owned())?
                    .decrypt(Nonce::from_slice(iv), Payload { msg: &sealed, aad })
                    .map_err(|_| "decryption failed: the tag does not match".to_owned())
            })
        }
        Mode::Cbc { pad } => {
            let iv = cbc_iv(iv)?;
            with_aes!(k.len(), A => {
                let cipher = cbc::Decryptor::<A>::new_from_slices(k, iv).map_err(|_| "bad key".to_owned())?;
                if pad {
                    cipher.decrypt_padded_vec_mut::<Pkcs7>(data)
                } else {
                    cipher.decrypt_padded_vec_mut::<NoPadding>(data)
                }
                .map_err(|_| "decryption failed: the data is not whole blocks or its padding is wrong".to_owned())
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_round_trips_and_rejects_the_wrong_size() {
        for size in [16usize, 24, 32] {
            let k = random(size);
            let bits = size * 8;
            for alg in [format!("A{bits}KW"), "CKM_AES_KEY_WRAP".into()] {
                let wrapped = key_wrap(&k, &alg, &[5u8; 24], true).unwrap();
                assert_eq!(key_wrap(&k, &alg, &wrapped, false).unwrap(), [5u8; 24]);
            }
            let wrapped = key_wrap(&k, "CKM_AES_KEY_WRAP_PAD", &[5u8; 7], true).unwrap();
            assert_eq!(
                key_wrap(&k, "CKM_AES_KEY_WRAP_PAD", &wrapped, false).unwrap(),
                [5u8; 7]
            );
            let gcm = format!("A{bits}GCM");
            let sealed = encrypt(&k, &gcm, b"gcm data", None, b"aad").unwrap();
            let tag = sealed.tag.as_deref();
            assert_eq!(
                decrypt(&k, &gcm, &sealed.data, Some(&sealed.iv), b"aad", tag).unwrap(),
                b"gcm data"
            );
            assert!(decrypt(&k, &gcm, &sealed.data, Some(&sealed.iv), b"other", tag).is_err());
            let iv = [9u8; 16];
            let cbc = format!("A{bits}CBC");
            let sealed = encrypt(&k, &cbc, &[1u8; 32], Some(&iv), b"").unwrap();
            assert_eq!(
                decrypt(&k, &cbc, &sealed.data, Some(&iv), b"", None).unwrap(),
                [1u8; 32]
            );
            assert!(encrypt(&k, &cbc, &[1u8; 5], Some(&iv), b"").is_err());
            let pad = format!("A{bits}CBCPAD");
            let sealed = encrypt(&k, &pad, b"short", Some(&iv), b"").unwrap();
            assert_eq!(sealed.data.len(), 16);
            assert_eq!(
                decrypt(&k, &pad, &sealed.data, Some(&iv), b"", None).unwrap(),
                b"short"
            );
        }
        let k = random(32);
        assert!(key_wrap(&k, "A128KW", &[5u8; 32], true).is_err());
        assert!(encrypt(&k, "A128GCM", b"x", None, b"").is_err());
        assert!(
            encrypt(&k, "A256CBC", &[0u8; 16], None, b"").is_err(),
            "CBC needs an IV"
        );
    }
}
