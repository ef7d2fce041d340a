//! `arbiter.arbitrate`: may a loop start, and on which lane?
//!
//! The arbiter is a lock manager whose locks are sets of path globs. It reads
//! the workspace's lane taxonomy (which lanes run together, which run alone,
//! each lane's tree, the auto-pick order) and the live leases, and answers
//! `acquire` (with the lane to lease) or `refuse` (with the free cluster lanes
//! an operator could take instead). Every collision check goes through the
//! admission conjunction (`admission`), so a request is refused when any
//! predicate refuses against any live lease.
//!
//! The order of the checks, which decides which reason wins:
//! 1. a live lease whose kind is an exclusive lane refuses everything
//!    (`force` included);
//! 2. `force` with a named lane acquires it as asked;
//! 3. a lane already held refuses, except that a cluster request falls
//!    through to auto-pick;
//! 4. an exclusive request acquires only when nothing is live (and the
//!    request-only predicates admit);
//! 5. a free cluster lane, or a keyword lane with a tree, acquires when the
//!    conjunction admits;
//! 6. a keyword with no tree that names no known lane refuses (UNKNOWN_LANE);
//! 7. otherwise auto-pick: over `auto_pick_order` when given (class budgets,
//!    pick availability, rank order and live siblings apply to a bare
//!    request), else the legacy walk over the autopick clusters and then the
//!    named and derived lanes.
//!
//! Lane names compare case-insensitively (`casefold`), except where the
//! reference tests a candidate's raw name against the folded live set (the
//! auto-pick walks), which this port keeps. Host callbacks (`pick_oracle`,
//! `rank_key`, `sibling_tree_lookup`, host predicates) arrive through
//! [`Hooks`]; the envelope fills them from maps.

use super::admission::{
    built_in_predicates, Abort, AdmissionRequest, AdmissionVerdict, ExternalPredicates, Lease, LiveSet, Predicate, PredicateEnv,
};
use super::overlap_policy::UnknownPolicy;
use super::tree::lane_trees_disjoint;
use crate::config::{LaneTaxonomy, SubstrateConfig};
use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::{Dict, Int, Value};
use crate::pystr;
use std::borrow::Cow;
use std::cmp::Ordering;

/// One rung of the auto-pick ladder: `(lane_name, lane_kind, tree)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub name: String,
    /// An empty kind leases as `"cluster"`.
    pub kind: String,
    pub tree: Vec<String>,
}

/// A legacy named or derived lane: `(name, tree)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedLane {
    pub name: String,
    pub tree: Vec<String>,
}

/// What a pick oracle said, when it said an `int` (Python's `bool` is one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pick {
    Int(Int),
    Bool(bool),
}

impl Pick {
    /// `n > 0`.
    pub fn positive(&self) -> bool {
        match self {
            Pick::Bool(b) => *b,
            Pick::Int(Int::Small(v)) => *v > 0,
            Pick::Int(Int::Big(s)) => !s.starts_with('-'),
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            Pick::Bool(b) => Value::Bool(*b),
            Pick::Int(i) => Value::Int(i.clone()),
        }
    }
}

/// The host's callbacks. Each `has_*` says whether the callable was given
/// (which changes behaviour even when it abstains).
pub trait Hooks: ExternalPredicates {
    fn has_pick_oracle(&self) -> bool {
        false
    }
    /// `pick_oracle(name, kind, tree)` read as `int | None` (a raise is None).
    fn picks(&mut self, _name: &str, _kind: &str, _tree: &[String]) -> Result<Option<Pick>, Abort> {
        Ok(None)
    }
    fn has_rank_key(&self) -> bool {
        false
    }
    /// `rank_key(name, kind, tree)` read as `float | None` (a raise is None).
    fn rank(&mut self, _name: &str, _kind: &str, _tree: &[String]) -> Result<Option<f64>, Abort> {
        Ok(None)
    }
    fn has_sibling_lookup(&self) -> bool {
        false
    }
    /// `list(sibling_tree_lookup(lane) or [])`; a raise reads as `[]`. Falsy
    /// entries read as `""`.
    fn sibling_tree(&mut self, _lane: &str) -> Result<Vec<String>, Abort> {
        Ok(Vec::new())
    }
}

/// No callbacks at all.
pub struct NoHooks;

impl ExternalPredicates for NoHooks {
    fn run_external(&mut self, _: usize, _: &AdmissionRequest, _: Option<usize>) -> Result<AdmissionVerdict, Abort> {
        Err(Abort)
    }
}

impl Hooks for NoHooks {}

/// Callbacks given as data (the C/Go/envelope form): lane → picks, lane →
/// rank, lane → sibling tree. A lane missing from a map reads as `None`.
#[derive(Clone, Debug, Default)]
pub struct DataHooks {
    pub pick_oracle: Option<Vec<(String, Option<Pick>)>>,
    pub rank_key: Option<Vec<(String, Option<f64>)>>,
    pub sibling_tree_lookup: Option<Vec<(String, Option<Vec<String>>)>>,
}

fn lookup<'m, T>(map: &'m [(String, T)], key: &str) -> Option<&'m T> {
    map.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

impl ExternalPredicates for DataHooks {
    fn run_external(&mut self, _: usize, _: &AdmissionRequest, _: Option<usize>) -> Result<AdmissionVerdict, Abort> {
        Err(Abort)
    }
}

impl Hooks for DataHooks {
    fn has_pick_oracle(&self) -> bool {
        self.pick_oracle.is_some()
    }
    fn picks(&mut self, name: &str, _: &str, _: &[String]) -> Result<Option<Pick>, Abort> {
        Ok(self.pick_oracle.as_deref().and_then(|m| lookup(m, name)).cloned().flatten())
    }
    fn has_rank_key(&self) -> bool {
        self.rank_key.is_some()
    }
    fn rank(&mut self, name: &str, _: &str, _: &[String]) -> Result<Option<f64>, Abort> {
        Ok(self.rank_key.as_deref().and_then(|m| lookup(m, name)).copied().flatten())
    }
    fn has_sibling_lookup(&self) -> bool {
        self.sibling_tree_lookup.is_some()
    }
    fn sibling_tree(&mut self, lane: &str) -> Result<Vec<String>, Abort> {
        Ok(self.sibling_tree_lookup.as_deref().and_then(|m| lookup(m, lane)).cloned().flatten().unwrap_or_default())
    }
}

/// Everything `arbitrate` takes besides the config and the callbacks.
#[derive(Clone, Copy, Debug, Default)]
pub struct ArbitrateRequest<'a> {
    pub requested_lane: &'a str,
    pub requested_kind: &'a str,
    pub requested_tree: &'a [String],
    pub live_leases: &'a [Lease],
    /// `None`: the legacy walk; `Some(&[])` is a (empty) ladder.
    pub auto_pick_order: Option<&'a [Candidate]>,
    pub named_lanes: Option<&'a [NamedLane]>,
    pub derived_lanes: Option<&'a [NamedLane]>,
    pub force: bool,
    /// `None`: the built-in conjunction for the config.
    pub predicates: Option<&'a [Predicate<'a>]>,
    /// `{lane_kind: max_concurrent}`; only positive values count.
    pub class_budgets: Option<&'a [(String, i64)]>,
    /// Each live sibling's `str(lane or "")`.
    pub live_siblings: Option<&'a [String]>,
}

/// `LaneDecision`. `tree` borrows from the request or the config;
/// `tree_is_requested` says when it is the caller's own `requested_tree`.
#[derive(Clone, Debug, PartialEq)]
pub struct LaneDecision<'a> {
    pub acquire: bool,
    pub lane: Cow<'a, str>,
    pub lane_kind: Cow<'a, str>,
    pub tree: &'a [String],
    pub tree_is_requested: bool,
    pub auto_picked: bool,
    pub reason: String,
    pub free_clusters: Vec<&'a str>,
    pub pick_count: Option<Pick>,
}

impl<'a> LaneDecision<'a> {
    fn refuse(reason: String, free_clusters: Vec<&'a str>) -> Self {
        LaneDecision {
            acquire: false,
            lane: Cow::Borrowed(""),
            lane_kind: Cow::Borrowed(""),
            tree: &[],
            tree_is_requested: false,
            auto_picked: false,
            reason,
            free_clusters,
            pick_count: None,
        }
    }

    pub fn outcome(&self) -> &'static str {
        if self.acquire {
            "acquire"
        } else {
            "refuse"
        }
    }

    /// `LaneDecision.to_dict()`.
    pub fn to_value(&self) -> Value {
        let mut d = Dict::with_capacity(8);
        d.push("outcome", Value::str(self.outcome()));
        d.push("lane", Value::str(self.lane.as_ref()));
        d.push("lane_kind", Value::str(self.lane_kind.as_ref()));
        d.push("tree", Value::List(self.tree.iter().map(|s| Value::str(s.as_str())).collect()));
        d.push("auto_picked", Value::Bool(self.auto_picked));
        d.push("reason", Value::str(self.reason.as_str()));
        d.push("free_clusters", Value::List(self.free_clusters.iter().map(|s| Value::str(*s)).collect()));
        d.push("pick_count", self.pick_count.as_ref().map(Pick::to_value).unwrap_or(Value::Null));
        Value::Dict(d)
    }
}

/// Why `arbitrate` produced no decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArbiterError {
    /// The config names an overlap policy plugin (Python only).
    UnknownPolicy(UnknownPolicy),
    /// A host callback raised (the host decides what to do).
    Abort,
    /// A live kind folds into an exclusive lane only through `str()` of a
    /// non-string value, so the reference finds no holder and raises.
    NoExclusiveHolder,
    /// NaN ranks over 64 or more candidates: the order would depend on the
    /// merge phase of CPython's sort, which is not ported.
    RankOrder,
}

impl ArbiterError {
    pub fn message(&self) -> String {
        match self {
            ArbiterError::UnknownPolicy(u) => u.message(),
            ArbiterError::Abort => "a host callback raised".into(),
            ArbiterError::NoExclusiveHolder => "a live lane_kind matches an exclusive lane only as str() of a non-string value; \
                 the reference raises StopIteration here"
                .into(),
            ArbiterError::RankOrder => "NaN ranks (rank_key) over 64 or more auto_pick_order candidates are not supported natively".into(),
        }
    }
}

impl From<Abort> for ArbiterError {
    fn from(_: Abort) -> Self {
        ArbiterError::Abort
    }
}

// ---------------------------------------------------------------- folding

fn fold(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(pystr::casefold(s))
    }
}

/// `raw.casefold() == key` for an already folded `key`.
fn folds_to(raw: &str, key: &str) -> bool {
    if raw.is_ascii() {
        raw.len() == key.len() && raw.bytes().zip(key.bytes()).all(|(a, b)| a.to_ascii_lowercase() == b)
    } else {
        pystr::casefold(raw) == key
    }
}

/// `s.lower()` (not casefold: the reference's `_cluster_tree`).
fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(pystr::lower(s))
    }
}

fn repr(s: &str) -> super::pyvalue::Repr<'_> {
    super::pyvalue::Repr(s)
}

// ---------------------------------------------------------------- rank order

#[derive(Clone, Copy)]
struct RankKey {
    has: u8,
    neg: f64,
    idx: usize,
}

/// `key(a) < key(b)` as CPython compares the tuples `(0|1, -rank, idx)`:
/// the first unequal element decides with `<` (a NaN is unequal to
/// everything and less than nothing).
fn key_lt(a: &RankKey, b: &RankKey) -> bool {
    if a.has != b.has {
        return a.has < b.has;
    }
    #[allow(clippy::float_cmp)]
    if a.neg != b.neg || a.neg.is_nan() {
        return a.neg < b.neg;
    }
    a.idx < b.idx
}

/// CPython 3.11's `list.sort` for fewer than 64 items: find the first run
/// (reversing a strictly descending one), then binary-insert the rest.
fn cpython_small_sort(keys: &mut [RankKey]) {
    let n = keys.len();
    if n < 2 {
        return;
    }
    let mut run = 2;
    if key_lt(&keys[1], &keys[0]) {
        while run < n && key_lt(&keys[run], &keys[run - 1]) {
            run += 1;
        }
        keys[..run].reverse();
    } else {
        while run < n && !key_lt(&keys[run], &keys[run - 1]) {
            run += 1;
        }
    }
    for start in run..n {
        let pivot = keys[start];
        let (mut l, mut r) = (0, start);
        while l < r {
            let p = l + ((r - l) >> 1);
            if key_lt(&pivot, &keys[p]) {
                r = p;
            } else {
                l = p + 1;
            }
        }
        keys.copy_within(l..start, l + 1);
        keys[l] = pivot;
    }
}

// ---------------------------------------------------------------- the arbiter

/// The host's predicates, seen through its hooks.
struct HostPredicates<'h, 'x>(&'x mut (dyn Hooks + 'h));

impl ExternalPredicates for HostPredicates<'_, '_> {
    fn run_external(&mut self, idx: usize, r: &AdmissionRequest, lease: Option<usize>) -> Result<AdmissionVerdict, Abort> {
        self.0.run_external(idx, r, lease)
    }
}

struct State {
    saw_any_candidate: bool,
    all_disjoint_were_zero: bool,
    saw_budget_skip: bool,
    saw_non_budget_candidate: bool,
    last_pick_count: Option<Pick>,
}

struct Arb<'a, 'p, 'h> {
    req: &'a ArbitrateRequest<'a>,
    lanes: &'a LaneTaxonomy,
    preds: &'p [Predicate<'p>],
    env: PredicateEnv,
    live: LiveSet<'a>,
    requested_key: Cow<'a, str>,
    budgets: Vec<(&'a str, i64)>,
    hooks: &'h mut dyn Hooks,
    st: State,
}

impl<'a, 'p, 'h> Arb<'a, 'p, 'h> {
    fn is_live(&self, key: &str) -> bool {
        self.live.leases.iter().any(|l| l.lane_key == key)
    }

    fn is_exclusive_key(&self, key: &str) -> bool {
        self.lanes.exclusive.iter().any(|x| folds_to(x, key))
    }

    fn is_known_key(&self, key: &str) -> bool {
        let l = self.lanes;
        key == "global"
            || l.concurrent.iter().chain(&l.exclusive).chain(&l.autopick).any(|n| folds_to(n, key))
            || l.trees.iter().any(|(n, _)| folds_to(n, key))
            || l.aliases.iter().any(|(n, _)| folds_to(n, key))
    }

    fn free_clusters(&self) -> Vec<&'a str> {
        let lanes: &'a LaneTaxonomy = self.lanes;
        lanes.autopick.iter().filter(|c| !self.is_live(&fold(c))).map(String::as_str).collect()
    }

    /// Auto-pick walks test the raw name against the folded live set.
    fn free_clusters_raw(&self) -> Vec<&'a str> {
        let lanes: &'a LaneTaxonomy = self.lanes;
        lanes.autopick.iter().filter(|c| !self.is_live(c)).map(String::as_str).collect()
    }

    fn cluster_tree(&self, cluster: &str) -> &'a [String] {
        let lanes: &'a LaneTaxonomy = self.lanes;
        let t = lanes.tree_for(&lower(cluster));
        if t.is_empty() {
            lanes.tree_for(cluster)
        } else {
            t
        }
    }

    fn redirect_why(&self, busy: String) -> String {
        let r = self.req;
        if !r.requested_lane.is_empty() && !self.is_known_key(&self.requested_key) {
            format!("(requested {} is not a lane of this workspace)", repr(r.requested_lane))
        } else {
            busy
        }
    }

    fn count_kind(&self, kind: &str) -> usize {
        self.live.leases.iter().filter(|l| l.kind_str == kind).count()
    }

    fn budget_exhausted(&self, kind: &str) -> bool {
        match self.budgets.iter().find(|(k, _)| *k == kind) {
            None => false,
            Some(&(_, cap)) => self.count_kind(kind) as i64 >= cap,
        }
    }

    fn admission(&mut self, lane: &str, kind: &str, tree: &[String]) -> Result<AdmissionVerdict, ArbiterError> {
        let request = AdmissionRequest { lane, kind, tree };
        let mut ext = HostPredicates(&mut *self.hooks);
        Ok(super::admission::run_predicates_live(self.preds, &request, &self.live, self.env, &mut ext)?)
    }

    fn collides(&mut self, lane: &str, kind: &str, tree: &[String]) -> Result<bool, ArbiterError> {
        Ok(!self.admission(lane, kind, tree)?.admitted)
    }

    fn admit_lane(&mut self, name: &str, kind: &str, tree: &[String]) -> Result<bool, ArbiterError> {
        self.st.saw_any_candidate = true;
        let n = if self.hooks.has_pick_oracle() { self.hooks.picks(name, kind, tree)? } else { None };
        self.st.last_pick_count = n.clone();
        match n {
            None => {
                if kind == "named" && self.hooks.has_pick_oracle() {
                    return Ok(false);
                }
                self.st.all_disjoint_were_zero = false;
                Ok(true)
            }
            Some(p) if !p.positive() => Ok(false),
            Some(_) => {
                self.st.all_disjoint_were_zero = false;
                Ok(true)
            }
        }
    }

    fn ranked(&mut self, order: &'a [Candidate]) -> Result<Vec<usize>, ArbiterError> {
        if !self.hooks.has_rank_key() {
            return Ok((0..order.len()).collect());
        }
        let mut keys = Vec::with_capacity(order.len());
        let mut any_nan = false;
        for (idx, c) in order.iter().enumerate() {
            let kind = if c.kind.is_empty() { "cluster" } else { c.kind.as_str() };
            let r = self.hooks.rank(&c.name, kind, &c.tree)?;
            let v = match r {
                Some(x) if x != 0.0 => x,
                _ => 0.0,
            };
            any_nan |= v.is_nan();
            keys.push(RankKey { has: if r.is_some() { 0 } else { 1 }, neg: -v, idx });
        }
        if keys.len() < 64 {
            cpython_small_sort(&mut keys);
        } else if any_nan {
            return Err(ArbiterError::RankOrder);
        } else {
            keys.sort_by(|a, b| {
                if key_lt(a, b) {
                    Ordering::Less
                } else if key_lt(b, a) {
                    Ordering::Greater
                } else {
                    Ordering::Equal
                }
            });
        }
        Ok(keys.into_iter().map(|k| k.idx).collect())
    }

    fn disjoint_from_siblings(&mut self, tree: &[String]) -> Result<bool, ArbiterError> {
        for lane in self.req.live_siblings.unwrap_or(&[]) {
            if lane.is_empty() {
                return Ok(false);
            }
            let sib = self.hooks.sibling_tree(lane)?;
            if sib.is_empty() || !lane_trees_disjoint(tree, &sib) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn unresolved_suffix(&self, unresolved: bool) -> String {
        if unresolved {
            format!(" (--scope {} matched no live plan, so the request fell back to auto-pick)", repr(self.req.requested_lane))
        } else {
            String::new()
        }
    }

    fn bare_pass(
        &mut self,
        order: &'a [Candidate],
        require_sibling_disjoint: bool,
        suffix: &str,
    ) -> Result<Option<LaneDecision<'a>>, ArbiterError> {
        self.st = State {
            saw_any_candidate: false,
            all_disjoint_were_zero: true,
            saw_budget_skip: false,
            saw_non_budget_candidate: false,
            last_pick_count: None,
        };
        let ranked_picked = self.hooks.has_rank_key();
        for idx in self.ranked(order)? {
            let c: &'a Candidate = &order[idx];
            if c.tree.is_empty() || self.is_live(&c.name) {
                continue;
            }
            let kind: &'a str = if c.kind.is_empty() { "cluster" } else { &c.kind };
            if self.budget_exhausted(kind) {
                self.st.saw_budget_skip = true;
                continue;
            }
            self.st.saw_non_budget_candidate = true;
            if self.collides(&c.name, kind, &c.tree)? {
                continue;
            }
            if require_sibling_disjoint && !self.disjoint_from_siblings(&c.tree)? {
                continue;
            }
            if !self.admit_lane(&c.name, kind, &c.tree)? {
                continue;
            }
            return Ok(Some(LaneDecision {
                acquire: true,
                lane: Cow::Borrowed(&c.name),
                lane_kind: Cow::Borrowed(kind),
                tree: &c.tree,
                tree_is_requested: false,
                auto_picked: true,
                reason: format!(
                    "auto-picked {kind} lane {} {}{}.{suffix}",
                    repr(&c.name),
                    if ranked_picked { "by value-aware rank" } else { "from the priority ladder" },
                    if require_sibling_disjoint { " (disjoint from every live sibling)" } else { "" },
                ),
                free_clusters: vec![],
                pick_count: self.st.last_pick_count.clone(),
            }));
        }
        Ok(None)
    }

    fn run(&mut self) -> Result<LaneDecision<'a>, ArbiterError> {
        let r: &'a ArbitrateRequest<'a> = self.req;
        let lane = r.requested_lane;
        let kind = r.requested_kind;
        let key = self.requested_key.clone();
        let n_live = self.live.leases.len();

        // 1. A live exclusive lane blocks everything.
        let leases: &'a [Lease] = self.live.leases;
        if leases.iter().any(|l| self.is_exclusive_key(&fold(&l.kind_str))) {
            let held = leases.iter().find(|l| self.is_exclusive_key(&l.kind_key)).ok_or(ArbiterError::NoExclusiveHolder)?;
            return Ok(LaneDecision::refuse(
                format!(
                    "exclusive lane {} (kind {}, loop {}) is live and spans the whole workspace: wait until it \
                     finishes.{}",
                    super::pyvalue::py_repr_opt(held.lane.as_ref()),
                    super::pyvalue::py_repr_opt(held.lane_kind.as_ref()),
                    super::pyvalue::py_repr_opt(held.loop_ts.as_ref()),
                    if r.force { " --force does not override a live exclusive lane." } else { "" }
                ),
                vec![],
            ));
        }

        // 2. The operator override.
        if r.force && !lane.is_empty() {
            let same_lane = self.is_live(&key);
            return Ok(LaneDecision {
                acquire: true,
                lane: Cow::Borrowed(lane),
                lane_kind: Cow::Borrowed(if kind.is_empty() { "keyword" } else { kind }),
                tree: r.requested_tree,
                tree_is_requested: true,
                auto_picked: false,
                reason: format!(
                    "FORCED lane {} by operator --force: the lane checks were skipped{}{}.",
                    repr(lane),
                    if same_lane {
                        "; a loop already holds this lane, so concurrent edits to its tree are the operator's \
                         responsibility"
                    } else {
                        ""
                    },
                    if r.requested_tree.is_empty() { "; its tree is EMPTY, an unknown blast radius the operator accepted" } else { "" }
                ),
                free_clusters: vec![],
                pick_count: None,
            });
        }

        // 3. The lane is already held.
        if !lane.is_empty() && self.is_live(&key) && kind != "cluster" {
            return Ok(LaneDecision::refuse(
                format!("lane {} is held by a live loop: choose another --scope or wait.", repr(lane)),
                self.free_clusters(),
            ));
        }

        // 4. An exclusive lane runs alone.
        let lane_key_exclusive = self.is_exclusive_key(&key);
        if kind == "global" || self.lanes.exclusive.iter().any(|x| folds_to(x, kind)) || lane_key_exclusive {
            let shown = if lane.is_empty() { "global" } else { lane };
            if n_live > 0 {
                return Ok(LaneDecision::refuse(
                    format!(
                        "{} is an exclusive lane and must run alone, but {n_live} loop(s) are live: wait for \
                         them to finish.",
                        repr(shown)
                    ),
                    self.free_clusters(),
                ));
            }
            let lease_kind: Cow<'a, str> = if lane_key_exclusive { key.clone() } else { Cow::Borrowed("global") };
            let v = self.admission(shown, &lease_kind, r.requested_tree)?;
            if !v.admitted {
                return Ok(LaneDecision::refuse(v.reason, self.free_clusters()));
            }
            return Ok(LaneDecision {
                acquire: true,
                lane: Cow::Borrowed(shown),
                lane_kind: lease_kind,
                tree: r.requested_tree,
                tree_is_requested: true,
                auto_picked: false,
                reason: format!("exclusive lane {} admitted: nothing else is live.", repr(shown)),
                free_clusters: vec![],
                pick_count: None,
            });
        }

        // 5a. A free cluster lane.
        if kind == "cluster" && !self.is_live(&key) {
            let (tree, is_req) = if r.requested_tree.is_empty() { (self.cluster_tree(lane), false) } else { (r.requested_tree, true) };
            let v = self.admission(lane, "cluster", tree)?;
            if !v.admitted {
                return Ok(LaneDecision::refuse(v.reason, self.free_clusters()));
            }
            return Ok(LaneDecision {
                acquire: true,
                lane: Cow::Borrowed(lane),
                lane_kind: Cow::Borrowed("cluster"),
                tree,
                tree_is_requested: is_req,
                auto_picked: false,
                reason: format!("cluster lane {} is free: admitted.", repr(lane)),
                free_clusters: vec![],
                pick_count: None,
            });
        }

        // 5b. A keyword lane with a tree.
        if kind == "keyword" && !r.requested_tree.is_empty() {
            let v = self.admission(lane, "keyword", r.requested_tree)?;
            if !v.admitted {
                return Ok(LaneDecision::refuse(format!("{} Take a free cluster lane instead.", v.reason), self.free_clusters()));
            }
            return Ok(LaneDecision {
                acquire: true,
                lane: Cow::Borrowed(lane),
                lane_kind: Cow::Borrowed("keyword"),
                tree: r.requested_tree,
                tree_is_requested: true,
                auto_picked: false,
                reason: format!(
                    "keyword lane {} admitted: disjoint from, or within the soft-overlap limit of, all {n_live} \
                     live lease(s).",
                    repr(lane)
                ),
                free_clusters: vec![],
                pick_count: None,
            });
        }

        let unresolved = kind == "keyword" && r.requested_tree.is_empty();

        // 6. A keyword naming no lane of this workspace.
        if unresolved && !lane.is_empty() && !self.is_known_key(&key) {
            let l = self.lanes;
            let mut known: Vec<&str> = l.concurrent.iter().chain(&l.exclusive).chain(&l.autopick).map(String::as_str).collect();
            known.sort_unstable();
            known.dedup();
            let listed = if known.is_empty() { "(none)".to_string() } else { known.join(", ") };
            return Ok(LaneDecision::refuse(
                format!(
                    "UNKNOWN_LANE: {} names no lane of this workspace, and the kernel does not substitute another \
                     lane for a named one (auto-pick is only for requests with no preference). Known lanes: \
                     {listed}. Pass one of them as --scope, make a bare request to auto-pick a free lane, or \
                     declare {} in dos.toml.",
                    repr(lane),
                    repr(lane)
                ),
                self.free_clusters(),
            ));
        }

        let bare = lane.is_empty() || unresolved;
        let suffix = self.unresolved_suffix(unresolved);
        let sibling_filter = r.live_siblings.is_some_and(|s| !s.is_empty()) && self.hooks.has_sibling_lookup();
        let autopick: &'a [String] = &self.lanes.autopick;

        // 7. Auto-pick over the ladder.
        if let Some(order) = r.auto_pick_order {
            if bare {
                if sibling_filter {
                    if let Some(d) = self.bare_pass(order, true, &suffix)? {
                        return Ok(d);
                    }
                }
                if let Some(d) = self.bare_pass(order, false, &suffix)? {
                    return Ok(d);
                }
            } else {
                for cand in autopick {
                    if self.is_live(cand) {
                        continue;
                    }
                    let tree = self.cluster_tree(cand);
                    if self.collides(cand, "cluster", tree)? {
                        continue;
                    }
                    if !self.admit_lane(cand, "cluster", tree)? {
                        continue;
                    }
                    let why = self.redirect_why(format!("(requested {} was busy)", repr(lane)));
                    return Ok(LaneDecision {
                        acquire: true,
                        lane: Cow::Borrowed(cand),
                        lane_kind: Cow::Borrowed("cluster"),
                        tree,
                        tree_is_requested: false,
                        auto_picked: true,
                        reason: format!("auto-picked free cluster lane {} {why}.", repr(cand)),
                        free_clusters: vec![],
                        pick_count: self.st.last_pick_count.clone(),
                    });
                }
            }

            if self.st.saw_budget_skip && !self.st.saw_non_budget_candidate {
                let mut at: Vec<String> = self
                    .budgets
                    .iter()
                    .filter(|(k, _)| self.budget_exhausted(k))
                    .map(|(k, cap)| format!("{k} ({}/{cap})", self.count_kind(k)))
                    .collect();
                at.sort_unstable();
                return Ok(LaneDecision::refuse(
                    format!(
                        "CLASS_BUDGET_EXHAUSTED: every auto-pick candidate belongs to a concurrency class at its \
                         max_concurrent budget ({}); admitting one would exceed it. The work and the regions are \
                         fine, the class is full: wait for a holder of that class to release (a /replan would \
                         find nothing to refill) or raise the budget if more concurrency is safe.{suffix}",
                        at.join(", ")
                    ),
                    self.free_clusters_raw(),
                ));
            }
            if self.st.saw_any_candidate && self.st.all_disjoint_were_zero {
                let mut d = LaneDecision::refuse(
                    format!(
                        "every lane on the priority ladder that is free of live leases has 0 pickable phases now \
                         (soak-gated, sibling-gated or already claimed), so leasing one would only drain; refusing \
                         at Step 0. Run /replan, wait for a soak window to close, or pass --scope with a lane that \
                         has work.{suffix}"
                    ),
                    self.free_clusters_raw(),
                );
                d.pick_count = Some(Pick::Int(Int::Small(0)));
                return Ok(d);
            }
            return Ok(LaneDecision::refuse(
                format!(
                    "the priority ladder is exhausted: no free lane has a tree disjoint from every live lease. \
                     Wait for one to release, or pass --scope with a free lane.{suffix}"
                ),
                self.free_clusters_raw(),
            ));
        }

        // 7'. The legacy walk.
        for cand in autopick {
            if self.is_live(cand) {
                continue;
            }
            let tree = self.cluster_tree(cand);
            if self.collides(cand, "cluster", tree)? {
                continue;
            }
            let why = if unresolved {
                suffix.trim_matches(pystr::is_space).to_string()
            } else if !lane.is_empty() {
                self.redirect_why(format!("(requested {} was busy)", repr(lane)))
            } else {
                "(bare invocation)".to_string()
            };
            return Ok(LaneDecision {
                acquire: true,
                lane: Cow::Borrowed(cand),
                lane_kind: Cow::Borrowed("cluster"),
                tree,
                tree_is_requested: false,
                auto_picked: true,
                reason: format!("auto-picked free cluster lane {} {why}.", repr(cand)),
                free_clusters: vec![],
                pick_count: None,
            });
        }
        if bare {
            for (lanes_opt, kind_name) in [(r.named_lanes, "named"), (r.derived_lanes, "derived")] {
                for nl in lanes_opt.unwrap_or(&[]) {
                    if nl.tree.is_empty() || self.is_live(&nl.name) {
                        continue;
                    }
                    if self.collides(&nl.name, kind_name, &nl.tree)? {
                        continue;
                    }
                    let what = if kind_name == "named" { "named non-cluster" } else { "derived plan" };
                    return Ok(LaneDecision {
                        acquire: true,
                        lane: Cow::Borrowed(&nl.name),
                        lane_kind: Cow::Borrowed(kind_name),
                        tree: &nl.tree,
                        tree_is_requested: false,
                        auto_picked: true,
                        reason: format!("auto-picked {what} lane {} (legacy fallback).", repr(&nl.name)),
                        free_clusters: vec![],
                        pick_count: None,
                    });
                }
            }
        }
        Ok(LaneDecision::refuse(
            format!(
                "every concurrent cluster lane is held by a live loop, so there is no free lane to auto-pick; \
                 re-invoke when one finishes.{suffix}"
            ),
            vec![],
        ))
    }
}

/// `arbitrate(...)` under `cfg`, with the host's callbacks.
pub fn arbitrate<'a>(
    req: &'a ArbitrateRequest<'a>,
    cfg: &'a SubstrateConfig,
    hooks: &mut dyn Hooks,
) -> Result<LaneDecision<'a>, ArbiterError> {
    let default_preds;
    let preds: &[Predicate] = match req.predicates {
        Some(p) => p,
        None => {
            default_preds = built_in_predicates(cfg).map_err(ArbiterError::UnknownPolicy)?;
            &default_preds
        }
    };
    let budgets: Vec<(&str, i64)> =
        req.class_budgets.unwrap_or(&[]).iter().filter(|(_, v)| *v > 0).map(|(k, v)| (k.as_str(), *v)).collect();
    let mut arb = Arb {
        req,
        lanes: &cfg.lanes,
        preds,
        env: PredicateEnv { ratio_max: Some(cfg.overlap_ratio_max) },
        live: LiveSet::new(req.live_leases),
        requested_key: fold(req.requested_lane),
        budgets,
        hooks,
        st: State {
            saw_any_candidate: false,
            all_disjoint_were_zero: true,
            saw_budget_skip: false,
            saw_non_budget_candidate: false,
            last_pick_count: None,
        },
    };
    arb.run()
}

// ---------------------------------------------------------------- envelope

fn tree_of(a: &Args, what: &str, v: &Value) -> Result<Vec<String>, CallError> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::List(items) => items
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::Str(s) => s.as_str().map(str::to_owned).ok_or_else(|| a.err(format_args!("{what}[{i}] holds a lone surrogate"))),
                other => Err(a.err(format_args!("{what}[{i}] must be a string, not {}", other.type_name()))),
            })
            .collect(),
        other => Err(a.err(format_args!("{what} must be a list of strings, not {}", other.type_name()))),
    }
}

fn name_of(a: &Args, what: &str, v: Option<&Value>, nullable: bool) -> Result<String, CallError> {
    match v {
        Some(Value::Str(s)) => s.as_str().map(str::to_owned).ok_or_else(|| a.err(format_args!("{what} holds a lone surrogate"))),
        None | Some(Value::Null) if nullable => Ok(String::new()),
        Some(other) => Err(a.err(format_args!("{what} must be a string, not {}", other.type_name()))),
        None => Err(a.err(format_args!("{what} is missing"))),
    }
}

fn candidates_arg(a: &Args, key: &str) -> Result<Option<Vec<Candidate>>, CallError> {
    let Some(items) = a.opt_list(key)? else { return Ok(None) };
    let mut out = Vec::with_capacity(items.len());
    for (i, it) in items.iter().enumerate() {
        let what = format!("{key}[{i}]");
        let (name, kind, tree) = match it {
            Value::List(t) if t.len() == 3 => (Some(&t[0]), Some(&t[1]), Some(&t[2])),
            Value::Dict(d) => (d.get("name"), d.get("kind"), d.get("tree")),
            _ => return Err(a.err(format_args!("{what} must be [name, kind, tree]"))),
        };
        out.push(Candidate {
            name: name_of(a, &format!("{what}.name"), name, false)?,
            kind: name_of(a, &format!("{what}.kind"), kind, true)?,
            tree: tree_of(a, &format!("{what}.tree"), tree.unwrap_or(&Value::Null))?,
        });
    }
    Ok(Some(out))
}

fn named_arg(a: &Args, key: &str) -> Result<Option<Vec<NamedLane>>, CallError> {
    let Some(items) = a.opt_list(key)? else { return Ok(None) };
    let mut out = Vec::with_capacity(items.len());
    for (i, it) in items.iter().enumerate() {
        let what = format!("{key}[{i}]");
        let Value::List(t) = it else { return Err(a.err(format_args!("{what} must be [name, tree]"))) };
        if t.len() != 2 {
            return Err(a.err(format_args!("{what} must be [name, tree]")));
        }
        out.push(NamedLane {
            name: name_of(a, &format!("{what}.name"), Some(&t[0]), false)?,
            tree: tree_of(a, &format!("{what}.tree"), &t[1])?,
        });
    }
    Ok(Some(out))
}

fn map_arg<'v>(a: &Args<'v>, key: &str) -> Result<Option<Vec<(String, &'v Value)>>, CallError> {
    match a.get(key) {
        None => Ok(None),
        Some(Value::Dict(d)) => d
            .iter()
            .map(|(k, v)| {
                k.as_str().map(|k| (k.to_string(), v)).ok_or_else(|| a.err(format_args!("{key} has a key with a lone surrogate")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(other) => Err(a.err(format_args!("{key} must be an object (lane -> value), not {}", other.type_name()))),
    }
}

/// Read the `arbiter.arbitrate` arguments into owned data.
pub struct OwnedArbitrate {
    pub requested_lane: String,
    pub requested_kind: String,
    pub requested_tree: Vec<String>,
    pub live_leases: Vec<Lease>,
    pub auto_pick_order: Option<Vec<Candidate>>,
    pub named_lanes: Option<Vec<NamedLane>>,
    pub derived_lanes: Option<Vec<NamedLane>>,
    pub force: bool,
    pub class_budgets: Option<Vec<(String, i64)>>,
    pub live_siblings: Option<Vec<String>>,
    pub hooks: DataHooks,
}

fn owned_args(a: &Args) -> Result<OwnedArbitrate, CallError> {
    let mut hooks = DataHooks::default();
    if let Some(m) = map_arg(a, "pick_oracle")? {
        hooks.pick_oracle = Some(
            m.into_iter()
                .map(|(k, v)| {
                    let p = match v {
                        Value::Int(i) => Some(Pick::Int(i.clone())),
                        Value::Bool(b) => Some(Pick::Bool(*b)),
                        _ => None,
                    };
                    (k, p)
                })
                .collect(),
        );
    }
    if let Some(m) = map_arg(a, "rank_key")? {
        let mut out = Vec::with_capacity(m.len());
        for (k, v) in m {
            let r = match v {
                Value::Float(f) => Some(*f),
                Value::Int(Int::Small(i)) => Some(*i as f64),
                Value::Int(Int::Big(s)) => {
                    let f: f64 = s.parse().unwrap_or(f64::INFINITY);
                    if f.is_infinite() {
                        return Err(a.err(format_args!("rank_key[{k:?}] is too large to be a float")));
                    }
                    Some(f)
                }
                _ => None,
            };
            out.push((k, r));
        }
        hooks.rank_key = Some(out);
    }
    if let Some(m) = map_arg(a, "sibling_tree_lookup")? {
        let mut out = Vec::with_capacity(m.len());
        for (k, v) in m {
            let tree = match v {
                Value::Null => None,
                Value::List(items) => Some(
                    items
                        .iter()
                        .map(|x| match x {
                            x if !x.truthy() => Ok(String::new()),
                            Value::Str(s) => s.as_str().map(str::to_owned).ok_or(()),
                            _ => Err(()),
                        })
                        .collect::<Result<Vec<_>, ()>>()
                        .map_err(|_| a.err(format_args!("sibling_tree_lookup[{k:?}] must be a list of strings")))?,
                ),
                other => {
                    return Err(
                        a.err(format_args!("sibling_tree_lookup[{k:?}] must be a list of strings or null, not {}", other.type_name()))
                    )
                }
            };
            out.push((k, tree));
        }
        hooks.sibling_tree_lookup = Some(out);
    }
    let class_budgets = map_arg(a, "class_budgets")?.map(|m| {
        m.into_iter()
            .filter_map(|(k, v)| match v {
                Value::Int(Int::Small(n)) => Some((k, *n)),
                Value::Int(Int::Big(s)) if !s.starts_with('-') => Some((k, i64::MAX)),
                _ => None,
            })
            .collect()
    });
    let live_siblings = match a.opt_list("live_siblings")? {
        None => None,
        Some(items) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::Dict(d) => super::pyvalue::py_str_or_empty(d.get("lane"))
                        .ok_or_else(|| a.err(format_args!("live_siblings[{i}].lane holds a lone surrogate"))),
                    other => Err(a.err(format_args!("live_siblings[{i}] must be an object, not {}", other.type_name()))),
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    Ok(OwnedArbitrate {
        requested_lane: a.str("requested_lane")?.to_string(),
        requested_kind: a.str("requested_kind")?.to_string(),
        requested_tree: a.str_list("requested_tree")?.into_iter().map(str::to_owned).collect(),
        live_leases: super::admission::leases_arg(a, "live_leases")?,
        auto_pick_order: candidates_arg(a, "auto_pick_order")?,
        named_lanes: named_arg(a, "named_lanes")?,
        derived_lanes: named_arg(a, "derived_lanes")?,
        force: a.opt_bool("force")?.unwrap_or(false),
        class_budgets,
        live_siblings,
        hooks,
    })
}

fn op_arbitrate(ctx: &Ctx, a: &Args) -> Result<Value, CallError> {
    let cfg = ctx.substrate()?;
    let mut o = owned_args(a)?;
    let preds = super::admission::predicates_arg(a, "predicates", &cfg)?;
    let req = ArbitrateRequest {
        requested_lane: &o.requested_lane,
        requested_kind: &o.requested_kind,
        requested_tree: &o.requested_tree,
        live_leases: &o.live_leases,
        auto_pick_order: o.auto_pick_order.as_deref(),
        named_lanes: o.named_lanes.as_deref(),
        derived_lanes: o.derived_lanes.as_deref(),
        force: o.force,
        predicates: preds.as_deref(),
        class_budgets: o.class_budgets.as_deref(),
        live_siblings: o.live_siblings.as_deref(),
    };
    let d = arbitrate(&req, &cfg, &mut o.hooks).map_err(|e| a.err(e.message()))?;
    Ok(d.to_value())
}

pub(crate) const OPS: &[OpSpec] = &[OpSpec {
    name: "arbiter.arbitrate",
    args: &[
        "requested_lane",
        "requested_kind",
        "requested_tree",
        "live_leases",
        "auto_pick_order",
        "named_lanes",
        "derived_lanes",
        "force",
        "pick_oracle",
        "rank_key",
        "predicates",
        "class_budgets",
        "live_siblings",
        "sibling_tree_lookup",
    ],
    run: op_arbitrate,
}];
