//! The lane journal on disk: where it is, reading it, appending to it, and
//! the live-lease set without re-reading its whole history.
//!
//! Appends are one `O_APPEND` write plus `fsync`, as the reference does,
//! with two repairs the 0.22.0 reader accepts: a record's U+2028, U+2029
//! and U+0085 are written as `\u` escapes (raw, the reference's reader cuts
//! the line there and loses the record), and when the file ends in a torn
//! line a newline goes first (otherwise the new record is glued to the torn
//! bytes and lost).
//!
//! The fold sidecar (`.<journal name>.fold`, next to the journal) saves the
//! folded live set, the highest seq, the damage scan of the lines read
//! (`dos_core::journal::integrity`) and how far into the file they reach,
//! with the file's identity (device, inode) and digests of the bytes around
//! that point. A query folds only the bytes appended since; a journal that
//! was replaced (compaction renames a new file in), truncated or rewritten
//! fails the check and is folded from the start. Writers that do not know
//! the sidecar exists (the Python package) only ever append, which the
//! sidecar reads as new tail.
//!
//! Every open goes through [`super::wsfile`]: a journal that is not a
//! regular file (a FIFO, a device, a directory) reads as unreadable and is
//! never appended to, and the tail is streamed in bounded memory however
//! long its lines are.

use super::wsfile;
use dos_core::journal::codec::{self, Decoded, Decoder};
use dos_core::journal::fold::Fold;
use dos_core::journal::integrity::{self, Damage, Scan};
use dos_core::pyjson::{self, Dict, Int, Options, Str, Surrogates, Value};
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

/// The journal path: `$DISPATCH_LANE_JOURNAL_PATH`, else
/// `$JOB_LANE_JOURNAL_PATH`, else the configured path.
pub fn resolve_path(configured: &Path) -> PathBuf {
    for var in ["DISPATCH_LANE_JOURNAL_PATH", "JOB_LANE_JOURNAL_PATH"] {
        if let Some(v) = std::env::var_os(var).filter(|v| !v.is_empty()) {
            return PathBuf::from(v);
        }
    }
    configured.to_path_buf()
}

/// Every record in the file, as `read_all` returns them (a missing or
/// unreadable file reads as empty).
pub fn read_all(path: &Path) -> Vec<Dict> {
    let Ok(f) = wsfile::open_read(path) else { return Vec::new() };
    let mut bytes = Vec::new();
    match (&f).read_to_end(&mut bytes) {
        Ok(_) => codec::decode(&bytes),
        Err(_) => Vec::new(),
    }
}

/// The bytes we append for `entry`: the reference's line with the three
/// line separators Python's reader splits on escaped.
pub fn encode_record(entry: &Dict) -> Result<Vec<u8>, pyjson::LoneSurrogate> {
    let line = codec::encode_line(&Value::Dict(entry.clone()))?;
    if !line.windows(2).any(|w| w == [0xE2, 0x80] || w == [0xC2, 0x85]) {
        return Ok(line);
    }
    let mut out = Vec::with_capacity(line.len() + 12);
    let mut i = 0;
    while i < line.len() {
        let rest = &line[i..];
        if rest.starts_with(&[0xE2, 0x80, 0xA8]) {
            out.extend_from_slice(b"\\u2028");
            i += 3;
        } else if rest.starts_with(&[0xE2, 0x80, 0xA9]) {
            out.extend_from_slice(b"\\u2029");
            i += 3;
        } else if rest.starts_with(&[0xC2, 0x85]) {
            out.extend_from_slice(b"\\u0085");
            i += 2;
        } else {
            out.push(line[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// Why an append failed.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    #[error("the record holds a lone surrogate (U+{0:04X}) and cannot be written as UTF-8")]
    Surrogate(u16),
    #[error("cannot append to {path}: {source}")]
    Io { path: String, source: io::Error },
}

impl AppendError {
    pub fn from_surrogate(s: pyjson::LoneSurrogate) -> AppendError {
        AppendError::Surrogate(s.0)
    }
}

/// Append `entry`, stamping `seq` (the next one) and `ts` (`now_iso`) when
/// absent, as one write followed by `fsync`. Returns the stamped record.
/// The caller holds whatever lock orders its appends (as in the reference).
pub fn append(path: &Path, entry: &Dict, now_iso: &str) -> Result<Dict, AppendError> {
    let io_err = |source| AppendError::Io { path: path.display().to_string(), source };
    let mut e = entry.clone();
    if !e.contains_key("seq") {
        let next = live_view(path).map(|v| v.next_seq).unwrap_or(Int::Small(1));
        e.push("seq", Value::Int(next));
    }
    if !e.contains_key("ts") {
        e.push("ts", Value::str(now_iso));
    }
    let line = encode_record(&e).map_err(|s| AppendError::Surrogate(s.0))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(io_err)?;
    }
    let f = wsfile::open_append(path, 0o644, true).map_err(io_err)?;
    let len = f.metadata().map_err(io_err)?.len();
    let mut buf = Vec::with_capacity(line.len() + 1);
    if len > 0 {
        let mut last = [0u8; 1];
        if f.read_exact_at(&mut last, len - 1).is_ok() && last[0] != b'\n' {
            buf.push(b'\n');
        }
    }
    buf.extend_from_slice(&line);
    (&f).write_all(&buf).map_err(io_err)?;
    f.sync_all().map_err(io_err)?;
    Ok(e)
}

/// The live-lease set and the next seq, as of one read of the journal.
#[derive(Debug, Clone)]
pub struct LiveView {
    pub leases: Vec<Dict>,
    pub next_seq: Int,
    /// Records folded to produce this view (0 when the sidecar was current).
    pub folded: usize,
    /// Whether the fold started from the beginning of the file.
    pub rebuilt: bool,
    /// The first mid-file damage ([`integrity`]'s rule), if any.
    pub damage: Option<Damage>,
}

/// Where the sidecar of `journal` lives.
pub fn sidecar_path(journal: &Path) -> PathBuf {
    let name = journal.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    journal.with_file_name(format!(".{name}.fold"))
}

const SIDECAR_VERSION: i64 = 2;
const WINDOW: u64 = 256;
/// How much unsaved tail (bytes) a query folds before it saves the sidecar.
const SIDECAR_REFRESH_BYTES: u64 = 32 * 1024;
/// A sidecar larger than this is ignored (the fold is rebuilt).
const SIDECAR_CAP: u64 = 64 << 20;

struct Saved {
    offset: u64,
    lines: usize,
    fold: Fold<'static>,
    scan: Scan,
}

fn window_digest(f: &File, start: u64, end: u64) -> io::Result<String> {
    let mut buf = vec![0u8; (end - start) as usize];
    f.read_exact_at(&mut buf, start)?;
    Ok(hex(&Sha256::digest(&buf)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn id_value(s: &Str) -> Value {
    Value::Str(s.clone())
}

fn load_sidecar(path: &Path, f: &File, meta: &fs::Metadata) -> Option<Saved> {
    let bytes = wsfile::read_whole(&sidecar_path(path), SIDECAR_CAP).ok()?;
    let v = pyjson::parse(&bytes).ok()?;
    let d = v.as_dict()?;
    if d.get("version")?.as_i64()? != SIDECAR_VERSION {
        return None;
    }
    let offset = u64::try_from(d.get("offset")?.as_i64()?).ok()?;
    if d.get("dev")?.as_i64()? != meta.dev() as i64 || d.get("ino")?.as_i64()? != meta.ino() as i64 || meta.len() < offset {
        return None;
    }
    let head_end = offset.min(WINDOW);
    let tail_start = offset.saturating_sub(WINDOW);
    if d.get("head")?.as_str()? != window_digest(f, 0, head_end).ok()?
        || d.get("tail")?.as_str()? != window_digest(f, tail_start, offset).ok()?
    {
        return None;
    }
    let lines = usize::try_from(d.get("lines")?.as_i64()?).ok()?;
    let max_seq = match d.get("max_seq")? {
        Value::Int(i) => i.clone(),
        _ => return None,
    };
    let mut entries = Vec::new();
    for item in d.get("leases")?.as_list()? {
        let parts = item.as_list()?;
        let (Value::Str(ts), Value::Str(lane), Value::Dict(lease)) = (parts.first()?, parts.get(1)?, parts.get(2)?) else {
            return None;
        };
        entries.push(((ts.clone(), lane.clone()), lease.clone()));
    }
    let scan = Scan::from_value(d.get("integrity")?)?;
    Some(Saved { offset, lines, fold: Fold::from_parts(entries, max_seq), scan })
}

fn store_sidecar(path: &Path, f: &File, meta: &fs::Metadata, saved: &Saved) -> io::Result<()> {
    let leases: Vec<Value> = saved
        .fold
        .entries()
        .map(|((ts, lane), lease)| Value::List(vec![id_value(ts), id_value(lane), Value::Dict(lease.clone())]))
        .collect();
    let mut d = Dict::new();
    d.push("version", Value::int(SIDECAR_VERSION));
    d.push("dev", Value::int(meta.dev() as i64));
    d.push("ino", Value::int(meta.ino() as i64));
    d.push("offset", Value::int(saved.offset as i64));
    d.push("lines", Value::int(saved.lines as i64));
    d.push("head", Value::str(window_digest(f, 0, saved.offset.min(WINDOW))?));
    d.push("tail", Value::str(window_digest(f, saved.offset.saturating_sub(WINDOW), saved.offset)?));
    d.push("max_seq", Value::Int(saved.fold.max_seq()));
    d.push("leases", Value::List(leases));
    d.push("integrity", saved.scan.to_value());
    let bytes = pyjson::dumps(&Value::Dict(d), Options::COMPACT.with_surrogates(Surrogates::Escape))
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "unencodable sidecar"))?;
    sweep_temp_files(path);
    wsfile::replace_file(&sidecar_path(path), &bytes)
}

/// Remove the temp files that killed writers left beside the journal (its
/// sidecar's and the hook's help tallies', `.<journal name>.….<pid>.tmp`).
pub fn sweep_temp_files(journal: &Path) -> usize {
    let name = journal.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let dir = journal.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    wsfile::sweep_stale_tmp(dir, &format!(".{name}."))
}

/// Fold records decoded from `bytes` into `fold`, and scan their lines
/// for damage.
fn fold_bytes(fold: &mut Fold<'static>, scan: &mut Scan, dec: &mut Decoder, bytes: &[u8], at_eof: bool) -> usize {
    let mut n = 0;
    dec.feed_lines(bytes, at_eof, |at, d| {
        integrity::push_decoded(scan, at, &d);
        if let Decoded::Record(r) = d {
            fold.apply_owned(r);
            n += 1;
        } else if let Some(s) = d.into_entry() {
            fold.apply_owned(s);
        }
    });
    n
}

/// The live set and the next seq of the journal at `path`, using and
/// refreshing the sidecar. A missing journal has no leases and seq 1.
pub fn live_view(path: &Path) -> io::Result<LiveView> {
    let f = match wsfile::open_read(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(LiveView { leases: Vec::new(), next_seq: Int::Small(1), folded: 0, rebuilt: true, damage: None })
        }
        Err(e) => return Err(e),
    };
    let meta = f.metadata()?;
    let (mut saved, rebuilt) = match load_sidecar(path, &f, &meta) {
        Some(s) => (s, false),
        None => (Saved { offset: 0, lines: 0, fold: Fold::new(), scan: Scan::new() }, true),
    };
    let start_offset = saved.offset;
    // Whole lines advance the saved fold as they stream past; what follows
    // the last line break may still be mid-append and is folded into the
    // answer only.
    let mut dec = Decoder { lines: saved.lines, offset: saved.offset };
    let mut folded = 0;
    let rest = wsfile::stream_lines(&f, saved.offset, |piece| {
        folded += fold_bytes(&mut saved.fold, &mut saved.scan, &mut dec, piece, false);
    })?;
    saved.offset = rest.start;
    // A line longer than the streamer keeps is handed on shortened; the
    // offsets after it resume from the file's own.
    dec.offset = rest.start;
    saved.lines = dec.lines;
    // Rewriting the sidecar costs more than folding a short tail, so it is
    // saved only when rebuilt or once the unsaved tail has grown.
    if rebuilt || saved.offset - start_offset >= SIDECAR_REFRESH_BYTES {
        // Best effort: a read-only directory only costs speed.
        let _ = store_sidecar(path, &f, &meta, &saved);
    }
    let mut fold = saved.fold;
    let mut scan = saved.scan;
    if !rest.bytes.is_empty() {
        folded += fold_bytes(&mut fold, &mut scan, &mut dec, &rest.bytes, true);
    }
    let next_seq = fold.next_seq();
    Ok(LiveView { leases: fold.into_leases(), next_seq, folded, rebuilt, damage: scan.damage().cloned() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dos_core::journal::{next_seq, replay};

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("dos-journal-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d.join("lane-journal.jsonl")
    }

    fn acquire(lane: &str, holder: &str) -> Dict {
        let v = pyjson::parse_str(&format!(
            r#"{{"op": "ACQUIRE", "lane": "{lane}", "loop_ts": "t", "lease": {{"lane": "{lane}", "loop_ts": "t", "holder": "{holder}"}}}}"#
        ))
        .unwrap();
        v.as_dict().unwrap().clone()
    }

    fn check(path: &Path) {
        let all = read_all(path);
        let v = live_view(path).unwrap();
        assert_eq!(v.leases, replay(&all));
        assert_eq!(v.next_seq, next_seq(&all));
    }

    #[test]
    fn sidecar_follows_appends_and_rewrites() {
        let p = tmp("sidecar");
        for i in 0..5 {
            append(&p, &acquire(&format!("l{i}"), "h"), "2026-11-21T12:00:00Z").unwrap();
        }
        check(&p);
        assert!(sidecar_path(&p).exists());
        // A foreign writer appends (no sidecar update) and leaves a torn tail.
        let mut f = fs::OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{\"op\": \"RELEASE\", \"lane\": \"l1\", \"loop_ts\": \"t\", \"seq\": 40}\n{\"op\": \"REL").unwrap();
        drop(f);
        check(&p);
        let v = live_view(&p).unwrap();
        assert!(!v.rebuilt);
        // Our append repairs the torn tail rather than gluing onto it.
        append(&p, &acquire("l9", "h\u{2028}x"), "2026-11-21T12:00:01Z").unwrap();
        check(&p);
        assert!(live_view(&p).unwrap().leases.iter().any(|l| l.get("lane").and_then(Value::as_str) == Some("l9")));
        // A rewrite (new inode) is noticed.
        let text = fs::read(&p).unwrap();
        let other = p.with_file_name("other.jsonl");
        fs::write(&other, &text[..text.len() / 2]).unwrap();
        fs::rename(&other, &p).unwrap();
        let v = live_view(&p).unwrap();
        assert!(v.rebuilt);
        check(&p);
    }
}

// ------------------------------------------------------------------ routed ops

/// The journal's file functions on an explicit path (the reference's
/// `lane_journal` functions given a path); its pure half is `dos-core`'s
/// (`dos_core::journal`), under the same module name.
pub mod file_ops {
    use super::{append, live_view, read_all, AppendError};
    use dos_core::envelope::{CallError, Ctx, ErrorCode};
    use dos_core::pyjson::{Dict, Int, Value};
    use dos_core::route::{self, Describe, Effect, Module, Op};
    use serde::Deserialize;
    use std::path::PathBuf;

    fn path_of(op: &str, journal: &str) -> Result<PathBuf, CallError> {
        if journal.is_empty() {
            return Err(CallError::bad_args(format!("{op}: args.journal: must be a non-empty path")));
        }
        Ok(PathBuf::from(journal))
    }

    fn io_error(op: &str, e: impl std::fmt::Display) -> CallError {
        CallError::new(ErrorCode::Io, format!("{op}: {e}"))
    }

    /// Every record of the journal file, in append order: a torn last line
    /// is dropped, a corrupt line in the middle reads as a `_CORRUPT`
    /// record; a missing file has none.
    #[derive(Deserialize, Describe)]
    #[serde(deny_unknown_fields)]
    pub struct ReadFile {
        /// The journal file.
        pub journal: String,
    }

    impl Op for ReadFile {
        const NAME: &'static str = "lane_journal.read_file";
        const EFFECT: Effect = Effect::ReadsFiles;
        const PY_NAME: &'static str = "_read_file";
        type Verdict = Vec<Dict>;

        fn run(self, _: &Ctx<'_>) -> Result<Vec<Dict>, CallError> {
            Ok(read_all(&path_of(Self::NAME, &self.journal)?))
        }

        fn verdict_value(verdict: Vec<Dict>) -> Result<Value, CallError> {
            Ok(route::dicts_value(verdict))
        }
    }

    /// Append one record to the journal file with one write and an fsync,
    /// stamping `seq` (one above the highest) and `ts` (now, UTC seconds)
    /// when absent; the record as written. A torn last line left by another
    /// writer is ended first, so no record is lost.
    #[derive(Deserialize, Describe)]
    #[serde(deny_unknown_fields)]
    pub struct Append {
        /// The journal file (made, with its directory, when missing).
        pub journal: String,
        /// The record.
        pub entry: Dict,
    }

    impl Op for Append {
        const NAME: &'static str = "lane_journal.append";
        const EFFECT: Effect = Effect::WritesFiles;
        const PY_NAME: &'static str = "_append_file";
        type Verdict = Dict;

        fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
            let path = path_of(Self::NAME, &self.journal)?;
            let now = dos_core::pytime::iso_seconds(super::super::host::now_ms());
            append(&path, &self.entry, &now).map_err(|e| match e {
                AppendError::Surrogate(_) => CallError::bad_args(format!("{}: args.entry: {e}", Self::NAME)),
                other => io_error(Self::NAME, other),
            })
        }

        fn verdict_value(verdict: Dict) -> Result<Value, CallError> {
            Ok(Value::Dict(verdict))
        }
    }

    /// The seq the next append to the journal file stamps, read through
    /// the fold sidecar (its cost does not grow with the history).
    #[derive(Deserialize, Describe)]
    #[serde(deny_unknown_fields)]
    pub struct NextSeqOfFile {
        /// The journal file.
        pub journal: String,
    }

    impl Op for NextSeqOfFile {
        const NAME: &'static str = "lane_journal.next_seq_of_file";
        const EFFECT: Effect = Effect::ReadsFiles;
        const PY_NAME: &'static str = "_next_seq_of_file";
        type Verdict = Int;

        fn run(self, _: &Ctx<'_>) -> Result<Int, CallError> {
            live_view(&path_of(Self::NAME, &self.journal)?).map(|v| v.next_seq).map_err(|e| io_error(Self::NAME, e))
        }
    }

    /// The live leases of the journal file, read through the fold sidecar
    /// (its cost does not grow with the history).
    #[derive(Deserialize, Describe)]
    #[serde(deny_unknown_fields)]
    pub struct LiveOfFile {
        /// The journal file.
        pub journal: String,
    }

    impl Op for LiveOfFile {
        const NAME: &'static str = "lane_journal.live_of_file";
        const EFFECT: Effect = Effect::ReadsFiles;
        const PY_NAME: &'static str = "_live_of_file";
        type Verdict = Vec<Dict>;

        fn run(self, _: &Ctx<'_>) -> Result<Vec<Dict>, CallError> {
            live_view(&path_of(Self::NAME, &self.journal)?).map(|v| v.leases).map_err(|e| io_error(Self::NAME, e))
        }

        fn verdict_value(verdict: Vec<Dict>) -> Result<Value, CallError> {
            Ok(route::dicts_value(verdict))
        }
    }

    /// `dos.lane_journal`'s file functions.
    pub const MODULE: Module = Module {
        name: "lane_journal",
        doc: "",
        routes: &[route::route::<ReadFile>(), route::route::<Append>(), route::route::<NextSeqOfFile>(), route::route::<LiveOfFile>()],
        consts: &[],
    };
}
