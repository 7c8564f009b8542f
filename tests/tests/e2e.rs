//! End-to-end tests of the generated clients (one binary, topic modules).
//!
//! A topic that needs a module of the generated `keyvault` crate is compiled only when the
//! crate has it (`cfg(keyvault_module = "...")`, set by `sdk/build.rs`, which this crate
//! uses too): removing a module from the generator's config leaves the workspace building.

/// The emulator suite runs over the default transport here, over reqwest in `e2e_reqwest`.
#[allow(dead_code)] // when the emulator topics are compiled out
const REQWEST_TRANSPORT: bool = false;

#[cfg(keyvault_module = "secrets")]
mod auth;
mod contract;
mod credentials;
#[cfg(all(
    keyvault_module = "secrets",
    keyvault_module = "keys",
    keyvault_module = "certificates"
))]
mod cryptography;
#[cfg(all(
    keyvault_module = "secrets",
    keyvault_module = "keys",
    keyvault_module = "certificates"
))]
mod emulator;
#[cfg(all(keyvault_module = "secrets", keyvault_module = "certificates"))]
mod emulator_clock;
mod emulator_coverage;
#[cfg(all(
    keyvault_module = "secrets",
    keyvault_module = "keys",
    keyvault_module = "certificates"
))]
mod emulator_faults;
#[cfg(all(keyvault_module = "secrets", keyvault_module = "certificates"))]
mod emulator_fidelity;
#[cfg(keyvault_module = "secrets")]
mod emulator_helper;
#[cfg(all(keyvault_module = "secrets", keyvault_module = "keys"))]
mod emulator_state;
#[cfg(all(
    keyvault_module = "secrets",
    keyvault_module = "keys",
    keyvault_module = "certificates"
))]
mod emulator_vaults;
mod fixtures;
mod js;
mod lro;
#[cfg(keyvault_module = "keys")]
mod models;
#[cfg(keyvault_module = "secrets")]
mod official_credentials;
mod operations;
#[cfg(keyvault_module = "secrets")]
mod paging_and_errors;
#[cfg(keyvault_module = "secrets")]
mod path_safety;
mod prism;
#[cfg(all(
    keyvault_module = "secrets",
    keyvault_module = "keys",
    keyvault_module = "certificates"
))]
mod prism_proxy;
#[cfg(all(
    keyvault_module = "secrets",
    keyvault_module = "keys",
    keyvault_module = "certificates"
))]
mod pseudo_lro;
mod python;
#[cfg(keyvault_module = "secrets")]
mod retry;
#[cfg(keyvault_module = "secrets")]
mod secret_cache;
mod transport;
