//! `breaker`: a circuit breaker over one failure class.
//!
//! The caller carries two counts — failures in a row (cleared by a success)
//! and failures ever (never cleared) — and folds each outcome through
//! `record_failure` / `record_success`. The circuit opens when either count
//! reaches its threshold (a threshold of 0 turns that rung off); the in-a-row
//! rung is checked first, so it is the one named when both would fire. An open
//! circuit names the escalation rung the policy chose.

use super::argnum::{int_field, wide_int};
use crate::dict;
use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::Value;

/// Whether the circuit is usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BreakerState {
    Closed,
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Escalation {
    #[default]
    None,
    Judge,
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

/// Which threshold opened the circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TripRung {
    Consecutive,
    Total,
}

impl TripRung {
    pub fn as_str(self) -> &'static str {
        match self {
            TripRung::Consecutive => "consecutive",
            TripRung::Total => "total",
        }
    }
}

/// `BreakerPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BreakerPolicy {
    /// Failures in a row that open the circuit; 0 disables this rung.
    pub max_consecutive: i64,
    /// Failures in all that open the circuit; 0 disables this rung.
    pub max_total: i64,
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
        if max_consecutive < 0 || max_total < 0 {
            return Err("breaker thresholds cannot be negative");
        }
        if max_consecutive == 0 && max_total == 0 {
            return Err("max_consecutive and max_total are both 0, so this breaker could never open");
        }
        Ok(BreakerPolicy { max_consecutive, max_total, on_trip })
    }
}

/// `BreakerCounts`: the carried state. Counts are Python ints, so a fold may
/// step past the 64-bit range; `i128` keeps them exact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BreakerCounts {
    pub consecutive: i128,
    pub total: i128,
}

impl BreakerCounts {
    /// Build counts, refusing negative values as the reference does.
    pub fn new(consecutive: i128, total: i128) -> Result<Self, &'static str> {
        if consecutive < 0 || total < 0 {
            return Err("breaker counts cannot be negative");
        }
        Ok(BreakerCounts { consecutive, total })
    }

    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "consecutive" => wide_int(self.consecutive),
            "total" => wide_int(self.total),
        })
    }
}

/// `BreakerVerdict`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BreakerVerdict {
    pub state: BreakerState,
    /// Always `None` while closed.
    pub escalation: Escalation,
    pub reason: String,
    pub tripped_on: Option<TripRung>,
}

impl BreakerVerdict {
    pub fn is_open(&self) -> bool {
        self.state == BreakerState::Open
    }

    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "state" => self.state.as_str(),
            "escalation" => self.escalation.as_str(),
            "reason" => self.reason.clone(),
            "tripped_on" => self.tripped_on.map(TripRung::as_str),
        })
    }
}

/// `BreakerTransition`: the counts to carry forward and the verdict on them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BreakerTransition {
    pub counts: BreakerCounts,
    pub verdict: BreakerVerdict,
}

impl BreakerTransition {
    pub fn to_value(&self) -> Value {
        Value::Dict(dict! { "counts" => self.counts.to_value(), "verdict" => self.verdict.to_value() })
    }
}

fn escalation_note(on_trip: Escalation) -> String {
    match on_trip {
        Escalation::None => String::new(),
        other => format!("; escalating to {}", other.as_str()),
    }
}

/// `classify`: the verdict on the current counts, recording nothing.
pub fn classify(counts: &BreakerCounts, policy: &BreakerPolicy) -> BreakerVerdict {
    let max_c = i128::from(policy.max_consecutive);
    let max_t = i128::from(policy.max_total);
    if max_c > 0 && counts.consecutive >= max_c {
        return BreakerVerdict {
            state: BreakerState::Open,
            escalation: policy.on_trip,
            tripped_on: Some(TripRung::Consecutive),
            reason: format!(
                "OPEN on the consecutive rung: {} failures in a row reached the limit of {}, a sustained \
                 outage{}",
                counts.consecutive,
                policy.max_consecutive,
                escalation_note(policy.on_trip)
            ),
        };
    }
    if max_t > 0 && counts.total >= max_t {
        return BreakerVerdict {
            state: BreakerState::Open,
            escalation: policy.on_trip,
            tripped_on: Some(TripRung::Total),
            reason: format!(
                "OPEN on the total rung: {} failures overall reached the limit of {}, an unreliable \
                 (flapping) path{}",
                counts.total,
                policy.max_total,
                escalation_note(policy.on_trip)
            ),
        };
    }
    BreakerVerdict {
        state: BreakerState::Closed,
        escalation: Escalation::None,
        tripped_on: None,
        reason: format!(
            "CLOSED: {} failures in a row and {} overall, below the limits ({} consecutive, {} total)",
            counts.consecutive, counts.total, policy.max_consecutive, policy.max_total
        ),
    }
}

/// What [`classify`] decides, without writing its reason: the state, the
/// escalation and the rung that tripped. Same ladder.
pub fn judge(counts: &BreakerCounts, policy: &BreakerPolicy) -> (BreakerState, Escalation, Option<TripRung>) {
    let max_c = i128::from(policy.max_consecutive);
    let max_t = i128::from(policy.max_total);
    if max_c > 0 && counts.consecutive >= max_c {
        (BreakerState::Open, policy.on_trip, Some(TripRung::Consecutive))
    } else if max_t > 0 && counts.total >= max_t {
        (BreakerState::Open, policy.on_trip, Some(TripRung::Total))
    } else {
        (BreakerState::Closed, Escalation::None, None)
    }
}

/// `record_failure`: one more failure on both counts, then the verdict.
pub fn record_failure(counts: &BreakerCounts, policy: &BreakerPolicy) -> BreakerTransition {
    let next = BreakerCounts { consecutive: counts.consecutive + 1, total: counts.total + 1 };
    BreakerTransition { verdict: classify(&next, policy), counts: next }
}

/// `record_success`: the in-a-row count clears, the overall count stays.
pub fn record_success(counts: &BreakerCounts, policy: &BreakerPolicy) -> BreakerTransition {
    let next = BreakerCounts { consecutive: 0, total: counts.total };
    BreakerTransition { verdict: classify(&next, policy), counts: next }
}

/// Read a `BreakerPolicy` from `{"max_consecutive", "max_total", "on_trip"}`.
pub fn policy_from_args(p: &Args) -> Result<BreakerPolicy, CallError> {
    p.check_known(&["max_consecutive", "max_total", "on_trip"])?;
    let d = BreakerPolicy::default();
    let max_consecutive = int_field(p, "max_consecutive", Some(d.max_consecutive))?;
    let max_total = int_field(p, "max_total", Some(d.max_total))?;
    let on_trip = match p.dict().get("on_trip") {
        None => d.on_trip,
        Some(Value::Str(s)) => {
            s.as_str().and_then(Escalation::parse).ok_or_else(|| p.err("\"on_trip\" must be one of NONE, JUDGE, HUMAN"))?
        }
        Some(other) => return Err(p.err(format_args!("\"on_trip\" must be a string, not {}", other.type_name()))),
    };
    BreakerPolicy::new(max_consecutive, max_total, on_trip).map_err(|m| p.err(m))
}

/// Read `BreakerCounts` from `{"consecutive", "total"}`.
pub fn counts_from_args(c: &Args) -> Result<BreakerCounts, CallError> {
    c.check_known(&["consecutive", "total"])?;
    let consecutive = int_field(c, "consecutive", Some(0))?;
    let total = int_field(c, "total", Some(0))?;
    BreakerCounts::new(i128::from(consecutive), i128::from(total)).map_err(|m| c.err(m))
}

fn inputs(a: &Args) -> Result<(BreakerCounts, BreakerPolicy), CallError> {
    let counts = counts_from_args(&a.obj("counts")?)?;
    let policy = match a.opt_obj("policy")? {
        Some(p) => policy_from_args(&p)?,
        None => BreakerPolicy::default(),
    };
    Ok((counts, policy))
}

fn op_record_failure(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let (counts, policy) = inputs(a)?;
    Ok(record_failure(&counts, &policy).to_value())
}

fn op_record_success(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let (counts, policy) = inputs(a)?;
    Ok(record_success(&counts, &policy).to_value())
}

fn op_classify(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let (counts, policy) = inputs(a)?;
    Ok(classify(&counts, &policy).to_value())
}

pub(crate) const OPS: &[OpSpec] = &[
    OpSpec { name: "breaker.record_failure", args: &["counts", "policy"], run: op_record_failure },
    OpSpec { name: "breaker.record_success", args: &["counts", "policy"], run: op_record_success },
    OpSpec { name: "breaker.classify", args: &["counts", "policy"], run: op_classify },
];

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
    fn judge_agrees_with_classify() {
        let counts = [0, 1, 2, 3, 19, 20, 21, i128::from(i64::MAX) + 1];
        for &(mc, mt) in &[(3, 20), (0, 2), (2, 0), (1, 1), (i64::MAX, i64::MAX)] {
            for on_trip in [Escalation::None, Escalation::Judge, Escalation::Human] {
                let p = BreakerPolicy::new(mc, mt, on_trip).unwrap();
                for &a in &counts {
                    for &b in &counts {
                        let v = classify(&c(a, b), &p);
                        assert_eq!(judge(&c(a, b), &p), (v.state, v.escalation, v.tripped_on));
                    }
                }
            }
        }
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
        assert_eq!(t.counts.to_value().get("total"), Some(&wide_int(i128::from(i64::MAX) + 1)));
    }
}
