//! `overlap_policy`: the swappable overlap scorer and the floor it is held to.
//!
//! Admission of two known trees is the conjunction of a fixed floor (the
//! prefix rule at the kernel's one-third tolerance, whatever the workspace
//! declares) and the workspace's policy. The only policy built in is
//! `"prefix"`, the same rule at the workspace's `[overlap] ratio_max` (a value
//! outside (0, 1] reads as one third). Any other name is a Python plugin that
//! libdos cannot run: operations that would resolve one refuse the request
//! with `BAD_ARGS`, as the reference raises for a name it cannot resolve.
//!
//! Both ops are on the generated route (`crate::route`);
//! `admissible_under_floor` reads the workspace's tolerance from the
//! envelope's config ([`Op::READS_CONFIG`]).

use super::lane_overlap::{decide, score, verdict_of, NormTree, OverlapDecision, OVERLAP_RATIO_MAX};
use crate::envelope::{CallError, Ctx};
use crate::route::{self, Describe, Module, Op};
use serde::Deserialize;

/// The name of the built-in scorer.
pub const PREFIX: &str = "prefix";

/// A resolved overlap policy. Only the built-in prefix scorer is native.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverlapPolicy {
    Prefix,
}

impl OverlapPolicy {
    pub fn name(self) -> &'static str {
        PREFIX
    }

    /// Resolve a policy by name (`resolve_overlap_policy`): only `"prefix"`
    /// is built in.
    pub fn by_name(name: &str) -> Result<OverlapPolicy, UnknownPolicy> {
        if name == PREFIX {
            Ok(OverlapPolicy::Prefix)
        } else {
            Err(UnknownPolicy(name.to_string()))
        }
    }

    /// Resolve a configured name the way `active_overlap_policy` does: empty
    /// or `"prefix"` is the built-in; anything else is a plugin (an error here).
    pub fn resolve(name: &str) -> Result<OverlapPolicy, UnknownPolicy> {
        if name.is_empty() || name == PREFIX {
            Ok(OverlapPolicy::Prefix)
        } else {
            Err(UnknownPolicy(name.to_string()))
        }
    }
}

/// A policy name that is not built in (a plugin libdos cannot load).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownPolicy(pub String);

impl UnknownPolicy {
    pub fn message(&self) -> String {
        format!(
            "overlap policy {} is not built in (known natively: {PREFIX}); plugins run only in the Python reference",
            crate::pystr::repr(&self.0)
        )
    }
}

/// `_ratio_max_from_config`: the workspace tolerance when it is a number in
/// (0, 1], else one third.
pub fn ratio_max_from_config(raw: Option<f64>) -> f64 {
    match raw {
        Some(v) if v > 0.0 && v <= 1.0 => v,
        _ => OVERLAP_RATIO_MAX,
    }
}

/// `floor_decision`: the prefix rule at the kernel's own one-third tolerance.
pub fn floor_decision<A: AsRef<str>, B: AsRef<str>>(requested_tree: &[A], lease_tree: &[B]) -> OverlapDecision {
    super::lane_overlap::overlap_verdict(requested_tree, lease_tree, OVERLAP_RATIO_MAX)
}

/// `admissible_under_floor` over already normalized trees: the floor verdict
/// when the floor refuses, else the policy's.
pub fn admissible_under_floor_normed<A: AsRef<str>, B: AsRef<str>>(
    policy: OverlapPolicy,
    req: &NormTree<A>,
    lease: &NormTree<B>,
    config_ratio_max: Option<f64>,
) -> OverlapDecision {
    let sc = score(req, lease);
    let floor = decide(&sc, req.orig, OVERLAP_RATIO_MAX);
    if !floor.admissible() {
        return floor;
    }
    match policy {
        OverlapPolicy::Prefix => {
            let r = ratio_max_from_config(config_ratio_max);
            if r == OVERLAP_RATIO_MAX {
                floor
            } else {
                decide(&sc, req.orig, r)
            }
        }
    }
}

/// Whether the floor and the policy both admit; on a refusal, the decision
/// `admissible_under_floor` would return (its prose is only built then).
pub fn admit_under_floor<A: AsRef<str>, B: AsRef<str>>(
    policy: OverlapPolicy,
    req: &NormTree<A>,
    lease: &NormTree<B>,
    config_ratio_max: Option<f64>,
) -> Result<(), OverlapDecision> {
    let sc = score(req, lease);
    if !verdict_of(&sc, OVERLAP_RATIO_MAX).admissible() {
        return Err(decide(&sc, req.orig, OVERLAP_RATIO_MAX));
    }
    match policy {
        OverlapPolicy::Prefix => {
            let r = ratio_max_from_config(config_ratio_max);
            if verdict_of(&sc, r).admissible() {
                Ok(())
            } else {
                Err(decide(&sc, req.orig, r))
            }
        }
    }
}

/// `admissible_under_floor(policy, requested_tree, lease_tree, config)`;
/// `config_ratio_max` is the config's `overlap_ratio_max` (None when absent).
pub fn admissible_under_floor<A: AsRef<str>, B: AsRef<str>>(
    policy: OverlapPolicy,
    requested_tree: &[A],
    lease_tree: &[B],
    config_ratio_max: Option<f64>,
) -> OverlapDecision {
    admissible_under_floor_normed(policy, &NormTree::new(requested_tree), &NormTree::new(lease_tree), config_ratio_max)
}

/// The prefix rule at the kernel's own one-third tolerance, whatever the
/// workspace declares: the floor every overlap policy is held to.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct FloorDecision {
    pub requested_tree: Vec<String>,
    pub lease_tree: Vec<String>,
}

impl Op for FloorDecision {
    const NAME: &'static str = "overlap_policy.floor_decision";
    type Verdict = OverlapDecision;

    fn run(self, _: &Ctx<'_>) -> Result<OverlapDecision, CallError> {
        Ok(floor_decision(&self.requested_tree, &self.lease_tree))
    }
}

/// The floor's decision when the floor refuses, else the policy's: so a
/// policy can only refuse more than the prefix floor. The policy is named:
/// only the built-in `"prefix"` runs natively (the prefix rule at the
/// config's `[overlap] ratio_max`, one third when it is missing or outside
/// (0, 1]); any other name is a Python plugin and is refused (BAD_ARGS).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct AdmissibleUnderFloor {
    /// The policy's name (only `"prefix"` is built in).
    pub policy: String,
    pub requested_tree: Vec<String>,
    pub lease_tree: Vec<String>,
}

impl Op for AdmissibleUnderFloor {
    const NAME: &'static str = "overlap_policy.admissible_under_floor";
    const READS_CONFIG: bool = true;
    type Verdict = OverlapDecision;

    fn run(self, ctx: &Ctx<'_>) -> Result<OverlapDecision, CallError> {
        let policy = OverlapPolicy::by_name(&self.policy)
            .map_err(|e| CallError::bad_args(format!("{}: args.policy: {}", Self::NAME, e.message())))?;
        let cfg = ctx.substrate()?;
        Ok(admissible_under_floor(policy, &self.requested_tree, &self.lease_tree, Some(cfg.overlap_ratio_max)))
    }
}

/// The `overlap_policy` module: the floor and the built-in policy under it.
pub(crate) const MODULE: Module = Module {
    name: "overlap_policy",
    doc: "The swappable overlap scorer under a fixed floor: two known trees are admitted only when the prefix rule \
          at the kernel's one-third tolerance and the workspace's policy both admit. Only the built-in `prefix` \
          policy runs natively; plugins run in Python.",
    routes: &[route::route::<FloorDecision>(), route::route::<AdmissibleUnderFloor>()],
    consts: &[],
};
