//! The O_EXCL lock files the reference's processes share (`_filelock`), and
//! the lane-lease mutex built on them.
//!
//! A lock file's body is `owner: …\nacquired_at: YYYY-MM-DDTHH:MM:SSZ\npid: …\n`
//! and whoever creates the file holds the lock. Differences from 0.22.0, each
//! readable by it (see docs/divergences.md):
//! - the body is written to a private file first and hard-linked into place,
//!   so a lock never exists empty (a crash between create and write left an
//!   empty lock that 0.22.0 never steals);
//! - a lock whose body carries no readable `acquired_at` (an empty or
//!   minute-stamped one left by 0.22.0) ages by its file time instead, so it
//!   is stolen after the TTL rather than wedging every verb;
//! - a lock is ours again (re-entry) and is removed on exit only when both its
//!   owner and its pid are ours, so two processes using one owner name never
//!   share the mutex or delete each other's lock;
//! - a steal that grabbed the wrong lock puts it back with a hard link, which
//!   cannot overwrite a lock a third process created meanwhile.

use dos_core::pytime;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

/// The lock file body.
pub fn lock_body(owner: &str, now_ms: i64, pid: u32) -> String {
    format!("owner: {owner}\nacquired_at: {}\npid: {pid}\n", pytime::iso_seconds(now_ms))
}

/// A parsed lock body: `key: value` lines, keys and values stripped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockInfo {
    pub fields: Vec<(String, String)>,
}

impl LockInfo {
    pub fn get(&self, key: &str) -> Option<&str> {
        // The reference keeps the last value of a repeated key.
        self.fields.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Parse a body as the reference does.
    pub fn parse(body: &str) -> LockInfo {
        let mut fields = Vec::new();
        for line in body.lines() {
            if let Some((k, v)) = line.split_once(':') {
                fields.push((dos_core::pystr::strip(k).to_string(), dos_core::pystr::strip(v).to_string()));
            }
        }
        LockInfo { fields }
    }
}

/// Read a lock file; `None` when it is absent or unreadable.
pub fn read_lock(path: &Path) -> Option<LockInfo> {
    let bytes = fs::read(path).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    Some(LockInfo::parse(&text))
}

fn unique_sibling(path: &Path, tag: &str) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    path.with_file_name(format!(".{name}.{tag}.{}.{nanos}.{n}", std::process::id()))
}

/// Create the lock at `path` holding `body`, atomically: the file appears
/// with its whole body or not at all. `AlreadyExists` when it is held.
pub fn write_lock(path: &Path, body: &str) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            fs::create_dir_all(dir)?;
        }
    }
    let tmp = unique_sibling(path, "new");
    {
        let mut f = fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(body.as_bytes())?;
    }
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
        Err(_) => {
            // A file system without hard links: fall back to O_EXCL + write.
            let mut f = fs::OpenOptions::new().write(true).create_new(true).open(path)?;
            f.write_all(body.as_bytes())
        }
    }
}

/// Take over the stale lock `stale` (as read) at `path`: rename it away,
/// check it is the lock we judged stale, drop it and create ours. `true`
/// when we now hold the lock.
pub fn steal_stale(path: &Path, body: &str, stale: &LockInfo) -> bool {
    let tmp = unique_sibling(path, "steal");
    if fs::rename(path, &tmp).is_err() {
        return false;
    }
    let grabbed = read_lock(&tmp).unwrap_or_default();
    let same = grabbed.get("owner").unwrap_or("") == stale.get("owner").unwrap_or("")
        && grabbed.get("acquired_at").unwrap_or("") == stale.get("acquired_at").unwrap_or("");
    if !same {
        // Put it back without overwriting a lock created in the meantime.
        let _ = fs::hard_link(&tmp, path);
        let _ = fs::remove_file(&tmp);
        return false;
    }
    let _ = fs::remove_file(&tmp);
    write_lock(path, body).is_ok()
}

/// How long the lock at `path` has been held, in seconds: from its
/// `acquired_at`, or from the file's modification time when the body has no
/// readable stamp.
fn lock_age_s(path: &Path, info: &LockInfo, now_ms: i64) -> Option<f64> {
    if let Some(t) = info.get("acquired_at").and_then(pytime::parse_seconds_stamp) {
        return Some((now_ms - t) as f64 / 1000.0);
    }
    let modified = fs::metadata(path).and_then(|m| m.modified()).ok()?;
    let age = SystemTime::now().duration_since(modified).unwrap_or(Duration::ZERO);
    Some(age.as_secs_f64())
}

/// The lane-lease mutex settings (the reference's defaults).
#[derive(Debug, Clone)]
pub struct MutexOptions {
    pub retries: u32,
    pub retry_interval: Duration,
    pub ttl_seconds: f64,
    /// Scale each pause by a random factor in [0.5, 1.5), so many waiters
    /// do not wake in lock-step (id_alloc's mutex does this).
    pub jitter: bool,
}

impl Default for MutexOptions {
    fn default() -> Self {
        MutexOptions { retries: 5, retry_interval: Duration::from_millis(200), ttl_seconds: 300.0, jitter: false }
    }
}

/// `interval` scaled by a factor in [0.5, 1.5) (xorshift per thread, seeded
/// from the clock and the thread).
fn jittered(interval: Duration) -> Duration {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let t = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1);
            let here = &t as *const u64 as u64;
            (t ^ here.rotate_left(32) ^ u64::from(std::process::id())) | 1
        });
    }
    let r = STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        x
    });
    let unit = (r >> 11) as f64 / (1u64 << 53) as f64;
    interval.mul_f64(0.5 + unit)
}

/// Why the mutex could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("the lock {path} is busy (held by {owner:?})")]
    Busy { path: String, owner: String },
    #[error("the lock {path} cannot be created: {source}")]
    Io { path: String, source: io::Error },
}

/// A held mutex; dropping it releases the lock.
#[derive(Debug)]
pub struct MutexGuard {
    path: PathBuf,
    owner: String,
    pid: u32,
    /// We entered a lock we already held: leave it in place on drop.
    reentered: bool,
}

impl MutexGuard {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for MutexGuard {
    fn drop(&mut self) {
        if self.reentered {
            return;
        }
        if let Some(info) = read_lock(&self.path) {
            let pid = self.pid.to_string();
            if info.get("owner") == Some(self.owner.as_str()) && info.get("pid") == Some(pid.as_str()) {
                let _ = fs::remove_file(&self.path);
            }
        }
    }
}

/// Take the mutex at `path` for `owner`, stealing a lock older than the TTL.
pub fn lock(path: &Path, owner: &str, opts: &MutexOptions) -> Result<MutexGuard, LockError> {
    let pid = std::process::id();
    let pid_text = pid.to_string();
    let started = Instant::now();
    for attempt in 0..=opts.retries {
        let now = super::host::now_ms();
        let body = lock_body(owner, now, pid);
        match write_lock(path, &body) {
            Ok(()) => return Ok(MutexGuard { path: path.to_path_buf(), owner: owner.into(), pid, reentered: false }),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(LockError::Io { path: path.display().to_string(), source: e }),
        }
        let Some(info) = read_lock(path) else { continue };
        if info.get("owner") == Some(owner) && info.get("pid") == Some(pid_text.as_str()) {
            return Ok(MutexGuard { path: path.to_path_buf(), owner: owner.into(), pid, reentered: true });
        }
        if let Some(age) = lock_age_s(path, &info, now) {
            if age >= opts.ttl_seconds {
                if steal_stale(path, &body, &info) {
                    return Ok(MutexGuard { path: path.to_path_buf(), owner: owner.into(), pid, reentered: false });
                }
                continue;
            }
        }
        if attempt < opts.retries {
            thread::sleep(if opts.jitter { jittered(opts.retry_interval) } else { opts.retry_interval });
        }
    }
    let _ = started;
    let holder = read_lock(path).and_then(|i| i.get("owner").map(str::to_string)).unwrap_or_default();
    Err(LockError::Busy { path: path.display().to_string(), owner: holder })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("dos-filelock-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn lock_excludes_and_releases() {
        let d = tmpdir("basic");
        let p = d.join(".lane-lease.lock");
        let opts = MutexOptions { retries: 1, retry_interval: Duration::from_millis(1), ttl_seconds: 300.0, jitter: false };
        let g = lock(&p, "a", &opts).unwrap();
        let body = fs::read_to_string(&p).unwrap();
        assert!(body.starts_with("owner: a\nacquired_at: "), "{body}");
        assert!(matches!(lock(&p, "b", &opts), Err(LockError::Busy { .. })));
        // Same owner, same process: re-entry, and the inner release keeps it.
        drop(lock(&p, "a", &opts).unwrap());
        assert!(p.exists());
        drop(g);
        assert!(!p.exists());
    }

    #[test]
    fn empty_and_foreign_owner_locks() {
        let d = tmpdir("stale");
        let p = d.join("l.lock");
        fs::write(&p, "").unwrap();
        let opts = MutexOptions { retries: 0, retry_interval: Duration::from_millis(1), ttl_seconds: 0.0, jitter: true };
        // An empty lock ages by its file time: with a zero TTL it is stolen.
        let g = lock(&p, "me", &opts).unwrap();
        drop(g);
        // A lock with our owner name but another pid is not ours.
        fs::write(&p, "owner: me\nacquired_at: 2999-01-01T00:00:00Z\npid: 1\n").unwrap();
        let strict = MutexOptions { retries: 0, retry_interval: Duration::from_millis(1), ttl_seconds: 300.0, jitter: false };
        assert!(lock(&p, "me", &strict).is_err());
        assert!(p.exists());
    }
}
