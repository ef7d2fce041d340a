//! The lane-lease verbs (`dos.lane_lease`) as routed ops: the live set,
//! release, scavenge, heartbeat, adopt, halt, spawn and compaction, plus
//! libdos's journal migration to and from a PostgreSQL store.
//!
//! Each verb runs on the store of its call ([`Store::choose`]): PostgreSQL
//! when the call's config or `DOS_LEASE_STORE_URL` names one, else the
//! journal file: `journal` when given, else the config's lane journal. On
//! the file, the reference's environment overrides
//! (`DISPATCH_LANE_JOURNAL_PATH`, `JOB_LANE_JOURNAL_PATH`,
//! `DISPATCH_LANE_LEASE_LOCK_PATH`) win over both, as they do there.
//!
//! The typed Python functions take the reference's `config` as their first
//! argument: it names the journal (`_paths.lease_journal`) and, when it is a
//! native config, travels as the envelope's config (`_paths.lease_config`).
//! `acquire`, which runs the arbiter, is still a hand-registered op.

use super::lease::{CompactResult, HaltRequest, HaltResult, LeaseError, SpawnResult};
use super::store::{self, Store};
use super::wsfile;
use dos_core::envelope::{CallError, Ctx, ErrorCode};
use dos_core::pyjson::Dict;
use dos_core::route::{self, Describe, Effect, Module, Op, PyParam};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

fn io_error(e: impl std::fmt::Display) -> CallError {
    CallError::new(ErrorCode::Io, e.to_string())
}

/// A verb's failure: a lock or a store that stayed busy is BUSY, anything
/// else IO_ERROR.
pub(crate) fn lease_error(e: LeaseError) -> CallError {
    match e {
        LeaseError::Lock(super::filelock::LockError::Busy { .. }) | LeaseError::StoreBusy(_) => {
            CallError::new(ErrorCode::Busy, e.to_string())
        }
        other => io_error(other),
    }
}

/// The store of a call (see the module doc); `lock` replaces the mutex
/// file beside the journal.
pub(crate) fn store_of(op: &str, ctx: &Ctx, journal: Option<&str>, lock: Option<&str>) -> Result<Store, CallError> {
    if journal == Some("") {
        return Err(CallError::bad_args(format!("{op}: args.journal: must be a non-empty path")));
    }
    let cfg = ctx.substrate()?;
    let configured = match journal {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(&cfg.paths.lane_journal),
    };
    let mut s = Store::choose(Some(&cfg), &configured).map_err(|e| CallError::new(ErrorCode::BadConfig, e.0))?;
    if let (Store::File(f), Some(lock)) = (&mut s, lock) {
        f.lock = PathBuf::from(lock);
    }
    Ok(s)
}

/// The Python `config` argument of every verb: the journal it names, and
/// the envelope config it carries.
const PY_CONFIG: Option<PyParam> = Some(PyParam { param: "config: Any", via: "lease_config" });

/// The live leases: every lease acquired and not yet released, in the
/// order their lanes were first taken; with `expire_dead`, without the
/// leases whose holder is provably gone.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct LiveLeases {
    /// The lane journal (None: the config's). In Python, `config`: the
    /// workspace config (the reference's or a native one) whose lane
    /// journal this is, or the journal's path.
    #[serde(default)]
    #[describe(py = "config: Any", via = "lease_journal")]
    pub journal: Option<String>,
    /// Envelope only: the mutex file in place of the one beside the journal.
    #[serde(default)]
    #[describe(skip)]
    pub lock: Option<String>,
    /// Leave out leases whose holder is provably dead (a pid on this host
    /// that no longer runs, or a heartbeat past its TTL).
    #[serde(default)]
    #[describe(kw_only)]
    pub expire_dead: bool,
    /// libdos's extension: records damaged mid-file (an unreadable line
    /// that more lines follow) fail the call (IO_ERROR naming the line)
    /// instead of being folded around.
    #[serde(default)]
    pub strict: bool,
}

impl Op for LiveLeases {
    const NAME: &'static str = "lane_lease.live_leases";
    // Reading the live set may write the fold sidecar beside the journal.
    const EFFECT: Effect = Effect::WritesFiles;
    const READS_CONFIG: bool = true;
    const PY_CONFIG: Option<PyParam> = PY_CONFIG;
    type Verdict = Vec<Dict>;

    fn run(self, ctx: &Ctx<'_>) -> Result<Vec<Dict>, CallError> {
        let s = store_of(Self::NAME, ctx, self.journal.as_deref(), self.lock.as_deref())?;
        let leases = if self.expire_dead { s.live_unexpired_checked(self.strict) } else { s.live_checked(self.strict) };
        leases.map_err(lease_error)
    }

    fn verdict_value(verdict: Vec<Dict>) -> Result<dos_core::pyjson::Value, CallError> {
        Ok(route::dicts_value(verdict))
    }
}

/// Release the newest live lease on `lane` held by `owner` (an empty owner
/// releases any holder's) with a RELEASE record; False when none matches.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// The lane journal (None: the config's). In Python, `config`: the
    /// workspace config (the reference's or a native one) whose lane
    /// journal this is, or the journal's path.
    #[serde(default)]
    #[describe(py = "config: Any", via = "lease_journal")]
    pub journal: Option<String>,
    /// Envelope only: the mutex file in place of the one beside the journal.
    #[serde(default)]
    #[describe(skip)]
    pub lock: Option<String>,
    /// The lane.
    #[describe(kw_only)]
    pub lane: String,
    /// The holder releasing it.
    pub owner: String,
    /// The loop stamp of the lease, when the caller tracked it.
    #[serde(default)]
    pub loop_ts: String,
}

impl Op for Release {
    const NAME: &'static str = "lane_lease.release";
    const EFFECT: Effect = Effect::WritesFiles;
    const READS_CONFIG: bool = true;
    const PY_CONFIG: Option<PyParam> = PY_CONFIG;
    type Verdict = bool;

    fn run(self, ctx: &Ctx<'_>) -> Result<bool, CallError> {
        let s = store_of(Self::NAME, ctx, self.journal.as_deref(), self.lock.as_deref())?;
        s.release(&self.lane, &self.owner, &self.loop_ts).map_err(lease_error)
    }
}

/// Evict the newest live lease on `lane` (and `loop_ts`, when given) with
/// a SCAVENGE record: what a supervisor writes for a lease whose holder is
/// gone. False when no live lease matches.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Scavenge {
    /// The lane journal (None: the config's). In Python, `config`: the
    /// workspace config (the reference's or a native one) whose lane
    /// journal this is, or the journal's path.
    #[serde(default)]
    #[describe(py = "config: Any", via = "lease_journal")]
    pub journal: Option<String>,
    /// Envelope only: the mutex file in place of the one beside the journal.
    #[serde(default)]
    #[describe(skip)]
    pub lock: Option<String>,
    /// The lane.
    #[describe(kw_only)]
    pub lane: String,
    /// The loop stamp of the lease to evict (empty: the newest on the lane).
    #[serde(default)]
    pub loop_ts: String,
    /// Who scavenges.
    #[serde(default = "default_scavenger")]
    pub owner: String,
    /// Why.
    #[serde(default = "default_scavenge_reason")]
    pub reason: String,
}

fn default_scavenger() -> String {
    "scavenge".to_owned()
}

fn default_scavenge_reason() -> String {
    "scavenged".to_owned()
}

impl Op for Scavenge {
    const NAME: &'static str = "lane_lease.scavenge";
    const EFFECT: Effect = Effect::WritesFiles;
    const READS_CONFIG: bool = true;
    const PY_CONFIG: Option<PyParam> = PY_CONFIG;
    type Verdict = bool;

    fn run(self, ctx: &Ctx<'_>) -> Result<bool, CallError> {
        let s = store_of(Self::NAME, ctx, self.journal.as_deref(), self.lock.as_deref())?;
        s.scavenge(&self.lane, &self.loop_ts, &self.owner, &self.reason).map_err(lease_error)
    }
}

/// Refresh `owner`'s newest live lease on `lane` with a HEARTBEAT record;
/// with `coalesce_within_s` above zero, a lease that beat that recently is
/// left as it is (and the answer is still True). False when none matches.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    /// The lane journal (None: the config's). In Python, `config`: the
    /// workspace config (the reference's or a native one) whose lane
    /// journal this is, or the journal's path.
    #[serde(default)]
    #[describe(py = "config: Any", via = "lease_journal")]
    pub journal: Option<String>,
    /// Envelope only: the mutex file in place of the one beside the journal.
    #[serde(default)]
    #[describe(skip)]
    pub lock: Option<String>,
    /// The lane.
    #[describe(kw_only)]
    pub lane: String,
    /// The holder.
    pub owner: String,
    /// The loop stamp of the lease.
    #[serde(default)]
    pub loop_ts: String,
    /// Skip the write when the lease beat within this many seconds.
    #[serde(default)]
    pub coalesce_within_s: f64,
}

impl Op for Heartbeat {
    const NAME: &'static str = "lane_lease.heartbeat";
    const EFFECT: Effect = Effect::WritesFiles;
    const READS_CONFIG: bool = true;
    const PY_CONFIG: Option<PyParam> = PY_CONFIG;
    type Verdict = bool;

    fn run(self, ctx: &Ctx<'_>) -> Result<bool, CallError> {
        let s = store_of(Self::NAME, ctx, self.journal.as_deref(), self.lock.as_deref())?;
        s.heartbeat(&self.lane, &self.owner, &self.loop_ts, self.coalesce_within_s).map_err(lease_error)
    }
}

/// Move the newest live lease on `lane` to `new_owner` with an ADOPT
/// record (a new process taking over a run); False when none matches.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Adopt {
    /// The lane journal (None: the config's). In Python, `config`: the
    /// workspace config (the reference's or a native one) whose lane
    /// journal this is, or the journal's path.
    #[serde(default)]
    #[describe(py = "config: Any", via = "lease_journal")]
    pub journal: Option<String>,
    /// Envelope only: the mutex file in place of the one beside the journal.
    #[serde(default)]
    #[describe(skip)]
    pub lock: Option<String>,
    /// The lane.
    #[describe(kw_only)]
    pub lane: String,
    /// The new holder.
    pub new_owner: String,
    /// The loop stamp of the lease.
    #[serde(default)]
    pub loop_ts: String,
    /// The new holder's process id, when known.
    #[serde(default)]
    pub new_pid: Option<i64>,
}

impl Op for Adopt {
    const NAME: &'static str = "lane_lease.adopt";
    const EFFECT: Effect = Effect::WritesFiles;
    const READS_CONFIG: bool = true;
    const PY_CONFIG: Option<PyParam> = PY_CONFIG;
    type Verdict = bool;

    fn run(self, ctx: &Ctx<'_>) -> Result<bool, CallError> {
        let s = store_of(Self::NAME, ctx, self.journal.as_deref(), self.lock.as_deref())?;
        s.adopt(&self.lane, &self.new_owner, &self.loop_ts, self.new_pid).map_err(lease_error)
    }
}

/// Record the decision to stop a run (a HALT record naming its handle,
/// lane, loop stamp and, when given, the command that would stop it).
/// Nothing is signalled: a supervisor acts on the record.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Halt {
    /// The lane journal (None: the config's). In Python, `config`: the
    /// workspace config (the reference's or a native one) whose lane
    /// journal this is, or the journal's path.
    #[serde(default)]
    #[describe(py = "config: Any", via = "lease_journal")]
    pub journal: Option<String>,
    /// Envelope only: the mutex file in place of the one beside the journal.
    #[serde(default)]
    #[describe(skip)]
    pub lock: Option<String>,
    /// The run's handle (not empty).
    #[describe(kw_only)]
    pub handle: String,
    /// The lane the run holds.
    #[serde(default)]
    pub lane: String,
    /// Who decides the stop.
    #[serde(default)]
    pub owner: String,
    /// The loop stamp of the run.
    #[serde(default)]
    pub loop_ts: String,
    /// Why.
    #[serde(default)]
    pub reason: String,
    /// The run's id.
    #[serde(default)]
    pub run_id: String,
    /// The command that would stop it.
    #[serde(default)]
    pub command: Option<String>,
}

impl Op for Halt {
    const NAME: &'static str = "lane_lease.halt";
    const EFFECT: Effect = Effect::WritesFiles;
    const READS_CONFIG: bool = true;
    const PY_CONFIG: Option<PyParam> = PY_CONFIG;
    type Verdict = HaltResult;

    fn run(self, ctx: &Ctx<'_>) -> Result<HaltResult, CallError> {
        let s = store_of(Self::NAME, ctx, self.journal.as_deref(), self.lock.as_deref())?;
        let req = HaltRequest {
            handle: self.handle,
            lane: self.lane,
            owner: self.owner,
            loop_ts: self.loop_ts,
            reason: self.reason,
            run_id: self.run_id,
            command: self.command,
        };
        s.halt(&req).map_err(lease_error)
    }
}

/// Record the intent to take `lane` (a SPAWN record) before the run that
/// will hold it starts, so a supervisor sees it in flight.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Spawn {
    /// The lane journal (None: the config's). In Python, `config`: the
    /// workspace config (the reference's or a native one) whose lane
    /// journal this is, or the journal's path.
    #[serde(default)]
    #[describe(py = "config: Any", via = "lease_journal")]
    pub journal: Option<String>,
    /// Envelope only: the mutex file in place of the one beside the journal.
    #[serde(default)]
    #[describe(skip)]
    pub lock: Option<String>,
    /// The lane.
    #[describe(kw_only)]
    pub lane: String,
    /// The spawning holder.
    #[serde(default)]
    pub owner: String,
    /// The loop stamp of the run.
    #[serde(default)]
    pub loop_ts: String,
    /// The run's id.
    #[serde(default)]
    pub run_id: String,
    /// Why.
    #[serde(default)]
    pub reason: String,
}

impl Op for Spawn {
    const NAME: &'static str = "lane_lease.spawn";
    const EFFECT: Effect = Effect::WritesFiles;
    const READS_CONFIG: bool = true;
    const PY_CONFIG: Option<PyParam> = PY_CONFIG;
    type Verdict = SpawnResult;

    fn run(self, ctx: &Ctx<'_>) -> Result<SpawnResult, CallError> {
        let s = store_of(Self::NAME, ctx, self.journal.as_deref(), self.lock.as_deref())?;
        s.spawn(&self.lane, &self.owner, &self.loop_ts, &self.run_id, &self.reason).map_err(lease_error)
    }
}

/// Rewrite the journal, crash-safely and under the mutex, as one
/// CHECKPOINT of the live set (plus the records of corrupt lines).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct CompactJournal {
    /// The lane journal (None: the config's). In Python, `config`: the
    /// workspace config (the reference's or a native one) whose lane
    /// journal this is, or the journal's path.
    #[serde(default)]
    #[describe(py = "config: Any", via = "lease_journal")]
    pub journal: Option<String>,
    /// Envelope only: the mutex file in place of the one beside the journal.
    #[serde(default)]
    #[describe(skip)]
    pub lock: Option<String>,
    /// Who compacts (the CHECKPOINT's holder).
    #[serde(default = "default_compactor")]
    #[describe(kw_only)]
    pub owner: String,
}

fn default_compactor() -> String {
    "journal-compact".to_owned()
}

impl Op for CompactJournal {
    const NAME: &'static str = "lane_lease.compact_journal";
    const EFFECT: Effect = Effect::WritesFiles;
    const READS_CONFIG: bool = true;
    const PY_CONFIG: Option<PyParam> = PY_CONFIG;
    type Verdict = CompactResult;

    fn run(self, ctx: &Ctx<'_>) -> Result<CompactResult, CallError> {
        let s = store_of(Self::NAME, ctx, self.journal.as_deref(), self.lock.as_deref())?;
        s.compact_journal(&self.owner).map_err(lease_error)
    }
}

// ------------------------------------------------------------------ PostgreSQL migration

/// What `import_journal` copied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct JournalImported {
    /// Records copied.
    pub records: usize,
    /// The workspace key they went under.
    pub workspace_key: String,
    /// Live leases in the store afterwards.
    pub live: usize,
}

/// What `export_journal` wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct JournalExported {
    /// Records written.
    pub records: usize,
    /// The workspace key they came from.
    pub workspace_key: String,
    /// The file written.
    pub journal: String,
}

/// The PostgreSQL store of a migration call (BAD_CONFIG when none is set).
fn pg_store(ctx: &Ctx, workspace_key: &str) -> Result<super::pg::PgStore, CallError> {
    let cfg = ctx.substrate()?;
    match store::pg_target(Some(&cfg)).map_err(|e| CallError::new(ErrorCode::BadConfig, e.0))? {
        Some((url, ws)) => {
            let ws = if workspace_key.is_empty() { ws } else { workspace_key.to_owned() };
            Ok(super::pg::PgStore::new(&url, &ws))
        }
        None => Err(CallError::new(
            ErrorCode::BadConfig,
            "no PostgreSQL lease store: set [lease_store] url in the config or DOS_LEASE_STORE_URL",
        )),
    }
}

fn file_path(op: &str, journal: &str) -> Result<PathBuf, CallError> {
    if journal.is_empty() {
        return Err(CallError::bad_args(format!("{op}: args.journal: must be a non-empty path")));
    }
    Ok(PathBuf::from(journal))
}

/// libdos's extension: copy the lane journal file `journal` into the
/// PostgreSQL lease store the config (or `DOS_LEASE_STORE_URL`) names.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ImportJournal {
    /// The journal file to copy.
    #[describe(py = "journal: Any", via = "path_text")]
    pub journal: String,
    /// Overwrite a workspace key that already has records.
    #[serde(default)]
    #[describe(kw_only)]
    pub replace: bool,
    /// The workspace key to copy under (empty: the store's).
    #[serde(default)]
    pub workspace_key: String,
}

impl Op for ImportJournal {
    const NAME: &'static str = "lane_lease.import_journal";
    const EFFECT: Effect = Effect::WritesFiles;
    const READS_CONFIG: bool = true;
    const PY_CONFIG: Option<PyParam> = PY_CONFIG;
    type Verdict = JournalImported;

    fn run(self, ctx: &Ctx<'_>) -> Result<JournalImported, CallError> {
        let path = file_path(Self::NAME, &self.journal)?;
        let p = pg_store(ctx, &self.workspace_key)?;
        let bytes = read_file(&path)?;
        let records = p.import_journal(&bytes, self.replace).map_err(lease_error)?;
        let live = p.live().map_err(lease_error)?.len();
        Ok(JournalImported { records, workspace_key: p.workspace.clone(), live })
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, CallError> {
    let cannot = |e: std::io::Error| io_error(format!("cannot read {}: {e}", path.display()));
    let f = wsfile::open_read(path).map_err(cannot)?;
    let mut b = Vec::new();
    std::io::Read::read_to_end(&mut &f, &mut b).map_err(cannot)?;
    Ok(b)
}

/// libdos's extension: write the PostgreSQL store's records to the file
/// `journal` as a lane journal (replaced atomically; what dos-kernel 0.22.0
/// reads).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ExportJournal {
    /// The journal file to write.
    #[describe(py = "journal: Any", via = "path_text")]
    pub journal: String,
    /// The workspace key to export (empty: the store's).
    #[serde(default)]
    #[describe(kw_only)]
    pub workspace_key: String,
}

impl Op for ExportJournal {
    const NAME: &'static str = "lane_lease.export_journal";
    const EFFECT: Effect = Effect::WritesFiles;
    const READS_CONFIG: bool = true;
    const PY_CONFIG: Option<PyParam> = PY_CONFIG;
    type Verdict = JournalExported;

    fn run(self, ctx: &Ctx<'_>) -> Result<JournalExported, CallError> {
        let path = file_path(Self::NAME, &self.journal)?;
        let p = pg_store(ctx, &self.workspace_key)?;
        let text = p.lines().map_err(lease_error)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io_error(format!("cannot create {}: {e}", dir.display())))?;
        }
        wsfile::replace_file(&path, text.as_bytes()).map_err(|e| io_error(format!("cannot write {}: {e}", path.display())))?;
        Ok(JournalExported { records: text.lines().count(), workspace_key: p.workspace.clone(), journal: path.display().to_string() })
    }
}

/// `dos.lane_lease`'s verbs (`acquire` is still hand-registered: `ops.rs`).
pub const MODULE: Module = Module {
    name: "lane_lease",
    doc: "The lane-lease verbs on a workspace's lease store: the live set and the records that \
          release, scavenge, refresh, adopt, halt, spawn and compact, each under the store's lock.",
    routes: &[
        route::route::<LiveLeases>(),
        route::route::<Release>(),
        route::route::<Scavenge>(),
        route::route::<Heartbeat>(),
        route::route::<Adopt>(),
        route::route::<Halt>(),
        route::route::<Spawn>(),
        route::route::<CompactJournal>(),
        route::route::<ImportJournal>(),
        route::route::<ExportJournal>(),
    ],
    consts: &[],
};
