//! Run-id tokens (the reference's `run_id`), without the clock.
//!
//! A token is `RID-` followed by 15 characters of Crockford base 32
//! (`0123456789ABCDEFGHJKMNPQRSTVWXYZ`, most significant first): 9 for the
//! epoch milliseconds and 6 for 30 bits of entropy. Only the low 45 bits of
//! the milliseconds fit; higher bits are dropped silently, as the reference
//! drops them. A token is valid only in upper case. Time and entropy are the
//! caller's: `dos-io` (`boundary::run_id`) supplies the clock and the default
//! entropy source, reads the lineage variables and writes `run.json`. The
//! token checks, the lineage variables and the text of `run.json` are routed
//! ops here ([`MODULE`]); minting and the run directory's file join them
//! from `dos-io` under the same module name.

use crate::envelope::{CallError, Ctx};
use crate::pyjson::{dumps_indented, py_str, Options, Value};
use crate::route::{self, Describe, Map, Op};
use serde::{Deserialize, Serialize};

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

/// A minted run id, the repeatable process it belongs to and its lineage:
/// the exact shape of a run directory's `run.json`. Every field is required
/// (`parent_id` may be None).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct RunId {
    /// This invocation's own token (`RID-` and 15 base-32 characters).
    pub run_id: String,
    /// The process slug, `PROC-` in front (declared by the caller, not minted).
    pub process_id: String,
    /// The run that launched this one (None for a root).
    #[serde(deserialize_with = "route::required")]
    pub parent_id: Option<String>,
    /// The top of the tree (the run itself for a root).
    pub root_id: String,
    /// The epoch milliseconds the token encodes.
    pub ts_ms: i64,
}

impl RunId {
    /// The `run.json` object, in the reference's field order.
    pub fn to_value(&self) -> Value {
        route::default_value(self)
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

// ------------------------------------------------------------------ routed ops

/// Whether a value is a well-formed run-id token: a string of `RID-` and 15
/// upper-case Crockford base-32 characters (anything else is false).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct IsRunId {
    /// The value to check (any value; only a string can be a token).
    pub s: Value,
}

impl Op for IsRunId {
    const NAME: &'static str = "run_id.is_run_id";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        Ok(matches!(&self.s, Value::Str(s) if s.as_str().is_some_and(is_run_id)))
    }
}

/// The epoch milliseconds a token encodes; None when it is not a
/// well-formed token.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct TsMsOf {
    /// The token (any value; only a string can be one).
    pub run_id: Value,
}

impl Op for TsMsOf {
    const NAME: &'static str = "run_id.ts_ms_of";
    type Verdict = Option<i64>;

    fn run(self, _: &Ctx<'_>) -> Result<Option<i64>, CallError> {
        Ok(match &self.run_id {
            Value::Str(s) => s.as_str().and_then(ts_ms_of),
            _ => None,
        })
    }
}

/// The `CID_*` variables a parent sets for a child process so it inherits
/// the lineage: `CID_RUN_ID`, `CID_ROOT_ID`, `CID_PROCESS_ID`, and
/// `CID_PARENT_ID` when the run has a non-empty parent.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct LineageEnv {
    /// The run.
    pub run: RunId,
}

impl Op for LineageEnv {
    const NAME: &'static str = "run_id.lineage_env";
    type Verdict = Map<String>;

    fn run(self, _: &Ctx<'_>) -> Result<Map<String>, CallError> {
        Ok(Map(lineage_env(&self.run).into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
    }
}

/// The text `write_run_json` writes for a run: its five fields, sorted
/// keys, two-space indent, every non-ASCII character escaped, no final newline.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct RunJson {
    /// The run.
    pub run: RunId,
}

impl Op for RunJson {
    const NAME: &'static str = "run_id.run_json";
    const PY_NAME: &'static str = "_run_json";
    type Verdict = String;

    fn run(self, _: &Ctx<'_>) -> Result<String, CallError> {
        Ok(run_json(&self.run))
    }
}

/// What the module is about (the hosts' module doc).
pub const DOC: &str = "Runtime run ids: `RID-` and 15 Crockford base-32 characters (9 of epoch milliseconds, 6 of 30 bits of entropy), so a token sorts by time and two minted in one millisecond differ. A `RunId` carries the token, the process slug (`PROC-...`), the parent run and the root of the tree; `lineage_env` hands the lineage to a child process through `CID_*` variables and `mint_child_from_env` reads it back; `write_run_json` and `read_run_json` stamp and read a run directory's `run.json`. Minting reads this host's clock and libdos's own entropy unless the caller pins them.";

macro_rules! text_const {
    ($name:literal, $doc:literal, $value:expr) => {
        route::Const { name: $name, doc: $doc, eval: |reg| route::konst(reg, $value) }
    };
}

const CONSTS: &[route::Const] = &[
    text_const!("PREFIX", "What every token starts with.", PREFIX),
    text_const!("PROCESS_PREFIX", "What every process slug starts with.", PROCESS_PREFIX),
    text_const!("ENV_RUN_ID", "The variable naming the parent run for a child process.", ENV_RUN_ID),
    text_const!("ENV_PARENT_ID", "The variable naming the parent's own parent.", ENV_PARENT_ID),
    text_const!("ENV_ROOT_ID", "The variable naming the root of the tree.", ENV_ROOT_ID),
    text_const!("ENV_PROCESS_ID", "The variable naming the parent's process slug.", ENV_PROCESS_ID),
    text_const!("RUN_JSON_NAME", "The file a run directory's run id is stamped in.", RUN_JSON_NAME),
];

/// `dos.run_id`'s pure ops (minting and `run.json` join from `dos-io`).
pub const MODULE: route::Module = route::Module {
    name: "run_id",
    doc: DOC,
    routes: &[route::route::<IsRunId>(), route::route::<TsMsOf>(), route::route::<LineageEnv>(), route::route::<RunJson>()],
    consts: CONSTS,
};

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
