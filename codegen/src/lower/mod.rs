//! Spec -> IR: resolves references, interprets extensions, assigns names.
//!
//! One job per file: this one lowers a crate and its modules (which spec files and operations
//! feed each client, and the checks of the config's name lists); `operations` lowers one
//! operation, `params` its parameters and response headers, `paging_lro` its paging and
//! long-running extensions, `types` the schemas.

mod operations;
mod paging_lro;
mod params;
mod types;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use crate::config::{matches_pattern, CrateConfig, ModuleConfig};
use crate::documents::{Documents, RefTarget};
use crate::error::{Error, Origin, Result};
use crate::ir::*;
use crate::naming;
use crate::spec::SpecFile;

/// Which entries of a crate's config name lists matched something while lowering; an entry
/// that matched nothing is a typo or a leftover from an older spec, and is reported.
#[derive(Debug, Default)]
struct ConfigUse {
    sensitive_fields: BTreeSet<String>,
    optional_path_parameters: BTreeSet<String>,
    method_names: BTreeSet<String>,
    idempotent_operations: BTreeSet<String>,
    doc_notes: BTreeSet<String>,
    /// `Definition.clientName` -> `Definition.wireName` of every lowered property, to point an
    /// entry written with a client name at the wire name it should use.
    field_client_names: BTreeMap<String, String>,
    /// (file, operationId) -> the modules serving it.
    claimed: BTreeMap<(String, String), Vec<String>>,
}

impl ConfigUse {
    fn merge(&mut self, other: ConfigUse) {
        self.sensitive_fields.extend(other.sensitive_fields);
        self.optional_path_parameters
            .extend(other.optional_path_parameters);
        self.method_names.extend(other.method_names);
        self.idempotent_operations
            .extend(other.idempotent_operations);
        self.doc_notes.extend(other.doc_notes);
        for (k, v) in other.field_client_names {
            self.field_client_names.entry(k).or_insert(v);
        }
        for (k, v) in other.claimed {
            self.claimed.entry(k).or_default().extend(v);
        }
    }
}

/// Lowers one crate: loads each module's spec files (and what they refer to) from
/// `specs_dir`, lowers the modules, and checks the crate's config against what it found.
pub fn lower_crate(
    krate: &CrateConfig,
    specs_dir: &Path,
    commits: &BTreeMap<String, String>,
) -> Result<CrateIr> {
    let mut docs = Documents::new(specs_dir);
    let mut modules = Vec::new();
    let mut used = ConfigUse::default();
    for module in &krate.modules {
        for file in &module.spec {
            docs.load(file)?;
        }
        let (ir, module_use) = lower_module(&docs, krate, module, commits)?;
        used.merge(module_use);
        modules.push(ir);
    }
    check_config_use(krate, &docs, &modules, &used)?;
    Ok(CrateIr {
        name: krate.name.clone(),
        path: krate.path.clone(),
        version: krate.version.clone(),
        description: krate.description.clone(),
        publish: krate.publish,
        keywords: krate.keywords.clone(),
        categories: krate.categories.clone(),
        license_text: None,
        rust_version: None,
        modules,
    })
}

/// Every config entry naming a spec item must name one, and every operation of a file the
/// crate reads must be served by exactly one module.
fn check_config_use(
    krate: &CrateConfig,
    docs: &Documents,
    modules: &[ModuleIr],
    used: &ConfigUse,
) -> Result<()> {
    let name = &krate.name;
    // Every unmatched entry at once: a spec move can leave several behind.
    let mut problems = Vec::new();
    for id in &krate.lro_result_from_initial_response {
        let found = modules.iter().any(|m| {
            m.client
                .all_operations()
                .any(|op| &op.operation_id == id && op.lro.is_some())
        });
        if !found {
            problems.push(format!(
                "config: crate `{name}` lists `{id}` in lro_result_from_initial_response, but no long-running operation has that operationId"
            ));
        }
    }
    for entry in &krate.sensitive_fields {
        if !used.sensitive_fields.contains(entry) {
            let hint = match used.field_client_names.get(entry) {
                Some(wire) if wire != entry => {
                    format!("; entries use wire names: `{entry}` is a client name, write `{wire}`")
                }
                _ => String::new(),
            };
            problems.push(format!(
                "config: crate `{name}` lists `{entry}` in sensitive_fields, but no generated model has that field (`Definition.property` as the spec writes them; an inherited property is named by the definition declaring it){hint}"
            ));
        }
    }
    for entry in &krate.optional_path_parameters {
        if !used.optional_path_parameters.contains(entry) {
            problems.push(format!(
                "config: crate `{name}` lists `{entry}` in optional_path_parameters, but no operation has a path parameter of that (wire) name"
            ));
        }
    }
    for id in krate.method_names.keys() {
        if !used.method_names.contains(id) {
            problems.push(format!(
                "config: crate `{name}` renames `{id}` in method_names, but no operation has that operationId"
            ));
        }
    }
    for pattern in &krate.idempotent_operations {
        if !used.idempotent_operations.contains(pattern) {
            problems.push(format!(
                "config: crate `{name}` lists `{pattern}` in idempotent_operations, but no POST or PATCH operation matches it (GET, HEAD, PUT and DELETE are idempotent already)"
            ));
        }
    }
    for pattern in krate.doc_notes.iter().flat_map(|n| &n.operations) {
        if !used.doc_notes.contains(pattern) {
            problems.push(format!(
                "config: crate `{name}` has a doc_note for `{pattern}`, but no operation matches it"
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::new(problems.join("\n")));
    }
    // Every unserved or twice-served operation at once: a new file version often adds several.
    let mut problems = Vec::new();
    let entry_files: BTreeSet<&String> = krate.modules.iter().flat_map(|m| &m.spec).collect();
    for file in entry_files {
        for operation in docs.file(file)?.operations() {
            let (origin, id) = (operation.origin(file), &operation.op.operation_id);
            match used
                .claimed
                .get(&(file.clone(), id.clone()))
                .map(Vec::as_slice)
            {
                Some([_]) => {}
                None | Some([]) => problems.push(format!(
                    "{origin}: operation `{id}` is served by no module of crate `{name}`: add it to a module's `operations`"
                )),
                Some(several) => problems.push(format!(
                    "{origin}: operation `{id}` is served by modules {} of crate `{name}`: give each module its own `operations`",
                    several.join(" and ")
                )),
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::new(problems.join("\n")));
    }
    Ok(())
}

/// Lowers one module's spec files into the IR.
fn lower_module(
    docs: &Documents,
    krate: &CrateConfig,
    module: &ModuleConfig,
    commits: &BTreeMap<String, String>,
) -> Result<(ModuleIr, ConfigUse)> {
    let entry = &module.spec[0];
    let spec = docs.file(entry)?;
    let mut lowering = Lowering {
        docs,
        krate,
        types: BTreeMap::new(),
        by_target: HashMap::new(),
        enums: HashMap::new(),
        files: module.spec.iter().cloned().collect(),
        reachable: module.spec.iter().flat_map(|f| docs.reachable(f)).collect(),
        used: ConfigUse::default(),
    };
    let client = lowering.client(module)?;
    types::keep_null_only_on_input(&client, &mut lowering.types);
    let mut files: Vec<String> = lowering.files.iter().cloned().collect();
    files.sort_by_key(|f| {
        (
            module
                .spec
                .iter()
                .position(|s| s == f)
                .unwrap_or(usize::MAX),
            f.clone(),
        )
    });
    let sources = files
        .into_iter()
        .map(|path| SourceFile {
            commit: commits.get(&path).cloned(),
            path,
        })
        .collect();
    let ir = ModuleIr {
        name: module.name.clone(),
        feature: module.feature.clone(),
        default: module.default,
        note: module.note.clone(),
        summary: module.summary.clone(),
        sources,
        title: spec.info.title.clone(),
        description: spec.info.description.clone(),
        client,
        types: lowering.types,
    };
    Ok((ir, lowering.used))
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
    /// Every file the module's specs reach: where subtypes of a polymorphic base are looked
    /// for.
    reachable: BTreeSet<String>,
    /// The config entries this module matched.
    used: ConfigUse,
}

/// What identifies a spec file's endpoint: files of one module must agree on it.
fn host_of(spec: &SpecFile) -> String {
    match (&spec.parameterized_host, &spec.host) {
        (Some(ph), _) => ph.host_template.clone(),
        (None, Some(host)) => format!("{host}{}", spec.base_path.as_deref().unwrap_or("")),
        (None, None) => String::new(),
    }
}

impl<'a> Lowering<'a> {
    fn client(&mut self, module: &ModuleConfig) -> Result<ClientIr> {
        let entry = &module.spec[0];
        let spec: &'a SpecFile = self.docs.file(entry)?;
        let root = Origin::new(entry, "");
        for other in &module.spec[1..] {
            let other_spec = self.docs.file(other)?;
            if other_spec.info.version != spec.info.version {
                return Err(Error::at(
                    &Origin::new(other, "/info/version"),
                    format!(
                        "api-version `{}` differs from `{}` of {entry}: one module is one api-version",
                        other_spec.info.version, spec.info.version
                    ),
                ));
            }
            if host_of(other_spec) != host_of(spec) {
                return Err(Error::at(
                    &Origin::new(other, ""),
                    format!(
                        "host `{}` differs from `{}` of {entry}: one module is one endpoint",
                        host_of(other_spec),
                        host_of(spec)
                    ),
                ));
            }
        }
        let mut scopes = BTreeSet::new();
        for file in &module.spec {
            let file_spec = self.docs.file(file)?;
            for scope in file_spec
                .security
                .iter()
                .flat_map(|requirement| requirement.values().flatten())
            {
                // ARM specs name the scope `user_impersonation`; tokens are asked for the
                // resource's `.default` scope, as every Azure SDK does.
                scopes.insert(
                    if scope == "user_impersonation"
                        && file_spec.host.as_deref() == Some("management.azure.com")
                    {
                        "https://management.azure.com/.default".to_owned()
                    } else {
                        scope.clone()
                    },
                );
            }
        }
        let host = self.host(&root, spec)?;
        let mut client = ClientIr {
            name: module.client.clone(),
            api_version: spec.info.version.clone(),
            scopes: scopes.into_iter().collect(),
            challenge_auth: self.krate.auth == crate::config::AuthConfig::KeyVaultChallenge,
            host,
            params: Vec::new(),
            operations: Vec::new(),
            groups: Vec::new(),
        };
        let patterns = module.operations.as_deref();
        let mut pattern_used = vec![false; patterns.map_or(0, <[String]>::len)];
        let mut seen_ids: HashMap<String, Origin> = HashMap::new();
        for file in &module.spec {
            let file_spec: &'a SpecFile = self.docs.file(file)?;
            for operation in file_spec.operations() {
                let op = operation.op;
                if let Some(patterns) = patterns {
                    let mut selected = false;
                    for (i, pattern) in patterns.iter().enumerate() {
                        if matches_pattern(pattern, &op.operation_id) {
                            pattern_used[i] = true;
                            selected = true;
                        }
                    }
                    if !selected {
                        continue;
                    }
                }
                self.used
                    .claimed
                    .entry((file.clone(), op.operation_id.clone()))
                    .or_default()
                    .push(format!("`{}`", module.name));
                let origin = operation.origin(file);
                if let Some(previous) = seen_ids.insert(op.operation_id.clone(), origin.clone()) {
                    return Err(Error::at(
                        &origin,
                        format!(
                            "operationId `{}` is also used at {previous}",
                            op.operation_id
                        ),
                    ));
                }
                let lowered = self.operation(
                    &mut client,
                    &origin,
                    operation.path,
                    operation.method,
                    &operation.item.parameters,
                    op,
                )?;
                add_operation(&mut client, lowered)?;
            }
        }
        for (pattern, used) in patterns.unwrap_or_default().iter().zip(pattern_used) {
            if !used {
                return Err(Error::new(format!(
                    "config: module `{}` lists `{pattern}` in operations, but no operation of {} matches it",
                    module.name,
                    module.spec.join(", ")
                )));
            }
        }
        client.groups.sort_by(|a, b| a.accessor.cmp(&b.accessor));
        for group in &mut client.groups {
            group.operations.sort_by(|a, b| a.method.cmp(&b.method));
        }
        client.operations.sort_by(|a, b| a.method.cmp(&b.method));
        for op in client.all_operations() {
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
        for op in client.all_operations() {
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

    /// How the client's endpoint is formed: a parameterized host or a fixed one.
    fn host(&mut self, root: &Origin, spec: &'a SpecFile) -> Result<Host> {
        match (&spec.parameterized_host, &spec.host) {
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
                Ok(Host::Template {
                    template: ph.host_template.clone(),
                    scheme_prefix,
                    params,
                })
            }
            (None, Some(host)) => {
                let scheme = spec.schemes.first().map(String::as_str).unwrap_or("https");
                Ok(Host::Fixed(format!(
                    "{scheme}://{host}{}",
                    spec.base_path
                        .as_deref()
                        .unwrap_or("")
                        .trim_end_matches('/')
                )))
            }
            (None, None) => Err(Error::at(
                root,
                "the spec has neither `host` nor `x-ms-parameterized-host`",
            )),
        }
    }
}

/// Adds an operation to the client or its group (`Group_Name` operation ids); two operations
/// wanting one method name (or its `resume_` twin) are an error citing both.
fn add_operation(client: &mut ClientIr, lowered: OperationIr) -> Result<()> {
    let (group, _) = naming::split_operation_id(&lowered.operation_id);
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
            &lowered.origin,
            format!(
                "method name `{}` collides with operation `{}` at {}",
                lowered.method, other.operation_id, other.origin
            ),
        ));
    }
    list.push(lowered);
    Ok(())
}
