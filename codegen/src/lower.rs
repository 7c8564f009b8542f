//! Spec -> IR: resolves references, interprets extensions, assigns names.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::config::{CrateConfig, ModuleConfig};
use crate::documents::{Documents, RefTarget};
use crate::error::{Error, Origin, Result};
use crate::ir::*;
use crate::naming;
use crate::spec::{AdditionalProperties, Operation, Parameter, Schema, SpecFile};

/// Lowers one module's spec into the IR.
pub fn lower_module(
    docs: &Documents,
    krate: &CrateConfig,
    module: &ModuleConfig,
    commits: &BTreeMap<String, String>,
) -> Result<ModuleIr> {
    let spec = docs.file(&module.spec)?;
    let mut lowering = Lowering {
        docs,
        krate,
        types: BTreeMap::new(),
        by_target: HashMap::new(),
        enums: HashMap::new(),
        files: BTreeSet::from([module.spec.clone()]),
        reachable: docs.reachable(&module.spec),
    };
    let client = lowering.client(module, spec)?;
    keep_null_only_on_input(&client, &mut lowering.types);
    let mut files: Vec<String> = lowering.files.iter().cloned().collect();
    files.sort_by_key(|f| (f != &module.spec, f.clone()));
    let sources = files
        .into_iter()
        .map(|path| SourceFile {
            commit: commits.get(&path).cloned(),
            path,
        })
        .collect();
    Ok(ModuleIr {
        name: module.name.clone(),
        feature: module.feature.clone(),
        default: module.default,
        note: module.note.clone(),
        sources,
        title: spec.info.title.clone(),
        description: spec.info.description.clone(),
        client,
        types: lowering.types,
    })
}

struct Lowering<'a> {
    docs: &'a Documents,
    krate: &'a CrateConfig,
    types: BTreeMap<String, TypeDef>,
    /// Definitions already named, so each is lowered once and cycles terminate.
    by_target: HashMap<RefTarget, String>,
    /// `x-ms-enum` names already emitted, with their values, to share them across uses.
    enums: HashMap<String, (Vec<String>, Origin)>,
    /// Spec files the module's types come from.
    files: BTreeSet<String>,
    /// Every file the module's spec reaches: where subtypes of a polymorphic base are looked
    /// for.
    reachable: BTreeSet<String>,
}

impl<'a> Lowering<'a> {
    fn client(&mut self, module: &ModuleConfig, spec: &'a SpecFile) -> Result<ClientIr> {
        let root = Origin::new(&module.spec, "");
        let scopes = spec
            .security
            .iter()
            .flat_map(|requirement| requirement.values().flatten())
            .map(|scope| {
                // ARM specs name the scope `user_impersonation`; tokens are asked for the
                // resource's `.default` scope, as every Azure SDK does.
                if scope == "user_impersonation"
                    && spec.host.as_deref() == Some("management.azure.com")
                {
                    "https://management.azure.com/.default".to_owned()
                } else {
                    scope.clone()
                }
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let host = match (&spec.parameterized_host, &spec.host) {
            (Some(ph), _) => {
                let origin = root.child("x-ms-parameterized-host");
                let mut params = Vec::new();
                for (i, p) in ph.parameters.iter().enumerate() {
                    let (porigin, p) = self
                        .docs
                        .parameter(&origin.child("parameters").child(&i.to_string()), p)?;
                    let mut param = self.param(&porigin, p, "Host")?;
                    param.location = ParamLocation::Host;
                    params.push(param);
                }
                let scheme_prefix = if ph.use_scheme_prefix.unwrap_or(true) {
                    Some(
                        spec.schemes
                            .first()
                            .cloned()
                            .unwrap_or_else(|| "https".into()),
                    )
                } else {
                    None
                };
                Host::Template {
                    template: ph.host_template.clone(),
                    scheme_prefix,
                    params,
                }
            }
            (None, Some(host)) => {
                let scheme = spec.schemes.first().map(String::as_str).unwrap_or("https");
                Host::Fixed(format!(
                    "{scheme}://{host}{}",
                    spec.base_path
                        .as_deref()
                        .unwrap_or("")
                        .trim_end_matches('/')
                ))
            }
            (None, None) => {
                return Err(Error::at(
                    &root,
                    "the spec has neither `host` nor `x-ms-parameterized-host`",
                ))
            }
        };
        let mut client = ClientIr {
            name: module.client.clone(),
            api_version: spec.info.version.clone(),
            scopes,
            challenge_auth: self.krate.auth == crate::config::AuthConfig::KeyVaultChallenge,
            host,
            params: Vec::new(),
            operations: Vec::new(),
            groups: Vec::new(),
        };
        let mut seen_ids: HashMap<String, Origin> = HashMap::new();
        let all_paths = spec
            .paths
            .iter()
            .map(|p| ("paths", p))
            .chain(spec.x_ms_paths.iter().map(|p| ("x-ms-paths", p)));
        for (section, (path, item)) in all_paths {
            let path_origin = root.child(section).child(path);
            for (method, op) in item.operations() {
                let origin = path_origin.child(&method.to_ascii_lowercase());
                if let Some(previous) = seen_ids.insert(op.operation_id.clone(), origin.clone()) {
                    return Err(Error::at(
                        &origin,
                        format!(
                            "operationId `{}` is also used at {previous}",
                            op.operation_id
                        ),
                    ));
                }
                let lowered =
                    self.operation(&mut client, &origin, path, method, &item.parameters, op)?;
                let (group, _) = naming::split_operation_id(&op.operation_id);
                let list = match group {
                    None => &mut client.operations,
                    Some(group) => {
                        let index = match client.groups.iter().position(|g| g.wire_name == group) {
                            Some(index) => index,
                            None => {
                                client.groups.push(GroupIr {
                                    wire_name: group.to_owned(),
                                    accessor: naming::method(group),
                                    type_name: format!("{}Client", naming::type_name(group)),
                                    operations: Vec::new(),
                                });
                                client.groups.len() - 1
                            }
                        };
                        &mut client.groups[index].operations
                    }
                };
                // Long-running operations also get a `resume_{method}` method.
                let names = |o: &OperationIr| {
                    let mut names = vec![o.method.clone()];
                    if o.lro.is_some() {
                        names.push(format!("resume_{}", o.method.trim_start_matches("r#")));
                    }
                    names
                };
                let mine = names(&lowered);
                if let Some(other) = list
                    .iter()
                    .find(|o| names(o).iter().any(|n| mine.contains(n)))
                {
                    return Err(Error::at(
                        &origin,
                        format!(
                            "method name `{}` collides with operation `{}` at {}",
                            lowered.method, other.operation_id, other.origin
                        ),
                    ));
                }
                list.push(lowered);
            }
        }
        client.groups.sort_by(|a, b| a.accessor.cmp(&b.accessor));
        for group in &mut client.groups {
            group.operations.sort_by(|a, b| a.method.cmp(&b.method));
        }
        client.operations.sort_by(|a, b| a.method.cmp(&b.method));
        for op in client
            .operations
            .iter()
            .chain(client.groups.iter().flat_map(|g| &g.operations))
        {
            if let Some(headers) = &op.response_headers {
                if let Some(existing) = self.types.get(&headers.type_name) {
                    return Err(Error::at(
                        &op.origin,
                        format!(
                            "response headers type `{}` collides with the definition at {}",
                            headers.type_name, existing.origin
                        ),
                    ));
                }
            }
        }
        let mut builders: HashMap<&str, &OperationIr> = HashMap::new();
        for op in client
            .operations
            .iter()
            .chain(client.groups.iter().flat_map(|g| &g.operations))
        {
            if let Some(other) = builders.insert(&op.builder, op) {
                return Err(Error::at(
                    &op.origin,
                    format!(
                        "builder type `{}` collides with {}",
                        op.builder, other.origin
                    ),
                ));
            }
        }
        Ok(client)
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        client: &mut ClientIr,
        origin: &Origin,
        path_key: &str,
        http_method: &str,
        path_params: &'a [crate::spec::ParamOrRef],
        op: &'a Operation,
    ) -> Result<OperationIr> {
        let (group, name) = naming::split_operation_id(&op.operation_id);
        let method = naming::method(name);
        let type_prefix = format!(
            "{}{}",
            group.map(naming::type_name).unwrap_or_default(),
            naming::type_name(name)
        );
        let builder = format!("{type_prefix}Builder");

        // Operation parameters override path-level ones with the same name and location.
        let mut raw: Vec<(Origin, &Parameter)> = Vec::new();
        for (i, p) in path_params.iter().enumerate() {
            let path_origin = Origin::new(
                &origin.file,
                origin
                    .pointer
                    .rsplit_once('/')
                    .map_or("", |(parent, _)| parent),
            );
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

        let mut params = Vec::new();
        let mut client_params = Vec::new();
        let mut body = None;
        let mut sends_api_version = false;
        for (porigin, p) in raw {
            if p.location == "query" && p.name == "api-version" && p.x_ms_api_version != Some(false)
            {
                sends_api_version = true;
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
                body = Some(BodyParam {
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
            let mut param = self.param(&porigin, p, &type_prefix)?;
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
                client_params.push(param.wire_name.clone());
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
                param.required = false;
            }
            params.push(param);
        }

        let mut path = Vec::new();
        let mut rest = path_part;
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
                .any(|p| p.wire_name == name && p.location == ParamLocation::Path)
                || client
                    .params
                    .iter()
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

        // Responses: 2xx are success, `default` is the error model, anything else is an error.
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
        let response_headers = self.response_headers(&type_prefix, header_specs)?;
        let result = match (body_types.into_iter().next(), binary) {
            (_, true) => ResultShape::Bytes,
            (None, false) => ResultShape::Empty,
            (Some(ty), false) if success.iter().all(|(_, has)| *has) => ResultShape::Body(ty),
            (Some(ty), false) => ResultShape::OptionalBody(ty),
        };

        let paging = match &op.pageable {
            None => None,
            Some(pageable) => {
                if pageable.operation_name.is_some() {
                    return Err(Error::at(origin, "x-ms-pageable operationName (a separate next-page operation) is not supported"));
                }
                let ResultShape::Body(TypeRef::Named(page_name)) = &result else {
                    return Err(Error::at(
                        origin,
                        "a pageable operation must return a named page model",
                    ));
                };
                let page = self
                    .types
                    .get(page_name)
                    .ok_or_else(|| Error::at(origin, "page model missing"))?;
                let TypeKind::Struct(page_struct) = &page.kind else {
                    return Err(Error::at(origin, "the page model is not an object"));
                };
                let item_wire = pageable.item_name.as_deref().unwrap_or("value");
                let items = page_struct
                    .fields
                    .iter()
                    .find(|f| f.wire_name == item_wire)
                    .ok_or_else(|| {
                        Error::at(
                            origin,
                            format!("page model `{page_name}` has no items field `{item_wire}`"),
                        )
                    })?;
                let TypeRef::Array(item_type) = &items.ty else {
                    return Err(Error::at(
                        origin,
                        format!("items field `{item_wire}` is not an array"),
                    ));
                };
                let next = match &pageable.next_link_name {
                    None => None,
                    Some(name) => Some(
                        page_struct
                            .fields
                            .iter()
                            .find(|f| &f.wire_name == name)
                            .ok_or_else(|| {
                                Error::at(
                                    origin,
                                    format!(
                                        "page model `{page_name}` has no next-link field `{name}`"
                                    ),
                                )
                            })?,
                    ),
                };
                Some(Paging {
                    page_type: TypeRef::Named(page_name.clone()),
                    items_field: items.rust_name.clone(),
                    item_type: (**item_type).clone(),
                    next_link_field: next.map(|f| f.rust_name.clone()),
                })
            }
        };

        let lro = if op.long_running {
            let options = op.long_running_options.as_ref();
            let mut final_state_via = options.and_then(|o| o.final_state_via.clone());
            if let Some(via) = &final_state_via {
                if ![
                    "azure-async-operation",
                    "location",
                    "original-uri",
                    "operation-location",
                ]
                .contains(&via.as_str())
                {
                    return Err(Error::at(
                        origin,
                        format!("unknown final-state-via `{via}`"),
                    ));
                }
            }
            // Configured exceptions: the spec names a status monitor, but the result the
            // caller needs is the initial response's body (security domain download).
            if self
                .krate
                .lro_result_from_initial_response
                .contains(&op.operation_id)
            {
                final_state_via = Some("initial-response".to_owned());
            }
            let final_type = match options.and_then(|o| o.final_state_schema.as_deref()) {
                Some(reference) => Some(self.reference_type(origin, reference)?),
                None => match &result {
                    ResultShape::Body(ty) | ResultShape::OptionalBody(ty) => Some(ty.clone()),
                    _ => None,
                },
            };
            Some(Lro {
                final_state_via,
                final_type,
            })
        } else {
            None
        };
        if lro.is_some() && paging.is_some() {
            return Err(Error::at(
                origin,
                "pageable long-running operations are not supported",
            ));
        }

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

        Ok(OperationIr {
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
            summary: op.summary.clone(),
            description: op.description.clone(),
            deprecated: op.deprecated,
            examples,
            origin: origin.clone(),
        })
    }

    /// The typed headers of the success responses; a header declared by several responses
    /// must have one type.
    fn response_headers(
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

    fn param(&mut self, origin: &Origin, p: &Parameter, type_prefix: &str) -> Result<Param> {
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

    fn is_enum(&self, name: &str) -> bool {
        matches!(
            self.types.get(name).map(|t| &t.kind),
            Some(TypeKind::Enum(_))
        )
    }

    /// The type of a `$ref`'d definition.
    fn reference_type(&mut self, from: &Origin, reference: &str) -> Result<TypeRef> {
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
            let secret = prop.secret == Some(true)
                || self
                    .krate
                    .sensitive_fields
                    .iter()
                    .any(|s| s == &format!("{def_name}.{wire}"));
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
    fn schema_type(&mut self, origin: &Origin, schema: &Schema, context: &str) -> Result<TypeRef> {
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
fn keep_null_only_on_input(client: &ClientIr, types: &mut BTreeMap<String, TypeDef>) {
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

fn regex_check(origin: &Origin, pattern: &str) -> Result<()> {
    regex_lite::Regex::new(pattern).map(|_| ()).map_err(|e| {
        Error::at(
            origin,
            format!("pattern `{pattern}` is not a valid regular expression: {e}"),
        )
    })
}
