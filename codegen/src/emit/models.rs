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
            TypeKind::Union(u) => union_tokens(def, u),
        });
    }
    for op in module
        .client
        .operations
        .iter()
        .chain(module.client.groups.iter().flat_map(|g| &g.operations))
    {
        if let Some(headers) = &op.response_headers {
            items.push(headers_tokens(op, headers, &module.types));
        }
    }
    let rt = rt();
    Ok(quote! {
        #![allow(clippy::doc_lazy_continuation, clippy::large_enum_variant)]
        use #rt::__private::serde::{Deserialize, Serialize};
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
        Some(TypeKind::Union(u)) => u
            .variants
            .iter()
            .any(|v| reaches(types, &v.struct_name, target, seen)),
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
    let mut setters = Vec::new();
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
        // Only writable nullable fields need "absent" and "null" apart: a caller sends
        // `Some(None)` to clear a value. Read-only ones decode `null` as `None` already.
        let nullable = f.nullable && !f.read_only;
        match (codec, nullable) {
            (Some(codec), false) => {
                let with = format!("{codec}::option");
                attrs.push(quote!(with = #with));
            }
            (None, true) => {
                let with = format!("{RT_NAME}::codec::nullable");
                attrs.push(quote!(with = #with));
                ty = quote!(Option<#ty>);
            }
            (Some(codec), true) if !codec.ends_with("_list") && !f.secret => {
                let with = format!("{codec}::nullable");
                attrs.push(quote!(with = #with));
                ty = quote!(Option<#ty>);
            }
            (Some(_), true) => {
                return Err(Error::at(
                    &def.origin,
                    format!(
                        "x-nullable on `{wire}`, a secret or an array of bytes, is not supported"
                    ),
                ))
            }
            (None, false) => {}
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
        if nullable {
            doc_text.push_str("\n\n`Some(None)` sends an explicit `null`.");
        }
        if !f.read_only {
            // Chainable, so a nested request model is one expression outside this crate
            // (`#[non_exhaustive]` rules out struct literals there).
            let setter = format_ident!("with_{}", f.rust_name.trim_start_matches("r#"));
            let setter_doc = doc_attrs(&format!(
                "Sets `{}` (the `{wire}` property) and returns the model, for chaining.",
                f.rust_name.trim_start_matches("r#")
            ));
            setters.push(quote! {
                #setter_doc
                pub fn #setter(mut self, value: impl Into<#ty>) -> Self {
                    self.#fname = Some(value.into());
                    self
                }
            });
        }
        let fdoc = doc_attrs(&doc_text);
        fields.push(quote! {
            #fdoc
            #[serde(#(#attrs),*)]
            pub #fname: Option<#ty>,
        });
        if f.required && !f.read_only {
            // A required enum with a single value is a constant: the constructor sets it.
            match single_variant(&f.ty, types) {
                Some(variant) => {
                    let enum_name = type_tokens(&f.ty, Scope::Models);
                    let variant = format_ident!("{}", variant);
                    ctor_sets.push(quote!(#fname: Some(#enum_name::#variant),));
                }
                None => {
                    ctor_args.push(quote!(#fname: impl Into<#ty>));
                    ctor_sets.push(quote!(#fname: Some(#fname.into()),));
                }
            }
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
    let new_fn = if ctor_args.is_empty() {
        quote!()
    } else {
        let ctor_doc = doc_attrs(&format!(
            "A `{}` with its required fields; set the others with the `with_*` methods.",
            def.name
        ));
        quote! {
            #ctor_doc
            pub fn new(#(#ctor_args),*) -> Self {
                Self { #(#ctor_sets)* ..Default::default() }
            }
        }
    };
    let ctor = if ctor_args.is_empty() && setters.is_empty() {
        quote!()
    } else {
        quote! {
            impl #name {
                #new_fn
                #(#setters)*
            }
        }
    };
    let serde_crate = format!("{RT_NAME}::__private::serde");
    // serde writes a struct-level tag in front of the fields and ignores it when reading.
    let tag = match &s.tag {
        Some((discriminator, value)) => {
            if s.additional.is_some() {
                // The flattened map would capture the tag on reading and write it twice.
                return Err(Error::at(
                    &def.origin,
                    "additionalProperties on a subtype of a polymorphic base is not supported",
                ));
            }
            quote!(#[serde(tag = #discriminator, rename = #value)])
        }
        None => quote!(),
    };
    Ok(quote! {
        #doc
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(crate = #serde_crate)]
        #tag
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }
        #ctor
    })
}

/// The only variant of a one-value enum type.
fn single_variant<'a>(
    ty: &TypeRef,
    types: &'a std::collections::BTreeMap<String, TypeDef>,
) -> Option<&'a str> {
    let TypeRef::Named(name) = ty else {
        return None;
    };
    match types.get(name).map(|t| &t.kind) {
        Some(TypeKind::Enum(e)) if e.variants.len() == 1 => Some(&e.variants[0].rust_name),
        _ => None,
    }
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
    let rt = rt();
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
                fn serialize<S: #rt::__private::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    serializer.serialize_str(self.as_str())
                }
            }
            impl<'de> Deserialize<'de> for #name {
                fn deserialize<D: #rt::__private::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
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

/// A polymorphic base: one variant per known subtype, chosen by the discriminator when
/// reading; objects with any other discriminator value are kept whole, so a read-modify-write
/// never loses what a newer service sent.
fn union_tokens(def: &TypeDef, u: &UnionDef) -> TokenStream {
    let rt = rt();
    let name = format_ident!("{}", def.name);
    let discriminator = &u.discriminator;
    let doc = doc_attrs(&format!(
        "{}\n\nPolymorphic: the `{discriminator}` property selects the variant.",
        def.doc
            .as_deref()
            .unwrap_or("A polymorphic model of the service.")
    ));
    let accessor = ident(&crate::naming::method(discriminator));
    let accessor_doc = doc_attrs(&format!("The `{discriminator}` value."));
    let mut decls = Vec::new();
    let mut values = Vec::new();
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    let mut froms = Vec::new();
    for v in &u.variants {
        let variant = format_ident!("{}", v.rust_name);
        let ty = format_ident!("{}", v.struct_name);
        let value = &v.value;
        let vdoc = doc_attrs(&format!("`{discriminator}` is `{value}`."));
        decls.push(quote!(#vdoc #variant(#ty),));
        values.push(quote!(Self::#variant(_) => #value,));
        reads.push(quote! {
            Some(#value) => #rt::__private::serde_json::from_value(value)
                .map(Self::#variant)
                .map_err(#rt::__private::serde::de::Error::custom),
        });
        writes.push(quote!(Self::#variant(inner) => inner.serialize(serializer),));
        let from_doc = doc_attrs(&format!("Wraps a `{}`.", v.struct_name));
        froms.push(quote! {
            impl From<#ty> for #name {
                #from_doc
                fn from(value: #ty) -> Self {
                    Self::#variant(value)
                }
            }
        });
    }
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #(#decls)*
            /// An object whose discriminator this version of the crate does not know, kept
            /// whole.
            UnknownValue(#rt::JsonValue),
        }
        impl #name {
            #accessor_doc
            pub fn #accessor(&self) -> &str {
                match self {
                    #(#values)*
                    Self::UnknownValue(value) => value
                        .get(#discriminator)
                        .and_then(#rt::JsonValue::as_str)
                        .unwrap_or_default(),
                }
            }
        }
        #(#froms)*
        impl Serialize for #name {
            fn serialize<S: #rt::__private::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#writes)*
                    Self::UnknownValue(value) => value.serialize(serializer),
                }
            }
        }
        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: #rt::__private::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = #rt::JsonValue::deserialize(deserializer)?;
                let tag = value
                    .get(#discriminator)
                    .and_then(#rt::JsonValue::as_str)
                    .map(str::to_owned);
                match tag.as_deref() {
                    #(#reads)*
                    _ => Ok(Self::UnknownValue(value)),
                }
            }
        }
    }
}

/// The typed headers of an operation's success responses, read from a response's header map.
fn headers_tokens(
    op: &OperationIr,
    headers: &ResponseHeaders,
    types: &std::collections::BTreeMap<String, TypeDef>,
) -> TokenStream {
    let rt = rt();
    let name = format_ident!("{}", headers.type_name);
    let doc = doc_attrs(&format!(
        "The headers of a successful `{}` response; read them with `from_headers(response.headers())`.",
        op.operation_id
    ));
    let mut fields = Vec::new();
    let mut reads = Vec::new();
    for h in &headers.fields {
        let fname = ident(&h.rust_name);
        let wire = &h.wire_name;
        let ty = type_tokens(&h.ty, Scope::Models);
        let fdoc = doc_attrs(&format!(
            "`{wire}`{}",
            h.doc
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        ));
        fields.push(quote!(#fdoc pub #fname: Option<#ty>,));
        let read = match &h.ty {
            TypeRef::String => quote!(#rt::header::text(headers, #wire)?),
            TypeRef::DateTime(TimeFormat::Rfc1123) => quote!(#rt::header::rfc1123(headers, #wire)?),
            TypeRef::DateTime(TimeFormat::Rfc3339) => quote!(#rt::header::rfc3339(headers, #wire)?),
            TypeRef::DateTime(TimeFormat::Unix) => quote!(#rt::header::unix_time(headers, #wire)?),
            TypeRef::Named(n) if types.contains_key(n) => {
                quote!(#rt::header::text(headers, #wire)?.map(|v| #ty::from(v.as_str())))
            }
            _ => quote!(#rt::header::parse::<#ty>(headers, #wire)?),
        };
        reads.push(quote!(#fname: #read,));
    }
    quote! {
        #doc
        #[derive(Debug, Clone, Default, PartialEq)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }
        impl #name {
            /// Reads the headers; a value that does not parse is an error naming the header.
            pub fn from_headers(headers: &#rt::http::HeaderMap) -> #rt::Result<Self> {
                Ok(Self { #(#reads)* })
            }
        }
    }
}
