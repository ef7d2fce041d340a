//! `testwitness`: does a new test actually witness the change it ships with?
//!
//! The verdict joins two runner outcomes of one test that the agent did not
//! author: on the tree without the change (the baseline) and on the tree
//! with it (the candidate). Only red before and green after witnesses the
//! change (DISCRIMINATES); green on both trees witnesses nothing (VACUOUS);
//! green before and not after breaks the test (REGRESSIVE); not green after
//! leaves the fix unsatisfied (UNSATISFIED); outcomes the agent merely
//! narrated, or a missing run, abstain (ABSTAIN). No policy: the ladder is
//! structural.

use super::log_source::Accountability;
use crate::envelope::{CallError, Ctx};
use crate::pyjson::Str;
use crate::route::{self, Const, Describe, Module, Op};
use serde::{Deserialize, Serialize};

/// One runner outcome of one test on one tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunOutcome {
    /// It ran and its assertions held.
    Passed,
    /// It ran and an assertion failed.
    Failed,
    /// It could not run (a collection or import error).
    Errored,
    /// There is no outcome for this tree.
    NotRun,
}

impl RunOutcome {
    fn token(self) -> &'static str {
        match self {
            RunOutcome::Passed => "PASSED",
            RunOutcome::Failed => "FAILED",
            RunOutcome::Errored => "ERRORED",
            RunOutcome::NotRun => "NOT_RUN",
        }
    }
}

/// The test-witness verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TestWitness {
    /// Red before the change, green after: the test witnesses it.
    Discriminates,
    /// Green on both trees: it would pass without the change.
    Vacuous,
    /// Not green with the change (and not green before either).
    Unsatisfied,
    /// Green before, not after: the change breaks the test.
    Regressive,
    /// Narrated outcomes or a missing run: no witness.
    Abstain,
}

fn os_recorded() -> Accountability {
    Accountability::OsRecorded
}

/// The two outcomes the caller gathered by running one test on both trees,
/// and who authored them (`OS_RECORDED`: a runner the environment recorded;
/// `AGENT_AUTHORED`: the agent's narration).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct TestRunEvidence {
    /// The outcome on the tree without the change.
    pub baseline: RunOutcome,
    /// The outcome on the tree with the change.
    pub candidate: RunOutcome,
    /// Who authored the two outcomes.
    #[serde(default = "os_recorded")]
    pub rung: Accountability,
}

/// The verdict with the facts behind it. `witnesses` only on DISCRIMINATES;
/// `assert_level` only when the baseline FAILED (the test ran against the
/// old behaviour and rejected it) rather than ERRORED.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct TestWitnessVerdict {
    pub verdict: TestWitness,
    /// One line for the operator.
    pub reason: Str,
    pub witnesses: bool,
    pub assert_level: bool,
    pub evidence: TestRunEvidence,
}

/// The verdict on one test's two outcomes (see [`Classify`]).
pub fn classify(e: TestRunEvidence) -> TestWitnessVerdict {
    use RunOutcome::*;
    let (b, c) = (e.baseline, e.candidate);
    let out = |verdict, reason: String| TestWitnessVerdict {
        verdict,
        reason: Str::from(reason),
        witnesses: false,
        assert_level: false,
        evidence: e,
    };
    if e.rung.is_agent_authored() {
        return out(
            TestWitness::Abstain,
            format!(
                "the outcomes are AGENT_AUTHORED (the agent says '{} -> {}'): a narration is not a run, so no \
                 witness is minted (record both outcomes from a runner the environment controls)",
                b.token(),
                c.token()
            ),
        );
    }
    if b == NotRun || c == NotRun {
        let missing = match (b, c) {
            (NotRun, NotRun) => "baseline and candidate",
            (NotRun, _) => "baseline",
            _ => "candidate",
        };
        return out(TestWitness::Abstain, format!("no {missing} run (NOT_RUN): half a join is no join; run the test on both trees"));
    }
    if b == Passed && c != Passed {
        return out(
            TestWitness::Regressive,
            format!(
                "baseline PASSED, candidate {}: the change BREAKS this test (a regression, or an incoherent claim \
                 for a test the change ships)",
                c.token()
            ),
        );
    }
    if c != Passed {
        return out(
            TestWitness::Unsatisfied,
            format!(
                "candidate {} (baseline {}): the change does not satisfy its own test; red without the green, so \
                 the fix itself is in doubt",
                c.token(),
                b.token()
            ),
        );
    }
    if b == Passed {
        return out(
            TestWitness::Vacuous,
            "PASSED on both trees: the test passes WITHOUT the change too, so it witnesses nothing (the vacuous \
             test a 'tests added' review would bank)"
                .to_owned(),
        );
    }
    let assert_level = b == Failed;
    let how = if assert_level {
        "assert-level: the test RAN against the old behaviour and rejected it"
    } else {
        "structural: the baseline ERRORED, so it cannot pass without the change, but it never ran against the old behaviour"
    };
    TestWitnessVerdict {
        verdict: TestWitness::Discriminates,
        reason: Str::from(format!(
            "baseline {}, candidate PASSED: red->green across the change, so this test witnesses it ({how})",
            b.token()
        )),
        witnesses: true,
        assert_level,
        evidence: e,
    }
}

/// Does this test witness this change? From top to bottom: ABSTAIN when the
/// outcomes are agent-authored or either run is NOT_RUN; REGRESSIVE when
/// the baseline PASSED and the candidate did not; UNSATISFIED when the
/// candidate did not pass; VACUOUS when both passed; else DISCRIMINATES
/// (baseline FAILED or ERRORED, candidate PASSED).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Classify {
    /// The two outcomes and their rung.
    pub evidence: TestRunEvidence,
}

impl Op for Classify {
    const NAME: &'static str = "testwitness.classify";
    type Verdict = TestWitnessVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<TestWitnessVerdict, CallError> {
        Ok(classify(self.evidence))
    }
}

/// The `testwitness` module.
pub(crate) const MODULE: Module = Module {
    name: "testwitness",
    doc: "Does a new test witness the change it ships with? One test's runner outcomes on the tree without \
          and with the change, joined: DISCRIMINATES, VACUOUS, UNSATISFIED, REGRESSIVE or ABSTAIN.",
    routes: &[route::route::<Classify>()],
    consts: &[
        Const { name: "DISCRIMINATES", doc: "Red to green.", eval: |reg| route::konst(reg, TestWitness::Discriminates) },
        Const { name: "VACUOUS", doc: "Green on both trees.", eval: |reg| route::konst(reg, TestWitness::Vacuous) },
        Const { name: "UNSATISFIED", doc: "Not green after.", eval: |reg| route::konst(reg, TestWitness::Unsatisfied) },
        Const { name: "REGRESSIVE", doc: "Green before, not after.", eval: |reg| route::konst(reg, TestWitness::Regressive) },
        Const { name: "ABSTAIN", doc: "No witness.", eval: |reg| route::konst(reg, TestWitness::Abstain) },
    ],
};

#[cfg(test)]
mod tests {
    use crate::envelope::CallError;
    use crate::pyjson::{self, Value};

    fn call(args: &str) -> Result<Value, CallError> {
        let v = pyjson::parse_str(args).unwrap();
        crate::envelope::dispatch_pure("testwitness.classify", None, v.as_dict().unwrap())
    }

    #[test]
    fn the_ladder() {
        let v = |b: &str, c: &str, rung: &str| {
            let r = call(&format!(r#"{{"evidence":{{"baseline":"{b}","candidate":"{c}"{rung}}}}}"#)).unwrap();
            (r.get("verdict").cloned().unwrap(), r.get("assert_level").cloned().unwrap())
        };
        let t = |s: &str| Value::str(s);
        assert_eq!(v("FAILED", "PASSED", ""), (t("DISCRIMINATES"), Value::Bool(true)));
        assert_eq!(v("ERRORED", "PASSED", ""), (t("DISCRIMINATES"), Value::Bool(false)));
        assert_eq!(v("FAILED", "PASSED", r#","rung":"AGENT_AUTHORED""#).0, t("ABSTAIN"));
        assert_eq!(v("PASSED", "PASSED", ""), (t("VACUOUS"), Value::Bool(false)));
        assert_eq!(v("PASSED", "ERRORED", ""), (t("REGRESSIVE"), Value::Bool(false)));
        assert_eq!(v("FAILED", "FAILED", r#","rung":"THIRD_PARTY""#).0, t("UNSATISFIED"));
        assert_eq!(v("NOT_RUN", "PASSED", "").0, t("ABSTAIN"));
        let e = call(r#"{"evidence":{"baseline":"pass","candidate":"PASSED"}}"#).unwrap_err();
        assert!(e.message.contains("args.evidence.baseline"), "{}", e.message);
    }
}
