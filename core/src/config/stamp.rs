//! `[stamp]`: how a workspace's commit subjects mark a shipped phase.

use super::value::{Fault, Read, Table, Tv};
use crate::dict;
use crate::pyjson::Value;

/// The ship-stamp convention (the reference's `StampConvention`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StampConvention {
    pub subject_dirs: Vec<String>,
    pub summary_bundle_prefixes: Vec<String>,
    pub bookkeeping_prefixes: Vec<String>,
    pub style: String,
    pub code_dirs: Vec<String>,
    pub infra_basenames: Vec<String>,
    pub infra_doc_basenames: Vec<String>,
    pub progress_markers: Vec<String>,
    pub sub_phase_parent_fallback: bool,
    pub trailer_stamp: bool,
}

fn strs(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn list(v: &[String]) -> Value {
    Value::List(v.iter().map(|s| Value::str(s.as_str())).collect())
}

impl StampConvention {
    /// No dir prefix, no host prefixes: a bare `<SERIES>: <PHASE>` ships.
    pub fn generic() -> StampConvention {
        StampConvention {
            subject_dirs: vec![],
            summary_bundle_prefixes: vec![],
            bookkeeping_prefixes: vec![],
            style: "grep".into(),
            code_dirs: vec![],
            infra_basenames: vec![],
            infra_doc_basenames: vec![],
            progress_markers: vec![],
            sub_phase_parent_fallback: false,
            trailer_stamp: false,
        }
    }

    /// The reference application's convention (the dataclass default).
    pub fn job() -> StampConvention {
        StampConvention {
            subject_dirs: strs(&["docs", "go", "agents", "job_search", "scripts"]),
            summary_bundle_prefixes: strs(&["docs/HYG:"]),
            bookkeeping_prefixes: strs(&["docs/_plans:", "docs/fanout:", "docs/dispatch:", "docs/dispatch-loop:", "docs/_soaks:"]),
            style: "grep".into(),
            code_dirs: strs(&["agents", "job_search", "go", "scripts", "templates", "config", "docs", "tests"]),
            infra_basenames: strs(&["fanout_state.py"]),
            infra_doc_basenames: strs(&[
                "00_subsystems-reference.md",
                "architecture.mmd",
                "data-flow.mmd",
                "pipeline-flow.mmd",
                "state-machine.mmd",
                "scoring-model.mmd",
                "model-tiering.mmd",
            ]),
            progress_markers: strs(&[
                "week-1",
                "week-2",
                "week-3",
                "week-4",
                "day-1",
                "day-2",
                "day-3",
                "day-4",
                "day-5",
                "day-6",
                "day-7",
                "audit",
                "re-audit",
                "baseline",
                "re-baseline",
                "rebaseline",
                "read",
                "reading",
                "snapshot",
                "obs",
                "observation",
                "measurement",
                "progress",
                "soak",
                "wip",
                "partial",
                "§why",
                "todo",
            ]),
            sub_phase_parent_fallback: true,
            trailer_stamp: false,
        }
    }

    /// The reference's `to_dict()`.
    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "subject_dirs" => list(&self.subject_dirs),
            "summary_bundle_prefixes" => list(&self.summary_bundle_prefixes),
            "bookkeeping_prefixes" => list(&self.bookkeeping_prefixes),
            "style" => self.style.as_str(),
            "code_dirs" => list(&self.code_dirs),
            "infra_basenames" => list(&self.infra_basenames),
            "infra_doc_basenames" => list(&self.infra_doc_basenames),
            "progress_markers" => list(&self.progress_markers),
            "sub_phase_parent_fallback" => self.sub_phase_parent_fallback,
            "trailer_stamp" => self.trailer_stamp,
        })
    }
}

/// A string (one item) or a list of strings; `table` names the table in errors.
pub(crate) fn str_or_list(v: &Tv, table: &str, key: &str) -> Read<Vec<String>> {
    match v {
        Tv::Str(s) => Ok(vec![s.clone()]),
        Tv::List(items) => items
            .iter()
            .map(|x| match x {
                Tv::Str(s) => Ok(s.clone()),
                other => Err(Fault::warn(
                    key,
                    format!("[{table}].{key} must hold only strings; found the {} {}", other.type_name(), other.py_repr()),
                )),
            })
            .collect(),
        other => Err(Fault::warn(key, format!("[{table}].{key} must be a string or a list of strings, not {}", other.type_name()))),
    }
}

pub(crate) fn strict_bool(t: &Table, table: &str, key: &str, current: bool) -> Read<bool> {
    match t.get(key) {
        None => Ok(current),
        Some(Tv::Bool(b)) => Ok(*b),
        Some(other) => Err(Fault::warn(key, format!("[{table}].{key} must be true or false, not {}", other.type_name()))),
    }
}

pub(crate) fn check_known(t: &Table, table: &str, known: &[&str], note: &str) -> Read<()> {
    let unknown = t.unknown_keys(known);
    if unknown.is_empty() {
        return Ok(());
    }
    let mut k: Vec<&str> = known.to_vec();
    k.sort_unstable();
    Err(Fault::warn(unknown[0].clone(), format!("[{table}] does not take {}; it takes {}{note}", unknown.join(", "), k.join(", "))))
}

/// `[stamp]` over `base`: each named field replaces the base's.
pub fn convention_from_table(t: &Table, base: &StampConvention) -> Read<StampConvention> {
    const KNOWN: [&str; 10] = [
        "style",
        "subject_dirs",
        "summary_bundle_prefixes",
        "bookkeeping_prefixes",
        "code_dirs",
        "infra_basenames",
        "infra_doc_basenames",
        "progress_markers",
        "sub_phase_parent_fallback",
        "trailer_stamp",
    ];
    check_known(t, "stamp", &KNOWN, "")?;
    let style = match t.get("style") {
        None => base.style.clone(),
        Some(Tv::Str(s)) => s.clone(),
        Some(other) => return Err(Fault::warn("style", format!("[stamp].style must be a string, not {}", other.type_name()))),
    };
    let sub_phase = strict_bool(t, "stamp", "sub_phase_parent_fallback", base.sub_phase_parent_fallback)?;
    let trailer = strict_bool(t, "stamp", "trailer_stamp", base.trailer_stamp)?;
    let field = |key: &str, cur: &Vec<String>| -> Read<Vec<String>> {
        match t.get(key) {
            None => Ok(cur.clone()),
            Some(v) => str_or_list(v, "stamp", key),
        }
    };
    Ok(StampConvention {
        subject_dirs: field("subject_dirs", &base.subject_dirs)?,
        summary_bundle_prefixes: field("summary_bundle_prefixes", &base.summary_bundle_prefixes)?,
        bookkeeping_prefixes: field("bookkeeping_prefixes", &base.bookkeeping_prefixes)?,
        style,
        code_dirs: field("code_dirs", &base.code_dirs)?,
        infra_basenames: field("infra_basenames", &base.infra_basenames)?,
        infra_doc_basenames: field("infra_doc_basenames", &base.infra_doc_basenames)?,
        progress_markers: field("progress_markers", &base.progress_markers)?,
        sub_phase_parent_fallback: sub_phase,
        trailer_stamp: trailer,
    })
}
