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

use super::count_holder_lines;
use dos_core::deciders::posttool_sensor::digest_bytes;
use dos_core::deciders::pretool_sensor::HelpCount;
use dos_core::pyjson::{self, Dict, Options, Value};
use std::fs::{self, File};
use std::io::Read;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

const GUARD: u64 = 64;

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
    let b = fs::read(p).ok()?;
    let Value::Dict(d) = pyjson::parse(&b).ok()? else { return None };
    Some(Saved {
        dev: int(&d, "dev")?,
        ino: int(&d, "ino")?,
        offset: int(&d, "offset")?,
        guard: d.get("guard")?.as_str()?.to_string(),
        holder: d.get("holder")?.as_str()?.to_string(),
        count: HelpCount { total: int(&d, "total")?, blocked: int(&d, "blocked")?, warned: int(&d, "warned")?, deferred: int(&d, "deferred")? },
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
    let tmp = p.with_extension(format!("tmp{}", std::process::id()));
    if fs::write(&tmp, bytes).is_ok() && fs::rename(&tmp, p).is_err() {
        let _ = fs::remove_file(&tmp);
    }
}

/// The tally of `holder` (printable ASCII, no quote or backslash).
pub fn count(journal: &Path, holder: &str) -> HelpCount {
    let Ok(mut f) = File::open(journal) else { return HelpCount::default() };
    let Ok(meta) = f.metadata() else { return HelpCount::default() };
    let (dev, ino, size) = (meta.dev(), meta.ino(), meta.len());
    let cp = cache_path(journal, holder);
    let mut base = HelpCount::default();
    let mut from = 0u64;
    if let Some(s) = load(&cp) {
        if s.dev == dev && s.ino == ino && s.holder == holder && s.offset <= size && guard_of(&f, s.offset).as_deref() == Some(s.guard.as_str()) {
            base = s.count;
            from = s.offset;
        }
    }
    if from > 0 {
        use std::io::{Seek, SeekFrom};
        if f.seek(SeekFrom::Start(from)).is_err() {
            return base;
        }
    }
    // Stream the tail in chunks: complete lines are counted as they come,
    // so memory stays flat however much is new.
    let mut carry: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 256 * 1024];
    let mut complete = 0usize;
    loop {
        let n = match f.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(_) => return base,
        };
        carry.extend_from_slice(&chunk[..n]);
        if let Some(i) = memchr::memrchr(b'\n', &carry) {
            count_holder_lines(&carry[..=i], holder, &mut base);
            complete += i + 1;
            carry.drain(..=i);
        }
    }
    let tail = carry;
    let offset = from + complete as u64;
    if complete > 0 || from == 0 {
        if let Some(guard) = guard_of(&f, offset) {
            save(&cp, &Saved { dev, ino, offset, guard, holder: holder.to_string(), count: base });
        }
    }
    let mut now = base;
    if !tail.is_empty() {
        count_holder_lines(&tail, holder, &mut now);
    }
    now
}
