//! Envelope operations over the config: building one from `dos.toml` text,
//! and linting one. (Loading a workspace from disk is `dos-io`'s.)

use super::layer::{self, Preset};
use super::lint;
use super::reasons::ReasonSpec;
use super::value::{self, Tv};
use super::{json, toml_text, LaneTaxonomy, WorkspaceFacts};
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

/// A `LaneTaxonomy` given as its fields.
pub fn taxonomy_arg(a: &Args, key: &str) -> Result<LaneTaxonomy, CallError> {
    let t = a.obj(key)?;
    t.check_known(&["concurrent", "exclusive", "autopick", "trees", "aliases"])?;
    let tv = value::json_table(t.dict()).map_err(|e| a.err(e))?;
    LaneTaxonomy::from_tv(&Tv::Table(tv)).map_err(|f| a.err(format_args!("{key}: {}", f.message)))
}

/// Reason specs given as `[{token, see_also, …}]` (only those two are read).
fn reasons_arg(a: &Args, key: &str) -> Result<Vec<ReasonSpec>, CallError> {
    a.obj_list(key)?
        .iter()
        .map(|s| {
            s.check_known(&["token", "category", "refusal", "fix", "see_also", "summary"])?;
            Ok(ReasonSpec {
                token: s.str("token")?.to_string(),
                category: s.opt_str("category")?.unwrap_or("UNCLASSIFIED").to_string(),
                refusal: s.opt_bool("refusal")?.unwrap_or(true),
                fix: s.opt_str("fix")?.unwrap_or("").to_string(),
                see_also: s.opt_str_list("see_also")?.unwrap_or_default().into_iter().map(str::to_string).collect(),
                summary: s.opt_str("summary")?.unwrap_or("").to_string(),
            })
        })
        .collect()
}

fn findings(f: Vec<lint::Finding>) -> Value {
    Value::List(f.iter().map(lint::Finding::to_value).collect())
}

fn op_lint(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let t = taxonomy_arg(a, "taxonomy")?;
    let reasons = if a.has("registry") { Some(reasons_arg(a, "registry")?) } else { None };
    Ok(findings(lint::lint(&t, reasons.as_deref())))
}

fn op_lint_lanes(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(findings(lint::lint_lanes(&taxonomy_arg(a, "taxonomy")?)))
}

fn op_lint_reasons(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let specs = reasons_arg(a, "registry")?;
    let known: Vec<String> = a.str_list("known_lanes")?.into_iter().map(str::to_string).collect();
    Ok(findings(lint::lint_reasons(&specs, &known)))
}

pub static OPS: &[OpSpec] = &[
    OpSpec { name: "config.from_toml", args: &["text", "preset", "root", "kernel_runtime_files", "overrides"], run: op_from_toml },
    OpSpec { name: "config_lint.lint", args: &["taxonomy", "registry"], run: op_lint },
    OpSpec { name: "config_lint.lint_lanes", args: &["taxonomy"], run: op_lint_lanes },
    OpSpec { name: "config_lint.lint_reasons", args: &["registry", "known_lanes"], run: op_lint_reasons },
];
