//! Envelope operations over the config: building one from `dos.toml` text.
//! (Loading a workspace from disk is `dos-io`'s; linting one is the routed
//! `config_lint` module, `super::lint`.)

use super::layer::{self, Loaded, LoadedConfig, Preset};
use super::{json, toml_text, WorkspaceFacts};
use crate::envelope::{CallError, Ctx};
use crate::pyjson::Dict;
use crate::route::{self, Describe, Module, Op};
use serde::Deserialize;

/// Build a config from `dos.toml` text over a preset, without touching the
/// disk: `root` is taken as already resolved, and `kernel_runtime_files`
/// stands in for the workspace probe. The `overrides` tables (the same
/// shapes as `dos.toml`'s) layer on top.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct FromToml {
    /// The `dos.toml` text; None: the workspace has none.
    #[serde(default)]
    pub text: Option<String>,
    /// The base the tables layer over.
    #[serde(default)]
    pub preset: Preset,
    /// The workspace root, already resolved.
    #[serde(default = "dot")]
    pub root: String,
    /// The kernel runtime files the workspace holds; None: not probed.
    #[serde(default)]
    pub kernel_runtime_files: Option<Vec<String>>,
    /// Tables layered over the text's.
    #[serde(default)]
    pub overrides: Option<Dict>,
}

fn dot() -> String {
    ".".to_string()
}

impl Op for FromToml {
    const NAME: &'static str = "config.from_toml";
    const PY_NAME: &'static str = "_from_toml";
    type Verdict = LoadedConfig;

    fn run(self, _: &Ctx<'_>) -> Result<LoadedConfig, CallError> {
        let facts = self.kernel_runtime_files.map(|files| {
            let files: Vec<&str> = files.iter().map(String::as_str).collect();
            WorkspaceFacts::new(super::paths::norm_path(&self.root), probe_order(&files))
        });
        let doc = match &self.text {
            None => layer::Doc::Absent,
            Some(text) => toml_text::parse_bytes(text.as_bytes()),
        };
        let loaded = layer::load(self.preset, &self.root, facts, &doc)?;
        Ok(with_overrides(loaded, self.overrides.as_ref())?.into())
    }
}

/// `loaded` with the `overrides` tables (the shapes of `dos.toml`'s)
/// layered on top.
pub fn with_overrides(mut loaded: Loaded, overrides: Option<&Dict>) -> Result<Loaded, CallError> {
    if let Some(o) = overrides {
        let inline = json::split(o)?;
        loaded.config = json::layer_inline(loaded.config, &inline.tables, &mut loaded.warnings)?;
    }
    Ok(loaded)
}

/// The given runtime files as the probe lists them: the kernel's own order
/// first, any other names after, in the order given.
fn probe_order(files: &[&str]) -> Vec<String> {
    let known = super::facts::DISPATCH_RUNTIME_FILES;
    let mut out: Vec<String> = known.iter().filter(|k| files.contains(k)).map(|k| k.to_string()).collect();
    for f in files {
        if !known.contains(f) && !out.iter().any(|o| o == f) {
            out.push(f.to_string());
        }
    }
    out
}

/// The config's pure op (loading a workspace from disk is `dos-io`'s, under
/// the same module name).
pub const MODULE: Module = Module {
    name: "config",
    doc: "The workspace configuration: `dos.toml` layered over a preset (`generic`, `job`, `workshop`) into the reference `SubstrateConfig`'s seams, with the tables the build ignored as warnings.",
    routes: &[route::route::<FromToml>()],
    consts: &[],
};
