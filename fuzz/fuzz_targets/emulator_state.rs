//! The emulator's state file (`--state FILE`, `PUT /_emulator/state`): any bytes are read
//! without panicking; a state is loaded, time acts on its vaults, and what it writes back reads
//! again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    keyvault_emulator::fuzz_state_file(data);
});
