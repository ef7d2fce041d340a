//! `admission` and `self_modify`: the admission conjunction and its two
//! built-in predicates.
//!
//! A request (lane, kind, tree) is checked against every live lease in turn,
//! and for each lease every predicate in order; the first refusal is the
//! verdict, and when all admit the request is admitted. With no live lease
//! the predicates still run once, against an empty lease, so a predicate that
//! judges the request alone (the self-modification guard) is never skipped.
//!
//! Built-ins:
//! * `disjointness`: a lease with no tree never blocks; a request with no tree
//!   beside a lease with one is refused (unknown blast radius); two known
//!   trees go through the overlap floor and policy (`overlap_policy`).
//! * `self-modify`: a request whose tree collides with a kernel runtime file
//!   is refused with reason class `SELF_MODIFY`, whatever is live. The files
//!   are the workspace's probed set when the config carries facts, else the
//!   full static list.

use super::lane_overlap::{preview, NormTree};
use super::overlap_policy::{admit_under_floor, OverlapPolicy, UnknownPolicy};
use super::pyvalue::{py_repr_opt, py_str, py_str_or_empty};
use super::tree::{norm_tree_prefix, prefixes_collide};
use crate::config::{facts::DISPATCH_RUNTIME_FILES, SubstrateConfig};
use crate::dict;
use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::{Dict, Value};
use crate::pystr;
use std::cell::OnceCell;
use std::sync::OnceLock;

/// The reason class of a self-modification refusal.
pub const SELF_MODIFY_REASON: &str = "SELF_MODIFY";

/// `AdmissionRequest`: the lease a request would take.
#[derive(Clone, Copy, Debug)]
pub struct AdmissionRequest<'a> {
    pub lane: &'a str,
    pub kind: &'a str,
    pub tree: &'a [String],
}

/// `AdmissionVerdict`: admit, or refuse with a reason (and an optional typed
/// reason class).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdmissionVerdict {
    pub admitted: bool,
    pub reason: String,
    pub reason_class: String,
}

impl AdmissionVerdict {
    pub fn admit() -> Self {
        AdmissionVerdict { admitted: true, reason: String::new(), reason_class: String::new() }
    }

    pub fn refuse(reason: String, reason_class: &str) -> Self {
        AdmissionVerdict { admitted: false, reason, reason_class: reason_class.to_string() }
    }

    /// `{"admitted", "reason", "reason_class"}` (the `admitted` property and the
    /// two public fields).
    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "admitted" => self.admitted,
            "reason" => self.reason.clone(),
            "reason_class" => self.reason_class.clone(),
        })
    }
}

/// One live lease, as the arbiter cluster reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Lease {
    /// `lease.get("lane")` (None when absent), shown in prose.
    pub lane: Option<Value>,
    /// `lease.get("lane_kind")`.
    pub lane_kind: Option<Value>,
    /// `lease.get("loop_ts")`, shown in prose.
    pub loop_ts: Option<Value>,
    /// `list(lease.get("tree") or [])`; a falsy entry reads as `""` (skipped).
    pub tree: Vec<String>,
    /// `str(lane or "").casefold()`.
    pub lane_key: String,
    /// `str(lease.get("lane_kind", ""))`.
    pub kind_str: String,
    /// `str(lane_kind or "").casefold()`.
    pub kind_key: String,
}

impl Lease {
    /// A lease record with a string lane and kind.
    pub fn new(lane: &str, lane_kind: &str, tree: Vec<String>) -> Lease {
        Lease {
            lane: Some(Value::str(lane)),
            lane_kind: Some(Value::str(lane_kind)),
            loop_ts: None,
            tree,
            lane_key: pystr::casefold(lane),
            kind_str: lane_kind.to_string(),
            kind_key: pystr::casefold(lane_kind),
        }
    }

    /// The empty lease the conjunction runs against when nothing is live.
    pub fn sentinel() -> Lease {
        Lease {
            lane: None,
            lane_kind: None,
            loop_ts: None,
            tree: Vec::new(),
            lane_key: String::new(),
            kind_str: String::new(),
            kind_key: String::new(),
        }
    }

    /// Read a lease object. Refuses what the reference could not fold or
    /// normalize (lone surrogates in names, tree entries that are not strings).
    pub fn from_dict(d: &Dict) -> Result<Lease, String> {
        let lane = d.get("lane").cloned();
        let lane_kind = d.get("lane_kind").cloned();
        let loop_ts = d.get("loop_ts").cloned();
        let surrogate = |what: &str| format!("{what} holds a lone surrogate");
        let lane_key = pystr::casefold(&py_str_or_empty(lane.as_ref()).ok_or_else(|| surrogate("lane"))?);
        let kind_str = match &lane_kind {
            None => String::new(),
            Some(v) => py_str(v).ok_or_else(|| surrogate("lane_kind"))?,
        };
        let kind_key = pystr::casefold(&py_str_or_empty(lane_kind.as_ref()).ok_or_else(|| surrogate("lane_kind"))?);
        let tree = match d.get("tree") {
            None => Vec::new(),
            Some(v) if !v.truthy() => Vec::new(),
            Some(Value::List(items)) => items
                .iter()
                .enumerate()
                .map(|(i, x)| match x {
                    x if !x.truthy() => Ok(String::new()),
                    Value::Str(s) => s.as_str().map(str::to_owned).ok_or_else(|| surrogate(&format!("tree[{i}]"))),
                    other => Err(format!("tree[{i}] must be a string, not {}", other.type_name())),
                })
                .collect::<Result<_, _>>()?,
            Some(other) => return Err(format!("tree must be a list of strings, not {}", other.type_name())),
        };
        Ok(Lease { lane, lane_kind, loop_ts, tree, lane_key, kind_str, kind_key })
    }
}

/// The kernel files the self-modification guard protects.
#[derive(Clone, Copy, Debug)]
pub enum RuntimeFiles<'a> {
    /// The full static list (facts never gathered).
    Static,
    /// The files a probe found (possibly none: a foreign repository).
    Listed(&'a [String]),
}

impl<'a> RuntimeFiles<'a> {
    /// What `built_in_predicates(config=cfg)` hands the guard.
    pub fn of_config(cfg: &'a SubstrateConfig) -> RuntimeFiles<'a> {
        match cfg.kernel_runtime_files() {
            Some(files) => RuntimeFiles::Listed(files),
            None => RuntimeFiles::Static,
        }
    }
}

/// A predicate of the conjunction.
#[derive(Clone, Copy, Debug)]
pub enum Predicate<'a> {
    /// `DisjointnessPredicate(policy)`.
    Disjointness(OverlapPolicy),
    /// `SelfModifyPredicate(runtime_files)`.
    SelfModify(RuntimeFiles<'a>),
    /// A predicate only the host can run (a Python object), by index.
    External(usize),
}

/// A host callback raised something that must propagate (the call is then
/// abandoned; Python hosts answer it with the reference).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Abort;

/// Runs the predicates only the host knows.
pub trait ExternalPredicates {
    /// Run external predicate `idx` on `request` against live lease
    /// `lease` (None: the empty sentinel).
    fn run_external(&mut self, idx: usize, request: &AdmissionRequest, lease: Option<usize>) -> Result<AdmissionVerdict, Abort>;
}

/// No host predicates (every external index aborts).
pub struct NoExternal;

impl ExternalPredicates for NoExternal {
    fn run_external(&mut self, _: usize, _: &AdmissionRequest, _: Option<usize>) -> Result<AdmissionVerdict, Abort> {
        Err(Abort)
    }
}

/// `built_in_predicates(config=cfg)`: disjointness under the config's policy,
/// then the self-modification guard over the config's runtime files.
pub fn built_in_predicates(cfg: &SubstrateConfig) -> Result<[Predicate<'_>; 2], UnknownPolicy> {
    Ok([Predicate::Disjointness(OverlapPolicy::resolve(&cfg.overlap_policy_name)?), Predicate::SelfModify(RuntimeFiles::of_config(cfg))])
}

fn static_runtime_prefixes() -> &'static [String] {
    static P: OnceLock<Vec<String>> = OnceLock::new();
    P.get_or_init(|| DISPATCH_RUNTIME_FILES.iter().map(|f| norm_tree_prefix(f)).collect())
}

/// `_tree_touches_runtime`: the runtime files (as given, in order) that some
/// non-blank requested entry collides with.
pub fn tree_touches_runtime<'f, S: AsRef<str>>(requested_tree: &[S], files: RuntimeFiles<'f>) -> Vec<&'f str> {
    touches(&NormTree::new(requested_tree), files)
}

fn touches<'f, S: AsRef<str>>(req: &NormTree<S>, files: RuntimeFiles<'f>) -> Vec<&'f str> {
    let mut hits = Vec::new();
    if req.norms.is_empty() {
        return hits;
    }
    let hit = |rp: &str| req.prefixes().any(|nr| prefixes_collide(nr, rp));
    match files {
        RuntimeFiles::Static => {
            for (f, rp) in DISPATCH_RUNTIME_FILES.iter().zip(static_runtime_prefixes()) {
                if hit(rp) {
                    hits.push(*f);
                }
            }
        }
        RuntimeFiles::Listed(list) => {
            for f in list {
                if hit(&norm_tree_prefix(f)) {
                    hits.push(f.as_str());
                }
            }
        }
    }
    hits
}

/// The self-modification guard's verdict for a request (it ignores the lease).
pub fn self_modify_verdict(request: &AdmissionRequest, files: RuntimeFiles) -> AdmissionVerdict {
    self_modify_normed(request, &NormTree::new(request.tree), files)
}

fn self_modify_normed(request: &AdmissionRequest, req: &NormTree<String>, files: RuntimeFiles) -> AdmissionVerdict {
    if matches!(files, RuntimeFiles::Listed(l) if l.is_empty()) {
        return AdmissionVerdict::admit();
    }
    let hits = touches(req, files);
    if hits.is_empty() {
        return AdmissionVerdict::admit();
    }
    AdmissionVerdict::refuse(
        format!(
            "SELF_MODIFY: lane {} would edit kernel code a live loop is running ({}); a loop must not \
             rewrite the code that admits it. Only --force overrides this, for deliberate kernel work \
             between loop runs.",
            pystr::repr(request.lane),
            preview(&hits)
        ),
        SELF_MODIFY_REASON,
    )
}

/// The live leases of one decision, with their trees normalized on first use.
pub struct LiveSet<'a> {
    pub leases: &'a [Lease],
    norms: Vec<OnceCell<NormTree<'a, String>>>,
}

impl<'a> LiveSet<'a> {
    pub fn new(leases: &'a [Lease]) -> Self {
        LiveSet { leases, norms: (0..leases.len()).map(|_| OnceCell::new()).collect() }
    }

    fn norm(&self, i: usize) -> &NormTree<'a, String> {
        self.norms[i].get_or_init(|| NormTree::new(&self.leases[i].tree))
    }
}

/// What the conjunction reads from the config.
#[derive(Clone, Copy, Debug)]
pub struct PredicateEnv {
    /// `config.overlap_ratio_max`, when the config has one.
    pub ratio_max: Option<f64>,
}

fn disjointness(
    policy: OverlapPolicy,
    request: &AdmissionRequest,
    req_norm: &NormTree<String>,
    lease: &Lease,
    lease_norm: Option<&NormTree<String>>,
    env: PredicateEnv,
) -> AdmissionVerdict {
    if lease.tree.is_empty() {
        return AdmissionVerdict::admit();
    }
    if request.tree.is_empty() {
        return AdmissionVerdict::refuse(
            format!(
                "lane {} has an EMPTY tree (unknown blast radius), which is never safe beside live lane {}",
                pystr::repr(request.lane),
                py_repr_opt(lease.lane.as_ref())
            ),
            "",
        );
    }
    let owned;
    let lease_norm = match lease_norm {
        Some(n) => n,
        None => {
            owned = NormTree::new(&lease.tree);
            &owned
        }
    };
    let Err(ov) = admit_under_floor(policy, req_norm, lease_norm, env.ratio_max) else {
        return AdmissionVerdict::admit();
    };
    AdmissionVerdict::refuse(
        format!("lane {} may not run beside live lane {}: {}.", pystr::repr(request.lane), py_repr_opt(lease.lane.as_ref()), ov.reason),
        "",
    )
}

/// `run_predicates(predicates, request, live_leases, config)` over a live set.
pub fn run_predicates_live(
    predicates: &[Predicate],
    request: &AdmissionRequest,
    live: &LiveSet,
    env: PredicateEnv,
    ext: &mut dyn ExternalPredicates,
) -> Result<AdmissionVerdict, Abort> {
    let req_norm = NormTree::new(request.tree);
    let sentinel = Lease::sentinel();
    let count = live.leases.len().max(1);
    for i in 0..count {
        let (lease, idx) = if live.leases.is_empty() { (&sentinel, None) } else { (&live.leases[i], Some(i)) };
        for p in predicates {
            let v = match *p {
                Predicate::Disjointness(policy) => {
                    let norm = if lease.tree.is_empty() { None } else { idx.map(|i| live.norm(i)) };
                    disjointness(policy, request, &req_norm, lease, norm, env)
                }
                Predicate::SelfModify(files) => self_modify_normed(request, &req_norm, files),
                Predicate::External(k) => ext.run_external(k, request, idx)?,
            };
            if !v.admitted {
                return Ok(v);
            }
        }
    }
    Ok(AdmissionVerdict::admit())
}

/// `run_predicates(predicates, request, live_leases, config)`.
pub fn run_predicates(
    predicates: &[Predicate],
    request: &AdmissionRequest,
    live_leases: &[Lease],
    env: PredicateEnv,
    ext: &mut dyn ExternalPredicates,
) -> Result<AdmissionVerdict, Abort> {
    run_predicates_live(predicates, request, &LiveSet::new(live_leases), env, ext)
}

// ------------------------------------------------------------------ envelope

/// The built-in predicate names (their `name` attributes).
pub const PREDICATE_NAMES: [&str; 2] = ["disjointness", "self-modify"];

/// Predicates named in `args[key]` (or the built-ins when absent), resolved
/// against `cfg` as `built_in_predicates(config=cfg)` would build them.
pub(crate) fn predicates_arg<'c>(a: &Args, key: &str, cfg: &'c SubstrateConfig) -> Result<Option<Vec<Predicate<'c>>>, CallError> {
    let Some(names) = a.opt_str_list(key)? else { return Ok(None) };
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        out.push(match n {
            "disjointness" => Predicate::Disjointness(OverlapPolicy::resolve(&cfg.overlap_policy_name).map_err(|e| a.err(e.message()))?),
            "self-modify" => Predicate::SelfModify(RuntimeFiles::of_config(cfg)),
            other => {
                return Err(a.err(format_args!(
                    "{key}: {} is not a built-in predicate ({})",
                    pystr::repr(other),
                    PREDICATE_NAMES.join(", ")
                )))
            }
        });
    }
    Ok(Some(out))
}

/// The `live_leases` argument.
pub(crate) fn leases_arg(a: &Args, key: &str) -> Result<Vec<Lease>, CallError> {
    a.list(key)?
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::Dict(d) => Lease::from_dict(d).map_err(|m| a.err(format_args!("{key}[{i}]: {m}"))),
            other => Err(a.err(format_args!("{key}[{i}] must be an object, not {}", other.type_name()))),
        })
        .collect()
}

struct OwnedRequest {
    lane: String,
    kind: String,
    tree: Vec<String>,
}

fn request_arg(a: &Args, key: &str) -> Result<OwnedRequest, CallError> {
    let r = a.obj(key)?;
    r.check_known(&["lane", "kind", "tree"])?;
    Ok(OwnedRequest {
        lane: r.str("lane")?.to_string(),
        kind: r.str("kind")?.to_string(),
        tree: r.str_list("tree")?.into_iter().map(str::to_owned).collect(),
    })
}

fn op_run_predicates(ctx: &Ctx, a: &Args) -> Result<Value, CallError> {
    let cfg = ctx.substrate()?;
    let req = request_arg(a, "request")?;
    let leases = leases_arg(a, "live_leases")?;
    let preds = match predicates_arg(a, "predicates", &cfg)? {
        Some(p) => p,
        None => built_in_predicates(&cfg).map_err(|e| a.err(e.message()))?.to_vec(),
    };
    let request = AdmissionRequest { lane: &req.lane, kind: &req.kind, tree: &req.tree };
    let env = PredicateEnv { ratio_max: Some(cfg.overlap_ratio_max) };
    let v = run_predicates(&preds, &request, &leases, env, &mut NoExternal).map_err(|_| a.err("a predicate could not run natively"))?;
    Ok(v.to_value())
}

fn runtime_files_arg<'a>(a: &Args, key: &str, store: &'a mut Vec<String>) -> Result<RuntimeFiles<'a>, CallError> {
    match a.opt_str_list(key)? {
        None => Ok(RuntimeFiles::Static),
        Some(list) => {
            *store = list.into_iter().map(str::to_owned).collect();
            Ok(RuntimeFiles::Listed(store))
        }
    }
}

fn op_touches(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let tree = a.str_list("requested_tree")?;
    let mut store = Vec::new();
    let files = runtime_files_arg(a, "runtime_files", &mut store)?;
    Ok(Value::List(tree_touches_runtime(&tree, files).into_iter().map(Value::str).collect()))
}

fn op_self_modify(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let req = request_arg(a, "request")?;
    let mut store = Vec::new();
    let files = runtime_files_arg(a, "runtime_files", &mut store)?;
    // The guard judges the request alone; the lease, when given, is only checked for shape.
    if a.has("live_lease") {
        a.obj("live_lease")?;
    }
    let request = AdmissionRequest { lane: &req.lane, kind: &req.kind, tree: &req.tree };
    Ok(self_modify_verdict(&request, files).to_value())
}

pub(crate) const OPS: &[OpSpec] = &[
    OpSpec { name: "admission.run_predicates", args: &["predicates", "request", "live_leases"], run: op_run_predicates },
    OpSpec { name: "self_modify._tree_touches_runtime", args: &["requested_tree", "runtime_files"], run: op_touches },
    OpSpec { name: "self_modify.SelfModifyPredicate", args: &["request", "live_lease", "runtime_files"], run: op_self_modify },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_lease_sentinel_still_runs_the_guard() {
        let tree = vec!["**/*".to_string()];
        let req = AdmissionRequest { lane: "main", kind: "cluster", tree: &tree };
        let preds = [Predicate::Disjointness(OverlapPolicy::Prefix), Predicate::SelfModify(RuntimeFiles::Static)];
        let v = run_predicates(&preds, &req, &[], PredicateEnv { ratio_max: None }, &mut NoExternal).unwrap();
        assert!(!v.admitted);
        assert_eq!(v.reason_class, SELF_MODIFY_REASON);
        let none: Vec<String> = vec![];
        let v = run_predicates(
            &[Predicate::SelfModify(RuntimeFiles::Listed(&none))],
            &req,
            &[],
            PredicateEnv { ratio_max: None },
            &mut NoExternal,
        )
        .unwrap();
        assert!(v.admitted);
    }

    #[test]
    fn empty_tree_asymmetry() {
        let empty: Vec<String> = vec![];
        let known = vec!["src/".to_string()];
        let preds = [Predicate::Disjointness(OverlapPolicy::Prefix)];
        let env = PredicateEnv { ratio_max: None };
        let run = |req_tree: &[String], lease_tree: &[String]| {
            let req = AdmissionRequest { lane: "a", kind: "keyword", tree: req_tree };
            run_predicates(&preds, &req, &[Lease::new("b", "cluster", lease_tree.to_vec())], env, &mut NoExternal).unwrap().admitted
        };
        assert!(run(&known, &empty));
        assert!(!run(&empty, &known));
        assert!(run(&empty, &empty));
    }
}
