//! Building a [`SubstrateConfig`] from the envelope's inline `config` object.
//!
//! The object carries the same tables as `dos.toml`, in the same shapes, plus
//! two envelope-only keys: `preset` (the base the tables apply to) and
//! `workspace_facts` (facts a host probed itself).

use super::{ClassBudgets, ConcurrencyClass, LaneTaxonomy, SubstrateConfig, WorkspaceFacts};
use crate::envelope::{CallError, ErrorCode};
use crate::pyjson::{Dict, Value};

fn bad(msg: impl Into<String>) -> CallError {
    CallError::new(ErrorCode::BadConfig, msg)
}

/// The generic default taxonomy: one cluster lane `main`, the exclusive `global`.
pub fn generic_lanes() -> LaneTaxonomy {
    let all = vec!["**/*".to_string()];
    LaneTaxonomy {
        concurrent: vec!["main".into()],
        exclusive: vec!["global".into()],
        autopick: vec!["main".into()],
        trees: vec![("main".into(), all.clone()), ("global".into(), all)],
        aliases: vec![],
    }
}

fn str_list(v: &Value, what: &str) -> Result<Vec<String>, CallError> {
    let items = v.as_list().ok_or_else(|| bad(format!("{what} must be a list of strings, not {}", v.type_name())))?;
    items
        .iter()
        .map(|x| x.as_str().map(str::to_string).ok_or_else(|| bad(format!("{what} holds a {}, not a string", x.type_name()))))
        .collect()
}

/// Read a `[lanes]` table (the shape `LaneTaxonomy.from_table` takes).
pub fn lanes_from_table(t: &Dict) -> Result<LaneTaxonomy, CallError> {
    let list = |key: &str| -> Result<Vec<String>, CallError> {
        match t.get(key) {
            None => Ok(vec![]),
            Some(v) => str_list(v, &format!("[lanes].{key}")),
        }
    };
    let mut trees = Vec::new();
    match t.get("trees") {
        None | Some(Value::Null) => {}
        Some(Value::Dict(d)) => {
            for (lane, globs) in d.iter() {
                let lane = lane.as_str().unwrap_or_default().to_string();
                let tree = str_list(globs, &format!("[lanes.trees].{lane}"))?;
                trees.push((lane, tree));
            }
        }
        Some(other) => return Err(bad(format!("[lanes.trees] must be a table, not {}", other.type_name()))),
    }
    let mut aliases = Vec::new();
    match t.get("aliases") {
        None | Some(Value::Null) => {}
        Some(Value::Dict(d)) => {
            for (k, lane) in d.iter() {
                let k = k.as_str().unwrap_or_default().to_string();
                let lane = lane
                    .as_str()
                    .ok_or_else(|| bad(format!("[lanes.aliases].{k} must be a lane name string, not {}", lane.type_name())))?;
                aliases.push((k, lane.to_string()));
            }
        }
        Some(other) => return Err(bad(format!("[lanes.aliases] must be a table, not {}", other.type_name()))),
    }
    Ok(LaneTaxonomy { concurrent: list("concurrent")?, exclusive: list("exclusive")?, autopick: list("autopick")?, trees, aliases })
}

/// Build the config an envelope request names (minimal reader: `preset`,
/// `lanes`, `overlap`, `concurrency_class`, `workspace_facts`).
pub fn from_json(d: &Dict) -> Result<SubstrateConfig, CallError> {
    let lanes = match d.get("preset").map(|v| v.as_str()) {
        None | Some(Some("generic")) => generic_lanes(),
        Some(Some(other)) => return Err(bad(format!("unknown config preset {other:?}"))),
        Some(None) => return Err(bad("\"preset\" must be a string")),
    };
    let mut cfg = SubstrateConfig::with_lanes(lanes);
    if let Some(v) = d.get("lanes") {
        let t = v.as_dict().ok_or_else(|| bad(format!("[lanes] must be a table, not {}", v.type_name())))?;
        cfg.lanes = lanes_from_table(t)?;
    }
    if let Some(v) = d.get("overlap") {
        let t = v.as_dict().ok_or_else(|| bad(format!("[overlap] must be a table, not {}", v.type_name())))?;
        if let Some(r) = t.get("ratio_max") {
            cfg.overlap_ratio_max = match r {
                Value::Float(f) => *f,
                Value::Int(i) => i.as_i64().map(|i| i as f64).ok_or_else(|| bad("[overlap].ratio_max is out of range"))?,
                other => return Err(bad(format!("[overlap].ratio_max must be a number, not {}", other.type_name()))),
            };
        }
        if let Some(p) = t.get("policy") {
            cfg.overlap_policy_name = p.as_str().ok_or_else(|| bad("[overlap].policy must be a string"))?.to_string();
        }
    }
    if let Some(v) = d.get("concurrency_class") {
        let items = v.as_list().ok_or_else(|| bad("[[concurrency_class]] must be an array of tables"))?;
        let mut classes = Vec::with_capacity(items.len());
        for item in items {
            let t = item.as_dict().ok_or_else(|| bad("[[concurrency_class]] entries must be tables"))?;
            let name = t.get("name").and_then(Value::as_str).ok_or_else(|| bad("[[concurrency_class]] needs a string name"))?;
            let max = t
                .get("max_concurrent")
                .and_then(Value::as_i64)
                .ok_or_else(|| bad("[[concurrency_class]] needs an integer max_concurrent"))?;
            classes.push(ConcurrencyClass { name: name.to_string(), max_concurrent: max });
        }
        cfg.class_budgets = ClassBudgets { classes };
    }
    match d.get("workspace_facts") {
        None | Some(Value::Null) => {}
        Some(Value::Dict(f)) => {
            let files = match f.get("kernel_runtime_files") {
                None => vec![],
                Some(v) => str_list(v, "workspace_facts.kernel_runtime_files")?,
            };
            let root = f.get("root").and_then(Value::as_str).unwrap_or_default().to_string();
            cfg.workspace = Some(WorkspaceFacts { root, is_kernel_repo: !files.is_empty(), kernel_runtime_files: files });
        }
        Some(other) => return Err(bad(format!("workspace_facts must be an object or null, not {}", other.type_name()))),
    }
    Ok(cfg)
}
