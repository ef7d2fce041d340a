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
//!   cannot overwrite a lock a third process created meanwhile;
//! - the lane-lease mutex serves libdos waiters in turn (a queue file beside
//!   the lock, `<lock>.queue`, that only libdos reads), so a releaser cannot
//!   re-take the lock ahead of those waiting; a release waits for as long as
//!   the lock keeps changing hands;
//! - its lock body adds `host:`, `boot_id:`, `pid_ns:` and `pid_start:`
//!   lines (0.22.0 reads and ignores them), and a lock whose holder is
//!   provably gone by them (same boot and pid namespace, the pid no longer
//!   running the process that started at `pid_start`) is taken over at once
//!   instead of after the TTL.

use super::host;
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
    /// Wait in turn: libdos processes line up first come, first served in
    /// the queue file beside the lock (`<lock>.queue`) and only the first in
    /// line tries the lock file, so a releaser cannot re-take the lock ahead
    /// of those already waiting. The lock file itself is unchanged: other
    /// processes keep polling it and are honoured as before. The budget is
    /// then `retries × retry_interval` of wall time rather than a count of
    /// tries.
    pub fair: bool,
    /// Take over at once a lock whose holder is provably gone: one written
    /// by libdos in this pid namespace on this boot (its `boot_id:` and
    /// `pid_ns:` lines equal ours) whose pid no longer runs, is a zombie or
    /// now names a process with another start time (`pid_start:`). Such
    /// locks carry those lines; a lock without them keeps the TTL.
    pub take_over_dead: bool,
    /// Give up only when the lock stays with one holder for the whole budget
    /// and that holder is not provably running (stopped, or not judged here:
    /// another machine, or a reference process), or after the TTL plus the
    /// budget in all: for a verb that must not be lost to contention, such
    /// as a release.
    pub until_stalled: bool,
}

impl Default for MutexOptions {
    fn default() -> Self {
        MutexOptions {
            retries: 5,
            retry_interval: Duration::from_millis(200),
            ttl_seconds: 300.0,
            jitter: false,
            fair: false,
            take_over_dead: false,
            until_stalled: false,
        }
    }
}

impl MutexOptions {
    /// The lane-lease mutex: the reference's budget and TTL, waiters served
    /// in turn, dead holders taken over.
    pub fn lane_lease() -> Self {
        MutexOptions { fair: true, take_over_dead: true, ..MutexOptions::default() }
    }

    /// These settings for a verb that must not be lost to contention.
    pub fn patient(&self) -> Self {
        MutexOptions { until_stalled: true, ..self.clone() }
    }

    fn budget(&self) -> Duration {
        self.retry_interval.saturating_mul(self.retries)
    }
}

/// `interval` scaled by a factor in [0.5, 1.5) (xorshift per thread, seeded
/// from the clock and the thread).
fn jittered(interval: Duration) -> Duration {
    let unit = (random_u64() >> 11) as f64 / (1u64 << 53) as f64;
    interval.mul_f64(0.5 + unit)
}

fn random_u64() -> u64 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let t = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1);
            let here = &t as *const u64 as u64;
            (t ^ here.rotate_left(32) ^ u64::from(std::process::id()).rotate_left(16)) | 1
        });
    }
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        x
    })
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

/// Where this process's pids mean something, and when it started (read
/// afresh by each `lock`: a few small /proc reads, and nothing cached for a
/// forked child to inherit).
type Here = Option<(host::Namespace, u64)>;

fn here() -> Here {
    host::namespace().zip(host::own_start_ticks())
}

/// The lines a libdos lock adds so that its holder can be proved gone. The
/// reference reads every `key: value` line and looks only at `owner`,
/// `acquired_at` (and `pid` nowhere), so it honours such a lock unchanged.
fn identity_lines(here: &Here) -> String {
    match here {
        Some((ns, start)) => {
            format!("host: {}\nboot_id: {}\npid_ns: {}\npid_start: {start}\n", host::hostname(), ns.boot_id, ns.pid_ns)
        }
        None => String::new(),
    }
}

/// Is the holder of the lock `info` provably gone? Only for a lock written
/// in this pid namespace on this boot; anything else cannot be told.
pub fn holder_is_gone(info: &LockInfo) -> bool {
    gone_by(info, &here())
}

fn gone_by(info: &LockInfo, here: &Here) -> bool {
    let Some((ns, _)) = here else { return false };
    if info.get("boot_id") != Some(ns.boot_id.as_str()) || info.get("pid_ns").and_then(|v| v.parse::<u64>().ok()) != Some(ns.pid_ns) {
        return false;
    }
    let Some(pid) = info.get("pid").and_then(|v| v.parse::<i64>().ok()) else { return false };
    let start = info.get("pid_start").and_then(|v| v.parse::<u64>().ok());
    host::process_alive(pid, start) == Some(false)
}

/// Is the holder of the lock `raw` provably running: written in our pid
/// namespace on this boot, its process the one that started at `pid_start`,
/// and neither stopped nor a zombie?
fn holder_running(raw: &[u8], here: &Here) -> bool {
    let Some((ns, _)) = here else { return false };
    let info = LockInfo::parse(&String::from_utf8_lossy(raw));
    if info.get("boot_id") != Some(ns.boot_id.as_str()) || info.get("pid_ns").and_then(|v| v.parse::<u64>().ok()) != Some(ns.pid_ns) {
        return false;
    }
    let pid = info.get("pid").and_then(|v| v.parse::<u32>().ok());
    let start = info.get("pid_start").and_then(|v| v.parse::<u64>().ok());
    let (Some(pid), Some(start)) = (pid, start) else { return false };
    matches!(host::proc_stat(pid), Some((state, t)) if t == start && !matches!(state, 'T' | 't' | 'Z' | 'X' | 'x'))
}

/// Take over the lock at `path` whose holder is gone, if it still holds
/// exactly `seen` (every byte: a new lock by the same owner in the same
/// second differs in its pid or start time). `true` when we now hold it.
fn take_over(path: &Path, body: &str, seen: &[u8]) -> bool {
    let tmp = unique_sibling(path, "takeover");
    if fs::rename(path, &tmp).is_err() {
        return false;
    }
    if fs::read(&tmp).ok().as_deref() != Some(seen) {
        // Not the lock we judged: put it back without overwriting a lock
        // created meanwhile.
        let _ = fs::hard_link(&tmp, path);
        let _ = fs::remove_file(&tmp);
        return false;
    }
    let _ = fs::remove_file(&tmp);
    write_lock(path, body).is_ok()
}

/// The raw lock file: `Ok(None)` when there is none.
fn read_raw(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The taker of a mutex.
struct Taker<'a> {
    path: &'a Path,
    owner: &'a str,
    pid: u32,
    pid_text: String,
    opts: &'a MutexOptions,
    here: Here,
}

enum Try {
    Held(MutexGuard),
    /// Held by someone else.
    Busy,
    /// Gone between two looks, or a steal lost to another: try again now.
    Again,
}

impl Taker<'_> {
    fn guard(&self, reentered: bool) -> MutexGuard {
        MutexGuard { path: self.path.to_path_buf(), owner: self.owner.into(), pid: self.pid, reentered }
    }

    fn ours(&self, info: &LockInfo) -> bool {
        info.get("owner") == Some(self.owner) && info.get("pid") == Some(self.pid_text.as_str())
    }

    fn body(&self, now: i64) -> String {
        let mut b = lock_body(self.owner, now, self.pid);
        if self.opts.take_over_dead {
            b.push_str(&identity_lines(&self.here));
        }
        b
    }

    fn io(&self, source: io::Error) -> LockError {
        LockError::Io { path: self.path.display().to_string(), source }
    }

    /// One try: create the lock, or judge the one in place (ours again,
    /// its holder gone, or older than the TTL).
    fn try_once(&self) -> Result<Try, LockError> {
        let now = host::now_ms();
        let body = self.body(now);
        let raw = match read_raw(self.path) {
            Ok(None) => match write_lock(self.path, &body) {
                Ok(()) => return Ok(Try::Held(self.guard(false))),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match read_raw(self.path) {
                    Ok(Some(raw)) => raw,
                    Ok(None) => return Ok(Try::Again),
                    Err(_) => return Ok(Try::Busy),
                },
                Err(e) => return Err(self.io(e)),
            },
            Ok(Some(raw)) => raw,
            Err(_) => return Ok(Try::Busy),
        };
        let info = LockInfo::parse(&String::from_utf8_lossy(&raw));
        if self.ours(&info) {
            return Ok(Try::Held(self.guard(true)));
        }
        if self.opts.take_over_dead && gone_by(&info, &self.here) {
            return Ok(if take_over(self.path, &body, &raw) { Try::Held(self.guard(false)) } else { Try::Again });
        }
        if let Some(age) = lock_age_s(self.path, &info, now) {
            if age >= self.opts.ttl_seconds {
                return Ok(if steal_stale(self.path, &body, &info) { Try::Held(self.guard(false)) } else { Try::Again });
            }
        }
        Ok(Try::Busy)
    }

    fn busy(&self) -> LockError {
        let holder = read_lock(self.path).and_then(|i| i.get("owner").map(str::to_string)).unwrap_or_default();
        LockError::Busy { path: self.path.display().to_string(), owner: holder }
    }
}

/// When to give up waiting.
struct Patience {
    started: Instant,
    last_progress: Instant,
    budget: Duration,
    until_stalled: bool,
    cap: Duration,
    /// What progress is judged by: the lock file's bytes, the first in line.
    seen: Option<(Option<Vec<u8>>, u64)>,
}

impl Patience {
    fn new(opts: &MutexOptions) -> Patience {
        let now = Instant::now();
        let ttl = Duration::try_from_secs_f64(opts.ttl_seconds.max(0.0)).unwrap_or(Duration::from_secs(300));
        Patience {
            started: now,
            last_progress: now,
            budget: opts.budget(),
            until_stalled: opts.until_stalled,
            cap: ttl.saturating_add(opts.budget()),
            seen: None,
        }
    }

    /// Note the state of the lock (and of the line); a change is progress,
    /// and so, when waiting until stalled, is a holder that is provably
    /// running (a slow critical section is not a stuck one). `true` when the
    /// state changed.
    fn observe(&mut self, lock: Option<Vec<u8>>, first_in_line: u64, here: &Here) -> bool {
        let now = (lock, first_in_line);
        if self.seen.as_ref() != Some(&now) {
            self.seen = Some(now);
            self.last_progress = Instant::now();
            return true;
        }
        if self.until_stalled {
            if let Some((Some(raw), _)) = &self.seen {
                if holder_running(raw, here) {
                    self.last_progress = Instant::now();
                }
            }
        }
        false
    }

    fn exhausted(&self) -> bool {
        if self.until_stalled {
            self.last_progress.elapsed() >= self.budget || self.started.elapsed() >= self.cap
        } else {
            self.started.elapsed() >= self.budget
        }
    }
}

/// Take the mutex at `path` for `owner`: create the lock file, re-enter our
/// own, take over a lock whose holder is gone (`take_over_dead`) or one older
/// than the TTL; otherwise wait (in turn with `fair`) within the budget.
pub fn lock(path: &Path, owner: &str, opts: &MutexOptions) -> Result<MutexGuard, LockError> {
    let pid = std::process::id();
    let here = if opts.fair || opts.take_over_dead { here() } else { None };
    let t = Taker { path, owner, pid, pid_text: pid.to_string(), opts, here };
    // Our own lock: re-entry, without waiting behind anyone.
    if let Ok(Some(raw)) = read_raw(path) {
        if t.ours(&LockInfo::parse(&String::from_utf8_lossy(&raw))) {
            return Ok(t.guard(true));
        }
    }
    let mut patience = Patience::new(opts);
    if opts.fair {
        if let Some(q) = Queue::open(&queue_path(path), &t.here) {
            if let Some(done) = lock_in_turn(&t, q, &mut patience) {
                return done;
            }
        }
    }
    lock_polling(&t, &mut patience)
}

/// Poll the lock file (the reference's way): `retries + 1` tries, or until
/// stalled; with `fair`, until the budget is spent.
fn lock_polling(t: &Taker, patience: &mut Patience) -> Result<MutexGuard, LockError> {
    let opts = t.opts;
    let mut tries = 0u32;
    loop {
        let outcome = t.try_once()?;
        let busy = match outcome {
            Try::Held(g) => return Ok(g),
            Try::Busy => true,
            Try::Again => false,
        };
        tries = tries.saturating_add(1);
        let done = if opts.until_stalled || opts.fair {
            patience.observe(read_raw(t.path).ok().flatten(), 0, &t.here);
            patience.exhausted()
        } else {
            tries > opts.retries
        };
        if done {
            return Err(t.busy());
        }
        if busy {
            thread::sleep(if opts.jitter { jittered(opts.retry_interval) } else { opts.retry_interval });
        }
    }
}

/// The queue beside a lock.
pub fn queue_path(lock: &Path) -> PathBuf {
    let name = lock.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    lock.with_file_name(format!("{name}.queue"))
}

/// How often a waiter rewrites its line to show it is still waiting.
const BEAT_EVERY: Duration = Duration::from_millis(100);
/// A first in line whose beat has not changed for this long (as seen by a
/// waiter, on its own clock) has stopped waiting and is dropped.
const STALE_AFTER: Duration = Duration::from_secs(1);
/// How long to try for the queue file's flock before polling the lock file
/// instead (a read and rewrite of the line takes microseconds).
const FLOCK_WAIT: Duration = Duration::from_millis(200);

/// One waiter's line in the queue file:
/// `<token> <pid> <pid_start> <beat> <boot_id> <pid_ns>` (`-`/0 unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Waiter {
    token: u64,
    pid: u32,
    start: u64,
    beat: u64,
    boot_id: String,
    pid_ns: u64,
}

impl Waiter {
    fn parse(line: &str) -> Option<Waiter> {
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        let [token, pid, start, beat, boot_id, pid_ns] = f.as_slice() else { return None };
        Some(Waiter {
            token: u64::from_str_radix(token, 16).ok()?,
            pid: pid.parse().ok()?,
            start: start.parse().ok()?,
            beat: beat.parse().ok()?,
            boot_id: (*boot_id).to_string(),
            pid_ns: pid_ns.parse().ok()?,
        })
    }

    fn line(&self) -> String {
        format!("{:016x} {} {} {} {} {}\n", self.token, self.pid, self.start, self.beat, self.boot_id, self.pid_ns)
    }

    /// Provably gone: in our namespace, and its process no longer runs.
    fn gone(&self, ns: Option<&host::Namespace>) -> bool {
        let Some(ns) = ns else { return false };
        if self.boot_id != ns.boot_id || self.pid_ns != ns.pid_ns {
            return false;
        }
        host::process_alive(i64::from(self.pid), Some(self.start).filter(|&s| s > 0)) == Some(false)
    }
}

/// This call's place in the queue file of a lock. The file is only read and
/// rewritten under `flock`, which the kernel drops when a process dies.
struct Queue {
    file: fs::File,
    me: Waiter,
    /// Ours, to judge other waiters' pids by.
    ns: Option<host::Namespace>,
    enqueued: bool,
    last_beat: Instant,
    /// The first in line as last seen: (token, beat, since).
    first_seen: Option<(u64, u64, Instant)>,
}

impl Queue {
    fn open(path: &Path, here: &Here) -> Option<Queue> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                fs::create_dir_all(dir).ok()?;
            }
        }
        let file = fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path).ok()?;
        let (ns, start) = match here {
            Some((ns, start)) => (Some(ns.clone()), *start),
            None => (None, 0),
        };
        let me = Waiter {
            token: random_u64() ^ host::now_ms() as u64,
            pid: std::process::id(),
            start,
            beat: 0,
            boot_id: ns.as_ref().map_or_else(|| "-".to_string(), |n| n.boot_id.clone()),
            pid_ns: ns.as_ref().map_or(0, |n| n.pid_ns),
        };
        Some(Queue { file, me, ns, enqueued: false, last_beat: Instant::now(), first_seen: None })
    }

    fn flock(&self, op: libc::c_int) -> io::Result<()> {
        use std::os::unix::io::AsRawFd;
        loop {
            // SAFETY: the descriptor is open for the life of `self.file`.
            if unsafe { libc::flock(self.file.as_raw_fd(), op) } == 0 {
                return Ok(());
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    /// Hold the queue file, for the few microseconds a read and rewrite
    /// take. Tried without blocking: a process stopped while inside would
    /// otherwise hold up every other for as long as it stays stopped.
    /// `false` after `FLOCK_WAIT` (or on a file system without flock).
    fn enter(&self) -> bool {
        let started = Instant::now();
        let mut pause = Duration::from_micros(10);
        loop {
            match self.flock(libc::LOCK_EX | libc::LOCK_NB) {
                Ok(()) => return true,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => return false,
            }
            if started.elapsed() >= FLOCK_WAIT {
                return false;
            }
            thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_micros(500));
        }
    }

    fn exit(&self) {
        let _ = self.flock(libc::LOCK_UN);
    }

    fn read(&self) -> Vec<Waiter> {
        use std::os::unix::fs::FileExt;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            match self.file.read_at(&mut chunk, buf.len() as u64) {
                Ok(0) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        String::from_utf8_lossy(&buf).lines().filter_map(Waiter::parse).collect()
    }

    fn write(&self, line: &[Waiter]) {
        use std::os::unix::fs::FileExt;
        let text: String = line.iter().map(Waiter::line).collect();
        if self.file.write_all_at(text.as_bytes(), 0).is_ok() {
            let _ = self.file.set_len(text.len() as u64);
        }
    }

    /// Drop the first in line while it is provably gone or has stopped
    /// beating (never ourselves). `true` when the line changed.
    fn prune(&mut self, line: &mut Vec<Waiter>) -> bool {
        let mut changed = false;
        while let Some(first) = line.first() {
            if first.token == self.me.token {
                self.first_seen = None;
                break;
            }
            let stale = match self.first_seen {
                Some((tok, beat, since)) if tok == first.token && beat == first.beat => since.elapsed() >= STALE_AFTER,
                _ => {
                    self.first_seen = Some((first.token, first.beat, Instant::now()));
                    false
                }
            };
            if stale || first.gone(self.ns.as_ref()) {
                line.remove(0);
                self.first_seen = None;
                changed = true;
            } else {
                break;
            }
        }
        changed
    }

    fn leave(&mut self) {
        if !self.enqueued {
            return;
        }
        self.enqueued = false;
        // When the file cannot be had, our line is dropped later as stalled.
        if self.enter() {
            let mut line = self.read();
            let before = line.len();
            line.retain(|w| w.token != self.me.token);
            if line.len() != before {
                self.write(&line);
            }
            self.exit();
        }
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        self.leave();
    }
}

/// Wait in turn for the lock: join the end of the line, and try the lock
/// file only when first in line (or when nobody waits). `None` when the
/// queue file stops working: the caller polls instead.
fn lock_in_turn(t: &Taker, mut q: Queue, patience: &mut Patience) -> Option<Result<MutexGuard, LockError>> {
    let mut first_polls = 0u32;
    loop {
        if !q.enter() {
            return None;
        }
        let mut line = q.read();
        let mut dirty = q.prune(&mut line);
        let pos = line.iter().position(|w| w.token == q.me.token);
        if pos.is_none() && q.enqueued {
            // Dropped from the line (we stalled, or the file was lost): the
            // end of the line again.
            q.enqueued = false;
        }
        let my_turn = match pos {
            Some(0) => true,
            Some(_) => false,
            None => line.is_empty(),
        };
        if my_turn {
            match t.try_once() {
                Ok(Try::Held(g)) => {
                    if pos.is_some() {
                        line.remove(0);
                        dirty = true;
                    }
                    if dirty {
                        q.write(&line);
                    }
                    q.enqueued = false;
                    q.exit();
                    return Some(Ok(g));
                }
                Ok(Try::Again) => first_polls = 0,
                Ok(Try::Busy) => {}
                Err(e) => {
                    if dirty {
                        q.write(&line);
                    }
                    q.exit();
                    return Some(Err(e));
                }
            }
        }
        match line.iter_mut().find(|w| w.token == q.me.token) {
            None => {
                q.me.beat = q.me.beat.wrapping_add(1);
                q.last_beat = Instant::now();
                line.push(q.me.clone());
                q.enqueued = true;
                dirty = true;
            }
            Some(w) if q.last_beat.elapsed() >= BEAT_EVERY => {
                q.me.beat = q.me.beat.wrapping_add(1);
                q.last_beat = Instant::now();
                w.beat = q.me.beat;
                dirty = true;
            }
            Some(_) => {}
        }
        if dirty {
            q.write(&line);
        }
        let place = line.iter().position(|w| w.token == q.me.token).unwrap_or(0);
        let first = line.first().map_or(0, |w| w.token);
        q.exit();

        if patience.observe(read_raw(t.path).ok().flatten(), first, &t.here) {
            first_polls = 0;
        }
        if patience.exhausted() {
            q.leave();
            return Some(Err(t.busy()));
        }
        // First in line polls the lock file closely (50 µs doubling to
        // 1 ms while it stays with one holder); the others watch the line.
        let pause = if place == 0 {
            first_polls = first_polls.saturating_add(1);
            Duration::from_micros(50u64 << first_polls.min(5)).min(Duration::from_millis(1))
        } else {
            Duration::from_micros(200 * place as u64).min(Duration::from_millis(2))
        };
        thread::sleep(pause);
    }
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
        let opts = MutexOptions {
            retries: 1,
            retry_interval: Duration::from_millis(1),
            ttl_seconds: 300.0,
            jitter: false,
            ..MutexOptions::default()
        };
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
    fn threads_in_turn_never_share_the_mutex() {
        let d = tmpdir("threads");
        let p = d.join(".lane-lease.lock");
        let inside = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let opts = MutexOptions { retries: 3000, retry_interval: Duration::from_millis(10), ..MutexOptions::lane_lease() };
        let handles: Vec<_> = (0..6)
            .map(|k| {
                let (p, inside, opts) = (p.clone(), inside.clone(), opts.clone());
                thread::spawn(move || {
                    for _ in 0..20 {
                        let g = lock(&p, &format!("t{k}"), &opts).expect("in turn, within the budget");
                        assert_eq!(inside.fetch_add(1, std::sync::atomic::Ordering::SeqCst), 0, "two holders at once");
                        thread::sleep(Duration::from_micros(200));
                        inside.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                        drop(g);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert!(!p.exists());
        // Everyone left the line.
        assert_eq!(fs::read_to_string(queue_path(&p)).unwrap(), "");
    }

    #[test]
    fn queue_lines_round_trip_and_junk_is_skipped() {
        let w = Waiter { token: 0xabc, pid: 7, start: 99, beat: 3, boot_id: "b-1".into(), pid_ns: 4026531836 };
        assert_eq!(Waiter::parse(&w.line()), Some(w.clone()));
        assert_eq!(Waiter::parse("zz 7 99 3 b-1 4"), None);
        assert_eq!(Waiter::parse("abc 7 99 3 b-1"), None);
        assert_eq!(Waiter::parse(""), None);
    }

    #[test]
    fn our_lock_body_adds_lines_the_reference_parser_ignores() {
        let d = tmpdir("body");
        let p = d.join(".lane-lease.lock");
        let g = lock(&p, "a", &MutexOptions::lane_lease()).unwrap();
        let info = read_lock(&p).unwrap();
        assert_eq!(info.get("owner"), Some("a"));
        assert_eq!(info.get("pid"), Some(std::process::id().to_string().as_str()));
        if host::namespace().is_some() {
            assert!(info.get("boot_id").is_some() && info.get("pid_ns").is_some() && info.get("pid_start").is_some());
            // Ours and alive: not gone.
            assert!(!holder_is_gone(&info));
        }
        drop(g);
        // The plain mutex (id_alloc's) writes the reference's three lines.
        let g = lock(&p, "a", &MutexOptions::default()).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap().lines().count(), 3);
        drop(g);
    }

    #[test]
    fn empty_and_foreign_owner_locks() {
        let d = tmpdir("stale");
        let p = d.join("l.lock");
        fs::write(&p, "").unwrap();
        let opts = MutexOptions {
            retries: 0,
            retry_interval: Duration::from_millis(1),
            ttl_seconds: 0.0,
            jitter: true,
            ..MutexOptions::default()
        };
        // An empty lock ages by its file time: with a zero TTL it is stolen.
        let g = lock(&p, "me", &opts).unwrap();
        drop(g);
        // A lock with our owner name but another pid is not ours.
        fs::write(&p, "owner: me\nacquired_at: 2999-01-01T00:00:00Z\npid: 1\n").unwrap();
        let strict = MutexOptions {
            retries: 0,
            retry_interval: Duration::from_millis(1),
            ttl_seconds: 300.0,
            jitter: false,
            ..MutexOptions::default()
        };
        assert!(lock(&p, "me", &strict).is_err());
        assert!(p.exists());
    }
}
