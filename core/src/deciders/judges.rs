//! `judges`: the judge seam, held to fail-to-abstain.
//!
//! A judge rules on a [`JudgeClaim`] (a narration, its stated reason, the
//! evidence gathered for it) with a three-valued [`JudgeVerdict`]: AGREE,
//! DISAGREE or ABSTAIN, a why, evidence and a self-reported cost. The only
//! judge built in is `abstain`, which abstains on every claim (the honest
//! baseline: no adjudicator is wired, so the claim goes to a human). Every
//! other judge is a plugin and runs in its host; what it did is settled here
//! the way `run_judge` settles it: a judge that raised, or answered with
//! something that is not a verdict, gives ABSTAIN naming the judge (a
//! failure never clears a claim); a verdict passes through unchanged.

use crate::envelope::{CallError, Ctx};
use crate::pyjson::{Str, Value};
use crate::route::{self, Const, Describe, Module, Op, Tuple};
use serde::{Deserialize, Serialize};

fn empty() -> Str {
    Str::from("")
}

/// A judge's ruling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[describe(class = "Stance")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JudgeStance {
    /// The claim is believable given its evidence.
    Agree,
    /// The claim looks false or unsupported.
    Disagree,
    /// Cannot tell: the claim goes up the ladder (to a human).
    Abstain,
}

/// What a judge rules on: the claim, the agent's stated reason, the
/// evidence gathered for it, and an opaque correlation handle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[describe(class = "Claim")]
#[serde(deny_unknown_fields)]
pub struct JudgeClaim {
    pub claim_text: Str,
    #[serde(default = "empty")]
    pub stated_reason: Str,
    #[serde(default)]
    pub evidence: Tuple<Str>,
    #[serde(default = "empty")]
    pub subject: Str,
}

/// A judge's advisory ruling on one claim (its `to_dict()` shape).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct JudgeVerdict {
    pub stance: JudgeStance,
    #[serde(default = "empty")]
    pub why: Str,
    #[serde(default)]
    pub evidence: Tuple<Str>,
    /// The judge's own cost of ruling (its unit), 0.0 when untracked.
    #[serde(default)]
    pub cost: f64,
}

/// What a host-side judge did with a claim.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct JudgeOutcome {
    /// It raised: the exception's `repr()` (None when it returned).
    #[serde(default)]
    pub raised: Option<Str>,
    /// What it returned, when that was a JudgeVerdict.
    #[serde(default)]
    pub verdict: Option<JudgeVerdict>,
    /// The type name of what it returned, when that was not a JudgeVerdict.
    #[serde(default)]
    pub returned_type: Option<Str>,
}

fn abstain(why: Str) -> JudgeVerdict {
    JudgeVerdict { stance: JudgeStance::Abstain, why, evidence: Tuple::default(), cost: 0.0 }
}

fn cat(parts: &[&Str]) -> Str {
    super::arg_provenance::cat(parts)
}

/// `run_judge`'s settlement of what one judge did.
pub fn settle(name: &Str, outcome: JudgeOutcome) -> JudgeVerdict {
    let q = Str::from(crate::pyjson::repr_str(name));
    if let Some(e) = &outcome.raised {
        let head = Str::from("judge ");
        let mid = Str::from(" raised (");
        let tail = Str::from("); abstaining: an advisory judge that cannot answer sends the claim to a human and never clears it.");
        return abstain(cat(&[&head, &q, &mid, e, &tail]));
    }
    match outcome.verdict {
        Some(v) => v,
        None => {
            let t = outcome.returned_type.unwrap_or_else(|| Str::from("NoneType"));
            let head = Str::from("judge ");
            let mid = Str::from(" answered with a ");
            let tail = Str::from(" instead of a JudgeVerdict; abstaining: an answer of another type cannot be trusted to clear a claim.");
            abstain(cat(&[&head, &q, &mid, &t, &tail]))
        }
    }
}

/// The names of the judges libdos runs itself.
pub const BUILT_IN_JUDGES: [&str; 1] = ["abstain"];

/// The entry-point group plugin judges register under (resolved in the host).
pub const JUDGE_ENTRY_POINT_GROUP: &str = "dos.judges";

/// The built-in abstain judge's why.
pub const ABSTAIN_WHY: &str =
    "no judge is wired, so the built-in abstain judge abstains and the claim goes to a human (a JUDGE-rung driver can \
     rule on it).";

/// Run a built-in judge on a claim (only `abstain` is built in: it abstains
/// on every claim, sending it to a human). A plugin judge runs in its host;
/// settle what it did with `settle_judge`.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct RunJudge {
    /// The built-in judge's name (`abstain`).
    pub judge: Str,
    pub claim: JudgeClaim,
    /// The host's configuration (the built-in judge does not read it).
    #[serde(default)]
    pub config: Value,
}

impl Op for RunJudge {
    const NAME: &'static str = "judges.run_judge";
    type Verdict = JudgeVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<JudgeVerdict, CallError> {
        if self.judge.as_str() != Some("abstain") {
            return Err(CallError::bad_args(format!(
                "{}: args.judge: {} is not a built-in judge (built in: abstain); a plugin judge runs in its host",
                Self::NAME,
                crate::pyjson::repr_str(&self.judge)
            )));
        }
        Ok(settle(&self.judge, JudgeOutcome { raised: None, verdict: Some(abstain(Str::from(ABSTAIN_WHY))), returned_type: None }))
    }
}

/// Settle what a host-side judge did, as `run_judge` does: a raise or an
/// answer that is not a JudgeVerdict gives ABSTAIN naming the judge; a
/// verdict passes through.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct SettleJudge {
    /// The judge's name.
    pub judge: Str,
    pub outcome: JudgeOutcome,
}

impl Op for SettleJudge {
    const NAME: &'static str = "judges.settle_judge";
    type Verdict = JudgeVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<JudgeVerdict, CallError> {
        let o = &self.outcome;
        let given = usize::from(o.raised.is_some()) + usize::from(o.verdict.is_some()) + usize::from(o.returned_type.is_some());
        if given > 1 {
            return Err(CallError::bad_args(format!("{}: args.outcome: give one of raised, verdict and returned_type", Self::NAME)));
        }
        Ok(settle(&self.judge, self.outcome))
    }
}

/// The `judges` module.
pub(crate) const MODULE: Module = Module {
    name: "judges",
    doc: "The judge seam, held to fail-to-abstain: a judge rules AGREE, DISAGREE or ABSTAIN on a claim and its \
          evidence. The built-in abstain judge abstains on every claim; plugin judges run in their host and what \
          they did is settled here (a raise or a foreign answer abstains, never agrees).",
    routes: &[route::route::<RunJudge>(), route::route::<SettleJudge>()],
    consts: &[
        Const {
            name: "BUILT_IN_JUDGES",
            doc: "The judges libdos runs itself.",
            eval: |reg| route::konst(reg, route::Tuple(BUILT_IN_JUDGES.to_vec())),
        },
        Const {
            name: "JUDGE_ENTRY_POINT_GROUP",
            doc: "The entry-point group plugin judges register under (resolved in the host).",
            eval: |reg| route::konst(reg, JUDGE_ENTRY_POINT_GROUP),
        },
    ],
};
