//! `effect_witness`: did the world change the way the agent claimed?
//!
//! The verdict joins two facts with different authors: the agent's claim of
//! an effect (an [`EffectClaim`], forgeable by construction) and read-backs
//! of the world by witnesses the agent did not control
//! ([`EvidenceFacts`]). Belief goes through the evidence floor
//! ([`believe_under_floor`]): only a read-back on a non-forgeable rung can
//! confirm the effect present (CONFIRMED) or show it absent (REFUTED); when
//! accountable witnesses disagree the effect is not believed (REFUTED, and
//! the reason says they conflict); with no accountable answer the verdict
//! abstains (UNWITNESSED); with no claim there is nothing to witness
//! (NO_CLAIM).

use super::evidence::{believe_under_floor, is_blank, EvidenceFacts, EvidenceStance, Prose};
use super::log_source::{empty, Accountability};
use crate::envelope::{CallError, Ctx};
use crate::pyjson::{repr_str, Str};
use crate::route::{self, Const, Describe, Module, Op};
use serde::{Deserialize, Serialize};

/// One effect the agent says it produced. `key` is the effect's opaque
/// identity (what a read-back looks for); `subject` the handle a witness
/// probes (the key when empty); `narrated` the agent's own words, shown and
/// never read for truth.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct EffectClaim {
    pub key: Str,
    #[serde(default = "empty")]
    pub subject: Str,
    #[serde(default = "empty")]
    pub narrated: Str,
}

/// What an accountable read-back saw of the claimed effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EffectStance {
    /// The effect is in the witnessed state.
    Present,
    /// The witness re-read the world and the effect is not there.
    Absent,
    /// Reached, but it cannot tell about this effect.
    Indeterminate,
}

/// The four-valued effect-witness verdict (the reference names it `_Verdict`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(non_camel_case_types)]
pub enum _Verdict {
    /// An accountable witness saw the claimed effect present.
    Confirmed,
    /// An accountable witness saw it absent (or accountable witnesses disagree).
    Refuted,
    /// No accountable witness reached an answer.
    Unwitnessed,
    /// Nothing checkable was claimed.
    NoClaim,
}

/// Did an accountable witness corroborate the claimed effect? `believe`
/// only on CONFIRMED; `refuted` on REFUTED. `witness` and `accountability`
/// name the first accountable read-back behind the answer (empty and None
/// when none stands behind it); `silent_witnesses` the read-backs that gave
/// no presence answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct EffectWitnessVerdict {
    pub verdict: _Verdict,
    pub believe: bool,
    pub refuted: bool,
    /// One line for the operator.
    pub reason: Str,
    #[serde(default = "empty")]
    pub claim_key: Str,
    #[serde(default = "empty")]
    pub narrated: Str,
    #[serde(default = "empty")]
    pub witness: Str,
    #[serde(default)]
    pub accountability: Option<Accountability>,
    #[serde(default)]
    pub silent_witnesses: route::Tuple<Str>,
}

/// The verdict on a claim and its read-backs (see [`WitnessEffect`]).
pub fn witness_effect(claim: Option<&EffectClaim>, readbacks: &[EvidenceFacts]) -> EffectWitnessVerdict {
    let claim = match claim {
        Some(c) if !is_blank(&c.key) => c,
        _ => {
            return EffectWitnessVerdict {
                verdict: _Verdict::NoClaim,
                believe: false,
                refuted: false,
                reason: Str::from("no checkable effect was claimed, so there is nothing to witness (abstain; nothing is invented)"),
                claim_key: empty(),
                narrated: empty(),
                witness: empty(),
                accountability: None,
                silent_witnesses: route::Tuple::default(),
            }
        }
    };
    let belief = believe_under_floor(readbacks);
    let first =
        |stance: EvidenceStance| readbacks.iter().find(|f| f.reachable && f.stance == stance && !f.accountability.is_agent_authored());
    let key = Str::from(repr_str(&claim.key));
    let mut p = Prose::new();
    let (verdict, witness) = if belief.believe && belief.refuted {
        p.lit("CONFLICT: accountable witnesses disagree on effect ")
            .s(&key)
            .lit(" (present: ")
            .join(&belief.attesting.0, ", ")
            .lit("; absent: ")
            .join(&belief.refuting.0, ", ")
            .lit("); not believed, a human must decide");
        (_Verdict::Refuted, first(EvidenceStance::Attested))
    } else if belief.believe {
        p.lit("CONFIRMED: a non-forgeable witness re-read the world and effect ")
            .s(&key)
            .lit(" is PRESENT (")
            .join(&belief.attesting.0, ", ")
            .lit(")");
        (_Verdict::Confirmed, first(EvidenceStance::Attested))
    } else if belief.refuted {
        p.lit("REFUTED: a non-forgeable witness re-read the world and effect ")
            .s(&key)
            .lit(" is ABSENT (")
            .join(&belief.refuting.0, ", ")
            .lit("): the claimed success is not corroborated");
        (_Verdict::Refuted, first(EvidenceStance::Refuted))
    } else if !belief.attesting.0.is_empty() {
        p.lit("UNWITNESSED: effect ")
            .s(&key)
            .lit(" was re-read only on the forgeable floor (AGENT_AUTHORED: ")
            .join(&belief.attesting.0, ", ")
            .lit("); the agent re-reading its own surface corroborates nothing, and no accountable witness answered");
        (_Verdict::Unwitnessed, None)
    } else {
        p.lit("UNWITNESSED: no accountable witness reached effect ").s(&key).lit(" (no signal), so whether it happened is unknown");
        (_Verdict::Unwitnessed, None)
    };
    EffectWitnessVerdict {
        verdict,
        believe: verdict == _Verdict::Confirmed,
        refuted: verdict == _Verdict::Refuted,
        reason: p.done(),
        claim_key: claim.key.clone(),
        narrated: claim.narrated.clone(),
        witness: witness.map(|w| w.source_name.clone()).unwrap_or_else(empty),
        accountability: witness.map(|w| w.accountability),
        silent_witnesses: belief.silent,
    }
}

/// Join a claimed effect to its read-backs under the evidence floor.
/// CONFIRMED when a read-back on a non-forgeable rung (`OS_RECORDED`,
/// `THIRD_PARTY`) was reached and attested the effect; REFUTED when none
/// did but one was reached and refuted it, or when accountable read-backs
/// disagree (then not believed either); NO_CLAIM for no claim or a blank
/// key; UNWITNESSED otherwise (only forgeable-floor reads, or no signal).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct WitnessEffect {
    /// The claimed effect, or None.
    #[serde(deserialize_with = "route::required")]
    pub claim: Option<EffectClaim>,
    /// The read-backs of the world, in any order.
    pub readbacks: Vec<EvidenceFacts>,
}

impl Op for WitnessEffect {
    const NAME: &'static str = "effect_witness.witness_effect";
    type Verdict = EffectWitnessVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<EffectWitnessVerdict, CallError> {
        Ok(witness_effect(self.claim.as_ref(), &self.readbacks))
    }
}

/// The `effect_witness` module.
pub(crate) const MODULE: Module = Module {
    name: "effect_witness",
    doc: "Did the world change the way the agent claimed? A claimed effect joined to read-backs of the world \
          under the evidence floor: CONFIRMED, REFUTED, UNWITNESSED or NO_CLAIM.",
    routes: &[route::route::<WitnessEffect>()],
    consts: &[
        Const { name: "PRESENT", doc: "The effect is present.", eval: |reg| route::konst(reg, EffectStance::Present) },
        Const { name: "ABSENT", doc: "The effect is absent.", eval: |reg| route::konst(reg, EffectStance::Absent) },
        Const { name: "INDETERMINATE", doc: "The witness cannot tell.", eval: |reg| route::konst(reg, EffectStance::Indeterminate) },
    ],
};

#[cfg(test)]
mod tests {
    use crate::envelope::CallError;
    use crate::pyjson::{self, Value};

    fn call(args: &str) -> Result<Value, CallError> {
        let v = pyjson::parse_str(args).unwrap();
        crate::envelope::dispatch_pure("effect_witness.witness_effect", None, v.as_dict().unwrap())
    }

    fn rb(name: &str, acct: &str, stance: &str) -> String {
        format!(r#"{{"source_name":"{name}","accountability":"{acct}","stance":"{stance}","reachable":true}}"#)
    }

    #[test]
    fn the_four_verdicts() {
        let claim = r#"{"key":"quiz:1","narrated":"I made it"}"#;
        let v = |rbs: &[String]| call(&format!(r#"{{"claim":{claim},"readbacks":[{}]}}"#, rbs.join(","))).unwrap();
        let ok = v(&[rb("paste", "AGENT_AUTHORED", "ATTESTED"), rb("get", "THIRD_PARTY", "ATTESTED")]);
        assert_eq!(ok.get("verdict"), Some(&Value::str("CONFIRMED")));
        assert_eq!(ok.get("witness"), Some(&Value::str("get")));
        assert_eq!(ok.get("narrated"), Some(&Value::str("I made it")));
        let no = v(&[rb("db", "OS_RECORDED", "REFUTED"), rb("q", "OS_RECORDED", "NO_SIGNAL")]);
        assert_eq!(no.get("verdict"), Some(&Value::str("REFUTED")));
        assert_eq!(no.get("silent_witnesses"), Some(&Value::List(vec![Value::str("q")])));
        let both = v(&[rb("db", "OS_RECORDED", "REFUTED"), rb("get", "THIRD_PARTY", "ATTESTED")]);
        assert_eq!(both.get("verdict"), Some(&Value::str("REFUTED")));
        assert_eq!(both.get("believe"), Some(&Value::Bool(false)));
        assert_eq!(both.get("witness"), Some(&Value::str("get")));
        assert_eq!(both.get("accountability"), Some(&Value::str("THIRD_PARTY")));
        let floor = v(&[rb("paste", "AGENT_AUTHORED", "ATTESTED")]);
        assert_eq!(floor.get("verdict"), Some(&Value::str("UNWITNESSED")));
        assert_eq!(floor.get("accountability"), Some(&Value::Null));
        let none = call(r#"{"claim":{"key":" \n"},"readbacks":[]}"#).unwrap();
        assert_eq!(none.get("verdict"), Some(&Value::str("NO_CLAIM")));
        let e = call(r#"{"readbacks":[]}"#).unwrap_err();
        assert!(e.message.contains("claim"), "{}", e.message);
    }
}
