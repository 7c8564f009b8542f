//! One operation: its parameters (method, client, body), its path, its responses, and the
//! paging, long-running and OData extensions on it.

use std::collections::BTreeSet;

use super::Lowering;
use crate::error::{Error, Origin, Result};
use crate::ir::*;
use crate::naming;
use crate::spec::{Operation, ParamOrRef, Parameter};

/// An operation's non-body parameters and body, sorted by where they go.
struct Parameters {
    params: Vec<Param>,
    client_params: Vec<String>,
    body: Option<BodyParam>,
    sends_api_version: bool,
}

/// What an operation's responses say.
struct Responses {
    result: ResultShape,
    success: Vec<(u16, bool)>,
    error_type: Option<TypeRef>,
    response_headers: Option<ResponseHeaders>,
}

impl<'a> Lowering<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn operation(
        &mut self,
        client: &mut ClientIr,
        origin: &Origin,
        path_key: &str,
        http_method: &str,
        path_params: &'a [ParamOrRef],
        op: &'a Operation,
    ) -> Result<OperationIr> {
        let (group, name) = naming::split_operation_id(&op.operation_id);
        // A configured method name also names the builder.
        let name = match self.krate.method_names.get(&op.operation_id) {
            Some(given) => {
                self.used.method_names.insert(op.operation_id.clone());
                given.as_str()
            }
            None => name,
        };
        let method = naming::method(name);
        let type_prefix = format!(
            "{}{}",
            group.map(naming::type_name).unwrap_or_default(),
            naming::type_name(name)
        );
        let builder = format!("{type_prefix}Builder");

        let Parameters {
            params,
            client_params,
            body,
            sends_api_version,
        } = self.parameters(client, origin, path_params, op, &type_prefix)?;

        let (path_part, query_part) = path_key.split_once('?').unwrap_or((path_key, ""));
        let fixed_query = query_part
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (k.to_owned(), v.to_owned())
            })
            // TypeSpec marks overloads sharing one route with `_overload=`; it only keeps the
            // Swagger keys apart and is not part of the request.
            .filter(|(k, _)| k != "_overload")
            .collect();
        let path = path_pieces(origin, path_part, &params, &client.params)?;

        let Responses {
            result,
            success,
            error_type,
            response_headers,
        } = self.responses(origin, op, &type_prefix)?;

        let paging = self.paging(origin, op, &result)?;
        let lro = self.lro(origin, op, &result)?;
        if lro.is_some() && paging.is_some() {
            return Err(Error::at(
                origin,
                "pageable long-running operations are not supported",
            ));
        }

        // `x-ms-odata` names the model an OData `$filter` is written against.
        let odata_model = match &op.odata {
            None => None,
            Some(reference) => {
                let at = origin.child("x-ms-odata");
                match self.reference_type(&at, reference)? {
                    TypeRef::Named(name) => Some(name),
                    _ => return Err(Error::at(&at, "x-ms-odata must name an object definition")),
                }
            }
        };

        let examples = op
            .examples
            .iter()
            .map(|(name, r)| {
                Ok((
                    name.clone(),
                    crate::documents::resolve(&origin.file, &r.reference)?.file,
                ))
            })
            .collect::<Result<Vec<_>>>()?;

        let idempotent = self.idempotent(http_method, &op.operation_id);
        let notes = self.doc_notes(&op.operation_id);
        Ok(OperationIr {
            idempotent,
            notes,
            operation_id: op.operation_id.clone(),
            method,
            builder,
            http_method: http_method.to_owned(),
            path_template: path_key.to_owned(),
            path,
            fixed_query,
            params,
            client_params,
            sends_api_version,
            body,
            result,
            success,
            error_type,
            response_headers,
            paging,
            lro,
            odata_model,
            summary: op.summary.clone(),
            description: op.description.clone(),
            deprecated: op.deprecated,
            examples,
            origin: origin.clone(),
        })
    }

    /// Whether the config marks a POST or PATCH operation as safe to repeat; entries that
    /// matched one are recorded (one that matches none is reported).
    fn idempotent(&mut self, http_method: &str, operation_id: &str) -> bool {
        if !matches!(http_method, "POST" | "PATCH") {
            return false;
        }
        let mut found = false;
        for pattern in &self.krate.idempotent_operations {
            if crate::config::matches_pattern(pattern, operation_id) {
                self.used.idempotent_operations.insert(pattern.clone());
                found = true;
            }
        }
        found
    }

    /// The config's doc notes for an operation; the patterns that matched are recorded.
    fn doc_notes(&mut self, operation_id: &str) -> Vec<String> {
        let mut notes = Vec::new();
        for note in &self.krate.doc_notes {
            for pattern in &note.operations {
                if crate::config::matches_pattern(pattern, operation_id) {
                    self.used.doc_notes.insert(pattern.clone());
                    notes.push(note.note.clone());
                    break;
                }
            }
        }
        notes
    }

    /// The path-level and operation parameters, sorted into method parameters, client
    /// parameters (added to `client` once) and the body.
    fn parameters(
        &mut self,
        client: &mut ClientIr,
        origin: &Origin,
        path_params: &'a [ParamOrRef],
        op: &'a Operation,
        type_prefix: &str,
    ) -> Result<Parameters> {
        // Operation parameters override path-level ones with the same name and location.
        let mut raw: Vec<(Origin, &Parameter)> = Vec::new();
        let path_origin = Origin::new(
            &origin.file,
            origin
                .pointer
                .rsplit_once('/')
                .map_or("", |(parent, _)| parent),
        );
        for (i, p) in path_params.iter().enumerate() {
            raw.push(
                self.docs
                    .parameter(&path_origin.child("parameters").child(&i.to_string()), p)?,
            );
        }
        for (i, p) in op.parameters.iter().enumerate() {
            let (o, p) = self
                .docs
                .parameter(&origin.child("parameters").child(&i.to_string()), p)?;
            raw.retain(|(_, q)| !(q.name == p.name && q.location == p.location));
            raw.push((o, p));
        }

        let mut out = Parameters {
            params: Vec::new(),
            client_params: Vec::new(),
            body: None,
            sends_api_version: false,
        };
        for (porigin, p) in raw {
            if p.location == "query" && p.name == "api-version" && p.x_ms_api_version != Some(false)
            {
                out.sends_api_version = true;
                continue;
            }
            if p.location == "body" {
                let schema = p
                    .schema
                    .as_ref()
                    .ok_or_else(|| Error::at(&porigin, "body parameter without schema"))?;
                let ty = self.schema_type(
                    &porigin.child("schema"),
                    schema,
                    &format!("{type_prefix}Body"),
                )?;
                out.body = Some(BodyParam {
                    wire_name: p.name.clone(),
                    rust_name: naming::snake(p.client_name.as_deref().unwrap_or(&p.name)),
                    ty,
                    required: p.required,
                    doc: p.description.clone(),
                });
                continue;
            }
            if p.location == "formData" {
                return Err(Error::at(&porigin, "formData parameters are not supported"));
            }
            let mut param = self.param(&porigin, p, type_prefix)?;
            let is_client_param = match p.parameter_location.as_deref() {
                Some("client") => true,
                Some("method") => false,
                Some(other) => {
                    return Err(Error::at(
                        &porigin,
                        format!("unknown x-ms-parameter-location `{other}`"),
                    ))
                }
                // Parameters defined once for the whole file (or in common-types) belong to the
                // client unless they say otherwise; inline ones to the method.
                None => porigin.pointer.starts_with("/parameters/"),
            };
            if is_client_param {
                out.client_params.push(param.wire_name.clone());
                if !client.params.iter().any(|c| c.wire_name == param.wire_name) {
                    client.params.push(param);
                }
                continue;
            }
            if param.location == ParamLocation::Path
                && self
                    .krate
                    .optional_path_parameters
                    .contains(&param.wire_name)
            {
                self.used
                    .optional_path_parameters
                    .insert(param.wire_name.clone());
                param.required = false;
            }
            out.params.push(param);
        }
        Ok(out)
    }

    /// Success statuses, the result shape, the error model and the typed headers: 2xx are
    /// success, `default` is the error model, anything else is an error.
    fn responses(
        &mut self,
        origin: &Origin,
        op: &Operation,
        type_prefix: &str,
    ) -> Result<Responses> {
        let mut success = Vec::new();
        let mut body_types = BTreeSet::new();
        let mut binary = false;
        let mut error_type = None;
        let mut header_specs = Vec::new();
        for (code, response) in &op.responses {
            let rorigin = origin.child("responses").child(code);
            if response.reference.is_some() {
                return Err(Error::at(&rorigin, "response references are not supported"));
            }
            let ty = match &response.schema {
                Some(schema)
                    if schema.ty.as_deref() == Some("file")
                        || schema.format.as_deref() == Some("binary") =>
                {
                    binary = true;
                    None
                }
                Some(schema) => Some(self.schema_type(
                    &rorigin.child("schema"),
                    schema,
                    &format!("{type_prefix}Response"),
                )?),
                None => None,
            };
            if code == "default" {
                error_type = ty;
                continue;
            }
            let status: u16 = code
                .parse()
                .map_err(|_| Error::at(&rorigin, format!("`{code}` is not a status code")))?;
            if (200..300).contains(&status) {
                for (name, schema) in &response.headers {
                    header_specs.push((rorigin.child("headers").child(name), name, schema));
                }
                success.push((status, ty.is_some() || binary));
                if let Some(ty) = ty {
                    body_types.insert(ty);
                }
            }
        }
        if success.is_empty() {
            return Err(Error::at(origin, "no success (2xx) response"));
        }
        if body_types.len() > 1 {
            return Err(Error::at(
                origin,
                format!("success responses have different body types: {body_types:?}"),
            ));
        }
        let response_headers = self.response_headers(type_prefix, header_specs)?;
        let result = match (body_types.into_iter().next(), binary) {
            (_, true) => ResultShape::Bytes,
            (None, false) => ResultShape::Empty,
            (Some(ty), false) if success.iter().all(|(_, has)| *has) => ResultShape::Body(ty),
            (Some(ty), false) => ResultShape::OptionalBody(ty),
        };
        Ok(Responses {
            result,
            success,
            error_type,
            response_headers,
        })
    }
}

/// A path template as literal pieces and parameters; every `{name}` must be a path parameter
/// of the operation or the client, and every path parameter of the operation must appear.
fn path_pieces(
    origin: &Origin,
    template: &str,
    params: &[Param],
    client_params: &[Param],
) -> Result<Vec<PathPiece>> {
    let mut path = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let end = rest[start..]
            .find('}')
            .map(|e| start + e)
            .ok_or_else(|| Error::at(origin, "unclosed `{` in path"))?;
        if start > 0 {
            path.push(PathPiece::Literal(rest[..start].to_owned()));
        }
        let name = &rest[start + 1..end];
        let known = params
            .iter()
            .chain(client_params)
            .any(|p| p.wire_name == name && p.location == ParamLocation::Path);
        if !known {
            return Err(Error::at(
                origin,
                format!("path parameter `{{{name}}}` has no parameter definition"),
            ));
        }
        path.push(PathPiece::Param(name.to_owned()));
        rest = &rest[end + 1..];
    }
    if !rest.is_empty() {
        path.push(PathPiece::Literal(rest.to_owned()));
    }
    for p in params.iter().filter(|p| p.location == ParamLocation::Path) {
        if !path.contains(&PathPiece::Param(p.wire_name.clone())) {
            return Err(Error::at(
                &p.origin,
                format!(
                    "path parameter `{}` does not appear in the path",
                    p.wire_name
                ),
            ));
        }
    }
    Ok(path)
}
