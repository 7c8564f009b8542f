//! A module's client, sub-clients and one builder per operation.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{doc_attrs, ident, markdown_doc_attrs, rt, type_tokens, Scope};
use crate::error::{Error, Result};
use crate::ir::*;

/// The module file (`<module>/mod.rs`): client, sub-clients, builders, operation table.
pub fn client_file(module: &ModuleIr) -> Result<TokenStream> {
    let rt = rt();
    let client = &module.client;
    let client_name = format_ident!("{}", client.name);
    let api_version = &client.api_version;
    let scopes = &client.scopes;

    let mut fields = Vec::new();
    let mut ctor_params = Vec::new();
    let mut ctor_checks = Vec::new();
    let mut ctor_inits = Vec::new();
    let mut ctor_args = Vec::new();
    for p in &client.params {
        if p.ty != TypeRef::String {
            return Err(Error::at(&p.origin, "client parameters must be strings"));
        }
        let name = ident(&p.rust_name);
        let doc = doc_attrs(p.doc.as_deref().unwrap_or("A client parameter."));
        fields.push(quote!(#doc #name: String,));
        ctor_params.push(quote!(#name: impl Into<String>));
        let checks = value_checks(p, quote!(#name.as_str()))?;
        let wire = &p.wire_name;
        let checks = if checks.is_empty() {
            quote!()
        } else {
            quote!(if options.validate_constraints { #checks })
        };
        ctor_checks.push(quote! {
            let #name: String = #name.into();
            if #name.is_empty() {
                return Err(#rt::Error::invalid_input(#wire, "must not be empty"));
            }
            #checks
        });
        ctor_inits.push(quote!(#name,));
        ctor_args.push(quote!(#name));
    }

    let constructors = match &client.host {
        Host::Fixed(default) => {
            // Our own Markdown: the link and the code span must reach rustdoc unescaped.
            let doc = markdown_doc_attrs(&format!("A client for the public cloud endpoint, `{default}`; use [`Self::with_endpoint`] for other clouds (or an emulator)."));
            quote! {
                /// The endpoint used by [`Self::new`].
                pub const DEFAULT_ENDPOINT: &'static str = #default;

                #doc
                pub fn new(#(#ctor_params,)* options: #rt::ClientOptions) -> #rt::Result<Self> {
                    Self::with_endpoint(Self::DEFAULT_ENDPOINT, #(#ctor_args,)* options)
                }

                /// A client for the given endpoint (a sovereign cloud, a test server).
                pub fn with_endpoint(endpoint: &str, #(#ctor_params,)* options: #rt::ClientOptions) -> #rt::Result<Self> {
                    let endpoint = #rt::url_builder::parse_endpoint("endpoint", endpoint)?;
                    #(#ctor_checks)*
                    let pipeline = #rt::Pipeline::new(&SERVICE, &options, &endpoint)?;
                    let api_version = options.api_version.clone().unwrap_or_else(|| SERVICE.api_version.to_owned());
                    Ok(Self { endpoint, api_version, pipeline, validate: options.validate_constraints, #(#ctor_inits)* })
                }
            }
        }
        Host::Template {
            template,
            scheme_prefix,
            params,
        } => {
            let mut host_params = Vec::new();
            let mut build = Vec::new();
            let mut rest = template.as_str();
            if let Some(scheme) = scheme_prefix {
                let prefix = format!("{scheme}://");
                build.push(quote!(host.push_str(#prefix);));
            }
            while let Some(start) = rest.find('{') {
                let end = rest[start..]
                    .find('}')
                    .map(|e| start + e)
                    .ok_or_else(|| Error::new(format!("bad host template `{template}`")))?;
                let literal = &rest[..start];
                if !literal.is_empty() {
                    build.push(quote!(host.push_str(#literal);));
                }
                let name = &rest[start + 1..end];
                let p = params.iter().find(|p| p.wire_name == name).ok_or_else(|| {
                    Error::new(format!("host template parameter `{name}` is not defined"))
                })?;
                let pname = ident(&p.rust_name);
                if p.skip_encoding {
                    build.push(quote!(host.push_str(#pname);));
                } else {
                    build.push(quote!(host.push_str(&#rt::url_builder::encode_component(#pname));));
                }
                rest = &rest[end + 1..];
            }
            if !rest.is_empty() {
                build.push(quote!(host.push_str(#rest);));
            }
            for p in params {
                let pname = ident(&p.rust_name);
                host_params.push(quote!(#pname: &str));
            }
            let endpoint_param = params
                .first()
                .map(|p| p.wire_name.clone())
                .unwrap_or_else(|| "endpoint".into());
            let doc =
                markdown_doc_attrs(&format!(
                "A client for the service at the given {}, e.g. `https://myvault.vault.azure.net`.",
                params.iter().map(|p| format!("`{}`", p.rust_name)).collect::<Vec<_>>().join(", ")
            ));
            quote! {
                #doc
                pub fn new(#(#host_params,)* #(#ctor_params,)* options: #rt::ClientOptions) -> #rt::Result<Self> {
                    let mut host = String::new();
                    #(#build)*
                    let endpoint = #rt::url_builder::parse_endpoint(#endpoint_param, &host)?;
                    #(#ctor_checks)*
                    let pipeline = #rt::Pipeline::new(&SERVICE, &options, &endpoint)?;
                    let api_version = options.api_version.clone().unwrap_or_else(|| SERVICE.api_version.to_owned());
                    Ok(Self { endpoint, api_version, pipeline, validate: options.validate_constraints, #(#ctor_inits)* })
                }
            }
        }
    };

    let mut methods = Vec::new();
    let mut builders = Vec::new();
    let mut table = Vec::new();
    for op in &client.operations {
        methods.push(op_method(op, false)?);
        builders.push(builder(client, op)?);
        table.push(table_row(module, &client.name, op));
    }
    let mut accessors = Vec::new();
    let mut groups = Vec::new();
    for group in &client.groups {
        let accessor = ident(&group.accessor);
        let type_name = format_ident!("{}", group.type_name);
        let adoc = doc_attrs(&format!("Operations of the `{}` group.", group.wire_name));
        accessors.push(quote! {
            #adoc
            pub fn #accessor(&self) -> #type_name<'_> {
                #type_name { client: self }
            }
        });
        let mut group_methods = Vec::new();
        for op in &group.operations {
            group_methods.push(op_method(op, true)?);
            builders.push(builder(client, op)?);
            table.push(table_row(
                module,
                &format!("{}::{}", client.name, group.accessor),
                op,
            ));
        }
        let gdoc = markdown_doc_attrs(&format!(
            "The `{}` operations; get one from [`{}::{}`].",
            group.wire_name, client.name, group.accessor
        ));
        groups.push(quote! {
            #gdoc
            #[derive(Debug, Clone, Copy)]
            pub struct #type_name<'a> {
                client: &'a #client_name,
            }
            impl<'a> #type_name<'a> {
                #(#group_methods)*
            }
        });
    }

    let auth = if client.challenge_auth {
        quote!(.with_auth(#rt::AuthScheme::KeyVaultChallenge))
    } else {
        quote!()
    };
    let client_doc = match &module.summary {
        Some(summary) => doc_attrs(&format!("{summary}\n\nAPI version {api_version}.")),
        None => doc_attrs(&format!(
            "The client for {} (api-version {}).\n\n{}",
            module.title,
            api_version,
            module.description.as_deref().unwrap_or("")
        )),
    };
    Ok(quote! {
        #![allow(clippy::too_many_arguments, clippy::doc_lazy_continuation)]
        /// The request and response models of this module.
        pub mod models;

        static SERVICE: #rt::ServiceInfo = #rt::ServiceInfo::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"), #api_version, &[#(#scopes),*])#auth;

        /// Every operation of this module: its spec `operationId` and the method that serves it.
        pub const OPERATIONS: &[#rt::OperationInfo] = &[#(#table),*];

        #client_doc
        #[derive(Debug, Clone)]
        pub struct #client_name {
            endpoint: #rt::http::Url,
            api_version: String,
            pipeline: #rt::Pipeline,
            validate: bool,
            #(#fields)*
        }

        impl #client_name {
            #constructors

            /// The endpoint every request goes to.
            pub fn endpoint(&self) -> &#rt::http::Url {
                &self.endpoint
            }

            /// Whether arguments are checked against the spec's constraints before sending.
            pub fn validates_constraints(&self) -> bool {
                self.validate
            }

            /// The api-version sent with every request.
            pub fn api_version(&self) -> &str {
                &self.api_version
            }

            /// The pipeline requests go through, for hand-written operations built on this
            /// client (send a builder's `build_request()` through it).
            pub fn pipeline(&self) -> &#rt::Pipeline {
                &self.pipeline
            }

            #(#accessors)*
            #(#methods)*
        }

        #(#groups)*
        #(#builders)*
    })
}

fn table_row(module: &ModuleIr, client: &str, op: &OperationIr) -> TokenStream {
    let rt = rt();
    let (id, m, method, verb, path) = (
        &op.operation_id,
        &module.name,
        &op.method,
        &op.http_method,
        &op.path_template,
    );
    quote!(#rt::OperationInfo::new(#id, #m, #client, #method, #verb, #path))
}

/// The type a builder stores a parameter as (and its setter takes).
fn param_type(p: &Param) -> TokenStream {
    type_tokens(&p.ty, Scope::Client)
}

/// `impl Into<String>` for strings, the type itself otherwise.
fn arg_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(impl Into<String>),
        other => {
            let t = type_tokens(other, Scope::Client);
            quote!(impl Into<#t>)
        }
    }
}

fn op_docs(op: &OperationIr) -> TokenStream {
    let mut text = String::new();
    if let Some(summary) = &op.summary {
        text.push_str(summary);
    }
    if let Some(description) = &op.description {
        if op.summary.as_deref() != Some(description.as_str()) {
            text.push_str("\n\n");
            text.push_str(description);
        }
    }
    if text.is_empty() {
        text.push_str("Calls the service.");
    }
    text.push_str(&format!(
        "\n\nSpec operation: `{}` (`{} {}`).",
        op.operation_id, op.http_method, op.path_template
    ));
    let deprecated = if op.deprecated {
        quote!(#[deprecated(note = "the service marks this operation deprecated")])
    } else {
        quote!()
    };
    let mut doc = doc_attrs(&text);
    if let Some(model) = &op.odata_model {
        doc.extend(markdown_doc_attrs(&format!("\n{}", odata_doc(model))));
    }
    // The config's notes are Markdown written here, not spec text: kept as they are.
    for note in &op.notes {
        doc.extend(markdown_doc_attrs(&format!("\n{}", note.trim())));
    }
    quote!(#doc #deprecated)
}

/// What `x-ms-odata` says: the properties an OData `$filter` may name.
fn odata_doc(model: &str) -> String {
    format!("OData queries (`$filter`) are written against the properties of [`models::{model}`].")
}

fn op_method(op: &OperationIr, grouped: bool) -> Result<TokenStream> {
    let method = ident(&op.method);
    let builder = format_ident!("{}", op.builder);
    let docs = op_docs(op);
    let mut args = Vec::new();
    let mut inits = Vec::new();
    for p in &op.params {
        let name = ident(&p.rust_name);
        if p.required {
            let ty = arg_type(&p.ty);
            args.push(quote!(#name: #ty));
            inits.push(quote!(#name: #name.into(),));
        } else {
            inits.push(quote!(#name: None,));
        }
    }
    if let Some(body) = &op.body {
        let name = ident(&body.rust_name);
        if body.required {
            let ty = type_tokens(&body.ty, Scope::Client);
            args.push(quote!(#name: impl Into<#ty>));
            inits.push(quote!(#name: #name.into(),));
        } else {
            inits.push(quote!(#name: None,));
        }
    }
    inits.push(quote!(call_options: Default::default(),));
    if op.paging.is_some() {
        inits.push(quote!(continuation_token: None,));
    }
    if op.lro.is_some() {
        let rt = rt();
        inits.push(quote!(poller_options: #rt::PollerOptions::default(),));
    }
    let (receiver, lifetime, client_expr) = if grouped {
        (quote!(&self), quote!('a), quote!(self.client))
    } else {
        (quote!(&self), quote!('_), quote!(self))
    };
    let resume = match &op.lro {
        Some(lro) => {
            let rt = rt();
            let resume_name = format_ident!("resume_{}", op.method.trim_start_matches("r#"));
            let op_id = &op.operation_id;
            let context = call_context(op);
            let (final_ty, decode) = lro_result(op, lro);
            let doc = doc_attrs(&format!(
                "Resumes a `{op_id}` operation from the continuation token of its poller (`Poller::continuation_token`), e.g. in another process. The token's URLs must be on this client's endpoint."
            ));
            quote! {
                #doc
                pub fn #resume_name(#receiver, token: &str) -> #rt::Result<#rt::Poller<#final_ty>> {
                    let client = #client_expr;
                    #rt::poller::resume(
                        client.pipeline.clone(),
                        #context,
                        &client.endpoint,
                        token,
                        #rt::PollerOptions::default(),
                        #decode,
                    )
                }
            }
        }
        None => quote!(),
    };
    Ok(quote! {
        #docs
        pub fn #method(#receiver, #(#args),*) -> #builder<#lifetime> {
            #builder { client: #client_expr, #(#inits)* }
        }
        #resume
    })
}

/// The final result type of a long-running operation and the function decoding it.
/// The call's `Context`: its operationId, and whether the retry policy may send it again after
/// it may have reached the service although its HTTP method is not idempotent.
fn call_context(op: &OperationIr) -> TokenStream {
    let rt = rt();
    let op_id = &op.operation_id;
    if op.idempotent {
        quote!(#rt::Context::new(#op_id).with_idempotent(true))
    } else {
        quote!(#rt::Context::new(#op_id))
    }
}

fn lro_result(op: &OperationIr, lro: &Lro) -> (TokenStream, TokenStream) {
    let rt = rt();
    match &lro.final_type {
        None => (quote!(()), quote!(|_| Ok(()))),
        Some(ty) if op.http_method == "DELETE" => {
            let t = type_tokens(ty, Scope::Client);
            (
                quote!(Option<#t>),
                quote!(|raw| if raw.body.is_empty() { Ok(None) } else { #rt::response::decode_json(&raw.body).map(Some) }),
            )
        }
        Some(ty) => (
            type_tokens(ty, Scope::Client),
            quote!(|raw| #rt::response::decode_json(&raw.body)),
        ),
    }
}

/// The constraint checks of one value, as statements returning early with an error.
fn value_checks(p: &Param, value: TokenStream) -> Result<TokenStream> {
    let rt = rt();
    let wire = &p.wire_name;
    let c = &p.constraints;
    let mut checks = Vec::new();
    match &p.ty {
        TypeRef::String => {
            if let Some(pattern) = &c.pattern {
                checks.push(quote!(#rt::validate::pattern(#wire, #value, #pattern)?;));
            }
            if c.min_length.is_some() || c.max_length.is_some() {
                let min = opt_usize(c.min_length);
                let max = opt_usize(c.max_length);
                checks.push(quote!(#rt::validate::length(#wire, #value, #min, #max)?;));
            }
        }
        TypeRef::I32 | TypeRef::I64 | TypeRef::F32 | TypeRef::F64
            if c.minimum.is_some() || c.maximum.is_some() =>
        {
            let lit = |v: Option<f64>| -> TokenStream {
                match v {
                    None => quote!(None),
                    Some(v) => {
                        let l = match &p.ty {
                            TypeRef::I32 => Literal::i32_suffixed(v as i32),
                            TypeRef::I64 => Literal::i64_suffixed(v as i64),
                            TypeRef::F32 => Literal::f32_suffixed(v as f32),
                            _ => Literal::f64_suffixed(v),
                        };
                        quote!(Some(#l))
                    }
                }
            };
            let (min, max) = (lit(c.minimum), lit(c.maximum));
            checks.push(quote!(#rt::validate::range(#wire, *#value, #min, #max)?;));
        }
        TypeRef::Array(_) if c.min_items.is_some() || c.max_items.is_some() => {
            let min = opt_usize(c.min_items);
            let max = opt_usize(c.max_items);
            checks.push(quote!(#rt::validate::items(#wire, #value.len(), #min, #max)?;));
        }
        _ => {}
    }
    Ok(quote!(#(#checks)*))
}

fn opt_usize(v: Option<u64>) -> TokenStream {
    match v {
        Some(v) => {
            let l = Literal::usize_unsuffixed(v as usize);
            quote!(Some(#l))
        }
        None => quote!(None),
    }
}

/// An expression turning a parameter value (a reference) into text for a URL or header.
fn to_text(
    ty: &TypeRef,
    value: TokenStream,
    collection_format: Option<&str>,
    origin: &crate::error::Origin,
) -> Result<TokenStream> {
    Ok(match ty {
        TypeRef::String => quote!(#value.as_str()),
        TypeRef::Named(_) => quote!(#value.as_str()),
        TypeRef::Bool | TypeRef::I32 | TypeRef::I64 | TypeRef::F32 | TypeRef::F64 => {
            quote!(#value.to_string().as_str())
        }
        TypeRef::Array(inner) => {
            let sep = match collection_format.unwrap_or("csv") {
                "csv" => ",",
                "ssv" => " ",
                "tsv" => "\t",
                "pipes" => "|",
                other => {
                    return Err(Error::at(
                        origin,
                        format!("collectionFormat `{other}` is not supported here"),
                    ))
                }
            };
            let item = to_text(inner, quote!(item), None, origin)?;
            quote!(#value.iter().map(|item| #item.to_owned()).collect::<Vec<String>>().join(#sep).as_str())
        }
        _ => {
            return Err(Error::at(
                origin,
                "this parameter type cannot be sent in a URL or header",
            ))
        }
    })
}

fn builder(client: &ClientIr, op: &OperationIr) -> Result<TokenStream> {
    let rt = rt();
    let client_name = format_ident!("{}", client.name);
    let builder = format_ident!("{}", op.builder);
    let context = call_context(op);

    let mut fields = Vec::new();
    let mut setters = Vec::new();
    let mut checks = Vec::new();
    for p in &op.params {
        let name = ident(&p.rust_name);
        let ty = param_type(p);
        let mut doc = doc_attrs(p.doc.as_deref().unwrap_or("A parameter of the operation."));
        if let (Some(model), "$filter") = (&op.odata_model, p.wire_name.as_str()) {
            doc.extend(markdown_doc_attrs(&format!("\n{}", odata_doc(model))));
        }
        if p.required {
            fields.push(quote!(#name: #ty,));
            let c = value_checks(p, quote!(&self.#name))?;
            checks.push(c);
        } else {
            fields.push(quote!(#name: Option<#ty>,));
            let arg = arg_type(&p.ty);
            setters.push(quote! {
                #doc
                pub fn #name(mut self, value: #arg) -> Self {
                    self.#name = Some(value.into());
                    self
                }
            });
            let c = value_checks(p, quote!(value))?;
            if !c.is_empty() {
                checks.push(quote!(if let Some(value) = &self.#name { #c }));
            }
        }
    }
    if let Some(body) = &op.body {
        let name = ident(&body.rust_name);
        let ty = type_tokens(&body.ty, Scope::Client);
        if body.required {
            fields.push(quote!(#name: #ty,));
        } else {
            fields.push(quote!(#name: Option<#ty>,));
            let doc = doc_attrs(body.doc.as_deref().unwrap_or("The request body."));
            setters.push(quote! {
                #doc
                pub fn #name(mut self, value: impl Into<#ty>) -> Self {
                    self.#name = Some(value.into());
                    self
                }
            });
        }
    }

    // URL: path pieces, then query.
    let mut url = Vec::new();
    for piece in &op.path {
        match piece {
            PathPiece::Literal(text) => url.push(quote!(url.literal(#text);)),
            PathPiece::Param(wire) => {
                if let Some(p) = op
                    .params
                    .iter()
                    .find(|p| &p.wire_name == wire && p.location == ParamLocation::Path)
                {
                    let name = ident(&p.rust_name);
                    if p.required && p.skip_encoding {
                        // A path of its own (a role scope): segments kept, each encoded.
                        let text = to_text(&p.ty, quote!(self.#name), None, &p.origin)?;
                        url.push(quote!(url.path(#wire, #text)?;));
                    } else if p.required {
                        let text = to_text(&p.ty, quote!(self.#name), None, &p.origin)?;
                        url.push(quote!(url.segment(#wire, #text)?;));
                    } else {
                        if p.ty != TypeRef::String {
                            return Err(Error::at(
                                &p.origin,
                                "optional path parameters must be strings",
                            ));
                        }
                        url.push(quote!(url.optional_segment(#wire, self.#name.as_deref())?;));
                    }
                } else {
                    let p = client
                        .params
                        .iter()
                        .find(|p| &p.wire_name == wire)
                        .ok_or_else(|| {
                            Error::at(&op.origin, format!("unknown path parameter {wire}"))
                        })?;
                    let name = ident(&p.rust_name);
                    if p.skip_encoding {
                        url.push(quote!(url.path(#wire, &client.#name)?;));
                    } else {
                        url.push(quote!(url.segment(#wire, &client.#name)?;));
                    }
                }
            }
        }
    }
    if op.sends_api_version {
        url.push(quote!(url.query("api-version", &client.api_version);));
    }
    for (k, v) in &op.fixed_query {
        url.push(quote!(url.query(#k, #v);));
    }
    let mut headers = Vec::new();
    // Client parameters go only into the operations that declare them.
    let declared_client_params = client
        .params
        .iter()
        .filter(|p| op.client_params.contains(&p.wire_name));
    for p in op.params.iter().chain(declared_client_params) {
        if p.location != ParamLocation::Query && p.location != ParamLocation::Header {
            continue;
        }
        let wire = &p.wire_name;
        let is_client = !op.params.iter().any(|q| std::ptr::eq(q, p));
        let name = ident(&p.rust_name);
        let target = if is_client {
            quote!(client.#name)
        } else {
            quote!(self.#name)
        };
        let multi = p.collection_format.as_deref() == Some("multi");
        let emit_one = |value: TokenStream| -> Result<TokenStream> {
            if p.location == ParamLocation::Query {
                if multi {
                    let TypeRef::Array(inner) = &p.ty else {
                        return Err(Error::at(&p.origin, "multi on a non-array"));
                    };
                    let item = to_text(inner, quote!(item), None, &p.origin)?;
                    Ok(quote!(for item in #value.iter() { url.query(#wire, #item); }))
                } else {
                    let text = to_text(&p.ty, value, p.collection_format.as_deref(), &p.origin)?;
                    Ok(quote!(url.query(#wire, #text);))
                }
            } else {
                let text = to_text(&p.ty, value, p.collection_format.as_deref(), &p.origin)?;
                let lower = wire.to_ascii_lowercase();
                Ok(quote!(request.set_header(#wire, #lower, #text)?;))
            }
        };
        let stmt = if p.required || is_client {
            emit_one(quote!(#target))?
        } else {
            let inner = emit_one(quote!(value))?;
            match &p.client_default {
                // The spec's default is sent as written when the caller sets nothing.
                Some(default) => {
                    let fallback = if p.location == ParamLocation::Query {
                        quote!(url.query(#wire, #default);)
                    } else {
                        let lower = wire.to_ascii_lowercase();
                        quote!(request.set_header(#wire, #lower, #default)?;)
                    };
                    quote! {
                        match &#target {
                            Some(value) => { #inner }
                            None => { #fallback }
                        }
                    }
                }
                None => quote!(if let Some(value) = &#target { #inner }),
            }
        };
        if p.location == ParamLocation::Query {
            url.push(stmt);
        } else {
            headers.push(stmt);
        }
    }
    let http_method = format_ident!("{}", op.http_method);
    let body_stmt = match &op.body {
        None => quote!(),
        Some(body) => {
            let name = ident(&body.rust_name);
            let wire = &body.wire_name;
            if body.required {
                quote!(request.set_json(#wire, &self.#name)?;)
            } else {
                quote!(if let Some(body) = &self.#name { request.set_json(#wire, body)?; })
            }
        }
    };

    let validate = if checks.iter().all(|c| c.is_empty()) {
        quote!()
    } else {
        quote!(if client.validate { #(#checks)* })
    };
    let build_request = quote! {
        /// Builds the HTTP request without sending it (checks the arguments first).
        pub fn build_request(&self) -> #rt::Result<#rt::http::Request> {
            let client = self.client;
            #validate
            let mut url = #rt::url_builder::UrlBuilder::new(&client.endpoint);
            #(#url)*
            let mut request = #rt::http::Request::new(#rt::http::Method::#http_method, url.build()?);
            request.set_header("Accept", "accept", "application/json")?;
            #(#headers)*
            #body_stmt
            Ok(request)
        }
    };

    let (result_ty, decode_arms) = result_decoding(op)?;
    let builder_doc = doc_attrs(&format!(
        "A `{}` call being built: set optional parameters, then {}.",
        op.operation_id,
        if op.paging.is_some() {
            "call `into_stream` (items) or `into_pages` (pages)"
        } else if op.lro.is_some() {
            "await it for the final result, or call `into_poller`"
        } else {
            "await it (or call `send` for status and headers too)"
        }
    ));

    let tail = if let Some(paging) = &op.paging {
        let page_ty = type_tokens(&paging.page_type, Scope::Client);
        let item_ty = type_tokens(&paging.item_type, Scope::Client);
        let items = ident(&paging.items_field);
        // Every model field is an `Option` (services omit empty lists).
        let items_expr = quote!(page.#items.unwrap_or_default());
        let next_expr = match &paging.next_link_field {
            Some(next) => {
                let next = ident(next);
                quote!(page.#next)
            }
            None => quote!(None),
        };
        let api_version = if op.sends_api_version {
            quote!(Some(self.client.api_version.clone()))
        } else {
            quote!(None)
        };
        quote! {
            /// Resumes the list from a continuation token of an earlier page.
            pub fn continuation_token(mut self, token: impl Into<String>) -> Self {
                self.continuation_token = Some(token.into());
                self
            }

            /// Every item of the list, fetching pages as the stream is read.
            pub fn into_stream(self) -> #rt::Pager<#item_ty> {
                let first = self.build_request();
                #rt::pager::paged(
                    self.client.pipeline.clone(),
                    #context.with_options(self.call_options),
                    self.client.endpoint.clone(),
                    #api_version,
                    first,
                    self.continuation_token,
                    |page: #page_ty| #rt::Page { items: #items_expr, next_link: #next_expr },
                )
            }

            /// The pages of the list, each with its continuation token.
            pub fn into_pages(self) -> #rt::__private::futures::stream::BoxStream<'static, #rt::Result<#rt::Page<#item_ty>>> {
                self.into_stream().into_pages()
            }
        }
    } else if let Some(lro) = &op.lro {
        let final_state = match lro.final_state_via.as_deref() {
            Some("azure-async-operation") => quote!(AzureAsyncOperation),
            Some("location") => quote!(Location),
            Some("original-uri") => quote!(OriginalUri),
            Some("operation-location") => quote!(OperationLocation),
            Some("initial-response") => quote!(InitialResponse),
            _ => quote!(Default),
        };
        let (final_ty, decode) = lro_result(op, lro);
        quote! {
            /// Overrides how often the operation is polled when the service does not say.
            pub fn poller_options(mut self, options: #rt::PollerOptions) -> Self {
                self.poller_options = options;
                self
            }

            /// Starts the operation (lazily, on first poll) and returns its poller.
            pub fn into_poller(self) -> #rt::Poller<#final_ty> {
                let initial = self.build_request();
                #rt::poller::start(
                    self.client.pipeline.clone(),
                    #context.with_options(self.call_options),
                    initial,
                    #rt::FinalStateVia::#final_state,
                    self.poller_options,
                    #decode,
                )
            }
        }
    } else {
        quote! {
            /// Sends the request; returns status, headers and the typed body.
            pub async fn send(self) -> #rt::Result<#rt::Response<#result_ty>> {
                let mut request = self.build_request()?;
                let raw = self.client.pipeline.send(&#context.with_options(self.call_options), &mut request).await?;
                match raw.status.as_u16() {
                    #(#decode_arms)*
                    _ => Err(#rt::response::unexpected(raw)),
                }
            }
        }
    };

    let into_future = if op.paging.is_some() {
        quote!()
    } else if let Some(lro) = &op.lro {
        let (final_ty, _) = lro_result(op, lro);
        quote! {
            impl<'a> std::future::IntoFuture for #builder<'a> {
                type Output = #rt::Result<#final_ty>;
                type IntoFuture = #rt::http::BoxFuture<'static, Self::Output>;
                fn into_future(self) -> Self::IntoFuture {
                    self.into_poller().into_future()
                }
            }
        }
    } else {
        quote! {
            impl<'a> std::future::IntoFuture for #builder<'a> {
                type Output = #rt::Result<#result_ty>;
                type IntoFuture = #rt::http::BoxFuture<'a, Self::Output>;
                fn into_future(self) -> Self::IntoFuture {
                    Box::pin(async move { self.send().await.map(#rt::Response::into_body) })
                }
            }
        }
    };

    let extra_fields = {
        let mut extra = vec![quote!(call_options: #rt::CallOptions,)];
        if op.paging.is_some() {
            extra.push(quote!(continuation_token: Option<String>,));
        }
        if op.lro.is_some() {
            extra.push(quote!(poller_options: #rt::PollerOptions,));
        }
        extra
    };

    Ok(quote! {
        #builder_doc
        #[derive(Debug)]
        #[must_use = "a request does nothing until it is awaited or streamed"]
        pub struct #builder<'a> {
            client: &'a #client_name,
            #(#fields)*
            #(#extra_fields)*
        }

        impl<'a> #builder<'a> {
            #(#setters)*
            /// Overrides the client's deadline, try timeout or retries for this call.
            pub fn call_options(mut self, options: #rt::CallOptions) -> Self {
                self.call_options = options;
                self
            }
            #build_request
            #tail
        }

        #into_future
    })
}

/// The result type of `send` and the match arms decoding each success status.
fn result_decoding(op: &OperationIr) -> Result<(TokenStream, Vec<TokenStream>)> {
    let rt = rt();
    let statuses: Vec<_> = op
        .success
        .iter()
        .map(|(s, has)| (Literal::u16_unsuffixed(*s), *has))
        .collect();
    Ok(match &op.result {
        ResultShape::Empty => {
            let codes = statuses.iter().map(|(s, _)| s);
            (
                quote!(()),
                vec![quote!(#(#codes)|* => Ok(#rt::response::empty(raw)),)],
            )
        }
        ResultShape::Bytes => {
            let codes = statuses.iter().map(|(s, _)| s);
            (
                quote!(#rt::__private::Bytes),
                vec![quote!(#(#codes)|* => Ok(#rt::response::bytes(raw)),)],
            )
        }
        ResultShape::Body(ty) => {
            let t = type_tokens(ty, Scope::Client);
            let codes = statuses.iter().map(|(s, _)| s);
            (t, vec![quote!(#(#codes)|* => #rt::response::json(raw),)])
        }
        ResultShape::OptionalBody(ty) => {
            let t = type_tokens(ty, Scope::Client);
            let with: Vec<_> = statuses
                .iter()
                .filter(|(_, h)| *h)
                .map(|(s, _)| s)
                .collect();
            let without: Vec<_> = statuses
                .iter()
                .filter(|(_, h)| !*h)
                .map(|(s, _)| s)
                .collect();
            (
                quote!(Option<#t>),
                vec![
                    quote!(#(#with)|* => #rt::response::json(raw).map(|r| r.map(Some)),),
                    quote!(#(#without)|* => Ok(#rt::response::empty(raw).map(|()| None)),),
                ],
            )
        }
    })
}
