//! The verdict journal on disk: where it is, recording an event (fail-soft),
//! reading it back.

use super::{host, jsonl};
use dos_core::durable::verdict_journal::{self as vj, VerdictEvent};
use dos_core::envelope::{Args, CallError, Ctx, OpSpec};
use dos_core::pyjson::{Dict, Value};
use dos_core::pytime;
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
    let now = pytime::iso_seconds(host::now_ms());
    let rec = if event.seq == dos_core::pyjson::Int::Small(0) {
        vj::stamp(event, &read_all(path), &now)
    } else {
        vj::stamp(event, std::iter::empty(), &now)
    };
    match jsonl::line_of(&rec) {
        Ok(line) => jsonl::append_line(path, &line, 0o666).is_ok(),
        Err(_) => false,
    }
}

fn op_record(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let ev = vj::event_from_args(a, a.req("event")?)?;
    Ok(Value::Bool(record(Path::new(a.str("path")?), &ev)))
}

fn op_read_file(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::List(read_all(Path::new(a.str("path")?)).into_iter().map(Value::Dict).collect()))
}

pub const OPS: &[OpSpec] = &[
    OpSpec { name: "verdict_journal.record", args: &["path", "event"], run: op_record },
    OpSpec { name: "verdict_journal.read_file", args: &["path"], run: op_read_file },
];

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
    }
    use std::io::Write;
}
