//! Per-crate files: `Cargo.toml`, `lib.rs`, and each module's `mod.rs` and `models.rs`.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{client::client_file, header, markdown_doc_attrs, models::models_file, render, rt};
use crate::error::Result;
use crate::ir::*;

/// Emits one crate's files into `files` (paths relative to the workspace root).
pub fn emit_crate(
    krate: &CrateIr,
    regenerate: &str,
    files: &mut BTreeMap<String, String>,
) -> Result<()> {
    let all_sources: Vec<SourceFile> = {
        let mut seen = BTreeMap::new();
        for m in &krate.modules {
            for s in &m.sources {
                seen.entry(s.path.clone()).or_insert_with(|| s.clone());
            }
        }
        seen.into_values().collect()
    };
    files.insert(
        format!("{}/Cargo.toml", krate.path),
        cargo_toml(krate, &all_sources, regenerate),
    );
    files.insert(
        format!("{}/build.rs", krate.path),
        render(&header(&all_sources, regenerate, "//"), build_script(krate))?,
    );

    let rt = rt();
    let mut mods = Vec::new();
    let mut table = Vec::new();
    for module in &krate.modules {
        let name = format_ident!("{}", module.name);
        let mut doc = format!(
            "{} (api-version {}): [`{}::{}`].",
            super::doc_text(module.summary.as_deref().unwrap_or(&module.title))
                .trim_end_matches('.'),
            module.client.api_version,
            module.name,
            module.client.name
        );
        if let Some(feature) = &module.feature {
            doc.push_str(&format!(
                "\n\nEnabled by the `{feature}` feature{}.",
                if module.default {
                    " (on by default)"
                } else {
                    " (off by default)"
                }
            ));
        }
        if let Some(note) = &module.note {
            doc.push_str(&format!("\n\n{}", super::doc_text(note)));
        }
        let doc = markdown_doc_attrs(&doc);
        let cfg = match &module.feature {
            Some(f) => quote!(#[cfg(feature = #f)]),
            None => quote!(),
        };
        // prettyplease, not rustfmt, formats generated code; `cargo fmt` must leave it alone
        // or `codegen check` would report it stale.
        mods.push(quote!(#cfg #doc #[rustfmt::skip] pub mod #name;));
        table.push(quote!(#cfg operations.extend_from_slice(#name::OPERATIONS);));

        let head = header(&module.sources, regenerate, "//");
        files.insert(
            format!("{}/src/{}/mod.rs", krate.path, module.name),
            render(&head, client_file(module)?)?,
        );
        files.insert(
            format!("{}/src/{}/models.rs", krate.path, module.name),
            render(&head, models_file(module)?)?,
        );
    }
    let inner_docs: Vec<String> = format!(
        "{}\n\nGenerated from Azure's OpenAPI specs by this repository's `codegen`; every behaviour (transport, errors, paging, polling) lives in the `keyvault-runtime` crate, re-exported as [`runtime`].",
        super::doc_text(&krate.description)
    )
    .lines()
    .map(|l| format!(" {l}").trim_end().to_owned())
    .collect();
    let lib = quote! {
        #(#![doc = #inner_docs])*
        #![deny(missing_docs)]
        #![allow(clippy::module_inception)]

        /// The runtime the clients are built on: options, errors, responses, pagers, pollers.
        pub use #rt as runtime;

        #(#mods)*

        /// Every operation compiled into this build (by enabled features): its spec
        /// `operationId` and the client method that serves it.
        #[rustfmt::skip]
        pub fn operations() -> Vec<#rt::OperationInfo> {
            #[allow(unused_mut)]
            let mut operations = Vec::new();
            #(#table)*
            operations
        }
    };
    let head = header(&all_sources, regenerate, "//");
    let lib_src = render(&head, lib)?;
    files.insert(format!("{}/src/lib.rs", krate.path), lib_src);
    Ok(())
}

fn cargo_toml(krate: &CrateIr, sources: &[SourceFile], regenerate: &str) -> String {
    let mut out = header(sources, regenerate, "#");
    out.push_str(&format!(
        "\n[package]\nname = \"{}\"\nversion = \"{}\"\nedition = \"2021\"\nrust-version = \"1.85\"\nlicense = \"MIT\"\ndescription = \"{}\"\n{}\n",
        krate.name,
        krate.version,
        krate.description.replace('"', "\\\""),
        if krate.publish { "" } else { "publish = false\n" }
    ));
    // The build script tells dependents which modules a build has (see `build_script`).
    out.push_str(&format!(
        "links = \"{}\"\nbuild = \"build.rs\"\n",
        krate.name
    ));
    out.push_str("[features]\n");
    // The default modules, and HTTP/2 (a runtime feature the crate passes on).
    let defaults: Vec<String> = krate
        .modules
        .iter()
        .filter(|m| m.default)
        .filter_map(|m| m.feature.as_deref())
        .chain(["http2"])
        .map(|f| format!("\"{f}\""))
        .collect();
    out.push_str(&format!("default = [{}]\n", defaults.join(", ")));
    out.push_str("# HTTP/2 when the server offers it (off: HTTP/1.1 only, and a smaller build).\n");
    out.push_str("http2 = [\"keyvault-runtime/http2\"]\n");
    out.push_str(
        "# Also trust the system's root certificates (and SSL_CERT_FILE / SSL_CERT_DIR).\n",
    );
    out.push_str("native-roots = [\"keyvault-runtime/native-roots\"]\n");
    // `full` always exists, whichever modules the config has: crates and tests that want
    // every module name it, never a module's own feature (a removed module's feature would
    // stop cargo from resolving them).
    let all: Vec<String> = krate
        .modules
        .iter()
        .filter_map(|m| m.feature.as_deref())
        .map(|f| format!("\"{f}\""))
        .collect();
    out.push_str("# Every module, also those off by default.\n");
    out.push_str(&format!("full = [{}]\n", all.join(", ")));
    for m in &krate.modules {
        if let Some(f) = &m.feature {
            out.push_str(&format!("{f} = []\n"));
        }
    }
    let depth = krate.path.split('/').count();
    let up = "../".repeat(depth);
    out.push_str(&format!(
        "\n[dependencies]\nkeyvault-runtime = {{ path = \"{up}runtime\", version = \"0.1.0\", default-features = false }}\n"
    ));
    out
}

/// The crate's build script: it publishes the modules this build compiles as the `modules`
/// metadata of the crate's `links` name, which cargo hands to the build scripts of crates
/// depending on it (`DEP_KEYVAULT_MODULES=secrets,keys,...`). They turn it into
/// `cfg(keyvault_module = "...")` and compile their code for a module only when it is there,
/// so a module removed from the config leaves them buildable.
fn build_script(krate: &CrateIr) -> TokenStream {
    let rows = krate.modules.iter().map(|m| {
        let name = &m.name;
        match &m.feature {
            Some(f) => {
                let var = format!("CARGO_FEATURE_{}", f.to_uppercase().replace('-', "_"));
                quote!((#name, Some(#var)))
            }
            None => quote!((#name, None)),
        }
    });
    quote! {
        //! Publishes the modules this build compiles to the crates depending on it (cargo's
        //! `links` metadata: `DEP_<LINKS>_MODULES`).

        /// Each module with the environment variable cargo sets when its feature is on.
        const MODULES: &[(&str, Option<&str>)] = &[#(#rows),*];

        fn main() {
            let enabled: Vec<&str> = MODULES
                .iter()
                .filter(|(_, feature)| feature.is_none_or(|var| std::env::var_os(var).is_some()))
                .map(|(module, _)| *module)
                .collect();
            println!("cargo::metadata=modules={}", enabled.join(","));
            println!("cargo::rerun-if-changed=build.rs");
        }
    }
}
