//! The raw Swagger 2.0 document with Azure's `x-ms-*` extensions, as plain serde structs.
//!
//! Every struct rejects unknown keys, so a spec using something this generator does not
//! understand fails loudly (with the file and JSON pointer) instead of being silently dropped.
//! Keys that are read but deliberately not used say so where they are declared.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;

/// A whole spec file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    /// Always "2.0".
    pub swagger: String,
    /// Title, version (the api-version) and description.
    pub info: Info,
    /// A fixed host (management plane); data plane files use `x-ms-parameterized-host`.
    pub host: Option<String>,
    /// Allowed schemes; the first one is used with `host`.
    #[serde(default)]
    pub schemes: Vec<String>,
    /// A path prefix for every operation.
    #[serde(rename = "basePath")]
    pub base_path: Option<String>,
    /// Request media types (every Key Vault spec is JSON).
    #[serde(default)]
    pub consumes: Vec<String>,
    /// Response media types.
    #[serde(default)]
    pub produces: Vec<String>,
    /// The operations.
    #[serde(default)]
    pub paths: IndexMap<String, PathItem>,
    /// Operations whose paths carry a query string to tell them apart.
    #[serde(rename = "x-ms-paths", default)]
    pub x_ms_paths: IndexMap<String, PathItem>,
    /// Named schemas.
    #[serde(default)]
    pub definitions: IndexMap<String, Schema>,
    /// Named parameters referred to by operations.
    #[serde(default)]
    pub parameters: IndexMap<String, Parameter>,
    /// Named responses (unused by these specs, accepted for completeness).
    #[serde(default)]
    pub responses: IndexMap<String, ResponseSpec>,
    /// Security requirements: the OAuth2 scopes the client asks tokens for.
    #[serde(default)]
    pub security: Vec<IndexMap<String, Vec<String>>>,
    /// Security schemes (the flow and URL are the credential's business, not the client's).
    #[serde(rename = "securityDefinitions", default)]
    pub security_definitions: IndexMap<String, Value>,
    /// Documentation grouping; unused.
    #[serde(default)]
    pub tags: Vec<Value>,
    /// Host template with parameters.
    #[serde(rename = "x-ms-parameterized-host")]
    pub parameterized_host: Option<ParameterizedHost>,
    /// Documentation link; unused.
    #[serde(rename = "externalDocs")]
    pub external_docs: Option<Value>,
}

/// The `info` object.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Info {
    /// The title.
    pub title: String,
    /// The api-version.
    pub version: String,
    /// The description.
    pub description: Option<String>,
    /// Which TypeSpec emitter made the file; unused.
    #[serde(rename = "x-typespec-generated")]
    pub typespec_generated: Option<Value>,
}

/// `x-ms-parameterized-host`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterizedHost {
    /// E.g. `{vaultBaseUrl}`.
    #[serde(rename = "hostTemplate")]
    pub host_template: String,
    /// Prefix the first scheme to the template (default true).
    #[serde(rename = "useSchemePrefix")]
    pub use_scheme_prefix: Option<bool>,
    /// The template's parameters.
    pub parameters: Vec<ParamOrRef>,
    /// Whether host parameters are client properties (the default) or method arguments.
    #[serde(rename = "positionInOperation")]
    pub position_in_operation: Option<String>,
}

/// A path's operations.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathItem {
    /// GET.
    pub get: Option<Operation>,
    /// PUT.
    pub put: Option<Operation>,
    /// POST.
    pub post: Option<Operation>,
    /// DELETE.
    pub delete: Option<Operation>,
    /// PATCH.
    pub patch: Option<Operation>,
    /// HEAD.
    pub head: Option<Operation>,
    /// Parameters shared by every operation of the path.
    #[serde(default)]
    pub parameters: Vec<ParamOrRef>,
}

impl SpecFile {
    /// Every operation, `paths` then `x-ms-paths`, each with where it is.
    pub fn operations(&self) -> impl Iterator<Item = SpecOperation<'_>> {
        let paths = self
            .paths
            .iter()
            .map(|p| ("paths", p))
            .chain(self.x_ms_paths.iter().map(|p| ("x-ms-paths", p)));
        paths.flat_map(|(section, (path, item))| {
            item.operations().map(move |(method, op)| SpecOperation {
                section,
                path,
                item,
                method,
                op,
            })
        })
    }
}

/// One operation of a spec file, with its path and section.
#[derive(Debug, Clone, Copy)]
pub struct SpecOperation<'a> {
    /// `paths` or `x-ms-paths`.
    pub section: &'static str,
    /// The path key (with a query part under `x-ms-paths`).
    pub path: &'a str,
    /// The path item (its parameters apply to every operation of the path).
    pub item: &'a PathItem,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The operation.
    pub op: &'a Operation,
}

impl SpecOperation<'_> {
    /// Where the operation is in `file`: `#/paths/~1things/get`.
    pub fn origin(&self, file: &str) -> crate::error::Origin {
        crate::error::Origin::new(file, "")
            .child(self.section)
            .child(self.path)
            .child(&self.method.to_ascii_lowercase())
    }
}

impl PathItem {
    /// The operations with their HTTP methods, in a fixed order.
    pub fn operations(&self) -> impl Iterator<Item = (&'static str, &Operation)> {
        [
            ("GET", &self.get),
            ("PUT", &self.put),
            ("POST", &self.post),
            ("DELETE", &self.delete),
            ("PATCH", &self.patch),
            ("HEAD", &self.head),
        ]
        .into_iter()
        .filter_map(|(m, o)| o.as_ref().map(|o| (m, o)))
    }
}

/// One operation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// `Group_Name` or `Name`.
    #[serde(rename = "operationId")]
    pub operation_id: String,
    /// One line of documentation.
    pub summary: Option<String>,
    /// More documentation.
    pub description: Option<String>,
    /// Documentation grouping; unused.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Parameters.
    #[serde(default)]
    pub parameters: Vec<ParamOrRef>,
    /// Responses by status code or `default`.
    pub responses: IndexMap<String, ResponseSpec>,
    /// Request media types overriding the file's.
    pub consumes: Option<Vec<String>>,
    /// Response media types overriding the file's.
    pub produces: Option<Vec<String>>,
    /// Marked deprecated.
    #[serde(default)]
    pub deprecated: bool,
    /// Paging.
    #[serde(rename = "x-ms-pageable")]
    pub pageable: Option<Pageable>,
    /// Long-running.
    #[serde(rename = "x-ms-long-running-operation", default)]
    pub long_running: bool,
    /// Long-running options.
    #[serde(rename = "x-ms-long-running-operation-options")]
    pub long_running_options: Option<LongRunningOptions>,
    /// The model an OData `$filter` of this operation is written against (older specs).
    #[serde(rename = "x-ms-odata")]
    pub odata: Option<String>,
    /// Example files, by name.
    #[serde(rename = "x-ms-examples", default)]
    pub examples: IndexMap<String, RefOnly>,
    /// Per-operation security override (the file-level scopes are used).
    pub security: Option<Value>,
    /// Documentation link; unused.
    #[serde(rename = "externalDocs")]
    pub external_docs: Option<Value>,
}

/// A `{"$ref": ...}` object.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefOnly {
    /// The reference.
    #[serde(rename = "$ref")]
    pub reference: String,
}

/// `x-ms-pageable`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pageable {
    /// The field with the next link; explicitly `null` means a single page.
    #[serde(
        rename = "nextLinkName",
        default = "default_next_link",
        deserialize_with = "nullable_string"
    )]
    pub next_link_name: Option<String>,
    /// The field with the items (default `value`).
    #[serde(rename = "itemName")]
    pub item_name: Option<String>,
    /// The operation that fetches following pages (default: a GET on the next link).
    #[serde(rename = "operationName")]
    pub operation_name: Option<String>,
}

fn default_next_link() -> Option<String> {
    Some("nextLink".to_owned())
}

fn nullable_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

/// `x-ms-long-running-operation-options`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LongRunningOptions {
    /// `azure-async-operation`, `location`, `original-uri` or `operation-location`.
    #[serde(rename = "final-state-via")]
    pub final_state_via: Option<String>,
    /// The schema of the final result when it differs from the 200 response.
    #[serde(rename = "final-state-schema")]
    pub final_state_schema: Option<String>,
}

/// A parameter, or a reference to a named one.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ParamOrRef {
    /// `{"$ref": "#/parameters/..."}`.
    Ref(RefOnly),
    /// An inline parameter.
    Param(Box<Parameter>),
}

/// A parameter.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// The wire name.
    pub name: String,
    /// `path`, `query`, `header`, `body` or `formData`.
    #[serde(rename = "in")]
    pub location: String,
    /// Documentation.
    pub description: Option<String>,
    /// Required (always true for path parameters).
    #[serde(default)]
    pub required: bool,
    /// The body's schema.
    pub schema: Option<Schema>,
    /// The type of a non-body parameter.
    #[serde(rename = "type")]
    pub ty: Option<String>,
    /// Its format.
    pub format: Option<String>,
    /// Array items.
    pub items: Option<Box<Schema>>,
    /// How arrays are joined (`csv` by default).
    #[serde(rename = "collectionFormat")]
    pub collection_format: Option<String>,
    /// Allowed values.
    #[serde(rename = "enum")]
    pub enum_values: Option<Vec<Value>>,
    /// The server's default; documented, never sent for the caller.
    pub default: Option<Value>,
    /// Constraint.
    pub pattern: Option<String>,
    /// Constraint.
    #[serde(rename = "minLength")]
    pub min_length: Option<u64>,
    /// Constraint.
    #[serde(rename = "maxLength")]
    pub max_length: Option<u64>,
    /// Constraint.
    pub minimum: Option<f64>,
    /// Constraint.
    pub maximum: Option<f64>,
    /// Constraint.
    #[serde(rename = "minItems")]
    pub min_items: Option<u64>,
    /// Constraint.
    #[serde(rename = "maxItems")]
    pub max_items: Option<u64>,
    /// Constraint; not checked (items are sent as given).
    #[serde(rename = "uniqueItems")]
    pub unique_items: Option<bool>,
    /// The Rust-facing name.
    #[serde(rename = "x-ms-client-name")]
    pub client_name: Option<String>,
    /// `client` or `method`.
    #[serde(rename = "x-ms-parameter-location")]
    pub parameter_location: Option<String>,
    /// Insert verbatim (host parameters).
    #[serde(rename = "x-ms-skip-url-encoding", default)]
    pub skip_url_encoding: bool,
    /// Enum naming.
    #[serde(rename = "x-ms-enum")]
    pub x_ms_enum: Option<XmsEnum>,
    /// Ignored on purpose: a request model argument is easier to build and to evolve in Rust
    /// than its properties spread into positional arguments.
    #[serde(rename = "x-ms-client-flatten")]
    pub client_flatten: Option<bool>,
    /// `false` on a parameter named api-version that is not the service's api-version.
    #[serde(rename = "x-ms-api-version")]
    pub x_ms_api_version: Option<bool>,
    /// A client default value: filled in when the caller gives none.
    #[serde(rename = "x-ms-client-default")]
    pub client_default: Option<Value>,
    /// Nullable.
    #[serde(rename = "x-nullable")]
    pub nullable: Option<bool>,
    /// Secret.
    #[serde(rename = "x-ms-secret")]
    pub secret: Option<bool>,
}

/// A response.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseSpec {
    /// Documentation.
    pub description: Option<String>,
    /// The body's schema; none means no body.
    pub schema: Option<Schema>,
    /// Declared response headers.
    #[serde(default)]
    pub headers: IndexMap<String, Schema>,
    /// Error responses marked as such; unused (non-success statuses are errors anyway).
    #[serde(rename = "x-ms-error-response")]
    pub error_response: Option<bool>,
    /// Reference to a named response.
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
}

/// `additionalProperties`: `true`/`false` or a schema.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum AdditionalProperties {
    /// `true` means values of any type, `false` none.
    Bool(bool),
    /// Values of this schema.
    Schema(Box<Schema>),
}

/// A schema (also used for response headers, which share its keys).
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// A reference to another schema.
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    /// The JSON type.
    #[serde(rename = "type")]
    pub ty: Option<String>,
    /// The format.
    pub format: Option<String>,
    /// Documentation.
    pub description: Option<String>,
    /// Documentation title.
    pub title: Option<String>,
    /// Object properties, in spec order.
    #[serde(default)]
    pub properties: IndexMap<String, Schema>,
    /// Required property names.
    #[serde(default)]
    pub required: Vec<String>,
    /// Array items.
    pub items: Option<Box<Schema>>,
    /// Inheritance.
    #[serde(rename = "allOf", default)]
    pub all_of: Vec<Schema>,
    /// Maps.
    #[serde(rename = "additionalProperties")]
    pub additional_properties: Option<AdditionalProperties>,
    /// Set by the service only; never serialized into requests.
    #[serde(rename = "readOnly", default)]
    pub read_only: bool,
    /// Allowed values.
    #[serde(rename = "enum")]
    pub enum_values: Option<Vec<Value>>,
    /// The server's default (documented).
    pub default: Option<Value>,
    /// Constraint.
    pub pattern: Option<String>,
    /// Constraint.
    #[serde(rename = "minLength")]
    pub min_length: Option<u64>,
    /// Constraint.
    #[serde(rename = "maxLength")]
    pub max_length: Option<u64>,
    /// Constraint.
    pub minimum: Option<f64>,
    /// Constraint.
    pub maximum: Option<f64>,
    /// Constraint.
    #[serde(rename = "exclusiveMinimum")]
    pub exclusive_minimum: Option<bool>,
    /// Constraint.
    #[serde(rename = "exclusiveMaximum")]
    pub exclusive_maximum: Option<bool>,
    /// Constraint.
    #[serde(rename = "minItems")]
    pub min_items: Option<u64>,
    /// Constraint.
    #[serde(rename = "maxItems")]
    pub max_items: Option<u64>,
    /// Not checked: items are sent as the caller gives them.
    #[serde(rename = "uniqueItems")]
    pub unique_items: Option<bool>,
    /// Polymorphism: the property naming the concrete type.
    pub discriminator: Option<String>,
    /// The discriminator value of this schema (default: its definition name).
    #[serde(rename = "x-ms-discriminator-value")]
    pub discriminator_value: Option<String>,
    /// Enum naming.
    #[serde(rename = "x-ms-enum")]
    pub x_ms_enum: Option<XmsEnum>,
    /// The Rust-facing name of a property or definition.
    #[serde(rename = "x-ms-client-name")]
    pub client_name: Option<String>,
    /// Nullable.
    #[serde(rename = "x-nullable")]
    pub nullable: Option<bool>,
    /// Secret: Debug output redacted.
    #[serde(rename = "x-ms-secret")]
    pub secret: Option<bool>,
    /// `create`/`read`/`update`: `["read"]` alone is read-only; otherwise documentation.
    #[serde(rename = "x-ms-mutability")]
    pub mutability: Option<Vec<String>>,
    /// Ignored on purpose: the generated model keeps the wire's nesting (`properties`), as
    /// ARM's JSON and its docs do; flattening would need custom serde for little gain.
    #[serde(rename = "x-ms-client-flatten")]
    pub client_flatten: Option<bool>,
    /// Ignored on purpose: marks ARM resource types for other generators' base classes.
    #[serde(rename = "x-ms-azure-resource")]
    pub azure_resource: Option<bool>,
    /// Ignored on purpose: array identity keys for ARM linting, no client meaning.
    #[serde(rename = "x-ms-identifiers")]
    pub identifiers: Option<Vec<String>>,
    /// Ignored on purpose: "defined elsewhere" for other generators; we always emit the type.
    #[serde(rename = "x-ms-external")]
    pub external: Option<bool>,
    /// A client default value (documented on the field).
    #[serde(rename = "x-ms-client-default")]
    pub client_default: Option<Value>,
    /// An example value; unused.
    pub example: Option<Value>,
    /// Documentation link; unused.
    #[serde(rename = "externalDocs")]
    pub external_docs: Option<Value>,
    /// Header collection format (response headers).
    #[serde(rename = "collectionFormat")]
    pub collection_format: Option<String>,
}

/// `x-ms-enum`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct XmsEnum {
    /// The enum's type name, shared by every use (when missing, named after its use).
    pub name: Option<String>,
    /// `true`: open (unknown values kept); `false`: closed.
    #[serde(rename = "modelAsString")]
    pub model_as_string: Option<bool>,
    /// Names and docs of values.
    pub values: Option<Vec<XmsEnumValue>>,
    /// Ignored on purpose: an ARM linter hint.
    #[serde(rename = "modelAsExtensible")]
    pub model_as_extensible: Option<bool>,
}

/// One `x-ms-enum` value.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct XmsEnumValue {
    /// The wire value.
    pub value: Value,
    /// The variant name.
    pub name: Option<String>,
    /// Documentation.
    pub description: Option<String>,
}
