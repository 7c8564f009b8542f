//! IR -> Rust source files. Tokens are built with `quote`, parsed by `syn` and printed by
//! `prettyplease`; the `@generated` header is prepended as text.

mod client;
mod contract;
mod crate_files;
mod models;

use std::collections::BTreeMap;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::error::{Error, Result};
use crate::ir::*;

pub use crate_files::emit_crate;

/// The runtime crate's name as generated code spells it.
pub(crate) const RT_NAME: &str = "keyvault_runtime";

/// `::keyvault_runtime`.
pub(crate) fn rt() -> TokenStream {
    let name = Ident::new(RT_NAME, Span::call_site());
    quote!(::#name)
}

/// An identifier, raw when it starts with `r#`.
pub(crate) fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// Where a type is named from: inside `models.rs`, or from the client module beside it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Models,
    Client,
}

/// The Rust type of a type reference.
pub(crate) fn type_tokens(ty: &TypeRef, scope: Scope) -> TokenStream {
    type_tokens_with(ty, &|name| {
        let name = ident(name);
        match scope {
            Scope::Models => quote!(#name),
            Scope::Client => quote!(models::#name),
        }
    })
}

/// The Rust type of a type reference, naming the module's types with `named`.
pub(crate) fn type_tokens_with(ty: &TypeRef, named: &dyn Fn(&str) -> TokenStream) -> TokenStream {
    let rt = rt();
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(f64),
        TypeRef::DateTime(_) => quote!(#rt::OffsetDateTime),
        TypeRef::Bytes(_) => quote!(Vec<u8>),
        TypeRef::Json => quote!(#rt::JsonValue),
        TypeRef::Named(name) => named(name),
        TypeRef::Array(inner) => {
            let inner = type_tokens_with(inner, named);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = type_tokens_with(inner, named);
            quote!(std::collections::BTreeMap<String, #inner>)
        }
    }
}

/// Rustdoc attributes for spec text, made safe for rustdoc: no accidental links, HTML tags,
/// code blocks (which would become doctests) or bare URLs.
pub(crate) fn doc_attrs(text: &str) -> TokenStream {
    markdown_doc_attrs(&doc_text(text))
}

/// Rustdoc attributes for Markdown the generator wrote itself (links kept).
pub(crate) fn markdown_doc_attrs(markdown: &str) -> TokenStream {
    let lines: Vec<String> = markdown
        .lines()
        .map(|l| format!(" {l}").trim_end().to_owned())
        .collect();
    quote!(#(#[doc = #lines])*)
}

pub(crate) fn doc_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.trim().lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let line = line.trim();
        let mut escaped = String::with_capacity(line.len());
        for word in line.split(' ') {
            if !escaped.is_empty() {
                escaped.push(' ');
            }
            let start = word.find("https://").or_else(|| word.find("http://"));
            if let Some(start) = start {
                let (prefix, url) = word.split_at(start);
                let trimmed = url.trim_end_matches(['.', ',', ';', ')', ']', '"', '\'']);
                escape_markup(prefix, &mut escaped);
                escaped.push('<');
                escaped.push_str(trimmed);
                escaped.push('>');
                escape_markup(&url[trimmed.len()..], &mut escaped);
                continue;
            }
            escape_markup(word, &mut escaped);
        }
        // A leading `#`, `-`, `*` or digit+`.` would turn spec prose into headings or lists
        // inconsistently; they are harmless, so leave them.
        out.push_str(&escaped);
    }
    out
}

/// Appends `text` with the characters rustdoc would read as links or HTML escaped.
fn escape_markup(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
}

/// Formats tokens as a source file with the `@generated` header.
pub(crate) fn render(header: &str, tokens: TokenStream) -> Result<String> {
    let file: syn::File = syn::parse2(tokens.clone()).map_err(|e| {
        Error::new(format!(
            "generated code does not parse ({e}); this is a generator bug:\n{tokens}"
        ))
    })?;
    Ok(format!("{header}\n{}", prettyplease::unparse(&file)))
}

/// The header every generated file starts with.
pub(crate) fn header(sources: &[SourceFile], regenerate: &str, comment: &str) -> String {
    let mut out =
        format!("{comment} @generated by codegen. DO NOT EDIT: changes are overwritten.\n");
    for source in sources {
        match &source.commit {
            Some(commit) => out.push_str(&format!(
                "{comment} Spec: {} at azure-rest-api-specs@{commit}\n",
                source.path
            )),
            None => out.push_str(&format!(
                "{comment} Spec: {} (local fixture)\n",
                source.path
            )),
        }
    }
    out.push_str(&format!("{comment} Regenerate: {regenerate}\n"));
    out
}

/// Emits every file of every crate, keyed by path relative to the workspace root.
pub fn emit_all(
    crates: &[CrateIr],
    regenerate: &str,
    contract: Option<&crate::config::ContractConfig>,
) -> Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    for krate in crates {
        emit_crate(krate, regenerate, &mut files)?;
    }
    if let Some(contract) = contract {
        contract::emit_contract_crate(contract, crates, regenerate, &mut files)?;
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    #[test]
    fn doc_text_is_rustdoc_safe() {
        let text = super::doc_text("See https://aka.ms/x. Use [a] and <b>.\n    indented");
        assert_eq!(
            text,
            "See <https://aka.ms/x>. Use \\[a\\] and &lt;b&gt;.\nindented"
        );
        // A URL inside parentheses or after a bracket: the URL is wrapped, the rest escaped.
        assert_eq!(
            super::doc_text("RSA (https://tools.ietf.org/html/rfc3447), [x:https://e.org/y]."),
            "RSA (<https://tools.ietf.org/html/rfc3447>), \\[x:<https://e.org/y>\\]."
        );
    }
}
