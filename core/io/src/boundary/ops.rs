//! Hand-registered envelope ops that touch the disk: the archive lock and
//! `lane_lease.acquire` (the other lease verbs are routed:
//! [`super::lane_lease`]; the journal file's ops too:
//! [`super::journal::file_ops`]). `acquire` treats `journal` as the
//! configured path, so the reference's environment overrides
//! (`DISPATCH_LANE_JOURNAL_PATH`, …) win over it as they win over a
//! config's path.

use super::lane_lease::{lease_error, store_of};
use super::lease::LeaseError;
use super::store::Store;
use dos_core::envelope::{Args, CallError, Ctx, ErrorCode, OpSpec};
use dos_core::pyjson::{Dict, Value};
use std::path::PathBuf;

fn io_error(e: impl std::fmt::Display) -> CallError {
    CallError::new(ErrorCode::Io, e.to_string())
}

/// The lease store of an `acquire` (as for the routed verbs:
/// [`super::lane_lease`]).
fn store(ctx: &Ctx, a: &Args) -> Result<Store, CallError> {
    store_of("lane_lease.acquire", ctx, a.opt_str("journal")?, a.opt_str("lock")?)
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
        loop_ts: a.opt_str("loop_ts")?.unwrap_or("").to_string(),
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
];
