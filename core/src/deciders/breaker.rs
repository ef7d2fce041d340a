//! `breaker`: a circuit breaker over one failure class.
//!
//! The caller carries two counts — failures in a row (cleared by a success)
//! and failures ever (never cleared) — and folds each outcome through
//! `record_failure` / `record_success`. The circuit opens when either count
//! reaches its threshold (a threshold of 0 turns that rung off); the in-a-row
//! rung is checked first, so it is the one named when both would fire. An open
//! circuit names the escalation rung the policy chose.
//!
//! The three functions are on the generated route (`crate::route`): the
//! types below are declared once, and their docs are the schema's docs.
//! `Escalation` has the name of `improve`'s enum, which is routed first: the
//! schema calls this one `BreakerEscalation` (Go too), Python `Escalation`.

use crate::envelope::{CallError, Ctx};
use crate::route::{self, Const, Describe, Module, Op, Registry, Type};
use serde::{Deserialize, Serialize};

/// Whether the circuit is usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BreakerState {
    /// Under the limits: keep going.
    Closed,
    /// A limit was reached: stop trying this path.
    Open,
}

impl BreakerState {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "CLOSED",
            BreakerState::Open => "OPEN",
        }
    }
}

/// Where an open circuit sends the decision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Escalation {
    /// Report only; the caller decides.
    #[default]
    None,
    /// Hand the decision to a judge.
    Judge,
    /// Hand the decision to an operator.
    Human,
}

impl Escalation {
    pub fn as_str(self) -> &'static str {
        match self {
            Escalation::None => "NONE",
            Escalation::Judge => "JUDGE",
            Escalation::Human => "HUMAN",
        }
    }

    /// The enum member with this exact value.
    pub fn parse(s: &str) -> Option<Escalation> {
        match s {
            "NONE" => Some(Escalation::None),
            "JUDGE" => Some(Escalation::Judge),
            "HUMAN" => Some(Escalation::Human),
            _ => None,
        }
    }
}

/// Which threshold opened the circuit (a plain string to the hosts, as the
/// reference's `tripped_on`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TripRung {
    Consecutive,
    Total,
}

impl Describe for TripRung {
    fn describe(_: &mut Registry) -> Type {
        Type::Str
    }
}

impl TripRung {
    pub fn as_str(self) -> &'static str {
        match self {
            TripRung::Consecutive => "consecutive",
            TripRung::Total => "total",
        }
    }
}

/// The two thresholds of one failure class and the escalation an open
/// circuit names (defaults: 3 in a row, 20 in all, NONE). Neither threshold
/// may be negative, and at least one must be on (a 0 turns its rung off).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerPolicy {
    /// Failures in a row that open the circuit; 0 disables this rung.
    #[describe(min = 0)]
    pub max_consecutive: i64,
    /// Failures in all that open the circuit; 0 disables this rung.
    #[describe(min = 0)]
    pub max_total: i64,
    /// The rung an open verdict names.
    pub on_trip: Escalation,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        BreakerPolicy { max_consecutive: 3, max_total: 20, on_trip: Escalation::None }
    }
}

impl BreakerPolicy {
    /// Build a policy, refusing what the reference refuses: a negative
    /// threshold, or both thresholds 0 (a breaker that could never open).
    pub fn new(max_consecutive: i64, max_total: i64, on_trip: Escalation) -> Result<Self, &'static str> {
        let p = BreakerPolicy { max_consecutive, max_total, on_trip };
        p.validate().map(|()| p)
    }

    /// The reference's checks.
    pub fn validate(&self) -> Result<(), &'static str> {
        if self.max_consecutive < 0 || self.max_total < 0 {
            return Err("breaker thresholds cannot be negative");
        }
        if self.max_consecutive == 0 && self.max_total == 0 {
            return Err("max_consecutive and max_total are both 0, so this breaker could never open");
        }
        Ok(())
    }
}

/// A count as the envelope reads it: a 64-bit int (a fold may carry it past
/// that range; the verdict writes it exactly).
fn count_in<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i128, D::Error> {
    i64::deserialize(d).map(i128::from)
}

/// The carried state: failures in a row (cleared by a success) and
/// failures in all (never cleared). Neither may be negative. A fold may
/// step past the 64-bit range: the counts it writes stay exact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct BreakerCounts {
    /// Failures since the last success.
    #[serde(default, deserialize_with = "count_in")]
    #[describe(min = 0)]
    pub consecutive: i128,
    /// Failures over the breaker's life.
    #[serde(default, deserialize_with = "count_in")]
    #[describe(min = 0)]
    pub total: i128,
}

impl BreakerCounts {
    /// Build counts, refusing negative values as the reference does.
    pub fn new(consecutive: i128, total: i128) -> Result<Self, &'static str> {
        let c = BreakerCounts { consecutive, total };
        c.validate().map(|()| c)
    }

    /// The reference's check: neither count is negative.
    pub fn validate(&self) -> Result<(), &'static str> {
        if self.consecutive < 0 || self.total < 0 {
            return Err("breaker counts cannot be negative");
        }
        Ok(())
    }
}

/// CLOSED or OPEN, the escalation an open circuit names (always NONE while
/// closed), one line saying why, and the rung that tripped
/// ("consecutive", "total", or None while closed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct BreakerVerdict {
    pub state: BreakerState,
    pub escalation: Escalation,
    /// One line for the operator.
    pub reason: String,
    #[serde(default)]
    pub tripped_on: Option<TripRung>,
}

impl BreakerVerdict {
    pub fn is_open(&self) -> bool {
        self.state == BreakerState::Open
    }
}

/// The counts to carry forward and the verdict on them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct BreakerTransition {
    pub counts: BreakerCounts,
    pub verdict: BreakerVerdict,
}

/// Why the ladder stopped where it did: the facts its reason line states.
/// [`judge`] returns it unwritten, so a caller that may never show the
/// reason (a host's fast path) writes it only when asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// Failures in a row reached their limit.
    Consecutive { count: i128, limit: i64, on_trip: Escalation },
    /// Failures in all reached their limit.
    Total { count: i128, limit: i64, on_trip: Escalation },
    /// Both counts are under their limits.
    Closed { consecutive: i128, total: i128, max_consecutive: i64, max_total: i64 },
}

struct EscalationNote(Escalation);

impl std::fmt::Display for EscalationNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Escalation::None => Ok(()),
            other => write!(f, "; escalating to {}", other.as_str()),
        }
    }
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Why::Consecutive { count, limit, on_trip } => write!(
                f,
                "OPEN on the consecutive rung: {count} failures in a row reached the limit of {limit}, a sustained \
                 outage{}",
                EscalationNote(on_trip)
            ),
            Why::Total { count, limit, on_trip } => write!(
                f,
                "OPEN on the total rung: {count} failures overall reached the limit of {limit}, an unreliable \
                 (flapping) path{}",
                EscalationNote(on_trip)
            ),
            Why::Closed { consecutive, total, max_consecutive, max_total } => write!(
                f,
                "CLOSED: {consecutive} failures in a row and {total} overall, below the limits ({max_consecutive} \
                 consecutive, {max_total} total)"
            ),
        }
    }
}

/// What the ladder decides: the state, the escalation an open circuit names
/// (NONE while closed), the rung that tripped, and why, unwritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Judged {
    pub state: BreakerState,
    pub escalation: Escalation,
    pub tripped_on: Option<TripRung>,
    pub why: Why,
}

/// The ladder itself: the in-a-row rung first, then the overall one (a
/// threshold of 0 is off).
pub fn judge(counts: &BreakerCounts, policy: &BreakerPolicy) -> Judged {
    let open = |rung, why| Judged { state: BreakerState::Open, escalation: policy.on_trip, tripped_on: Some(rung), why };
    if policy.max_consecutive > 0 && counts.consecutive >= i128::from(policy.max_consecutive) {
        let why = Why::Consecutive { count: counts.consecutive, limit: policy.max_consecutive, on_trip: policy.on_trip };
        return open(TripRung::Consecutive, why);
    }
    if policy.max_total > 0 && counts.total >= i128::from(policy.max_total) {
        let why = Why::Total { count: counts.total, limit: policy.max_total, on_trip: policy.on_trip };
        return open(TripRung::Total, why);
    }
    Judged {
        state: BreakerState::Closed,
        escalation: Escalation::None,
        tripped_on: None,
        why: Why::Closed {
            consecutive: counts.consecutive,
            total: counts.total,
            max_consecutive: policy.max_consecutive,
            max_total: policy.max_total,
        },
    }
}

/// `classify`: the verdict on the current counts, recording nothing.
pub fn classify(counts: &BreakerCounts, policy: &BreakerPolicy) -> BreakerVerdict {
    let j = judge(counts, policy);
    BreakerVerdict { state: j.state, escalation: j.escalation, tripped_on: j.tripped_on, reason: j.why.to_string() }
}

/// The counts a failure leads to: both go up by one.
pub fn after_failure(counts: &BreakerCounts) -> BreakerCounts {
    BreakerCounts { consecutive: counts.consecutive + 1, total: counts.total + 1 }
}

/// The counts a success leads to: the in-a-row count clears, the overall one stays.
pub fn after_success(counts: &BreakerCounts) -> BreakerCounts {
    BreakerCounts { consecutive: 0, total: counts.total }
}

/// `record_failure`: one more failure on both counts, then the verdict.
pub fn record_failure(counts: &BreakerCounts, policy: &BreakerPolicy) -> BreakerTransition {
    let next = after_failure(counts);
    BreakerTransition { verdict: classify(&next, policy), counts: next }
}

/// `record_success`: the in-a-row count clears, the overall count stays.
pub fn record_success(counts: &BreakerCounts, policy: &BreakerPolicy) -> BreakerTransition {
    let next = after_success(counts);
    BreakerTransition { verdict: classify(&next, policy), counts: next }
}

/// An explicit null reads as the default, as the envelope op has always taken it.
fn default_when_null<'de, D: serde::Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

macro_rules! breaker_op {
    ($op:ident, $name:literal, $doc:literal, $ty:ty, $run:path) => {
        #[doc = $doc]
        #[derive(Deserialize, Describe)]
        #[serde(deny_unknown_fields)]
        pub struct $op {
            pub counts: BreakerCounts,
            /// The thresholds; None, or left out, is the default policy.
            #[serde(default, deserialize_with = "default_when_null")]
            pub policy: BreakerPolicy,
        }

        impl Op for $op {
            const NAME: &'static str = $name;
            type Verdict = $ty;

            fn run(self, _: &Ctx<'_>) -> Result<$ty, CallError> {
                self.counts.validate().map_err(|m| CallError::bad_args(format!("{}: args.counts: {m}", Self::NAME)))?;
                self.policy.validate().map_err(|m| CallError::bad_args(format!("{}: args.policy: {m}", Self::NAME)))?;
                Ok($run(&self.counts, &self.policy))
            }
        }
    };
}

breaker_op!(
    RecordFailure,
    "breaker.record_failure",
    "Record one failure of this class (no I/O): both counts go up by one, then the new counts are judged. \
     The circuit opens when failures in a row reach `max_consecutive` (checked first) or failures in all \
     reach `max_total` (a threshold of 0 is off), naming the policy's escalation.",
    BreakerTransition,
    record_failure
);
breaker_op!(
    RecordSuccess,
    "breaker.record_success",
    "Record one success of this class (no I/O): failures in a row go back to 0, failures in all stay, then \
     the new counts are judged.",
    BreakerTransition,
    record_success
);
breaker_op!(Classify, "breaker.classify", "Judge the current counts without recording anything (no I/O).", BreakerVerdict, classify);

/// `BreakerVerdict.is_open`: True when the circuit is OPEN.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct IsOpen {
    /// The verdict read.
    #[serde(rename = "self")]
    pub this: BreakerVerdict,
}

impl Op for IsOpen {
    const NAME: &'static str = "breaker.BreakerVerdict.is_open";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        Ok(self.this.is_open())
    }
}

/// The `breaker` module: its ops and constants.
pub(crate) const MODULE: Module = Module {
    name: "breaker",
    doc: "A circuit breaker over one failure class. The caller carries two counts (failures in a row, cleared \
          by a success; failures in all, never cleared) and folds each outcome through record_failure or \
          record_success; the circuit opens when either count reaches its threshold, and an open circuit names \
          the escalation the policy chose (NONE, JUDGE, HUMAN).",
    routes: &[route::route::<RecordFailure>(), route::route::<RecordSuccess>(), route::route::<Classify>(), route::route::<IsOpen>()],
    consts: &[Const {
        name: "DEFAULT_POLICY",
        doc: "The BreakerPolicy with every default.",
        eval: |reg| route::konst(reg, BreakerPolicy::default()),
    }],
};

#[cfg(test)]
mod tests {
    use super::*;

    fn c(consecutive: i128, total: i128) -> BreakerCounts {
        BreakerCounts::new(consecutive, total).unwrap()
    }

    #[test]
    fn fold_trips_and_heals() {
        let p = BreakerPolicy::default();
        let mut s = BreakerCounts::default();
        for _ in 0..2 {
            let t = record_failure(&s, &p);
            assert_eq!(t.verdict.state, BreakerState::Closed);
            s = t.counts;
        }
        let t = record_failure(&s, &p);
        assert_eq!((t.verdict.state, t.verdict.tripped_on), (BreakerState::Open, Some(TripRung::Consecutive)));
        let healed = record_success(&t.counts, &p);
        assert_eq!(healed.counts, c(0, 3));
        assert_eq!(healed.verdict.state, BreakerState::Closed);
        assert_eq!(classify(&c(0, 20), &p).tripped_on, Some(TripRung::Total));
    }

    #[test]
    fn escalation_and_disabled_rungs() {
        let p = BreakerPolicy::new(0, 2, Escalation::Human).unwrap();
        assert_eq!(classify(&c(50, 1), &p).state, BreakerState::Closed);
        let v = classify(&c(0, 2), &p);
        assert_eq!((v.escalation, v.tripped_on), (Escalation::Human, Some(TripRung::Total)));
        assert!(v.reason.contains("HUMAN"));
        assert_eq!(classify(&c(0, 0), &p).escalation, Escalation::None);
        assert!(BreakerPolicy::new(0, 0, Escalation::None).is_err());
        assert!(BreakerPolicy::new(-1, 3, Escalation::None).is_err());
        assert!(BreakerCounts::new(0, -1).is_err());
    }

    #[test]
    fn counts_past_i64_stay_exact() {
        let t = record_failure(&c(i64::MAX.into(), i64::MAX.into()), &BreakerPolicy::default());
        let v = crate::pyjson::to_value(&t.counts).unwrap();
        let big = (i128::from(i64::MAX) + 1).to_string();
        assert_eq!(v.get("total"), Some(&crate::pyjson::Value::Int(crate::pyjson::Int::Big(big.into_boxed_str()))));
    }
}
