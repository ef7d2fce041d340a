//! Building a [`SubstrateConfig`] from the envelope's inline `config` object.
//!
//! The object carries the same tables as `dos.toml`, in the same shapes
//! (`{"lanes": {...}, "overlap": {...}, "concurrency_class": [...], ...}`),
//! read by the same readers, plus four envelope-only keys:
//!
//! - `preset`: `"generic"` (default), `"job"` or `"workshop"`, the base the
//!   tables apply to;
//! - `workspace`: a workspace path (or `null` for `DISPATCH_WORKSPACE`, else
//!   the current directory) whose `dos.toml` is layered over the preset before
//!   the inline tables; resolved and read through a [`WorkspaceReader`] (the
//!   I/O layer, `dos-io`, supplies the one that touches the disk);
//! - `root`: without `workspace`, the root the layout's paths hang off (taken
//!   as given; default `"."`);
//! - `workspace_facts`: `{"root"?, "kernel_runtime_files": [...]}` or `null`,
//!   facts a host probed itself (they win over a probe).
//!
//! Inline tables are explicit input, so where `dos.toml` would only warn, an
//! inline table that is malformed is refused (`BAD_CONFIG`), as is a key that
//! names no table.

use super::layer::{self, ConfigWarning, Doc, Loaded, Preset, EXTENSION_LABELS, LABELS};
use super::value::{self, Table, Tv};
use super::{LaneTaxonomy, SubstrateConfig, WorkspaceFacts};
use crate::envelope::{CallError, ErrorCode};
use crate::pyjson::{Dict, Value};

fn bad(msg: impl Into<String>) -> CallError {
    CallError::new(ErrorCode::BadConfig, msg)
}

/// The envelope-only keys.
pub const ENVELOPE_KEYS: [&str; 4] = ["preset", "workspace", "root", "workspace_facts"];

/// The generic default taxonomy: one cluster lane `main`, the exclusive `global`.
pub fn generic_lanes() -> LaneTaxonomy {
    LaneTaxonomy::generic()
}

/// Read a `[lanes]` table (the shape `LaneTaxonomy.from_table` takes).
pub fn lanes_from_table(t: &Dict) -> Result<LaneTaxonomy, CallError> {
    let tv = Tv::Table(value::json_table(t).map_err(bad)?);
    LaneTaxonomy::from_tv(&tv).map_err(|f| bad(f.message))
}

/// The parts of an inline config object.
pub struct Inline {
    pub preset: Preset,
    /// `Some(path or None)` when the object names a workspace to load.
    pub workspace: Option<Option<String>>,
    pub root: String,
    pub facts: Option<Option<WorkspaceFacts>>,
    pub tables: Table,
}

/// Split an inline config object into its envelope keys and its tables.
pub fn split(d: &Dict) -> Result<Inline, CallError> {
    let preset = match d.get("preset") {
        None | Some(Value::Null) => Preset::Generic,
        Some(Value::Str(s)) => s
            .as_str()
            .and_then(Preset::parse)
            .ok_or_else(|| bad(format!("unknown config preset {:?} (generic, job, workshop)", s.as_str().unwrap_or("?"))))?,
        Some(other) => return Err(bad(format!("\"preset\" must be a string, not {}", other.type_name()))),
    };
    let workspace = match d.get("workspace") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Str(s)) => Some(Some(s.as_str().ok_or_else(|| bad("\"workspace\" holds a lone surrogate"))?.to_string())),
        Some(other) => return Err(bad(format!("\"workspace\" must be a path string or null, not {}", other.type_name()))),
    };
    let root = match d.get("root") {
        None | Some(Value::Null) => ".".to_string(),
        Some(Value::Str(s)) => s.as_str().ok_or_else(|| bad("\"root\" holds a lone surrogate"))?.to_string(),
        Some(other) => return Err(bad(format!("\"root\" must be a path string, not {}", other.type_name()))),
    };
    let facts = match d.get("workspace_facts") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Dict(f)) => {
            let files = match f.get("kernel_runtime_files") {
                None | Some(Value::Null) => vec![],
                Some(Value::List(items)) => items
                    .iter()
                    .map(|x| x.as_str().map(str::to_string).ok_or_else(|| bad("workspace_facts.kernel_runtime_files must hold strings")))
                    .collect::<Result<Vec<_>, _>>()?,
                Some(other) => return Err(bad(format!("workspace_facts.kernel_runtime_files must be a list, not {}", other.type_name()))),
            };
            let root = match f.get("root") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.as_str().ok_or_else(|| bad("workspace_facts.root must be a string"))?.to_string()),
            };
            Some(Some(WorkspaceFacts::new(root.unwrap_or_default(), files)))
        }
        Some(other) => return Err(bad(format!("workspace_facts must be an object or null, not {}", other.type_name()))),
    };
    let mut tables = Table::new();
    for (k, v) in d.iter() {
        let key = k.as_str().ok_or_else(|| bad("a config key holds a lone surrogate"))?;
        if ENVELOPE_KEYS.contains(&key) {
            continue;
        }
        if !LABELS.contains(&key) && !EXTENSION_LABELS.contains(&key) && key != "ci" || key == "reasons.morphology" {
            return Err(bad(format!(
                "config has no table {key:?}; it takes {} and {}",
                ENVELOPE_KEYS.join(", "),
                LABELS
                    .iter()
                    .filter(|l| **l != "reasons.morphology")
                    .chain(["ci"].iter())
                    .chain(EXTENSION_LABELS.iter())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        tables.insert(key, value::from_json(v).map_err(|e| bad(format!("config {key:?}: {e}")))?);
    }
    Ok(Inline { preset, workspace, root, facts, tables })
}

/// Layer an inline object's tables over `base`; every warning is kept.
pub fn layer_inline(base: SubstrateConfig, tables: &Table, warnings: &mut Vec<ConfigWarning>) -> Result<SubstrateConfig, CallError> {
    if tables.is_empty() {
        return Ok(base);
    }
    layer::layer(base, &Doc::Parsed(tables.clone()), warnings)
}

/// What building a config that names a workspace needs from the I/O layer.
/// This crate never touches the disk itself: `dos-io` implements this trait
/// over the file system, tests implement it over memory.
pub trait WorkspaceReader {
    /// The workspace root (explicit › `DISPATCH_WORKSPACE` › cwd).
    fn resolve_root(&self, explicit: Option<&str>) -> Result<String, CallError>;
    /// The facts a probe of `root` finds.
    fn facts(&self, root: &str) -> WorkspaceFacts;
    /// `<root>/dos.toml`, read and parsed (or absent).
    fn dos_toml(&self, root: &str) -> Result<Doc, CallError>;
}

/// A reader for callers without an I/O layer: a config that names a
/// workspace is refused.
pub struct NoWorkspace;

impl WorkspaceReader for NoWorkspace {
    fn resolve_root(&self, _: Option<&str>) -> Result<String, CallError> {
        Err(bad("this caller has no I/O layer, so a config cannot name a workspace"))
    }
    fn facts(&self, root: &str) -> WorkspaceFacts {
        WorkspaceFacts::new(root.to_string(), vec![])
    }
    fn dos_toml(&self, _: &str) -> Result<Doc, CallError> {
        Err(bad("this caller has no I/O layer, so a config cannot name a workspace"))
    }
}

/// Build the config an inline object names, with the warnings of both the
/// workspace's `dos.toml` and the inline tables.
pub fn load(d: &Dict, ws: &dyn WorkspaceReader) -> Result<Loaded, CallError> {
    let inline = split(d)?;
    let mut loaded = match &inline.workspace {
        Some(named) => {
            let root = ws.resolve_root(named.as_deref())?;
            let facts = match &inline.facts {
                Some(f) => f.clone(),
                None => Some(ws.facts(&root)),
            };
            let doc = ws.dos_toml(&root)?;
            layer::load(inline.preset, &root, facts, &doc)?
        }
        None => {
            let facts = inline.facts.clone().flatten();
            let cfg = inline.preset.base(&inline.root, facts);
            Loaded { config: cfg, warnings: vec![] }
        }
    };
    // The inline tables are explicit input: they layer last, and their
    // warnings follow the file's.
    loaded.config = layer_inline(loaded.config, &inline.tables, &mut loaded.warnings)?;
    Ok(loaded)
}

/// Build the config an envelope request names. Inline tables must be well
/// formed (a warning about one of them is a `BAD_CONFIG` error); warnings
/// about a workspace's `dos.toml` do not stop the build, as in the reference.
pub fn from_json(d: &Dict, ws: &dyn WorkspaceReader) -> Result<SubstrateConfig, CallError> {
    let inline = split(d)?;
    let base = match &inline.workspace {
        Some(_) => {
            let mut file_only = d.clone();
            for k in LABELS.iter().chain(["ci"].iter()).chain(EXTENSION_LABELS.iter()) {
                file_only.remove(k);
            }
            load(&file_only, ws)?.config
        }
        None => inline.preset.base(&inline.root, inline.facts.clone().flatten()),
    };
    let mut warnings = Vec::new();
    let cfg = layer_inline(base, &inline.tables, &mut warnings)?;
    if let Some(w) = warnings.first() {
        let at = if w.key.is_empty() { String::new() } else { format!(" (key {:?})", w.key) };
        return Err(bad(format!("config [{}]{at}: {}", w.table, w.message)));
    }
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::parse_str;

    fn dict(s: &str) -> Dict {
        match parse_str(s).unwrap() {
            Value::Dict(d) => d,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn inline_tables_use_the_dos_toml_readers() {
        let c = from_json(
            &dict(
                r#"{"preset": "workshop", "root": "/w", "overlap": {"ratio_max": "0.5"},
            "concurrency_class": [{"name": "b", "max_concurrent": 2}], "reasons": {"X": {"category": "MISROUTE"}}}"#,
            ),
            &NoWorkspace,
        )
        .unwrap();
        assert_eq!(c.lanes, LaneTaxonomy::workshop());
        assert_eq!(c.overlap_ratio_max, 0.5);
        assert_eq!(c.class_budgets.as_arbiter_budgets(), vec![("b".to_string(), 2)]);
        assert_eq!(c.reasons.specs.len(), 11);
        assert_eq!(c.paths.lane_journal, "/w/docs/_plans/lane-journal.jsonl");
        assert!(c.workspace.is_none());
    }

    #[test]
    fn inline_tables_are_strict() {
        for bad in [
            r#"{"lanes": {"concurrent": "main"}}"#,
            r#"{"overlap": {"ratio_max": 2}}"#,
            r#"{"lanse": {}}"#,
            r#"{"preset": "nope"}"#,
            r#"{"reasons.morphology": []}"#,
            r#"{"tool_stream": {"repeat_n": [1]}}"#,
            r#"{"workspace_facts": 3}"#,
            r#"{"lease_store": {"url": "postgresql://h/db", "pool": 3}}"#,
            r#"{"lease_store": {"url": "http://h/db"}}"#,
        ] {
            let e = from_json(&dict(bad), &NoWorkspace).unwrap_err();
            assert_eq!(e.code, ErrorCode::BadConfig, "{bad}");
        }
        // The same table is only a warning when loaded leniently.
        let l = load(&dict(r#"{"overlap": {"ratio_max": 2}}"#), &NoWorkspace).unwrap();
        assert_eq!(l.warnings.len(), 1);
        assert_eq!(l.warnings[0].table, "overlap");
        let c = from_json(&dict(r#"{"lease_store": {"url": "postgresql://u:pw@h/db", "workspace": "acme"}}"#), &NoWorkspace).unwrap();
        assert_eq!(c.lease_store.url.as_deref(), Some("postgresql://u:pw@h/db"));
        assert_eq!(c.lease_store.workspace_key(), "acme");
        let shown = c.to_value().as_dict().unwrap().get("lease_store").cloned().unwrap();
        assert_eq!(shown.as_dict().unwrap().get("url").and_then(Value::as_str), Some("postgresql://u:***@h/db"));
        assert!(from_json(&dict("{}"), &NoWorkspace).unwrap().to_value().as_dict().unwrap().get("lease_store").is_none());
    }
}
