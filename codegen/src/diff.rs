//! `codegen diff`: the API change between the checked-in generated crates and a candidate
//! generated in memory, and which of the changes break users (semver).
//!
//! The rules, for the shapes this generator emits: removing anything public breaks; changing
//! a signature (an argument added, removed or retyped, a field or result retyped) breaks;
//! adding a field to a `#[non_exhaustive]` struct or a variant to a `#[non_exhaustive]` enum
//! does not (callers cannot build or match them exhaustively), nor does adding an item.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::api::{Api, Item, ItemKind};

/// How one item changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// New.
    Added(Item),
    /// Gone.
    Removed(Item),
    /// Another signature.
    Changed {
        /// Before.
        old: Item,
        /// After.
        new: Item,
    },
}

impl Change {
    fn kind(&self) -> ItemKind {
        match self {
            Change::Added(i) | Change::Removed(i) => i.kind,
            Change::Changed { new, .. } => new.kind,
        }
    }
}

/// One entry of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The item's path.
    pub path: String,
    /// What happened.
    pub change: Change,
    /// Whether code written against the old API may stop compiling.
    pub breaking: bool,
}

/// The whole comparison.
#[derive(Debug, Clone, Default)]
pub struct ApiDiff {
    /// Entries sorted by path.
    pub entries: Vec<Entry>,
    /// Modules whose api-version changed: (module, old, new).
    pub api_versions: Vec<(String, Option<String>, Option<String>)>,
}

impl ApiDiff {
    /// Compares two APIs.
    pub fn between(old: &Api, new: &Api) -> ApiDiff {
        let mut entries = Vec::new();
        for (path, item) in &old.items {
            match new.items.get(path) {
                None => entries.push(Entry {
                    path: path.clone(),
                    change: Change::Removed(item.clone()),
                    breaking: item.kind != ItemKind::ServiceDefault,
                }),
                Some(now) if now.signature != item.signature || now.kind != item.kind => {
                    entries.push(Entry {
                        path: path.clone(),
                        change: Change::Changed {
                            old: item.clone(),
                            new: now.clone(),
                        },
                        // An operation's route or method name is documentation (the method
                        // itself is compared on its own); a service default changes behaviour,
                        // not what compiles.
                        breaking: !matches!(
                            now.kind,
                            ItemKind::Operation | ItemKind::ServiceDefault
                        ),
                    })
                }
                // Becoming exhaustive makes matches and struct literals elsewhere incomplete.
                Some(now) if item.non_exhaustive && !now.non_exhaustive => entries.push(Entry {
                    path: path.clone(),
                    change: Change::Changed {
                        old: item.clone(),
                        new: now.clone(),
                    },
                    breaking: true,
                }),
                Some(_) => {}
            }
        }
        for (path, item) in &new.items {
            if old.items.contains_key(path) {
                continue;
            }
            let parent = path.rsplit_once("::").map(|(p, _)| p).unwrap_or("");
            let breaking = match item.kind {
                // A field in an exhaustive struct breaks struct literals; a variant in an
                // exhaustive enum breaks matches. Under a new parent, the parent is new.
                ItemKind::Field | ItemKind::Variant => {
                    old.items.get(parent).is_some_and(|p| !p.non_exhaustive)
                }
                _ => false,
            };
            entries.push(Entry {
                path: path.clone(),
                change: Change::Added(item.clone()),
                breaking,
            });
        }
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        // Items under an added or removed parent come and go with it: list the parent only.
        let mut kept: Vec<Entry> = Vec::with_capacity(entries.len());
        for entry in entries {
            let covered = kept.iter().rev().any(|k| {
                matches!(
                    (&k.change, &entry.change),
                    (Change::Added(_), Change::Added(_)) | (Change::Removed(_), Change::Removed(_))
                ) && entry
                    .path
                    .strip_prefix(&k.path)
                    .is_some_and(|rest| rest.starts_with("::"))
            });
            if !covered {
                kept.push(entry);
            }
        }
        let entries = kept;
        let mut api_versions = Vec::new();
        let modules: std::collections::BTreeSet<&String> = old
            .api_versions
            .keys()
            .chain(new.api_versions.keys())
            .collect();
        for module in modules {
            let (a, b) = (old.api_versions.get(module), new.api_versions.get(module));
            if a != b {
                api_versions.push((module.clone(), a.cloned(), b.cloned()));
            }
        }
        ApiDiff {
            entries,
            api_versions,
        }
    }

    /// Whether anything changed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.api_versions.is_empty()
    }

    /// How many entries break users.
    pub fn breaking(&self) -> usize {
        self.entries.iter().filter(|e| e.breaking).count()
    }

    /// Counts per (kind, added/removed/changed), for the summary.
    pub fn counts(&self) -> BTreeMap<(ItemKind, &'static str), usize> {
        let mut counts = BTreeMap::new();
        for e in &self.entries {
            let what = match e.change {
                Change::Added(_) => "added",
                Change::Removed(_) => "removed",
                Change::Changed { .. } => "changed",
            };
            *counts.entry((e.change.kind(), what)).or_default() += 1;
        }
        counts
    }

    /// The one-paragraph summary: api-versions, counts, and the semver verdict.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for (module, old, new) in &self.api_versions {
            let _ = writeln!(
                out,
                "{module}: api-version {} -> {}",
                old.as_deref().unwrap_or("(none)"),
                new.as_deref().unwrap_or("(none)")
            );
        }
        let counts: Vec<String> = self
            .counts()
            .iter()
            .map(|((kind, what), n)| format!("{n} {}s {what}", kind.word()))
            .collect();
        let _ = writeln!(
            out,
            "{}",
            if counts.is_empty() {
                "no API change".to_owned()
            } else {
                counts.join(", ")
            }
        );
        let breaking = self.breaking();
        let _ = writeln!(
            out,
            "{breaking} breaking change{}: {}",
            if breaking == 1 { "" } else { "s" },
            if breaking > 0 {
                "a major version (a minor one while at 0.x)"
            } else if self.is_empty() {
                "no release needed"
            } else {
                "a minor version (a patch one while at 0.x)"
            }
        );
        out
    }

    /// The full report: every entry, breaking ones marked, then the summary.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            let mark = if e.breaking { "[breaking] " } else { "" };
            let kind = e.change.kind().word();
            let _ = match &e.change {
                Change::Added(i) => writeln!(out, "+ {mark}{kind} {}{}", e.path, sig(i)),
                // A service default that goes away is not an API removal.
                Change::Removed(i) if i.kind == ItemKind::ServiceDefault => {
                    writeln!(out, "- {kind} {}{}", e.path, sig(i))
                }
                Change::Removed(i) => writeln!(out, "- {mark}{kind} {}{}", e.path, sig(i)),
                Change::Changed { old, new } => writeln!(
                    out,
                    "~ {mark}{kind} {}: {} -> {}",
                    e.path,
                    show(old),
                    show(new)
                ),
            };
        }
        if !self.entries.is_empty() {
            out.push('\n');
        }
        out.push_str(&self.summary());
        out
    }
}

fn sig(item: &Item) -> String {
    if item.signature.is_empty() {
        String::new()
    } else {
        format!(": {}", item.signature)
    }
}

fn show(item: &Item) -> String {
    let mut text = if item.signature.is_empty() {
        "()".to_owned()
    } else {
        item.signature.clone()
    };
    if item.non_exhaustive {
        text.push_str(" #[non_exhaustive]");
    }
    text
}
