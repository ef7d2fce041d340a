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
use crate::envelope::{Args, CallError, Ctx};
use crate::pyjson::{Dict, Value};
use crate::pystr;
use crate::route::{self, Const, Describe, Module, Op};
use serde::{Deserialize, Serialize};
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

/// Admit, or refuse with a reason and an optional typed reason class (a
/// reason-registry token such as `SELF_MODIFY`). A predicate can only
/// refuse: there is no way to overrule another predicate's refusal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct AdmissionVerdict {
    /// The verdict admits.
    pub admitted: bool,
    /// Why it refuses (empty when it admits).
    #[serde(default)]
    pub reason: String,
    /// The refusal's reason-registry token, when it has one.
    #[serde(default)]
    pub reason_class: String,
}

impl AdmissionVerdict {
    pub fn admit() -> Self {
        AdmissionVerdict { admitted: true, reason: String::new(), reason_class: String::new() }
    }

    pub fn refuse(reason: String, reason_class: &str) -> Self {
        AdmissionVerdict { admitted: false, reason, reason_class: reason_class.to_string() }
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

/// The records the hosts hand over, read once by serde (the conjunction
/// borrows them: [`AdmissionRequest`](super::AdmissionRequest), [`Lease`](super::Lease)).
pub mod wire {
    use crate::pyjson::{Dict, Value};
    use crate::route::{Describe, Tuple};
    use serde::{Deserialize, Serialize};

    /// The lease a request would take: its lane, its kind and its tree.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
    #[serde(deny_unknown_fields)]
    pub struct AdmissionRequest {
        pub lane: String,
        pub kind: String,
        /// Repo-relative globs (an empty tree: unknown blast radius).
        #[describe(tuple)]
        pub tree: Tuple<String>,
    }

    impl AdmissionRequest {
        /// The view the conjunction reads.
        pub fn view(&self) -> super::AdmissionRequest<'_> {
            super::AdmissionRequest { lane: &self.lane, kind: &self.kind, tree: &self.tree.0 }
        }
    }

    /// One live lease as the journal holds it: only these keys are read
    /// (a record's other keys are ignored). A missing tree, or null, is an
    /// empty tree (a lease naming no blast radius).
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
    pub struct LiveLease {
        /// The lease's lane, shown in a refusal.
        #[serde(default)]
        pub lane: Option<Value>,
        #[serde(default)]
        pub lane_kind: Option<Value>,
        #[serde(default)]
        pub tree: Option<Vec<String>>,
        #[serde(default)]
        pub loop_ts: Option<Value>,
    }

    impl LiveLease {
        /// The lease as the conjunction reads it (refused: a name holding a
        /// lone surrogate).
        pub fn lease(&self) -> Result<super::Lease, String> {
            let mut d = Dict::with_capacity(4);
            for (k, v) in [("lane", &self.lane), ("lane_kind", &self.lane_kind), ("loop_ts", &self.loop_ts)] {
                if let Some(v) = v {
                    d.push(k, v.clone());
                }
            }
            if let Some(t) = &self.tree {
                d.push("tree", Value::List(t.iter().map(|x| Value::str(x.as_str())).collect()));
            }
            super::Lease::from_dict(&d)
        }
    }
}

use wire::LiveLease;

fn resolve_predicates<'c>(names: &[String], cfg: &'c SubstrateConfig) -> Result<Vec<Predicate<'c>>, String> {
    names
        .iter()
        .map(|n| match n.as_str() {
            "disjointness" => OverlapPolicy::resolve(&cfg.overlap_policy_name).map(Predicate::Disjointness).map_err(|e| e.message()),
            "self-modify" => Ok(Predicate::SelfModify(RuntimeFiles::of_config(cfg))),
            other => Err(format!("{} is not a built-in predicate ({})", pystr::repr(other), PREDICATE_NAMES.join(", "))),
        })
        .collect()
}

/// Predicates named in `args[key]` (or the built-ins when absent), resolved
/// against `cfg` as `built_in_predicates(config=cfg)` would build them.
pub(crate) fn predicates_arg<'c>(a: &Args, key: &str, cfg: &'c SubstrateConfig) -> Result<Option<Vec<Predicate<'c>>>, CallError> {
    let Some(names) = a.opt_str_list(key)? else { return Ok(None) };
    let names: Vec<String> = names.into_iter().map(str::to_owned).collect();
    resolve_predicates(&names, cfg).map(Some).map_err(|m| a.err(format_args!("{key}: {m}")))
}

/// The `live_leases` argument (of the arbiter's hand-registered op).
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

fn bad(op: &str, msg: impl std::fmt::Display) -> CallError {
    CallError::bad_args(format!("{op}: args.{msg}"))
}

/// The conjunction: for each live lease in turn, every predicate in order;
/// the first refusal is the verdict, else it admits. With no live lease the
/// predicates run once against an empty lease, so a guard that judges the
/// request alone (self-modification) still runs. Predicates are named:
/// `disjointness` (the tree rule under the config's overlap policy) and
/// `self-modify` (the guard over the config's probed runtime files); left
/// out, the built-ins in that order. A plugin predicate (or overlap policy)
/// runs only in Python and is refused here (BAD_ARGS).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct RunPredicates {
    /// Built-in predicate names, in order (None: the built-ins).
    #[serde(default)]
    pub predicates: Option<Vec<String>>,
    pub request: wire::AdmissionRequest,
    pub live_leases: Vec<LiveLease>,
}

impl Op for RunPredicates {
    const NAME: &'static str = "admission.run_predicates";
    const READS_CONFIG: bool = true;
    type Verdict = AdmissionVerdict;

    fn run(self, ctx: &Ctx<'_>) -> Result<AdmissionVerdict, CallError> {
        let cfg = ctx.substrate()?;
        let leases = self
            .live_leases
            .iter()
            .enumerate()
            .map(|(i, l)| l.lease().map_err(|m| bad(Self::NAME, format_args!("live_leases[{i}]: {m}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let preds = match &self.predicates {
            Some(names) => resolve_predicates(names, &cfg).map_err(|m| bad(Self::NAME, format_args!("predicates: {m}")))?,
            None => built_in_predicates(&cfg).map_err(|e| bad(Self::NAME, format_args!("predicates: {}", e.message())))?.to_vec(),
        };
        let env = PredicateEnv { ratio_max: Some(cfg.overlap_ratio_max) };
        run_predicates(&preds, &self.request.view(), &leases, env, &mut NoExternal)
            .map_err(|_| bad(Self::NAME, "predicates: a predicate could not run natively"))
    }
}

/// An admitting verdict (the reference's classmethod `AdmissionVerdict.admit`).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Admit {}

impl Op for Admit {
    const NAME: &'static str = "admission.admit";
    const PY_NAME: &'static str = "_admit";
    const PY_METHODS: &'static [&'static str] = &["AdmissionVerdict.admit"];
    type Verdict = AdmissionVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<AdmissionVerdict, CallError> {
        Ok(AdmissionVerdict::admit())
    }
}

/// A refusing verdict with its reason (the reference's classmethod
/// `AdmissionVerdict.refuse`); there is no other non-admitting verdict.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Refuse {
    pub reason: String,
    #[serde(default)]
    #[describe(kw_only)]
    pub reason_class: String,
}

impl Op for Refuse {
    const NAME: &'static str = "admission.refuse";
    const PY_NAME: &'static str = "_refuse";
    const PY_METHODS: &'static [&'static str] = &["AdmissionVerdict.refuse"];
    type Verdict = AdmissionVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<AdmissionVerdict, CallError> {
        Ok(AdmissionVerdict { admitted: false, reason: self.reason, reason_class: self.reason_class })
    }
}

/// The `admission` module: the conjunction of the built-in predicates.
pub(crate) const MODULE: Module = Module {
    name: "admission",
    doc: "The admission conjunction: a request is checked against each live lease by every predicate in order, \
          and the first refusal is the verdict. The built-in predicates (tree disjointness under the overlap \
          policy, the self-modification guard) run natively; plugin predicates run in Python.",
    routes: &[route::route::<RunPredicates>(), route::route::<Admit>(), route::route::<Refuse>()],
    consts: &[],
};

fn files_of(list: &Option<Vec<String>>) -> RuntimeFiles<'_> {
    match list {
        None => RuntimeFiles::Static,
        Some(l) => RuntimeFiles::Listed(l),
    }
}

/// The runtime files (as given, in order) that some non-blank entry of the
/// requested tree collides with.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct TreeTouchesRuntime {
    pub requested_tree: Vec<String>,
    /// The kernel files to guard (None: the full static list).
    #[serde(default)]
    pub runtime_files: Option<Vec<String>>,
}

impl Op for TreeTouchesRuntime {
    const NAME: &'static str = "self_modify._tree_touches_runtime";
    type Verdict = Vec<String>;

    fn run(self, _: &Ctx<'_>) -> Result<Vec<String>, CallError> {
        Ok(tree_touches_runtime(&self.requested_tree, files_of(&self.runtime_files)).into_iter().map(str::to_owned).collect())
    }
}

/// The self-modification guard's verdict on a request: refused with reason
/// class `SELF_MODIFY` when its tree collides with a kernel runtime file,
/// whatever is live (the lease is not read). An empty file list (a probe
/// that found none) admits everything.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct SelfModifyPredicate {
    pub request: wire::AdmissionRequest,
    /// The live lease it is asked about (not read).
    #[serde(default)]
    pub live_lease: Option<LiveLease>,
    /// The kernel files to guard (None: the full static list).
    #[serde(default)]
    pub runtime_files: Option<Vec<String>>,
}

impl Op for SelfModifyPredicate {
    const NAME: &'static str = "self_modify.SelfModifyPredicate";
    type Verdict = AdmissionVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<AdmissionVerdict, CallError> {
        Ok(self_modify_verdict(&self.request.view(), files_of(&self.runtime_files)))
    }
}

/// The `self_modify` module: the guard against a lease over the kernel's own running code.
pub(crate) const SELF_MODIFY: Module = Module {
    name: "self_modify",
    doc: "The self-modification guard: a request whose tree collides with a kernel runtime file is refused with \
          reason class SELF_MODIFY, whatever is live. The files are the workspace's probed set, or the full \
          static list when nothing was probed.",
    routes: &[route::route::<TreeTouchesRuntime>(), route::route::<SelfModifyPredicate>()],
    consts: &[
        Const {
            name: "SELF_MODIFY_REASON",
            doc: "The reason class of a self-modification refusal.",
            eval: |reg| route::konst(reg, SELF_MODIFY_REASON),
        },
        Const {
            name: "_DISPATCH_RUNTIME_FILES",
            doc: "The kernel runtime files guarded when nothing was probed, in order.",
            eval: |reg| route::konst(reg, route::Tuple(DISPATCH_RUNTIME_FILES.iter().map(|f| f.to_string()).collect())),
        },
    ],
};

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

    fn call(op: &str, args: &str) -> Result<Value, CallError> {
        let v = crate::pyjson::parse_str(args).unwrap();
        crate::envelope::dispatch_pure(op, None, v.as_dict().unwrap())
    }

    #[test]
    fn routed_ops_read_the_records() {
        // A journal lease's other keys are ignored; a null tree never blocks.
        let v = call(
            "admission.run_predicates",
            r#"{"predicates":["disjointness"],"request":{"lane":"a","kind":"keyword","tree":["src/"]},
                "live_leases":[{"lane":"b","tree":["src/x"],"holder":"h","pid":7},{"lane":"c","tree":null}]}"#,
        )
        .unwrap();
        assert_eq!(v.get("admitted"), Some(&Value::Bool(false)));
        let v = call(
            "admission.run_predicates",
            r#"{"predicates":["disjointness"],"request":{"lane":"a","kind":"keyword","tree":["src/"]},"live_leases":[{"lane":"c","tree":null}]}"#,
        )
        .unwrap();
        assert_eq!(v.get("admitted"), Some(&Value::Bool(true)));
        // BAD_ARGS naming the field: an unknown request key, a plugin name, a lone surrogate in a lease.
        let e = call("admission.run_predicates", r#"{"request":{"lane":"a","kind":"k","tree":[],"x":1},"live_leases":[]}"#).unwrap_err();
        assert!(e.message.contains("request"), "{}", e.message);
        let e =
            call("admission.run_predicates", r#"{"predicates":["budget"],"request":{"lane":"a","kind":"k","tree":[]},"live_leases":[]}"#)
                .unwrap_err();
        assert!(e.message.contains("predicates") && e.message.contains("'budget'"), "{}", e.message);
        let e = call("admission.run_predicates", r#"{"request":{"lane":"a","kind":"k","tree":[]},"live_leases":[{"lane":"\ud800"}]}"#)
            .unwrap_err();
        assert!(e.message.contains("live_leases[0]"), "{}", e.message);
        // The reference's classmethods.
        let v = call("admission.refuse", r#"{"reason":"r","reason_class":"X"}"#).unwrap();
        assert_eq!(v.get("admitted"), Some(&Value::Bool(false)));
        assert_eq!(v.get("reason_class"), Some(&Value::str("X")));
        assert_eq!(call("admission.admit", "{}").unwrap().get("admitted"), Some(&Value::Bool(true)));
        // The guard ignores the lease; an empty probe admits everything.
        let v =
            call("self_modify.SelfModifyPredicate", r#"{"request":{"lane":"a","kind":"k","tree":["**/*"]},"runtime_files":[]}"#).unwrap();
        assert_eq!(v.get("admitted"), Some(&Value::Bool(true)));
    }
}
