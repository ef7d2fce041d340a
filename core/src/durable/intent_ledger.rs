//! The intent ledger (the reference's `intent_ledger`), without the disk.
//!
//! One ledger per run, `<runs>/<run_id>/intent.jsonl`, written by that run
//! alone: what it set out to do (INTENT), the steps it says it finished
//! (STEP_CLAIMED), the steps the kernel confirmed (STEP_VERIFIED), pauses
//! (SUSPEND) and resumptions proposed by a successor (RESUME_PROPOSED).
//! Records carry the durable-schema tag `{"family": "intent-ledger",
//! "version": 1}` and are written as lane-journal lines. Reading applies the
//! lane journal's torn-tail rules and then a schema gate: a record of another
//! family, or of a newer version than the reader knows, is replaced by a
//! `_CORRUPT` sentinel that says why. [`replay`] folds the records into the
//! run's [`LedgerState`].

use super::{py_int, str_or_empty};
use crate::deciders::durable_schema::{self, Readability};
use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::journal::codec::{self, Decoded};
use crate::journal::records::py_list;
use crate::pyjson::{py_str, Dict, Int, Str, Value};

pub const SCHEMA_FAMILY: &str = "intent-ledger";
pub const SCHEMA_VERSION: i64 = 1;
pub const FILE_NAME: &str = "intent.jsonl";

pub const OP_INTENT: &str = "INTENT";
pub const OP_STEP_CLAIMED: &str = "STEP_CLAIMED";
pub const OP_STEP_VERIFIED: &str = "STEP_VERIFIED";
pub const OP_SUSPEND: &str = "SUSPEND";
pub const OP_RESUME_PROPOSED: &str = "RESUME_PROPOSED";
pub const OP_CORRUPT: &str = "_CORRUPT";

fn schema_tag() -> Value {
    let mut t = Dict::with_capacity(2);
    t.push("family", Value::str(SCHEMA_FAMILY));
    t.push("version", Value::int(SCHEMA_VERSION));
    Value::Dict(t)
}

fn tagged(op: &str) -> Dict {
    let mut e = Dict::with_capacity(8);
    e.push(durable_schema::SCHEMA_KEY, schema_tag());
    e.push("op", Value::str(op));
    e
}

/// `[str(x) for x in v]`; `None` when `v` is not iterable.
fn str_list(v: &Value) -> Option<Value> {
    Some(Value::List(py_list(v)?.iter().map(|x| Value::Str(py_str(x))).collect()))
}

/// Why a builder refused its input (Python's `TypeError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BuildError(pub String);

fn not_iterable(what: &str, v: &Value) -> BuildError {
    BuildError(format!("{what} must be iterable, not {}", v.type_name()))
}

/// An INTENT record. `goal`, `plan`, `phase` and `start_sha` are kept as
/// given; `declared_steps` items and `step_regions` globs become text.
pub fn intent_entry(
    goal: &Value,
    plan: &Value,
    phase: &Value,
    start_sha: &Value,
    declared_steps: Option<&Value>,
    step_regions: Option<&Dict>,
    env: Option<&Dict>,
) -> Result<Dict, BuildError> {
    let mut e = tagged(OP_INTENT);
    e.push("goal", goal.clone());
    e.push("plan", plan.clone());
    e.push("phase", phase.clone());
    e.push("start_sha", start_sha.clone());
    if let Some(steps) = declared_steps {
        e.push("declared_steps", str_list(steps).ok_or_else(|| not_iterable("declared_steps", steps))?);
    }
    if let Some(regions) = step_regions {
        let mut r = Dict::with_capacity(regions.len());
        for (k, v) in regions.iter() {
            r.insert(k.clone(), str_list(v).ok_or_else(|| not_iterable("a step region in step_regions", v))?);
        }
        e.push("step_regions", Value::Dict(r));
    }
    if let Some(env) = env {
        e.push("env", Value::Dict(env.clone()));
    }
    Ok(e)
}

/// A STEP_CLAIMED record: the agent says `step_id` landed in `sha`.
pub fn step_claimed_entry(step_id: &Value, sha: &Value) -> Dict {
    let mut e = tagged(OP_STEP_CLAIMED);
    e.push("step_id", Value::Str(py_str(step_id)));
    e.push("sha", Value::Str(str_or_empty(Some(sha))));
    e
}

/// A STEP_VERIFIED record: the kernel confirmed `step_id` at `sha`.
pub fn step_verified_entry(step_id: &Value, sha: &Value, via: &Value, verdicts: Option<&Value>) -> Result<Dict, BuildError> {
    let mut e = tagged(OP_STEP_VERIFIED);
    e.push("step_id", Value::Str(py_str(step_id)));
    e.push("sha", Value::Str(str_or_empty(Some(sha))));
    e.push("via", Value::Str(str_or_empty(Some(via))));
    let vs = match verdicts {
        Some(v) => str_list(v).ok_or_else(|| not_iterable("verdicts", v))?,
        None => Value::List(Vec::new()),
    };
    e.push("verdicts", vs);
    Ok(e)
}

/// The conversation checkpoint a SUSPEND may carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuspendCheckpoint {
    pub turn_index: Int,
    pub transcript_digest: Str,
    pub present: bool,
}

impl SuspendCheckpoint {
    /// No checkpoint.
    pub fn absent() -> SuspendCheckpoint {
        SuspendCheckpoint { turn_index: Int::Small(-1), transcript_digest: Str::Utf8(String::new()), present: false }
    }

    /// From a SUSPEND record: present only with a non-empty
    /// `transcript_digest`; a turn `int()` refuses reads as -1.
    pub fn from_record(e: &Dict) -> SuspendCheckpoint {
        let digest = str_or_empty(e.get("transcript_digest"));
        if super::str_is_empty(&digest) {
            return SuspendCheckpoint::absent();
        }
        let turn = e.get("checkpoint_turn").and_then(py_int).unwrap_or(Int::Small(-1));
        SuspendCheckpoint { turn_index: turn, transcript_digest: digest, present: true }
    }

    pub fn to_value(&self) -> Value {
        let mut d = Dict::with_capacity(3);
        d.push("turn_index", Value::Int(self.turn_index.clone()));
        d.push("transcript_digest", Value::Str(self.transcript_digest.clone()));
        d.push("present", Value::Bool(self.present));
        Value::Dict(d)
    }
}

/// A SUSPEND record; `checkpoint` is `(turn_index, transcript_digest)`.
pub fn suspend_entry(
    reason: &Value,
    resume_sha: &Value,
    residual: Option<&Value>,
    checkpoint: Option<(&Value, &Value)>,
) -> Result<Dict, BuildError> {
    let mut e = tagged(OP_SUSPEND);
    e.push("reason", Value::Str(str_or_empty(Some(reason))));
    e.push("resume_sha", Value::Str(str_or_empty(Some(resume_sha))));
    if let Some(r) = residual {
        e.push("residual", str_list(r).ok_or_else(|| not_iterable("residual", r))?);
    }
    if let Some((turn, digest)) = checkpoint {
        let t = py_int(turn).ok_or_else(|| BuildError(format!("checkpoint turn_index must be an integer, not {}", turn.type_name())))?;
        e.push("checkpoint_turn", Value::Int(t));
        e.push("transcript_digest", Value::Str(str_or_empty(Some(digest))));
    }
    Ok(e)
}

/// A RESUME_PROPOSED record on a successor's ledger.
pub fn resume_proposed_entry(predecessor_run_id: &Value, resume_sha: &Value, residual: Option<&Value>) -> Result<Dict, BuildError> {
    let mut e = tagged(OP_RESUME_PROPOSED);
    e.push("predecessor_run_id", Value::Str(py_str(predecessor_run_id)));
    e.push("resume_sha", Value::Str(str_or_empty(Some(resume_sha))));
    if let Some(r) = residual {
        e.push("residual", str_list(r).ok_or_else(|| not_iterable("residual", r))?);
    }
    Ok(e)
}

/// The record `append` writes: `run_id` forced to the ledger's run, `ts`
/// set to `now_iso` when the entry has none, the schema tag added when the
/// entry has no `schema` key.
pub fn stamp(run_id: &Value, entry: &Dict, now_iso: &str) -> Dict {
    let mut e = entry.clone();
    e.insert("run_id", run_id.clone());
    if !e.contains_key("ts") {
        e.push("ts", Value::str(now_iso));
    }
    if !e.contains_key(durable_schema::SCHEMA_KEY) {
        e.push(durable_schema::SCHEMA_KEY, schema_tag());
    }
    e
}

/// `read_all` over a ledger's bytes, with the schema gate for a reader that
/// understands versions up to `understands`.
pub fn read_all(bytes: &[u8], understands: i64) -> Vec<Dict> {
    let family = Str::Utf8(SCHEMA_FAMILY.into());
    let mut out = Vec::new();
    codec::decode_lines(bytes, |i, raw, d| match d {
        Decoded::Record(rec) => {
            let v = durable_schema::classify(&rec, &family, understands);
            if matches!(v.readability, Readability::Readable | Readability::Untagged) {
                out.push(rec);
            } else {
                let mut s = Dict::with_capacity(4);
                s.push("op", Value::str(OP_CORRUPT));
                s.push("_unreadable", v.to_value());
                s.push("_raw", Value::str(raw));
                s.push("_line", Value::int(i as i64));
                out.push(s);
            }
        }
        other => out.extend(other.into_entry()),
    });
    out
}

/// A step the kernel confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedStep {
    pub step_id: Str,
    pub sha: Str,
    pub via: Str,
    pub verdicts: Vec<Str>,
}

impl VerifiedStep {
    pub fn to_value(&self) -> Value {
        let mut d = Dict::with_capacity(4);
        d.push("step_id", Value::Str(self.step_id.clone()));
        d.push("sha", Value::Str(self.sha.clone()));
        d.push("via", Value::Str(self.via.clone()));
        d.push("verdicts", Value::List(self.verdicts.iter().cloned().map(Value::Str).collect()));
        Value::Dict(d)
    }
}

/// What one run declared and how far the evidence says it got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerState {
    pub run_id: Str,
    pub goal: Str,
    pub plan: Str,
    pub phase: Str,
    pub start_sha: Str,
    pub declared_steps: Vec<Str>,
    pub step_regions: Vec<(Str, Vec<Str>)>,
    /// The agent's claims, step id to sha (not trusted).
    pub claimed: Vec<(Str, Str)>,
    /// The kernel's confirmations (the only "done").
    pub verified: Vec<(Str, VerifiedStep)>,
    pub suspended: bool,
    pub suspend_resume_sha: Str,
    pub suspend_checkpoint: SuspendCheckpoint,
    pub resume_proposed: Vec<Str>,
    pub corrupt_lines: i64,
    pub unreadable_newer: bool,
}

fn set<V>(pairs: &mut Vec<(Str, V)>, key: Str, value: V) {
    match pairs.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => pairs.push((key, value)),
    }
}

fn strs(v: &[Str]) -> Value {
    Value::List(v.iter().cloned().map(Value::Str).collect())
}

impl LedgerState {
    /// An empty state for `run_id`.
    pub fn new(run_id: Str) -> LedgerState {
        let e = || Str::Utf8(String::new());
        LedgerState {
            run_id,
            goal: e(),
            plan: e(),
            phase: e(),
            start_sha: e(),
            declared_steps: Vec::new(),
            step_regions: Vec::new(),
            claimed: Vec::new(),
            verified: Vec::new(),
            suspended: false,
            suspend_resume_sha: e(),
            suspend_checkpoint: SuspendCheckpoint::absent(),
            resume_proposed: Vec::new(),
            corrupt_lines: 0,
            unreadable_newer: false,
        }
    }

    /// Whether the run declared anything (a goal, a plan or steps).
    pub fn has_intent(&self) -> bool {
        !(super::str_is_empty(&self.goal) && super::str_is_empty(&self.plan) && self.declared_steps.is_empty())
    }

    /// The state as an object: the fields in declaration order (the layout
    /// `dataclasses.asdict` gives the reference's state), then `has_intent`.
    pub fn to_value(&self) -> Value {
        let mut regions = Dict::with_capacity(self.step_regions.len());
        for (k, globs) in &self.step_regions {
            regions.push(k.clone(), strs(globs));
        }
        let mut claimed = Dict::with_capacity(self.claimed.len());
        for (k, sha) in &self.claimed {
            claimed.push(k.clone(), Value::Str(sha.clone()));
        }
        let mut verified = Dict::with_capacity(self.verified.len());
        for (k, step) in &self.verified {
            verified.push(k.clone(), step.to_value());
        }
        let mut d = Dict::with_capacity(16);
        d.push("run_id", Value::Str(self.run_id.clone()));
        d.push("goal", Value::Str(self.goal.clone()));
        d.push("plan", Value::Str(self.plan.clone()));
        d.push("phase", Value::Str(self.phase.clone()));
        d.push("start_sha", Value::Str(self.start_sha.clone()));
        d.push("declared_steps", strs(&self.declared_steps));
        d.push("step_regions", Value::Dict(regions));
        d.push("claimed", Value::Dict(claimed));
        d.push("verified", Value::Dict(verified));
        d.push("suspended", Value::Bool(self.suspended));
        d.push("suspend_resume_sha", Value::Str(self.suspend_resume_sha.clone()));
        d.push("suspend_checkpoint", self.suspend_checkpoint.to_value());
        d.push("resume_proposed", strs(&self.resume_proposed));
        d.push("corrupt_lines", Value::int(self.corrupt_lines));
        d.push("unreadable_newer", Value::Bool(self.unreadable_newer));
        d.push("has_intent", Value::Bool(self.has_intent()));
        Value::Dict(d)
    }
}

/// `str(x or fallback)` where the fallback is already text.
fn text_or(v: Option<&Value>, fallback: &Str) -> Str {
    match v {
        Some(v) if v.truthy() => py_str(v),
        _ => fallback.clone(),
    }
}

fn str_items(v: &Value) -> Option<Vec<Str>> {
    match v {
        Value::List(items) => Some(items.iter().map(py_str).collect()),
        _ => None,
    }
}

/// Fold a ledger's records into its state. Later scalars win; an INTENT
/// re-opens a suspended run; sentinels and unknown ops are counted or
/// skipped, never folded.
pub fn replay<'a>(entries: impl IntoIterator<Item = &'a Dict>) -> LedgerState {
    let mut st = LedgerState::new(Str::Utf8(String::new()));
    for e in entries {
        let op = str_or_empty(e.get("op"));
        let rid = str_or_empty(e.get("run_id"));
        if !super::str_is_empty(&rid) {
            st.run_id = rid;
        }
        match op.as_str() {
            Some(OP_INTENT) => {
                st.goal = text_or(e.get("goal"), &st.goal);
                st.plan = text_or(e.get("plan"), &st.plan);
                st.phase = text_or(e.get("phase"), &st.phase);
                st.start_sha = text_or(e.get("start_sha"), &st.start_sha);
                if let Some(steps) = e.get("declared_steps").and_then(str_items) {
                    st.declared_steps = steps;
                }
                if let Some(Value::Dict(regions)) = e.get("step_regions") {
                    let mut r = Vec::new();
                    for (k, v) in regions.iter() {
                        if let Some(globs) = str_items(v) {
                            set(&mut r, k.clone(), globs);
                        }
                    }
                    st.step_regions = r;
                }
                st.suspended = false;
                st.suspend_resume_sha = Str::Utf8(String::new());
                st.suspend_checkpoint = SuspendCheckpoint::absent();
            }
            Some(OP_STEP_CLAIMED) => {
                let sid = str_or_empty(e.get("step_id"));
                if !super::str_is_empty(&sid) {
                    set(&mut st.claimed, sid, str_or_empty(e.get("sha")));
                }
            }
            Some(OP_STEP_VERIFIED) => {
                let sid = str_or_empty(e.get("step_id"));
                if !super::str_is_empty(&sid) {
                    let step = VerifiedStep {
                        step_id: sid.clone(),
                        sha: str_or_empty(e.get("sha")),
                        via: str_or_empty(e.get("via")),
                        verdicts: e.get("verdicts").and_then(str_items).unwrap_or_default(),
                    };
                    set(&mut st.verified, sid, step);
                }
            }
            Some(OP_SUSPEND) => {
                st.suspended = true;
                st.suspend_resume_sha = match e.get("resume_sha") {
                    Some(v) if v.truthy() => py_str(v),
                    _ => str_or_empty(e.get("sha")),
                };
                st.suspend_checkpoint = SuspendCheckpoint::from_record(e);
            }
            Some(OP_RESUME_PROPOSED) => {
                let pred = match e.get("predecessor_run_id") {
                    Some(v) if v.truthy() => py_str(v),
                    _ => str_or_empty(e.get("predecessor")),
                };
                if !super::str_is_empty(&pred) && !st.resume_proposed.contains(&pred) {
                    st.resume_proposed.push(pred);
                }
            }
            Some(OP_CORRUPT) => {
                st.corrupt_lines += 1;
                if let Some(Value::Dict(un)) = e.get("_unreadable") {
                    if matches!(un.get("readability"), Some(Value::Str(Str::Utf8(r))) if r == "UNREADABLE_NEWER") {
                        st.unreadable_newer = true;
                    }
                }
            }
            _ => {}
        }
    }
    st
}

// ---- envelope ops ----------------------------------------------------------

fn arg_or(a: &Args, key: &str, default: Value) -> Value {
    a.get(key).cloned().unwrap_or(default)
}

fn empty_text(a: &Args, key: &str) -> Value {
    arg_or(a, key, Value::str(""))
}

fn opt_dict<'a>(a: &Args<'a>, key: &str) -> Result<Option<&'a Dict>, CallError> {
    match a.get(key) {
        None => Ok(None),
        Some(Value::Dict(d)) => Ok(Some(d)),
        Some(other) => Err(a.err(format_args!("{key} must be an object, not {}", other.type_name()))),
    }
}

fn built(a: &Args, r: Result<Dict, BuildError>) -> Result<Value, CallError> {
    r.map(Value::Dict).map_err(|e| a.err(e))
}

fn op_intent_entry(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    built(
        a,
        intent_entry(
            &empty_text(a, "goal"),
            &empty_text(a, "plan"),
            &empty_text(a, "phase"),
            &empty_text(a, "start_sha"),
            a.get("declared_steps"),
            opt_dict(a, "step_regions")?,
            opt_dict(a, "env")?,
        ),
    )
}

fn op_step_claimed_entry(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::Dict(step_claimed_entry(a.req("step_id")?, a.req("sha")?)))
}

fn op_step_verified_entry(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    built(a, step_verified_entry(a.req("step_id")?, a.req("sha")?, &empty_text(a, "via"), a.get("verdicts")))
}

fn op_suspend_entry(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let minus_one = Value::int(-1);
    let empty = Value::str("");
    let checkpoint = match opt_dict(a, "checkpoint")? {
        None => None,
        Some(c) => {
            for (k, _) in c.iter() {
                if !matches!(k.as_str(), Some("turn_index" | "transcript_digest" | "present")) {
                    return Err(a.err(format_args!("checkpoint has no field {:?}", crate::pyjson::repr_str(k))));
                }
            }
            Some((c.get("turn_index").unwrap_or(&minus_one), c.get("transcript_digest").unwrap_or(&empty)))
        }
    };
    built(a, suspend_entry(&empty_text(a, "reason"), &empty_text(a, "resume_sha"), a.get("residual"), checkpoint))
}

fn op_resume_proposed_entry(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    built(a, resume_proposed_entry(a.req("predecessor_run_id")?, &empty_text(a, "resume_sha"), a.get("residual")))
}

fn op_append_line(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let entry = opt_dict(a, "entry")?.ok_or_else(|| a.err("missing required argument \"entry\""))?;
    let now = match a.opt_str("now")? {
        Some(n) => n,
        None if entry.contains_key("ts") => "",
        None => return Err(a.err("an entry without ts needs now (the op never reads the clock)")),
    };
    let e = stamp(a.req("run_id")?, entry, now);
    let line = codec::encode_line(&Value::Dict(e.clone())).map_err(|s| {
        a.err(format_args!("the record of run_id and entry holds a lone surrogate (U+{:04X}); it cannot be written as UTF-8", s.0))
    })?;
    let mut d = Dict::with_capacity(2);
    d.push("entry", Value::Dict(e));
    d.push("line", Value::str(String::from_utf8_lossy(&line).into_owned()));
    Ok(Value::Dict(d))
}

fn op_read_all(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let understands = a.i64_or("understands", SCHEMA_VERSION)?;
    Ok(Value::List(read_all(a.str("text")?.as_bytes(), understands).into_iter().map(Value::Dict).collect()))
}

fn op_replay(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let entries: Vec<&Dict> = a
        .list("entries")?
        .iter()
        .enumerate()
        .map(|(i, v)| v.as_dict().ok_or_else(|| a.err(format_args!("entries[{i}] must be an object, not {}", v.type_name()))))
        .collect::<Result<_, _>>()?;
    Ok(replay(entries).to_value())
}

pub(crate) const OPS: &[OpSpec] = &[
    OpSpec {
        name: "intent_ledger.intent_entry",
        args: &["goal", "plan", "phase", "start_sha", "declared_steps", "step_regions", "env"],
        run: op_intent_entry,
    },
    OpSpec { name: "intent_ledger.step_claimed_entry", args: &["step_id", "sha"], run: op_step_claimed_entry },
    OpSpec { name: "intent_ledger.step_verified_entry", args: &["step_id", "sha", "via", "verdicts"], run: op_step_verified_entry },
    OpSpec { name: "intent_ledger.suspend_entry", args: &["reason", "resume_sha", "residual", "checkpoint"], run: op_suspend_entry },
    OpSpec {
        name: "intent_ledger.resume_proposed_entry",
        args: &["predecessor_run_id", "resume_sha", "residual"],
        run: op_resume_proposed_entry,
    },
    OpSpec { name: "intent_ledger.append_line", args: &["run_id", "entry", "now"], run: op_append_line },
    OpSpec { name: "intent_ledger.read_all", args: &["text", "understands"], run: op_read_all },
    OpSpec { name: "intent_ledger.replay", args: &["entries"], run: op_replay },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::parse_str;

    #[test]
    fn newer_and_foreign_records_become_sentinels() {
        let text = "{\"op\": \"INTENT\", \"goal\": \"g\", \"schema\": {\"family\": \"intent-ledger\", \"version\": 1}}\n\
                    {\"op\": \"STEP_CLAIMED\", \"step_id\": \"s\", \"schema\": {\"family\": \"intent-ledger\", \"version\": 3}}\n\
                    {\"op\": \"X\", \"schema\": {\"family\": \"lane-journal\", \"version\": 1}}\n\
                    {\"op\": \"SUSPEND\", \"resume_sha\": \"abc\"}\n";
        let all = read_all(text.as_bytes(), 1);
        assert_eq!(all.len(), 4);
        assert_eq!(all[1].get("op").and_then(Value::as_str), Some("_CORRUPT"));
        assert_eq!(all[1].get("_line"), Some(&Value::int(1)));
        let st = replay(&all);
        assert_eq!(st.corrupt_lines, 2);
        assert!(st.unreadable_newer);
        assert!(st.suspended);
        assert!(st.has_intent());
    }

    #[test]
    fn stamping_forces_the_run() {
        let e = parse_str(r#"{"op": "INTENT", "run_id": "other", "ts": null}"#).unwrap();
        let s = stamp(&Value::str("RID-1"), e.as_dict().unwrap(), "now");
        assert_eq!(s.get("run_id").and_then(Value::as_str), Some("RID-1"));
        assert_eq!(s.get("ts"), Some(&Value::Null));
        assert!(s.contains_key("schema"));
    }
}
