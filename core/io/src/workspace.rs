//! The workspace side of the config: the envelope's `config` objects that
//! name a workspace, built over the file system and cached, and the two
//! routed ops that read a workspace from disk.

use crate::boundary;
use dos_core::config::json::{self, WorkspaceReader};
use dos_core::config::layer::{Doc, Loaded, LoadedConfig, Preset};
use dos_core::config::ops::with_overrides;
use dos_core::config::{SubstrateConfig, WorkspaceFacts};
use dos_core::envelope::{CallError, Ctx, ErrorCode};
use dos_core::pyjson::{self, Dict, Value};
use dos_core::route::{self, Describe, Effect, Module, Op};
use serde::Deserialize;
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

/// Load a workspace's config from disk: resolve the workspace (the
/// argument › `$DISPATCH_WORKSPACE` › the current directory), probe its
/// kernel runtime files, read its `dos.toml` and layer it over the preset,
/// then the `overrides` tables (the shapes of `dos.toml`'s) on top.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct LoadWorkspaceConfig {
    /// The workspace directory; None: `$DISPATCH_WORKSPACE`, else the
    /// current directory.
    #[serde(default)]
    pub workspace: Option<String>,
    /// The base the tables layer over.
    #[serde(default)]
    pub preset: Preset,
    /// Tables layered over the workspace's.
    #[serde(default)]
    pub overrides: Option<Dict>,
}

impl Op for LoadWorkspaceConfig {
    const NAME: &'static str = "config.load_workspace_config";
    const EFFECT: Effect = Effect::ReadsFiles;
    const PY_NAME: &'static str = "_load_workspace_config";
    type Verdict = LoadedConfig;

    fn run(self, _: &Ctx<'_>) -> Result<LoadedConfig, CallError> {
        let loaded = boundary::load_workspace_config(self.workspace.as_deref(), self.preset)?;
        Ok(with_overrides(loaded, self.overrides.as_ref())?.into())
    }
}

/// The workspace root: the argument › `$DISPATCH_WORKSPACE` › the current
/// directory, made absolute with symlinks resolved.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ResolveWorkspaceRoot {
    /// The workspace directory; None: `$DISPATCH_WORKSPACE`, else the
    /// current directory.
    #[serde(default)]
    pub workspace: Option<String>,
}

impl Op for ResolveWorkspaceRoot {
    const NAME: &'static str = "config.resolve_workspace_root";
    const EFFECT: Effect = Effect::ReadsFiles;
    const PY_NAME: &'static str = "_resolve_workspace_root";
    type Verdict = String;

    fn run(self, _: &Ctx<'_>) -> Result<String, CallError> {
        boundary::resolve_workspace_root(self.workspace.as_deref())
    }
}

/// The config's file-reading ops (its pure op is `dos-core`'s).
pub const MODULE: Module = Module {
    name: "config",
    doc: "",
    routes: &[route::route::<LoadWorkspaceConfig>(), route::route::<ResolveWorkspaceRoot>()],
    consts: &[],
};

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
