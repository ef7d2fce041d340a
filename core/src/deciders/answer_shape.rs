//! `answer_shape`: is this output shaped like an answer, or structurally a
//! non-answer?
//!
//! A shape check, never a correctness check: NON_ANSWER is a positive
//! disqualification (nothing delivered, below the length floor, or a
//! declared non-answer signature such as a leaked reasoning block, a bare
//! refusal or a tool-call dump); ANSWER_SHAPED only says no disqualifier
//! fired; INDETERMINATE abstains (no policy, or a strict policy's positive
//! marker is missing). The signatures are the policy's regular expressions,
//! matched as `re.search(p, text, re.IGNORECASE | re.MULTILINE)` does
//! ([`crate::pyre`]); a pattern CPython refuses counts as not matched.

use crate::envelope::{CallError, Ctx};
use crate::pyjson::Str;
use crate::pyre::{self, Regex};
use crate::route::{self, Const, Describe, Module, Op, Tuple};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The shape verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AnswerShape {
    /// No structural disqualifier (not a claim of correctness).
    AnswerShaped,
    /// Structurally disqualified: empty, too short, or a non-answer signature.
    NonAnswer,
    /// Shape cannot decide: abstain to a judge or a human.
    Indeterminate,
}

/// The shape rules a host declares.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct AnswerShapePolicy {
    /// Fewer non-space characters than this (at least 1) is a stub.
    #[serde(default = "one")]
    pub min_viable_chars: i64,
    /// Regular expressions (case-insensitive, multiline) that disqualify.
    #[serde(default)]
    pub non_answer_patterns: Tuple<Str>,
    /// When given, one of these must match for ANSWER_SHAPED.
    #[serde(default)]
    pub answer_markers: Tuple<Str>,
}

fn one() -> i64 {
    1
}

/// The shipped, domain-free non-answer signatures.
pub const GENERIC_NON_ANSWER_PATTERNS: [&str; 9] = [
    r"<thinking>",
    r"</thinking>",
    r"<scratchpad>",
    r"\blet me (?:think|reason)\b",
    r"\bstep 1:\s",
    r"\bi cannot\b.*\b(?:answer|help|comply|provide)\b",
    r"\bi'?m (?:sorry|unable)\b.*\b(?:cannot|can't|unable)\b",
    r"^\s*(?:tool_call|function_call|tool_use)\b",
    r"\btraceback \(most recent call last\)",
];

/// The default policy: floor 1, the generic signatures, no markers.
pub fn generic_policy() -> AnswerShapePolicy {
    AnswerShapePolicy {
        min_viable_chars: 1,
        non_answer_patterns: Tuple(GENERIC_NON_ANSWER_PATTERNS.iter().map(|&p| Str::from(p)).collect()),
        answer_markers: Tuple(Vec::new()),
    }
}

fn generic_default() -> Option<AnswerShapePolicy> {
    Some(generic_policy())
}

/// The verdict, with the facts behind it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct AnswerShapeVerdict {
    pub state: AnswerShape,
    /// The candidate's length in code points.
    pub length: i64,
    /// The disqualifying pattern that fired ("" when none did).
    pub matched: Str,
    /// One line for the operator.
    pub reason: Str,
}

const FLAGS: u32 = pyre::IGNORECASE | pyre::MULTILINE;

fn code_points(s: &Str) -> Vec<u32> {
    s.code_points().collect()
}

fn is_space(c: u32) -> bool {
    char::from_u32(c).is_some_and(crate::pystr::is_space)
}

/// `re.search(pattern, text, IGNORECASE | MULTILINE) is not None`, a pattern
/// CPython refuses counting as no match; `Err` for what the native engine
/// does not answer.
fn hits(compiled: Option<&Regex>, pattern: &Str, text: &[u32]) -> Result<bool, pyre::Error> {
    let own;
    let re = match compiled {
        Some(r) => r,
        None => match Regex::new(&code_points(pattern), FLAGS) {
            Ok(r) => {
                own = r;
                &own
            }
            Err(pyre::Error::Invalid(_)) => return Ok(false),
            Err(e) => return Err(e),
        },
    };
    Ok(re.search(text)?.is_some())
}

fn generic_compiled() -> &'static [Regex] {
    static C: OnceLock<Vec<Regex>> = OnceLock::new();
    C.get_or_init(|| GENERIC_NON_ANSWER_PATTERNS.iter().filter_map(|p| Regex::from_str(p, FLAGS).ok()).collect())
}

fn field_error(field: &str, i: usize, e: &pyre::Error) -> CallError {
    CallError::bad_args(format!("{}: args.policy.{field}[{i}]: {e}", Classify::NAME))
}

/// The shape of `text` under `policy` (see [`Classify`]).
pub fn classify(text: Option<&Str>, policy: Option<&AnswerShapePolicy>) -> Result<AnswerShapeVerdict, CallError> {
    let raw: Vec<u32> = text.map(code_points).unwrap_or_default();
    let n = raw.len() as i64;
    let out = |state, matched: Str, reason: String| AnswerShapeVerdict { state, length: n, matched, reason: Str::from(reason) };
    let Some(policy) = policy else {
        return Ok(out(
            AnswerShape::Indeterminate,
            Str::from(""),
            "no answer-shape policy was given, so shape cannot be judged: abstaining (whether it answers is for a \
             JUDGE/HUMAN)"
                .to_owned(),
        ));
    };
    let lo = raw.iter().position(|&c| !is_space(c));
    let kept = match lo {
        None => 0,
        Some(lo) => {
            let hi = raw.iter().rposition(|&c| !is_space(c)).unwrap_or(lo);
            hi + 1 - lo
        }
    };
    if kept == 0 {
        return Ok(out(
            AnswerShape::NonAnswer,
            Str::from(""),
            "the output is empty or only whitespace: nothing was delivered (NON_ANSWER)".to_owned(),
        ));
    }
    if (kept as i64) < policy.min_viable_chars.max(1) {
        return Ok(out(
            AnswerShape::NonAnswer,
            Str::from(""),
            format!(
                "only {kept} non-space chars against a viability floor of {}: a stub or an ack, not an answer \
                 (NON_ANSWER)",
                policy.min_viable_chars
            ),
        ));
    }
    let generic = policy.non_answer_patterns.0.len() == GENERIC_NON_ANSWER_PATTERNS.len()
        && policy.non_answer_patterns.0.iter().zip(GENERIC_NON_ANSWER_PATTERNS).all(|(a, b)| a.as_str() == Some(b));
    let pre = if generic { Some(generic_compiled()) } else { None };
    for (i, pat) in policy.non_answer_patterns.0.iter().enumerate() {
        let hit = hits(pre.and_then(|c| c.get(i)), pat, &raw).map_err(|e| field_error("non_answer_patterns", i, &e))?;
        if hit {
            let shown = pat.as_str().map(crate::pystr::repr).unwrap_or_else(|| "a pattern".to_owned());
            return Ok(out(
                AnswerShape::NonAnswer,
                pat.clone(),
                format!(
                    "the non-answer signature {shown} matched: a reasoning log, a bare refusal or a tool dump was \
                     delivered as the answer (NON_ANSWER)"
                ),
            ));
        }
    }
    if !policy.answer_markers.0.is_empty() {
        let mut any = false;
        for (i, pat) in policy.answer_markers.0.iter().enumerate() {
            if hits(None, pat, &raw).map_err(|e| field_error("answer_markers", i, &e))? {
                any = true;
                break;
            }
        }
        if !any {
            return Ok(out(
                AnswerShape::Indeterminate,
                Str::from(""),
                "nothing disqualified it, but the policy requires a positive answer marker and none matched: \
                 abstaining on shape (a JUDGE/HUMAN question)"
                    .to_owned(),
            ));
        }
    }
    Ok(out(
        AnswerShape::AnswerShaped,
        Str::from(""),
        "no structural disqualifier: shaped like an answer (NOT a claim of correctness or relevance, which is a \
         JUDGE/HUMAN question)"
            .to_owned(),
    ))
}

/// The shape of an output, first rule wins: no policy (null) is
/// INDETERMINATE; empty or whitespace-only text is NON_ANSWER; fewer
/// non-space characters than `max(1, min_viable_chars)` is NON_ANSWER; a
/// `non_answer_patterns` match (in order; `matched` names it) is NON_ANSWER;
/// with `answer_markers` given and none matching, INDETERMINATE; otherwise
/// ANSWER_SHAPED. Patterns are CPython `re` patterns searched
/// case-insensitively in multiline mode; one CPython refuses is skipped, and
/// one beyond the native engine (lookaround, backreferences, …) is BAD_ARGS
/// naming it.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Classify {
    /// The candidate output (null counts as empty).
    #[serde(deserialize_with = "route::required")]
    pub text: Option<Str>,
    /// The shape rules; null abstains.
    #[serde(default = "generic_default")]
    pub policy: Option<AnswerShapePolicy>,
}

impl Op for Classify {
    const NAME: &'static str = "answer_shape.classify";
    type Verdict = AnswerShapeVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<AnswerShapeVerdict, CallError> {
        classify(self.text.as_ref(), self.policy.as_ref())
    }
}

/// The `answer_shape` module.
pub(crate) const MODULE: Module = Module {
    name: "answer_shape",
    doc: "Is this output shaped like an answer? ANSWER_SHAPED (no structural disqualifier; not a claim of \
          correctness), NON_ANSWER (empty, a stub, or a declared non-answer signature) or INDETERMINATE (abstain).",
    routes: &[route::route::<Classify>()],
    consts: &[
        Const {
            name: "GENERIC_NON_ANSWER_PATTERNS",
            doc: "The shipped non-answer signatures.",
            eval: |reg| route::konst(reg, Tuple(GENERIC_NON_ANSWER_PATTERNS.iter().map(|&p| Str::from(p)).collect::<Vec<_>>())),
        },
        Const { name: "GENERIC_ANSWER_SHAPE_POLICY", doc: "The default policy.", eval: |reg| route::konst(reg, generic_policy()) },
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    fn state(text: &str, policy: Option<&AnswerShapePolicy>) -> AnswerShape {
        classify(Some(&Str::from(text)), policy).unwrap().state
    }

    #[test]
    fn the_ladder() {
        let g = generic_policy();
        assert_eq!(state("a fine answer", None), AnswerShape::Indeterminate);
        assert_eq!(state(" \n\t", Some(&g)), AnswerShape::NonAnswer);
        assert_eq!(state("7", Some(&g)), AnswerShape::AnswerShaped);
        assert_eq!(state("Let me think. ok", Some(&g)), AnswerShape::NonAnswer);
        assert_eq!(state("x\n  Tool_Use: y", Some(&g)), AnswerShape::NonAnswer);
        let strict = AnswerShapePolicy { answer_markers: Tuple(vec![Str::from(r"\bAnswer:")]), ..generic_policy() };
        assert_eq!(state("the revenue", Some(&strict)), AnswerShape::Indeterminate);
        assert_eq!(state("answer: 4", Some(&strict)), AnswerShape::AnswerShaped);
        let broken = AnswerShapePolicy { non_answer_patterns: Tuple(vec![Str::from("(bad"), Str::from("x")]), ..generic_policy() };
        let v = classify(Some(&Str::from("X")), Some(&broken)).unwrap();
        assert_eq!((v.state, v.matched.as_str()), (AnswerShape::NonAnswer, Some("x")));
        let beyond = AnswerShapePolicy { non_answer_patterns: Tuple(vec![Str::from("(?=x)")]), ..generic_policy() };
        let e = classify(Some(&Str::from("x")), Some(&beyond)).unwrap_err();
        assert!(e.message.contains("args.policy.non_answer_patterns[0]"), "{}", e.message);
    }
}
