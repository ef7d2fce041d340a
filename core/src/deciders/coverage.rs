//! `coverage`: is a fan-out done, counted against the number it declared?
//!
//! A fold over terminal states another rung already decided (`result_state`
//! names each worker's transcript HEALTHY, SYNTHETIC, EMPTY or UNREADABLE):
//! it mints no new label per worker, it only counts them against the
//! workflow's own `declared` number, which is independent of how many
//! results came back, so a short list of survivors can never read as full.
//! HEALTHY counts as a real result; SYNTHETIC and EMPTY as deaths (with the
//! death's class when the caller handed in a full result-state verdict);
//! UNREADABLE as neither (a read fault is never a witnessed death). The
//! declared slots left over are `unaccounted`.
//!
//! The state from `healthy` against `declared`: EMPTY when nothing was
//! declared (zero or less), OVERFILLED when more came back than declared,
//! FULL when exactly all did, STARVED when none did, else UNDERFILLED.
//! `policy.min_quorum` only adds the advisory `quorum_met` flag.
//!
//! A return is a [`ReturnState`] record: the reference's bare terminal state
//! is `{state}`, its `ReturnState` wrapper `{state, agent_id}`, its full
//! `ResultStateVerdict` `{state, cls}` (only those two of its fields are
//! read). The transcript reader (`coverage_from_transcripts`) is the
//! reference's composition of `result_state.verify_transcript` with this
//! fold; it reads files and belongs with `result_state`'s transcript reader.
//!
//! `TerminalState` and `TerminalClass` are `result_state`'s vocabularies,
//! declared once there and read here.

use super::argnum::true_div;
use super::intervention::round4;
use super::result_state::{TerminalClass, TerminalState};
use crate::envelope::{CallError, Ctx};
use crate::pyjson::Str;
use crate::route::{self, Const, Describe, Module, Op};
use serde::{Deserialize, Serialize};

/// The coverage verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Coverage {
    /// Every declared worker returned a real result.
    Full,
    /// Some, but fewer than declared, returned a real result.
    Underfilled,
    /// None of the declared workers returned a real result.
    Starved,
    /// More real results than declared (a dispatch or glob bug).
    Overfilled,
    /// Nothing was declared.
    Empty,
}

impl Coverage {
    /// Is there real material to synthesize from? (all but STARVED)
    pub fn foldable(self) -> bool {
        self != Coverage::Starved
    }

    /// Must the synthesis carry a coverage caveat? (UNDERFILLED, STARVED, OVERFILLED)
    pub fn should_caveat(self) -> bool {
        matches!(self, Coverage::Underfilled | Coverage::Starved | Coverage::Overfilled)
    }
}

/// The coverage knobs. `min_quorum`, when set, only adds the advisory
/// `quorum_met` flag (healthy / declared >= min_quorum); it never changes
/// the verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct CoveragePolicy {
    #[serde(default)]
    pub min_quorum: Option<f64>,
}

/// One declared worker slot's witnessed terminal state. `agent_id` is
/// legibility only; `cls` is the class detail of a full `result_state`
/// verdict (None for a bare state or a plain slot): only a death's class is
/// counted, and NONE counts as no class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ReturnState {
    pub state: TerminalState,
    #[serde(default = "empty")]
    pub agent_id: Str,
    #[serde(default)]
    pub cls: Option<TerminalClass>,
}

fn empty() -> Str {
    Str::from("")
}

/// The fold, with its partition echoed. `unaccounted` is the declared slots
/// with no witnessed verdict (never below 0); `fraction` is healthy /
/// declared rounded to 4 places (None when nothing was declared);
/// `dead_classes` the deaths per class, sorted by class token (only deaths
/// counted from full verdicts); `quorum_met` the advisory quorum flag (None
/// without a quorum or a declared count); `prompt_line` the sentence a
/// workflow puts in its synthesis prompt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct CoverageVerdict {
    pub state: Coverage,
    pub declared: i64,
    pub healthy: i64,
    pub dead: i64,
    pub unreadable: i64,
    pub unaccounted: i64,
    #[serde(deserialize_with = "route::required")]
    pub fraction: Option<f64>,
    pub foldable: bool,
    pub should_caveat: bool,
    pub dead_classes: Vec<(Str, i64)>,
    #[serde(deserialize_with = "route::required")]
    pub quorum_met: Option<bool>,
    /// The synthesis-prompt sentence.
    pub prompt_line: Str,
    /// One line for the operator.
    pub reason: Str,
}

/// `healthy / declared` as Python divides two ints.
fn ratio(healthy: i64, declared: i64) -> f64 {
    let q = true_div(healthy.unsigned_abs(), declared.unsigned_abs());
    if (healthy < 0) != (declared < 0) {
        -q
    } else {
        q
    }
}

fn class_phrase(classes: &[(Str, i64)]) -> String {
    if classes.is_empty() {
        return String::new();
    }
    let names: Vec<String> = classes.iter().map(|(c, _)| c.as_str().unwrap_or("").to_lowercase().replace('_', "-")).collect();
    format!(" ({})", names.join("/"))
}

fn prompt_line(
    state: Coverage,
    declared: i64,
    healthy: i64,
    dead: i64,
    unreadable: i64,
    unaccounted: i64,
    classes: &[(Str, i64)],
) -> String {
    match state {
        Coverage::Empty => "No worker was fanned out (declared == 0), so there is nothing to fold.".to_owned(),
        Coverage::Full => format!("Full coverage: all {healthy} of {declared} fan-out workers returned a real result."),
        Coverage::Overfilled => format!(
            "COVERAGE ANOMALY: {healthy} workers returned a real result against {declared} declared, more than \
             expected (a re-dispatch counted twice, or a stale transcript glob); do not trust the count until \
             the dispatch is reconciled."
        ),
        Coverage::Starved | Coverage::Underfilled => {
            let mut gap = Vec::new();
            if dead > 0 {
                gap.push(format!("{dead} died on a harness-authored terminal{}", class_phrase(classes)));
            }
            if unreadable > 0 {
                gap.push(format!("{unreadable} could not be read (a read fault, NOT a witnessed death)"));
            }
            if unaccounted > 0 {
                gap.push(format!("{unaccounted} did not return a transcript"));
            }
            let gap = if gap.is_empty() { "the missing slots are unaccounted".to_owned() } else { gap.join("; ") };
            if state == Coverage::Starved {
                format!(
                    "COVERAGE FAILURE: 0 of {declared} fan-out workers returned a real result ({gap}). There is \
                     nothing real to synthesize: do NOT invent findings; report the fan-out as failed and act on \
                     the gap (re-dispatch the deaths, repair the read path, find the missing transcripts)."
                )
            } else {
                format!(
                    "COVERAGE CAVEAT: {healthy} of {declared} fan-out workers returned a real result ({gap}). \
                     Read the findings below as a SUB-QUORUM SAMPLE ({healthy}/{declared}), not a complete \
                     survey: never claim full coverage, and name the gap."
                )
            }
        }
    }
}

/// The fold (see [`ClassifyCoverage`]).
pub fn classify_coverage(declared: i64, returns: &[ReturnState], policy: &CoveragePolicy) -> CoverageVerdict {
    let (mut healthy, mut dead, mut unreadable) = (0i64, 0i64, 0i64);
    let mut classes: Vec<(Str, i64)> = Vec::new();
    for r in returns {
        match r.state {
            TerminalState::Healthy => healthy += 1,
            TerminalState::Unreadable => unreadable += 1,
            TerminalState::Synthetic | TerminalState::Empty => {
                dead += 1;
                if let Some(c) = r.cls.filter(|c| *c != TerminalClass::None) {
                    match classes.iter_mut().find(|(k, _)| k.as_str() == Some(c.token())) {
                        Some(slot) => slot.1 += 1,
                        None => classes.push((Str::from(c.token()), 1)),
                    }
                }
            }
        }
    }
    classes.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
    let (state, reason) = if declared <= 0 {
        (Coverage::Empty, "nothing was fanned out (declared == 0)".to_owned())
    } else if healthy > declared {
        (
            Coverage::Overfilled,
            format!("{healthy} healthy returns against {declared} declared: more results than expected (a dispatch or glob bug)"),
        )
    } else if healthy == declared {
        (Coverage::Full, format!("every one of the {declared} declared worker(s) returned a real result"))
    } else if healthy == 0 {
        (Coverage::Starved, format!("0 of {declared} declared worker(s) returned a real result: nothing to synthesize"))
    } else {
        (Coverage::Underfilled, format!("{healthy} of {declared} declared worker(s) returned a real result (a sub-quorum)"))
    };
    let quorum_met = match policy.min_quorum {
        Some(q) if declared > 0 => Some(ratio(healthy, declared) >= q),
        _ => None,
    };
    let left = i128::from(declared) - i128::from(healthy) - i128::from(dead) - i128::from(unreadable);
    // At most `declared`, so it fits.
    let unaccounted = left.max(0) as i64;
    let fraction = (declared != 0).then(|| round4(ratio(healthy, declared)));
    let line = prompt_line(state, declared, healthy, dead, unreadable, unaccounted, &classes);
    CoverageVerdict {
        state,
        declared,
        healthy,
        dead,
        unreadable,
        unaccounted,
        fraction,
        foldable: state.foldable(),
        should_caveat: state.should_caveat(),
        dead_classes: classes,
        quorum_met,
        prompt_line: Str::from(line),
        reason: Str::from(reason),
    }
}

/// Fold the workers' witnessed terminal states against the declared count.
/// HEALTHY counts as a real result, SYNTHETIC and EMPTY as deaths (by class
/// when `cls` is given), UNREADABLE as neither. The state compares healthy
/// with declared: EMPTY (declared <= 0), OVERFILLED (more), FULL (equal),
/// STARVED (none), UNDERFILLED (some).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ClassifyCoverage {
    /// The number of workers the workflow fanned out (its own count, not the survivors').
    pub declared: i64,
    /// The witnessed terminal state of each worker that returned.
    pub returns: Vec<ReturnState>,
    #[serde(default)]
    pub policy: CoveragePolicy,
}

impl Op for ClassifyCoverage {
    const NAME: &'static str = "coverage.classify_coverage";
    type Verdict = CoverageVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<CoverageVerdict, CallError> {
        Ok(classify_coverage(self.declared, &self.returns, &self.policy))
    }
}

/// The `coverage` module.
pub(crate) const MODULE: Module = Module {
    name: "coverage",
    doc: "Is a fan-out done? The workers' witnessed terminal states (result_state's) counted against the \
          number the workflow declared: FULL, UNDERFILLED, STARVED, OVERFILLED or EMPTY, with the partition \
          (healthy, dead by class, unreadable, unaccounted) and the sentence a synthesis prompt carries.",
    routes: &[route::route::<ClassifyCoverage>()],
    consts: &[Const {
        name: "DEFAULT_COVERAGE_POLICY",
        doc: "The CoveragePolicy with no quorum.",
        eval: |reg| route::konst(reg, CoveragePolicy::default()),
    }],
};

#[cfg(test)]
mod tests {
    use crate::envelope::CallError;
    use crate::pyjson::{self, Value};

    fn call(args: &str) -> Result<Value, CallError> {
        let v = pyjson::parse_str(args).unwrap();
        crate::envelope::dispatch_pure("coverage.classify_coverage", None, v.as_dict().unwrap())
    }

    fn states(list: &[&str]) -> String {
        let items: Vec<String> = list.iter().map(|s| format!(r#"{{"state":"{s}"}}"#)).collect();
        format!("[{}]", items.join(","))
    }

    #[test]
    fn the_ladder_and_the_partition() {
        let v = |d: i64, r: &[&str]| call(&format!(r#"{{"declared":{d},"returns":{}}}"#, states(r))).unwrap();
        assert_eq!(v(2, &["HEALTHY", "HEALTHY"]).get("state"), Some(&Value::str("FULL")));
        assert_eq!(v(0, &[]).get("state"), Some(&Value::str("EMPTY")));
        assert_eq!(v(0, &[]).get("fraction"), Some(&Value::Null));
        let u = v(4, &["HEALTHY", "UNREADABLE", "SYNTHETIC"]);
        assert_eq!(u.get("state"), Some(&Value::str("UNDERFILLED")));
        assert_eq!(u.get("unaccounted"), Some(&Value::int(1)));
        assert_eq!(u.get("fraction"), Some(&Value::Float(0.25)));
        assert_eq!(v(1, &["HEALTHY", "HEALTHY"]).get("state"), Some(&Value::str("OVERFILLED")));
        assert_eq!(v(3, &["EMPTY"]).get("state"), Some(&Value::str("STARVED")));
        // A negative declared count is EMPTY, but its fraction is still a (negative) ratio.
        assert_eq!(v(-3, &[]).get("fraction"), Some(&Value::Float(-0.0)));
        assert_eq!(v(-3, &[]).get("unaccounted"), Some(&Value::int(0)));
    }

    #[test]
    fn classes_and_quorum() {
        let v = call(
            r#"{"declared":3,"returns":[{"state":"SYNTHETIC","cls":"USAGE_LIMIT"},{"state":"EMPTY","cls":"AUTH"},
               {"state":"SYNTHETIC","cls":"NONE"},{"state":"HEALTHY","cls":"AUTH"}],"policy":{"min_quorum":0.3}}"#,
        )
        .unwrap();
        let want = pyjson::parse_str(r#"[["AUTH",1],["USAGE_LIMIT",1]]"#).unwrap();
        assert_eq!(v.get("dead_classes"), Some(&want));
        assert_eq!(v.get("quorum_met"), Some(&Value::Bool(true)));
        assert_eq!(v.get("dead"), Some(&Value::int(3)));
    }

    #[test]
    fn bad_args_name_the_field() {
        let e = call(r#"{"declared":3,"returns":[{"state":"healthy"}]}"#).unwrap_err();
        assert!(e.message.contains("args.returns"), "{}", e.message);
        let e = call(r#"{"declared":"3","returns":[]}"#).unwrap_err();
        assert!(e.message.contains("args.declared"), "{}", e.message);
        let e = call(r#"{"declared":3,"returns":[],"policy":{"min_quorum":"x"}}"#).unwrap_err();
        assert!(e.message.contains("args.policy.min_quorum"), "{}", e.message);
    }
}
