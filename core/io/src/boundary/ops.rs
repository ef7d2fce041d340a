//! Envelope ops that touch the disk: the lane journal and the lease verbs
//! on a workspace's files. The `lane_journal.*` ops use the `journal` path
//! as given; the `lane_lease.*` ops treat it as the configured path, so the
//! reference's environment overrides (`DISPATCH_LANE_JOURNAL_PATH`, …) win
//! over it as they win over a config's path.

use super::host;
use super::journal;
use super::lease::{HaltRequest, LeaseError};
use super::store::Store;
use dos_core::envelope::{Args, CallError, Ctx, ErrorCode, OpSpec};
use dos_core::pyjson::{Dict, Value};
use dos_core::pytime;
use std::path::PathBuf;

fn io_error(e: impl std::fmt::Display) -> CallError {
    CallError::new(ErrorCode::Io, e.to_string())
}

fn lease_error(e: LeaseError) -> CallError {
    match e {
        LeaseError::Lock(super::filelock::LockError::Busy { .. }) | LeaseError::StoreBusy(_) => {
            CallError::new(ErrorCode::Busy, e.to_string())
        }
        other => io_error(other),
    }
}

/// The lease store of a call: PostgreSQL when `DOS_LEASE_STORE_URL` is set
/// or the call's config has `[lease_store] url` (the `journal` and `lock`
/// arguments are then unused); else the journal file, `journal` when given,
/// else the lane journal of the call's config (`config: {"workspace": …}`
/// names a workspace).
fn store(ctx: &Ctx, a: &Args) -> Result<Store, CallError> {
    let journal = a.opt_str("journal")?;
    if journal == Some("") {
        return Err(a.err("journal must be a non-empty path"));
    }
    let cfg = ctx.substrate()?;
    let configured = match journal {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(&cfg.paths.lane_journal),
    };
    let mut s = Store::choose(Some(&cfg), &configured).map_err(|e| CallError::new(ErrorCode::BadConfig, e.0))?;
    if let (Store::File(f), Some(lock)) = (&mut s, a.opt_str("lock")?) {
        f.lock = PathBuf::from(lock);
    }
    Ok(s)
}

/// The PostgreSQL store of a migration call (refused when none is set).
fn pg_store(ctx: &Ctx, a: &Args) -> Result<super::pg::PgStore, CallError> {
    let cfg = ctx.substrate()?;
    match super::store::pg_target(Some(&cfg)).map_err(|e| CallError::new(ErrorCode::BadConfig, e.0))? {
        Some((url, ws)) => {
            let ws = a.opt_str("workspace_key")?.filter(|w| !w.is_empty()).map_or(ws, str::to_string);
            Ok(super::pg::PgStore::new(&url, &ws))
        }
        None => Err(CallError::new(
            ErrorCode::BadConfig,
            "no PostgreSQL lease store: set [lease_store] url in the config or DOS_LEASE_STORE_URL",
        )),
    }
}

/// `lane_lease.import_journal`: copy the lane journal file `journal` into
/// the PostgreSQL store (`replace` overwrites a workspace that has records).
fn op_import(ctx: &Ctx, a: &Args) -> Result<Value, CallError> {
    let path = journal_path(a)?;
    let p = pg_store(ctx, a)?;
    let bytes = match super::wsfile::open_read(&path) {
        Ok(f) => {
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut &f, &mut b).map_err(|e| io_error(format!("cannot read {}: {e}", path.display())))?;
            b
        }
        Err(e) => return Err(io_error(format!("cannot read {}: {e}", path.display()))),
    };
    let n = p.import_journal(&bytes, a.opt_bool("replace")?.unwrap_or(false)).map_err(lease_error)?;
    let mut d = Dict::new();
    d.push("records", Value::int(n as i64));
    d.push("workspace_key", Value::str(&p.workspace));
    d.push("live", Value::int(p.live().map_err(lease_error)?.len() as i64));
    Ok(Value::Dict(d))
}

/// `lane_lease.export_journal`: write the PostgreSQL store's records to the
/// file `journal` as a lane journal (replaced atomically).
fn op_export(ctx: &Ctx, a: &Args) -> Result<Value, CallError> {
    let path = journal_path(a)?;
    let p = pg_store(ctx, a)?;
    let text = p.lines().map_err(lease_error)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io_error(format!("cannot create {}: {e}", dir.display())))?;
    }
    super::wsfile::replace_file(&path, text.as_bytes()).map_err(|e| io_error(format!("cannot write {}: {e}", path.display())))?;
    let mut d = Dict::new();
    d.push("records", Value::int(text.lines().count() as i64));
    d.push("workspace_key", Value::str(&p.workspace));
    d.push("journal", Value::str(path.display().to_string()));
    Ok(Value::Dict(d))
}

/// The exact journal path (the journal ops take it as given, as the
/// reference's `lane_journal` functions do with an explicit path).
fn journal_path(a: &Args) -> Result<PathBuf, CallError> {
    let p = a.str("journal")?;
    if p.is_empty() {
        return Err(a.err("journal must be a non-empty path"));
    }
    Ok(PathBuf::from(p))
}

fn dicts(v: Vec<Dict>) -> Value {
    Value::List(v.into_iter().map(Value::Dict).collect())
}

fn op_read(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(dicts(journal::read_all(&journal_path(a)?)))
}

fn op_append(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let path = journal_path(a)?;
    let entry = a.req("entry")?.as_dict().ok_or_else(|| a.err("entry must be an object"))?;
    let now = pytime::iso_seconds(host::now_ms());
    journal::append(&path, entry, &now).map(Value::Dict).map_err(|e| match e {
        journal::AppendError::Surrogate(_) => a.err(e),
        other => io_error(other),
    })
}

fn op_live(ctx: &Ctx, a: &Args) -> Result<Value, CallError> {
    let s = store(ctx, a)?;
    // `strict` is our extension: fail closed (IO_ERROR naming the record)
    // on mid-file damage instead of folding around it.
    let strict = a.opt_bool("strict")?.unwrap_or(false);
    let leases = if a.opt_bool("expire_dead")?.unwrap_or(false) { s.live_unexpired_checked(strict) } else { s.live_checked(strict) };
    leases.map(dicts).map_err(lease_error)
}

fn op_next_seq(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let path = journal_path(a)?;
    journal::live_view(&path).map(|v| Value::Int(v.next_seq)).map_err(io_error)
}

fn op_live_file(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let path = journal_path(a)?;
    journal::live_view(&path).map(|v| dicts(v.leases)).map_err(io_error)
}

fn owner(a: &Args) -> Result<String, CallError> {
    Ok(a.opt_str("owner")?.unwrap_or("").to_string())
}

fn loop_ts(a: &Args) -> Result<String, CallError> {
    Ok(a.opt_str("loop_ts")?.unwrap_or("").to_string())
}

fn op_release(ctx: &Ctx, a: &Args) -> Result<Value, CallError> {
    let s = store(ctx, a)?;
    s.release(a.str("lane")?, &owner(a)?, &loop_ts(a)?).map(Value::Bool).map_err(lease_error)
}

fn op_scavenge(ctx: &Ctx, a: &Args) -> Result<Value, CallError> {
    let s = store(ctx, a)?;
    let owner = a.opt_str("owner")?.unwrap_or("scavenge");
    let reason = a.opt_str("reason")?.unwrap_or("scavenged");
    s.scavenge(a.str("lane")?, &loop_ts(a)?, owner, reason).map(Value::Bool).map_err(lease_error)
}

fn op_heartbeat(ctx: &Ctx, a: &Args) -> Result<Value, CallError> {
    let s = store(ctx, a)?;
    let coalesce = a.opt_f64("coalesce_within_s")?.unwrap_or(0.0);
    s.heartbeat(a.str("lane")?, &owner(a)?, &loop_ts(a)?, coalesce).map(Value::Bool).map_err(lease_error)
}

fn op_adopt(ctx: &Ctx, a: &Args) -> Result<Value, CallError> {
    let s = store(ctx, a)?;
    s.adopt(a.str("lane")?, a.str("new_owner")?, &loop_ts(a)?, a.opt_i64("new_pid")?).map(Value::Bool).map_err(lease_error)
}

fn op_halt(ctx: &Ctx, a: &Args) -> Result<Value, CallError> {
    let s = store(ctx, a)?;
    let req = HaltRequest {
        handle: a.str("handle")?.to_string(),
        lane: a.opt_str("lane")?.unwrap_or("").to_string(),
        owner: owner(a)?,
        loop_ts: loop_ts(a)?,
        reason: a.opt_str("reason")?.unwrap_or("").to_string(),
        run_id: a.opt_str("run_id")?.unwrap_or("").to_string(),
        command: a.opt_str("command")?.map(str::to_string),
    };
    let h = s.halt(&req).map_err(lease_error)?;
    let mut d = Dict::new();
    d.push("handle", Value::str(h.handle));
    d.push("recorded", Value::Bool(h.recorded));
    d.push("command", Value::opt_str(h.command));
    d.push("lane", Value::str(h.lane));
    d.push("loop_ts", Value::str(h.loop_ts));
    Ok(Value::Dict(d))
}

fn op_spawn(ctx: &Ctx, a: &Args) -> Result<Value, CallError> {
    let s = store(ctx, a)?;
    let r = s
        .spawn(a.str("lane")?, &owner(a)?, &loop_ts(a)?, a.opt_str("run_id")?.unwrap_or(""), a.opt_str("reason")?.unwrap_or(""))
        .map_err(lease_error)?;
    let mut d = Dict::new();
    d.push("lane", Value::str(r.lane));
    d.push("recorded", Value::Bool(r.recorded));
    d.push("loop_ts", Value::str(r.loop_ts));
    d.push("holder", Value::str(r.holder));
    Ok(Value::Dict(d))
}

fn op_compact(ctx: &Ctx, a: &Args) -> Result<Value, CallError> {
    let s = store(ctx, a)?;
    let owner = a.opt_str("owner")?.unwrap_or("journal-compact");
    let c = s.compact_journal(owner).map_err(lease_error)?;
    let mut d = Dict::new();
    d.push("entries_before", Value::int(c.entries_before as i64));
    d.push("entries_after", Value::int(c.entries_after as i64));
    d.push("bytes_reclaimed", Value::int(c.bytes_reclaimed as i64));
    Ok(Value::Dict(d))
}

fn op_archive_acquire(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    use super::archive_lock::{acquire, resolve_path, Acquired, ArchiveOptions};
    let path = resolve_path(&PathBuf::from(a.str("path")?));
    let mut opts = ArchiveOptions::default();
    if let Some(t) = a.opt_f64("ttl_seconds")? {
        opts.ttl_seconds = t;
    }
    if let Some(r) = a.opt_i64("retries")? {
        opts.retries = u32::try_from(r).map_err(|_| a.err("retries must be 0 or more"))?;
    }
    if let Some(i) = a.opt_f64("retry_interval")? {
        opts.retry_interval = std::time::Duration::try_from_secs_f64(i).map_err(|_| a.err("retry_interval must be 0 or more seconds"))?;
    }
    let mut d = Dict::new();
    match acquire(&path, a.str("owner")?, &opts).map_err(io_error)? {
        Acquired::Acquired => d.push("outcome", Value::str("acquired")),
        Acquired::Reentrant { prev_acquired_at } => {
            d.push("outcome", Value::str("reentrant"));
            d.push("prev_acquired_at", Value::str(prev_acquired_at));
        }
        Acquired::StoleStale { prev_owner, age_s } => {
            d.push("outcome", Value::str("stole_stale"));
            d.push("prev_owner", Value::str(prev_owner));
            d.push("age_s", Value::Float(age_s));
        }
        Acquired::Busy { owner, age_s } => {
            d.push("outcome", Value::str("busy"));
            d.push("owner", Value::str(owner));
            d.push("age_s", age_s.map_or(Value::Null, Value::Float));
        }
    }
    Ok(Value::Dict(d))
}

fn op_archive_release(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    use super::archive_lock::{release, resolve_path, Released};
    let path = resolve_path(&PathBuf::from(a.str("path")?));
    let mut d = Dict::new();
    match release(&path, a.str("owner")?, a.opt_bool("force")?.unwrap_or(false)).map_err(io_error)? {
        Released::NoLock => d.push("outcome", Value::str("no_lock")),
        Released::Released => d.push("outcome", Value::str("released")),
        Released::ForceReleased { was } => {
            d.push("outcome", Value::str("force_released"));
            d.push("was", Value::str(was));
        }
        Released::Mismatch { have } => {
            d.push("outcome", Value::str("owner_mismatch"));
            d.push("have", Value::str(have));
        }
    }
    Ok(Value::Dict(d))
}

fn op_archive_status(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    use super::archive_lock::{resolve_path, status, Status};
    let path = resolve_path(&PathBuf::from(a.str("path")?));
    let mut d = Dict::new();
    match status(&path, a.opt_f64("ttl_seconds")?.unwrap_or(300.0)) {
        Status::Free => d.push("state", Value::str("free")),
        Status::Held { owner, age_s } => {
            d.push("state", Value::str("held"));
            d.push("owner", Value::str(owner));
            d.push("age_s", age_s.map_or(Value::Null, Value::Float));
        }
        Status::Stale { owner, age_s } => {
            d.push("state", Value::str("stale"));
            d.push("owner", Value::str(owner));
            d.push("age_s", Value::Float(age_s));
        }
    }
    Ok(Value::Dict(d))
}

fn op_acquire(ctx: &Ctx, a: &Args) -> Result<Value, CallError> {
    use super::lease::{AcquireDecision, AcquireRequest};
    use dos_core::deciders::admission::Lease;
    use dos_core::deciders::arbiter::{arbitrate, ArbitrateRequest, NoHooks};
    let s = store(ctx, a)?;
    let cfg = ctx.substrate()?;
    let extra: Vec<Dict> = match a.opt_list("extra_leases")? {
        None => Vec::new(),
        Some(items) => {
            items.iter().map(|v| v.as_dict().cloned().ok_or_else(|| a.err("extra_leases must hold objects"))).collect::<Result<_, _>>()?
        }
    };
    let req = AcquireRequest {
        lane: a.str("lane")?.to_string(),
        kind: a.str("kind")?.to_string(),
        tree: a.str_list("tree")?.into_iter().map(str::to_string).collect(),
        owner: a.str("owner")?.to_string(),
        loop_ts: loop_ts(a)?,
        extra_leases: extra,
        run_id: a.opt_str("run_id")?.unwrap_or("").to_string(),
        strict: cfg.lease_store.strict,
    };
    let out = s
        .acquire(&req, |live| {
            let leases: Vec<Lease> = live
                .iter()
                .map(|l| Lease::from_dict(l).map_err(|m| format!("a live lease cannot be read: {m}")))
                .collect::<Result<_, _>>()?;
            let ar = ArbitrateRequest {
                requested_lane: &req.lane,
                requested_kind: &req.kind,
                requested_tree: &req.tree,
                live_leases: &leases,
                auto_pick_order: None,
                named_lanes: None,
                derived_lanes: None,
                force: false,
                predicates: None,
                class_budgets: None,
                live_siblings: None,
            };
            let d = arbitrate(&ar, &cfg, &mut NoHooks).map_err(|e| e.message())?;
            Ok(AcquireDecision {
                acquired: d.acquire,
                lane: d.lane.to_string(),
                tree: d.tree.to_vec(),
                reason: d.reason.clone(),
                detail: d.to_value(),
            })
        })
        .map_err(|e| match e {
            LeaseError::Decide(m) => a.err(m),
            other => lease_error(other),
        })?;
    let mut d = Dict::new();
    d.push("decision", out.decision.detail);
    d.push("journaled", Value::Bool(out.journaled));
    d.push("owner", Value::str(&req.owner));
    d.push("record", out.record.map_or(Value::Null, Value::Dict));
    Ok(Value::Dict(d))
}

pub const OPS: &[OpSpec] = &[
    OpSpec {
        name: "lane_lease.acquire",
        args: &["journal", "lock", "lane", "kind", "tree", "owner", "loop_ts", "extra_leases", "run_id"],
        run: op_acquire,
    },
    OpSpec { name: "archive_lock.acquire", args: &["path", "owner", "ttl_seconds", "retries", "retry_interval"], run: op_archive_acquire },
    OpSpec { name: "archive_lock.release", args: &["path", "owner", "force"], run: op_archive_release },
    OpSpec { name: "archive_lock.status", args: &["path", "ttl_seconds"], run: op_archive_status },
    OpSpec { name: "lane_journal.read_file", args: &["journal"], run: op_read },
    OpSpec { name: "lane_journal.append", args: &["journal", "entry"], run: op_append },
    OpSpec { name: "lane_journal.next_seq_of_file", args: &["journal"], run: op_next_seq },
    OpSpec { name: "lane_journal.live_of_file", args: &["journal"], run: op_live_file },
    OpSpec { name: "lane_lease.live_leases", args: &["journal", "lock", "expire_dead", "strict"], run: op_live },
    OpSpec { name: "lane_lease.release", args: &["journal", "lock", "lane", "owner", "loop_ts"], run: op_release },
    OpSpec { name: "lane_lease.scavenge", args: &["journal", "lock", "lane", "loop_ts", "owner", "reason"], run: op_scavenge },
    OpSpec { name: "lane_lease.heartbeat", args: &["journal", "lock", "lane", "owner", "loop_ts", "coalesce_within_s"], run: op_heartbeat },
    OpSpec { name: "lane_lease.adopt", args: &["journal", "lock", "lane", "new_owner", "loop_ts", "new_pid"], run: op_adopt },
    OpSpec {
        name: "lane_lease.halt",
        args: &["journal", "lock", "handle", "lane", "owner", "loop_ts", "reason", "run_id", "command"],
        run: op_halt,
    },
    OpSpec { name: "lane_lease.spawn", args: &["journal", "lock", "lane", "owner", "loop_ts", "run_id", "reason"], run: op_spawn },
    OpSpec { name: "lane_lease.compact_journal", args: &["journal", "lock", "owner"], run: op_compact },
    OpSpec { name: "lane_lease.import_journal", args: &["journal", "workspace_key", "replace"], run: op_import },
    OpSpec { name: "lane_lease.export_journal", args: &["journal", "workspace_key"], run: op_export },
];
