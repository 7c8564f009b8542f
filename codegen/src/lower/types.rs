//! Schemas -> types: named definitions (structs, enums, polymorphic unions) and the types of
//! schemas used in place. A definition two spec files of one module both define is one type
//! when the files agree, and an error citing both when they do not.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::Lowering;
use crate::documents::RefTarget;
use crate::error::{Error, Origin, Result};
use crate::ir::*;
use crate::naming;
use crate::spec::{AdditionalProperties, Schema};

impl Lowering<'_> {
    pub(super) fn reference_type(&mut self, from: &Origin, reference: &str) -> Result<TypeRef> {
        let (target, schema) = self.docs.definition(from, reference)?;
        if let Some(name) = self.by_target.get(&target) {
            return Ok(TypeRef::Named(name.clone()));
        }
        let def_name = target
            .pointer
            .trim_start_matches("/definitions/")
            .to_owned();
        let origin = Origin::new(&target.file, &target.pointer);
        self.files.insert(target.file.clone());
        // Definitions that are plain primitives, arrays or maps are used inline.
        if !is_named_shape(schema) {
            return self.schema_type(&origin, schema, &def_name);
        }
        let candidate = naming::type_name(schema.client_name.as_deref().unwrap_or(&def_name));
        if let Some(name) = self.same_definition_elsewhere(&target, &candidate)? {
            self.by_target.insert(target, name.clone());
            return Ok(TypeRef::Named(name));
        }
        if schema.discriminator.is_some() {
            return self.union_type(target, schema, &def_name);
        }
        if schema.enum_values.is_some() {
            let ty = self.enum_type(&origin, schema, &def_name)?;
            if let TypeRef::Named(name) = &ty {
                self.by_target.insert(target, name.clone());
            }
            return Ok(ty);
        }
        let name = naming::type_name(schema.client_name.as_deref().unwrap_or(&def_name));
        self.reserve(&name, &origin)?;
        self.by_target.insert(target, name.clone());
        let def = self.struct_def(&origin, schema, &name, &def_name)?;
        self.types.insert(name.clone(), def);
        Ok(TypeRef::Named(name))
    }

    /// The type already made from a definition of the same name in another of the module's
    /// files, when the two are the same definition; two different definitions under one name
    /// are an error citing both.
    fn same_definition_elsewhere(
        &self,
        target: &RefTarget,
        candidate: &str,
    ) -> Result<Option<String>> {
        let Some((other, name)) = self
            .by_target
            .iter()
            .filter(|(t, n)| {
                t.pointer == target.pointer && t.file != target.file && n.as_str() == candidate
            })
            .min_by(|a, b| a.0.cmp(b.0))
        else {
            return Ok(None);
        };
        let here = Origin::new(&target.file, &target.pointer);
        let there = Origin::new(&other.file, &other.pointer);
        if self.docs.same_definition(&here, &there)? {
            Ok(Some(name.clone()))
        } else {
            Err(Error::at(
                &here,
                format!("this definition differs from the one of the same name at {there}; a module's spec files must agree on shared definitions"),
            ))
        }
    }

    /// Reserves a type name; a second, different definition wanting it is an error.
    fn reserve(&mut self, name: &str, origin: &Origin) -> Result<()> {
        if let Some(existing) = self.types.get(name) {
            return Err(Error::at(
                origin,
                format!(
                    "type name `{name}` collides with the definition at {}",
                    existing.origin
                ),
            ));
        }
        // Placeholder until the definition is lowered, so recursive references see the name.
        self.types.insert(
            name.to_owned(),
            TypeDef {
                name: name.to_owned(),
                doc: None,
                kind: TypeKind::Struct(StructDef {
                    fields: vec![],
                    additional: None,
                    tag: None,
                }),
                origin: origin.clone(),
            },
        );
        Ok(())
    }

    fn struct_def(
        &mut self,
        origin: &Origin,
        schema: &Schema,
        name: &str,
        def_name: &str,
    ) -> Result<TypeDef> {
        let mut fields = Vec::new();
        let mut additional = None;
        self.collect_fields(origin, schema, name, def_name, &mut fields, &mut additional)?;
        // A subtype of a polymorphic base carries the discriminator as a fixed tag, not as a
        // field a caller could set to a contradicting value.
        let tag = match self.inherited_discriminator(origin, schema)? {
            Some(discriminator) => {
                fields.retain(|f| f.wire_name != discriminator);
                let value = schema
                    .discriminator_value
                    .clone()
                    .unwrap_or_else(|| def_name.to_owned());
                Some((discriminator, value))
            }
            None => None,
        };
        let mut seen = HashMap::new();
        for f in &fields {
            if let Some(previous) = seen.insert(f.rust_name.clone(), f.wire_name.clone()) {
                return Err(Error::at(
                    origin,
                    format!(
                        "properties `{previous}` and `{}` both map to field `{}`",
                        f.wire_name, f.rust_name
                    ),
                ));
            }
        }
        Ok(TypeDef {
            name: name.to_owned(),
            doc: schema.description.clone().or_else(|| schema.title.clone()),
            kind: TypeKind::Struct(StructDef {
                fields,
                additional,
                tag,
            }),
            origin: origin.clone(),
        })
    }

    /// The discriminator of the nearest polymorphic ancestor (through `allOf` references).
    fn inherited_discriminator(&self, origin: &Origin, schema: &Schema) -> Result<Option<String>> {
        for (i, parent) in schema.all_of.iter().enumerate() {
            let porigin = origin.child("allOf").child(&i.to_string());
            let Some(reference) = &parent.reference else {
                continue;
            };
            let (target, parent_schema) = self.docs.definition(&porigin, reference)?;
            if let Some(discriminator) = &parent_schema.discriminator {
                return Ok(Some(discriminator.clone()));
            }
            let parent_origin = Origin::new(&target.file, &target.pointer);
            if let Some(found) = self.inherited_discriminator(&parent_origin, parent_schema)? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// A polymorphic base: an enum over every subtype (transitively) found in the files the
    /// module reaches.
    fn union_type(
        &mut self,
        target: RefTarget,
        schema: &Schema,
        def_name: &str,
    ) -> Result<TypeRef> {
        let origin = Origin::new(&target.file, &target.pointer);
        let discriminator = schema.discriminator.clone().unwrap_or_default();
        if !schema.properties.contains_key(&discriminator) {
            return Err(Error::at(
                &origin.child("discriminator"),
                format!("discriminator `{discriminator}` is not one of the properties"),
            ));
        }
        let name = naming::type_name(schema.client_name.as_deref().unwrap_or(def_name));
        self.reserve(&name, &origin)?;
        self.by_target.insert(target.clone(), name.clone());
        let mut variants: Vec<UnionVariant> = Vec::new();
        let mut pending = vec![target];
        let mut visited = BTreeSet::new();
        while let Some(base) = pending.pop() {
            if !visited.insert(base.clone()) {
                continue;
            }
            let reachable = self.reachable.clone();
            for (sub_target, sub_schema) in self.docs.subtypes_of(&base, &reachable)? {
                let sub_name = sub_target
                    .pointer
                    .trim_start_matches("/definitions/")
                    .to_owned();
                let value = sub_schema
                    .discriminator_value
                    .clone()
                    .unwrap_or_else(|| sub_name.clone());
                let sub_origin = Origin::new(&sub_target.file, &sub_target.pointer);
                // A reference from the subtype's own file to itself.
                let own_ref = format!("#{}", sub_target.pointer);
                let TypeRef::Named(struct_name) = self.reference_type(&sub_origin, &own_ref)?
                else {
                    return Err(Error::at(&sub_origin, "a subtype must be an object"));
                };
                if let Some(other) = variants.iter().find(|v| v.value == value) {
                    return Err(Error::at(
                        &sub_origin,
                        format!(
                            "discriminator value `{value}` is also used by `{}`",
                            other.struct_name
                        ),
                    ));
                }
                variants.push(UnionVariant {
                    value,
                    rust_name: struct_name.clone(),
                    struct_name,
                });
                pending.push(sub_target);
            }
        }
        if variants.is_empty() {
            return Err(Error::at(
                &origin,
                "polymorphic definition without any subtype in the files this spec reaches",
            ));
        }
        self.types.insert(
            name.clone(),
            TypeDef {
                name: name.clone(),
                doc: schema.description.clone().or_else(|| schema.title.clone()),
                kind: TypeKind::Union(UnionDef {
                    discriminator,
                    variants,
                }),
                origin,
            },
        );
        Ok(TypeRef::Named(name))
    }

    fn collect_fields(
        &mut self,
        origin: &Origin,
        schema: &Schema,
        type_name: &str,
        def_name: &str,
        fields: &mut Vec<Field>,
        additional: &mut Option<TypeRef>,
    ) -> Result<()> {
        for (i, parent) in schema.all_of.iter().enumerate() {
            let porigin = origin.child("allOf").child(&i.to_string());
            match &parent.reference {
                Some(reference) => {
                    let (target, parent_schema) = self.docs.definition(&porigin, reference)?;
                    let parent_origin = Origin::new(&target.file, &target.pointer);
                    let parent_def = target
                        .pointer
                        .trim_start_matches("/definitions/")
                        .to_owned();
                    self.files.insert(target.file.clone());
                    self.collect_fields(
                        &parent_origin,
                        parent_schema,
                        type_name,
                        &parent_def,
                        fields,
                        additional,
                    )?;
                }
                None => {
                    self.collect_fields(&porigin, parent, type_name, def_name, fields, additional)?
                }
            }
        }
        for (wire, prop) in &schema.properties {
            let porigin = origin.child("properties").child(wire);
            let rust_name = naming::snake(prop.client_name.as_deref().unwrap_or(wire));
            let context = format!("{type_name}{}", naming::type_name(&rust_name));
            let ty = self.schema_type(&porigin, prop, &context)?;
            let read_only =
                prop.read_only || prop.mutability.as_deref() == Some(&["read".to_owned()][..]);
            let entry = format!("{def_name}.{wire}");
            let configured = self.krate.sensitive_fields.contains(&entry);
            if configured {
                self.used.sensitive_fields.insert(entry);
            }
            self.used
                .field_client_names
                .entry(format!(
                    "{def_name}.{}",
                    prop.client_name.as_deref().unwrap_or(wire)
                ))
                .or_insert_with(|| format!("{def_name}.{wire}"));
            let secret = prop.secret == Some(true) || configured;
            let field = Field {
                wire_name: wire.clone(),
                rust_name,
                ty,
                required: schema.required.contains(wire),
                read_only,
                nullable: prop.nullable == Some(true),
                secret,
                doc: property_doc(prop),
            };
            // A child redefining an inherited property replaces it where it was.
            match fields.iter_mut().find(|f| f.wire_name == field.wire_name) {
                Some(existing) => *existing = field,
                None => fields.push(field),
            }
        }
        for required in &schema.required {
            if let Some(f) = fields.iter_mut().find(|f| &f.wire_name == required) {
                f.required = true;
            }
        }
        match &schema.additional_properties {
            Some(AdditionalProperties::Schema(values))
                if !schema.properties.is_empty() || !schema.all_of.is_empty() =>
            {
                *additional = Some(self.schema_type(
                    &origin.child("additionalProperties"),
                    values,
                    &format!("{type_name}Value"),
                )?);
            }
            Some(AdditionalProperties::Bool(true)) if !schema.properties.is_empty() => {
                *additional = Some(TypeRef::Json)
            }
            _ => {}
        }
        Ok(())
    }

    /// The type of a schema used in place (property, item, parameter, body, response).
    pub(super) fn schema_type(
        &mut self,
        origin: &Origin,
        schema: &Schema,
        context: &str,
    ) -> Result<TypeRef> {
        if let Some(reference) = &schema.reference {
            return self.reference_type(origin, reference);
        }
        // `allOf: [{$ref}]` alone is how TypeSpec attaches a description to a reference.
        if schema.all_of.len() == 1
            && schema.properties.is_empty()
            && schema.all_of[0].reference.is_some()
        {
            let reference = schema.all_of[0].reference.clone().unwrap_or_default();
            return self.reference_type(&origin.child("allOf").child("0"), &reference);
        }
        if schema.enum_values.is_some() {
            return self.enum_type(origin, schema, context);
        }
        let format = schema.format.as_deref();
        let ty = match schema.ty.as_deref() {
            Some("string") => match format {
                None
                | Some(
                    "uuid" | "uri" | "url" | "arm-id" | "duration" | "date" | "password" | "email"
                    | "char",
                ) => TypeRef::String,
                Some("date-time") => TypeRef::DateTime(TimeFormat::Rfc3339),
                Some("date-time-rfc1123") => TypeRef::DateTime(TimeFormat::Rfc1123),
                Some("byte") => TypeRef::Bytes(BytesFormat::Base64),
                Some("base64url") => TypeRef::Bytes(BytesFormat::Base64Url),
                Some(other) => {
                    return Err(Error::at(
                        origin,
                        format!("unsupported string format `{other}`"),
                    ))
                }
            },
            Some("integer") => match format {
                Some("int32") => TypeRef::I32,
                None | Some("int64") => TypeRef::I64,
                Some("unixtime") => TypeRef::DateTime(TimeFormat::Unix),
                Some(other) => {
                    return Err(Error::at(
                        origin,
                        format!("unsupported integer format `{other}`"),
                    ))
                }
            },
            Some("number") => match format {
                Some("float") => TypeRef::F32,
                None | Some("double" | "decimal") => TypeRef::F64,
                Some(other) => {
                    return Err(Error::at(
                        origin,
                        format!("unsupported number format `{other}`"),
                    ))
                }
            },
            Some("boolean") => TypeRef::Bool,
            Some("array") => {
                let items = schema
                    .items
                    .as_ref()
                    .ok_or_else(|| Error::at(origin, "array without `items`"))?;
                TypeRef::Array(Box::new(self.schema_type(
                    &origin.child("items"),
                    items,
                    &format!("{context}Item"),
                )?))
            }
            Some("object") | None => {
                if !schema.properties.is_empty() || !schema.all_of.is_empty() {
                    let name = naming::type_name(context);
                    self.reserve(&name, origin)?;
                    let def = self.struct_def(origin, schema, &name, context)?;
                    self.types.insert(name.clone(), def);
                    TypeRef::Named(name)
                } else {
                    match &schema.additional_properties {
                        Some(AdditionalProperties::Schema(values)) => {
                            TypeRef::Map(Box::new(self.schema_type(
                                &origin.child("additionalProperties"),
                                values,
                                &format!("{context}Value"),
                            )?))
                        }
                        _ => TypeRef::Json,
                    }
                }
            }
            Some("file") => {
                return Err(Error::at(
                    origin,
                    "`type: file` is only supported as a response body",
                ))
            }
            Some(other) => return Err(Error::at(origin, format!("unsupported type `{other}`"))),
        };
        Ok(ty)
    }

    fn enum_type(&mut self, origin: &Origin, schema: &Schema, context: &str) -> Result<TypeRef> {
        let values = schema.enum_values.as_deref().unwrap_or_default();
        if schema.ty.as_deref().is_some_and(|t| t != "string") {
            return Err(Error::at(
                origin,
                format!(
                    "enums of type `{}` are not supported",
                    schema.ty.as_deref().unwrap_or("")
                ),
            ));
        }
        let wire: Vec<String> = values
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| Error::at(origin, format!("enum value {v} is not a string")))
            })
            .collect::<Result<_>>()?;
        let (name, extensible) = match &schema.x_ms_enum {
            Some(x) => (
                naming::type_name(x.name.as_deref().unwrap_or(context)),
                x.model_as_string != Some(false),
            ),
            // Without x-ms-enum the enum stays open: services add values, and a closed enum
            // would make the whole response fail to decode.
            None => (naming::type_name(context), true),
        };
        if let Some((existing, first)) = self.enums.get(&name) {
            if existing != &wire {
                return Err(Error::at(
                    origin,
                    format!("enum `{name}` is declared with other values at {first}"),
                ));
            }
        }
        let named: HashMap<&str, (&Option<String>, &Option<String>)> = schema
            .x_ms_enum
            .as_ref()
            .and_then(|x| x.values.as_ref())
            .map(|vs| {
                vs.iter()
                    .filter_map(|v| v.value.as_str().map(|s| (s, (&v.name, &v.description))))
                    .collect()
            })
            .unwrap_or_default();
        let mut variants: Vec<EnumVariant> = Vec::new();
        for value in &wire {
            let (given, doc) = named.get(value.as_str()).copied().unwrap_or((&None, &None));
            let rust_name = naming::variant(given.as_deref().unwrap_or(value));
            if let Some(other) = variants.iter().find(|v| v.rust_name == rust_name) {
                return Err(Error::at(
                    origin,
                    format!(
                        "enum values `{}` and `{value}` both map to variant `{rust_name}`",
                        other.value
                    ),
                ));
            }
            variants.push(EnumVariant {
                rust_name,
                value: value.clone(),
                doc: doc.clone(),
            });
        }
        if self.enums.contains_key(&name) {
            // Declared again with the same values: the declaration that names or documents its
            // values wins, whichever comes first, so variant names never depend on spec order.
            if !named.is_empty() {
                if let Some(TypeDef {
                    kind: TypeKind::Enum(existing),
                    ..
                }) = self.types.get_mut(&name)
                {
                    let existing_named = existing
                        .variants
                        .iter()
                        .any(|v| v.doc.is_some() || v.rust_name != naming::variant(&v.value));
                    if existing_named && existing.variants != variants {
                        return Err(Error::at(
                            origin,
                            format!("enum `{name}` names its values differently elsewhere"),
                        ));
                    }
                    existing.variants = variants;
                }
            }
            return Ok(TypeRef::Named(name));
        }
        self.reserve(&name, origin)?;
        self.enums.insert(name.clone(), (wire, origin.clone()));
        self.types.insert(
            name.clone(),
            TypeDef {
                name: name.clone(),
                doc: schema.description.clone(),
                kind: TypeKind::Enum(EnumDef {
                    extensible,
                    variants,
                }),
                origin: origin.clone(),
            },
        );
        Ok(TypeRef::Named(name))
    }
}

/// `x-nullable` matters only where a caller writes: an explicit `null` clears a value. Types
/// that never reach a request body read `null` as `None` and keep plain `Option` fields.
pub(super) fn keep_null_only_on_input(client: &ClientIr, types: &mut BTreeMap<String, TypeDef>) {
    let mut pending: Vec<String> = client
        .operations
        .iter()
        .chain(client.groups.iter().flat_map(|g| &g.operations))
        .filter_map(|op| op.body.as_ref())
        .filter_map(|body| named_in(&body.ty).map(str::to_owned))
        .collect();
    let mut input = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if !input.insert(name.clone()) {
            continue;
        }
        match types.get(&name).map(|t| &t.kind) {
            Some(TypeKind::Struct(s)) => pending.extend(
                s.fields
                    .iter()
                    .map(|f| &f.ty)
                    .chain(s.additional.as_ref())
                    .filter_map(named_in)
                    .map(str::to_owned),
            ),
            Some(TypeKind::Union(u)) => {
                pending.extend(u.variants.iter().map(|v| v.struct_name.clone()))
            }
            _ => {}
        }
    }
    for (name, def) in types.iter_mut() {
        if let TypeKind::Struct(s) = &mut def.kind {
            if !input.contains(name) {
                for f in &mut s.fields {
                    f.nullable = false;
                }
            }
        }
    }
}

/// The named type inside a reference, through arrays and maps.
fn named_in(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(n) => Some(n),
        TypeRef::Array(inner) | TypeRef::Map(inner) => named_in(inner),
        _ => None,
    }
}

/// A property's documentation, with the defaults the service or client applies when it is
/// left unset (`default`, `x-ms-client-default`): serialization never fills them in, so the
/// reader should know what an absent value means.
fn property_doc(prop: &Schema) -> Option<String> {
    let mut doc = prop.description.clone().or_else(|| prop.title.clone());
    for (label, value) in [
        ("Service default", &prop.default),
        ("Client default", &prop.client_default),
    ] {
        if let Some(value) = value {
            let text = doc.get_or_insert_with(String::new);
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(&format!("{label}: `{value}`."));
        }
    }
    doc
}

/// Whether a definition becomes a named Rust type (object or enum) rather than being inlined.
fn is_named_shape(schema: &Schema) -> bool {
    schema.enum_values.is_some()
        || !schema.properties.is_empty()
        || !schema.all_of.is_empty()
        || schema.discriminator.is_some()
        || (matches!(schema.ty.as_deref(), Some("object") | None)
            && schema.additional_properties.is_none()
            && schema.reference.is_none())
}
