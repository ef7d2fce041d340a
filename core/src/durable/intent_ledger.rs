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
use crate::envelope::{CallError, Ctx};
use crate::journal::codec::{self, Decoded};
use crate::journal::records::py_list;
use crate::pyjson::{py_str, Dict, Int, Str, Value};
use crate::route::{self, Describe, Map, Op, Tuple};
use serde::de::Error as _;
use serde::{Deserialize, Serialize};

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

/// The conversation checkpoint a SUSPEND may carry: the turn the kernel
/// stamped and the digest of the transcript up to it. Read loosely, as the
/// reference's dataclass takes any value: `turn_index` is what `int()` makes
/// of it (BAD_ARGS when `int()` refuses it), `transcript_digest` the text of
/// a truthy value ("" otherwise), `present` the value's truth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct SuspendCheckpoint {
    /// The turn the digest covers (-1: none).
    #[serde(default = "minus_one", deserialize_with = "int_of")]
    pub turn_index: Int,
    /// The kernel's digest of the transcript up to that turn ("": none).
    #[serde(default = "empty", deserialize_with = "text_or_empty")]
    pub transcript_digest: Str,
    /// Whether a checkpoint was stamped.
    #[serde(default, deserialize_with = "truth_of")]
    pub present: bool,
}

fn empty() -> Str {
    Str::Utf8(String::new())
}

fn minus_one() -> Int {
    Int::Small(-1)
}

/// What Python's `int()` makes of any value, or a refusal naming its type.
fn int_of<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Int, D::Error> {
    let v = Value::deserialize(d)?;
    py_int(&v).ok_or_else(|| D::Error::custom(format_args!("must be an integer (int() refuses this {})", v.type_name())))
}

/// `str(x or "")` of any value.
fn text_or_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Str, D::Error> {
    Value::deserialize(d).map(|v| str_or_empty(Some(&v)))
}

/// The truth of any value.
fn truth_of<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Value::deserialize(d).map(|v| v.truthy())
}

impl Default for SuspendCheckpoint {
    fn default() -> Self {
        SuspendCheckpoint::absent()
    }
}

impl SuspendCheckpoint {
    /// No checkpoint.
    pub fn absent() -> SuspendCheckpoint {
        SuspendCheckpoint { turn_index: minus_one(), transcript_digest: empty(), present: false }
    }

    /// From a SUSPEND record: present only with a non-empty
    /// `transcript_digest`; a turn `int()` refuses reads as -1.
    pub fn from_record(e: &Dict) -> SuspendCheckpoint {
        let digest = str_or_empty(e.get("transcript_digest"));
        if super::str_is_empty(&digest) {
            return SuspendCheckpoint::absent();
        }
        let turn = e.get("checkpoint_turn").and_then(py_int).unwrap_or_else(minus_one);
        SuspendCheckpoint { turn_index: turn, transcript_digest: digest, present: true }
    }
}

/// A SUSPEND record, with the checkpoint's turn and digest when one is given.
pub fn suspend_entry(
    reason: &Value,
    resume_sha: &Value,
    residual: Option<&Value>,
    checkpoint: Option<&SuspendCheckpoint>,
) -> Result<Dict, BuildError> {
    let mut e = tagged(OP_SUSPEND);
    e.push("reason", Value::Str(str_or_empty(Some(reason))));
    e.push("resume_sha", Value::Str(str_or_empty(Some(resume_sha))));
    if let Some(r) = residual {
        e.push("residual", str_list(r).ok_or_else(|| not_iterable("residual", r))?);
    }
    if let Some(c) = checkpoint {
        e.push("checkpoint_turn", Value::Int(c.turn_index.clone()));
        e.push("transcript_digest", Value::Str(c.transcript_digest.clone()));
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

/// A step the kernel confirmed against ancestry (a STEP_VERIFIED record's
/// payload): the only "done" a resume reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct VerifiedStep {
    /// The step.
    pub step_id: Str,
    /// The commit that backs it.
    pub sha: Str,
    /// The verification rung that backed it.
    #[serde(default = "empty")]
    pub via: Str,
    /// The verdicts behind it, for forensics.
    #[serde(default)]
    #[describe(tuple)]
    pub verdicts: Tuple<Str>,
}

/// What one run declared and how far the evidence says it got (`replay`'s
/// fold). Claims and confirmations stay apart: only `verified` is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct LedgerState {
    /// The run (the ledger's key).
    pub run_id: Str,
    /// The declared goal (the latest INTENT's).
    #[serde(default = "empty")]
    pub goal: Str,
    /// The declared plan.
    #[serde(default = "empty")]
    pub plan: Str,
    /// The declared phase.
    #[serde(default = "empty")]
    pub phase: Str,
    /// The run's declared start commit.
    #[serde(default = "empty")]
    pub start_sha: Str,
    /// The step ids the INTENT declared, in order.
    #[serde(default)]
    #[describe(tuple)]
    pub declared_steps: Tuple<Str>,
    /// Per step, the file globs its verifying commit must touch.
    #[serde(default)]
    pub step_regions: Map<Tuple<Str>, Str>,
    /// The agent's claims, step id to sha (not trusted).
    #[serde(default)]
    pub claimed: Map<Str, Str>,
    /// The kernel's confirmations (the only "done").
    #[serde(default)]
    pub verified: Map<VerifiedStep, Str>,
    /// The run's last lifecycle record is a SUSPEND no INTENT re-opened.
    #[serde(default)]
    pub suspended: bool,
    /// The resume point that SUSPEND recorded ("": none).
    #[serde(default = "empty")]
    pub suspend_resume_sha: Str,
    /// The conversation checkpoint that SUSPEND recorded.
    #[serde(default)]
    pub suspend_checkpoint: SuspendCheckpoint,
    /// Predecessor runs a RESUME_PROPOSED was already written for.
    #[serde(default)]
    #[describe(tuple)]
    pub resume_proposed: Tuple<Str>,
    /// How many sentinels (corrupt or unreadable lines) were met.
    #[serde(default)]
    pub corrupt_lines: i64,
    /// At least one sentinel was a record of a newer schema than the reader's.
    #[serde(default)]
    pub unreadable_newer: bool,
    /// The run declared anything (a goal, a plan or steps).
    #[serde(default)]
    #[describe(property)]
    pub has_intent: bool,
}

impl LedgerState {
    /// An empty state for `run_id`.
    pub fn new(run_id: Str) -> LedgerState {
        LedgerState {
            run_id,
            goal: empty(),
            plan: empty(),
            phase: empty(),
            start_sha: empty(),
            declared_steps: Tuple::default(),
            step_regions: Map::default(),
            claimed: Map::default(),
            verified: Map::default(),
            suspended: false,
            suspend_resume_sha: empty(),
            suspend_checkpoint: SuspendCheckpoint::absent(),
            resume_proposed: Tuple::default(),
            corrupt_lines: 0,
            unreadable_newer: false,
            has_intent: false,
        }
    }

    /// Whether the run declared anything (a goal, a plan or steps).
    pub fn has_intent(&self) -> bool {
        !(super::str_is_empty(&self.goal) && super::str_is_empty(&self.plan) && self.declared_steps.0.is_empty())
    }

    /// The state as an object: the fields in declaration order (the layout
    /// `dataclasses.asdict` gives the reference's state), then `has_intent`.
    pub fn to_value(&self) -> Value {
        let mut st = self.clone();
        st.has_intent = self.has_intent();
        route::default_value(&st)
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
                    st.declared_steps = Tuple(steps);
                }
                if let Some(Value::Dict(regions)) = e.get("step_regions") {
                    let mut r = Map::default();
                    for (k, v) in regions.iter() {
                        if let Some(globs) = str_items(v) {
                            r.set(k.clone(), Tuple(globs));
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
                    st.claimed.set(sid, str_or_empty(e.get("sha")));
                }
            }
            Some(OP_STEP_VERIFIED) => {
                let sid = str_or_empty(e.get("step_id"));
                if !super::str_is_empty(&sid) {
                    let step = VerifiedStep {
                        step_id: sid.clone(),
                        sha: str_or_empty(e.get("sha")),
                        via: str_or_empty(e.get("via")),
                        verdicts: Tuple(e.get("verdicts").and_then(str_items).unwrap_or_default()),
                    };
                    st.verified.set(sid, step);
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
                if !super::str_is_empty(&pred) && !st.resume_proposed.0.contains(&pred) {
                    st.resume_proposed.0.push(pred);
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
    st.has_intent = st.has_intent();
    st
}

// ---- envelope ops (the generated route) ------------------------------------

fn empty_value() -> Value {
    Value::str("")
}

/// A text argument whose default is `""` (`null` reads as the default).
fn or_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    Option::<Value>::deserialize(d).map(|v| v.unwrap_or_else(empty_value))
}

/// A required argument: any value but `null`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    Option::<Value>::deserialize(d)?.ok_or_else(|| D::Error::custom("must be given (not None)"))
}

fn schema_version() -> i64 {
    SCHEMA_VERSION
}

/// The reader's schema ceiling, `null` reading as this kernel's.
fn understands_or_own<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Option::<i64>::deserialize(d).map(|v| v.unwrap_or(SCHEMA_VERSION))
}

fn built(op: &str, r: Result<Dict, BuildError>) -> Result<Dict, CallError> {
    r.map_err(|e| CallError::bad_args(format!("{op}: {e}")))
}

/// An INTENT record: a run declares its goal, plan, phase, start commit and,
/// optionally, its steps, each step's file region and its environment
/// print. `goal`, `plan`, `phase` and `start_sha` are kept as given; steps
/// and region globs become text.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct IntentEntry {
    /// The free-form goal.
    #[describe(kw_only)]
    #[serde(default = "empty_value", deserialize_with = "or_empty")]
    pub goal: Value,
    /// The plan, if the run names one.
    #[serde(default = "empty_value", deserialize_with = "or_empty")]
    pub plan: Value,
    /// The phase, if the run names one.
    #[serde(default = "empty_value", deserialize_with = "or_empty")]
    pub phase: Value,
    /// The run's start commit.
    #[serde(default = "empty_value", deserialize_with = "or_empty")]
    pub start_sha: Value,
    /// The step ids, in order (any iterable; each item's `str`).
    #[serde(default)]
    #[describe(py = "declared_steps: Optional[Iterable[str]] = None", via = "optional_list")]
    pub declared_steps: Option<Value>,
    /// Per step id, its file globs (each an iterable; each item's `str`).
    #[serde(default)]
    #[describe(py = "step_regions: Optional[Mapping[str, Iterable[str]]] = None", via = "optional_regions")]
    pub step_regions: Option<Dict>,
    /// The run's environment print, recorded as given.
    #[serde(default)]
    #[describe(py = "env: Optional[Mapping[str, Any]] = None", via = "optional_dict")]
    pub env: Option<Dict>,
}

impl Op for IntentEntry {
    const NAME: &'static str = "intent_ledger.intent_entry";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        built(
            Self::NAME,
            intent_entry(
                &self.goal,
                &self.plan,
                &self.phase,
                &self.start_sha,
                self.declared_steps.as_ref(),
                self.step_regions.as_ref(),
                self.env.as_ref(),
            ),
        )
    }
}

/// A STEP_CLAIMED record: the agent says a step landed in a commit (a claim
/// to check, never proof).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct StepClaimedEntry {
    /// The step (its `str`).
    #[serde(deserialize_with = "present")]
    pub step_id: Value,
    /// The commit claimed (its `str`; a falsy value is "").
    #[serde(deserialize_with = "present")]
    #[describe(py = "sha: Any", via = "none_as_empty")]
    pub sha: Value,
}

impl Op for StepClaimedEntry {
    const NAME: &'static str = "intent_ledger.step_claimed_entry";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        Ok(step_claimed_entry(&self.step_id, &self.sha))
    }
}

/// A STEP_VERIFIED record: the kernel confirmed a step against ancestry,
/// naming the rung that backed it and the verdicts behind it.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct StepVerifiedEntry {
    /// The step (its `str`).
    #[serde(deserialize_with = "present")]
    pub step_id: Value,
    /// The commit that backs it (its `str`; a falsy value is "").
    #[serde(deserialize_with = "present")]
    #[describe(py = "sha: Any", via = "none_as_empty")]
    pub sha: Value,
    /// The verification rung.
    #[describe(kw_only)]
    #[serde(default = "empty_value", deserialize_with = "or_empty")]
    pub via: Value,
    /// The verdicts behind it (any iterable; each item's `str`).
    #[serde(default)]
    #[describe(py = "verdicts: Optional[Iterable[str]] = None", via = "optional_list")]
    pub verdicts: Option<Value>,
}

impl Op for StepVerifiedEntry {
    const NAME: &'static str = "intent_ledger.step_verified_entry";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        built(Self::NAME, step_verified_entry(&self.step_id, &self.sha, &self.via, self.verdicts.as_ref()))
    }
}

/// A SUSPEND record: a run parks itself, naming its resume commit, the
/// steps left and, optionally, the conversation checkpoint the kernel
/// stamped (written as `checkpoint_turn` and `transcript_digest`).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct SuspendEntry {
    /// Why it parked.
    #[describe(kw_only)]
    #[serde(default = "empty_value", deserialize_with = "or_empty")]
    pub reason: Value,
    /// The resume commit.
    #[serde(default = "empty_value", deserialize_with = "or_empty")]
    pub resume_sha: Value,
    /// The steps left (any iterable; each item's `str`).
    #[serde(default)]
    #[describe(py = "residual: Optional[Iterable[str]] = None", via = "optional_list")]
    pub residual: Option<Value>,
    /// The conversation checkpoint.
    #[serde(default)]
    pub checkpoint: Option<SuspendCheckpoint>,
}

impl Op for SuspendEntry {
    const NAME: &'static str = "intent_ledger.suspend_entry";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        built(Self::NAME, suspend_entry(&self.reason, &self.resume_sha, self.residual.as_ref(), self.checkpoint.as_ref()))
    }
}

/// A RESUME_PROPOSED record on a successor's ledger: it proposed resuming
/// a predecessor run (so a second resume does not propose it again).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ResumeProposedEntry {
    /// The run being resumed (its `str`).
    #[describe(kw_only)]
    #[serde(deserialize_with = "present")]
    pub predecessor_run_id: Value,
    /// The resume commit.
    #[serde(default = "empty_value", deserialize_with = "or_empty")]
    pub resume_sha: Value,
    /// The steps left (any iterable; each item's `str`).
    #[serde(default)]
    #[describe(py = "residual: Optional[Iterable[str]] = None", via = "optional_list")]
    pub residual: Option<Value>,
}

impl Op for ResumeProposedEntry {
    const NAME: &'static str = "intent_ledger.resume_proposed_entry";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        built(Self::NAME, resume_proposed_entry(&self.predecessor_run_id, &self.resume_sha, self.residual.as_ref()))
    }
}

/// The record `append` writes for an entry and its line: `run_id` forced to
/// the ledger's run, `ts` from `now` when the entry has none, the schema
/// tag added when it has none; the line as the lane journal writes one.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct AppendLine {
    /// The ledger's run (forced onto the record).
    #[serde(deserialize_with = "present")]
    pub run_id: Value,
    /// The entry (a builder's record).
    pub entry: Dict,
    /// The stamp of an entry without `ts` (the op never reads the clock).
    #[serde(default)]
    pub now: Option<String>,
}

impl Op for AppendLine {
    const NAME: &'static str = "intent_ledger.append_line";
    const PY_NAME: &'static str = "_append_line";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        let now = match self.now.as_deref() {
            Some(n) => n,
            None if self.entry.contains_key("ts") => "",
            None => {
                return Err(CallError::bad_args(format!(
                    "{}: args.now: an entry without ts needs now (the op never reads the clock)",
                    Self::NAME
                )))
            }
        };
        let e = stamp(&self.run_id, &self.entry, now);
        let line = codec::encode_line(&Value::Dict(e.clone())).map_err(|s| {
            CallError::bad_args(format!(
                "{}: args.entry: the record of run_id and entry holds a lone surrogate (U+{:04X}); it cannot be written as UTF-8",
                Self::NAME,
                s.0
            ))
        })?;
        let mut d = Dict::with_capacity(2);
        d.push("entry", Value::Dict(e));
        d.push("line", Value::str(String::from_utf8_lossy(&line).into_owned()));
        Ok(d)
    }
}

/// The records of a ledger's text in append order: the lane journal's
/// torn-tail rules, then the schema gate (a record of another family, or of
/// a newer version than `understands`, becomes a `_CORRUPT` sentinel saying
/// why).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ReadAll {
    /// The ledger file's text.
    pub text: String,
    /// The newest schema version the reader understands.
    #[serde(default = "schema_version", deserialize_with = "understands_or_own")]
    pub understands: i64,
}

impl Op for ReadAll {
    const NAME: &'static str = "intent_ledger.read_all";
    const PY_NAME: &'static str = "_read_all_text";
    type Verdict = Vec<Dict>;

    fn run(self, _: &Ctx<'_>) -> Result<Vec<Dict>, CallError> {
        Ok(read_all(self.text.as_bytes(), self.understands))
    }

    fn verdict_value(verdict: Vec<Dict>) -> Result<Value, CallError> {
        Ok(route::dicts_value(verdict))
    }
}

/// Fold a ledger's records into the run's state: later scalars win, an
/// INTENT re-opens a suspended run, sentinels are counted and unknown ops
/// skipped, never folded.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Replay {
    /// The records, in append order.
    #[describe(py = "entries: Iterable[Mapping[str, Any]]", via = "dict_list")]
    pub entries: Vec<Dict>,
}

impl Op for Replay {
    const NAME: &'static str = "intent_ledger.replay";
    type Verdict = LedgerState;

    fn run(self, _: &Ctx<'_>) -> Result<LedgerState, CallError> {
        Ok(replay(&self.entries))
    }
}

/// Whether a state declared anything (a goal, a plan or steps): with
/// nothing declared there is no work to resume.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct HasIntent {
    /// The state.
    #[serde(rename = "self")]
    pub this: LedgerState,
}

impl Op for HasIntent {
    const NAME: &'static str = "intent_ledger.LedgerState.has_intent";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        Ok(self.this.has_intent())
    }
}

/// The checkpoint a SUSPEND record carries: present only with a non-empty
/// `transcript_digest`; a `checkpoint_turn` that `int()` refuses reads as -1.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct CheckpointFromRecord {
    /// A SUSPEND record.
    #[describe(py = "entry: Mapping[str, Any]", via = "plain_dict")]
    pub entry: Dict,
}

impl Op for CheckpointFromRecord {
    const NAME: &'static str = "intent_ledger.checkpoint_from_record";
    const PY_NAME: &'static str = "_checkpoint_from_record";
    const PY_METHODS: &'static [&'static str] = &["SuspendCheckpoint.from_record"];
    type Verdict = SuspendCheckpoint;

    fn run(self, _: &Ctx<'_>) -> Result<SuspendCheckpoint, CallError> {
        Ok(SuspendCheckpoint::from_record(&self.entry))
    }
}

/// No checkpoint (a SUSPEND that stamped none).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct CheckpointAbsent {}

impl Op for CheckpointAbsent {
    const NAME: &'static str = "intent_ledger.checkpoint_absent";
    const PY_NAME: &'static str = "_checkpoint_absent";
    const PY_METHODS: &'static [&'static str] = &["SuspendCheckpoint.absent"];
    type Verdict = SuspendCheckpoint;

    fn run(self, _: &Ctx<'_>) -> Result<SuspendCheckpoint, CallError> {
        Ok(SuspendCheckpoint::absent())
    }
}

/// What the module is about (the hosts' module doc).
pub const DOC: &str = "One run's intent ledger, `<runs>/<run_id>/intent.jsonl`: what the run declared (INTENT), the steps it says it finished (STEP_CLAIMED), the steps the kernel confirmed (STEP_VERIFIED), pauses (SUSPEND) and resumptions a successor proposed (RESUME_PROPOSED), each record tagged with the durable schema. The pure half is here: the record builders, the line `append` writes, reading a ledger's text through the torn-tail rules and the schema gate, and the fold into the run's `LedgerState`. Reading and appending the file are the hand-written companion's (`dos_native/_intent_ledger_files.py`), over the I/O layer's ops.";

macro_rules! text_const {
    ($name:literal, $doc:literal, $value:expr) => {
        route::Const { name: $name, doc: $doc, eval: |reg| route::konst(reg, $value) }
    };
}

const CONSTS: &[route::Const] = &[
    text_const!("SCHEMA_FAMILY", "The durable-schema family of every ledger record.", SCHEMA_FAMILY),
    text_const!("INTENT_LEDGER_SCHEMA", "The schema version this kernel writes and reads up to.", SCHEMA_VERSION),
    text_const!("INTENT_JSONL_NAME", "The ledger's file name in its run directory.", FILE_NAME),
    text_const!("OP_INTENT", "A run declares its goal.", OP_INTENT),
    text_const!("OP_STEP_CLAIMED", "The agent says it finished a step (a claim).", OP_STEP_CLAIMED),
    text_const!("OP_STEP_VERIFIED", "The kernel confirmed a step against ancestry.", OP_STEP_VERIFIED),
    text_const!("OP_SUSPEND", "A run parks itself.", OP_SUSPEND),
    text_const!("OP_RESUME_PROPOSED", "A successor proposed resuming a run.", OP_RESUME_PROPOSED),
    text_const!("OP_CORRUPT", "A line that could not be read, or a record the schema gate refused.", OP_CORRUPT),
];

/// `dos.intent_ledger`'s pure ops (the file's append and read are the I/O
/// layer's).
pub const MODULE: route::Module = route::Module {
    name: "intent_ledger",
    doc: DOC,
    routes: &[
        route::route::<IntentEntry>(),
        route::route::<StepClaimedEntry>(),
        route::route::<StepVerifiedEntry>(),
        route::route::<SuspendEntry>(),
        route::route::<ResumeProposedEntry>(),
        route::route::<AppendLine>(),
        route::route::<ReadAll>(),
        route::route::<Replay>(),
        route::route::<HasIntent>(),
        route::route::<CheckpointFromRecord>(),
        route::route::<CheckpointAbsent>(),
    ],
    consts: CONSTS,
};

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

    #[test]
    fn a_checkpoint_is_read_as_the_reference_reads_its_fields() {
        let c: SuspendCheckpoint =
            crate::pyjson::from_value(&parse_str(r#"{"turn_index":" 7 ","transcript_digest":0,"present":"x"}"#).unwrap()).unwrap();
        assert_eq!(c, SuspendCheckpoint { turn_index: Int::Small(7), transcript_digest: Str::from(""), present: true });
        let c: SuspendCheckpoint = crate::pyjson::from_value(&parse_str("{}").unwrap()).unwrap();
        assert_eq!(c, SuspendCheckpoint::absent());
        let e = crate::pyjson::from_value::<SuspendCheckpoint>(&parse_str(r#"{"turn_index":"x"}"#).unwrap()).unwrap_err();
        assert!(e.to_string().starts_with("turn_index: must be an integer"), "{e}");
    }

    #[test]
    fn the_state_is_written_in_the_reference_order_with_has_intent_last() {
        let st = replay(&[parse_str(r#"{"op":"INTENT","declared_steps":["a"],"run_id":"R"}"#).unwrap().as_dict().unwrap().clone()]);
        let v = st.to_value();
        let keys: Vec<_> = v.as_dict().unwrap().iter().map(|(k, _)| k.as_str().unwrap().to_string()).collect();
        assert_eq!(keys.first().map(String::as_str), Some("run_id"));
        assert_eq!(keys.last().map(String::as_str), Some("has_intent"));
        assert_eq!(v.get("has_intent"), Some(&Value::Bool(true)));
        assert_eq!(keys.len(), 16);
    }
}
