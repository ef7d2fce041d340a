//! Per-scope id counters on disk (the reference's `id_alloc.allocate` and
//! `peek`), sharing files and lock protocol with the Python package.
//!
//! An allocation takes the scope's O_EXCL lock (`<stem>.lock`, the
//! `_filelock` body, a 30 s TTL after which a stale holder is displaced, up
//! to 200 jittered retries 10 ms apart), reads `<stem>.id`, and replaces it
//! with the next id through a private temporary file and a rename. Unlike
//! 0.22.0 the temporary file is flushed to disk before the rename and the
//! directory after it, so a crash cannot leave a counter the reference would
//! read as missing (and reseed from `start`).

use super::filelock::{self, LockError, MutexOptions};
use super::host;
use super::run_id::monotonic_ns;
use dos_core::durable::id_alloc as ia;
use dos_core::envelope::{CallError, Ctx, ErrorCode};
use dos_core::pyjson::Int;
use dos_core::route::{self, Describe, Effect, Module, Op};
use serde::Deserialize;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The id-alloc directory: `$DISPATCH_ID_ALLOC_DIR`, else `id-alloc` under
/// the state home (the layout's leases directory, or `.dos`).
pub fn alloc_dir(state_home: &Path) -> PathBuf {
    match std::env::var_os(ia::ENV_DIR).filter(|v| !v.is_empty()) {
        Some(v) => PathBuf::from(v),
        None => state_home.join(ia::SUBDIR),
    }
}

/// How an allocation waits for its lock, and where a new scope starts.
#[derive(Debug, Clone)]
pub struct AllocOptions {
    pub start: Int,
    /// The lock owner; `None` is `id-alloc:<pid>:<thread>`.
    pub owner: Option<String>,
    pub retries: u32,
    pub retry_interval: Duration,
    pub ttl_seconds: f64,
}

impl Default for AllocOptions {
    fn default() -> Self {
        AllocOptions {
            start: Int::Small(ia::DEFAULT_START),
            owner: None,
            retries: ia::DEFAULT_RETRIES,
            retry_interval: Duration::from_secs_f64(ia::DEFAULT_RETRY_INTERVAL_S),
            ttl_seconds: ia::DEFAULT_LOCK_TTL_SECONDS,
        }
    }
}

/// Why an allocation failed.
#[derive(Debug, thiserror::Error)]
pub enum AllocError {
    #[error("scope_key is required (the series the id belongs to)")]
    EmptyKey,
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("the counter {path} is not UTF-8 text; refusing to guess its value")]
    NotText { path: String },
    #[error("cannot write the counter {path}: {source}")]
    Write { path: String, source: io::Error },
}

/// This thread's identity (`pthread_self`, as Python's `get_ident`).
pub fn thread_ident() -> u64 {
    // SAFETY: pthread_self has no preconditions.
    unsafe { libc::pthread_self() as u64 }
}

fn read_counter(path: &Path) -> Result<Option<Int>, AllocError> {
    match fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Ok(ia::parse_counter(&text)),
            Err(_) => Err(AllocError::NotText { path: path.display().to_string() }),
        },
        Err(_) => Ok(None),
    }
}

fn write_counter(path: &Path, value: &Int) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.{}.tmp", host::pid(), monotonic_ns()));
    let res = (|| {
        let mut f = fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(ia::counter_text(value).as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        // Make the rename itself durable; a directory that cannot be opened
        // or synced only loses that guarantee.
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res
}

/// Hand out the next id of `scope_key` from the counters in `dir`.
pub fn allocate(dir: &Path, scope_key: &str, opts: &AllocOptions) -> Result<Int, AllocError> {
    if scope_key.is_empty() {
        return Err(AllocError::EmptyKey);
    }
    let owner = opts.owner.clone().filter(|o| !o.is_empty()).unwrap_or_else(|| ia::default_owner(host::pid(), thread_ident()));
    let mutex = MutexOptions {
        retries: opts.retries,
        retry_interval: opts.retry_interval,
        ttl_seconds: opts.ttl_seconds,
        jitter: true,
        ..MutexOptions::default()
    };
    let _guard = filelock::lock(&dir.join(ia::lock_name(scope_key)), &owner, &mutex)?;
    let counter = dir.join(ia::counter_name(scope_key));
    let current = read_counter(&counter)?;
    let next = ia::next_id(current.as_ref(), &opts.start);
    write_counter(&counter, &next).map_err(|source| AllocError::Write { path: counter.display().to_string(), source })?;
    Ok(next)
}

/// The last id handed out for `scope_key` (`None`: never), without locking.
pub fn peek(dir: &Path, scope_key: &str) -> Result<Option<Int>, AllocError> {
    read_counter(&dir.join(ia::counter_name(scope_key)))
}

fn call_error(op: &str, e: AllocError) -> CallError {
    let code = match e {
        AllocError::EmptyKey => ErrorCode::BadArgs,
        AllocError::Lock(LockError::Busy { .. }) => ErrorCode::Busy,
        AllocError::Lock(LockError::Io { .. }) | AllocError::NotText { .. } | AllocError::Write { .. } => ErrorCode::Io,
    };
    CallError::new(code, format!("{op}: {e}"))
}

fn default_retries() -> i64 {
    i64::from(ia::DEFAULT_RETRIES)
}

fn default_retry_interval() -> f64 {
    ia::DEFAULT_RETRY_INTERVAL_S
}

fn default_ttl() -> f64 {
    ia::DEFAULT_LOCK_TTL_SECONDS
}

/// The next id of a scope (`start` for a new scope), handed out once: under
/// the scope's lock file the counter is read, the next id written through a
/// temporary file and a rename, and the lock released. A lock held by a
/// live owner is retried `retries` times `retry_interval` seconds apart
/// (jittered), then BUSY; one older than `ttl_seconds` is taken over.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Allocate {
    /// The directory of the counters (`$DISPATCH_ID_ALLOC_DIR`, else
    /// `id-alloc` under the config's state home).
    #[describe(py = "config: Any", via = "id_alloc_dir")]
    pub dir: String,
    /// The scope (not empty).
    pub scope_key: String,
    /// The first id of a new scope.
    #[serde(default = "ia::default_start_int", deserialize_with = "ia::start_or_default")]
    #[describe(kw_only)]
    pub start: Int,
    /// The lock's owner (default: unique per process and thread).
    #[serde(default)]
    pub owner: Option<String>,
    /// How many times a busy lock is retried.
    #[serde(default = "default_retries")]
    pub retries: i64,
    /// The pause between retries, in seconds.
    #[serde(default = "default_retry_interval")]
    pub retry_interval: f64,
    /// A lock older than this many seconds is stale.
    #[serde(default = "default_ttl")]
    pub ttl_seconds: f64,
}

impl Op for Allocate {
    const NAME: &'static str = "id_alloc.allocate";
    const EFFECT: Effect = Effect::WritesFiles;
    type Verdict = Int;

    fn run(self, _: &Ctx<'_>) -> Result<Int, CallError> {
        let bad = |m: &str| CallError::bad_args(format!("{}: {m}", Self::NAME));
        let opts = AllocOptions {
            start: self.start,
            owner: self.owner,
            retries: u32::try_from(self.retries.max(0)).map_err(|_| bad("args.retries: too large"))?,
            retry_interval: Duration::try_from_secs_f64(self.retry_interval.max(0.0))
                .map_err(|_| bad("args.retry_interval: not a duration"))?,
            ttl_seconds: self.ttl_seconds,
        };
        allocate(Path::new(&self.dir), &self.scope_key, &opts).map_err(|e| call_error(Self::NAME, e))
    }
}

/// The last id handed out for a scope, read without the lock; None when the
/// scope has no readable counter.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Peek {
    /// The directory of the counters (as for `allocate`).
    #[describe(py = "config: Any", via = "id_alloc_dir")]
    pub dir: String,
    /// The scope.
    pub scope_key: String,
}

impl Op for Peek {
    const NAME: &'static str = "id_alloc.peek";
    const EFFECT: Effect = Effect::ReadsFiles;
    type Verdict = Option<Int>;

    fn run(self, _: &Ctx<'_>) -> Result<Option<Int>, CallError> {
        peek(Path::new(&self.dir), &self.scope_key).map_err(|e| call_error(Self::NAME, e))
    }
}

/// `dos.id_alloc`'s file ops (its pure ops are `dos-core`'s).
pub const MODULE: Module =
    Module { name: "id_alloc", doc: ia::DOC, routes: &[route::route::<Allocate>(), route::route::<Peek>()], consts: &[] };

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("dos-idalloc-{tag}-{}", host::pid()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn monotonic_isolated_and_never_reused() {
        let d = tmp("basic");
        let o = AllocOptions::default();
        assert_eq!(peek(&d, "s").unwrap(), None);
        assert_eq!(allocate(&d, "s", &o).unwrap(), Int::Small(1));
        assert_eq!(allocate(&d, "s", &o).unwrap(), Int::Small(2));
        assert_eq!(allocate(&d, "t", &o).unwrap(), Int::Small(1));
        assert_eq!(peek(&d, "s").unwrap(), Some(Int::Small(2)));
        assert_eq!(fs::read(d.join(ia::counter_name("s"))).unwrap(), b"2");
        // A start below the mark never regresses it.
        let low = AllocOptions { start: Int::Small(-5), ..AllocOptions::default() };
        assert_eq!(allocate(&d, "s", &low).unwrap(), Int::Small(3));
        // A corrupt counter reseeds from start.
        fs::write(d.join(ia::counter_name("s")), "junk").unwrap();
        assert_eq!(allocate(&d, "s", &o).unwrap(), Int::Small(1));
        assert!(matches!(allocate(&d, "", &o), Err(AllocError::EmptyKey)));
        // Only the counter files remain: no lock, no temporary file.
        let mut names: Vec<_> = fs::read_dir(&d).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(names, vec![ia::counter_name("s"), ia::counter_name("t")]);
    }

    #[test]
    fn a_fresh_foreign_lock_times_out_and_a_stale_one_is_taken() {
        let d = tmp("locks");
        fs::create_dir_all(&d).unwrap();
        let lock = d.join(ia::lock_name("s"));
        let now = host::now_ms();
        fs::write(&lock, filelock::lock_body("someone", now, 1)).unwrap();
        let quick = AllocOptions { retries: 2, retry_interval: Duration::from_millis(1), ..AllocOptions::default() };
        assert!(matches!(allocate(&d, "s", &quick), Err(AllocError::Lock(LockError::Busy { .. }))));
        fs::write(&lock, filelock::lock_body("someone", now - 31_000, 1)).unwrap();
        assert_eq!(allocate(&d, "s", &quick).unwrap(), Int::Small(1));
        assert!(!lock.exists());
    }
}
