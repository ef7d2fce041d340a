//! `efficiency`: did the tokens a run spent buy work?
//!
//! Two caller-measured counts go in: `work` (units the environment witnessed)
//! and `tokens` (what the provider billed). Under `min_tokens` (or with no
//! spend at all) there is too little to judge: EFFICIENT. Past it, zero work
//! is WASTEFUL, a `work / tokens` ratio under `floor` is COSTLY, and anything
//! else is EFFICIENT. The default floor is 0.0, which disables COSTLY.

use super::argnum::{float_lt_int, int_field, true_div};
use crate::dict;
use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::{float_repr, Int, Value};
use std::fmt;

/// The verdict vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Efficiency {
    Efficient,
    Costly,
    Wasteful,
}

impl Efficiency {
    pub fn as_str(self) -> &'static str {
        match self {
            Efficiency::Efficient => "EFFICIENT",
            Efficiency::Costly => "COSTLY",
            Efficiency::Wasteful => "WASTEFUL",
        }
    }
}

/// The work-per-token floor. The reference declares a float but compares
/// whatever number it is given, and Python compares a float with an int
/// exactly, so an integer floor is kept as an integer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Floor {
    Float(f64),
    /// Integers past the `i128` range are clamped; no ratio comes near them.
    Int(i128),
}

impl Floor {
    fn is_negative(self) -> bool {
        match self {
            Floor::Float(f) => f < 0.0,
            Floor::Int(i) => i < 0,
        }
    }

    /// `ratio < floor` with Python's semantics.
    pub fn above(self, ratio: f64) -> bool {
        match self {
            Floor::Float(f) => ratio < f,
            Floor::Int(i) => float_lt_int(ratio, i),
        }
    }
}

impl From<f64> for Floor {
    fn from(f: f64) -> Self {
        Floor::Float(f)
    }
}

impl fmt::Display for Floor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Floor::Float(x) => f.write_str(&fmt_float(*x)),
            Floor::Int(i) => write!(f, "{i}"),
        }
    }
}

fn fmt_float(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
    } else {
        float_repr(x)
    }
}

/// `EfficiencyPolicy`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EfficiencyPolicy {
    /// Spend below which no accusation is made.
    pub min_tokens: i64,
    /// Minimum acceptable work per token (inclusive); 0.0 disables COSTLY.
    pub floor: Floor,
}

impl Default for EfficiencyPolicy {
    fn default() -> Self {
        EfficiencyPolicy { min_tokens: 1000, floor: Floor::Float(0.0) }
    }
}

impl EfficiencyPolicy {
    /// Build a policy, refusing negative values as the reference does (a NaN
    /// floor is not negative and is accepted; it never makes a run COSTLY).
    pub fn new(min_tokens: i64, floor: Floor) -> Result<Self, &'static str> {
        if min_tokens < 0 {
            return Err("min_tokens cannot be negative");
        }
        if floor.is_negative() {
            return Err("the work-per-token floor cannot be negative");
        }
        Ok(EfficiencyPolicy { min_tokens, floor })
    }
}

/// `EfficiencyEvidence`: the run's measured work and spend.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EfficiencyEvidence {
    work: i64,
    tokens: i64,
}

impl EfficiencyEvidence {
    /// Build evidence, refusing negative counts as the reference does.
    pub fn new(work: i64, tokens: i64) -> Result<Self, &'static str> {
        if work < 0 {
            return Err("work cannot be negative");
        }
        if tokens < 0 {
            return Err("tokens cannot be negative");
        }
        Ok(EfficiencyEvidence { work, tokens })
    }

    pub fn work(&self) -> i64 {
        self.work
    }

    pub fn tokens(&self) -> i64 {
        self.tokens
    }

    /// Work per token, rounded as Python's `int / int`; 0.0 with no spend.
    pub fn ratio(&self) -> f64 {
        if self.tokens <= 0 {
            return 0.0;
        }
        // Both are non-negative (checked in `new`), so the casts are lossless.
        true_div(self.work as u64, self.tokens as u64)
    }
}

/// `EfficiencyVerdict`.
#[derive(Clone, Debug, PartialEq)]
pub struct EfficiencyVerdict {
    pub verdict: Efficiency,
    pub reason: String,
    pub evidence: EfficiencyEvidence,
}

impl EfficiencyVerdict {
    pub fn to_value(&self) -> Value {
        let e = &self.evidence;
        Value::Dict(dict! {
            "verdict" => self.verdict.as_str(),
            "reason" => self.reason.clone(),
            "evidence" => dict! {
                "work" => e.work,
                "tokens" => e.tokens,
                "ratio" => Value::Float(e.ratio()),
            },
        })
    }
}

/// `classify`: the efficiency ladder over work and spend.
pub fn classify(evidence: &EfficiencyEvidence, policy: &EfficiencyPolicy) -> EfficiencyVerdict {
    let (work, tokens) = (evidence.work, evidence.tokens);
    let verdict = |verdict: Efficiency, reason: String| EfficiencyVerdict { verdict, reason, evidence: *evidence };

    if tokens < policy.min_tokens || tokens == 0 {
        return verdict(
            Efficiency::Efficient,
            format!(
                "EFFICIENT: only {tokens} token(s) spent, below the {} needed before judging; \
                 nothing to flag yet",
                policy.min_tokens
            ),
        );
    }
    if work == 0 {
        return verdict(Efficiency::Wasteful, format!("WASTEFUL: {tokens} tokens bought 0 work units; all of the spend was overhead"));
    }
    let ratio = evidence.ratio();
    let ratio_text = fmt_float(ratio);
    if policy.floor.above(ratio) {
        return verdict(
            Efficiency::Costly,
            format!(
                "COSTLY: {work} work units for {tokens} tokens is {ratio_text} per token, below the floor \
                 of {}; work lands but at a high price",
                policy.floor
            ),
        );
    }
    verdict(
        Efficiency::Efficient,
        format!(
            "EFFICIENT: {work} work units for {tokens} tokens is {ratio_text} per token, meeting the floor \
             of {}",
            policy.floor
        ),
    )
}

/// The state [`classify`] reaches, without writing its reason. Same ladder.
pub fn state(evidence: &EfficiencyEvidence, policy: &EfficiencyPolicy) -> Efficiency {
    if evidence.tokens < policy.min_tokens || evidence.tokens == 0 {
        Efficiency::Efficient
    } else if evidence.work == 0 {
        Efficiency::Wasteful
    } else if policy.floor.above(evidence.ratio()) {
        Efficiency::Costly
    } else {
        Efficiency::Efficient
    }
}

fn floor_of(p: &Args, key: &str) -> Result<Floor, CallError> {
    match p.dict().get(key) {
        None => Ok(EfficiencyPolicy::default().floor),
        Some(Value::Float(f)) => Ok(Floor::Float(*f)),
        Some(Value::Int(Int::Small(i))) => Ok(Floor::Int(i128::from(*i))),
        Some(Value::Int(Int::Big(text))) => {
            Ok(Floor::Int(text.parse::<i128>().unwrap_or(if text.starts_with('-') { i128::MIN } else { i128::MAX })))
        }
        Some(other) => Err(p.err(format_args!("field {key:?} must be a number, not {}", other.type_name()))),
    }
}

/// Read an `EfficiencyPolicy` from `{"min_tokens", "floor"}`.
pub fn policy_from_args(p: &Args) -> Result<EfficiencyPolicy, CallError> {
    p.check_known(&["min_tokens", "floor"])?;
    let min_tokens = int_field(p, "min_tokens", Some(EfficiencyPolicy::default().min_tokens))?;
    let floor = floor_of(p, "floor")?;
    EfficiencyPolicy::new(min_tokens, floor).map_err(|m| p.err(m))
}

/// Read `EfficiencyEvidence` from `{"work", "tokens"}`.
pub fn evidence_from_args(e: &Args) -> Result<EfficiencyEvidence, CallError> {
    e.check_known(&["work", "tokens"])?;
    let work = int_field(e, "work", Some(0))?;
    let tokens = int_field(e, "tokens", Some(0))?;
    EfficiencyEvidence::new(work, tokens).map_err(|m| e.err(m))
}

fn op_classify(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let evidence = evidence_from_args(&a.obj("evidence")?)?;
    let policy = match a.opt_obj("policy")? {
        Some(p) => policy_from_args(&p)?,
        None => EfficiencyPolicy::default(),
    };
    Ok(classify(&evidence, &policy).to_value())
}

pub(crate) const OPS: &[OpSpec] = &[OpSpec { name: "efficiency.classify", args: &["evidence", "policy"], run: op_classify }];

#[cfg(test)]
mod tests {
    use super::*;

    fn v(work: i64, tokens: i64, min_tokens: i64, floor: Floor) -> Efficiency {
        let e = EfficiencyEvidence::new(work, tokens).unwrap();
        classify(&e, &EfficiencyPolicy::new(min_tokens, floor).unwrap()).verdict
    }

    #[test]
    fn ladder() {
        let off = Floor::Float(0.0);
        assert_eq!(v(0, 0, 0, off), Efficiency::Efficient);
        assert_eq!(v(0, 999, 1000, off), Efficiency::Efficient);
        assert_eq!(v(0, 1000, 1000, off), Efficiency::Wasteful);
        assert_eq!(v(1, 1_000_000, 1000, off), Efficiency::Efficient);
        assert_eq!(v(1, 1000, 1000, Floor::Float(0.01)), Efficiency::Costly);
        assert_eq!(v(10, 1000, 1000, Floor::Float(0.01)), Efficiency::Efficient);
        assert_eq!(v(5, 10, 0, Floor::Float(f64::NAN)), Efficiency::Efficient);
        assert_eq!(v(5, 10, 0, Floor::Float(f64::INFINITY)), Efficiency::Costly);
        assert_eq!(v(5, 10, 0, Floor::Int(1)), Efficiency::Costly);
    }

    #[test]
    fn state_agrees_with_classify() {
        let counts = [0, 1, 3, 999, 1000, 1001, 1 << 53, i64::MAX];
        let floors = [
            Floor::Float(0.0),
            Floor::Float(0.001),
            Floor::Float(1.0),
            Floor::Float(f64::NAN),
            Floor::Float(f64::INFINITY),
            Floor::Int(0),
            Floor::Int(1),
            Floor::Int(i128::MAX),
        ];
        for &work in &counts {
            for &tokens in &counts {
                for &min_tokens in &[0, 1000, i64::MAX] {
                    for &floor in &floors {
                        let e = EfficiencyEvidence::new(work, tokens).unwrap();
                        let p = EfficiencyPolicy::new(min_tokens, floor).unwrap();
                        assert_eq!(state(&e, &p), classify(&e, &p).verdict, "{e:?} {p:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn ratio_and_validation() {
        assert_eq!(EfficiencyEvidence::new(3, 0).unwrap().ratio(), 0.0);
        assert_eq!(EfficiencyEvidence::new(1, 3).unwrap().ratio(), 1.0 / 3.0);
        assert!(EfficiencyEvidence::new(-1, 0).is_err());
        assert!(EfficiencyEvidence::new(0, -1).is_err());
        assert!(EfficiencyPolicy::new(-1, Floor::Float(0.0)).is_err());
        assert!(EfficiencyPolicy::new(0, Floor::Float(-0.5)).is_err());
        assert!(EfficiencyPolicy::new(0, Floor::Float(-0.0)).is_ok());
        assert!(EfficiencyPolicy::new(0, Floor::Float(f64::NAN)).is_ok());
    }
}
