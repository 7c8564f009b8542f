//! Non-body parameters and typed response headers.

use super::Lowering;
use crate::error::{Error, Origin, Result};
use crate::ir::*;
use crate::naming;
use crate::spec::{Parameter, Schema};

impl Lowering<'_> {
    pub(super) fn response_headers(
        &mut self,
        type_prefix: &str,
        specs: Vec<(Origin, &String, &Schema)>,
    ) -> Result<Option<ResponseHeaders>> {
        if specs.is_empty() {
            return Ok(None);
        }
        let mut fields: Vec<HeaderField> = Vec::new();
        for (origin, wire, schema) in specs {
            let rust_name = naming::snake(wire);
            let ty = self.schema_type(
                &origin,
                schema,
                &format!("{type_prefix}{}", naming::type_name(&rust_name)),
            )?;
            let supported = match &ty {
                TypeRef::String
                | TypeRef::Bool
                | TypeRef::I32
                | TypeRef::I64
                | TypeRef::F32
                | TypeRef::F64
                | TypeRef::DateTime(_) => true,
                TypeRef::Named(n) => matches!(
                    self.types.get(n).map(|t| &t.kind),
                    Some(TypeKind::Enum(e)) if e.extensible
                ),
                _ => false,
            };
            if !supported {
                return Err(Error::at(
                    &origin,
                    "a response header must be a primitive, a date-time or an extensible enum",
                ));
            }
            if let Some(existing) = fields
                .iter()
                .find(|f| f.wire_name.eq_ignore_ascii_case(wire))
            {
                if existing.ty != ty {
                    return Err(Error::at(
                        &origin,
                        format!("header `{wire}` has another type in another success response"),
                    ));
                }
                continue;
            }
            fields.push(HeaderField {
                wire_name: wire.clone(),
                rust_name,
                ty,
                doc: schema.description.clone(),
            });
        }
        fields.sort_by_key(|f| f.wire_name.to_ascii_lowercase());
        Ok(Some(ResponseHeaders {
            type_name: format!("{type_prefix}Headers"),
            fields,
        }))
    }

    pub(super) fn param(
        &mut self,
        origin: &Origin,
        p: &Parameter,
        type_prefix: &str,
    ) -> Result<Param> {
        let location = match p.location.as_str() {
            "path" => ParamLocation::Path,
            "query" => ParamLocation::Query,
            "header" => ParamLocation::Header,
            other => {
                return Err(Error::at(
                    origin,
                    format!("unsupported parameter location `{other}`"),
                ))
            }
        };
        let as_schema = Schema {
            ty: p.ty.clone(),
            format: p.format.clone(),
            items: p.items.clone(),
            enum_values: p.enum_values.clone(),
            x_ms_enum: p.x_ms_enum.clone(),
            ..Schema::default()
        };
        let rust_name = naming::snake(p.client_name.as_deref().unwrap_or(&p.name));
        let ty = self.schema_type(
            origin,
            &as_schema,
            &format!("{type_prefix}{}", naming::type_name(&rust_name)),
        )?;
        if matches!(ty, TypeRef::Json | TypeRef::Map(_))
            || matches!(&ty, TypeRef::Named(n) if !self.is_enum(n))
        {
            return Err(Error::at(
                origin,
                "a non-body parameter must be a primitive, an enum or an array of them",
            ));
        }
        let constraints = Constraints {
            pattern: p.pattern.clone(),
            min_length: p.min_length,
            max_length: p.max_length,
            minimum: p.minimum,
            maximum: p.maximum,
            min_items: p.min_items,
            max_items: p.max_items,
        };
        if let Some(pattern) = &constraints.pattern {
            regex_check(origin, pattern)?;
        }
        let client_default = p.client_default.as_ref().map(|v| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        Ok(Param {
            wire_name: p.name.clone(),
            rust_name,
            location,
            ty,
            // A client default makes a required query or header parameter optional to set.
            required: (p.required && client_default.is_none()) || location == ParamLocation::Path,
            skip_encoding: p.skip_url_encoding,
            collection_format: p.collection_format.clone(),
            constraints,
            client_default,
            doc: p.description.clone(),
            origin: origin.clone(),
        })
    }

    pub(super) fn is_enum(&self, name: &str) -> bool {
        matches!(
            self.types.get(name).map(|t| &t.kind),
            Some(TypeKind::Enum(_))
        )
    }
}

/// A spec pattern must compile: the client checks values against it before sending.
pub(super) fn regex_check(origin: &Origin, pattern: &str) -> Result<()> {
    regex_lite::Regex::new(pattern).map(|_| ()).map_err(|e| {
        Error::at(
            origin,
            format!("pattern `{pattern}` is not a valid regular expression: {e}"),
        )
    })
}
