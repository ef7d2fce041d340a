//! Envelope operations over the config: building one from `dos.toml` text.
//! (Loading a workspace from disk is `dos-io`'s; linting one is the routed
//! `config_lint` module, `super::lint`.)

use super::layer::{self, Preset};
use super::{json, toml_text, WorkspaceFacts};
use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::Value;

pub fn preset_arg(a: &Args) -> Result<Preset, CallError> {
    match a.opt_str("preset")? {
        None => Ok(Preset::Generic),
        Some(p) => Preset::parse(p).ok_or_else(|| a.err(format_args!("unknown preset {p:?} (generic, job, workshop)"))),
    }
}

/// `config.from_toml`: `dos.toml` text over a preset, no file access. `root`
/// is taken as already resolved; `kernel_runtime_files` (a list, or null for
/// "not probed") stands in for the workspace probe.
fn op_from_toml(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let preset = preset_arg(a)?;
    let root = a.opt_str("root")?.unwrap_or(".");
    let facts =
        a.opt_str_list("kernel_runtime_files")?.map(|files| WorkspaceFacts::new(super::paths::norm_path(root), probe_order(&files)));
    let doc = match a.opt_str("text")? {
        None => layer::Doc::Absent,
        Some(text) => toml_text::parse_bytes(text.as_bytes()),
    };
    let loaded = match a.opt_obj("overrides")? {
        None => layer::load(preset, root, facts, &doc)?,
        Some(o) => {
            let inline = json::split(o.dict())?;
            let mut l = layer::load(preset, root, facts, &doc)?;
            l.config = json::layer_inline(l.config, &inline.tables, &mut l.warnings)?;
            l
        }
    };
    Ok(loaded.to_value())
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

pub static OPS: &[OpSpec] =
    &[OpSpec { name: "config.from_toml", args: &["text", "preset", "root", "kernel_runtime_files", "overrides"], run: op_from_toml }];
