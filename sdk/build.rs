//! Which modules of the generated `keyvault` crate this build has, as
//! `cfg(keyvault_module = "secrets")` and so on: `keyvault`'s build script publishes them
//! (cargo's `links` metadata, `DEP_KEYVAULT_MODULES`). Code for a module is compiled only when
//! the module is there, so removing a module from the generator's config, or building with
//! fewer of `keyvault`'s features, leaves this crate buildable; naming a module's feature in
//! Cargo.toml instead would stop cargo from resolving once the feature is gone.
//!
//! The e2e test crate uses this same script.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(keyvault_module, values(any()))");
    println!("cargo::rerun-if-env-changed=DEP_KEYVAULT_MODULES");
    println!("cargo::rerun-if-changed=build.rs");
    // Unset means `keyvault` is not a normal dependency (dev-dependencies pass no metadata):
    // every module's code would silently drop out, so that is an error.
    let modules = std::env::var("DEP_KEYVAULT_MODULES").expect(
        "DEP_KEYVAULT_MODULES is not set: depend on `keyvault` under [dependencies] to use this build script",
    );
    for module in modules.split(',').filter(|m| !m.is_empty()) {
        println!("cargo::rustc-cfg=keyvault_module=\"{module}\"");
    }
}
