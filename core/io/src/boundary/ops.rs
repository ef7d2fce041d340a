//! The one hand-registered envelope op that touches the disk:
//! `lane_lease.acquire` (the other lease verbs are routed:
//! [`super::lane_lease`]; the journal file's ops too:
//! [`super::journal::file_ops`]). `acquire` treats `journal` as the
//! configured path, so the reference's environment overrides
//! (`DISPATCH_LANE_JOURNAL_PATH`, …) win over it as they win over a
//! config's path.

use super::lane_lease::{lease_error, store_of};
use super::lease::LeaseError;
use super::store::Store;
use dos_core::envelope::{Args, CallError, Ctx, OpSpec};
use dos_core::pyjson::{Dict, Value};

/// The lease store of an `acquire` (as for the routed verbs:
/// [`super::lane_lease`]).
fn store(ctx: &Ctx, a: &Args) -> Result<Store, CallError> {
    store_of("lane_lease.acquire", ctx, a.opt_str("journal")?, a.opt_str("lock")?)
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

pub const OPS: &[OpSpec] = &[OpSpec {
    name: "lane_lease.acquire",
    args: &["journal", "lock", "lane", "kind", "tree", "owner", "loop_ts", "extra_leases", "run_id"],
    run: op_acquire,
}];
