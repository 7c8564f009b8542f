//! The CA the emulator keeps beside its state file (`FILE.ca.pem`: certificate, then key):
//! any bytes are read without panicking, and a CA read signs a server certificate or says why
//! it cannot.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    keyvault_emulator::fuzz_kept_ca(data);
});
