//! A local Azure Key Vault emulator: stateful and in memory, speaking the data plane of
//! api-version 2026-04-01 (and the older versions clients still send) with Key Vault's error
//! shape and authentication challenge, and a subset of the management plane of 2026-02-01, over
//! HTTPS with a self-signed certificate made at start (or plain http on loopback).
//!
//! Start it in-process on an ephemeral port:
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let emulator = keyvault_emulator::Emulator::start(keyvault_emulator::EmulatorOptions::default()).await?;
//! println!("{} (trust {} bytes of PEM)", emulator.url(), emulator.certificate_pem().len());
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
// Handlers return the error *response* itself as `Err`: one per request, so its size does not
// matter, and `?` keeps every handler linear.
#![allow(clippy::result_large_err)]

mod admin;
#[cfg(feature = "crypto")]
mod aes;
mod auth;
mod certificates;
mod clock;
#[cfg(feature = "crypto")]
mod crypto;
mod ekm;
mod faults;
mod http;
mod keys;
mod management;
mod material;
mod objects;
mod persist;
mod router;
mod secrets;
mod server;
mod store;
mod testing;
mod tls;
#[cfg(not(feature = "crypto"))]
mod without_crypto;
#[cfg(not(feature = "crypto"))]
use without_crypto::{aes, crypto};

pub use faults::{FaultKind, FaultSettings};
#[doc(hidden)]
pub use persist::fuzz_state_file;
pub use server::{Emulator, EmulatorOptions};
pub use testing::{start, EmulatorCredential};
#[doc(hidden)]
pub use tls::fuzz_kept_ca;

/// The crate README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
