//! The archive lock (`dos lease`): a ceremony mutex held across process
//! invocations and named by owner, so the same owner re-enters it (and
//! refreshes its stamp) from any process. Same lock-file format as the
//! other locks; `acquired_at` is read in the second or the minute form.
//! The refresh is written atomically (the reference rewrites it in place).

use super::filelock::{read_lock, steal_stale, write_lock};
use super::host;
use dos_core::envelope::{CallError, Ctx, ErrorCode};
use dos_core::pytime;
use dos_core::route::{self, Describe, Effect, Module, Op};
use serde::{Deserialize, Serialize};
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

// The envelope ops: one record per verb, every field present (None where
// the outcome does not name it).

/// How `acquire` ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "snake_case")]
pub enum ArchiveAcquireOutcome {
    /// The lock was free and is now the owner's.
    Acquired,
    /// The owner already held it; its stamp was refreshed.
    Reentrant,
    /// A lock older than the TTL was taken over.
    StoleStale,
    /// Another owner held it through every retry.
    Busy,
}

/// What `archive_lock.acquire` did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ArchiveAcquired {
    /// How it ended.
    pub outcome: ArchiveAcquireOutcome,
    /// `reentrant`: the stamp the lock carried before the refresh.
    pub prev_acquired_at: Option<String>,
    /// `stole_stale`: the owner of the stale lock.
    pub prev_owner: Option<String>,
    /// `busy`: the owner holding the lock.
    pub owner: Option<String>,
    /// `stole_stale`, `busy`: the age of the lock found, in seconds (None
    /// when its stamp cannot be read).
    pub age_s: Option<f64>,
}

impl From<Acquired> for ArchiveAcquired {
    fn from(a: Acquired) -> Self {
        let none = |outcome| ArchiveAcquired { outcome, prev_acquired_at: None, prev_owner: None, owner: None, age_s: None };
        match a {
            Acquired::Acquired => none(ArchiveAcquireOutcome::Acquired),
            Acquired::Reentrant { prev_acquired_at } => {
                ArchiveAcquired { prev_acquired_at: Some(prev_acquired_at), ..none(ArchiveAcquireOutcome::Reentrant) }
            }
            Acquired::StoleStale { prev_owner, age_s } => {
                ArchiveAcquired { prev_owner: Some(prev_owner), age_s: Some(age_s), ..none(ArchiveAcquireOutcome::StoleStale) }
            }
            Acquired::Busy { owner, age_s } => ArchiveAcquired { owner: Some(owner), age_s, ..none(ArchiveAcquireOutcome::Busy) },
        }
    }
}

/// How `release` ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "snake_case")]
pub enum ArchiveReleaseOutcome {
    /// There was no lock.
    NoLock,
    /// The owner's lock was removed.
    Released,
    /// The lock was removed whoever held it.
    ForceReleased,
    /// Another owner holds it: left alone.
    OwnerMismatch,
}

/// What `archive_lock.release` did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ArchiveReleased {
    /// How it ended.
    pub outcome: ArchiveReleaseOutcome,
    /// `force_released`: the owner whose lock was removed.
    pub was: Option<String>,
    /// `owner_mismatch`: the owner holding the lock.
    pub have: Option<String>,
}

impl From<Released> for ArchiveReleased {
    fn from(r: Released) -> Self {
        let (outcome, was, have) = match r {
            Released::NoLock => (ArchiveReleaseOutcome::NoLock, None, None),
            Released::Released => (ArchiveReleaseOutcome::Released, None, None),
            Released::ForceReleased { was } => (ArchiveReleaseOutcome::ForceReleased, Some(was), None),
            Released::Mismatch { have } => (ArchiveReleaseOutcome::OwnerMismatch, None, Some(have)),
        };
        ArchiveReleased { outcome, was, have }
    }
}

/// The archive lock's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "snake_case")]
pub enum ArchiveLockState {
    /// No lock file.
    Free,
    /// Held, and younger than the TTL (or of unreadable age).
    Held,
    /// Held, and at least the TTL old: the next acquire takes it over.
    Stale,
}

/// What `archive_lock.status` found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ArchiveStatus {
    /// The lock's state.
    pub state: ArchiveLockState,
    /// `held`, `stale`: the owner.
    pub owner: Option<String>,
    /// `held`, `stale`: the lock's age in seconds (None when its stamp
    /// cannot be read).
    pub age_s: Option<f64>,
}

impl From<Status> for ArchiveStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Free => ArchiveStatus { state: ArchiveLockState::Free, owner: None, age_s: None },
            Status::Held { owner, age_s } => ArchiveStatus { state: ArchiveLockState::Held, owner: Some(owner), age_s },
            Status::Stale { owner, age_s } => ArchiveStatus { state: ArchiveLockState::Stale, owner: Some(owner), age_s: Some(age_s) },
        }
    }
}

fn io_error(op: &str, e: io::Error) -> CallError {
    CallError::new(ErrorCode::Io, format!("{op}: {e}"))
}

fn ttl() -> f64 {
    ArchiveOptions::default().ttl_seconds
}

fn retries() -> i64 {
    i64::from(ArchiveOptions::default().retries)
}

fn retry_interval() -> f64 {
    ArchiveOptions::default().retry_interval.as_secs_f64()
}

/// Take the archive lock for `owner`: created when free, re-entered (its
/// stamp refreshed) when the owner holds it, taken over when at least
/// `ttl_seconds` old; else retried `retries` times, `retry_interval`
/// seconds apart, before answering `busy`. `$DISPATCH_ARCHIVE_LOCK_PATH`
/// wins over `path`.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Acquire {
    /// The lock file.
    pub path: String,
    /// Who takes it.
    pub owner: String,
    /// The age in seconds from which a lock is stale.
    #[serde(default = "ttl")]
    pub ttl_seconds: f64,
    /// How many more tries after the first.
    #[serde(default = "retries")]
    #[describe(min = 0)]
    pub retries: i64,
    /// Seconds between tries.
    #[serde(default = "retry_interval")]
    pub retry_interval: f64,
}

impl Op for Acquire {
    const NAME: &'static str = "archive_lock.acquire";
    const EFFECT: Effect = Effect::WritesFiles;
    type Verdict = ArchiveAcquired;

    fn run(self, _: &Ctx<'_>) -> Result<ArchiveAcquired, CallError> {
        let retries = u32::try_from(self.retries).map_err(|_| CallError::bad_args(format!("{}: args.retries: too large", Self::NAME)))?;
        let retry_interval = Duration::try_from_secs_f64(self.retry_interval).map_err(|_| {
            CallError::bad_args(format!("{}: args.retry_interval: must be a finite number of seconds, 0 or more", Self::NAME))
        })?;
        let opts = ArchiveOptions { ttl_seconds: self.ttl_seconds, retries, retry_interval };
        acquire(&resolve_path(Path::new(&self.path)), &self.owner, &opts).map(Into::into).map_err(|e| io_error(Self::NAME, e))
    }
}

/// Release the archive lock held by `owner`; with `force`, whoever holds
/// it. A lock another owner holds is left alone (`owner_mismatch`, not an
/// error). `$DISPATCH_ARCHIVE_LOCK_PATH` wins over `path`.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// The lock file.
    pub path: String,
    /// Who releases it.
    pub owner: String,
    /// Remove it whoever holds it.
    #[serde(default)]
    pub force: bool,
}

impl Op for Release {
    const NAME: &'static str = "archive_lock.release";
    const EFFECT: Effect = Effect::WritesFiles;
    type Verdict = ArchiveReleased;

    fn run(self, _: &Ctx<'_>) -> Result<ArchiveReleased, CallError> {
        release(&resolve_path(Path::new(&self.path)), &self.owner, self.force).map(Into::into).map_err(|e| io_error(Self::NAME, e))
    }
}

/// The archive lock's state: free, held, or stale (at least `ttl_seconds`
/// old). `$DISPATCH_ARCHIVE_LOCK_PATH` wins over `path`.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct StatusOf {
    /// The lock file.
    pub path: String,
    /// The age in seconds from which a lock is stale.
    #[serde(default = "ttl")]
    pub ttl_seconds: f64,
}

impl Op for StatusOf {
    const NAME: &'static str = "archive_lock.status";
    const EFFECT: Effect = Effect::ReadsFiles;
    const PY_NAME: &'static str = "status";
    type Verdict = ArchiveStatus;

    fn run(self, _: &Ctx<'_>) -> Result<ArchiveStatus, CallError> {
        Ok(status(&resolve_path(Path::new(&self.path)), self.ttl_seconds).into())
    }
}

/// The archive lock (`dos lease`): libdos's ops over the reference's lock
/// file, which the reference drives from its CLI only.
pub const MODULE: Module = Module {
    name: "archive_lock",
    doc: "The archive lock (`dos lease`): a mutex held across process invocations and named by owner, so the same owner re-enters it from any process, and a lock at least the TTL old is taken over. The reference drives it from its command line only; these are libdos's functions over the same lock file.",
    routes: &[route::route::<Acquire>(), route::route::<Release>(), route::route::<StatusOf>()],
    consts: &[],
};

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
