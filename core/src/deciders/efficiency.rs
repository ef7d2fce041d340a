//! `efficiency`: did the tokens a run spent buy work?
//!
//! Two caller-measured counts go in: `work` (units the environment witnessed)
//! and `tokens` (what the provider billed). Under `min_tokens` (or with no
//! spend at all) there is too little to judge: EFFICIENT. Past it, zero work
//! is WASTEFUL, a `work / tokens` ratio under `floor` is COSTLY, and anything
//! else is EFFICIENT. The default floor is 0.0, which disables COSTLY.
//!
//! `classify` is on the generated route (`crate::route`): the types below
//! are declared once, and their docs are the schema's docs.

use super::argnum::{float_lt_int, true_div};
use crate::envelope::{CallError, Ctx};
use crate::pyjson::{float_repr, Int, Value};
use crate::route::{self, Const, Describe, Module, Op, Registry, Type};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A run's token-effectiveness state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Efficiency {
    /// The spend bought its work (or too little was spent to judge).
    Efficient,
    /// Work landed, but at a work-per-token ratio under the floor.
    Costly,
    /// Enough tokens spent and no work landed.
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

/// `#[describe(min = 0)]`: a NaN is not below the bound (Python's `<`).
impl crate::route::Bounded for Floor {
    fn below(&self, n: i64) -> Option<String> {
        match *self {
            Floor::Float(f) => (f < n as f64).then(|| crate::pyjson::float_repr(f)),
            Floor::Int(i) => i.below(n),
        }
    }
    fn bound(&self) -> Option<i64> {
        None
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

/// A float on the wire, an int kept exact (the schema says `float`, as the
/// reference annotates it).
impl Serialize for Floor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Floor::Float(f) => s.serialize_f64(f),
            Floor::Int(i) => s.serialize_i128(i),
        }
    }
}

/// Any number: a float, or an int of any size (past `i128` clamped).
impl<'de> Deserialize<'de> for Floor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Floor, D::Error> {
        match Value::deserialize(d)? {
            Value::Float(f) => Ok(Floor::Float(f)),
            Value::Int(Int::Small(i)) => Ok(Floor::Int(i128::from(i))),
            Value::Int(Int::Big(text)) => {
                Ok(Floor::Int(text.parse::<i128>().unwrap_or(if text.starts_with('-') { i128::MIN } else { i128::MAX })))
            }
            other => Err(serde::de::Error::custom(format_args!("expected a number, got {}", other.type_name()))),
        }
    }
}

impl Describe for Floor {
    fn describe(_: &mut Registry) -> Type {
        Type::Float
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

/// The spend below which no run is judged, and the least work per token a
/// run must buy (inclusive; the default 0.0 leaves COSTLY off). Neither may
/// be negative (a NaN floor is not negative: it never makes a run COSTLY).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(default, deny_unknown_fields)]
pub struct EfficiencyPolicy {
    /// Spend below which no accusation is made.
    #[describe(min = 0)]
    pub min_tokens: i64,
    /// Minimum acceptable work per token (inclusive); 0.0 disables COSTLY.
    #[describe(min = 0)]
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
        let p = EfficiencyPolicy { min_tokens, floor };
        p.validate().map(|()| p)
    }

    /// The reference's check: neither value is negative.
    pub fn validate(&self) -> Result<(), &'static str> {
        if self.min_tokens < 0 {
            return Err("min_tokens cannot be negative");
        }
        if self.floor.is_negative() {
            return Err("the work-per-token floor cannot be negative");
        }
        Ok(())
    }
}

/// A run's measured work (units the environment witnessed) and spend
/// (tokens the provider billed); both non-negative. The verdict echoes it
/// with the ratio.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct EfficiencyEvidence {
    /// Work units landed.
    #[serde(default)]
    #[describe(min = 0)]
    pub work: i64,
    /// Tokens spent.
    #[serde(default)]
    #[describe(min = 0)]
    pub tokens: i64,
    /// Work per token, as Python's `work / tokens`; 0.0 with no spend.
    #[serde(default)]
    #[describe(property)]
    pub ratio: f64,
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
        let mut e = EfficiencyEvidence { work, tokens, ratio: 0.0 };
        e.ratio = e.ratio();
        Ok(e)
    }

    pub fn work(&self) -> i64 {
        self.work
    }

    pub fn tokens(&self) -> i64 {
        self.tokens
    }

    /// Work per token, rounded as Python's `int / int`; 0.0 with no spend.
    pub fn ratio(&self) -> f64 {
        if self.tokens <= 0 || self.work < 0 {
            return 0.0;
        }
        // Both are non-negative here, so the casts are lossless.
        true_div(self.work as u64, self.tokens as u64)
    }
}

/// The state, one line saying why, and the evidence it judged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct EfficiencyVerdict {
    pub verdict: Efficiency,
    /// One line for the operator.
    pub reason: String,
    pub evidence: EfficiencyEvidence,
}

/// `classify`: the efficiency ladder over work and spend.
pub fn classify(evidence: &EfficiencyEvidence, policy: &EfficiencyPolicy) -> EfficiencyVerdict {
    let (verdict, why) = judge(evidence, policy);
    EfficiencyVerdict { verdict, reason: why.to_string(), evidence: *evidence }
}

/// Why the ladder stopped where it did: the facts its reason line states,
/// left unwritten until shown (see [`judge`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Why {
    TooEarly { tokens: i64, min_tokens: i64 },
    NoWork { tokens: i64 },
    UnderFloor { work: i64, tokens: i64, ratio: f64, floor: Floor },
    MeetsFloor { work: i64, tokens: i64, ratio: f64, floor: Floor },
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Why::TooEarly { tokens, min_tokens } => write!(
                f,
                "EFFICIENT: only {tokens} token(s) spent, below the {min_tokens} needed before judging; \
                 nothing to flag yet"
            ),
            Why::NoWork { tokens } => write!(f, "WASTEFUL: {tokens} tokens bought 0 work units; all of the spend was overhead"),
            Why::UnderFloor { work, tokens, ratio, floor } => write!(
                f,
                "COSTLY: {work} work units for {tokens} tokens is {} per token, below the floor \
                 of {floor}; work lands but at a high price",
                fmt_float(ratio)
            ),
            Why::MeetsFloor { work, tokens, ratio, floor } => write!(
                f,
                "EFFICIENT: {work} work units for {tokens} tokens is {} per token, meeting the floor \
                 of {floor}",
                fmt_float(ratio)
            ),
        }
    }
}

/// The ladder: the state and why, the reason left unwritten.
pub fn judge(evidence: &EfficiencyEvidence, policy: &EfficiencyPolicy) -> (Efficiency, Why) {
    let (work, tokens) = (evidence.work, evidence.tokens);
    if tokens < policy.min_tokens || tokens == 0 {
        return (Efficiency::Efficient, Why::TooEarly { tokens, min_tokens: policy.min_tokens });
    }
    if work == 0 {
        return (Efficiency::Wasteful, Why::NoWork { tokens });
    }
    let ratio = evidence.ratio();
    let floor = policy.floor;
    if floor.above(ratio) {
        return (Efficiency::Costly, Why::UnderFloor { work, tokens, ratio, floor });
    }
    (Efficiency::Efficient, Why::MeetsFloor { work, tokens, ratio, floor })
}

/// The state [`classify`] reaches, without writing its reason.
pub fn state(evidence: &EfficiencyEvidence, policy: &EfficiencyPolicy) -> Efficiency {
    judge(evidence, policy).0
}

/// Judge whether a run's tokens bought work (no I/O, no clock): under
/// `min_tokens` of spend (or none) is EFFICIENT, too early to judge; no work
/// for that spend is WASTEFUL; a work-per-token ratio under `floor` is
/// COSTLY; anything else is EFFICIENT.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Classify {
    pub evidence: EfficiencyEvidence,
    /// The thresholds; None, or left out, is the default policy.
    #[serde(default, deserialize_with = "default_when_null")]
    pub policy: EfficiencyPolicy,
}

/// An explicit null reads as the default, as the envelope op has always taken it.
fn default_when_null<'de, D: serde::Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl Op for Classify {
    const NAME: &'static str = "efficiency.classify";
    type Verdict = EfficiencyVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<EfficiencyVerdict, CallError> {
        let e = self.evidence;
        let evidence =
            EfficiencyEvidence::new(e.work, e.tokens).map_err(|m| CallError::bad_args(format!("{}: args.evidence: {m}", Self::NAME)))?;
        self.policy.validate().map_err(|m| CallError::bad_args(format!("{}: args.policy: {m}", Self::NAME)))?;
        Ok(classify(&evidence, &self.policy))
    }
}

/// `EfficiencyEvidence.ratio`: work per token, as Python's `work / tokens`
/// (0.0 with no spend).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Ratio {
    /// The evidence read.
    #[serde(rename = "self")]
    pub this: EfficiencyEvidence,
}

impl Op for Ratio {
    const NAME: &'static str = "efficiency.EfficiencyEvidence.ratio";
    type Verdict = f64;

    fn run(self, _: &Ctx<'_>) -> Result<f64, CallError> {
        let e = EfficiencyEvidence::new(self.this.work, self.this.tokens)
            .map_err(|m| CallError::bad_args(format!("{}: args.self: {m}", Self::NAME)))?;
        Ok(e.ratio)
    }
}

/// Evidence from a work count and a token count.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Of {
    pub work: i64,
    pub tokens: i64,
}

impl Op for Of {
    const NAME: &'static str = "efficiency.EfficiencyEvidence.of";
    type Verdict = EfficiencyEvidence;

    fn run(self, _: &Ctx<'_>) -> Result<EfficiencyEvidence, CallError> {
        EfficiencyEvidence::new(self.work, self.tokens).map_err(|m| CallError::bad_args(format!("{}: args: {m}", Self::NAME)))
    }
}

/// The `efficiency` module: its ops and constants.
pub(crate) const MODULE: Module = Module {
    name: "efficiency",
    doc: "Did the tokens a run spent buy work? A pure ladder over two counts the caller measured (work units the \
          environment witnessed, tokens the provider billed): too little spend is EFFICIENT, no work for the spend \
          is WASTEFUL, a work-per-token ratio under the floor is COSTLY (the default floor 0.0 leaves it off).",
    routes: &[route::route::<Classify>(), route::route::<Ratio>(), route::route::<Of>()],
    consts: &[Const {
        name: "DEFAULT_POLICY",
        doc: "The EfficiencyPolicy with every default.",
        eval: |reg| route::konst(reg, EfficiencyPolicy::default()),
    }],
};

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
