//! The archive lock (`dos lease`): a ceremony mutex held across process
//! invocations and named by owner, so the same owner re-enters it (and
//! refreshes its stamp) from any process. Same lock-file format as the
//! other locks; `acquired_at` is read in the second or the minute form.
//! The refresh is written atomically (the reference rewrites it in place).

use super::filelock::{read_lock, steal_stale, write_lock};
use super::host;
use dos_core::pytime;
use std::fs;
use std::io;
use std::path::Path;
use std::thread;
use std::time::Duration;

/// `$DISPATCH_ARCHIVE_LOCK_PATH`, else the configured path.
pub fn resolve_path(configured: &Path) -> std::path::PathBuf {
    match std::env::var_os("DISPATCH_ARCHIVE_LOCK_PATH").filter(|v| !v.is_empty()) {
        Some(v) => v.into(),
        None => configured.to_path_buf(),
    }
}

/// The reference's defaults: TTL 300 s, 5 retries, 2 s apart.
#[derive(Debug, Clone)]
pub struct ArchiveOptions {
    pub ttl_seconds: f64,
    pub retries: u32,
    pub retry_interval: Duration,
}

impl Default for ArchiveOptions {
    fn default() -> Self {
        ArchiveOptions { ttl_seconds: 300.0, retries: 5, retry_interval: Duration::from_secs(2) }
    }
}

/// How an acquire ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Acquired {
    /// Created fresh.
    Acquired,
    /// Already ours: the stamp was refreshed. Carries the previous stamp.
    Reentrant { prev_acquired_at: String },
    /// A lock older than the TTL was taken over.
    StoleStale { prev_owner: String, age_s: f64 },
    /// Held by someone else through every retry.
    Busy { owner: String, age_s: Option<f64> },
}

fn age_s(acquired_at: Option<&str>, now_ms: i64) -> Option<f64> {
    let s = acquired_at?;
    let t = pytime::parse_seconds_stamp(s).or_else(|| pytime::parse_iso(s))?;
    Some((now_ms - t) as f64 / 1000.0)
}

fn body(owner: &str) -> String {
    super::filelock::lock_body(owner, host::now_ms(), host::pid())
}

/// Take the archive lock for `owner`.
pub fn acquire(path: &Path, owner: &str, opts: &ArchiveOptions) -> io::Result<Acquired> {
    for attempt in 0..=opts.retries {
        match write_lock(path, &body(owner)) {
            Ok(()) => return Ok(Acquired::Acquired),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let Some(info) = read_lock(path) else { continue };
        let prev_owner = info.get("owner").unwrap_or("<unknown>").to_string();
        let age = age_s(info.get("acquired_at"), host::now_ms());
        if info.get("owner") == Some(owner) {
            // Refresh the stamp atomically: a private file renamed over it.
            let tmp = path.with_file_name(format!(
                ".{}.refresh.{}",
                path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
                host::pid()
            ));
            fs::write(&tmp, body(owner))?;
            fs::rename(&tmp, path)?;
            return Ok(Acquired::Reentrant { prev_acquired_at: info.get("acquired_at").unwrap_or("<unknown>").to_string() });
        }
        if let Some(a) = age.filter(|a| *a >= opts.ttl_seconds) {
            if steal_stale(path, &body(owner), &info) {
                return Ok(Acquired::StoleStale { prev_owner, age_s: a });
            }
            continue;
        }
        if attempt < opts.retries {
            thread::sleep(opts.retry_interval);
            continue;
        }
        return Ok(Acquired::Busy { owner: prev_owner, age_s: age });
    }
    let info = read_lock(path).unwrap_or_default();
    Ok(Acquired::Busy {
        owner: info.get("owner").unwrap_or("<unknown>").to_string(),
        age_s: age_s(info.get("acquired_at"), host::now_ms()),
    })
}

/// How a release ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Released {
    NoLock,
    Released,
    ForceReleased {
        was: String,
    },
    /// Held by someone else: left alone (not an error, as in the reference).
    Mismatch {
        have: String,
    },
}

/// Release the archive lock held by `owner` (`force`: whoever holds it).
pub fn release(path: &Path, owner: &str, force: bool) -> io::Result<Released> {
    let Some(info) = read_lock(path) else { return Ok(Released::NoLock) };
    let have = info.get("owner").unwrap_or("<unknown>").to_string();
    if !force && info.get("owner") != Some(owner) {
        return Ok(Released::Mismatch { have });
    }
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    Ok(if force { Released::ForceReleased { was: have } } else { Released::Released })
}

/// The archive lock's state.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Free,
    Held { owner: String, age_s: Option<f64> },
    Stale { owner: String, age_s: f64 },
}

pub fn status(path: &Path, ttl_seconds: f64) -> Status {
    let Some(info) = read_lock(path) else { return Status::Free };
    let owner = info.get("owner").unwrap_or("<unknown>").to_string();
    match age_s(info.get("acquired_at"), host::now_ms()) {
        Some(a) if a >= ttl_seconds => Status::Stale { owner, age_s: a },
        age => Status::Held { owner, age_s: age },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceremony() {
        let d = std::env::temp_dir().join(format!("dos-archive-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        let p = d.join("leases").join(".archive.lock");
        let quick = ArchiveOptions { ttl_seconds: 300.0, retries: 0, retry_interval: Duration::ZERO };
        assert_eq!(status(&p, 300.0), Status::Free);
        assert_eq!(acquire(&p, "fanout-1", &quick).unwrap(), Acquired::Acquired);
        assert!(matches!(acquire(&p, "fanout-1", &quick).unwrap(), Acquired::Reentrant { .. }));
        assert!(matches!(acquire(&p, "other", &quick).unwrap(), Acquired::Busy { .. }));
        assert!(matches!(status(&p, 300.0), Status::Held { .. }));
        assert_eq!(release(&p, "other", false).unwrap(), Released::Mismatch { have: "fanout-1".into() });
        fs::write(&p, "owner: old\nacquired_at: 2020-01-01T00:00Z\npid: 1\n").unwrap();
        assert!(matches!(status(&p, 300.0), Status::Stale { .. }));
        assert!(matches!(acquire(&p, "fanout-2", &quick).unwrap(), Acquired::StoleStale { .. }));
        assert_eq!(release(&p, "fanout-2", false).unwrap(), Released::Released);
        assert_eq!(release(&p, "x", true).unwrap(), Released::NoLock);
    }
}
