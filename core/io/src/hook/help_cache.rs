//! The help-nudge tally of one session, kept next to the journal so each
//! deny or warn reads only the journal's new tail (flat in history).
//!
//! `.<journal>.help-<sha256(holder)[:16]>.fold` holds the journal's device
//! and inode, how many bytes were counted (always a line end), the 64 bytes
//! before that point (a rewritten or compacted journal no longer matches
//! them, and the tally is rebuilt from the start) and the counts. It is a
//! cache: written by rename without fsync, ignored when unreadable, and
//! never consulted by anything but the tally. A last line without its
//! newline is counted for this call but not saved.
//!
//! The journal is streamed in bounded memory (see
//! [`wsfile::stream_lines`]), so a long stretch with no newline (the NULs a
//! crash can leave) costs one linear pass. The tallies are bounded too:
//! when a session writes its first one, the oldest beyond
//! [`MAX_TALLIES`], and any untouched for [`MAX_TALLY_AGE`], are removed
//! (a removed tally is only recounted), with the temp files of writers
//! that were killed.

use super::count_holder_lines;
use crate::boundary::{journal, wsfile};
use dos_core::deciders::posttool_sensor::digest_bytes;
use dos_core::deciders::pretool_sensor::HelpCount;
use dos_core::pyjson::{self, Dict, Options, Value};
use std::fs::{self, File};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

const GUARD: u64 = 64;
/// How many session tallies are kept beside one journal.
pub const MAX_TALLIES: usize = 32;
/// A tally nobody has touched for this long is removed.
pub const MAX_TALLY_AGE: Duration = Duration::from_secs(24 * 3600);
/// A tally file is a few hundred bytes; anything larger is not one.
const TALLY_CAP: u64 = 64 * 1024;

fn cache_path(journal: &Path, holder: &str) -> PathBuf {
    let name = journal.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    journal.with_file_name(format!(".{name}.help-{}.fold", digest_bytes(holder.as_bytes())))
}

struct Saved {
    dev: u64,
    ino: u64,
    offset: u64,
    guard: String,
    holder: String,
    count: HelpCount,
}

fn int(d: &Dict, k: &str) -> Option<u64> {
    match d.get(k) {
        Some(Value::Int(i)) => i.as_i64().and_then(|n| u64::try_from(n).ok()),
        _ => None,
    }
}

fn load(p: &Path) -> Option<Saved> {
    let b = wsfile::read_whole(p, TALLY_CAP).ok()?;
    let Value::Dict(d) = pyjson::parse(&b).ok()? else { return None };
    Some(Saved {
        dev: int(&d, "dev")?,
        ino: int(&d, "ino")?,
        offset: int(&d, "offset")?,
        guard: d.get("guard")?.as_str()?.to_string(),
        holder: d.get("holder")?.as_str()?.to_string(),
        count: HelpCount {
            total: int(&d, "total")?,
            blocked: int(&d, "blocked")?,
            warned: int(&d, "warned")?,
            deferred: int(&d, "deferred")?,
        },
    })
}

fn guard_of(f: &File, offset: u64) -> Option<String> {
    let start = offset.saturating_sub(GUARD);
    let mut buf = vec![0u8; (offset - start) as usize];
    f.read_exact_at(&mut buf, start).ok()?;
    Some(digest_bytes(&buf))
}

fn save(p: &Path, s: &Saved) {
    let mut d = Dict::new();
    d.push("dev", Value::int(s.dev as i64));
    d.push("ino", Value::int(s.ino as i64));
    d.push("offset", Value::int(s.offset as i64));
    d.push("guard", Value::str(&s.guard));
    d.push("holder", Value::str(&s.holder));
    d.push("total", Value::int(s.count.total as i64));
    d.push("blocked", Value::int(s.count.blocked as i64));
    d.push("warned", Value::int(s.count.warned as i64));
    d.push("deferred", Value::int(s.count.deferred as i64));
    let Ok(bytes) = pyjson::dumps(&Value::Dict(d), Options::COMPACT) else { return };
    let _ = wsfile::replace_file(p, &bytes);
}

/// Keep at most [`MAX_TALLIES`] tallies beside `journal` (the most recently
/// written; `keep` always), none older than [`MAX_TALLY_AGE`], and sweep
/// stale temp files. Best effort.
fn prune(journal_path: &Path, keep: &Path) {
    journal::sweep_temp_files(journal_path);
    let name = journal_path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let prefix = format!(".{name}.help-");
    let Some(dir) = keep.parent() else { return };
    let Ok(rd) = fs::read_dir(dir) else { return };
    let now = SystemTime::now();
    let mut tallies: Vec<(SystemTime, PathBuf)> = Vec::new();
    for e in rd.flatten() {
        let n = e.file_name();
        let Some(n) = n.to_str() else { continue };
        if !(n.starts_with(&prefix) && n.ends_with(".fold")) {
            continue;
        }
        let p = e.path();
        if p == keep {
            continue;
        }
        let Ok(m) = e.metadata() else { continue };
        if !m.file_type().is_file() {
            continue;
        }
        let at = m.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        if now.duration_since(at).is_ok_and(|age| age > MAX_TALLY_AGE) {
            let _ = fs::remove_file(&p);
            continue;
        }
        tallies.push((at, p));
    }
    if tallies.len() < MAX_TALLIES {
        return;
    }
    // Newest first; `keep` takes one of the places.
    tallies.sort_by_key(|t| std::cmp::Reverse(t.0));
    for (_, p) in tallies.into_iter().skip(MAX_TALLIES - 1) {
        let _ = fs::remove_file(p);
    }
}

/// The tally of `holder` (printable ASCII, no quote or backslash).
pub fn count(journal_path: &Path, holder: &str) -> HelpCount {
    let Ok(f) = wsfile::open_read(journal_path) else { return HelpCount::default() };
    let Ok(meta) = f.metadata() else { return HelpCount::default() };
    let (dev, ino, size) = (meta.dev(), meta.ino(), meta.len());
    let cp = cache_path(journal_path, holder);
    let mut base = HelpCount::default();
    let mut from = 0u64;
    let loaded = load(&cp);
    let fresh = loaded.is_none();
    if let Some(s) = loaded {
        if s.dev == dev
            && s.ino == ino
            && s.holder == holder
            && s.offset <= size
            && guard_of(&f, s.offset).as_deref() == Some(s.guard.as_str())
        {
            base = s.count;
            from = s.offset;
        }
    }
    // Whole lines are counted as they stream past, in bounded memory.
    let Ok(rest) = wsfile::stream_lines(&f, from, |piece| count_holder_lines(piece, holder, &mut base)) else {
        return base;
    };
    let offset = rest.start;
    if offset > from || from == 0 {
        if let Some(guard) = guard_of(&f, offset) {
            save(&cp, &Saved { dev, ino, offset, guard, holder: holder.to_string(), count: base });
            if fresh {
                prune(journal_path, &cp);
            }
        }
    }
    let mut now = base;
    if !rest.bytes.is_empty() {
        count_holder_lines(&rest.bytes, holder, &mut now);
    }
    now
}
