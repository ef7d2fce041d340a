//! `improve`: may a self-improvement loop keep this candidate change?
//!
//! The keep gate of a propose, verify, measure, keep-or-revert loop. Every
//! fact it reads was written by the environment, never by the loop: the
//! suite's result on a tree with only the candidate, the truth check over
//! its commit, and the measured metric before and after. The candidate's
//! own account (`narrated`) is echoed and read for nothing, so no wording
//! can turn a revert into a keep.
//!
//! The ladder: a red suite or a dirty truth check reverts (REGRESSED), and
//! escalates to a human when that reaches `max_consecutive_reverts` reverts
//! in a row; a strict gain in the metric keeps the candidate (and clears
//! the run of reverts) unless the efficiency rung finds the spend too high
//! for the gain (WASTEFUL, only with an armed floor); no gain reverts
//! (NO_IMPROVEMENT). Every non-keep bumps the carried count through the
//! circuit breaker (`breaker`, consecutive rung only, escalating to HUMAN).

use super::breaker::{self, BreakerCounts, BreakerPolicy, BreakerState};
use super::efficiency::{self, Efficiency, EfficiencyEvidence, EfficiencyPolicy, Floor};
use crate::envelope::{CallError, Ctx};
use crate::pyjson::Str;
use crate::route::{self, Const, Describe, Module, Op};
use serde::{Deserialize, Serialize};

/// The verdict on one candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Candidate {
    /// A witnessed improvement: merge it.
    Keep,
    /// Discard it: it regressed, or it changed nothing measurable.
    Revert,
    /// Too many reverts in a row: stop and hand over to a human.
    Escalate,
}

/// Why a candidate was not kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "kebab-case")]
pub enum RevertCause {
    /// The suite went red or the truth check refused.
    Regressed,
    /// Safe, but the metric did not beat the baseline.
    NoImprovement,
    /// The metric improved, but the spend was too high under an armed efficiency floor.
    Wasteful,
}

/// Where an open breaker sends the decision (`breaker.Escalation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Escalation {
    None,
    Judge,
    Human,
}

impl From<breaker::Escalation> for Escalation {
    fn from(e: breaker::Escalation) -> Self {
        match e {
            breaker::Escalation::None => Escalation::None,
            breaker::Escalation::Judge => Escalation::Judge,
            breaker::Escalation::Human => Escalation::Human,
        }
    }
}

/// The thresholds of a keep: the run of reverts that escalates (at least
/// 1), and the efficiency rung's work-per-token floor (0.0 disables it) and
/// minimum spend before it judges (both non-negative).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(default, deny_unknown_fields)]
pub struct ImprovePolicy {
    /// Reverts in a row that escalate to a human.
    pub max_consecutive_reverts: i64,
    /// Work per token a metric gain must be bought at (0.0: never refused for cost).
    pub efficiency_floor: f64,
    /// Spend under which the efficiency rung does not judge.
    pub min_tokens_for_efficiency: i64,
}

impl Default for ImprovePolicy {
    fn default() -> Self {
        ImprovePolicy { max_consecutive_reverts: 3, efficiency_floor: 0.0, min_tokens_for_efficiency: 1000 }
    }
}

impl ImprovePolicy {
    /// The reference's checks on construction.
    pub fn validate(&self) -> Result<(), &'static str> {
        if self.max_consecutive_reverts < 1 {
            return Err("max_consecutive_reverts must be at least 1 (a breaker that escalates before the loop runs)");
        }
        if self.efficiency_floor < 0.0 {
            return Err("efficiency_floor cannot be negative");
        }
        if self.min_tokens_for_efficiency < 0 {
            return Err("min_tokens_for_efficiency cannot be negative");
        }
        Ok(())
    }
}

fn empty() -> Str {
    Str::from("")
}

/// The environment-written facts about one candidate, gathered by the
/// caller: the suite's result on the candidate-only tree, the truth check,
/// the metric after (`work`) and before (`baseline_work`), the proposer's
/// token spend, and the carried run of reverts. All counts are
/// non-negative. `narrated` is the candidate's own account, never read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct CandidateEvidence {
    pub suite_passed: bool,
    pub truth_clean: bool,
    #[serde(default)]
    pub work: i64,
    #[serde(default)]
    pub baseline_work: i64,
    #[serde(default)]
    pub tokens: i64,
    #[serde(default)]
    pub consecutive_reverts: i64,
    #[serde(default = "empty")]
    pub narrated: Str,
}

impl CandidateEvidence {
    /// The reference's checks on construction.
    pub fn validate(&self) -> Result<(), &'static str> {
        if self.work < 0 {
            return Err("work cannot be negative");
        }
        if self.baseline_work < 0 {
            return Err("baseline_work cannot be negative");
        }
        if self.tokens < 0 {
            return Err("tokens cannot be negative");
        }
        if self.consecutive_reverts < 0 {
            return Err("consecutive_reverts cannot be negative");
        }
        Ok(())
    }

    /// Did the metric strictly beat the baseline?
    pub fn improved(&self) -> bool {
        self.work > self.baseline_work
    }

    /// The metric's change (after minus before).
    pub fn delta(&self) -> i64 {
        // Both are non-negative 64-bit ints, so the difference fits.
        self.work - self.baseline_work
    }
}

/// The evidence as a verdict echoes it: the facts plus `delta` and `improved`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct CandidateEvidenceEcho {
    pub suite_passed: bool,
    pub truth_clean: bool,
    pub work: i64,
    pub baseline_work: i64,
    pub delta: i64,
    pub improved: bool,
    pub tokens: i64,
    pub consecutive_reverts: i64,
    pub narrated: Str,
}

/// The verdict with the facts behind it. `revert_cause` only when not
/// kept; `escalation` HUMAN on ESCALATE, else NONE;
/// `next_consecutive_reverts` the run of reverts to carry into the next
/// cycle (0 after a keep).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct CandidateVerdict {
    pub verdict: Candidate,
    #[serde(deserialize_with = "route::required")]
    pub revert_cause: Option<RevertCause>,
    pub escalation: Escalation,
    pub next_consecutive_reverts: i128,
    /// One line for the operator.
    pub reason: Str,
    pub evidence: CandidateEvidenceEcho,
}

/// The keep gate (see [`Classify`]); the evidence and policy are valid.
pub fn classify(e: CandidateEvidence, policy: &ImprovePolicy) -> CandidateVerdict {
    let max = policy.max_consecutive_reverts;
    let brk = BreakerPolicy { max_consecutive: max, max_total: 0, on_trip: breaker::Escalation::Human };
    let counts = BreakerCounts { consecutive: i128::from(e.consecutive_reverts), total: 0 };
    // One more non-keep: the bumped run, and whether it opens the breaker.
    let bump = || {
        let next = breaker::after_failure(&counts);
        let j = breaker::judge(&next, &brk);
        (next.consecutive, j.state == BreakerState::Open, Escalation::from(j.escalation))
    };
    let (delta, improved) = (e.delta(), e.improved());
    let (verdict, cause, escalation, next, reason) = if !e.suite_passed || !e.truth_clean {
        let (next, open, esc) = bump();
        let what =
            if !e.suite_passed { "the test suite is RED" } else { "the truth check is DIRTY (dos verify or commit-audit refused it)" };
        if open {
            (
                Candidate::Escalate,
                RevertCause::Regressed,
                esc,
                next,
                format!(
                    "REGRESSED: {what}; that makes {next} reverted candidates in a row (limit {max}), so revert it \
                     and ESCALATE to a human: the loop is not finding witnessed improvements"
                ),
            )
        } else {
            (
                Candidate::Revert,
                RevertCause::Regressed,
                Escalation::None,
                next,
                format!(
                    "REGRESSED: {what}; revert it, a change that breaks the kernel is no improvement whatever it \
                     claims ({next}/{max} reverts in a row)"
                ),
            )
        }
    } else if improved {
        let ev = EfficiencyEvidence::new(delta, e.tokens).unwrap_or_default();
        let ep = EfficiencyPolicy { min_tokens: policy.min_tokens_for_efficiency, floor: Floor::Float(policy.efficiency_floor) };
        let eff = efficiency::state(&ev, &ep);
        if eff == Efficiency::Efficient {
            let reason = format!(
                "KEEP: suite green, truth clean, and the measured metric rose {} -> {} (+{delta}), witnessed by \
                 facts the loop did not write",
                e.baseline_work, e.work
            );
            return verdict_of(Candidate::Keep, None, Escalation::None, 0, reason, e);
        }
        let (next, open, esc) = bump();
        let escalate = if open { format!(", and ESCALATE ({next} reverts in a row)") } else { String::new() };
        (
            if open { Candidate::Escalate } else { Candidate::Revert },
            RevertCause::Wasteful,
            esc,
            next,
            format!(
                "the metric rose (+{delta}) but efficiency ruled the spend {} for it ({} tokens, floor {}): revert \
                 the overpriced gain{escalate}",
                eff.as_str(),
                e.tokens,
                policy.efficiency_floor
            ),
        )
    } else {
        let (next, open, esc) = bump();
        if open {
            (
                Candidate::Escalate,
                RevertCause::NoImprovement,
                esc,
                next,
                format!(
                    "NO IMPROVEMENT: the metric stayed flat at {} and that makes {next} candidates in a row without \
                     a gain (limit {max}), so revert it and ESCALATE to a human",
                    e.work
                ),
            )
        } else {
            (
                Candidate::Revert,
                RevertCause::NoImprovement,
                Escalation::None,
                next,
                format!(
                    "NO IMPROVEMENT: suite green and truth clean, but the metric stayed flat at {}; a safe no-op is \
                     reverted ({next}/{max} reverts in a row)",
                    e.work
                ),
            )
        }
    };
    verdict_of(verdict, Some(cause), escalation, next, reason, e)
}

fn verdict_of(
    verdict: Candidate,
    revert_cause: Option<RevertCause>,
    escalation: Escalation,
    next: i128,
    reason: String,
    e: CandidateEvidence,
) -> CandidateVerdict {
    let (delta, improved) = (e.delta(), e.improved());
    CandidateVerdict {
        verdict,
        revert_cause,
        escalation,
        next_consecutive_reverts: next,
        reason: Str::from(reason),
        evidence: CandidateEvidenceEcho {
            suite_passed: e.suite_passed,
            truth_clean: e.truth_clean,
            work: e.work,
            baseline_work: e.baseline_work,
            delta,
            improved,
            tokens: e.tokens,
            consecutive_reverts: e.consecutive_reverts,
            narrated: e.narrated,
        },
    }
}

/// Keep, revert or escalate one candidate self-improvement. From the top: a
/// red suite or dirty truth check reverts (REGRESSED), escalating when the
/// bumped run of reverts reaches `max_consecutive_reverts`; a strict metric
/// gain keeps it unless the efficiency rung rules the spend WASTEFUL or
/// COSTLY (then WASTEFUL, reverting or escalating); no gain reverts
/// (NO_IMPROVEMENT, or escalates). `narrated` is never read.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Classify {
    /// The candidate's environment-written facts.
    pub evidence: CandidateEvidence,
    #[serde(default)]
    pub policy: ImprovePolicy,
}

impl Op for Classify {
    const NAME: &'static str = "improve.classify";
    type Verdict = CandidateVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<CandidateVerdict, CallError> {
        self.evidence.validate().map_err(|m| CallError::bad_args(format!("{}: args.evidence: {m}", Self::NAME)))?;
        self.policy.validate().map_err(|m| CallError::bad_args(format!("{}: args.policy: {m}", Self::NAME)))?;
        Ok(classify(self.evidence, &self.policy))
    }
}

/// The `improve` module.
pub(crate) const MODULE: Module = Module {
    name: "improve",
    doc: "May a self-improvement loop keep this candidate? A keep needs a green suite on the candidate-only \
          tree, a clean truth check and a strict gain in the environment-measured metric (at a price the \
          efficiency rung accepts); otherwise revert, and escalate to a human after too many reverts in a row.",
    routes: &[route::route::<Classify>()],
    consts: &[Const {
        name: "DEFAULT_POLICY",
        doc: "The ImprovePolicy with every default.",
        eval: |reg| route::konst(reg, ImprovePolicy::default()),
    }],
};

#[cfg(test)]
mod tests {
    use crate::envelope::CallError;
    use crate::pyjson::{self, Value};

    fn call(args: &str) -> Result<Value, CallError> {
        let v = pyjson::parse_str(args).unwrap();
        crate::envelope::dispatch_pure("improve.classify", None, v.as_dict().unwrap())
    }

    fn decide(ev: &str, policy: &str) -> (Value, Value, Value, Value) {
        let v = call(&format!(r#"{{"evidence":{ev}{policy}}}"#)).unwrap();
        let g = |k: &str| v.get(k).cloned().unwrap();
        (g("verdict"), g("revert_cause"), g("escalation"), g("next_consecutive_reverts"))
    }

    #[test]
    fn the_ladder() {
        let s = Value::str;
        let red = r#"{"suite_passed":false,"truth_clean":true,"work":9,"baseline_work":1,"consecutive_reverts":1}"#;
        assert_eq!(decide(red, ""), (s("REVERT"), s("regressed"), s("NONE"), Value::int(2)));
        assert_eq!(decide(red, r#","policy":{"max_consecutive_reverts":2}"#), (s("ESCALATE"), s("regressed"), s("HUMAN"), Value::int(2)));
        let keep = r#"{"suite_passed":true,"truth_clean":true,"work":5,"baseline_work":4,"consecutive_reverts":2,"tokens":90000}"#;
        assert_eq!(decide(keep, ""), (s("KEEP"), Value::Null, s("NONE"), Value::int(0)));
        assert_eq!(decide(keep, r#","policy":{"efficiency_floor":0.001}"#), (s("ESCALATE"), s("wasteful"), s("HUMAN"), Value::int(3)));
        let flat = r#"{"suite_passed":true,"truth_clean":true,"work":4,"baseline_work":4}"#;
        assert_eq!(decide(flat, ""), (s("REVERT"), s("no-improvement"), s("NONE"), Value::int(1)));
        let v = call(&format!(r#"{{"evidence":{flat}}}"#)).unwrap();
        assert_eq!(v.get("evidence").and_then(|e| e.get("improved")), Some(&Value::Bool(false)));
    }

    #[test]
    fn bad_args_name_the_field() {
        let e = call(r#"{"evidence":{"suite_passed":true,"truth_clean":true,"work":-1}}"#).unwrap_err();
        assert!(e.message.contains("args.evidence") && e.message.contains("work"), "{}", e.message);
        let e = call(r#"{"evidence":{"suite_passed":true,"truth_clean":true},"policy":{"max_consecutive_reverts":0}}"#).unwrap_err();
        assert!(e.message.contains("args.policy"), "{}", e.message);
        let e = call(r#"{"evidence":{"suite_passed":1,"truth_clean":true}}"#).unwrap_err();
        assert!(e.message.contains("args.evidence.suite_passed"), "{}", e.message);
    }

    #[test]
    fn a_long_run_of_reverts_stays_exact() {
        let ev = r#"{"suite_passed":true,"truth_clean":true,"consecutive_reverts":9223372036854775807}"#;
        let (v, _, _, next) = decide(ev, "");
        assert_eq!(v, Value::str("ESCALATE"));
        assert_eq!(next, pyjson::parse_str("9223372036854775808").unwrap());
    }
}
