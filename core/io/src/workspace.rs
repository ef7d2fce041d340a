//! The workspace side of the config: the envelope's `config` objects that
//! name a workspace, built over the file system and cached, and the two ops
//! that load a workspace from disk.

use crate::boundary;
use dos_core::config::json::{self, WorkspaceReader};
use dos_core::config::layer::{Doc, Loaded};
use dos_core::config::ops::preset_arg;
use dos_core::config::{SubstrateConfig, WorkspaceFacts};
use dos_core::envelope::{Args, CallError, Ctx, ErrorCode, OpSpec};
use dos_core::pyjson::{self, Dict, Value};
use std::sync::Arc;

/// The [`WorkspaceReader`] over the file system.
pub struct FsWorkspace;

impl WorkspaceReader for FsWorkspace {
    fn resolve_root(&self, explicit: Option<&str>) -> Result<String, CallError> {
        boundary::resolve_workspace_root(explicit)
    }
    fn facts(&self, root: &str) -> WorkspaceFacts {
        boundary::gather_workspace_facts(root)
    }
    fn dos_toml(&self, root: &str) -> Result<Doc, CallError> {
        boundary::read_dos_toml(root)
    }
}

/// [`json::load`] over the file system.
pub fn load(d: &Dict) -> Result<Loaded, CallError> {
    json::load(d, &FsWorkspace)
}

/// [`json::from_json`] over the file system.
pub fn from_json(d: &Dict) -> Result<SubstrateConfig, CallError> {
    json::from_json(d, &FsWorkspace)
}

/// The config an envelope request's `config` object names, built once and
/// reused: inline objects are cached by their text; objects naming a
/// workspace are cached per resolved root and rebuilt when its `dos.toml`
/// changes.
pub fn resolve(d: &Dict) -> Result<Arc<Loaded>, CallError> {
    let key = pyjson::dumps_string(&Value::Dict(d.clone()), pyjson::Options::COMPACT)
        .map_err(|_| CallError::new(ErrorCode::BadConfig, "config holds a lone surrogate"))?;
    let build = || from_json(d).map(|config| Loaded { config, warnings: vec![] });
    match d.get("workspace") {
        None => boundary::cached_inline(&key, build),
        Some(ws) => boundary::cached(&key, ws.as_str(), build),
    }
}

/// `config.load_workspace_config`: resolve the workspace (explicit ›
/// `DISPATCH_WORKSPACE` › cwd), probe it, read its `dos.toml`, layer it over
/// the preset, then the `overrides` tables (same shapes) on top.
fn op_load_workspace_config(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let preset = preset_arg(a)?;
    let mut loaded = boundary::load_workspace_config(a.opt_str("workspace")?, preset)?;
    if let Some(o) = a.opt_obj("overrides")? {
        let inline = json::split(o.dict())?;
        loaded.config = json::layer_inline(loaded.config, &inline.tables, &mut loaded.warnings)?;
    }
    Ok(loaded.to_value())
}

/// `config.resolve_workspace_root`.
fn op_resolve_root(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    boundary::resolve_workspace_root(a.opt_str("workspace")?).map(Value::str)
}

pub static OPS: &[OpSpec] = &[
    OpSpec { name: "config.load_workspace_config", args: &["workspace", "preset", "overrides"], run: op_load_workspace_config },
    OpSpec { name: "config.resolve_workspace_root", args: &["workspace"], run: op_resolve_root },
];

#[cfg(test)]
mod tests {
    use super::*;
    use dos_core::pyjson::parse_str;

    fn dict(s: &str) -> Dict {
        match parse_str(s).unwrap() {
            Value::Dict(d) => d,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn a_workspace_config_is_cached_until_its_dos_toml_changes() {
        let dir = std::env::temp_dir().join(format!("libdos-json-ws-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("dos.toml"), "[lanes]\nexclusive = [\"a\"]\n").unwrap();
        let d = dict(&format!(r#"{{"workspace": "{}", "overlap": {{"policy": "p"}}}}"#, dir.display()));
        let first = resolve(&d).unwrap();
        assert_eq!(first.config.lanes.exclusive, vec!["a".to_string()]);
        assert_eq!(first.config.overlap_policy_name, "p");
        assert!(Arc::ptr_eq(&first, &resolve(&d).unwrap()));
        std::fs::write(dir.join("dos.toml"), "[lanes]\nexclusive = [\"a\", \"bb\"]\n").unwrap();
        let second = resolve(&d).unwrap();
        assert_eq!(second.config.lanes.exclusive, vec!["a".to_string(), "bb".to_string()]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_pure_caller_cannot_name_a_workspace() {
        let e = json::from_json(&dict(r#"{"workspace": "/tmp"}"#), &json::NoWorkspace).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadConfig);
    }
}
