//! A run's intent ledger on disk: `<runs>/<run_id>/intent.jsonl`, appended
//! to by that run alone (no lock) and read back through the schema gate.

use super::journal::AppendError;
use super::{host, jsonl};
use dos_core::durable::intent_ledger::{self as il, LedgerState};
use dos_core::envelope::{CallError, Ctx, ErrorCode};
use dos_core::pyjson::{Dict, Value};
use dos_core::pytime;
use dos_core::route::{self, Describe, Effect, Module, Op};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Why a run id cannot name a run directory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} cannot name a run directory (it is empty, a dot name, or holds '/' or NUL)")]
pub struct BadRunId(pub String);

/// The run directory `<runs>/<run_id>`. Unlike 0.22.0, a run id that would
/// leave `runs` (`..`, a `/`) or name nothing is refused.
pub fn run_dir(runs: &Path, run_id: &str) -> Result<PathBuf, BadRunId> {
    if run_id.is_empty() || run_id == "." || run_id == ".." || run_id.contains('/') || run_id.contains('\0') {
        return Err(BadRunId(run_id.to_string()));
    }
    Ok(runs.join(run_id))
}

/// The ledger of `run_id` under `runs`.
pub fn ledger_path(runs: &Path, run_id: &str) -> Result<PathBuf, BadRunId> {
    Ok(run_dir(runs, run_id)?.join(il::FILE_NAME))
}

/// Append `entry` to the ledger at `path` for `run_id` (stamping `run_id`,
/// `ts` when absent and the schema tag when absent) and flush it to disk.
/// Returns the stamped record.
pub fn append(path: &Path, run_id: &str, entry: &Dict) -> Result<Dict, AppendError> {
    let e = il::stamp(&Value::str(run_id), entry, &pytime::iso_seconds(host::now_ms()));
    let line = jsonl::line_of(&e).map_err(AppendError::from_surrogate)?;
    jsonl::append_line(path, &line, 0o644).map_err(|source| AppendError::Io { path: path.display().to_string(), source })?;
    Ok(e)
}

/// Every record of the ledger at `path` (missing: none), schema-gated for a
/// reader that understands versions up to `understands`.
pub fn read_all(path: &Path, understands: i64) -> Vec<Dict> {
    jsonl::read_bytes(path).map(|b| il::read_all(&b, understands)).unwrap_or_default()
}

/// The folded state of the ledger at `path`.
pub fn replay(path: &Path) -> LedgerState {
    il::replay(&read_all(path, il::SCHEMA_VERSION))
}

/// Append one record to the ledger file of `run_id` and flush it to disk:
/// `run_id` forced to this run, `ts` (now, UTC seconds) and the schema tag
/// added when absent; the record as written.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct AppendFile {
    /// The ledger file (made, with its directory, when missing).
    pub path: String,
    /// The run the ledger belongs to.
    pub run_id: String,
    /// The record.
    pub entry: Dict,
}

impl Op for AppendFile {
    const NAME: &'static str = "intent_ledger.append";
    const EFFECT: Effect = Effect::WritesFiles;
    const PY_NAME: &'static str = "_append_file";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        append(Path::new(&self.path), &self.run_id, &self.entry).map_err(|e| match e {
            AppendError::Surrogate(_) => CallError::bad_args(format!("{}: args.entry: {e}", Self::NAME)),
            other => CallError::new(ErrorCode::Io, format!("{}: {other}", Self::NAME)),
        })
    }

    fn verdict_value(verdict: Dict) -> Result<Value, CallError> {
        Ok(Value::Dict(verdict))
    }
}

/// Every record of the ledger file in append order (none when it is
/// missing): a torn last line is dropped, and a record the schema gate
/// cannot read (a version above `understands`, another family) reads as a
/// `_CORRUPT` record saying why.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ReadFile {
    /// The ledger file.
    pub path: String,
    /// The highest schema version the reader understands.
    #[serde(default = "schema_version")]
    pub understands: i64,
}

fn schema_version() -> i64 {
    il::SCHEMA_VERSION
}

impl Op for ReadFile {
    const NAME: &'static str = "intent_ledger.read_file";
    const EFFECT: Effect = Effect::ReadsFiles;
    const PY_NAME: &'static str = "_read_file";
    type Verdict = Vec<Dict>;

    fn run(self, _: &Ctx<'_>) -> Result<Vec<Dict>, CallError> {
        Ok(read_all(Path::new(&self.path), self.understands))
    }

    fn verdict_value(verdict: Vec<Dict>) -> Result<Value, CallError> {
        Ok(route::dicts_value(verdict))
    }
}

/// `dos.intent_ledger`'s file ops (its pure ops are `dos-core`'s).
pub const MODULE: Module =
    Module { name: "intent_ledger", doc: "", routes: &[route::route::<AppendFile>(), route::route::<ReadFile>()], consts: &[] };

#[cfg(test)]
mod tests {
    use super::*;
    use dos_core::pyjson::Str;
    use std::fs;

    #[test]
    fn append_read_replay() {
        let runs = std::env::temp_dir().join(format!("dos-il-{}", host::pid()));
        let _ = fs::remove_dir_all(&runs);
        assert!(ledger_path(&runs, "../x").is_err());
        let p = ledger_path(&runs, "RID-1").unwrap();
        let steps = Value::List(vec![Value::str("s1"), Value::str("s2")]);
        let intent =
            il::intent_entry(&Value::str("ship"), &Value::str(""), &Value::str(""), &Value::str("abc"), Some(&steps), None, None).unwrap();
        let e = append(&p, "RID-1", &intent).unwrap();
        assert_eq!(e.get("run_id").and_then(Value::as_str), Some("RID-1"));
        append(&p, "RID-1", &il::step_claimed_entry(&Value::str("s1"), &Value::str("c1"))).unwrap();
        let st = replay(&p);
        assert_eq!(st.run_id, Str::from("RID-1"));
        assert_eq!(st.declared_steps.0.len(), 2);
        assert_eq!(st.claimed.0, vec![(Str::from("s1"), Str::from("c1"))]);
        assert!(st.has_intent);
        assert_eq!(fs::read_to_string(&p).unwrap().lines().count(), 2);
    }
}
