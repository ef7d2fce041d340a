//! Properties of the arbiter over random taxonomies, leases and ladders.
//!
//! - An acquired lane (not forced) never collides with a live lease under the
//!   disjointness predicate: its tree passes the overlap floor against every
//!   live lease that names a tree, and with the tolerance tightened to almost
//!   zero no pair of their prefixes collides at all.
//! - `force` never admits while an exclusive lane is live.
//! - Rank and pick inputs only reorder or skip candidates: whatever they say,
//!   an acquired lane passes the admission conjunction against every lease.

use dos_core::config::{LaneTaxonomy, SubstrateConfig, WorkspaceFacts};
use dos_core::deciders::admission::{run_predicates, AdmissionRequest, Lease, NoExternal, Predicate, PredicateEnv};
use dos_core::deciders::arbiter::{arbitrate, ArbitrateRequest, Candidate, DataHooks, NamedLane, Pick};
use dos_core::deciders::overlap_policy::{floor_decision, OverlapPolicy};
use dos_core::deciders::tree::{norm_tree_prefix, prefixes_collide};
use dos_core::pyjson::Int;
use proptest::prelude::*;

const NAMES: &[&str] = &["a", "b", "c", "A", "x", "global", "rel", "Rel", "ß", "SS"];
const ENTRIES: &[&str] = &["z0/", "z1/", "z1/deep/", "z2/x.py", "z3/**/*", "Z0/**/*", "**/*", "*.py", "docs/UI-*", "docs/svc-*", "", "  "];
const KINDS: &[&str] = &["cluster", "keyword", "global", "rel", "priority", "", "Rel", "named"];

fn name() -> impl Strategy<Value = String> {
    proptest::sample::select(NAMES).prop_map(str::to_string)
}

fn kind() -> impl Strategy<Value = String> {
    proptest::sample::select(KINDS).prop_map(str::to_string)
}

fn tree() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(proptest::sample::select(ENTRIES).prop_map(str::to_string), 0..4)
}

fn taxonomy() -> impl Strategy<Value = LaneTaxonomy> {
    (
        proptest::collection::vec(name(), 0..4),
        proptest::collection::vec(name(), 0..3),
        proptest::collection::vec(name(), 0..4),
        proptest::collection::vec((name(), tree()), 0..6),
    )
        .prop_map(|(concurrent, exclusive, autopick, trees)| {
            let mut t: Vec<(String, Vec<String>)> = Vec::new();
            for (n, tr) in trees {
                if !t.iter().any(|(k, _)| *k == n) {
                    t.push((n, tr));
                }
            }
            LaneTaxonomy { concurrent, exclusive, autopick, trees: t, aliases: vec![] }
        })
}

fn lease() -> impl Strategy<Value = Lease> {
    (name(), kind(), tree()).prop_map(|(l, k, t)| Lease::new(&l, &k, t))
}

fn candidate() -> impl Strategy<Value = Candidate> {
    (name(), kind(), tree()).prop_map(|(name, kind, tree)| Candidate { name, kind, tree })
}

#[derive(Debug, Clone)]
struct Case {
    lanes: LaneTaxonomy,
    lane: String,
    kind: String,
    tree: Vec<String>,
    leases: Vec<Lease>,
    ladder: Option<Vec<Candidate>>,
    named: Vec<NamedLane>,
    force: bool,
    picks: Option<Vec<(String, Option<i64>)>>,
    ranks: Option<Vec<(String, Option<f64>)>>,
    budgets: Option<Vec<(String, i64)>>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (taxonomy(), prop_oneof![Just(String::new()), name()], kind(), tree()),
        proptest::collection::vec(lease(), 0..4),
        proptest::option::of(proptest::collection::vec(candidate(), 0..5)),
        proptest::collection::vec((name(), tree()).prop_map(|(name, tree)| NamedLane { name, tree }), 0..3),
        proptest::bool::weighted(0.2),
        proptest::option::of(proptest::collection::vec((name(), proptest::option::of(-1i64..3)), 0..6)),
        proptest::option::of(proptest::collection::vec(
            (name(), proptest::option::of(prop_oneof![-5.0f64..5.0, Just(f64::NAN), Just(-0.0), Just(0.0)])),
            0..6,
        )),
        proptest::option::of(proptest::collection::vec((kind(), 0i64..3), 0..3)),
    )
        .prop_map(|((lanes, lane, kind, tree), leases, ladder, named, force, picks, ranks, budgets)| Case {
            lanes,
            lane,
            kind,
            tree,
            leases,
            ladder,
            named,
            force,
            picks,
            ranks,
            budgets,
        })
}

fn config(lanes: &LaneTaxonomy, ratio_max: f64) -> SubstrateConfig {
    let mut cfg = SubstrateConfig::with_lanes(lanes.clone());
    cfg.overlap_ratio_max = ratio_max;
    // A foreign workspace: the self-modification guard has nothing to protect.
    cfg.workspace = Some(WorkspaceFacts { root: "/ws".into(), kernel_runtime_files: vec![], is_kernel_repo: false });
    cfg
}

struct Outcome {
    acquired: bool,
    forced: bool,
    tree: Vec<String>,
    lane: String,
    kind: String,
}

fn run(c: &Case, ratio_max: f64, with_hooks: bool) -> Option<Outcome> {
    let cfg = config(&c.lanes, ratio_max);
    let mut hooks = DataHooks::default();
    if with_hooks {
        hooks.pick_oracle = c.picks.clone().map(|m| m.into_iter().map(|(k, v)| (k, v.map(|n| Pick::Int(Int::Small(n))))).collect());
        hooks.rank_key = c.ranks.clone();
    }
    let req = ArbitrateRequest {
        requested_lane: &c.lane,
        requested_kind: &c.kind,
        requested_tree: &c.tree,
        live_leases: &c.leases,
        auto_pick_order: c.ladder.as_deref(),
        named_lanes: Some(&c.named),
        derived_lanes: None,
        force: c.force,
        predicates: None,
        class_budgets: c.budgets.as_deref(),
        live_siblings: None,
    };
    let d = arbitrate(&req, &cfg, &mut hooks).ok()?;
    Some(Outcome {
        acquired: d.acquire,
        forced: d.reason.starts_with("FORCED"),
        tree: d.tree.to_vec(),
        lane: d.lane.to_string(),
        kind: d.lane_kind.to_string(),
    })
}

fn prefixes(t: &[String]) -> Vec<String> {
    t.iter().filter(|p| !p.is_empty()).map(|p| norm_tree_prefix(p)).collect()
}

fn exclusive_live(c: &Case) -> bool {
    c.leases.iter().any(|l| c.lanes.exclusive.iter().any(|x| dos_core::pystr::casefold(x) == dos_core::pystr::casefold(&l.kind_str)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn admitted_lanes_never_collide_with_live_leases(c in case()) {
        if let Some(o) = run(&c, 1.0 / 3.0, true) {
            if o.acquired && !o.forced {
                for l in &c.leases {
                    if l.tree.is_empty() {
                        continue;
                    }
                    prop_assert!(!o.tree.is_empty(), "an empty tree was admitted beside {:?}", l);
                    prop_assert!(floor_decision(&o.tree, &l.tree).admissible(),
                        "{:?} admitted beside {:?}", o.tree, l.tree);
                }
            }
        }
        if let Some(o) = run(&c, 1e-9, true) {
            if o.acquired && !o.forced {
                for l in &c.leases {
                    if l.tree.is_empty() {
                        continue;
                    }
                    let (a, b) = (prefixes(&o.tree), prefixes(&l.tree));
                    prop_assert!(a.iter().all(|x| b.iter().all(|y| !prefixes_collide(x, y))),
                        "{:?} admitted beside {:?} at the tightest tolerance", o.tree, l.tree);
                }
            }
        }
    }

    #[test]
    fn force_never_admits_past_a_live_exclusive_lane(mut c in case()) {
        c.force = true;
        if exclusive_live(&c) {
            let o = run(&c, 1.0 / 3.0, true);
            prop_assert!(o.map_or(true, |o| !o.acquired), "force admitted past a live exclusive lane");
        }
    }

    #[test]
    fn ranks_and_picks_never_admit_a_colliding_lane(c in case()) {
        let Some(o) = run(&c, 1.0 / 3.0, true) else { return Ok(()) };
        if !o.acquired || o.forced {
            return Ok(());
        }
        let cfg = config(&c.lanes, 1.0 / 3.0);
        let preds = [Predicate::Disjointness(OverlapPolicy::Prefix),
                     Predicate::SelfModify(dos_core::deciders::admission::RuntimeFiles::Listed(&[]))];
        let lane = if o.lane.is_empty() { "global".to_string() } else { o.lane.clone() };
        let req = AdmissionRequest { lane: &lane, kind: &o.kind, tree: &o.tree };
        let v = run_predicates(&preds, &req, &c.leases, PredicateEnv { ratio_max: Some(cfg.overlap_ratio_max) },
                               &mut NoExternal).unwrap();
        prop_assert!(v.admitted, "{} ({:?}) was acquired but the conjunction refuses it: {}", o.lane, o.tree, v.reason);
    }
}
