//! Models: structs and enums with serde, Debug (secrets redacted) and constructors.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc_attrs, ident, rt, type_tokens, Scope, RT_NAME};
use crate::error::{Error, Result};
use crate::ir::*;

/// The `models.rs` of a module.
pub fn models_file(module: &ModuleIr) -> Result<TokenStream> {
    let mut items = Vec::new();
    for def in module.types.values() {
        items.push(match &def.kind {
            TypeKind::Struct(s) => struct_tokens(def, s, &module.types)?,
            TypeKind::Enum(e) => enum_tokens(def, e),
            TypeKind::Union(_) => {
                return Err(Error::at(
                    &def.origin,
                    "polymorphic types are not emitted yet",
                ))
            }
        });
    }
    let rt = rt();
    Ok(quote! {
        #![allow(clippy::doc_lazy_continuation, clippy::large_enum_variant)]
        use #rt::__private::serde::{self, Deserialize, Serialize};
        #(#items)*
    })
}

/// Whether `from` reaches `target` through fields held inline (not behind `Vec` or a map).
fn reaches(
    types: &std::collections::BTreeMap<String, TypeDef>,
    from: &str,
    target: &str,
    seen: &mut Vec<String>,
) -> bool {
    if from == target {
        return true;
    }
    if seen.iter().any(|s| s == from) {
        return false;
    }
    seen.push(from.to_owned());
    match types.get(from).map(|t| &t.kind) {
        Some(TypeKind::Struct(s)) => s.fields.iter().any(|f| match &f.ty {
            TypeRef::Named(n) => reaches(types, n, target, seen),
            _ => false,
        }),
        _ => false,
    }
}

fn struct_tokens(
    def: &TypeDef,
    s: &StructDef,
    types: &std::collections::BTreeMap<String, TypeDef>,
) -> Result<TokenStream> {
    let rt = rt();
    let name = format_ident!("{}", def.name);
    let doc = doc_attrs(def.doc.as_deref().unwrap_or("A model of the service."));
    let mut fields = Vec::new();
    let mut ctor_args = Vec::new();
    let mut ctor_sets = Vec::new();
    for f in &s.fields {
        let fname = ident(&f.rust_name);
        let wire = &f.wire_name;
        let mut ty = type_tokens(&f.ty, Scope::Models);
        if f.secret {
            ty = quote!(#rt::Secret<#ty>);
        }
        // A field leading back to its own struct is boxed so the type has a size.
        if let TypeRef::Named(n) = &f.ty {
            if reaches(types, n, &def.name, &mut Vec::new()) {
                ty = quote!(Box<#ty>);
            }
        }
        let codec = codec_path(&f.ty, &def.origin)?;
        let mut attrs = vec![quote!(rename = #wire), quote!(default)];
        if f.read_only {
            attrs.push(quote!(skip_serializing));
        } else {
            attrs.push(quote!(skip_serializing_if = "Option::is_none"));
        }
        if let Some(codec) = codec {
            let with = format!("{codec}::option");
            attrs.push(quote!(with = #with));
        }
        let mut doc_text = f
            .doc
            .clone()
            .unwrap_or_else(|| format!("The `{wire}` property."));
        if f.read_only {
            doc_text.push_str("\n\nSet by the service; never sent.");
        }
        if f.required && !f.read_only {
            doc_text.push_str("\n\nRequired by the service.");
        }
        let fdoc = doc_attrs(&doc_text);
        fields.push(quote! {
            #fdoc
            #[serde(#(#attrs),*)]
            pub #fname: Option<#ty>,
        });
        if f.required && !f.read_only {
            ctor_args.push(quote!(#fname: impl Into<#ty>));
            ctor_sets.push(quote!(#fname: Some(#fname.into()),));
        }
    }
    if let Some(additional) = &s.additional {
        if codec_path(additional, &def.origin)?.is_some() {
            return Err(Error::at(
                &def.origin,
                "additional properties with a date-time or bytes format are not supported",
            ));
        }
        let ty = type_tokens(additional, Scope::Models);
        fields.push(quote! {
            /// Properties not named by the spec.
            #[serde(flatten)]
            pub additional_properties: std::collections::BTreeMap<String, #ty>,
        });
    }
    let ctor = if ctor_args.is_empty() {
        quote!()
    } else {
        let ctor_doc = doc_attrs(&format!(
            "A `{}` with its required fields; set the others on the returned value.",
            def.name
        ));
        quote! {
            impl #name {
                #ctor_doc
                pub fn new(#(#ctor_args),*) -> Self {
                    Self { #(#ctor_sets)* ..Default::default() }
                }
            }
        }
    };
    let serde_crate = format!("{RT_NAME}::__private::serde");
    Ok(quote! {
        #doc
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(crate = #serde_crate)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }
        #ctor
    })
}

/// The serde adapter module for a field type that needs one.
fn codec_path(ty: &TypeRef, origin: &crate::error::Origin) -> Result<Option<String>> {
    let rt = RT_NAME;
    Ok(match ty {
        TypeRef::DateTime(TimeFormat::Unix) => Some(format!("{rt}::codec::unix_time")),
        TypeRef::DateTime(TimeFormat::Rfc3339) => Some(format!("{rt}::codec::rfc3339")),
        TypeRef::DateTime(TimeFormat::Rfc1123) => Some(format!("{rt}::codec::rfc1123")),
        TypeRef::Bytes(BytesFormat::Base64Url) => Some(format!("{rt}::codec::base64url")),
        TypeRef::Bytes(BytesFormat::Base64) => Some(format!("{rt}::codec::base64")),
        TypeRef::Array(inner) if **inner == TypeRef::Bytes(BytesFormat::Base64Url) => {
            Some(format!("{rt}::codec::base64url_list"))
        }
        TypeRef::Array(inner) if **inner == TypeRef::Bytes(BytesFormat::Base64) => {
            Some(format!("{rt}::codec::base64_list"))
        }
        TypeRef::Array(inner) | TypeRef::Map(inner) => {
            if codec_path(inner, origin)?.is_some() {
                return Err(Error::at(
                    origin,
                    "arrays and maps of date-times or bytes are not supported",
                ));
            }
            None
        }
        _ => None,
    })
}

fn enum_tokens(def: &TypeDef, e: &EnumDef) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let doc = doc_attrs(def.doc.as_deref().unwrap_or("Values the service defines."));
    let variants: Vec<_> = e
        .variants
        .iter()
        .map(|v| {
            let vname = format_ident!("{}", v.rust_name);
            let vdoc = doc_attrs(v.doc.as_deref().unwrap_or(&format!("`{}`", v.value)));
            (vname, vdoc, v.value.clone())
        })
        .collect();
    let decls = variants.iter().map(|(n, d, _)| quote!(#d #n,));
    let as_str = variants.iter().map(|(n, _, v)| quote!(Self::#n => #v,));
    let serde_crate = format!("{RT_NAME}::__private::serde");
    if e.extensible {
        let from_str = variants.iter().map(|(n, _, v)| quote!(#v => Self::#n,));
        quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum #name {
                #(#decls)*
                /// A value this version of the crate does not know, kept as sent.
                UnknownValue(String),
            }
            impl #name {
                /// The wire value.
                pub fn as_str(&self) -> &str {
                    match self {
                        #(#as_str)*
                        Self::UnknownValue(value) => value,
                    }
                }
            }
            impl From<&str> for #name {
                fn from(value: &str) -> Self {
                    match value {
                        #(#from_str)*
                        other => Self::UnknownValue(other.to_owned()),
                    }
                }
            }
            impl std::fmt::Display for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }
            impl Serialize for #name {
                fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    serializer.serialize_str(self.as_str())
                }
            }
            impl<'de> Deserialize<'de> for #name {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                    Ok(Self::from(&*value))
                }
            }
        }
    } else {
        let decls = variants
            .iter()
            .map(|(n, d, v)| quote!(#d #[serde(rename = #v)] #n,));
        quote! {
            #doc
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
            #[serde(crate = #serde_crate)]
            pub enum #name {
                #(#decls)*
            }
            impl #name {
                /// The wire value.
                pub fn as_str(&self) -> &'static str {
                    match self {
                        #(#as_str)*
                    }
                }
            }
            impl std::fmt::Display for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }
        }
    }
}
