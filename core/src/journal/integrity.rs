//! Mid-file damage in the lane journal: the rule the strict readers apply,
//! without the disk (so every lease store can run it over its own lines).
//!
//! The rule. A journal is read as the reference reads it: cut into logical
//! lines where Python's `str.splitlines` cuts, each stripped. A line is
//! **damage** when
//!
//! 1. it is not blank, does not parse as JSON, and another logical line
//!    (of any kind, blank included) follows it: exactly the lines the
//!    reference's `read_all` keeps as `_CORRUPT` sentinels. An unparseable
//!    *last* line is a torn tail (an append cut short by a crash: it was
//!    never acknowledged) and is not damage, as the reference drops it;
//! 2. it parses as JSON that is not an object (the reference drops such a
//!    line silently; no writer produces one, so a record was lost there);
//! 3. it is a record whose `op` is `_CORRUPT`: a sentinel a compaction
//!    carried over, so the damage it stands for is still unrepaired.
//!
//! A torn tail becomes damage once anything is appended after it. (Our
//! writer puts a newline before a record it appends after a torn tail, so
//! the torn bytes then stand as their own line in the middle of the file,
//! as the reference's reader also sees them.) The strict readers therefore
//! refuse from then on until an operator inspects and removes that line.

use super::fold::seq_of;
use super::OP_CORRUPT;
use crate::pyjson::{Dict, Int, Str, Value};

/// The reason class a strict acquire refuses with.
pub const WAL_INTEGRITY: &str = "WAL_INTEGRITY";

/// How long a damaged line's excerpt may be, in characters.
const EXCERPT_CHARS: usize = 60;

/// What is wrong with a damaged line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DamageKind {
    /// Not JSON, and not the last line.
    Unparseable,
    /// JSON, but not an object.
    NotAnObject,
    /// A `_CORRUPT` sentinel record (left by a compaction).
    CorruptSentinel,
}

impl DamageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DamageKind::Unparseable => "unparseable",
            DamageKind::NotAnObject => "not_an_object",
            DamageKind::CorruptSentinel => "corrupt_sentinel",
        }
    }

    fn parse(s: &str) -> Option<DamageKind> {
        match s {
            "unparseable" => Some(DamageKind::Unparseable),
            "not_an_object" => Some(DamageKind::NotAnObject),
            "corrupt_sentinel" => Some(DamageKind::CorruptSentinel),
            _ => None,
        }
    }
}

/// The first damaged line of a journal.
#[derive(Debug, Clone, PartialEq)]
pub struct Damage {
    /// The logical line's 0-based index (the reference's `_line`).
    pub line: usize,
    /// Its byte offset in the file, when the store has one.
    pub offset: Option<u64>,
    pub kind: DamageKind,
    /// The `seq` of the last readable record before it, if any carried one:
    /// the damaged line is the record written after that one.
    pub after_seq: Option<Int>,
    /// The line's first characters.
    pub excerpt: String,
}

impl Damage {
    /// Names the record: line (1-based, as an editor counts), byte offset
    /// and the seq it follows.
    pub fn locate(&self) -> String {
        let mut s = format!("line {}", self.line + 1);
        if let Some(o) = self.offset {
            s.push_str(&format!(" (byte offset {o})"));
        }
        match &self.after_seq {
            Some(q) => s.push_str(&format!(", the record after seq {q}")),
            None => s.push_str(", before any record with a seq"),
        }
        s
    }

    /// The whole message, for the journal (or store) `source`.
    pub fn describe(&self, source: &str) -> String {
        let what = match self.kind {
            DamageKind::Unparseable => "is not JSON and records follow it",
            DamageKind::NotAnObject => "holds JSON that is not a record object",
            DamageKind::CorruptSentinel => "is a _CORRUPT sentinel a compaction kept",
        };
        format!(
            "{WAL_INTEGRITY}: the lane journal {source} is damaged at {}: the line {what} (it begins {:?}); \
             the live set cannot be trusted until the line is repaired or removed",
            self.locate(),
            self.excerpt
        )
    }

    pub fn to_value(&self) -> Value {
        let mut d = Dict::with_capacity(5);
        d.push("line", Value::int(self.line as i64));
        d.push("offset", self.offset.map_or(Value::Null, |o| Value::int(o as i64)));
        d.push("kind", Value::str(self.kind.as_str()));
        d.push("after_seq", self.after_seq.clone().map_or(Value::Null, Value::Int));
        d.push("excerpt", Value::str(self.excerpt.as_str()));
        Value::Dict(d)
    }

    pub fn from_value(v: &Value) -> Option<Damage> {
        let d = v.as_dict()?;
        let line = usize::try_from(d.get("line")?.as_i64()?).ok()?;
        let offset = match d.get("offset")? {
            Value::Null => None,
            o => Some(u64::try_from(o.as_i64()?).ok()?),
        };
        let kind = DamageKind::parse(d.get("kind")?.as_str()?)?;
        let after_seq = match d.get("after_seq")? {
            Value::Null => None,
            Value::Int(i) => Some(i.clone()),
            _ => return None,
        };
        let excerpt = d.get("excerpt")?.as_str()?.to_string();
        Some(Damage { line, offset, kind, after_seq, excerpt })
    }
}

/// One logical line, as the scan needs it.
#[derive(Debug, Clone, Copy)]
pub enum Line<'a> {
    /// Empty after stripping.
    Blank,
    /// A JSON object.
    Record(&'a Dict),
    /// JSON that is not an object (its stripped text).
    NotAnObject(&'a str),
    /// Not JSON (its stripped text).
    Unparseable(&'a str),
}

fn excerpt(text: &str) -> String {
    text.chars().take(EXCERPT_CHARS).collect()
}

/// The damage scan, fed one logical line at a time in file order. It can
/// be saved and resumed ([`Scan::to_value`]), so a reader that folds only
/// the new tail of a journal keeps the verdict for the part it skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scan {
    /// The first confirmed damage.
    first: Option<Damage>,
    /// An unparseable line nothing has followed yet (a torn tail so far).
    pending: Option<Damage>,
    /// The seq of the last readable record that carried one.
    last_seq: Option<Int>,
}

impl Scan {
    pub fn new() -> Scan {
        Scan::default()
    }

    /// Feed the logical line `index` (at byte `offset`, when known).
    pub fn push(&mut self, index: usize, offset: Option<u64>, line: Line<'_>) {
        if let Some(p) = self.pending.take() {
            self.first.get_or_insert(p);
        }
        if self.first.is_some() {
            return;
        }
        let at = |kind, text: &str, after_seq: Option<Int>| Damage { line: index, offset, kind, after_seq, excerpt: excerpt(text) };
        match line {
            Line::Blank => {}
            Line::Record(d) => {
                if matches!(d.get("op"), Some(Value::Str(Str::Utf8(op))) if op == OP_CORRUPT) {
                    let raw = d.get("_raw").and_then(Value::as_str).unwrap_or("");
                    self.first = Some(at(DamageKind::CorruptSentinel, raw, self.last_seq.clone()));
                } else if d.contains_key("seq") {
                    self.last_seq = Some(seq_of(d.get("seq")));
                }
            }
            Line::NotAnObject(text) => self.first = Some(at(DamageKind::NotAnObject, text, self.last_seq.clone())),
            Line::Unparseable(text) => self.pending = Some(at(DamageKind::Unparseable, text, self.last_seq.clone())),
        }
    }

    /// The first damage, as of the lines fed so far (an unparseable line
    /// that is still the last is a torn tail, not damage).
    pub fn damage(&self) -> Option<&Damage> {
        self.first.as_ref()
    }

    /// The torn tail, when the last line fed is unparseable.
    pub fn torn_tail(&self) -> Option<&Damage> {
        self.pending.as_ref()
    }

    pub fn to_value(&self) -> Value {
        let opt = |d: &Option<Damage>| d.as_ref().map_or(Value::Null, Damage::to_value);
        let mut d = Dict::with_capacity(3);
        d.push("first", opt(&self.first));
        d.push("pending", opt(&self.pending));
        d.push("last_seq", self.last_seq.clone().map_or(Value::Null, Value::Int));
        Value::Dict(d)
    }

    pub fn from_value(v: &Value) -> Option<Scan> {
        let d = v.as_dict()?;
        let opt = |k: &str| -> Option<Option<Damage>> {
            match d.get(k)? {
                Value::Null => Some(None),
                v => Damage::from_value(v).map(Some),
            }
        };
        let last_seq = match d.get("last_seq")? {
            Value::Null => None,
            Value::Int(i) => Some(i.clone()),
            _ => return None,
        };
        Some(Scan { first: opt("first")?, pending: opt("pending")?, last_seq })
    }
}

/// The first damage among `lines` (index, byte offset, line), in file
/// order: the whole rule for a store that has its lines at hand.
pub fn find_damage<'a>(lines: impl IntoIterator<Item = (usize, Option<u64>, Line<'a>)>) -> Option<Damage> {
    let mut scan = Scan::new();
    for (index, offset, line) in lines {
        scan.push(index, offset, line);
        if scan.damage().is_some() {
            break;
        }
    }
    scan.damage().cloned()
}

/// Feed one line the [`super::codec::Decoder`] produced into `scan`.
pub fn push_decoded(scan: &mut Scan, at: super::codec::LineRef<'_>, d: &super::codec::Decoded) {
    use super::codec::Decoded;
    let line = match d {
        Decoded::Record(r) => Line::Record(r),
        Decoded::Corrupt { .. } | Decoded::Torn => Line::Unparseable(at.text),
        Decoded::Skip if at.text.is_empty() => Line::Blank,
        Decoded::Skip => Line::NotAnObject(at.text),
    };
    scan.push(at.index, Some(at.offset), line);
}

/// The first damage in a whole journal file's bytes.
pub fn scan_bytes(bytes: &[u8]) -> Option<Damage> {
    let mut scan = Scan::new();
    super::codec::Decoder::default().feed_lines(bytes, true, |at, d| push_decoded(&mut scan, at, &d));
    scan.damage().cloned()
}

/// The arbiter-shaped refusal a strict acquire answers with (the
/// reference's `LaneDecision.to_dict()` fields; the reason opens with the
/// reason class, as the reference's typed refusals do).
pub fn refusal_decision(reason: &str) -> Value {
    let mut d = Dict::with_capacity(8);
    d.push("outcome", Value::str("refuse"));
    d.push("lane", Value::str(""));
    d.push("lane_kind", Value::str(""));
    d.push("tree", Value::List(vec![]));
    d.push("auto_picked", Value::Bool(false));
    d.push("reason", Value::str(reason));
    d.push("free_clusters", Value::List(vec![]));
    d.push("pick_count", Value::Null);
    Value::Dict(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(bytes: &[u8]) -> Option<(usize, u64, DamageKind, Option<i64>)> {
        scan_bytes(bytes).map(|d| (d.line, d.offset.unwrap(), d.kind, d.after_seq.and_then(|s| s.as_i64())))
    }

    #[test]
    fn torn_tail_is_not_damage_but_a_middle_is() {
        let a = b"{\"op\": \"ACQUIRE\", \"seq\": 1}\n";
        assert_eq!(at(a), None);
        assert_eq!(at(&[&a[..], b"{\"op\": \"REL"].concat()), None);
        // A complete but unparseable last line is a torn tail too.
        assert_eq!(at(&[&a[..], b"{\"op\": \"REL\n"].concat()), None);
        // Anything after it, a blank line included, makes it damage.
        assert_eq!(at(&[&a[..], b"{\"op\": \"REL\n\n"].concat()), Some((1, 28, DamageKind::Unparseable, Some(1))));
        assert_eq!(
            at(&[&a[..], b"garbage\n{\"op\": \"RELEASE\", \"seq\": 3}\n"].concat()),
            Some((1, 28, DamageKind::Unparseable, Some(1)))
        );
        // Two unparseable lines at the end: the first is damage.
        assert_eq!(at(&[&a[..], b"{x\n{y"].concat()), Some((1, 28, DamageKind::Unparseable, Some(1))));
    }

    #[test]
    fn non_objects_and_kept_sentinels_are_damage() {
        assert_eq!(at(b"\n[1]\n"), Some((1, 1, DamageKind::NotAnObject, None)));
        assert_eq!(
            at(b"{\"seq\": 7}\n{\"_line\": 3, \"_raw\": \"{x\", \"op\": \"_CORRUPT\"}\n"),
            Some((1, 11, DamageKind::CorruptSentinel, Some(7)))
        );
    }

    #[test]
    fn offsets_count_raw_bytes() {
        // An invalid byte before the damage, and a \r\n and a U+2028 break.
        let bytes = b"{\"a\": \"\xff\xfe\", \"seq\": 2}\r\n{\"b\": 1}\xe2\x80\xa8oops\n{}\n";
        let d = scan_bytes(bytes).unwrap();
        let want = bytes.windows(4).position(|w| w == b"oops").unwrap() as u64;
        assert_eq!((d.line, d.offset, d.kind), (2, Some(want), DamageKind::Unparseable));
        assert_eq!(d.after_seq, Some(Int::Small(2)));
    }

    #[test]
    fn a_scan_resumes_from_its_saved_state() {
        let mut s = Scan::new();
        s.push(0, Some(0), Line::Record(&Dict::new()));
        s.push(1, Some(3), Line::Unparseable("{to"));
        assert!(s.damage().is_none() && s.torn_tail().is_some());
        let mut back = Scan::from_value(&s.to_value()).unwrap();
        assert_eq!(back, s);
        back.push(2, Some(7), Line::Blank);
        assert_eq!(back.damage().map(|d| d.line), Some(1));
        assert_eq!(Scan::from_value(&back.to_value()).unwrap(), back);
    }

    #[test]
    fn the_message_names_the_record() {
        let d = scan_bytes(b"{\"seq\": 4}\nxx\n{\"seq\": 5}\n").unwrap();
        let m = d.describe("/w/lane-journal.jsonl");
        assert!(m.starts_with("WAL_INTEGRITY: "), "{m}");
        assert!(m.contains("line 2 (byte offset 11), the record after seq 4"), "{m}");
    }
}
