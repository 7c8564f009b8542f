//! The public API of generated crates, read back from their Rust source: what `codegen diff`
//! compares. Reading the source (rather than the IR) lets the checked-in crates, generated
//! from whatever specs they were, be compared with a candidate generated in memory.

use std::collections::BTreeMap;

use quote::ToTokens;

use crate::error::{Error, Result};

/// What kind of public item an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemKind {
    /// A module (one client and its models), with its feature.
    Module,
    /// A spec operation served by a method (from the module's `OPERATIONS` table).
    Operation,
    /// A struct; `non_exhaustive` tells whether adding fields is compatible.
    Struct,
    /// A public field of a struct.
    Field,
    /// An enum; `non_exhaustive` tells whether adding variants is compatible.
    Enum,
    /// A variant of an enum.
    Variant,
    /// A method or associated function.
    Method,
    /// The value the service assumes for a field left unset (from its docs): a change is not
    /// a compile error but changes what requests that omit the field do.
    ServiceDefault,
    /// An associated type of a trait implementation (a builder's `IntoFuture::Output`: what
    /// awaiting a call returns).
    Output,
}

impl ItemKind {
    /// The word used in reports.
    pub fn word(self) -> &'static str {
        match self {
            ItemKind::Module => "module",
            ItemKind::Operation => "operation",
            ItemKind::Struct => "struct",
            ItemKind::Field => "field",
            ItemKind::Enum => "enum",
            ItemKind::Variant => "variant",
            ItemKind::Method => "method",
            ItemKind::Output => "result",
            ItemKind::ServiceDefault => "service default",
        }
    }
}

/// One public item: its kind and its signature (compared as text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The kind.
    pub kind: ItemKind,
    /// The signature: a type, an argument list with its return type, an operation's method
    /// and route.
    pub signature: String,
    /// For structs and enums: `#[non_exhaustive]`.
    pub non_exhaustive: bool,
}

/// The API of a set of crates: items keyed by path (`keyvault::secrets::SecretClient::get_secret`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Api {
    /// Every public item.
    pub items: BTreeMap<String, Item>,
    /// Each module's api-version (`keyvault::secrets` -> `2026-04-01`).
    pub api_versions: BTreeMap<String, String>,
}

impl Api {
    /// Reads the API of the crates at `crate_paths` (relative to the workspace root) from
    /// `files` (path -> source), as `generate` returns them or as read from disk.
    pub fn from_sources(
        files: &BTreeMap<String, String>,
        crates: &[(String, String)],
    ) -> Result<Api> {
        let mut api = Api::default();
        for (crate_name, crate_path) in crates {
            let krate = crate_name.replace('-', "_");
            let prefix = format!("{crate_path}/src/");
            for (path, source) in files.range(prefix.clone()..) {
                let Some(rel) = path.strip_prefix(&prefix) else {
                    break;
                };
                let Some(rel) = rel.strip_suffix(".rs") else {
                    continue;
                };
                let file: syn::File = syn::parse_file(source)
                    .map_err(|e| Error::new(format!("{path}: cannot parse: {e}")))?;
                let module = match rel {
                    "lib" => krate.clone(),
                    other => {
                        let parts: Vec<&str> = other.split('/').filter(|p| *p != "mod").collect();
                        format!("{krate}::{}", parts.join("::"))
                    }
                };
                // `models.rs` items are addressed through their module.
                api.read_items(&module, &file.items);
            }
        }
        Ok(api)
    }

    fn add(&mut self, path: String, kind: ItemKind, signature: String, non_exhaustive: bool) {
        self.items.insert(
            path,
            Item {
                kind,
                signature,
                non_exhaustive,
            },
        );
    }

    fn read_items(&mut self, module: &str, items: &[syn::Item]) {
        for item in items {
            match item {
                syn::Item::Mod(m) if is_pub(&m.vis) => {
                    let feature = m
                        .attrs
                        .iter()
                        .find(|a| a.path().is_ident("cfg"))
                        .map(|a| tokens(&a.meta))
                        .unwrap_or_default();
                    let path = format!("{module}::{}", m.ident);
                    if m.ident != "models" {
                        self.add(path.clone(), ItemKind::Module, feature, false);
                    }
                    if let Some((_, inner)) = &m.content {
                        self.read_items(&path, inner);
                    }
                }
                syn::Item::Const(c) if c.ident == "OPERATIONS" => self.read_operations(module, c),
                syn::Item::Static(s) if s.ident == "SERVICE" => {
                    if let Some(version) = string_args(&s.expr).get(2) {
                        self.api_versions.insert(module.to_owned(), version.clone());
                    }
                }
                syn::Item::Struct(s) if is_pub(&s.vis) => {
                    let path = format!("{module}::{}", s.ident);
                    self.add(
                        path.clone(),
                        ItemKind::Struct,
                        tokens(&s.generics),
                        has_attr(&s.attrs, "non_exhaustive"),
                    );
                    for field in &s.fields {
                        if let (Some(name), true) = (&field.ident, is_pub(&field.vis)) {
                            self.add(
                                format!("{path}::{name}"),
                                ItemKind::Field,
                                tokens(&field.ty),
                                false,
                            );
                            if let Some(default) = service_default(&field.attrs) {
                                self.add(
                                    format!("{path}::{name}::(default)"),
                                    ItemKind::ServiceDefault,
                                    default,
                                    false,
                                );
                            }
                        }
                    }
                }
                syn::Item::Enum(e) if is_pub(&e.vis) => {
                    let path = format!("{module}::{}", e.ident);
                    self.add(
                        path.clone(),
                        ItemKind::Enum,
                        String::new(),
                        has_attr(&e.attrs, "non_exhaustive"),
                    );
                    for variant in &e.variants {
                        self.add(
                            format!("{path}::{}", variant.ident),
                            ItemKind::Variant,
                            tokens(&variant.fields),
                            false,
                        );
                    }
                }
                syn::Item::Impl(imp) => self.read_impl(module, imp),
                syn::Item::Fn(f) if is_pub(&f.vis) => {
                    self.add(
                        format!("{module}::{}", f.sig.ident),
                        ItemKind::Method,
                        signature(&f.sig),
                        false,
                    );
                }
                _ => {}
            }
        }
    }

    fn read_impl(&mut self, module: &str, imp: &syn::ItemImpl) {
        let self_ty = match &*imp.self_ty {
            syn::Type::Path(p) => p
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default(),
            other => tokens(other),
        };
        let path = format!("{module}::{self_ty}");
        match &imp.trait_ {
            None => {
                // A model's `with_*` setters mirror its fields one to one: the field's entry
                // already says what changed, so they are left out rather than reported twice.
                let is_models = module == "models" || module.ends_with("::models");
                for item in &imp.items {
                    if let syn::ImplItem::Fn(f) = item {
                        let setter = is_models && f.sig.ident.to_string().starts_with("with_");
                        if is_pub(&f.vis) && !setter {
                            self.add(
                                format!("{path}::{}", f.sig.ident),
                                ItemKind::Method,
                                signature(&f.sig),
                                false,
                            );
                        }
                    }
                }
            }
            Some((_, trait_path, _)) => {
                let is_future = trait_path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "IntoFuture");
                if is_future {
                    for item in &imp.items {
                        if let syn::ImplItem::Type(t) = item {
                            if t.ident == "Output" {
                                self.add(
                                    format!("{path}::Output"),
                                    ItemKind::Output,
                                    tokens(&t.ty),
                                    false,
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    /// `OperationInfo::new("id", "module", "client", "method", "GET", "/path")` rows.
    fn read_operations(&mut self, module: &str, c: &syn::ItemConst) {
        let syn::Expr::Reference(reference) = &*c.expr else {
            return;
        };
        let syn::Expr::Array(rows) = &*reference.expr else {
            return;
        };
        for row in &rows.elems {
            let args = string_args(row);
            if let [id, _module, client, method, http, route] = args.as_slice() {
                self.add(
                    format!("{module}::{id}"),
                    ItemKind::Operation,
                    format!("{client}::{method} ({http} {route})"),
                    false,
                );
            }
        }
    }
}

/// The `Service default: `value`.` line the generator writes into a field's docs.
fn service_default(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| {
        let syn::Meta::NameValue(nv) = &a.meta else {
            return None;
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(doc),
            ..
        }) = &nv.value
        else {
            return None;
        };
        let text = doc.value();
        let value = text.trim().strip_prefix("Service default: `")?;
        Some(value.trim_end_matches('.').trim_end_matches('`').to_owned())
    })
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn has_attr(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|a| a.path().is_ident(name))
}

/// Tokens as text, spaced as people write Rust (`Option<Vec<u8>>`, not `Option < Vec < u8 > >`).
fn tokens(t: &impl ToTokens) -> String {
    let text = t.to_token_stream().to_string();
    let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
    let mut out = String::with_capacity(text.len());
    for (i, word) in words.iter().enumerate() {
        // A trailing comma before a closing bracket says nothing.
        if *word == "," && matches!(words.get(i + 1), Some(&(">" | ")" | "]"))) {
            continue;
        }
        let glued = i == 0
            || matches!(*word, ">" | "," | ")" | "]" | "::" | "<" | ";")
            || out.ends_with(['<', '&', '(', '['])
            || out.ends_with("::");
        if !glued {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A function's arguments (without `self`) and return type.
fn signature(sig: &syn::Signature) -> String {
    let args: Vec<String> = sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(t) => Some(format!("{}: {}", tokens(&t.pat), tokens(&t.ty))),
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    format!("({}) {}", args.join(", "), tokens(&sig.output))
        .trim_end()
        .to_owned()
}

/// The arguments of a call expression, as text for string literals (empty otherwise).
fn string_args(expr: &syn::Expr) -> Vec<String> {
    // `ServiceInfo::new(..).with_auth(..)`: the arguments of the innermost call.
    let mut expr = expr;
    while let syn::Expr::MethodCall(m) = expr {
        expr = &m.receiver;
    }
    let syn::Expr::Call(call) = expr else {
        return Vec::new();
    };
    call.args
        .iter()
        .map(|a| match a {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => s.value(),
            _ => String::new(),
        })
        .collect()
}
