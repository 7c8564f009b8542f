//! The intermediate representation: plain data, every extension already interpreted, every
//! name already assigned, every node pointing back at its spec location. No `syn`/`quote` here.

use std::collections::BTreeMap;

use crate::error::Origin;

/// One generated crate.
#[derive(Debug, Clone)]
pub struct CrateIr {
    /// Package name.
    pub name: String,
    /// Folder relative to the workspace root.
    pub path: String,
    /// Version.
    pub version: String,
    /// Description.
    pub description: String,
    /// Publishable.
    pub publish: bool,
    /// crates.io keywords and categories.
    pub keywords: Vec<String>,
    /// crates.io category slugs.
    pub categories: Vec<String>,
    /// The license text its package carries (publishable crates).
    pub license_text: Option<String>,
    /// The `rust-version` its Cargo.toml declares, when the config names one.
    pub rust_version: Option<String>,
    /// Modules, in config order.
    pub modules: Vec<ModuleIr>,
}

/// One module: a spec file's client and models.
#[derive(Debug, Clone)]
pub struct ModuleIr {
    /// Rust module name.
    pub name: String,
    /// Feature gate.
    pub feature: Option<String>,
    /// On by default.
    pub default: bool,
    /// Extra note for the docs.
    pub note: Option<String>,
    /// What the client does (config), preferred to the spec's title and description.
    pub summary: Option<String>,
    /// Spec files feeding the module (entry first), with their pinned commits.
    pub sources: Vec<SourceFile>,
    /// The spec's title and description.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// The client.
    pub client: ClientIr,
    /// Named types, sorted by Rust name.
    pub types: BTreeMap<String, TypeDef>,
}

/// A spec file and the commit it is pinned at.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the specs folder.
    pub path: String,
    /// Pinned commit, when the file is in the lock file.
    pub commit: Option<String>,
}

/// A client and its operations.
#[derive(Debug, Clone)]
pub struct ClientIr {
    /// Type name.
    pub name: String,
    /// The spec's api-version.
    pub api_version: String,
    /// OAuth2 scopes.
    pub scopes: Vec<String>,
    /// Key Vault's challenge flow rather than plain bearer tokens.
    pub challenge_auth: bool,
    /// How the endpoint is formed.
    pub host: Host,
    /// Parameters held by the client (e.g. `subscriptionId`), passed to its constructor.
    pub params: Vec<Param>,
    /// Operations without a group (`Name` operation ids), on the client itself.
    pub operations: Vec<OperationIr>,
    /// Groups (`Group_Name` operation ids), each a sub-client.
    pub groups: Vec<GroupIr>,
}

impl ClientIr {
    /// Every operation: the client's own, then each group's.
    pub fn all_operations(&self) -> impl Iterator<Item = &OperationIr> {
        self.operations
            .iter()
            .chain(self.groups.iter().flat_map(|g| &g.operations))
    }
}

/// How a client's endpoint is formed.
#[derive(Debug, Clone)]
pub enum Host {
    /// A fixed default (e.g. `https://management.azure.com`), overridable.
    Fixed(String),
    /// A template such as `{vaultBaseUrl}`; its parameters are constructor arguments.
    Template {
        /// The template.
        template: String,
        /// Prefix the scheme.
        scheme_prefix: Option<String>,
        /// The parameters, in template order.
        params: Vec<Param>,
    },
}

/// A sub-client for an operation group.
#[derive(Debug, Clone)]
pub struct GroupIr {
    /// The group name from the operation ids (e.g. `Vaults`).
    pub wire_name: String,
    /// Accessor method (e.g. `vaults`).
    pub accessor: String,
    /// Sub-client type (e.g. `VaultsClient`).
    pub type_name: String,
    /// Operations.
    pub operations: Vec<OperationIr>,
}

/// One operation.
#[derive(Debug, Clone)]
pub struct OperationIr {
    /// The spec's `operationId`.
    pub operation_id: String,
    /// Method name.
    pub method: String,
    /// Builder type name.
    pub builder: String,
    /// HTTP method, upper case.
    pub http_method: String,
    /// The path template as written in the spec (for docs and the operations table).
    pub path_template: String,
    /// The path as literal pieces and parameters.
    pub path: Vec<PathPiece>,
    /// Query string fixed by an `x-ms-paths` key.
    pub fixed_query: Vec<(String, String)>,
    /// Parameters (path, query, header), excluding the api-version and client parameters.
    pub params: Vec<Param>,
    /// Wire names of the client parameters this operation declares.
    pub client_params: Vec<String>,
    /// Whether the api-version query parameter is sent.
    pub sends_api_version: bool,
    /// The JSON body.
    pub body: Option<BodyParam>,
    /// What success looks like.
    pub result: ResultShape,
    /// Success statuses and whether each has a body.
    pub success: Vec<(u16, bool)>,
    /// The `default` (error) response type.
    pub error_type: Option<TypeRef>,
    /// Headers the success responses declare, and the type that reads them.
    pub response_headers: Option<ResponseHeaders>,
    /// Paging.
    pub paging: Option<Paging>,
    /// Long-running.
    pub lro: Option<Lro>,
    /// `x-ms-odata`: the model whose properties an OData `$filter` refers to.
    pub odata_model: Option<String>,
    /// A POST or PATCH the config's `idempotent_operations` marks safe to send again (the
    /// retry policy then re-sends it after a lost connection, as it does a GET or PUT).
    pub idempotent: bool,
    /// Notes from the config's `doc_note` entries.
    pub notes: Vec<String>,
    /// Summary.
    pub summary: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Deprecated.
    pub deprecated: bool,
    /// Example files by name (paths relative to the specs folder), for contract tests.
    pub examples: Vec<(String, String)>,
    /// Where it is defined.
    pub origin: Origin,
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq)]
pub enum PathPiece {
    /// Fixed text.
    Literal(String),
    /// A parameter (index into `OperationIr::params` or a client parameter by wire name).
    Param(String),
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// A path segment.
    Path,
    /// A query parameter.
    Query,
    /// A header.
    Header,
    /// Part of the host.
    Host,
}

/// A non-body parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// Wire name.
    pub wire_name: String,
    /// Rust name (snake case).
    pub rust_name: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Its type.
    pub ty: TypeRef,
    /// Required by the spec (and not made optional by config).
    pub required: bool,
    /// Inserted without encoding (host parameters).
    pub skip_encoding: bool,
    /// Array joining for query/header arrays.
    pub collection_format: Option<String>,
    /// Constraints.
    pub constraints: Constraints,
    /// Client default value (sent when the caller gives none).
    pub client_default: Option<String>,
    /// Documentation.
    pub doc: Option<String>,
    /// Where it is defined.
    pub origin: Origin,
}

/// The spec's constraints on a value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    /// Regular expression.
    pub pattern: Option<String>,
    /// Minimum length in characters.
    pub min_length: Option<u64>,
    /// Maximum length in characters.
    pub max_length: Option<u64>,
    /// Minimum value.
    pub minimum: Option<f64>,
    /// Maximum value.
    pub maximum: Option<f64>,
    /// Minimum item count.
    pub min_items: Option<u64>,
    /// Maximum item count.
    pub max_items: Option<u64>,
}

impl Constraints {
    /// Whether there is anything to check.
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }
}

/// The JSON body parameter.
#[derive(Debug, Clone)]
pub struct BodyParam {
    /// Wire name (documentation only).
    pub wire_name: String,
    /// Rust name.
    pub rust_name: String,
    /// Type.
    pub ty: TypeRef,
    /// Required.
    pub required: bool,
    /// Documentation.
    pub doc: Option<String>,
}

/// What a successful call returns.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultShape {
    /// No body.
    Empty,
    /// Always a body of this type.
    Body(TypeRef),
    /// A body on some statuses, none on others.
    OptionalBody(TypeRef),
    /// Raw bytes.
    Bytes,
}

/// The typed headers of an operation's success responses.
#[derive(Debug, Clone)]
pub struct ResponseHeaders {
    /// The generated type's name.
    pub type_name: String,
    /// One field per header, sorted by wire name.
    pub fields: Vec<HeaderField>,
}

/// One response header.
#[derive(Debug, Clone)]
pub struct HeaderField {
    /// The header name as the spec writes it.
    pub wire_name: String,
    /// Rust field name.
    pub rust_name: String,
    /// Its type: a primitive, a date-time or an extensible enum.
    pub ty: TypeRef,
    /// Documentation.
    pub doc: Option<String>,
}

/// `x-ms-pageable`, interpreted.
#[derive(Debug, Clone)]
pub struct Paging {
    /// The page type.
    pub page_type: TypeRef,
    /// Rust name of the items field.
    pub items_field: String,
    /// The item type.
    pub item_type: TypeRef,
    /// Rust name of the next-link field; `None` means a single page.
    pub next_link_field: Option<String>,
}

/// `x-ms-long-running-operation`, interpreted.
#[derive(Debug, Clone)]
pub struct Lro {
    /// `final-state-via`, or `None` for Azure's defaults.
    pub final_state_via: Option<String>,
    /// The final result's type.
    pub final_type: Option<TypeRef>,
}

/// A reference to a type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TypeRef {
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// A date-time in the given wire format.
    DateTime(TimeFormat),
    /// Bytes in the given encoding.
    Bytes(BytesFormat),
    /// Any JSON.
    Json,
    /// A named type of the module.
    Named(String),
    /// `Vec`.
    Array(Box<TypeRef>),
    /// `HashMap<String, _>` (sorted: `BTreeMap`).
    Map(Box<TypeRef>),
}

/// Wire formats of date-times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimeFormat {
    /// RFC 3339.
    Rfc3339,
    /// RFC 1123.
    Rfc1123,
    /// Seconds since the epoch.
    Unix,
}

/// Wire encodings of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BytesFormat {
    /// Standard base64.
    Base64,
    /// URL-safe base64 without padding.
    Base64Url,
}

/// A named type.
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// Rust name.
    pub name: String,
    /// Documentation.
    pub doc: Option<String>,
    /// Shape.
    pub kind: TypeKind,
    /// Where it is defined.
    pub origin: Origin,
}

/// The shape of a named type.
#[derive(Debug, Clone)]
pub enum TypeKind {
    /// A struct.
    Struct(StructDef),
    /// An enum of string values.
    Enum(EnumDef),
    /// A polymorphic base: one variant per known discriminator value.
    Union(UnionDef),
}

/// A struct.
#[derive(Debug, Clone)]
pub struct StructDef {
    /// Fields, inherited ones first.
    pub fields: Vec<Field>,
    /// Extra properties of any name (`additionalProperties` beside `properties`).
    pub additional: Option<TypeRef>,
    /// For a subtype of a polymorphic base: the discriminator's wire name and this type's
    /// value, written into every serialized object.
    pub tag: Option<(String, String)>,
}

/// A field.
#[derive(Debug, Clone)]
pub struct Field {
    /// Wire name.
    pub wire_name: String,
    /// Rust name.
    pub rust_name: String,
    /// Type.
    pub ty: TypeRef,
    /// Required by the spec.
    pub required: bool,
    /// Set by the service only; never serialized.
    pub read_only: bool,
    /// `x-nullable` on the property: an explicit `null` is meaningful (it clears a value), so
    /// "absent" and "null" are told apart.
    pub nullable: bool,
    /// Debug output redacted.
    pub secret: bool,
    /// Documentation.
    pub doc: Option<String>,
}

/// An enum of string values.
#[derive(Debug, Clone)]
pub struct EnumDef {
    /// Open (keeps unknown values) or closed.
    pub extensible: bool,
    /// Variants.
    pub variants: Vec<EnumVariant>,
}

/// One enum value.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumVariant {
    /// Rust name.
    pub rust_name: String,
    /// Wire value.
    pub value: String,
    /// Documentation.
    pub doc: Option<String>,
}

/// A polymorphic base type: an enum with one variant per known subtype, plus one keeping
/// objects with a discriminator value this build does not know.
#[derive(Debug, Clone)]
pub struct UnionDef {
    /// The discriminator property's wire name.
    pub discriminator: String,
    /// Known subtypes, in spec order.
    pub variants: Vec<UnionVariant>,
}

/// One known subtype of a polymorphic base.
#[derive(Debug, Clone)]
pub struct UnionVariant {
    /// The discriminator value naming it.
    pub value: String,
    /// The enum variant's name.
    pub rust_name: String,
    /// The struct holding its fields.
    pub struct_name: String,
}
