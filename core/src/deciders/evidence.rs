//! `evidence`: witnesses of an effect, and when their facts may be believed.
//!
//! A witness reports what it saw of one effect ([`EvidenceFacts`]: attested,
//! refuted or no signal, on its declared accountability rung). The floor
//! rule folds a set of such facts into a [`BeliefVerdict`]: belief needs at
//! least one reached attestation on a rung the agent cannot forge
//! (`OS_RECORDED` or `THIRD_PARTY`); an attestation on the forgeable floor
//! is recorded and shown but never counts, and the same holds for a
//! refutation. [`derived_witness`](DerivedWitness) lifts the rule to a value
//! computed from operands: it reaches a non-forgeable rung only when the
//! operation is declared and every operand was itself attested there, and
//! then at the weakest operand's rung.
//!
//! Witness backends are plugins and stay in the host; the built-in `null`
//! source (it witnesses nothing) is native.

use super::log_source::{self, empty, Accountability};
use crate::envelope::{CallError, Ctx};
use crate::pyjson::{self, Str, Value};
use crate::route::{self, Const, Describe, Module, Op};
use serde::{Deserialize, Serialize};

/// What a witness says about the effect it was asked about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EvidenceStance {
    /// Reached, and the effect happened.
    Attested,
    /// Reached, and the effect did not happen.
    Refuted,
    /// Not reached, or no record either way.
    #[default]
    NoSignal,
}

/// What one witness saw of one effect. Unreached unless a source read it;
/// the rung is the source's own declaration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct EvidenceFacts {
    /// The witness that produced the facts.
    pub source_name: Str,
    /// The witness's rung, as it declares it.
    pub accountability: Accountability,
    /// Attested, refuted or no signal.
    #[serde(default)]
    pub stance: EvidenceStance,
    /// The effect witnessed (an opaque handle the source chose).
    #[serde(default = "empty")]
    pub subject: Str,
    /// One line for the operator.
    #[serde(default = "empty")]
    pub detail: Str,
    /// Was the witness reached?
    #[serde(default)]
    pub reachable: bool,
}

impl EvidenceFacts {
    /// A reached read that saw the effect happen.
    pub fn is_attesting(&self) -> bool {
        self.reachable && self.stance == EvidenceStance::Attested
    }

    fn reached(source_name: Str, accountability: Accountability, stance: EvidenceStance, subject: Str, detail: Str) -> Self {
        EvidenceFacts { source_name, accountability, stance, subject, detail, reachable: true }
    }
}

/// The folded answer over one effect's witnesses. `believe` only when a
/// non-forgeable witness attested; `refuted` only when a non-forgeable
/// witness refuted (both may hold: the witnesses disagree). The three lists
/// name the witnesses that attested, refuted, or said nothing, in the order
/// given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct BeliefVerdict {
    pub believe: bool,
    pub refuted: bool,
    /// One line for the operator: the outcome and the witnesses behind it.
    pub reason: Str,
    #[serde(default)]
    pub attesting: route::Tuple<Str>,
    #[serde(default)]
    pub refuting: route::Tuple<Str>,
    #[serde(default)]
    pub silent: route::Tuple<Str>,
}

// ------------------------------------------------------------------ prose

/// Text built from literal parts and caller strings (which may carry a lone
/// surrogate, so the result is a [`Str`]).
#[derive(Default)]
pub(crate) struct Prose {
    text: String,
    units: Option<Vec<u16>>,
}

impl Prose {
    pub(crate) fn new() -> Self {
        Prose::default()
    }

    pub(crate) fn lit(&mut self, t: &str) -> &mut Self {
        match &mut self.units {
            Some(u) => u.extend(t.encode_utf16()),
            None => self.text.push_str(t),
        }
        self
    }

    pub(crate) fn s(&mut self, s: &Str) -> &mut Self {
        match s {
            Str::Utf8(t) => {
                self.lit(t);
            }
            Str::Utf16(v) => {
                let u = self.units.get_or_insert_with(|| self.text.encode_utf16().collect());
                u.extend_from_slice(v);
            }
        }
        self
    }

    pub(crate) fn join(&mut self, items: &[Str], sep: &str) -> &mut Self {
        for (i, s) in items.iter().enumerate() {
            if i > 0 {
                self.lit(sep);
            }
            self.s(s);
        }
        self
    }

    pub(crate) fn done(&mut self) -> Str {
        match self.units.take() {
            Some(u) => Str::Utf16(u),
            None => Str::Utf8(std::mem::take(&mut self.text)),
        }
    }
}

/// `s.strip()` is empty (every code point is Python whitespace).
pub(crate) fn is_blank(s: &Str) -> bool {
    match s {
        Str::Utf8(t) => crate::pystr::strip(t).is_empty(),
        Str::Utf16(_) => s.code_points().all(|c| char::from_u32(c).is_some_and(crate::pystr::is_space)),
    }
}

// ------------------------------------------------------------------ gather

/// What the built-in `null` witness gathers: no signal, on the floor rung.
pub fn null_evidence(subject: Str) -> EvidenceFacts {
    EvidenceFacts {
        source_name: Str::from(log_source::NULL_SOURCE),
        accountability: Accountability::AgentAuthored,
        stance: EvidenceStance::NoSignal,
        subject,
        detail: Str::from(
            "no evidence source is configured: the built-in `null` source witnesses nothing, so this \
             effect has no signal (wire a backend under dos.evidence_sources)",
        ),
        reachable: false,
    }
}

/// Gather one subject's facts through a built-in witness, fail-safe: the
/// only built-in witness, `null`, reaches nothing, so the answer is no
/// signal on the floor rung, echoing the subject. Plugin witnesses (named
/// by anything else) run in the host.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct GatherEvidence {
    /// The built-in witness's name: `null`.
    pub source: Str,
    /// The effect to witness (an opaque handle).
    pub subject: Str,
    /// The active configuration (the null witness does not read it).
    #[serde(default)]
    pub config: Value,
}

impl Op for GatherEvidence {
    const NAME: &'static str = "evidence.gather_evidence";
    type Verdict = EvidenceFacts;

    fn run(self, _: &Ctx<'_>) -> Result<EvidenceFacts, CallError> {
        log_source::built_in(Self::NAME, &self.source)?;
        Ok(null_evidence(self.subject))
    }
}

// ------------------------------------------------------------------ the floor

/// Fold facts into a belief verdict (the floor rule, not a threshold).
pub fn believe_under_floor(facts: &[EvidenceFacts]) -> BeliefVerdict {
    let (mut attesting, mut refuting, mut silent) = (Vec::new(), Vec::new(), Vec::new());
    let (mut believe, mut refuted) = (false, false);
    for f in facts {
        let accountable = !f.accountability.is_agent_authored();
        match (f.reachable, f.stance) {
            (true, EvidenceStance::Attested) => {
                attesting.push(f.source_name.clone());
                believe |= accountable;
            }
            (true, EvidenceStance::Refuted) => {
                refuting.push(f.source_name.clone());
                refuted |= accountable;
            }
            _ => silent.push(f.source_name.clone()),
        }
    }
    let mut p = Prose::new();
    if believe && refuted {
        p.lit("CONFLICT: accountable witnesses disagree (attesting: ")
            .join(&attesting, ", ")
            .lit("; refuting: ")
            .join(&refuting, ", ")
            .lit("); a human must decide");
    } else if believe {
        p.lit("believed: a non-forgeable witness attested (").join(&attesting, ", ").lit(")");
    } else if refuted {
        p.lit("refuted: a non-forgeable witness saw the effect not happen (").join(&refuting, ", ").lit(")");
    } else if !attesting.is_empty() {
        p.lit("abstain: the only attestations come from the forgeable AGENT_AUTHORED floor (")
            .join(&attesting, ", ")
            .lit("), and no accountable witness attested, so nothing is believed");
    } else {
        p.lit("abstain: no witness reached this effect (no signal)");
    }
    BeliefVerdict {
        believe,
        refuted,
        reason: p.done(),
        attesting: route::Tuple(attesting),
        refuting: route::Tuple(refuting),
        silent: route::Tuple(silent),
    }
}

/// Fold one effect's gathered facts into a belief verdict: believe only
/// when a witness on a non-forgeable rung (`OS_RECORDED`, `THIRD_PARTY`)
/// was reached and attested; refuted only when one was reached and
/// refuted. Forgeable-floor attestations and refutations are listed but do
/// not count.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct BelieveUnderFloor {
    /// The gathered facts, in any order (the lists keep it).
    pub facts: Vec<EvidenceFacts>,
}

impl Op for BelieveUnderFloor {
    const NAME: &'static str = "evidence.believe_under_floor";
    type Verdict = BeliefVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<BeliefVerdict, CallError> {
        Ok(believe_under_floor(&self.facts))
    }
}

/// An operand of a derivation.
pub enum Operand {
    Facts(EvidenceFacts),
    Belief(BeliefVerdict),
    /// Any other object: it carries no witness.
    Other,
}

impl Operand {
    /// Read an operand: a dict with a `believe` key is a belief verdict,
    /// any other dict a witness's facts, None an operand with no witness.
    pub fn read(op: &str, i: usize, v: &Value) -> Result<Operand, CallError> {
        let err = |e: pyjson::PathError| {
            if e.path == "." {
                CallError::bad_args(format!("{op}: args.operands[{i}]: {}", e.error))
            } else {
                CallError::bad_args(format!("{op}: args.operands[{i}].{e}"))
            }
        };
        match v {
            Value::Dict(d) if d.contains_key("believe") => pyjson::from_value(v).map(Operand::Belief).map_err(err),
            Value::Dict(_) => pyjson::from_value(v).map(Operand::Facts).map_err(err),
            Value::Null => Ok(Operand::Other),
            other => Err(CallError::bad_args(format!(
                "{op}: args.operands[{i}]: expected EvidenceFacts, BeliefVerdict or None, got {}",
                other.type_name()
            ))),
        }
    }

    /// The non-forgeable rung the operand was witnessed at, if any.
    fn rung(&self) -> Option<Accountability> {
        match self {
            Operand::Belief(b) => (b.believe && !b.refuted).then_some(Accountability::ThirdParty),
            Operand::Facts(f) => (f.is_attesting() && !f.accountability.is_agent_authored()).then_some(f.accountability),
            Operand::Other => None,
        }
    }
}

/// The weakest rung when every operand has one; the floor otherwise.
fn min_rung(rungs: &[Option<Accountability>]) -> Accountability {
    if rungs.is_empty() || rungs.iter().any(Option::is_none) {
        return Accountability::AgentAuthored;
    }
    rungs.iter().flatten().copied().min_by_key(|r| r.rung()).unwrap_or(Accountability::AgentAuthored)
}

/// The witness facts of a derived value (see [`DerivedWitness`]).
pub fn derived_witness(source_name: Str, op: &Str, operands: &[Operand], subject: Str, within_tol: bool, detail: Str) -> EvidenceFacts {
    let rungs: Vec<Option<Accountability>> = operands.iter().map(Operand::rung).collect();
    let declared = !is_blank(op);
    let all_accountable = !rungs.is_empty() && rungs.iter().all(Option::is_some);
    let op_text = if op.as_str() == Some("") { Str::from("(undeclared)") } else { op.clone() };
    let given = !matches!(&detail, Str::Utf8(t) if t.is_empty());
    let mut p = Prose::new();
    if !within_tol {
        let detail =
            if given { detail } else { p.lit("derived value (op=").s(&op_text).lit("): recomputing it disagrees with the claim").done() };
        return EvidenceFacts::reached(source_name, min_rung(&rungs), EvidenceStance::Refuted, subject, detail);
    }
    if declared && all_accountable {
        let detail = if given {
            detail
        } else {
            p.lit("derived value (op=")
                .s(&op_text)
                .lit(&format!(") computed from {} operand(s), each witnessed on a non-forgeable rung", operands.len()))
                .done()
        };
        return EvidenceFacts::reached(source_name, min_rung(&rungs), EvidenceStance::Attested, subject, detail);
    }
    let detail = if given {
        detail
    } else {
        let why = if declared {
            "some operand has no non-forgeable witness"
        } else {
            "the operation was not declared (a fit found after the fact)"
        };
        p.lit("derived value (op=").s(&op_text).lit("): advisory only, ").lit(why).done()
    };
    EvidenceFacts::reached(source_name, Accountability::AgentAuthored, EvidenceStance::Attested, subject, detail)
}

/// The witness facts of a value the agent computed from operands. It
/// reaches a non-forgeable rung only when the operation `op` is declared
/// (not blank), every operand was attested on a non-forgeable rung (a
/// belief verdict counts when it believes and is not refuted, as
/// `THIRD_PARTY`), and the caller's recomputation agreed (`within_tol`);
/// the rung is then the weakest operand's. A disagreeing recomputation is a
/// refutation (on the weakest rung, or the floor when some operand has no
/// witness); any other derivation is an attestation on the forgeable floor.
/// An operand is an `EvidenceFacts` or a `BeliefVerdict` in its `to_dict()`
/// shape (a dict with a `believe` key is a belief verdict), or None for an
/// operand with no witness. An empty `detail` gets a generated one.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct DerivedWitness {
    /// The witness name the derived facts carry.
    pub source_name: Str,
    /// The declared operation (blank: undeclared).
    pub op: Str,
    /// The operands (facts, belief verdicts, or None).
    pub operands: Vec<Value>,
    /// The derived value's handle.
    pub subject: Str,
    /// Did the caller's recomputation of `op` agree with the claimed value?
    pub within_tol: bool,
    #[serde(default = "empty")]
    pub detail: Str,
}

impl Op for DerivedWitness {
    const NAME: &'static str = "evidence.derived_witness";
    type Verdict = EvidenceFacts;

    fn run(self, _: &Ctx<'_>) -> Result<EvidenceFacts, CallError> {
        let operands = self.operands.iter().enumerate().map(|(i, v)| Operand::read(Self::NAME, i, v)).collect::<Result<Vec<_>, _>>()?;
        Ok(derived_witness(self.source_name, &self.op, &operands, self.subject, self.within_tol, self.detail))
    }
}

/// The entry-point group witness plugins register under (looked up by the host).
pub const EVIDENCE_SOURCE_ENTRY_POINT_GROUP: &str = "dos.evidence_sources";

/// The `evidence` module.
pub(crate) const MODULE: Module = Module {
    name: "evidence",
    doc: "Witnesses of an effect (the facts each saw, on its accountability rung), the floor rule that folds \
          them into belief (only a non-forgeable attestation is believed), the witness of a derived value, and \
          the built-in `null` witness. Witness backends are plugins and stay in the host.",
    routes: &[route::route::<GatherEvidence>(), route::route::<BelieveUnderFloor>(), route::route::<DerivedWitness>()],
    consts: &[Const {
        name: "EVIDENCE_SOURCE_ENTRY_POINT_GROUP",
        doc: "The entry-point group witness plugins register under.",
        eval: |reg| route::konst(reg, EVIDENCE_SOURCE_ENTRY_POINT_GROUP),
    }],
};

#[cfg(test)]
mod tests {
    use super::*;

    fn call(op: &str, args: &str) -> Result<Value, CallError> {
        let v = pyjson::parse_str(args).unwrap();
        crate::envelope::dispatch_pure(op, None, v.as_dict().unwrap())
    }

    fn facts(name: &str, acct: &str, stance: &str, reachable: bool) -> String {
        format!(r#"{{"source_name":"{name}","accountability":"{acct}","stance":"{stance}","reachable":{reachable}}}"#)
    }

    #[test]
    fn the_floor_never_believes_a_forgeable_attestation() {
        let f = facts("paste", "AGENT_AUTHORED", "ATTESTED", true);
        let v = call("evidence.believe_under_floor", &format!(r#"{{"facts":[{f}]}}"#)).unwrap();
        assert_eq!(v.get("believe"), Some(&Value::Bool(false)));
        assert_eq!(v.get("attesting"), Some(&Value::List(vec![Value::str("paste")])));
        let g = facts("os", "OS_RECORDED", "ATTESTED", true);
        let r = facts("ci", "THIRD_PARTY", "REFUTED", true);
        let n = facts("x", "THIRD_PARTY", "ATTESTED", false);
        let v = call("evidence.believe_under_floor", &format!(r#"{{"facts":[{f},{g},{r},{n}]}}"#)).unwrap();
        assert_eq!(v.get("believe"), Some(&Value::Bool(true)));
        assert_eq!(v.get("refuted"), Some(&Value::Bool(true)));
        assert_eq!(v.get("silent"), Some(&Value::List(vec![Value::str("x")])));
        let reason = v.get("reason").and_then(Value::as_str).unwrap();
        assert!(reason.contains("CONFLICT") && reason.contains("paste, os") && reason.contains("ci"), "{reason}");
    }

    #[test]
    fn derivations_take_the_weakest_rung() {
        let os = facts("os", "OS_RECORDED", "ATTESTED", true);
        let tp = facts("tp", "THIRD_PARTY", "ATTESTED", true);
        let belief = r#"{"believe":true,"refuted":false,"reason":"r"}"#;
        let d = |ops: &str, op: &str, tol: bool| {
            call(
                "evidence.derived_witness",
                &format!(r#"{{"source_name":"d","op":"{op}","operands":[{ops}],"subject":"s","within_tol":{tol}}}"#),
            )
            .unwrap()
        };
        let v = d(&format!("{tp},{belief}"), "sum", true);
        assert_eq!(v.get("accountability"), Some(&Value::str("THIRD_PARTY")));
        let v = d(&format!("{tp},{os}"), "sum", true);
        assert_eq!(v.get("accountability"), Some(&Value::str("OS_RECORDED")));
        assert_eq!(v.get("stance"), Some(&Value::str("ATTESTED")));
        let v = d(&format!("{tp},null"), "sum", true);
        assert_eq!(v.get("accountability"), Some(&Value::str("AGENT_AUTHORED")));
        let v = d(&format!("{tp},{os}"), " \\u3000", true);
        assert_eq!(v.get("accountability"), Some(&Value::str("AGENT_AUTHORED")));
        let v = d(&format!("{tp},{os}"), "sum", false);
        assert_eq!(v.get("stance"), Some(&Value::str("REFUTED")));
        assert_eq!(v.get("accountability"), Some(&Value::str("OS_RECORDED")));
        let v = d("", "sum", false);
        assert_eq!(v.get("accountability"), Some(&Value::str("AGENT_AUTHORED")));
        let e = call(
            "evidence.derived_witness",
            r#"{"source_name":"d","op":"x","operands":[{"believe":1,"refuted":false,"reason":""}],"subject":"s","within_tol":true}"#,
        )
        .unwrap_err();
        assert_eq!(e.message, "evidence.derived_witness: args.operands[0].believe: expected bool, got int");
        let e =
            call("evidence.derived_witness", r#"{"source_name":"d","op":"x","operands":[3],"subject":"s","within_tol":true}"#).unwrap_err();
        assert!(e.message.contains("args.operands[0]"), "{}", e.message);
    }
}
