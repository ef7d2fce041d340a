//! The verdict journal (the reference's `verdict_journal`), without the disk.
//!
//! One JSON line per adjudication the kernel made, carrying every field
//! (`schema_family`, `schema_version`, `ts`, `seq`, `syscall`, `verdict`,
//! `run_id`, `lane`, `subject`, `detail`, `source`). The family and version
//! sit at the top level of the record, not under a `schema` key, so the
//! durable-schema reader calls these records untagged. Lines are written as
//! the lane journal writes them (sorted keys, raw UTF-8) and read back with
//! the same torn-tail and corrupt-line rules. `seq` is one more than the
//! highest in the file, taken without a lock, so two writers may share one;
//! it only orders the display. The folds here (`rollup`, `for_run`,
//! `count_corrupt`) are pure.

use super::str_or_empty;
use crate::envelope::{CallError, Ctx};
use crate::journal::codec;
use crate::journal::fold::{int_cmp, int_succ, seq_of};
use crate::pyjson::{Dict, Int, LoneSurrogate, Str, Value};
use crate::route::{self, Describe, Op};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

pub const SCHEMA_FAMILY: &str = "verdict-journal";
pub const SCHEMA_VERSION: i64 = 1;
pub const SOURCE_KERNEL: &str = "kernel";
pub const SOURCE_SENSOR: &str = "sensor";
/// The journal's file name (next to the lane journal by default).
pub const FILE_NAME: &str = "verdict-journal.jsonl";
/// The environment variable that moves the journal.
pub const ENV_PATH: &str = "DISPATCH_VERDICT_JOURNAL_PATH";
/// The kernel's own syscalls, in the order a rollup lists them first.
pub const KNOWN_SYSCALLS: [&str; 11] =
    ["verify", "liveness", "productivity", "efficiency", "arbitrate", "reward", "breaker", "hook_exit", "pretool", "posttool", "stop"];
/// The dimensions a rollup can fold on (any other name folds on `syscall`).
pub const ROLLUP_DIMENSIONS: [&str; 5] = ["syscall", "verdict", "run_id", "lane", "source"];

/// One adjudication the kernel made: the syscall, the verdict token it
/// returned and its context. Text fields may hold lone surrogates (such an
/// event cannot be written, as in the reference).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct VerdictEvent {
    /// The syscall (the dimension: `verify`, `liveness`, ...).
    pub syscall: Str,
    /// The token it returned (`SHIPPED`, `STALLED`, ...).
    pub verdict: Str,
    /// The run it belongs to ("": none).
    #[serde(default = "empty", deserialize_with = "str_or_empty_null")]
    pub run_id: Str,
    /// The lane, if any.
    #[serde(default = "empty", deserialize_with = "str_or_empty_null")]
    pub lane: Str,
    /// A free identifier (a plan and phase, a command, a step).
    #[serde(default = "empty", deserialize_with = "str_or_empty_null")]
    pub subject: Str,
    /// The evidence counts the verdict came from.
    #[serde(default, deserialize_with = "dict_or_empty_null")]
    pub detail: Dict,
    /// The emitter kind (`kernel` or `sensor`).
    #[serde(default = "source_kernel", deserialize_with = "source_or_kernel_null")]
    pub source: Str,
    /// The stamp ("": stamped when written).
    #[serde(default = "empty", deserialize_with = "str_or_empty_null")]
    pub ts: Str,
    /// The order in the file (0: stamped when written).
    #[serde(default = "zero", deserialize_with = "int_or_zero_null")]
    pub seq: Int,
}

fn empty() -> Str {
    Str::Utf8(String::new())
}

fn source_kernel() -> Str {
    Str::Utf8(SOURCE_KERNEL.into())
}

fn zero() -> Int {
    Int::Small(0)
}

// A `null` field of an event reads as the field's default (the envelope's
// reading of None).
fn str_or_empty_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Str, D::Error> {
    Option::<Str>::deserialize(d).map(|s| s.unwrap_or_else(empty))
}

fn source_or_kernel_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Str, D::Error> {
    Option::<Str>::deserialize(d).map(|s| s.unwrap_or_else(source_kernel))
}

fn dict_or_empty_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Dict, D::Error> {
    Option::<Dict>::deserialize(d).map(Option::unwrap_or_default)
}

fn int_or_zero_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Int, D::Error> {
    Option::<Int>::deserialize(d).map(|s| s.unwrap_or_else(zero))
}

impl VerdictEvent {
    /// An event with the reference's defaults for everything but the two
    /// required fields.
    pub fn new(syscall: impl Into<Str>, verdict: impl Into<Str>) -> VerdictEvent {
        VerdictEvent {
            syscall: syscall.into(),
            verdict: verdict.into(),
            run_id: empty(),
            lane: empty(),
            subject: empty(),
            detail: Dict::new(),
            source: Str::Utf8(SOURCE_KERNEL.into()),
            ts: empty(),
            seq: Int::Small(0),
        }
    }

    /// The journal record; `now_iso` stands in for an empty `ts`.
    pub fn to_record(&self, now_iso: &str) -> Dict {
        let mut d = Dict::with_capacity(11);
        d.push("schema_family", Value::str(SCHEMA_FAMILY));
        d.push("schema_version", Value::int(SCHEMA_VERSION));
        d.push("ts", Value::Str(if super::str_is_empty(&self.ts) { Str::Utf8(now_iso.into()) } else { self.ts.clone() }));
        d.push("seq", Value::Int(self.seq.clone()));
        d.push("syscall", Value::Str(self.syscall.clone()));
        d.push("verdict", Value::Str(self.verdict.clone()));
        d.push("run_id", Value::Str(self.run_id.clone()));
        d.push("lane", Value::Str(self.lane.clone()));
        d.push("subject", Value::Str(self.subject.clone()));
        d.push("detail", Value::Dict(self.detail.clone()));
        d.push("source", Value::Str(self.source.clone()));
        d
    }

    /// Rebuild an event from a record, tolerantly: missing or falsy fields
    /// take their defaults, other values their Python `str`, a `detail` that
    /// is not an object becomes `{}`, a `seq` `int()` refuses becomes 0.
    pub fn from_record(rec: &Dict) -> VerdictEvent {
        let source = str_or_empty(rec.get("source"));
        VerdictEvent {
            syscall: str_or_empty(rec.get("syscall")),
            verdict: str_or_empty(rec.get("verdict")),
            run_id: str_or_empty(rec.get("run_id")),
            lane: str_or_empty(rec.get("lane")),
            subject: str_or_empty(rec.get("subject")),
            detail: rec.get("detail").and_then(Value::as_dict).cloned().unwrap_or_default(),
            source: if super::str_is_empty(&source) { Str::Utf8(SOURCE_KERNEL.into()) } else { source },
            ts: str_or_empty(rec.get("ts")),
            seq: seq_of(rec.get("seq")),
        }
    }
}

/// The seq the next record gets: one more than the highest `seq` in the
/// file (values `int()` refuses count as 0).
pub fn next_seq<'a>(entries: impl IntoIterator<Item = &'a Dict>) -> Int {
    let mut mx = Int::Small(0);
    for e in entries {
        let s = seq_of(e.get("seq"));
        if int_cmp(&s, &mx) == Ordering::Greater {
            mx = s;
        }
    }
    int_succ(&mx)
}

/// The record `record` appends for `event` to a journal holding `entries`:
/// `ts` from `now_iso` when empty, `seq` the next one when zero.
pub fn stamp<'a>(event: &VerdictEvent, entries: impl IntoIterator<Item = &'a Dict>, now_iso: &str) -> Dict {
    let mut rec = event.to_record(now_iso);
    if event.seq == Int::Small(0) {
        rec.insert("seq", Value::Int(next_seq(entries)));
    }
    rec
}

/// The line bytes of a record, newline included.
pub fn encode_line(rec: &Dict) -> Result<Vec<u8>, LoneSurrogate> {
    codec::encode_line(&Value::Dict(rec.clone()))
}

/// `read_all` over a file's bytes (the lane journal's reader).
pub fn read_all(bytes: &[u8]) -> Vec<Dict> {
    codec::decode(bytes)
}

/// `read_events`: the records as events, without the corrupt sentinels.
pub fn read_events(entries: &[Dict]) -> Vec<VerdictEvent> {
    entries.iter().filter(|r| !is_corrupt(r)).map(VerdictEvent::from_record).collect()
}

fn is_corrupt(r: &Dict) -> bool {
    matches!(r.get("op"), Some(Value::Str(Str::Utf8(s))) if s == crate::journal::OP_CORRUPT)
}

/// How many corrupt-line sentinels `entries` holds.
pub fn count_corrupt(entries: &[Dict]) -> usize {
    entries.iter().filter(|r| is_corrupt(r)).count()
}

/// The events attributed to `run_id`, in order (no guessing by time).
pub fn for_run<'a>(events: &'a [VerdictEvent], run_id: &Str) -> Vec<&'a VerdictEvent> {
    events.iter().filter(|e| e.run_id == *run_id).collect()
}

/// Counts of verdict tokens per value of one dimension. The fields are in
/// the order of the reference's `to_dict()` (the envelope's verdict bytes),
/// not of its constructor (`by, counts, dimensions, total, corrupt=0`): the
/// typed classes take them by keyword.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct VerdictRollup {
    /// The dimension folded on.
    pub by: Str,
    /// How many events were folded.
    pub total: i64,
    /// The corrupt-line tally carried through.
    pub corrupt: i64,
    /// The dimension values in order: on `syscall` the kernel's own first in
    /// their fixed order, then the rest sorted; otherwise sorted.
    #[describe(tuple)]
    pub dimensions: route::Tuple<Str>,
    /// Per dimension value: its verdict tokens (sorted) and their counts.
    pub counts: Dict,
}

fn or_label(s: &Str, label: &str) -> Str {
    if super::str_is_empty(s) {
        Str::Utf8(label.into())
    } else {
        s.clone()
    }
}

fn dimension_value(ev: &VerdictEvent, by: &Str) -> Str {
    match by.as_str() {
        Some("verdict") => or_label(&ev.verdict, "(none)"),
        Some("run_id") => or_label(&ev.run_id, "(unattributed)"),
        Some("lane") => or_label(&ev.lane, "(none)"),
        Some("source") => or_label(&ev.source, "(none)"),
        _ => or_label(&ev.syscall, "(none)"),
    }
}

/// Fold events into token counts along `by`; `corrupt` is carried through.
/// Dimension values come out sorted, except that on `syscall` the kernel's
/// own syscalls lead in their fixed order.
pub fn rollup<'a>(events: impl IntoIterator<Item = &'a VerdictEvent>, by: &Str, corrupt: i64) -> VerdictRollup {
    let mut counts: Vec<(Str, Vec<(Str, i64)>)> = Vec::new();
    let mut total = 0i64;
    for ev in events {
        total += 1;
        let dim = dimension_value(ev, by);
        let token = or_label(&ev.verdict, "(none)");
        let bucket = match counts.iter().position(|(d, _)| *d == dim) {
            Some(i) => &mut counts[i].1,
            None => {
                counts.push((dim, Vec::new()));
                &mut counts.last_mut().expect("just pushed").1
            }
        };
        match bucket.iter_mut().find(|(t, _)| *t == token) {
            Some(slot) => slot.1 += 1,
            None => bucket.push((token, 1)),
        }
    }
    let rank = |d: &Str| -> Option<usize> {
        if by.as_str() == Some("syscall") {
            d.as_str().and_then(|s| KNOWN_SYSCALLS.iter().position(|k| *k == s))
        } else {
            None
        }
    };
    counts.sort_by(|(a, _), (b, _)| match (rank(a), rank(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.py_cmp(b),
    });
    let mut out = Dict::with_capacity(counts.len());
    let mut dimensions = Vec::with_capacity(counts.len());
    for (dim, mut tokens) in counts {
        tokens.sort_by(|(a, _), (b, _)| a.py_cmp(b));
        let mut t = Dict::with_capacity(tokens.len());
        for (tok, n) in tokens {
            t.push(tok, Value::int(n));
        }
        dimensions.push(dim.clone());
        out.push(dim, Value::Dict(t));
    }
    VerdictRollup { by: by.clone(), total, corrupt, dimensions: route::Tuple(dimensions), counts: out }
}

// ---- envelope ops (the generated route) ---------------------------------

fn syscall_default() -> Str {
    Str::Utf8("syscall".into())
}

/// `by` where None reads as `syscall` (the envelope's reading of `null`).
fn by_or_default<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Str, D::Error> {
    Option::<Str>::deserialize(d).map(|s| s.unwrap_or_else(syscall_default))
}

/// `corrupt` where None reads as 0.
fn corrupt_or_zero<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Option::<i64>::deserialize(d).map(Option::unwrap_or_default)
}

fn now_for<'a>(op: &str, now: Option<&'a str>, ev: &VerdictEvent) -> Result<&'a str, CallError> {
    match now {
        Some(n) => Ok(n),
        None if !super::str_is_empty(&ev.ts) => Ok(""),
        None => Err(CallError::bad_args(format!("{op}: args.now: an event without ts needs now (the op never reads the clock)"))),
    }
}

/// The records of a journal's text, in append order: a torn last line is
/// dropped, a corrupt line before it kept as a `_CORRUPT` sentinel, lines
/// that are not objects skipped.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ReadAll {
    /// The journal file's text.
    pub text: String,
}

impl Op for ReadAll {
    const NAME: &'static str = "verdict_journal.read_all";
    const PY_NAME: &'static str = "_read_all_text";
    type Verdict = Vec<Dict>;

    fn run(self, _: &Ctx<'_>) -> Result<Vec<Dict>, CallError> {
        Ok(read_all(self.text.as_bytes()))
    }

    fn verdict_value(verdict: Vec<Dict>) -> Result<Value, CallError> {
        Ok(route::dicts_value(verdict))
    }
}

/// The events of a journal's text (its records read tolerantly, the
/// corrupt-line sentinels left out).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ReadEvents {
    /// The journal file's text.
    pub text: String,
}

impl Op for ReadEvents {
    const NAME: &'static str = "verdict_journal.read_events";
    const PY_NAME: &'static str = "_read_events_text";
    type Verdict = Vec<VerdictEvent>;

    fn run(self, _: &Ctx<'_>) -> Result<Vec<VerdictEvent>, CallError> {
        Ok(read_events(&read_all(self.text.as_bytes())))
    }
}

/// An event rebuilt from a record, tolerantly: a missing or falsy field
/// takes its default, any other value its `str()`, a `detail` that is not an
/// object `{}`, a `seq` that `int()` refuses 0.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct FromRecord {
    /// A journal record.
    #[describe(py = "rec: Mapping[str, Any]", via = "plain_dict")]
    pub record: Dict,
}

impl Op for FromRecord {
    const NAME: &'static str = "verdict_journal.from_record";
    const PY_NAME: &'static str = "_from_record";
    const PY_METHODS: &'static [&'static str] = &["VerdictEvent.from_record"];
    type Verdict = VerdictEvent;

    fn run(self, _: &Ctx<'_>) -> Result<VerdictEvent, CallError> {
        Ok(VerdictEvent::from_record(&self.record))
    }
}

/// The journal record of an event: the schema family and version at the
/// top level, `ts` from `now` when the event has none.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ToRecord {
    /// The event.
    pub event: VerdictEvent,
    /// The stamp of an event without `ts` (`%Y-%m-%dT%H:%M:%SZ`, UTC); the op
    /// never reads the clock.
    #[serde(default)]
    #[describe(py = "now: Optional[str] = None", via = "journal_now")]
    pub now: Option<String>,
}

impl Op for ToRecord {
    const NAME: &'static str = "verdict_journal.to_record";
    const PY_NAME: &'static str = "_to_record";
    const PY_METHODS: &'static [&'static str] = &["VerdictEvent.to_record", "VerdictEvent.to_dict"];
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        let now = now_for(Self::NAME, self.now.as_deref(), &self.event)?;
        Ok(self.event.to_record(now))
    }
}

/// The line `record` appends for an event to a journal holding `text`
/// (`seq` one more than the file's highest when the event has none, `ts`
/// from `now` when it has none), or false when it cannot be written (a lone
/// surrogate).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct RecordLine {
    /// The event.
    pub event: VerdictEvent,
    /// The journal's text before the append (None: no file).
    #[serde(default)]
    pub text: Option<String>,
    /// The stamp of an event without `ts`.
    #[serde(default)]
    pub now: Option<String>,
}

impl Op for RecordLine {
    const NAME: &'static str = "verdict_journal.record_line";
    const PY_NAME: &'static str = "_record_line";
    type Verdict = Value;

    fn run(self, _: &Ctx<'_>) -> Result<Value, CallError> {
        let now = now_for(Self::NAME, self.now.as_deref(), &self.event)?;
        let existing = read_all(self.text.as_deref().unwrap_or("").as_bytes());
        let rec = stamp(&self.event, &existing, now);
        Ok(match encode_line(&rec) {
            Ok(line) => Value::str(String::from_utf8_lossy(&line).into_owned()),
            Err(_) => Value::Bool(false),
        })
    }
}

/// Verdict-token counts per value of one dimension (`syscall`, `verdict`,
/// `run_id`, `lane` or `source`; any other name folds on `syscall`).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Rollup {
    /// The events to fold.
    pub events: Vec<VerdictEvent>,
    /// The dimension.
    #[serde(default = "syscall_default", deserialize_with = "by_or_default")]
    #[describe(kw_only)]
    pub by: Str,
    /// The corrupt-line tally carried through.
    #[serde(default, deserialize_with = "corrupt_or_zero")]
    pub corrupt: i64,
}

impl Op for Rollup {
    const NAME: &'static str = "verdict_journal.rollup";
    type Verdict = VerdictRollup;

    fn run(self, _: &Ctx<'_>) -> Result<VerdictRollup, CallError> {
        Ok(rollup(&self.events, &self.by, self.corrupt))
    }
}

/// The events attributed to a run, in order (an event without a run id is
/// never guessed onto one).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ForRun {
    /// The events.
    pub events: Vec<VerdictEvent>,
    /// The run.
    pub run_id: Str,
}

impl Op for ForRun {
    const NAME: &'static str = "verdict_journal.for_run";
    type Verdict = Vec<VerdictEvent>;

    fn run(self, _: &Ctx<'_>) -> Result<Vec<VerdictEvent>, CallError> {
        Ok(for_run(&self.events, &self.run_id).into_iter().cloned().collect())
    }
}

/// How many `_CORRUPT` sentinels a `read_all` result holds.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct CountCorrupt {
    /// The records (`read_all`'s result).
    #[describe(py = "raw: Iterable[Mapping[str, Any]]", via = "dict_list")]
    pub entries: Vec<Dict>,
}

impl Op for CountCorrupt {
    const NAME: &'static str = "verdict_journal.count_corrupt";
    type Verdict = usize;

    fn run(self, _: &Ctx<'_>) -> Result<usize, CallError> {
        Ok(count_corrupt(&self.entries))
    }
}

/// What the module is about (the hosts' module doc).
pub const DOC: &str = "The append-only journal of the kernel's own verdicts: one JSON line per adjudication (`verify`, `liveness`, hook decisions, ...), tagged with the schema family and version at the top level, `seq` one more than the file's highest, flushed to disk. `record` is fail-soft (false when it cannot write); `read_all` keeps the lane journal's torn-tail and corrupt-line rules; `rollup`, `for_run` and `count_corrupt` are pure folds. The journal is `$DISPATCH_VERDICT_JOURNAL_PATH`, else the config's `verdict_journal` path.";

macro_rules! text_const {
    ($name:literal, $doc:literal, $value:expr) => {
        route::Const { name: $name, doc: $doc, eval: |reg| route::konst(reg, $value) }
    };
}

const CONSTS: &[route::Const] = &[
    text_const!("SCHEMA_FAMILY", "The journal's durable-schema family.", SCHEMA_FAMILY),
    route::Const { name: "VERDICT_JOURNAL_SCHEMA", doc: "The journal's schema version.", eval: |reg| route::konst(reg, SCHEMA_VERSION) },
    text_const!("SYSCALL_VERIFY", "A syscall the kernel records.", KNOWN_SYSCALLS[0]),
    text_const!("SYSCALL_LIVENESS", "A syscall the kernel records.", KNOWN_SYSCALLS[1]),
    text_const!("SYSCALL_PRODUCTIVITY", "A syscall the kernel records.", KNOWN_SYSCALLS[2]),
    text_const!("SYSCALL_EFFICIENCY", "A syscall the kernel records.", KNOWN_SYSCALLS[3]),
    text_const!("SYSCALL_ARBITRATE", "A syscall the kernel records.", KNOWN_SYSCALLS[4]),
    text_const!("SYSCALL_REWARD", "A syscall the kernel records.", KNOWN_SYSCALLS[5]),
    text_const!("SYSCALL_BREAKER", "A syscall the kernel records.", KNOWN_SYSCALLS[6]),
    text_const!("SYSCALL_HOOK_EXIT", "A syscall the kernel records.", KNOWN_SYSCALLS[7]),
    text_const!("SYSCALL_PRETOOL", "A syscall the kernel records.", KNOWN_SYSCALLS[8]),
    text_const!("SYSCALL_POSTTOOL", "A syscall the kernel records.", KNOWN_SYSCALLS[9]),
    text_const!("SYSCALL_STOP", "A syscall the kernel records.", KNOWN_SYSCALLS[10]),
    route::Const {
        name: "KNOWN_SYSCALLS",
        doc: "The kernel's own syscalls, in the order a rollup lists them first.",
        eval: |reg| route::konst(reg, route::Tuple(KNOWN_SYSCALLS.iter().map(|s| (*s).to_string()).collect())),
    },
    text_const!("SOURCE_KERNEL", "An event the kernel emitted.", SOURCE_KERNEL),
    text_const!("SOURCE_SENSOR", "An event a hook sensor emitted.", SOURCE_SENSOR),
];

/// `dos.verdict_journal`'s pure ops (`record` and the file readers join
/// from `dos-io`).
pub const MODULE: route::Module = route::Module {
    name: "verdict_journal",
    doc: DOC,
    routes: &[
        route::route::<ReadAll>(),
        route::route::<ReadEvents>(),
        route::route::<FromRecord>(),
        route::route::<ToRecord>(),
        route::route::<RecordLine>(),
        route::route::<Rollup>(),
        route::route::<ForRun>(),
        route::route::<CountCorrupt>(),
    ],
    consts: CONSTS,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollup_orders_known_syscalls_first() {
        let evs = vec![
            VerdictEvent::new("zzz", "A"),
            VerdictEvent::new("liveness", "STALLED"),
            VerdictEvent::new("verify", "SHIPPED"),
            VerdictEvent::new("liveness", "ADVANCING"),
            VerdictEvent::new("", ""),
        ];
        let r = rollup(&evs, &Str::from("syscall"), 2);
        let dims: Vec<_> = r.dimensions.0.iter().map(|d| d.as_str().unwrap().to_string()).collect();
        assert_eq!(dims, ["verify", "liveness", "(none)", "zzz"]);
        let live = r.counts.get("liveness").and_then(Value::as_dict).unwrap();
        assert_eq!(live.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(), [Str::from("ADVANCING"), Str::from("STALLED")]);
        assert_eq!(r.total, 5);
    }

    #[test]
    fn stamping_takes_the_next_seq() {
        let text = b"{\"seq\": 4}\n{\"seq\": \"9\"}\n{\"seq\": [1]}\n";
        let all = read_all(text);
        let rec = stamp(&VerdictEvent::new("verify", "SHIPPED"), &all, "2026-01-01T00:00:00Z");
        assert_eq!(rec.get("seq"), Some(&Value::int(10)));
        assert_eq!(rec.get("ts").and_then(Value::as_str), Some("2026-01-01T00:00:00Z"));
    }
}
