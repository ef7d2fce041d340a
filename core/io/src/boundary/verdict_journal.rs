//! The verdict journal on disk: where it is, recording an event (fail-soft),
//! reading it back.

use super::{host, jsonl};
use dos_core::durable::verdict_journal::{self as vj, VerdictEvent};
use dos_core::envelope::{CallError, Ctx};
use dos_core::pyjson::{Dict, Value};
use dos_core::pytime;
use dos_core::route::{self, Describe, Effect, Module, Op};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The journal's default place: `verdict-journal.jsonl` next to the lane
/// journal (when the layout names no verdict journal of its own).
pub fn default_path(lane_journal: &Path) -> PathBuf {
    lane_journal.with_file_name(vj::FILE_NAME)
}

/// The journal path: the explicit one, else `$DISPATCH_VERDICT_JOURNAL_PATH`,
/// else the configured one.
pub fn resolve_path(explicit: Option<&Path>, configured: &Path) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    match std::env::var_os(vj::ENV_PATH).filter(|v| !v.is_empty()) {
        Some(v) => PathBuf::from(v),
        None => configured.to_path_buf(),
    }
}

/// Every record, in append order (missing or unreadable: none).
pub fn read_all(path: &Path) -> Vec<Dict> {
    jsonl::read_bytes(path).map(|b| vj::read_all(&b)).unwrap_or_default()
}

/// The records as events, without corrupt-line sentinels.
pub fn read_events(path: &Path) -> Vec<VerdictEvent> {
    vj::read_events(&read_all(path))
}

/// The last `n` records (`n == 0`: all).
pub fn tail(path: &Path, n: usize) -> Vec<Dict> {
    let mut all = read_all(path);
    if n > 0 && all.len() > n {
        all.drain(..all.len() - n);
    }
    all
}

/// Append `event`, stamping `ts` and `seq` when unset, and flush it to disk.
/// Fail-soft: `false` when it could not be written (observability never
/// takes down what it observes).
pub fn record(path: &Path, event: &VerdictEvent) -> bool {
    record_with(path, event, true)
}

/// [`record`], stamping an unset `seq` from the file only when `stamp_seq`.
pub fn record_with(path: &Path, event: &VerdictEvent, stamp_seq: bool) -> bool {
    let now = pytime::iso_seconds(host::now_ms());
    let rec = if stamp_seq && event.seq == dos_core::pyjson::Int::Small(0) {
        vj::stamp(event, &read_all(path), &now)
    } else {
        // Without stamp_seq an unset seq stays 0 (the clock still stamps ts).
        event.to_record(&now)
    };
    match jsonl::line_of(&rec) {
        Ok(line) => jsonl::append_line(path, &line, 0o666).is_ok(),
        Err(_) => false,
    }
}

/// Append an event as one JSON line, flushed to disk, and report whether it
/// was written (fail-soft: false for a full disk, a missing permission, an
/// event that cannot be encoded). With `stamp_seq` an event without `seq`
/// gets one more than the file's highest; an event without `ts` is stamped
/// with the clock either way.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// The event.
    pub event: VerdictEvent,
    /// The journal file (the explicit path, `$DISPATCH_VERDICT_JOURNAL_PATH`, or
    /// the config's verdict journal).
    #[describe(kw_only, py = "path: Optional[Path] = None", via = "verdict_journal_path")]
    pub path: String,
    /// Stamp an unset `seq` from the file.
    #[serde(default = "yes")]
    pub stamp_seq: bool,
}

fn yes() -> bool {
    true
}

impl Op for Record {
    const NAME: &'static str = "verdict_journal.record";
    const EFFECT: Effect = Effect::WritesFiles;
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        Ok(record_with(Path::new(&self.path), &self.event, self.stamp_seq))
    }
}

/// Every record of the journal in append order (none when it is missing or
/// unreadable): a torn last line is dropped, a corrupt line before it kept
/// as a `_CORRUPT` sentinel.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ReadFile {
    /// The journal file (as for `record`).
    #[describe(py = "path: Optional[Path] = None", via = "verdict_journal_path")]
    pub path: String,
}

impl Op for ReadFile {
    const NAME: &'static str = "verdict_journal.read_file";
    const PY_NAME: &'static str = "read_all";
    const EFFECT: Effect = Effect::ReadsFiles;
    type Verdict = Vec<Dict>;

    fn run(self, _: &Ctx<'_>) -> Result<Vec<Dict>, CallError> {
        Ok(read_all(Path::new(&self.path)))
    }

    fn verdict_value(verdict: Vec<Dict>) -> Result<Value, CallError> {
        Ok(route::dicts_value(verdict))
    }
}

/// The last `n` records of the journal (all of them when `n <= 0`).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Tail {
    /// How many.
    #[serde(default = "twenty")]
    pub n: i64,
    /// The journal file (as for `record`).
    #[describe(py = "path: Optional[Path] = None", via = "verdict_journal_path")]
    pub path: String,
}

fn twenty() -> i64 {
    20
}

impl Op for Tail {
    const NAME: &'static str = "verdict_journal.tail";
    const EFFECT: Effect = Effect::ReadsFiles;
    type Verdict = Vec<Dict>;

    fn run(self, _: &Ctx<'_>) -> Result<Vec<Dict>, CallError> {
        Ok(tail(Path::new(&self.path), usize::try_from(self.n.max(0)).unwrap_or(usize::MAX)))
    }

    fn verdict_value(verdict: Vec<Dict>) -> Result<Value, CallError> {
        Ok(route::dicts_value(verdict))
    }
}

/// The journal's events, without the corrupt-line sentinels.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ReadEventsFile {
    /// The journal file (as for `record`).
    #[describe(py = "path: Optional[Path] = None", via = "verdict_journal_path")]
    pub path: String,
}

impl Op for ReadEventsFile {
    const NAME: &'static str = "verdict_journal.read_events_file";
    const PY_NAME: &'static str = "read_events";
    const EFFECT: Effect = Effect::ReadsFiles;
    type Verdict = Vec<VerdictEvent>;

    fn run(self, _: &Ctx<'_>) -> Result<Vec<VerdictEvent>, CallError> {
        Ok(read_events(Path::new(&self.path)))
    }
}

/// `dos.verdict_journal`'s file ops (its pure ops are `dos-core`'s).
pub const MODULE: Module = Module {
    name: "verdict_journal",
    doc: vj::DOC,
    routes: &[route::route::<Record>(), route::route::<ReadFile>(), route::route::<Tail>(), route::route::<ReadEventsFile>()],
    consts: &[],
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn records_stamp_seq_and_survive_a_torn_tail() {
        let d = std::env::temp_dir().join(format!("dos-vj-{}", host::pid()));
        let _ = fs::remove_dir_all(&d);
        let p = d.join("verdict-journal.jsonl");
        assert!(read_all(&p).is_empty());
        assert!(record(&p, &VerdictEvent::new("liveness", "STALLED")));
        assert!(record(&p, &VerdictEvent::new("verify", "SHIPPED")));
        fs::OpenOptions::new().append(true).open(&p).unwrap().write_all(b"{\"seq\": 9").unwrap();
        let mut ev = VerdictEvent::new("efficiency", "WASTEFUL\u{2028}");
        ev.run_id = "RID-1".into();
        assert!(record(&p, &ev));
        let evs = read_events(&p);
        assert_eq!(evs.len(), 3, "{evs:?}");
        let seqs: Vec<_> = evs.iter().map(|e| e.seq.clone()).collect();
        assert_eq!(seqs, [1, 2, 3].map(dos_core::pyjson::Int::Small));
        assert_eq!(evs[2].verdict.as_str(), Some("WASTEFUL\u{2028}"));
        assert_eq!(vj::for_run(&evs, &"RID-1".into()).len(), 1);
        // An event that cannot be written is dropped, not raised.
        let mut bad = VerdictEvent::new("x", "y");
        bad.subject = dos_core::pyjson::Str::Utf16(vec![0xD800]);
        assert!(!record(&p, &bad));
        assert!(!record(Path::new("/proc/no/such/dir/j.jsonl"), &VerdictEvent::new("x", "y")));
        // stamp_seq=false leaves an unset seq at 0, as the reference does.
        assert!(record_with(&p, &VerdictEvent::new("stop", "ok"), false));
        assert_eq!(read_events(&p).last().map(|e| e.seq.clone()), Some(dos_core::pyjson::Int::Small(0)));
        assert_eq!(tail(&p, 1).len(), 1);
        assert_eq!(tail(&p, 0).len(), 5, "three events, the torn line now a sentinel, one more");
    }
    use std::io::Write;
}
