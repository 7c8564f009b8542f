//! Loads spec files and everything they `$ref`, and resolves references.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Origin, Result};
use crate::spec::{ParamOrRef, Parameter, Schema, SpecFile};

/// Every loaded spec file, keyed by its path relative to the specs folder (with `/`).
#[derive(Debug, Default)]
pub struct Documents {
    root: PathBuf,
    files: BTreeMap<String, SpecFile>,
    /// The same files as JSON values, to compare definitions that two files both define.
    raw: BTreeMap<String, serde_json::Value>,
    /// The files each file refers to directly.
    refers_to: BTreeMap<String, BTreeSet<String>>,
}

/// A reference resolved to a file and a JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RefTarget {
    /// The file, relative to the specs folder.
    pub file: String,
    /// The pointer, e.g. `/definitions/SecretBundle`.
    pub pointer: String,
}

impl Documents {
    /// Documents found below `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Documents {
            root: root.into(),
            files: BTreeMap::new(),
            raw: BTreeMap::new(),
            refers_to: BTreeMap::new(),
        }
    }

    /// Loads `file` and, transitively, every spec file it refers to (examples excepted: they
    /// are kept as references for the contract tests).
    pub fn load(&mut self, file: &str) -> Result<()> {
        let mut pending = vec![file.to_owned()];
        while let Some(file) = pending.pop() {
            if self.files.contains_key(&file) {
                continue;
            }
            let path = self.root.join(&file);
            let bytes = std::fs::read(&path).map_err(|e| {
                Error::new(format!(
                    "cannot read spec {} ({e}); run `cargo run -p codegen -- sync` first",
                    path.display()
                ))
            })?;
            let raw: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|e| Error::at(&Origin::new(&file, ""), format!("not valid JSON: {e}")))?;
            let mut refs = Vec::new();
            collect_refs(&raw, false, &mut refs);
            // Examples are loaded by the contract tests, not here.
            refs.retain(|(_, example)| !example);
            // Read from the bytes, not from `raw`: `serde_json::Value` sorts object keys, and
            // the spec's own order of properties, paths and enum values is the one users read.
            let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
            let spec: SpecFile =
                serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
                    let pointer = path_to_pointer(e.path());
                    Error::at(
                        &Origin::new(&file, pointer),
                        format!("cannot interpret: {}", e.inner()),
                    )
                })?;
            let mut targets = BTreeSet::new();
            for (reference, _) in refs {
                let target = resolve(&file, &reference)?;
                if target.file != file && !self.files.contains_key(&target.file) {
                    pending.push(target.file.clone());
                }
                targets.insert(target.file);
            }
            self.refers_to.insert(file.clone(), targets);
            self.raw.insert(file.clone(), raw);
            self.files.insert(file, spec);
        }
        Ok(())
    }

    /// A loaded file.
    pub fn file(&self, file: &str) -> Result<&SpecFile> {
        self.files
            .get(file)
            .ok_or_else(|| Error::new(format!("spec {file} is not loaded")))
    }

    /// Whether two definitions (in different files) say the same thing: equal JSON once every
    /// `$ref` is reduced to the name it points at. Equal names are then either one type or
    /// reported where they are compared in turn, so a reference need not be followed here.
    pub fn same_definition(&self, a: &Origin, b: &Origin) -> Result<bool> {
        let canonical = |o: &Origin| -> Result<serde_json::Value> {
            let value = self
                .raw
                .get(&o.file)
                .and_then(|v| v.pointer(&o.pointer))
                .ok_or_else(|| Error::at(o, "no such definition"))?;
            Ok(reduce_refs(value))
        };
        Ok(canonical(a)? == canonical(b)?)
    }

    /// `entry` and every loaded file it reaches through references, sorted.
    pub fn reachable(&self, entry: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut pending = vec![entry.to_owned()];
        while let Some(file) = pending.pop() {
            if self.files.contains_key(&file) && seen.insert(file.clone()) {
                pending.extend(self.refers_to.get(&file).into_iter().flatten().cloned());
            }
        }
        seen
    }

    /// Definitions in `files` that name `base` in their `allOf` (direct subtypes), in file and
    /// definition order.
    pub fn subtypes_of(
        &self,
        base: &RefTarget,
        files: &BTreeSet<String>,
    ) -> Result<Vec<(RefTarget, &Schema)>> {
        let mut found = Vec::new();
        for file in files {
            let Some(spec) = self.files.get(file) else {
                continue;
            };
            for (name, schema) in &spec.definitions {
                for parent in &schema.all_of {
                    if let Some(reference) = &parent.reference {
                        if &resolve(file, reference)? == base {
                            found.push((
                                RefTarget {
                                    file: file.clone(),
                                    pointer: format!("/definitions/{}", escape(name)),
                                },
                                schema,
                            ));
                        }
                    }
                }
            }
        }
        Ok(found)
    }

    /// The definition a schema reference points at.
    pub fn definition(&self, from: &Origin, reference: &str) -> Result<(RefTarget, &Schema)> {
        let target = resolve(&from.file, reference)?;
        let name = target
            .pointer
            .strip_prefix("/definitions/")
            .filter(|n| !n.contains('/'))
            .ok_or_else(|| {
                Error::at(
                    from,
                    format!("`{reference}` does not point at a definition"),
                )
            })?;
        let schema = self
            .file(&target.file)?
            .definitions
            .get(&unescape(name))
            .ok_or_else(|| Error::at(from, format!("`{reference}`: no such definition")))?;
        Ok((target, schema))
    }

    /// A parameter, following a reference to a named one.
    pub fn parameter<'a>(
        &'a self,
        from: &Origin,
        param: &'a ParamOrRef,
    ) -> Result<(Origin, &'a Parameter)> {
        match param {
            ParamOrRef::Param(p) => Ok((from.clone(), p)),
            ParamOrRef::Ref(r) => {
                let target = resolve(&from.file, &r.reference)?;
                let name = target.pointer.strip_prefix("/parameters/").ok_or_else(|| {
                    Error::at(
                        from,
                        format!("`{}` does not point at a parameter", r.reference),
                    )
                })?;
                let p = self
                    .file(&target.file)?
                    .parameters
                    .get(&unescape(name))
                    .ok_or_else(|| {
                        Error::at(from, format!("`{}`: no such parameter", r.reference))
                    })?;
                Ok((Origin::new(target.file, target.pointer), p))
            }
        }
    }
}

/// Resolves a `$ref` written in `from_file` to a file and pointer.
pub fn resolve(from_file: &str, reference: &str) -> Result<RefTarget> {
    let (path, pointer) = reference.split_once('#').unwrap_or((reference, ""));
    let file = if path.is_empty() {
        from_file.to_owned()
    } else {
        let base = Path::new(from_file).parent().unwrap_or(Path::new(""));
        normalize(&base.join(path)).ok_or_else(|| {
            Error::at(
                &Origin::new(from_file, ""),
                format!("`{reference}` leaves the specs folder"),
            )
        })?
    };
    Ok(RefTarget {
        file,
        pointer: pointer.to_owned(),
    })
}

fn normalize(path: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Every `$ref` in `value`, with whether it sits below `x-ms-examples` (`in_examples` says
/// whether `value` itself does). The loader follows the others; `codegen lock` pins both.
pub(crate) fn collect_refs(
    value: &serde_json::Value,
    in_examples: bool,
    out: &mut Vec<(String, bool)>,
) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                if key == "$ref" {
                    if let Some(s) = v.as_str() {
                        out.push((s.to_owned(), in_examples));
                    }
                } else {
                    collect_refs(v, in_examples || key == "x-ms-examples", out);
                }
            }
        }
        serde_json::Value::Array(items) => {
            items.iter().for_each(|v| collect_refs(v, in_examples, out))
        }
        _ => {}
    }
}

/// A JSON value with every `$ref` reduced to the last segment of its pointer.
fn reduce_refs(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => (
                        k.clone(),
                        Value::String(r.rsplit('/').next().unwrap_or(r).to_owned()),
                    ),
                    _ => (k.clone(), reduce_refs(v)),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(reduce_refs).collect()),
        other => other.clone(),
    }
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } => pointer.push_str(&key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => pointer.push_str(variant),
            Segment::Unknown => pointer.push('?'),
        }
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_references() {
        let t = resolve("a/b/c.json", "../../common/types.json#/definitions/X").unwrap();
        assert_eq!(t.file, "common/types.json");
        assert_eq!(t.pointer, "/definitions/X");
        assert_eq!(
            resolve("a/c.json", "#/definitions/Y").unwrap().file,
            "a/c.json"
        );
        assert!(resolve("a.json", "../../x.json").is_err());
    }
}
