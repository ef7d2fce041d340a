//! Run-id tokens (the reference's `run_id`), without the clock.
//!
//! A token is `RID-` followed by 15 characters of Crockford base 32
//! (`0123456789ABCDEFGHJKMNPQRSTVWXYZ`, most significant first): 9 for the
//! epoch milliseconds and 6 for 30 bits of entropy. Only the low 45 bits of
//! the milliseconds fit; higher bits are dropped silently, as the reference
//! drops them. A token is valid only in upper case. Time and entropy are the
//! caller's: [`crate::boundary::run_id`] supplies the clock and the default
//! entropy source, and reads and writes the lineage variables and `run.json`.

use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::{dumps_indented, py_str, Dict, Options, Value};

/// The Crockford base-32 alphabet, in ascending order.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const PREFIX: &str = "RID-";
pub const PROCESS_PREFIX: &str = "PROC-";
pub const TS_WIDTH: usize = 9;
pub const ENTROPY_WIDTH: usize = 6;
pub const ENTROPY_BITS: u32 = 30;
pub const ENV_RUN_ID: &str = "CID_RUN_ID";
pub const ENV_PARENT_ID: &str = "CID_PARENT_ID";
pub const ENV_ROOT_ID: &str = "CID_ROOT_ID";
pub const ENV_PROCESS_ID: &str = "CID_PROCESS_ID";
pub const RUN_JSON_NAME: &str = "run.json";

const ENTROPY_MASK: i64 = (1 << ENTROPY_BITS) - 1;

/// Why a token cannot be minted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MintError {
    #[error("a run needs a process_id (a slug such as \"fanout\")")]
    NoProcess,
    #[error("the clock reading {0} is negative; run-id time must be non-negative")]
    NegativeClock(i64),
}

/// `width` base-32 characters of `n`, most significant first; bits above
/// `5 * width` are dropped.
pub fn b32(mut n: u64, width: usize) -> String {
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n & 0x1F) as usize];
        n >>= 5;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// The token for a clock reading and an entropy value (only its low 30
/// bits are used, as two's complement for a negative value).
pub fn token(ts_ms: i64, entropy: i64) -> Result<String, MintError> {
    if ts_ms < 0 {
        return Err(MintError::NegativeClock(ts_ms));
    }
    Ok(format!("{PREFIX}{}{}", b32(ts_ms as u64, TS_WIDTH), b32((entropy & ENTROPY_MASK) as u64, ENTROPY_WIDTH)))
}

/// A minted run id and its lineage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunId {
    pub run_id: String,
    pub process_id: String,
    pub parent_id: Option<String>,
    pub root_id: String,
    pub ts_ms: i64,
}

impl RunId {
    /// The `run.json` object, in the reference's field order.
    pub fn to_value(&self) -> Value {
        let mut d = Dict::with_capacity(5);
        d.push("run_id", Value::str(&self.run_id));
        d.push("process_id", Value::str(&self.process_id));
        d.push("parent_id", Value::opt_str(self.parent_id.as_deref()));
        d.push("root_id", Value::str(&self.root_id));
        d.push("ts_ms", Value::int(self.ts_ms));
        Value::Dict(d)
    }
}

/// Who launched the run being minted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parent {
    /// A root run.
    None,
    /// A parent known in full: the child inherits its root.
    Run { run_id: String, root_id: String },
    /// Only the parent's token is known (an environment variable, a flag):
    /// without an explicit root the child becomes its own root.
    Token(String),
}

/// Mint a run id for `process_id` (prefixed `PROC-` unless it already is).
/// An empty `root_id` counts as none.
pub fn mint(process_id: &str, parent: &Parent, root_id: Option<&str>, ts_ms: i64, entropy: i64) -> Result<RunId, MintError> {
    if process_id.is_empty() {
        return Err(MintError::NoProcess);
    }
    let process_id = if process_id.starts_with(PROCESS_PREFIX) { process_id.to_string() } else { format!("{PROCESS_PREFIX}{process_id}") };
    let run_id = token(ts_ms, entropy)?;
    let root = root_id.filter(|r| !r.is_empty());
    let (parent_id, root) = match parent {
        Parent::None => (None, root.map(str::to_string)),
        Parent::Run { run_id: p, root_id: r } => {
            (Some(p.clone()), root.map(str::to_string).or_else(|| Some(r.clone()).filter(|r| !r.is_empty())))
        }
        Parent::Token(p) => (Some(p.clone()), root.map(str::to_string)),
    };
    let root_id = root.unwrap_or_else(|| run_id.clone());
    Ok(RunId { run_id, process_id, parent_id, root_id, ts_ms })
}

/// Is `s` a well-formed token?
pub fn is_run_id(s: &str) -> bool {
    match s.strip_prefix(PREFIX) {
        Some(body) => body.chars().count() == TS_WIDTH + ENTROPY_WIDTH && body.bytes().all(|b| ALPHABET.contains(&b)),
        None => false,
    }
}

/// The milliseconds a token encodes, `None` for a malformed token.
pub fn ts_ms_of(s: &str) -> Option<i64> {
    if !is_run_id(s) {
        return None;
    }
    let digits = &s.as_bytes()[PREFIX.len()..PREFIX.len() + TS_WIDTH];
    let n = digits.iter().fold(0i64, |n, b| (n << 5) | ALPHABET.iter().position(|x| x == b).unwrap_or(0) as i64);
    Some(n)
}

/// The lineage variables a parent hands a child process, in the reference's
/// order; `CID_PARENT_ID` only when the run has a non-empty parent.
pub fn lineage_env(run: &RunId) -> Vec<(&'static str, String)> {
    let mut env = vec![(ENV_RUN_ID, run.run_id.clone()), (ENV_ROOT_ID, run.root_id.clone()), (ENV_PROCESS_ID, run.process_id.clone())];
    if let Some(p) = run.parent_id.as_ref().filter(|p| !p.is_empty()) {
        env.push((ENV_PARENT_ID, p.clone()));
    }
    env
}

/// The parent and root a child minted from the lineage variables gets:
/// the parent is `$CID_RUN_ID` (even when empty), the root `$CID_ROOT_ID`,
/// else the parent.
pub fn child_lineage(run_id_var: Option<&str>, root_id_var: Option<&str>) -> (Parent, Option<String>) {
    let parent = match run_id_var {
        None => Parent::None,
        Some(p) => Parent::Token(p.to_string()),
    };
    let root = root_id_var.filter(|r| !r.is_empty()).or(run_id_var).map(str::to_string);
    (parent, root)
}

/// The bytes of `run.json` for a run object: two-space indent, sorted keys,
/// ASCII with `\u` escapes, no final newline.
pub fn run_json_bytes(run: &Value) -> Vec<u8> {
    let opts = Options::SORTED_ASCII.with_separators(",", ": ");
    // ASCII output escapes every lone surrogate, so this cannot fail.
    dumps_indented(run, &opts, 2).unwrap_or_default()
}

/// `run.json` for a minted run.
pub fn run_json(run: &RunId) -> String {
    String::from_utf8(run_json_bytes(&run.to_value())).unwrap_or_default()
}

/// A parent given as JSON: an object is a full run (its `run_id` and
/// `root_id`), anything else a token rendered with Python's `str`.
pub fn parent_from_value(v: Option<&Value>) -> Result<Parent, String> {
    match v {
        None | Some(Value::Null) => Ok(Parent::None),
        Some(Value::Dict(d)) => {
            let text = |k: &str| match d.get(k) {
                Some(Value::Str(s)) => s.as_str().map(str::to_string).ok_or_else(|| format!("parent.{k} holds a lone surrogate")),
                Some(other) => Err(format!("parent.{k} must be a string, not {}", other.type_name())),
                None => Err(format!("parent.{k} is missing")),
            };
            Ok(Parent::Run { run_id: text("run_id")?, root_id: text("root_id")? })
        }
        Some(other) => match py_str(other) {
            crate::pyjson::Str::Utf8(s) => Ok(Parent::Token(s)),
            crate::pyjson::Str::Utf16(_) => Err("parent holds a lone surrogate".into()),
        },
    }
}

/// A run given as JSON (`to_dict()`'s five fields, all strings but
/// `parent_id`, which may be null, and the integer `ts_ms`).
pub fn run_from_value(v: &Value) -> Result<RunId, String> {
    let d = v.as_dict().ok_or_else(|| format!("run must be an object, not {}", v.type_name()))?;
    for (k, _) in d.iter() {
        if !matches!(k.as_str(), Some("run_id" | "process_id" | "parent_id" | "root_id" | "ts_ms")) {
            return Err(format!("run has an unknown field {:?}", crate::pyjson::repr_str(k)));
        }
    }
    let text = |k: &str| match d.get(k) {
        Some(Value::Str(s)) => s.as_str().map(str::to_string).ok_or_else(|| format!("run.{k} holds a lone surrogate")),
        Some(other) => Err(format!("run.{k} must be a string, not {}", other.type_name())),
        None => Err(format!("run.{k} is missing")),
    };
    let parent_id = match d.get("parent_id") {
        Some(Value::Null) => None,
        _ => Some(text("parent_id")?),
    };
    let ts_ms = match d.get("ts_ms") {
        Some(Value::Int(i)) => i.as_i64().ok_or("run.ts_ms is outside 64 bits")?,
        Some(other) => return Err(format!("run.ts_ms must be an integer, not {}", other.type_name())),
        None => return Err("run.ts_ms is missing".into()),
    };
    Ok(RunId { run_id: text("run_id")?, process_id: text("process_id")?, parent_id, root_id: text("root_id")?, ts_ms })
}

fn op_is_run_id(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::Bool(matches!(a.get("s"), Some(Value::Str(s)) if s.as_str().is_some_and(is_run_id))))
}

fn op_ts_ms_of(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let ts = match a.get("run_id") {
        Some(Value::Str(s)) => s.as_str().and_then(ts_ms_of),
        _ => None,
    };
    Ok(Value::opt_int(ts))
}

fn op_run_json(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let run = run_from_value(a.req("run")?).map_err(|m| a.err(m))?;
    Ok(Value::str(run_json(&run)))
}

fn op_lineage_env(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let run = run_from_value(a.req("run")?).map_err(|m| a.err(m))?;
    let mut d = Dict::new();
    for (k, v) in lineage_env(&run) {
        d.push(k, Value::str(v));
    }
    Ok(Value::Dict(d))
}

pub(crate) const OPS: &[OpSpec] = &[
    OpSpec { name: "run_id.is_run_id", args: &["s"], run: op_is_run_id },
    OpSpec { name: "run_id.ts_ms_of", args: &["run_id"], run: op_ts_ms_of },
    OpSpec { name: "run_id.run_json", args: &["run"], run: op_run_json },
    OpSpec { name: "run_id.lineage_env", args: &["run"], run: op_lineage_env },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_vectors() {
        let r = mint("fanout", &Parent::None, None, 1_780_000_000_000, 0x3FFF_FFFF).unwrap();
        assert_eq!(r.run_id, "RID-1KSR49200ZZZZZZ");
        assert_eq!(r.process_id, "PROC-fanout");
        assert_eq!(r.root_id, r.run_id);
        assert_eq!(ts_ms_of(&r.run_id), Some(1_780_000_000_000));
        assert_eq!(token(1 << 45, 0).unwrap(), "RID-000000000000000");
        assert!(token(-1, 0).is_err());
        assert!(!is_run_id("rid-1ksr49200zzzzzz"));
        assert!(!is_run_id("RID-1ksr49200zzzzzz"));
    }

    #[test]
    fn lineage() {
        let root = mint("a", &Parent::None, None, 5, 1).unwrap();
        let p = Parent::Run { run_id: root.run_id.clone(), root_id: root.root_id.clone() };
        let child = mint("PROC-b", &p, None, 6, 2).unwrap();
        assert_eq!(child.process_id, "PROC-b");
        assert_eq!(child.root_id, root.run_id);
        let orphan = mint("b", &Parent::Token(root.run_id.clone()), None, 6, 2).unwrap();
        assert_eq!(orphan.root_id, orphan.run_id);
        assert_eq!(lineage_env(&child).len(), 4);
        let json = run_json(&root);
        assert!(json.starts_with("{\n  \"parent_id\": null,\n  \"process_id\": \"PROC-a\","), "{json}");
        assert!(!json.ends_with('\n'));
    }
}
