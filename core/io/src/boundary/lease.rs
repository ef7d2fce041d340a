//! The lane-lease verbs over the journal on disk (the reference's
//! `lane_lease`): each reads the live set, decides, and appends, under the
//! lane-lease mutex next to the journal.

use super::filelock::{self, LockError, MutexOptions};
use super::host;
use super::journal::{self, AppendError};
use dos_core::journal::integrity::{self, Damage, WAL_INTEGRITY};
use dos_core::journal::lease as rules;
use dos_core::journal::records::{self, AcquireExtras};
use dos_core::journal::{compact, Decoder};
use dos_core::pyjson::{Dict, Int, Value};
use dos_core::pytime;
use dos_core::route::Describe;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// What a verb can fail with.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Append(#[from] AppendError),
    #[error("cannot read the lane journal {path}: {source}")]
    Read { path: String, source: io::Error },
    #[error("the arbiter could not decide: {0}")]
    Decide(String),
    /// The lease store (a database) failed or could not be reached (IO_ERROR).
    #[error("lease store: {0}")]
    Store(String),
    /// The store's per-workspace lock stayed held past the budget (BUSY).
    #[error("lease store busy: {0}")]
    StoreBusy(String),
    /// A strict read met mid-file damage (the message names the record).
    #[error("{}", .damage.describe(.path))]
    Damaged { path: String, damage: Damage },
}

/// One serialized step of a lease store: what a verb sees and writes while
/// it holds the workspace's lock (the lane-lease mutex for the file
/// journal, one transaction under an advisory lock for PostgreSQL). The
/// verbs below are written once over it, so both backends decide alike.
pub trait Journal {
    /// The structural live set (every un-released lease).
    fn live(&mut self) -> Result<Vec<Dict>, LeaseError>;
    /// Append `entry`, stamping `seq` and `ts` when absent; the stamped record.
    fn append(&mut self, entry: &Dict) -> Result<Dict, LeaseError>;
    /// The store's clock, in Unix milliseconds (the database's for PostgreSQL).
    fn now_ms(&mut self) -> i64;
    /// The first mid-file damage in the records (`integrity`'s rule), with
    /// the name of the store for the message (no credentials).
    fn damage(&mut self) -> Result<Option<(String, Damage)>, LeaseError>;
    /// The live set, failing closed with `strict` when the records are damaged.
    fn live_checked(&mut self, strict: bool) -> Result<Vec<Dict>, LeaseError> {
        if strict {
            if let Some((path, damage)) = self.damage()? {
                return Err(LeaseError::Damaged { path, damage });
            }
        }
        self.live()
    }
}

/// The lane journal file as a [`Journal`] (the caller holds the mutex).
pub struct FileJournal<'a> {
    pub path: &'a Path,
}

impl Journal for FileJournal<'_> {
    fn live(&mut self) -> Result<Vec<Dict>, LeaseError> {
        journal::live_view(self.path).map(|v| v.leases).map_err(|e| LeaseError::Read { path: self.path.display().to_string(), source: e })
    }
    fn append(&mut self, e: &Dict) -> Result<Dict, LeaseError> {
        Ok(journal::append(self.path, e, &pytime::iso_seconds(host::now_ms()))?)
    }
    fn now_ms(&mut self) -> i64 {
        host::now_ms()
    }
    fn damage(&mut self) -> Result<Option<(String, Damage)>, LeaseError> {
        let v = journal::live_view(self.path).map_err(|e| LeaseError::Read { path: self.path.display().to_string(), source: e })?;
        Ok(v.damage.map(|d| (self.path.display().to_string(), d)))
    }
}

/// The contention view of `live`: without provably dead leases (stale past
/// TTL and grace, or past the grace with a dead pid here), judged at `now`.
pub fn unexpired(live: Vec<Dict>, now: i64) -> Vec<Dict> {
    // The reference probes against the machine's host name here (not
    // $DISPATCH_HOST_ID, which only stamps records).
    let this_host = host::hostname();
    live.into_iter()
        .filter(|l| {
            let alive = host::probe_pid(rules::probe_pid_of(l), &rules::host_of(l), &this_host);
            !rules::lease_is_dead(l, now, alive)
        })
        .collect()
}

/// The verbs over any [`Journal`], each run while the caller holds the
/// workspace's lock.
pub mod verbs {
    use super::*;

    fn iso(j: &mut dyn Journal) -> String {
        pytime::iso_seconds(j.now_ms())
    }

    /// `acquire`: `decide` sees the live set (plus `extra`) and returns the
    /// arbiter's decision; an admit appends an ACQUIRE, a refusal a REFUSE
    /// (best effort).
    pub fn acquire(
        j: &mut dyn Journal,
        host_id: &str,
        req: &AcquireRequest,
        decide: impl FnOnce(&[Dict]) -> Result<AcquireDecision, String>,
    ) -> Result<AcquireOutcome, LeaseError> {
        let loop_ts = if req.loop_ts.is_empty() { iso(j) } else { req.loop_ts.clone() };
        // With `req.strict`, records damaged mid-file are refused with
        // reason class WAL_INTEGRITY without consulting the arbiter.
        let (decision, reason_class) = match j.live_checked(req.strict) {
            Err(LeaseError::Damaged { path, damage }) => {
                let reason = damage.describe(&path);
                let detail = integrity::refusal_decision(&reason);
                (AcquireDecision { acquired: false, lane: String::new(), tree: Vec::new(), reason, detail }, WAL_INTEGRITY)
            }
            other => {
                let mut live = other?;
                live.extend(req.extra_leases.iter().cloned());
                (decide(&live).map_err(LeaseError::Decide)?, "")
            }
        };
        if decision.acquired {
            let mut lease = Dict::new();
            lease.push("lane", Value::str(if decision.lane.is_empty() { &req.lane } else { &decision.lane }));
            lease.push("lane_kind", Value::str(&req.kind));
            let tree = if decision.tree.is_empty() { &req.tree } else { &decision.tree };
            lease.push("tree", Value::List(tree.iter().map(|t| Value::str(t.as_str())).collect()));
            lease.push("loop_ts", Value::str(&loop_ts));
            lease.push("host_id", Value::str(host_id));
            lease.push("pid", Value::int(host::pid() as i64));
            lease.push("holder", Value::str(&req.owner));
            lease.push("acquired_at", Value::str(iso(j)));
            if !req.run_id.is_empty() {
                lease.push("run_id", Value::str(&req.run_id));
            }
            let x = AcquireExtras {
                reason: Value::str(format!("lane-lease:{}", req.owner)),
                prev_holder: Value::Null,
                env_digest: Value::str(""),
                children: Value::Null,
                run_id: if req.run_id.is_empty() { Value::Null } else { Value::str(&req.run_id) },
            };
            let entry = records::acquire_entry(&lease, &x).unwrap_or_default();
            let written = j.append(&entry)?;
            Ok(AcquireOutcome { decision, journaled: true, record: Some(written) })
        } else {
            let mut d = Dict::new();
            d.push("lane", Value::str(&decision.lane));
            d.push("reason", Value::str(&decision.reason));
            let entry = records::refuse_entry(
                &d,
                &Value::str(&req.owner),
                &Value::str(&req.lane),
                &Value::str(&loop_ts),
                &Value::str(host_id),
                &if req.run_id.is_empty() { Value::Null } else { Value::str(&req.run_id) },
                &Value::str(reason_class),
            );
            let written = j.append(&entry).ok();
            Ok(AcquireOutcome { decision, journaled: false, record: written })
        }
    }

    /// `release`: a RELEASE for the newest matching lease; `false` when none.
    pub fn release(j: &mut dyn Journal, lane: &str, owner: &str, loop_ts: &str) -> Result<bool, LeaseError> {
        let live = j.live()?;
        let Some(m) = rules::pick_release(&live, lane, owner, loop_ts) else { return Ok(false) };
        j.append(&records::release_entry(m, &Value::str(format!("lane-lease:{owner}"))))?;
        Ok(true)
    }

    /// `adopt`: move the newest lease on `lane` to `new_owner`.
    pub fn adopt(
        j: &mut dyn Journal,
        host_id: &str,
        lane: &str,
        new_owner: &str,
        loop_ts: &str,
        new_pid: Option<i64>,
    ) -> Result<bool, LeaseError> {
        let live = j.live()?;
        let Some(m) = rules::pick_adopt(&live, lane, loop_ts) else { return Ok(false) };
        let now = iso(j);
        let e = records::adopt_entry(
            m,
            &Value::str(new_owner),
            &new_pid.map_or(Value::Null, Value::int),
            &Value::str(host_id),
            &Value::str(now),
            &Value::str(format!("adopt:{new_owner}")),
        );
        j.append(&e)?;
        Ok(true)
    }

    /// `scavenge`: evict the newest live lease on `lane` (and `loop_ts`).
    pub fn scavenge(j: &mut dyn Journal, lane: &str, loop_ts: &str, reason: &str) -> Result<bool, LeaseError> {
        let live = j.live()?;
        let Some(m) = rules::pick_adopt(&live, lane, loop_ts) else { return Ok(false) };
        let prev = m.get("holder").cloned().unwrap_or(Value::Null);
        j.append(&records::scavenge_entry(m, &Value::str(reason), &prev))?;
        Ok(true)
    }

    /// `heartbeat`: refresh `owner`'s newest lease on `lane`, or skip the
    /// write when it beat within `coalesce_within_s`.
    pub fn heartbeat(j: &mut dyn Journal, lane: &str, owner: &str, loop_ts: &str, coalesce_within_s: f64) -> Result<bool, LeaseError> {
        let live = j.live()?;
        let Some(m) = rules::pick_heartbeat(&live, lane, owner, loop_ts) else { return Ok(false) };
        let now = j.now_ms();
        if coalesce_within_s > 0.0 && rules::beat_is_recent(m, now, coalesce_within_s) {
            return Ok(true);
        }
        j.append(&records::heartbeat_entry(m, &Value::str(pytime::iso_seconds(now))))?;
        Ok(true)
    }

    /// `halt`: record the intent to stop `handle` (never signals anything).
    pub fn halt(j: &mut dyn Journal, req: &HaltRequest) -> HaltResult {
        let (mut lane, mut loop_ts, mut host_id) = (req.lane.clone(), req.loop_ts.clone(), Value::Null);
        if let Ok(live) = j.live() {
            if let Some(l) = rules::pick_halt(&live, &req.handle, &req.lane, &req.loop_ts) {
                let text = |k: &str| match l.get(k) {
                    Some(v) if v.truthy() => dos_core::pyjson::py_str(v).as_str().map(str::to_string),
                    _ => None,
                };
                lane = text("lane").unwrap_or(lane);
                loop_ts = text("loop_ts").unwrap_or(loop_ts);
                host_id = l.get("host_id").cloned().unwrap_or(Value::Null);
            }
        }
        let reason = if !req.reason.is_empty() {
            req.reason.clone()
        } else if !req.owner.is_empty() {
            format!("halt:{}", req.owner)
        } else {
            "halt".to_string()
        };
        let e = records::halt_entry(
            &Value::str(&req.handle),
            &Value::str(reason),
            &Value::str(&lane),
            &Value::str(&loop_ts),
            &host_id,
            &if req.run_id.is_empty() { Value::Null } else { Value::str(&req.run_id) },
            &req.command.as_ref().map_or(Value::Null, |c| Value::str(c.as_str())),
        );
        let recorded = j.append(&e).is_ok();
        HaltResult { handle: req.handle.clone(), recorded, command: req.command.clone(), lane, loop_ts }
    }

    /// The holder a SPAWN names, and the lock owner it takes the lock as.
    pub fn spawn_holder(lane: &str, owner: &str) -> (String, String) {
        let holder = if owner.is_empty() { format!("{}:{}", host::hostname(), host::pid()) } else { owner.to_string() };
        let lock_owner = if owner.is_empty() { format!("spawn:{lane}") } else { owner.to_string() };
        (holder, lock_owner)
    }

    /// `spawn`: record that a run is about to take `lane`.
    pub fn spawn(j: &mut dyn Journal, host_id: &str, lane: &str, owner: &str, loop_ts: &str, run_id: &str, reason: &str) -> SpawnResult {
        let loop_ts = if loop_ts.is_empty() { iso(j) } else { loop_ts.to_string() };
        let (holder, _) = spawn_holder(lane, owner);
        let reason = if !reason.is_empty() {
            reason.to_string()
        } else if !owner.is_empty() {
            format!("spawn:{owner}")
        } else {
            "spawn".to_string()
        };
        let e = records::spawn_entry(
            &Value::str(lane),
            &Value::str(&loop_ts),
            &Value::str(&holder),
            &Value::str(host_id),
            &Value::int(host::pid() as i64),
            &if run_id.is_empty() { Value::Null } else { Value::str(run_id) },
            &Value::str(reason),
        );
        let recorded = j.append(&e).is_ok();
        SpawnResult { lane: lane.to_string(), recorded, loop_ts, holder }
    }
}

/// Where one workspace's lane journal and lane-lease mutex live.
#[derive(Debug, Clone)]
pub struct LeaseStore {
    pub journal: PathBuf,
    pub lock: PathBuf,
    pub mutex: MutexOptions,
    /// `$DISPATCH_HOST_ID` or the host name, as records carry it.
    pub host_id: String,
}

impl LeaseStore {
    /// The store for a configured journal path, with the reference's
    /// environment overrides (`DISPATCH_LANE_JOURNAL_PATH`,
    /// `JOB_LANE_JOURNAL_PATH`, `DISPATCH_LANE_LEASE_LOCK_PATH`).
    pub fn for_journal(configured: &Path) -> LeaseStore {
        let journal = journal::resolve_path(configured);
        let lock = match std::env::var_os("DISPATCH_LANE_LEASE_LOCK_PATH").filter(|v| !v.is_empty()) {
            Some(v) => PathBuf::from(v),
            None => journal.parent().unwrap_or(Path::new("")).join(".lane-lease.lock"),
        };
        LeaseStore { journal, lock, mutex: MutexOptions::lane_lease(), host_id: host::host_id() }
    }

    fn file(&self) -> FileJournal<'_> {
        FileJournal { path: &self.journal }
    }

    /// The structural live set (every un-released lease).
    pub fn live(&self) -> Result<Vec<Dict>, LeaseError> {
        self.live_checked(false)
    }

    /// The structural live set; with `strict`, mid-file damage in the
    /// journal is an error naming the damaged record rather than a live set
    /// that silently lacks whatever that record held.
    pub fn live_checked(&self, strict: bool) -> Result<Vec<Dict>, LeaseError> {
        let v = journal::live_view(&self.journal).map_err(|e| LeaseError::Read { path: self.journal.display().to_string(), source: e })?;
        match v.damage {
            Some(damage) if strict => Err(LeaseError::Damaged { path: self.journal.display().to_string(), damage }),
            _ => Ok(v.leases),
        }
    }

    /// The contention view: the live set without provably dead leases
    /// (stale past TTL and grace, or past the grace with a dead pid here).
    pub fn live_unexpired(&self) -> Result<Vec<Dict>, LeaseError> {
        self.live_unexpired_checked(false)
    }

    /// [`LeaseStore::live_unexpired`], failing closed on damage with `strict`.
    pub fn live_unexpired_checked(&self, strict: bool) -> Result<Vec<Dict>, LeaseError> {
        let now = host::now_ms();
        Ok(unexpired(self.live_checked(strict)?, now))
    }

    /// `acquire`: under the mutex, `decide` sees the live set (plus
    /// `extra`) and returns the arbiter's decision; an admit appends an
    /// ACQUIRE, a refusal a REFUSE (best effort).
    pub fn acquire(
        &self,
        req: &AcquireRequest,
        decide: impl FnOnce(&[Dict]) -> Result<AcquireDecision, String>,
    ) -> Result<AcquireOutcome, LeaseError> {
        // The default loop_ts is stamped before waiting for the mutex, as
        // the reference stamps it.
        let stamped;
        let req = if req.loop_ts.is_empty() {
            stamped = AcquireRequest { loop_ts: pytime::iso_seconds(host::now_ms()), ..req.clone() };
            &stamped
        } else {
            req
        };
        let _g = filelock::lock(&self.lock, &req.owner, &self.mutex)?;
        verbs::acquire(&mut self.file(), &self.host_id, req, decide)
    }

    /// `release`: append a RELEASE for the newest matching lease; `false`
    /// when none matches.
    ///
    /// A release is not given up for contention: it waits its turn for as
    /// long as the mutex keeps changing hands or its holder is seen running,
    /// and answers BUSY only when one holder keeps it through the whole
    /// budget without being seen to run. A lost release would leave the
    /// lease live until it expires.
    pub fn release(&self, lane: &str, owner: &str, loop_ts: &str) -> Result<bool, LeaseError> {
        let _g = filelock::lock(&self.lock, owner, &self.mutex.patient())?;
        verbs::release(&mut self.file(), lane, owner, loop_ts)
    }

    /// `adopt`: move the newest lease on `lane` to `new_owner`.
    pub fn adopt(&self, lane: &str, new_owner: &str, loop_ts: &str, new_pid: Option<i64>) -> Result<bool, LeaseError> {
        let _g = filelock::lock(&self.lock, new_owner, &self.mutex)?;
        verbs::adopt(&mut self.file(), &self.host_id, lane, new_owner, loop_ts, new_pid)
    }

    /// Evict the newest live lease on `lane` (and `loop_ts` when given) with a
    /// SCAVENGE record, under the lane-lease mutex: the reclaim a supervisor
    /// performs for a lease whose holder is gone. `false` when none matches.
    pub fn scavenge(&self, lane: &str, loop_ts: &str, owner: &str, reason: &str) -> Result<bool, LeaseError> {
        let _g = filelock::lock(&self.lock, owner, &self.mutex)?;
        verbs::scavenge(&mut self.file(), lane, loop_ts, reason)
    }

    /// `heartbeat`: refresh `owner`'s newest lease on `lane`, or skip the
    /// write when it beat within `coalesce_within_s`.
    pub fn heartbeat(&self, lane: &str, owner: &str, loop_ts: &str, coalesce_within_s: f64) -> Result<bool, LeaseError> {
        let _g = filelock::lock(&self.lock, owner, &self.mutex)?;
        verbs::heartbeat(&mut self.file(), lane, owner, loop_ts, coalesce_within_s)
    }

    /// `halt`: record the intent to stop `handle` (never signals anything).
    pub fn halt(&self, req: &HaltRequest) -> Result<HaltResult, LeaseError> {
        let owner = if req.owner.is_empty() { &req.handle } else { &req.owner };
        let _g = filelock::lock(&self.lock, owner, &self.mutex)?;
        Ok(verbs::halt(&mut self.file(), req))
    }

    /// `spawn`: record that a run is about to take `lane`.
    pub fn spawn(&self, lane: &str, owner: &str, loop_ts: &str, run_id: &str, reason: &str) -> Result<SpawnResult, LeaseError> {
        let loop_ts = if loop_ts.is_empty() { pytime::iso_seconds(host::now_ms()) } else { loop_ts.to_string() };
        let (_, lock_owner) = verbs::spawn_holder(lane, owner);
        let _g = filelock::lock(&self.lock, &lock_owner, &self.mutex)?;
        Ok(verbs::spawn(&mut self.file(), &self.host_id, lane, owner, &loop_ts, run_id, reason))
    }

    /// `compact_journal`: rewrite the journal as one CHECKPOINT (plus the
    /// corrupt sentinels), under the mutex. Lines other writers append
    /// without the mutex while this runs are carried over, not lost.
    pub fn compact_journal(&self, owner: &str) -> Result<CompactResult, LeaseError> {
        let rd = |e| LeaseError::Read { path: self.journal.display().to_string(), source: e };
        let _g = filelock::lock(&self.lock, owner, &self.mutex)?;
        let mut old = match fs::File::open(&self.journal) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(CompactResult::default()),
            Err(e) => return Err(rd(e)),
        };
        let mut bytes = Vec::new();
        old.read_to_end(&mut bytes).map_err(rd)?;
        let size_before = bytes.len() as u64;
        // Fold only complete lines; a partial last line may be an append
        // in flight and is carried over as bytes.
        let cut = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let mut entries = Vec::new();
        Decoder::default().feed(&bytes[..cut], cut == bytes.len(), |d| entries.extend(d.into_entry()));
        if entries.is_empty() && cut == bytes.len() {
            return Ok(CompactResult::default());
        }
        let compacted = compact(&entries);
        let mut body = Vec::new();
        for e in &compacted {
            body.extend(journal::encode_record(e).map_err(AppendError::from_surrogate)?);
        }
        body.extend_from_slice(&bytes[cut..]);
        let name = self.journal.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = self.journal.with_file_name(format!("{name}.compact.tmp"));
        let mut t = fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o644).open(&tmp).map_err(rd)?;
        t.write_all(&body).map_err(rd)?;
        // Carry over whatever lock-less writers appended meanwhile.
        let mut seen = size_before;
        loop {
            let mut more = Vec::new();
            old.seek(SeekFrom::Start(seen)).map_err(rd)?;
            old.read_to_end(&mut more).map_err(rd)?;
            if more.is_empty() {
                break;
            }
            t.write_all(&more).map_err(rd)?;
            seen += more.len() as u64;
        }
        t.sync_all().map_err(rd)?;
        fs::rename(&tmp, &self.journal).map_err(rd)?;
        // A writer that opened the old file just before the rename lands there.
        let mut late = Vec::new();
        old.seek(SeekFrom::Start(seen)).map_err(rd)?;
        old.read_to_end(&mut late).map_err(rd)?;
        if !late.is_empty() {
            let mut f = fs::OpenOptions::new().append(true).open(&self.journal).map_err(rd)?;
            f.write_all(&late).map_err(rd)?;
            f.sync_all().map_err(rd)?;
        }
        let size_after = fs::metadata(&self.journal).map(|m| m.len()).unwrap_or(0);
        Ok(CompactResult {
            entries_before: entries.len(),
            entries_after: compacted.len(),
            bytes_reclaimed: size_before.saturating_sub(size_after),
        })
    }

    /// `next_seq` of the journal, without reading its history.
    pub fn next_seq(&self) -> Result<Int, LeaseError> {
        journal::live_view(&self.journal)
            .map(|v| v.next_seq)
            .map_err(|e| LeaseError::Read { path: self.journal.display().to_string(), source: e })
    }
}

/// An `acquire` request.
#[derive(Debug, Clone, Default)]
pub struct AcquireRequest {
    pub lane: String,
    pub kind: String,
    pub tree: Vec<String>,
    pub owner: String,
    pub loop_ts: String,
    pub extra_leases: Vec<Dict>,
    pub run_id: String,
    /// `[lease_store] strict`: refuse over a journal with mid-file damage.
    pub strict: bool,
}

/// What the arbiter decided, as far as `acquire` needs it.
#[derive(Debug, Clone, Default)]
pub struct AcquireDecision {
    pub acquired: bool,
    pub lane: String,
    pub tree: Vec<String>,
    pub reason: String,
    /// The full decision, for the caller.
    pub detail: Value,
}

#[derive(Debug, Clone)]
pub struct AcquireOutcome {
    pub decision: AcquireDecision,
    pub journaled: bool,
    /// The record appended (ACQUIRE, or the REFUSE when it could be written).
    pub record: Option<Dict>,
}

#[derive(Debug, Clone, Default)]
pub struct HaltRequest {
    pub handle: String,
    pub lane: String,
    pub owner: String,
    pub loop_ts: String,
    pub reason: String,
    pub run_id: String,
    pub command: Option<String>,
}

/// What `halt` recorded (the reference's `HaltResult`): the handle, whether
/// a HALT record was appended, and the command, lane and loop stamp it names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct HaltResult {
    /// The run handle the stop is for.
    pub handle: String,
    /// A HALT record was appended.
    pub recorded: bool,
    /// The command to stop it with, when one was named.
    #[serde(default)]
    pub command: Option<String>,
    /// The lane the run holds.
    #[serde(default)]
    pub lane: String,
    /// The loop stamp of the run.
    #[serde(default)]
    pub loop_ts: String,
}

/// What `spawn` recorded (the reference's `SpawnResult`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct SpawnResult {
    /// The lane about to be taken.
    pub lane: String,
    /// A SPAWN record was appended.
    pub recorded: bool,
    /// The loop stamp of the spawning run.
    #[serde(default)]
    pub loop_ts: String,
    /// The holder the SPAWN names.
    #[serde(default)]
    pub holder: String,
}

/// What `compact_journal` did (the reference's `CompactResult`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct CompactResult {
    /// Records before compaction.
    pub entries_before: usize,
    /// Records after it.
    pub entries_after: usize,
    /// Bytes the journal file shrank by.
    pub bytes_reclaimed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(tag: &str) -> LeaseStore {
        let d = std::env::temp_dir().join(format!("dos-lease-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        let mut s = LeaseStore::for_journal(&d.join("lane-journal.jsonl"));
        s.journal = d.join("lane-journal.jsonl");
        s.lock = d.join(".lane-lease.lock");
        s
    }

    fn admit(lane: &str) -> impl FnOnce(&[Dict]) -> Result<AcquireDecision, String> + '_ {
        move |_| Ok(AcquireDecision { acquired: true, lane: lane.into(), tree: vec!["src/**".into()], ..Default::default() })
    }

    #[test]
    fn verbs_round_trip() {
        let s = store("verbs");
        let req = AcquireRequest {
            lane: "main".into(),
            kind: "main".into(),
            owner: "agent-1".into(),
            loop_ts: "t1".into(),
            ..Default::default()
        };
        let out = s.acquire(&req, admit("main")).unwrap();
        assert!(out.journaled);
        assert_eq!(s.live().unwrap().len(), 1);
        assert!(s.heartbeat("main", "agent-1", "", 0.0).unwrap());
        assert!(!s.heartbeat("main", "agent-2", "", 0.0).unwrap());
        assert!(s.adopt("main", "agent-2", "", Some(4)).unwrap());
        let live = s.live().unwrap();
        assert_eq!(live[0].get("holder").and_then(Value::as_str), Some("agent-2"));
        let h = s.halt(&HaltRequest { handle: "4".into(), ..Default::default() }).unwrap();
        assert_eq!((h.lane.as_str(), h.loop_ts.as_str(), h.recorded), ("main", "t1", true));
        assert!(!s.release("main", "agent-1", "").unwrap());
        assert!(!s.scavenge("docs", "", "sup", "supervisor: STALLED").unwrap());
        assert!(s.release("main", "agent-2", "").unwrap());
        assert!(s.live().unwrap().is_empty());
        let before = s.next_seq().unwrap();
        let c = s.compact_journal("journal-compact").unwrap();
        assert_eq!(c.entries_after, 1);
        assert_eq!(s.next_seq().unwrap(), before);
        assert!(!s.lock.exists());
    }
}
