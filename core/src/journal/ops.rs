//! The pure journal on the generated route: decoding a file's text,
//! folding, encoding one line, and the record builders.
//!
//! Journal contents travel as `text` (the file's text) or as `entries` (the
//! records `read_all` returns). A builder argument left out, or given as
//! `null`, takes the reference's default; a required one must be given and
//! not `null`. The file ops (`read_file`, `append`, ...) live in `dos-io`.

use super::records::{self, AcquireExtras};
use super::{codec, fold};
use crate::envelope::{CallError, Ctx};
use crate::pyjson::{Dict, Int, Value};
use crate::route::{self, Describe, Module, Op};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

fn empty() -> Value {
    Value::str("")
}

/// A text argument whose default is `""` (`null` reads as the default).
fn or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    Option::<Value>::deserialize(d).map(|v| v.unwrap_or_else(empty))
}

/// A required argument: any value but `null`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    Option::<Value>::deserialize(d)?.ok_or_else(|| D::Error::custom("must be given (not None)"))
}

fn bad(op: &str, m: impl std::fmt::Display) -> CallError {
    CallError::bad_args(format!("{op}: {m}"))
}

/// Every record of a journal file's text, in append order: a torn last
/// line is dropped, a corrupt line in the middle reads as a `_CORRUPT`
/// record, blank lines are skipped.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ReadAll {
    /// The file's text.
    pub text: String,
}

impl Op for ReadAll {
    const NAME: &'static str = "lane_journal.read_all";
    type Verdict = Vec<Dict>;

    fn run(self, _: &Ctx<'_>) -> Result<Vec<Dict>, CallError> {
        Ok(codec::decode(self.text.as_bytes()))
    }
}

/// The live leases the records leave, in the order their lanes were first
/// acquired (the fold from CHECKPOINT, ACQUIRE, HEARTBEAT, ADOPT, RELEASE,
/// SCAVENGE and RECONCILE records).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Replay {
    /// The journal's records, in append order.
    pub entries: Vec<Dict>,
}

impl Op for Replay {
    const NAME: &'static str = "lane_journal.replay";
    type Verdict = Vec<Dict>;

    fn run(self, _: &Ctx<'_>) -> Result<Vec<Dict>, CallError> {
        Ok(fold::replay_owned(self.entries))
    }
}

/// The records compacted: one CHECKPOINT of the live set at the highest
/// seq seen, then the records the fold does not read (REFUSE, HALT, ...).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Compact {
    /// The journal's records, in append order.
    pub entries: Vec<Dict>,
}

impl Op for Compact {
    const NAME: &'static str = "lane_journal.compact";
    type Verdict = Vec<Dict>;

    fn run(self, _: &Ctx<'_>) -> Result<Vec<Dict>, CallError> {
        Ok(fold::compact(&self.entries))
    }
}

/// The seq the next append stamps: one above the highest seq the records
/// carry (1 for none).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct NextSeq {
    /// The journal's records, in append order.
    pub entries: Vec<Dict>,
}

impl Op for NextSeq {
    const NAME: &'static str = "lane_journal.next_seq";
    // The reference's `next_seq` reads a file (the companion's); this one
    // folds records already read.
    const PY_NAME: &'static str = "next_seq_of";
    type Verdict = Int;

    fn run(self, _: &Ctx<'_>) -> Result<Int, CallError> {
        Ok(fold::next_seq(&self.entries))
    }
}

/// The line `append` writes for a record: the reference's bytes
/// (`json.dumps(sort_keys=True, ensure_ascii=False)`, U+2028, U+2029 and
/// U+0085 escaped) and a newline.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct EncodeLine {
    /// The record.
    pub entry: Dict,
}

impl Op for EncodeLine {
    const NAME: &'static str = "lane_journal.encode_line";
    type Verdict = String;

    fn run(self, _: &Ctx<'_>) -> Result<String, CallError> {
        let line = codec::encode_line(&Value::Dict(self.entry)).map_err(|e| {
            bad(Self::NAME, format_args!("args.entry holds a lone surrogate (U+{:04X}); it cannot be written as UTF-8", e.0))
        })?;
        Ok(String::from_utf8_lossy(&line).into_owned())
    }
}

/// The ACQUIRE record of a freshly minted lease.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct AcquireEntry {
    /// The lease record.
    pub lease: Dict,
    /// Why the lane was taken.
    #[describe(kw_only)]
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub reason: Value,
    /// The holder it was taken over from, if any.
    #[serde(default)]
    pub prev_holder: Value,
    /// The environment digest the holder declared.
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub env_digest: Value,
    /// The child processes the holder declared.
    #[serde(default)]
    pub children: Value,
    /// The run id (the lease's own when None).
    #[serde(default)]
    pub run_id: Value,
}

impl Op for AcquireEntry {
    const NAME: &'static str = "lane_journal.acquire_entry";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        let x = AcquireExtras {
            reason: self.reason,
            prev_holder: self.prev_holder,
            env_digest: self.env_digest,
            children: self.children,
            run_id: self.run_id,
        };
        records::acquire_entry(&self.lease, &x).map_err(|m| bad(Self::NAME, m))
    }
}

fn explicit() -> Value {
    Value::str("explicit")
}

fn or_explicit<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    Option::<Value>::deserialize(d).map(|v| v.unwrap_or_else(explicit))
}

/// The RELEASE record of a lease.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ReleaseEntry {
    /// The lease record.
    pub lease: Dict,
    /// Why it was released.
    #[describe(kw_only)]
    #[serde(default = "explicit", deserialize_with = "or_explicit")]
    pub reason: Value,
}

impl Op for ReleaseEntry {
    const NAME: &'static str = "lane_journal.release_entry";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        Ok(records::release_entry(&self.lease, &self.reason))
    }
}

/// The HEARTBEAT record of a lease.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatEntry {
    /// The lease record.
    pub lease: Dict,
    /// The beat's time (the lease's own when empty).
    #[describe(kw_only)]
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub heartbeat_at: Value,
}

impl Op for HeartbeatEntry {
    const NAME: &'static str = "lane_journal.heartbeat_entry";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        Ok(records::heartbeat_entry(&self.lease, &self.heartbeat_at))
    }
}

/// The ADOPT record of a lease changing hands. The reference stamps the
/// current time when `heartbeat_at` is empty; an op never reads the clock,
/// so the caller must give it.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct AdoptEntry {
    /// The lease record.
    pub lease: Dict,
    /// The new holder.
    #[describe(kw_only)]
    #[serde(deserialize_with = "present")]
    pub new_holder: Value,
    /// The new holder's process id.
    #[serde(default)]
    pub new_pid: Value,
    /// The new holder's host.
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub new_host_id: Value,
    /// The adoption's time (required: the op never reads the clock).
    #[serde(deserialize_with = "present")]
    pub heartbeat_at: Value,
    /// Why the lease was adopted.
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub reason: Value,
}

impl Op for AdoptEntry {
    const NAME: &'static str = "lane_journal.adopt_entry";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        if !self.heartbeat_at.truthy() {
            return Err(bad(Self::NAME, "args.heartbeat_at must be given (the op never reads the clock)"));
        }
        Ok(records::adopt_entry(&self.lease, &self.new_holder, &self.new_pid, &self.new_host_id, &self.heartbeat_at, &self.reason))
    }
}

/// The ATTEMPT record of a pick attempt on a unit (tagged with the
/// journal's schema).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct AttemptEntry {
    /// The unit picked.
    #[serde(deserialize_with = "present")]
    pub unit_id: Value,
    /// How the attempt ended.
    #[describe(kw_only)]
    #[serde(deserialize_with = "present")]
    pub outcome: Value,
    /// The run id.
    #[serde(default)]
    pub run_id: Value,
    /// The lane.
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub lane: Value,
    /// The loop's timestamp.
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub loop_ts: Value,
    /// The host.
    #[serde(default)]
    pub host_id: Value,
}

impl Op for AttemptEntry {
    const NAME: &'static str = "lane_journal.attempt_entry";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        Ok(records::attempt_entry(&self.unit_id, &self.outcome, &self.run_id, &self.lane, &self.loop_ts, &self.host_id))
    }
}

/// The SPAWN record of a worker started on a lane.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct SpawnEntry {
    /// The lane.
    #[describe(kw_only)]
    #[serde(deserialize_with = "present")]
    pub lane: Value,
    /// The loop's timestamp.
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub loop_ts: Value,
    /// The holder.
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub holder: Value,
    /// The host.
    #[serde(default)]
    pub host_id: Value,
    /// The worker's process id.
    #[serde(default)]
    pub pid: Value,
    /// The run id.
    #[serde(default)]
    pub run_id: Value,
    /// Why it was spawned.
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub reason: Value,
}

impl Op for SpawnEntry {
    const NAME: &'static str = "lane_journal.spawn_entry";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        Ok(records::spawn_entry(&self.lane, &self.loop_ts, &self.holder, &self.host_id, &self.pid, &self.run_id, &self.reason))
    }
}

fn scavenged() -> Value {
    Value::str("scavenged")
}

fn or_scavenged<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    Option::<Value>::deserialize(d).map(|v| v.unwrap_or_else(scavenged))
}

/// The SCAVENGE record of a dead holder's lease.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ScavengeEntry {
    /// The lease record.
    pub lease: Dict,
    /// Why it was scavenged.
    #[describe(kw_only)]
    #[serde(default = "scavenged", deserialize_with = "or_scavenged")]
    pub reason: Value,
    /// The holder it was taken from.
    #[serde(default)]
    pub prev_holder: Value,
}

impl Op for ScavengeEntry {
    const NAME: &'static str = "lane_journal.scavenge_entry";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        Ok(records::scavenge_entry(&self.lease, &self.reason, &self.prev_holder))
    }
}

/// The HALT record of a stop decision for an in-flight run.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct HaltEntry {
    /// The run's handle.
    #[serde(deserialize_with = "present")]
    pub handle: Value,
    /// Why it was stopped.
    #[describe(kw_only)]
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub reason: Value,
    /// The lane.
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub lane: Value,
    /// The loop's timestamp.
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub loop_ts: Value,
    /// The host.
    #[serde(default)]
    pub host_id: Value,
    /// The run id.
    #[serde(default)]
    pub run_id: Value,
    /// The command that was running.
    #[serde(default)]
    pub command: Value,
}

impl Op for HaltEntry {
    const NAME: &'static str = "lane_journal.halt_entry";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        Ok(records::halt_entry(&self.handle, &self.reason, &self.lane, &self.loop_ts, &self.host_id, &self.run_id, &self.command))
    }
}

/// The REFUSE record of a denied request (recorded; the live set does not
/// change). `decision` gives `lane` and `reason`, as a `LaneDecision` does.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct RefuseEntry {
    /// The refusal (its `lane` and `reason`).
    pub decision: Dict,
    /// Who asked.
    #[describe(kw_only)]
    #[serde(deserialize_with = "present")]
    pub owner: Value,
    /// The lane (the decision's when empty).
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub lane: Value,
    /// The loop's timestamp.
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub loop_ts: Value,
    /// The host.
    #[serde(default)]
    pub host_id: Value,
    /// The run id.
    #[serde(default)]
    pub run_id: Value,
    /// The refusal's class.
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub reason_class: Value,
}

impl Op for RefuseEntry {
    const NAME: &'static str = "lane_journal.refuse_entry";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        Ok(records::refuse_entry(&self.decision, &self.owner, &self.lane, &self.loop_ts, &self.host_id, &self.run_id, &self.reason_class))
    }
}

/// The ENFORCE record of an enforcement outcome, for an effect proposal
/// given as its `to_dict()` body (None: an empty one).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct EnforceEntry {
    /// The proposal's `to_dict()`.
    #[serde(default)]
    pub proposal: Option<Dict>,
    /// Who enforced.
    #[describe(kw_only)]
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub owner: Value,
    /// The lane.
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub lane: Value,
    /// The loop's timestamp.
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub loop_ts: Value,
    /// The host.
    #[serde(default)]
    pub host_id: Value,
    /// The run id.
    #[serde(default)]
    pub run_id: Value,
    /// The tool the proposal was about.
    #[serde(default = "empty", deserialize_with = "or_empty")]
    pub tool: Value,
}

impl Op for EnforceEntry {
    const NAME: &'static str = "lane_journal.enforce_entry";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        let proposal = self.proposal.unwrap_or_default();
        Ok(records::enforce_entry(&proposal, &self.owner, &self.lane, &self.loop_ts, &self.host_id, &self.run_id, &self.tool))
    }
}

/// The CHECKPOINT record: a snapshot of the live set, at a seq watermark.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct CheckpointEntry {
    /// The live leases.
    pub leases: Vec<Dict>,
    /// The highest seq the snapshot covers.
    #[describe(kw_only)]
    pub seq_watermark: Int,
}

impl Op for CheckpointEntry {
    const NAME: &'static str = "lane_journal.checkpoint_entry";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        Ok(fold::checkpoint_entry(self.leases, self.seq_watermark))
    }
}

/// What the module is about (the hosts' module doc).
pub const DOC: &str = "The lane journal: the write-ahead log of lane leases, one JSON record a line. The pure half is here: the bytes of one line, how a file's text reads back into records (a torn last line dropped, a corrupt one read as `_CORRUPT`), the fold from records to the live leases, compaction and every record builder. Reading, appending and locking the file are the hand-written companion's (`dos_native/_lane_journal_files.py`), over the I/O layer's ops.";

macro_rules! consts {
    ($($name:ident: $doc:literal),* $(,)?) => {
        &[$(route::Const { name: stringify!($name), doc: $doc, eval: |reg| route::konst(reg, super::$name) }),*]
    };
}

const CONSTS: &[route::Const] = consts! {
    SCHEMA_FAMILY: "The schema family ATTEMPT records are tagged with.",
    LANE_JOURNAL_SCHEMA: "The schema version ATTEMPT records are tagged with.",
    OP_ACQUIRE: "A lease minted.",
    OP_RELEASE: "A lease given back.",
    OP_HEARTBEAT: "A holder still alive.",
    OP_SCAVENGE: "A dead holder's lease taken back.",
    OP_REFUSE: "A request refused (recorded; the live set does not change).",
    OP_RECONCILE: "A crash-recovery reconcile (recorded).",
    OP_HALT: "A stop decision for an in-flight run.",
    OP_ENFORCE: "An enforcement outcome.",
    OP_ADOPT: "A lease changing hands.",
    OP_ATTEMPT: "A pick attempt on a unit.",
    OP_SPAWN: "A worker started on a lane.",
    OP_CHECKPOINT: "A snapshot of the live set (compaction).",
};

pub(crate) const MODULE: Module = Module {
    name: "lane_journal",
    doc: DOC,
    routes: &[
        route::route::<ReadAll>(),
        route::route::<Replay>(),
        route::route::<Compact>(),
        route::route::<NextSeq>(),
        route::route::<EncodeLine>(),
        route::route::<AcquireEntry>(),
        route::route::<ReleaseEntry>(),
        route::route::<HeartbeatEntry>(),
        route::route::<AdoptEntry>(),
        route::route::<AttemptEntry>(),
        route::route::<SpawnEntry>(),
        route::route::<ScavengeEntry>(),
        route::route::<HaltEntry>(),
        route::route::<RefuseEntry>(),
        route::route::<EnforceEntry>(),
        route::route::<CheckpointEntry>(),
    ],
    consts: CONSTS,
};
