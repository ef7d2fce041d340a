//! `productivity`: is the work landed per step fading?
//!
//! The input is the ordered list of per-step work deltas (oldest first, in
//! whatever unit the host counts). With fewer than `min_steps` steps (or none)
//! there is no trend to judge: PRODUCTIVE. Otherwise a zero last step is
//! STALLED, the last two steps both under `floor` is DIMINISHING, and anything
//! else is PRODUCTIVE.

//! `classify` is on the generated route (`crate::route`): the types below
//! are declared once, and their docs are the schema's docs.

use crate::envelope::{CallError, Ctx};
use crate::route::{self, Const, Describe, Module, Op, Tuple};
use serde::{Deserialize, Serialize};

/// A run's productivity state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Productivity {
    /// Work is still landing (or there are too few steps to judge).
    Productive,
    /// The two latest steps both landed less than the floor.
    Diminishing,
    /// The latest step landed nothing.
    Stalled,
}

impl Productivity {
    pub fn as_str(self) -> &'static str {
        match self {
            Productivity::Productive => "PRODUCTIVE",
            Productivity::Diminishing => "DIMINISHING",
            Productivity::Stalled => "STALLED",
        }
    }
}

/// How many steps it takes to judge a trend, and the per-step work below
/// which a step counts as small (defaults: 3 steps, 500 units). Neither may
/// be negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(default, deny_unknown_fields)]
pub struct ProductivityPolicy {
    /// Steps needed before a fading rate may be called out.
    #[describe(min = 0)]
    pub min_steps: i64,
    /// A step that lands fewer work units than this "did little".
    #[describe(min = 0)]
    pub floor: i64,
}

impl Default for ProductivityPolicy {
    fn default() -> Self {
        ProductivityPolicy { min_steps: 3, floor: 500 }
    }
}

impl ProductivityPolicy {
    /// Build a policy, refusing negative values as the reference does.
    pub fn new(min_steps: i64, floor: i64) -> Result<Self, &'static str> {
        let p = ProductivityPolicy { min_steps, floor };
        p.validate().map(|()| p)
    }

    /// The reference's check: neither value is negative.
    pub fn validate(&self) -> Result<(), &'static str> {
        if self.min_steps < 0 {
            return Err("min_steps cannot be negative");
        }
        if self.floor < 0 {
            return Err("the per-step work floor cannot be negative");
        }
        Ok(())
    }
}

/// Per-step work deltas, oldest first (non-negative, in the host's unit).
/// The verdict echoes it with the step count and the last two deltas.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct WorkHistory {
    /// One work delta per step, oldest first.
    #[serde(default)]
    #[describe(min = 0, tuple)]
    pub deltas: Tuple<i64>,
    /// How many steps the history covers.
    #[serde(default)]
    #[describe(property)]
    pub step_count: i64,
    /// The latest delta (None without steps).
    #[serde(default)]
    #[describe(property)]
    pub last_delta: Option<i64>,
    /// The delta before it (None with fewer than two steps).
    #[serde(default)]
    #[describe(property)]
    pub prior_delta: Option<i64>,
}

impl WorkHistory {
    /// Build a history, refusing negative deltas as the reference does.
    pub fn new(deltas: Vec<i64>) -> Result<Self, &'static str> {
        if deltas.iter().any(|d| *d < 0) {
            return Err("a work delta cannot be negative");
        }
        Ok(WorkHistory::settled(deltas))
    }

    /// The history of `deltas` with its derived fields computed.
    fn settled(deltas: Vec<i64>) -> Self {
        let n = deltas.len();
        WorkHistory {
            // A Vec length always fits in i64 on supported targets; saturate regardless.
            step_count: i64::try_from(n).unwrap_or(i64::MAX),
            last_delta: deltas.last().copied(),
            prior_delta: n.checked_sub(2).map(|i| deltas[i]),
            deltas: Tuple(deltas),
        }
    }

    pub fn step_count(&self) -> usize {
        self.deltas.0.len()
    }

    pub fn last_delta(&self) -> Option<i64> {
        self.deltas.0.last().copied()
    }

    pub fn prior_delta(&self) -> Option<i64> {
        self.deltas.0.len().checked_sub(2).map(|i| self.deltas.0[i])
    }
}

/// The state, one line saying why, and the history it judged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ProductivityVerdict {
    pub verdict: Productivity,
    /// One line for the operator.
    pub reason: String,
    pub history: WorkHistory,
}

/// `classify`: the productivity ladder over a work trend.
pub fn classify(history: &WorkHistory, policy: &ProductivityPolicy) -> ProductivityVerdict {
    let (verdict, why) = judge(history, policy);
    ProductivityVerdict { verdict, reason: why.to_string(), history: WorkHistory::settled(history.deltas.0.clone()) }
}

/// Why the ladder stopped where it did: the facts its reason line states,
/// left unwritten until shown (see [`judge`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    TooFew { n: usize, min_steps: i64 },
    FlatLined { n: usize },
    Fading { n: usize, prior: i64, last: i64, floor: i64 },
    Landing { n: usize, last: i64, prior: i64, floor: i64 },
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Why::TooFew { n, min_steps } => write!(
                f,
                "PRODUCTIVE: {n} step(s) recorded, too few to judge a trend (it takes {min_steps} and at least \
                 one); nothing to flag yet"
            ),
            Why::FlatLined { n } => write!(f, "STALLED: the latest of {n} steps landed 0 work units; the run has flat-lined"),
            Why::Fading { n, prior, last, floor } => write!(
                f,
                "DIMINISHING: after {n} steps the two latest landed {prior} and then {last} work units, \
                 each below the floor of {floor}; returns are fading"
            ),
            Why::Landing { n, last, prior, floor } => write!(
                f,
                "PRODUCTIVE: the latest of {n} steps landed {last} work units (the one before: {prior}; \
                 floor {floor}), so work is still landing"
            ),
        }
    }
}

/// The ladder: the state and why, the reason left unwritten.
pub fn judge(history: &WorkHistory, policy: &ProductivityPolicy) -> (Productivity, Why) {
    ladder(history.step_count(), history.last_delta(), history.prior_delta(), policy)
}

/// The state [`classify`] reaches, without writing its reason, read from
/// the step count and the last two deltas alone.
pub fn state(n: usize, last: Option<i64>, prior: Option<i64>, policy: &ProductivityPolicy) -> Productivity {
    ladder(n, last, prior, policy).0
}

fn ladder(n: usize, last: Option<i64>, prior: Option<i64>, policy: &ProductivityPolicy) -> (Productivity, Why) {
    // A Vec length always fits in i64 on supported targets; saturate regardless.
    let n_i64 = i64::try_from(n).unwrap_or(i64::MAX);
    let Some(last) = last.filter(|_| n_i64 >= policy.min_steps) else {
        return (Productivity::Productive, Why::TooFew { n, min_steps: policy.min_steps });
    };
    if last == 0 {
        return (Productivity::Stalled, Why::FlatLined { n });
    }
    // With a single step there is no prior; the floor itself stands in, which
    // can never be under the floor.
    let prior = prior.unwrap_or(policy.floor);
    let floor = policy.floor;
    if last < floor && prior < floor {
        return (Productivity::Diminishing, Why::Fading { n, prior, last, floor });
    }
    (Productivity::Productive, Why::Landing { n, last, prior, floor })
}

/// Judge a run's work trend (no I/O, no clock): fewer than `min_steps`
/// steps (or none) is PRODUCTIVE, too early to judge; a latest step that
/// landed nothing is STALLED; the latest two steps both under `floor` is
/// DIMINISHING; anything else is PRODUCTIVE.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Classify {
    pub history: WorkHistory,
    /// The thresholds; None, or left out, is the default policy.
    #[serde(default, deserialize_with = "default_when_null")]
    pub policy: ProductivityPolicy,
}

/// An explicit null reads as the default, as the envelope op has always taken it.
fn default_when_null<'de, D: serde::Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl Op for Classify {
    const NAME: &'static str = "productivity.classify";
    type Verdict = ProductivityVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<ProductivityVerdict, CallError> {
        let history =
            WorkHistory::new(self.history.deltas.0).map_err(|m| CallError::bad_args(format!("{}: args.history: {m}", Self::NAME)))?;
        self.policy.validate().map_err(|m| CallError::bad_args(format!("{}: args.policy: {m}", Self::NAME)))?;
        Ok(classify(&history, &self.policy))
    }
}

/// The history's ops: each reads one history (its derived fields, and the
/// reference's `WorkHistory.of`).
macro_rules! history_property {
    ($op:ident, $name:literal, $doc:literal, $ty:ty, $get:expr) => {
        #[doc = $doc]
        #[derive(Deserialize, Describe)]
        #[serde(deny_unknown_fields)]
        pub struct $op {
            /// The history read.
            #[serde(rename = "self")]
            pub this: WorkHistory,
        }

        impl Op for $op {
            const NAME: &'static str = $name;
            type Verdict = $ty;

            fn run(self, _: &Ctx<'_>) -> Result<$ty, CallError> {
                let h = WorkHistory::new(self.this.deltas.0).map_err(|m| CallError::bad_args(format!("{}: args.self: {m}", Self::NAME)))?;
                Ok($get(&h))
            }
        }
    };
}

history_property!(StepCount, "productivity.WorkHistory.step_count", "How many work steps the history covers.", i64, |h: &WorkHistory| h
    .step_count);
history_property!(
    LastDelta,
    "productivity.WorkHistory.last_delta",
    "The latest step's delta (None without steps).",
    Option<i64>,
    |h: &WorkHistory| h.last_delta
);
history_property!(
    PriorDelta,
    "productivity.WorkHistory.prior_delta",
    "The delta of the step before the latest (None with fewer than two steps).",
    Option<i64>,
    |h: &WorkHistory| h.prior_delta
);

/// A history from any oldest-first sequence of deltas.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Of {
    pub deltas: Tuple<i64>,
}

impl Op for Of {
    const NAME: &'static str = "productivity.WorkHistory.of";
    type Verdict = WorkHistory;

    fn run(self, _: &Ctx<'_>) -> Result<WorkHistory, CallError> {
        WorkHistory::new(self.deltas.0).map_err(|m| CallError::bad_args(format!("{}: args.deltas: {m}", Self::NAME)))
    }
}

/// The `productivity` module: its ops and constants.
pub(crate) const MODULE: Module = Module {
    name: "productivity",
    doc: "Is the work landed per step fading? A pure ladder over the per-step work deltas the caller recorded \
          (oldest first, in the host's unit): too few steps is PRODUCTIVE, a latest step of zero is STALLED, the \
          two latest under the floor is DIMINISHING.",
    routes: &[
        route::route::<Classify>(),
        route::route::<StepCount>(),
        route::route::<LastDelta>(),
        route::route::<PriorDelta>(),
        route::route::<Of>(),
    ],
    consts: &[Const {
        name: "DEFAULT_POLICY",
        doc: "The ProductivityPolicy with every default.",
        eval: |reg| route::konst(reg, ProductivityPolicy::default()),
    }],
};

#[cfg(test)]
mod tests {
    use super::*;

    fn v(deltas: &[i64], min_steps: i64, floor: i64) -> Productivity {
        let h = WorkHistory::new(deltas.to_vec()).unwrap();
        classify(&h, &ProductivityPolicy::new(min_steps, floor).unwrap()).verdict
    }

    #[test]
    fn ladder() {
        assert_eq!(v(&[], 3, 500), Productivity::Productive);
        assert_eq!(v(&[], 0, 500), Productivity::Productive);
        assert_eq!(v(&[0, 0], 3, 500), Productivity::Productive);
        assert_eq!(v(&[900, 10, 0], 3, 500), Productivity::Stalled);
        assert_eq!(v(&[900, 40, 12], 3, 500), Productivity::Diminishing);
        assert_eq!(v(&[900, 500, 12], 3, 500), Productivity::Productive);
        assert_eq!(v(&[12], 1, 500), Productivity::Productive);
        assert_eq!(v(&[12], 0, 0), Productivity::Productive);
        assert_eq!(v(&[0], 0, 500), Productivity::Stalled);
    }

    #[test]
    fn state_agrees_with_classify() {
        let vals = [0, 1, 499, 500, 501, i64::MAX];
        let mut histories = vec![vec![]];
        for &a in &vals {
            histories.push(vec![a]);
            for &b in &vals {
                histories.push(vec![a, b]);
                histories.push(vec![7, a, b]);
            }
        }
        for min_steps in [0, 1, 2, 3, 4, i64::MAX] {
            for floor in [0, 1, 500, i64::MAX] {
                let p = ProductivityPolicy::new(min_steps, floor).unwrap();
                for d in &histories {
                    let h = WorkHistory::new(d.clone()).unwrap();
                    let got = state(h.step_count(), h.last_delta(), h.prior_delta(), &p);
                    assert_eq!(got, classify(&h, &p).verdict, "{d:?} {p:?}");
                }
            }
        }
    }

    #[test]
    fn echo_and_validation() {
        let h = WorkHistory::new(vec![5]).unwrap();
        assert_eq!((h.last_delta(), h.prior_delta()), (Some(5), None));
        assert!(WorkHistory::new(vec![1, -1]).is_err());
        assert!(ProductivityPolicy::new(-1, 0).is_err());
        assert!(ProductivityPolicy::new(0, -1).is_err());
    }
}
