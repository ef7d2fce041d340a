//! `reward`: may a training run use this trajectory as a positive example?
//!
//! The effect-witness join re-aimed at a reward-set filter. A trajectory's
//! claim (a bit the host's extractor decided) enters the positive set only
//! when a non-forgeable witness confirmed it (ACCEPT); a claim such a
//! witness refuted is poison a witness-blind sampler would have banked
//! (REJECT_POISON, the dispreferred side of a preference pair); a claim no
//! accountable witness answered abstains (ABSTAIN); no claim is no
//! candidate (NO_CLAIM). The floor is the evidence module's, inherited
//! through [`witness_effect`]: no agent-authored byte can make an ACCEPT.
//!
//! [`acceptance_ab`](AcceptanceAb) folds labels into the comparison of the
//! witness-blind sampler (it accepts every claim) with the witness-gated one
//! (it accepts only confirmed claims): counts and unrounded precisions.

use super::effect_witness::{_Verdict, witness_effect, EffectClaim, EffectWitnessVerdict};
use super::evidence::EvidenceFacts;
use super::log_source::empty;
use crate::envelope::{CallError, Ctx};
use crate::pyjson::Str;
use crate::route::{self, Const, Describe, Module, Op};
use serde::{Deserialize, Serialize};

/// The reward-set admission verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RewardVerdict {
    /// A claim a non-forgeable witness confirmed: a positive example.
    Accept,
    /// A claim a non-forgeable witness refuted: poison to purge.
    RejectPoison,
    /// A claim no accountable witness answered: never a positive.
    Abstain,
    /// No checkable claim: not a candidate.
    NoClaim,
}

/// One trajectory's label, as a training loader reads it. `accept` only on
/// ACCEPT; `poison` and `dispreferred` only on REJECT_POISON.
/// `claim_present` echoes the extractor's bit; `witness` and
/// `accountability` (a token, or empty) name the read-back behind it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct RewardLabel {
    pub verdict: RewardVerdict,
    pub accept: bool,
    pub poison: bool,
    pub dispreferred: bool,
    pub claim_present: bool,
    /// One line for the operator.
    pub reason: Str,
    #[serde(default = "empty")]
    pub witness: Str,
    #[serde(default = "empty")]
    pub accountability: Str,
}

fn label(claim_present: bool, v: EffectWitnessVerdict) -> RewardLabel {
    let accountability = v.accountability.map(|a| Str::from(a.token())).unwrap_or_else(empty);
    let (verdict, reason) = match v.verdict {
        _Verdict::NoClaim => (RewardVerdict::NoClaim, v.reason),
        _Verdict::Confirmed => {
            (RewardVerdict::Accept, Str::from("a non-forgeable witness confirmed the claim: accepted into the positive reward set"))
        }
        _Verdict::Refuted => (
            RewardVerdict::RejectPoison,
            Str::from(
                "a non-forgeable witness REFUTED the claim: a poison positive, purged (the dispreferred side of a \
                 preference pair)",
            ),
        ),
        _Verdict::Unwitnessed => {
            (RewardVerdict::Abstain, Str::from("the claim has no accountable witness: abstain (no positive is minted unverified)"))
        }
    };
    let poison = verdict == RewardVerdict::RejectPoison;
    RewardLabel {
        verdict,
        accept: verdict == RewardVerdict::Accept,
        poison,
        dispreferred: poison,
        claim_present,
        reason,
        witness: v.witness,
        accountability,
    }
}

/// The label of one trajectory (see [`Admit`]).
pub fn admit(claim_present: bool, readbacks: &[EvidenceFacts], claim_key: &Str, narrated: &Str) -> RewardLabel {
    if !claim_present {
        return label(false, witness_effect(None, &[]));
    }
    let key = if matches!(claim_key, Str::Utf8(k) if k.is_empty()) { Str::from("claim") } else { claim_key.clone() };
    let claim = EffectClaim { key, subject: Str::from("effect"), narrated: narrated.clone() };
    label(true, witness_effect(Some(&claim), readbacks))
}

fn default_claim_key() -> Str {
    Str::from("claim")
}

/// Decide whether one trajectory's claim may enter the positive reward
/// set. With a claim present (`claim_present`, the host extractor's bit),
/// the claim (`claim_key`, "claim" when empty) is joined to the read-backs
/// as `effect_witness.witness_effect` joins them: ACCEPT when confirmed,
/// REJECT_POISON when refuted, ABSTAIN when unwitnessed, NO_CLAIM when the
/// key is blank; with none, NO_CLAIM. `narrated` is never read for truth.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Admit {
    /// Did the trajectory make a checkable claim?
    pub claim_present: bool,
    /// Read-backs of the world, each on its rung.
    pub readbacks: Vec<EvidenceFacts>,
    #[serde(default = "default_claim_key")]
    pub claim_key: Str,
    #[serde(default = "empty")]
    pub narrated: Str,
}

impl Op for Admit {
    const NAME: &'static str = "reward.admit";
    type Verdict = RewardLabel;

    fn run(self, _: &Ctx<'_>) -> Result<RewardLabel, CallError> {
        Ok(admit(self.claim_present, &self.readbacks, &self.claim_key, &self.narrated))
    }
}

/// The witness-blind sampler against the witness-gated one over labelled
/// rows. A bid is a row with a claim; the blind arm accepts every bid, the
/// gated arm only confirmed ones. Precisions are unrounded ratios (0.0 when
/// an arm accepts nothing); `adjudicate_poison` is 0 by construction and
/// `j_poison_purged` the refuted bids the gate removed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct AcceptanceAB {
    pub n_rows: i64,
    pub n_claim_bids: i64,
    pub believe_accepted: i64,
    pub believe_poison: i64,
    pub believe_precision: f64,
    pub adjudicate_accepted: i64,
    pub adjudicate_poison: i64,
    pub adjudicate_precision: f64,
    pub j_poison_purged: i64,
    pub delta_precision: f64,
}

/// The A/B over labels (see [`AcceptanceAb`]).
pub fn acceptance_ab(labels: &[RewardLabel]) -> AcceptanceAB {
    let bids: Vec<&RewardLabel> = labels.iter().filter(|l| l.claim_present).collect();
    let witnessed = bids.iter().filter(|l| l.accept).count() as i64;
    let poison = bids.iter().filter(|l| l.poison).count() as i64;
    acceptance_from_counts(labels.len() as i64, bids.len() as i64, witnessed, poison)
}

/// The A/B from its four counts: the rows, the bids among them (rows with
/// a claim), and the bids that are confirmed (`accept`) and refuted
/// (`poison`). What [`acceptance_ab`] computes once it has counted; a host
/// that counts the labels in place calls this.
pub fn acceptance_from_counts(rows: i64, accepted: i64, witnessed: i64, poison: i64) -> AcceptanceAB {
    let believe_precision = if accepted > 0 { witnessed as f64 / accepted as f64 } else { 0.0 };
    let adjudicate_precision = if witnessed > 0 { 1.0 } else { 0.0 };
    AcceptanceAB {
        n_rows: rows,
        n_claim_bids: accepted,
        believe_accepted: accepted,
        believe_poison: poison,
        believe_precision,
        adjudicate_accepted: witnessed,
        adjudicate_poison: 0,
        adjudicate_precision,
        j_poison_purged: poison,
        delta_precision: adjudicate_precision - believe_precision,
    }
}

/// Fold reward labels into the witness-blind vs witness-gated acceptance
/// comparison: `believe_precision` is confirmed bids over all bids,
/// `adjudicate_precision` 1.0 when the gate accepts anything, and
/// `delta_precision` their difference (unrounded floats).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct AcceptanceAb {
    /// The labels, one per row.
    pub labels: Vec<RewardLabel>,
}

impl Op for AcceptanceAb {
    const NAME: &'static str = "reward.acceptance_ab";
    type Verdict = AcceptanceAB;

    fn run(self, _: &Ctx<'_>) -> Result<AcceptanceAB, CallError> {
        Ok(acceptance_ab(&self.labels))
    }
}

/// The `reward` module.
pub(crate) const MODULE: Module = Module {
    name: "reward",
    doc: "May a training run use this trajectory as a positive example? A claim is accepted only when a \
          non-forgeable witness confirmed it (the effect-witness join under the evidence floor); refuted claims \
          are poison, unwitnessed ones abstain. Plus the witness-blind vs witness-gated acceptance comparison.",
    routes: &[route::route::<Admit>(), route::route::<AcceptanceAb>()],
    consts: &[
        Const { name: "ACCEPT", doc: "The accepted verdict.", eval: |reg| route::konst(reg, RewardVerdict::Accept) },
        Const { name: "REJECT_POISON", doc: "The poison verdict.", eval: |reg| route::konst(reg, RewardVerdict::RejectPoison) },
        Const { name: "ABSTAIN", doc: "The abstain verdict.", eval: |reg| route::konst(reg, RewardVerdict::Abstain) },
        Const { name: "NO_CLAIM", doc: "The no-claim verdict.", eval: |reg| route::konst(reg, RewardVerdict::NoClaim) },
    ],
};

#[cfg(test)]
mod tests {
    use crate::envelope::CallError;
    use crate::pyjson::{self, Value};

    fn call(op: &str, args: &str) -> Result<Value, CallError> {
        let v = pyjson::parse_str(args).unwrap();
        crate::envelope::dispatch_pure(op, None, v.as_dict().unwrap())
    }

    #[test]
    fn labels_follow_the_witness() {
        let rb = r#"{"source_name":"db","accountability":"OS_RECORDED","stance":"REFUTED","reachable":true}"#;
        let v = call("reward.admit", &format!(r#"{{"claim_present":true,"readbacks":[{rb}]}}"#)).unwrap();
        assert_eq!(v.get("verdict"), Some(&Value::str("REJECT_POISON")));
        assert_eq!(v.get("accountability"), Some(&Value::str("OS_RECORDED")));
        let v = call("reward.admit", &format!(r#"{{"claim_present":true,"readbacks":[{rb}],"claim_key":" "}}"#)).unwrap();
        assert_eq!(v.get("verdict"), Some(&Value::str("NO_CLAIM")));
        assert_eq!(v.get("claim_present"), Some(&Value::Bool(true)));
        let v = call("reward.admit", r#"{"claim_present":false,"readbacks":[]}"#).unwrap();
        assert_eq!(v.get("verdict"), Some(&Value::str("NO_CLAIM")));
    }

    #[test]
    fn precisions_are_unrounded() {
        let l = |present: bool, accept: bool, poison: bool| {
            format!(
                r#"{{"verdict":"ABSTAIN","accept":{accept},"poison":{poison},"dispreferred":{poison},"claim_present":{present},"reason":""}}"#
            )
        };
        let labels = [l(true, true, false), l(true, false, true), l(true, false, false), l(false, false, false)];
        let v = call("reward.acceptance_ab", &format!(r#"{{"labels":[{}]}}"#, labels.join(","))).unwrap();
        assert_eq!(v.get("believe_precision"), Some(&Value::Float(1.0 / 3.0)));
        assert_eq!(v.get("delta_precision"), Some(&Value::Float(1.0 - 1.0 / 3.0)));
        assert_eq!(v.get("n_rows"), Some(&Value::int(4)));
        let v = call("reward.acceptance_ab", r#"{"labels":[]}"#).unwrap();
        assert_eq!(v.get("believe_precision"), Some(&Value::Float(0.0)));
    }
}
