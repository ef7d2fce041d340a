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
use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::journal::codec;
use crate::journal::fold::{int_cmp, int_succ, seq_of};
use crate::pyjson::{Dict, Int, LoneSurrogate, Str, Value};
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

/// One adjudication. Text fields may hold lone surrogates (such an event
/// cannot be written, as in the reference).
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictEvent {
    pub syscall: Str,
    pub verdict: Str,
    pub run_id: Str,
    pub lane: Str,
    pub subject: Str,
    pub detail: Dict,
    pub source: Str,
    /// Empty: stamped with the writer's clock.
    pub ts: Str,
    /// Zero: stamped with the next seq of the file.
    pub seq: Int,
}

fn empty() -> Str {
    Str::Utf8(String::new())
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

    /// The event's fields as an object (declaration order).
    pub fn to_value(&self) -> Value {
        let mut d = Dict::with_capacity(9);
        d.push("syscall", Value::Str(self.syscall.clone()));
        d.push("verdict", Value::Str(self.verdict.clone()));
        d.push("run_id", Value::Str(self.run_id.clone()));
        d.push("lane", Value::Str(self.lane.clone()));
        d.push("subject", Value::Str(self.subject.clone()));
        d.push("detail", Value::Dict(self.detail.clone()));
        d.push("source", Value::Str(self.source.clone()));
        d.push("ts", Value::Str(self.ts.clone()));
        d.push("seq", Value::Int(self.seq.clone()));
        Value::Dict(d)
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

/// Counts of verdict tokens per value of one dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictRollup {
    pub by: Str,
    /// Per dimension value (in `dimensions` order): token counts, tokens sorted.
    pub counts: Vec<(Str, Vec<(Str, i64)>)>,
    pub total: i64,
    pub corrupt: i64,
}

impl VerdictRollup {
    pub fn dimensions(&self) -> impl Iterator<Item = &Str> {
        self.counts.iter().map(|(d, _)| d)
    }

    /// The reference's `to_dict()` layout.
    pub fn to_value(&self) -> Value {
        let mut counts = Dict::with_capacity(self.counts.len());
        for (dim, tokens) in &self.counts {
            let mut t = Dict::with_capacity(tokens.len());
            for (tok, n) in tokens {
                t.push(tok.clone(), Value::int(*n));
            }
            counts.push(dim.clone(), Value::Dict(t));
        }
        let mut d = Dict::with_capacity(5);
        d.push("by", Value::Str(self.by.clone()));
        d.push("total", Value::int(self.total));
        d.push("corrupt", Value::int(self.corrupt));
        d.push("dimensions", Value::List(self.dimensions().map(|s| Value::Str(s.clone())).collect()));
        d.push("counts", Value::Dict(counts));
        Value::Dict(d)
    }
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
    for (_, tokens) in counts.iter_mut() {
        tokens.sort_by(|(a, _), (b, _)| a.py_cmp(b));
    }
    VerdictRollup { by: by.clone(), counts, total, corrupt }
}

// ---- envelope ops ----------------------------------------------------------

fn text_field(a: &Args, d: &Dict, key: &str, default: &str) -> Result<Str, CallError> {
    match d.get(key) {
        None | Some(Value::Null) => Ok(Str::Utf8(default.into())),
        Some(Value::Str(s)) => Ok(s.clone()),
        Some(other) => Err(a.err(format_args!("event.{key} must be a string, not {}", other.type_name()))),
    }
}

const EVENT_FIELDS: [&str; 9] = ["syscall", "verdict", "run_id", "lane", "subject", "detail", "source", "ts", "seq"];

/// An event given as an object of its fields (`syscall` and `verdict`
/// required, the rest optional with the reference's defaults).
pub fn event_from_args(a: &Args, v: &Value) -> Result<VerdictEvent, CallError> {
    let d = v.as_dict().ok_or_else(|| a.err(format_args!("an event must be an object, not {}", v.type_name())))?;
    for (k, _) in d.iter() {
        if !k.as_str().is_some_and(|k| EVENT_FIELDS.contains(&k)) {
            return Err(a.err(format_args!("an event has no field {:?}", crate::pyjson::repr_str(k))));
        }
    }
    for k in ["syscall", "verdict"] {
        if d.get(k).map_or(true, Value::is_null) {
            return Err(a.err(format_args!("an event needs {k}")));
        }
    }
    let detail = match d.get("detail") {
        None | Some(Value::Null) => Dict::new(),
        Some(Value::Dict(x)) => x.clone(),
        Some(other) => return Err(a.err(format_args!("event.detail must be an object, not {}", other.type_name()))),
    };
    let seq = match d.get("seq") {
        None | Some(Value::Null) => Int::Small(0),
        Some(Value::Int(i)) => i.clone(),
        Some(other) => return Err(a.err(format_args!("event.seq must be an integer, not {}", other.type_name()))),
    };
    Ok(VerdictEvent {
        syscall: text_field(a, d, "syscall", "")?,
        verdict: text_field(a, d, "verdict", "")?,
        run_id: text_field(a, d, "run_id", "")?,
        lane: text_field(a, d, "lane", "")?,
        subject: text_field(a, d, "subject", "")?,
        detail,
        source: text_field(a, d, "source", SOURCE_KERNEL)?,
        ts: text_field(a, d, "ts", "")?,
        seq,
    })
}

fn events_arg(a: &Args) -> Result<Vec<VerdictEvent>, CallError> {
    a.list("events")?.iter().enumerate().map(|(i, v)| event_from_args(&a.at("events", Some(i)), v)).collect()
}

fn entries_arg(a: &Args) -> Result<Vec<Dict>, CallError> {
    a.list("entries")?
        .iter()
        .enumerate()
        .map(|(i, v)| v.as_dict().cloned().ok_or_else(|| a.err(format_args!("entries[{i}] must be an object, not {}", v.type_name()))))
        .collect()
}

fn now_arg<'a>(a: &Args<'a>, ev: &VerdictEvent) -> Result<&'a str, CallError> {
    match a.opt_str("now")? {
        Some(n) => Ok(n),
        None if !super::str_is_empty(&ev.ts) => Ok(""),
        None => Err(a.err("an event without ts needs now (the op never reads the clock)")),
    }
}

fn op_read_all(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::List(read_all(a.str("text")?.as_bytes()).into_iter().map(Value::Dict).collect()))
}

fn op_read_events(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let all = read_all(a.str("text")?.as_bytes());
    Ok(Value::List(read_events(&all).iter().map(VerdictEvent::to_value).collect()))
}

fn op_from_record(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let v = a.req("record")?;
    let d = v.as_dict().ok_or_else(|| a.err(format_args!("record must be an object, not {}", v.type_name())))?;
    Ok(VerdictEvent::from_record(d).to_value())
}

fn op_to_record(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let ev = event_from_args(a, a.req("event")?)?;
    Ok(Value::Dict(ev.to_record(now_arg(a, &ev)?)))
}

fn op_record_line(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let ev = event_from_args(a, a.req("event")?)?;
    let now = now_arg(a, &ev)?;
    let existing = read_all(a.opt_str("text")?.unwrap_or("").as_bytes());
    let rec = stamp(&ev, &existing, now);
    Ok(match encode_line(&rec) {
        Ok(line) => Value::str(String::from_utf8_lossy(&line).into_owned()),
        Err(_) => Value::Bool(false),
    })
}

fn op_rollup(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let events = events_arg(a)?;
    let by = match a.get("by") {
        None => Str::Utf8("syscall".into()),
        Some(Value::Str(s)) => s.clone(),
        Some(other) => return Err(a.err(format_args!("by must be a string, not {}", other.type_name()))),
    };
    Ok(rollup(&events, &by, a.i64_or("corrupt", 0)?).to_value())
}

fn op_for_run(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let events = events_arg(a)?;
    let run_id = match a.req("run_id")? {
        Value::Str(s) => s.clone(),
        other => return Err(a.err(format_args!("run_id must be a string, not {}", other.type_name()))),
    };
    Ok(Value::List(for_run(&events, &run_id).into_iter().map(VerdictEvent::to_value).collect()))
}

fn op_count_corrupt(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::int(count_corrupt(&entries_arg(a)?) as i64))
}

pub(crate) const OPS: &[OpSpec] = &[
    OpSpec { name: "verdict_journal.read_all", args: &["text"], run: op_read_all },
    OpSpec { name: "verdict_journal.read_events", args: &["text"], run: op_read_events },
    OpSpec { name: "verdict_journal.from_record", args: &["record"], run: op_from_record },
    OpSpec { name: "verdict_journal.to_record", args: &["event", "now"], run: op_to_record },
    OpSpec { name: "verdict_journal.record_line", args: &["event", "text", "now"], run: op_record_line },
    OpSpec { name: "verdict_journal.rollup", args: &["events", "by", "corrupt"], run: op_rollup },
    OpSpec { name: "verdict_journal.for_run", args: &["events", "run_id"], run: op_for_run },
    OpSpec { name: "verdict_journal.count_corrupt", args: &["entries"], run: op_count_corrupt },
];

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
        let dims: Vec<_> = r.dimensions().map(|d| d.as_str().unwrap().to_string()).collect();
        assert_eq!(dims, ["verify", "liveness", "(none)", "zzz"]);
        assert_eq!(r.counts[1].1, vec![(Str::from("ADVANCING"), 1), (Str::from("STALLED"), 1)]);
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
