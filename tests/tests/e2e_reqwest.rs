//! The emulator suite again, with a reqwest client (built by
//! `keyvault_runtime::reqwest_transport::client`) as the transport of every client and
//! credential, so the two transports stay equal in behaviour; plus what only the reqwest
//! transport has to show (`reqwest_transport.rs`).

/// Read by `keyvault_emulator::suite_transport`.
const REQWEST_TRANSPORT: bool = true;

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
#[cfg(keyvault_module = "secrets")]
mod reqwest_transport;
