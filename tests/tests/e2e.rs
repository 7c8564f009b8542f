//! End-to-end tests of the generated clients (one binary, topic modules).

mod auth;
mod contract;
mod credentials;
mod emulator;
mod fixtures;
mod lro;
mod operations;
mod paging_and_errors;
mod path_safety;
mod prism;
mod prism_proxy;
mod pseudo_lro;
mod python;
mod retry;
mod transport;
