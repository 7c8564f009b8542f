//! The contract-test support crate: for every operation, a function that builds its request
//! from an `x-ms-examples` entry's parameters through the generated client (so the test
//! exercises the real builders), and one that decodes a response body into the operation's
//! typed result and serializes it back. The data-driven harness in `tests/` drives them; no
//! test is written per operation.

use std::collections::BTreeMap;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{header, ident, render, rt, type_tokens_with};
use crate::config::ContractConfig;
use crate::error::{Error, Result};
use crate::ir::*;

/// Emits the crate's `Cargo.toml`, `lib.rs` and one file per covered module.
pub fn emit_contract_crate(
    config: &ContractConfig,
    crates: &[CrateIr],
    regenerate: &str,
    files: &mut BTreeMap<String, String>,
) -> Result<()> {
    let covered: Vec<&CrateIr> = config
        .crates
        .iter()
        .map(|name| {
            crates.iter().find(|c| &c.name == name).ok_or_else(|| {
                Error::new(format!(
                    "config: the contract crate covers `{name}`, which is not a generated crate"
                ))
            })
        })
        .collect::<Result<_>>()?;
    let mut sources: BTreeMap<String, SourceFile> = BTreeMap::new();
    for krate in &covered {
        for module in &krate.modules {
            for s in &module.sources {
                sources.entry(s.path.clone()).or_insert_with(|| s.clone());
            }
        }
    }
    let sources: Vec<SourceFile> = sources.into_values().collect();

    let depth = config.path.split('/').count();
    let up = "../".repeat(depth);
    let mut cargo = header(&sources, regenerate, "#");
    cargo.push_str(&format!(
        "\n[package]\nname = \"{}\"\nversion = \"0.0.0\"\nedition = \"2021\"\n{}license = \"MIT\"\ndescription = \"Contract-test support: every operation's request built from its spec examples through the generated clients, and its responses decoded.\"\npublish = false\n\n[dependencies]\n",
        config.name,
        super::crate_files::rust_version_line(
            covered.first().and_then(|k| k.rust_version.as_deref())
        )
    ));
    for krate in &covered {
        let features: Vec<String> = krate
            .modules
            .iter()
            .filter_map(|m| m.feature.clone())
            .map(|f| format!("\"{f}\""))
            .collect();
        cargo.push_str(&format!(
            "{} = {{ path = \"{up}{}\", features = [{}] }}\n",
            krate.name,
            krate.path,
            features.join(", ")
        ));
    }
    cargo.push_str(&format!(
        "keyvault-runtime = {{ path = \"{up}runtime\" }}\nserde = {{ version = \"1\" }}\nserde_json = \"1\"\n"
    ));
    files.insert(format!("{}/Cargo.toml", config.path), cargo);

    let head = header(&sources, regenerate, "//");
    let mut mods = Vec::new();
    let mut tables = Vec::new();
    for krate in &covered {
        let crate_ident = format_ident!("{}", krate.name.replace('-', "_"));
        for module in &krate.modules {
            let file_mod = format_ident!("{}_{}", krate.name.replace('-', "_"), module.name);
            let body = module_file(krate, &crate_ident, module)?;
            let module_head = header(&module.sources, regenerate, "//");
            files.insert(
                format!("{}/src/{}.rs", config.path, file_mod),
                render(&module_head, body)?,
            );
            mods.push(quote!(#[rustfmt::skip] mod #file_mod;));
            tables.push(quote!(operations.extend(crate::#file_mod::operations());));
        }
    }
    let rt = rt();
    // The crate root only declares modules (marked so that `cargo fmt` leaves the generated
    // files to prettyplease); the support code lives in `support.rs`.
    let lib = quote! {
        //! Contract-test support (generated): for every operation, its request built from a spec
        //! example's parameters through the generated client, and a decoder for its responses.
        #![deny(missing_docs)]

        #[rustfmt::skip]
        mod support;
        #(#mods)*

        use support::reencode;
        pub use support::{operations, Build, Call, ContractOperation, Decode, Example};
    };
    files.insert(format!("{}/src/lib.rs", config.path), render(&head, lib)?);
    let support = quote! {
        //! The example parameters, the operation table and the decoding helper.

        use #rt::http::Request;
        use #rt::{ClientOptions, Error, Result};
        use serde_json::{Map, Value};

        /// An example's `parameters` object, optionally aimed at another endpoint with other
        /// client options (a local validator).
        #[derive(Debug, Clone)]
        pub struct Example<'a> {
            params: &'a Map<String, Value>,
            endpoint: Option<String>,
            options: Option<ClientOptions>,
        }

        impl<'a> Example<'a> {
            /// Wraps the parameters.
            pub fn new(params: &'a Map<String, Value>) -> Self {
                Example { params, endpoint: None, options: None }
            }

            /// Sends to `endpoint` instead of the example's host.
            pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
                self.endpoint = Some(endpoint.into());
                self
            }

            /// Uses these client options (and the spec's api-version) instead of the defaults
            /// with the example's api-version.
            pub fn with_options(mut self, options: ClientOptions) -> Self {
                self.options = Some(options);
                self
            }

            /// The endpoint override.
            pub fn endpoint(&self) -> Option<&str> {
                self.endpoint.as_deref()
            }

            /// A host template parameter: the endpoint override, else the example's value.
            pub fn host(&self, wire: &str) -> Result<String> {
                match &self.endpoint {
                    Some(endpoint) => Ok(endpoint.clone()),
                    None => self.required(wire),
                }
            }

            /// A parameter the operation requires, decoded into its Rust type.
            pub fn required<T: serde::de::DeserializeOwned>(&self, wire: &str) -> Result<T> {
                self.optional(wire)?.ok_or_else(|| {
                    Error::invalid_input(wire, "is required but missing from the example")
                })
            }

            /// An optional parameter (absent or `null` is `None`).
            pub fn optional<T: serde::de::DeserializeOwned>(&self, wire: &str) -> Result<Option<T>> {
                match self.params.get(wire) {
                    None | Some(Value::Null) => Ok(None),
                    Some(value) => serde_json::from_value(value.clone())
                        .map(Some)
                        .map_err(|e| Error::invalid_input(wire, format!("does not decode: {e}"))),
                }
            }

            /// The client options: the override, else defaults sending the example's own
            /// api-version.
            pub fn options(&self) -> ClientOptions {
                if let Some(options) = &self.options {
                    return options.clone();
                }
                let options = ClientOptions::default();
                match self.params.get("api-version").and_then(Value::as_str) {
                    Some(version) => options.with_api_version(version),
                    None => options,
                }
            }
        }

        /// Decodes a body into `T` and serializes it back.
        pub(crate) fn reencode<T: serde::de::DeserializeOwned + serde::Serialize>(body: &[u8]) -> Result<Value> {
            let model: T = #rt::response::decode_json(body)?;
            serde_json::to_value(&model).map_err(|e| Error::invalid_input("response", e.to_string()))
        }

        /// Builds an operation's request from an example.
        pub type Build = fn(&Example<'_>) -> Result<Request>;

        /// Calls an operation through its generated method with an example's parameters.
        pub type Call = for<'a> fn(Example<'a>) -> #rt::http::BoxFuture<'a, Result<()>>;

        /// Decodes a response body of the given status; `None` when that status has no body.
        pub type Decode = fn(u16, &[u8]) -> Result<Option<Value>>;

        /// One operation.
        #[derive(Debug, Clone, Copy)]
        pub struct ContractOperation {
            /// The generated crate.
            pub crate_name: &'static str,
            /// The module.
            pub module: &'static str,
            /// The spec's operationId.
            pub operation_id: &'static str,
            /// Builds the request.
            pub build: Build,
            /// Calls the generated method.
            pub call: Call,
            /// Decodes a response.
            pub decode: Decode,
        }

        /// Every covered operation.
        pub fn operations() -> Vec<ContractOperation> {
            let mut operations = Vec::new();
            #(#tables)*
            operations
        }
    };
    files.insert(
        format!("{}/src/support.rs", config.path),
        render(&head, support)?,
    );
    Ok(())
}

fn module_file(
    krate: &CrateIr,
    crate_ident: &proc_macro2::Ident,
    module: &ModuleIr,
) -> Result<TokenStream> {
    let module_ident = format_ident!("{}", module.name);
    let client = &module.client;
    let client_name = format_ident!("{}", client.name);
    let named = |name: &str| {
        let name = ident(name);
        quote!(::#crate_ident::#module_ident::models::#name)
    };
    let ty = |t: &TypeRef| type_tokens_with(t, &named);

    // Constructor: host parameters (`&str`), client parameters, options.
    let mut ctor_args = Vec::new();
    if let Host::Template { params, .. } = &client.host {
        for p in params {
            let wire = &p.wire_name;
            ctor_args.push(quote!(&example.host(#wire)?));
        }
    }

    let mut functions = Vec::new();
    let mut rows = Vec::new();
    let all = client.operations.iter().map(|op| (None, op)).chain(
        client
            .groups
            .iter()
            .flat_map(|g| g.operations.iter().map(move |op| (Some(g), op))),
    );
    for (group, op) in all {
        let snake = op
            .operation_id
            .to_ascii_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "_");
        let build_fn = format_ident!("build_{snake}");
        let call_fn = format_ident!("call_{snake}");
        let decode_fn = format_ident!("decode_{snake}");
        let client_fn = format_ident!("client_{snake}");
        let builder_fn = format_ident!("builder_{snake}");
        let method = ident(&op.method);
        let target = match group {
            Some(g) => {
                let accessor = ident(&g.accessor);
                quote!(client.#accessor())
            }
            None => quote!(client),
        };
        // Client parameters the operation does not use need not be in its examples, but the
        // client's constructor still wants a value.
        let mut ctor_args = ctor_args.clone();
        for p in &client.params {
            let wire = &p.wire_name;
            let t = ty(&p.ty);
            if op.client_params.contains(&p.wire_name) {
                ctor_args.push(quote!(example.required::<#t>(#wire)?));
            } else {
                ctor_args.push(quote!(example.optional::<#t>(#wire)?.unwrap_or_else(|| "unused-by-this-operation".into())));
            }
        }
        let mut args = Vec::new();
        let mut setters = Vec::new();
        for p in &op.params {
            let wire = &p.wire_name;
            let t = ty(&p.ty);
            let name = ident(&p.rust_name);
            if p.required {
                args.push(quote!(example.required::<#t>(#wire)?));
            } else {
                setters.push(quote! {
                    if let Some(value) = example.optional::<#t>(#wire)? {
                        builder = builder.#name(value);
                    }
                });
            }
        }
        if let Some(body) = &op.body {
            let wire = &body.wire_name;
            let t = ty(&body.ty);
            let name = ident(&body.rust_name);
            if body.required {
                args.push(quote!(example.required::<#t>(#wire)?));
            } else {
                setters.push(quote! {
                    if let Some(value) = example.optional::<#t>(#wire)? {
                        builder = builder.#name(value);
                    }
                });
            }
        }
        // Templates take the example's values (or the endpoint override); fixed hosts use the
        // client's default endpoint unless overridden.
        let client_path = quote!(::#crate_ident::#module_ident::#client_name);
        let ctor = match &client.host {
            Host::Template { .. } => quote!(#client_path::new(#(#ctor_args,)* example.options())?),
            Host::Fixed(_) => quote! {
                match example.endpoint() {
                    Some(endpoint) => #client_path::with_endpoint(endpoint, #(#ctor_args,)* example.options())?,
                    None => #client_path::new(#(#ctor_args,)* example.options())?,
                }
            },
        };
        let mutability = if setters.is_empty() {
            quote!()
        } else {
            quote!(mut)
        };
        let builder_ty = {
            let name = ident(&op.builder);
            quote!(::#crate_ident::#module_ident::#name)
        };
        // The client and the builder are set up once per operation; building the request and
        // calling the operation both start from them.
        let doc = format!(
            "Constructs the client `{}` is called on from an example.",
            op.operation_id
        );
        functions.push(quote! {
            #[doc = #doc]
            fn #client_fn(example: &crate::Example<'_>) -> ::keyvault_runtime::Result<#client_path> {
                let client = #ctor;
                Ok(client)
            }
        });
        let doc = format!(
            "Sets up `{}` with an example's parameters.",
            op.operation_id
        );
        // Operations without parameters read nothing from the example.
        let example_param = if args.is_empty() && setters.is_empty() {
            format_ident!("_example")
        } else {
            format_ident!("example")
        };
        functions.push(quote! {
            #[doc = #doc]
            fn #builder_fn<'c>(client: &'c #client_path, #example_param: &crate::Example<'_>) -> ::keyvault_runtime::Result<#builder_ty<'c>> {
                let #mutability builder = #target.#method(#(#args),*);
                #(#setters)*
                Ok(builder)
            }
        });
        let doc = format!("Builds `{}` from an example.", op.operation_id);
        functions.push(quote! {
            #[doc = #doc]
            fn #build_fn(example: &crate::Example<'_>) -> ::keyvault_runtime::Result<::keyvault_runtime::http::Request> {
                let client = #client_fn(example)?;
                #builder_fn(&client, example)?.build_request()
            }
        });
        // Sending goes through the generated method's own path: `send` (decoding the typed
        // result), the first page of a list, or the first step of a poller.
        let finish = if op.paging.is_some() {
            quote!(::keyvault_runtime::__private::futures::StreamExt::next(
                &mut builder.into_pages()
            )
            .await
            .transpose()
            .map(drop))
        } else if op.lro.is_some() {
            quote!(builder.into_poller().step().await.map(drop))
        } else {
            quote!(builder.send().await.map(drop))
        };
        let doc = format!("Calls `{}` with an example's parameters.", op.operation_id);
        functions.push(quote! {
            #[doc = #doc]
            fn #call_fn(example: crate::Example<'_>) -> ::keyvault_runtime::http::BoxFuture<'_, ::keyvault_runtime::Result<()>> {
                Box::pin(async move {
                    let example = &example;
                    let client = #client_fn(example)?;
                    let builder = #builder_fn(&client, example)?;
                    #finish
                })
            }
        });

        // Decoding: statuses with a body decode the result type, those without have none,
        // anything else is the default error model.
        let mut arms = Vec::new();
        let body_ty = match &op.result {
            ResultShape::Body(t) | ResultShape::OptionalBody(t) => Some(ty(t)),
            ResultShape::Empty | ResultShape::Bytes => None,
        };
        for (status, has_body) in &op.success {
            let code = Literal::u16_unsuffixed(*status);
            match (&body_ty, has_body) {
                (Some(t), true) => {
                    arms.push(quote!(#code => crate::reencode::<#t>(body).map(Some),))
                }
                _ => arms.push(quote!(#code => Ok(None),)),
            }
        }
        let fallback = match &op.error_type {
            Some(e) => {
                let t = ty(e);
                quote!(_ => crate::reencode::<#t>(body).map(Some),)
            }
            None => quote!(_ => Ok(None),),
        };
        let doc = format!("Decodes a `{}` response.", op.operation_id);
        functions.push(quote! {
            #[doc = #doc]
            fn #decode_fn(status: u16, body: &[u8]) -> ::keyvault_runtime::Result<Option<::serde_json::Value>> {
                match status {
                    #(#arms)*
                    #fallback
                }
            }
        });
        let crate_name = &krate.name;
        let module_name = &module.name;
        let op_id = &op.operation_id;
        rows.push(quote! {
            crate::ContractOperation {
                crate_name: #crate_name,
                module: #module_name,
                operation_id: #op_id,
                build: #build_fn,
                call: #call_fn,
                decode: #decode_fn,
            }
        });
    }
    let feature_note = format!(
        "The `{}` module of `{}`: request builders and response decoders.",
        module.name, krate.name
    );
    Ok(quote! {
        #![doc = #feature_note]
        #![allow(unused_mut, clippy::let_and_return)]

        #(#functions)*

        /// The module's operations.
        pub(crate) fn operations() -> Vec<crate::ContractOperation> {
            vec![#(#rows),*]
        }
    })
}
