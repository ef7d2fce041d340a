//! `dangling_intent`: did the agent stop right after admitting unfinished
//! work?
//!
//! The agent's last narration is searched for a first-person
//! committed-future cue ("I still need to", "next I will", "I was unable
//! to"); a cue whose own sentence reports it resolved ("has been done")
//! does not count. A tool result landing after that turn (the environment
//! authored it) means the agent acted, so the verdict abstains. Advisory:
//! DANGLING_INTENT only quotes the agent's own words back. The cues are
//! CPython `re` patterns searched in the casefolded tail of the turn
//! ([`crate::pyre`]).

use crate::envelope::{CallError, Ctx};
use crate::pyjson::Str;
use crate::pyre::{self, Regex};
use crate::route::{self, Const, Describe, Module, Op, Tuple};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Dangling {
    /// The last turn admits an open obligation and nothing ran after it.
    DanglingIntent,
    /// No cue, a tool ran after, or no cues declared.
    Abstain,
}

/// The shipped cue grammar (task-independent discourse markers).
pub const DEFAULT_CUES: [&str; 12] = [
    r"\bi (?:still )?need to\b",
    r"\bi (?:still )?have to\b",
    r"\bi (?:will|'ll) (?:now |then )?(?:need to |have to |proceed to )",
    r"\bnext,? i (?:will|'ll|need|have|should)\b",
    r"\bi should (?:now |next )?(?:proceed|continue|identify|create|add|assign|update)\b",
    r"\bi was unable to\b",
    r"\bi (?:have|haven't|had) not (?:yet )?(?:been able|completed|finished|done)\b",
    r"\bi cannot .{0,40}\byet\b",
    r"\b(?:still|yet) to be (?:done|completed|added|assigned|created)\b",
    r"\bremains? to be (?:done|completed|added|assigned)\b",
    r"\bto (?:do|complete|finish) this,? i (?:need|will|have|must)\b",
    r"\bnow,? to\b.{0,40}\bi (?:need|will|must|have to)\b",
];

const RESOLVED_GUARD: &str = r"\b(?:have|has|already|now) (?:been )?(?:done|completed|finished|created|added|assigned|set up)\b";

fn default_cues() -> Tuple<Str> {
    Tuple(DEFAULT_CUES.iter().map(|&c| Str::from(c)).collect())
}

fn six_hundred() -> i64 {
    600
}

/// The cue grammar and the window it scans.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct DanglingPolicy {
    /// Committed-future-intent patterns, searched in the casefolded text (none: always ABSTAIN).
    #[serde(default = "default_cues")]
    pub cues: Tuple<Str>,
    /// Only the last this-many code points are scanned (0: the whole turn; never negative).
    #[serde(default = "six_hundred")]
    pub tail_chars: i64,
}

impl Default for DanglingPolicy {
    fn default() -> Self {
        DanglingPolicy { cues: default_cues(), tail_chars: 600 }
    }
}

/// What the caller gathered at the stop.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct StopEvidence {
    /// The agent's last narration.
    pub final_turn_text: Str,
    /// Tool results that landed after that turn (never negative).
    #[serde(default)]
    pub results_after_turn: i64,
}

/// The verdict and the cue text it quotes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct DanglingVerdict {
    pub verdict: Dangling,
    /// The text the cue matched ("" on ABSTAIN).
    pub matched_cue: Str,
    /// One line for the operator.
    pub reason: Str,
}

fn regexes(set: &'static OnceLock<Vec<Regex>>, pats: &[&str], flags: u32) -> &'static [Regex] {
    set.get_or_init(|| pats.iter().filter_map(|p| Regex::from_str(p, flags).ok()).collect())
}

fn default_compiled() -> &'static [Regex] {
    static C: OnceLock<Vec<Regex>> = OnceLock::new();
    regexes(&C, &DEFAULT_CUES, 0)
}

fn guard() -> &'static Regex {
    static C: OnceLock<Vec<Regex>> = OnceLock::new();
    &regexes(&C, &[RESOLVED_GUARD], pyre::IGNORECASE)[0]
}

/// `s.casefold()` over code points (a lone surrogate folds to itself).
fn casefold(cps: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(cps.len());
    let mut buf = String::new();
    let mut one = [0u8; 4];
    for &c in cps {
        match char::from_u32(c) {
            Some(ch) if ch.is_ascii() => out.push(ch.to_ascii_lowercase() as u32),
            Some(ch) => {
                buf.clear();
                crate::pystr::casefold_into(ch.encode_utf8(&mut one), &mut buf);
                out.extend(buf.chars().map(|c| c as u32));
            }
            None => out.push(c),
        }
    }
    out
}

fn is_space(c: u32) -> bool {
    char::from_u32(c).is_some_and(crate::pystr::is_space)
}

fn bad_cue(i: usize, e: &pyre::Error) -> CallError {
    CallError::bad_args(format!("{}: args.policy.cues[{i}]: {e}", ClassifyStop::NAME))
}

/// The first cue that fires in the scanned tail, as the text it matched
/// (`None` when none does).
fn find_cue(text: &Str, policy: &DanglingPolicy) -> Result<Option<Vec<u32>>, CallError> {
    if policy.cues.0.is_empty() {
        return Ok(None);
    }
    let all: Vec<u32> = text.code_points().collect();
    let tail = policy.tail_chars as usize;
    let scan: &[u32] = if tail == 0 || tail >= all.len() { &all } else { &all[all.len() - tail..] };
    let low = casefold(scan);
    let default = policy.cues.0.len() == DEFAULT_CUES.len() && policy.cues.0.iter().zip(DEFAULT_CUES).all(|(a, b)| a.as_str() == Some(b));
    let pre = if default { Some(default_compiled()) } else { None };
    let n = scan.len();
    for (i, cue) in policy.cues.0.iter().enumerate() {
        let own;
        let re = match pre.and_then(|c| c.get(i)) {
            Some(r) => r,
            None => {
                own = Regex::new(&cue.code_points().collect::<Vec<u32>>(), 0).map_err(|e| bad_cue(i, &e))?;
                &own
            }
        };
        let Some(m) = re.search(&low).map_err(|e| bad_cue(i, &e))? else { continue };
        // The span is the casefolded text's; it indexes the original, as the
        // reference slices it (clamped).
        let (s, e) = (m.start, m.end);
        let stops = [u32::from(b'.'), u32::from(b'!'), u32::from(b'?'), u32::from(b'\n')];
        let before = s.min(n);
        let sent_start = scan[..before].iter().rposition(|c| stops.contains(c)).map_or(0, |p| p + 1);
        let sent_end = if e >= n { None } else { scan[e..].iter().position(|c| stops.contains(c)).map(|p| e + p) };
        let sent_end = sent_end.map_or(n, |p| p + 1);
        let sentence: &[u32] = if sent_start < sent_end { &scan[sent_start..sent_end] } else { &[] };
        if guard().search(sentence).map_err(|e| bad_cue(i, &e))?.is_some() {
            continue;
        }
        let piece: &[u32] = if s < e && s < n { &scan[s..e.min(n)] } else { &[] };
        let lo = piece.iter().position(|&c| !is_space(c)).unwrap_or(piece.len());
        let hi = piece.iter().rposition(|&c| !is_space(c)).map_or(lo, |p| p + 1);
        return Ok(Some(piece[lo..hi].to_vec()));
    }
    Ok(None)
}

fn str_of(cps: &[u32]) -> Str {
    pyre::to_str(cps)
}

/// The verdict on one stop (see [`ClassifyStop`]).
pub fn classify_stop(ev: &StopEvidence, policy: &DanglingPolicy) -> Result<DanglingVerdict, CallError> {
    if ev.results_after_turn < 0 {
        return Err(CallError::bad_args(format!(
            "{}: args.ev.results_after_turn: must be >= 0, got {}",
            ClassifyStop::NAME,
            ev.results_after_turn
        )));
    }
    if policy.tail_chars < 0 {
        return Err(CallError::bad_args(format!(
            "{}: args.policy.tail_chars: must be >= 0, got {}",
            ClassifyStop::NAME,
            policy.tail_chars
        )));
    }
    let abstain = |reason: String| DanglingVerdict { verdict: Dangling::Abstain, matched_cue: Str::from(""), reason: Str::from(reason) };
    if ev.results_after_turn > 0 {
        return Ok(abstain(format!(
            "{} tool result(s) landed after the last turn: the agent named a step and then acted, so this is not a \
             dangling stop",
            ev.results_after_turn
        )));
    }
    let Some(cue) = find_cue(&ev.final_turn_text, policy)? else {
        return Ok(abstain("the last turn carries no committed-future-intent cue: a clean stop (or no cues declared)".to_owned()));
    };
    if cue.is_empty() {
        return Ok(abstain("the last turn carries no committed-future-intent cue: a clean stop (or no cues declared)".to_owned()));
    }
    let cue = str_of(&cue);
    let shown = cue.as_str().map(crate::pystr::repr).unwrap_or_else(|| "a cue".to_owned());
    Ok(DanglingVerdict {
        verdict: Dangling::DanglingIntent,
        reason: Str::from(format!(
            "the last turn admits an open obligation ({shown}) and no tool ran after it: the agent stopped right after \
             saying work remained (an admission against interest)"
        )),
        matched_cue: cue,
    })
}

/// Did the agent stop right after admitting unfinished work? ABSTAIN when a
/// tool result landed after the last turn; else the first cue (in order)
/// whose match in the casefolded tail (`tail_chars`, 0 for all) is not
/// reported resolved within its own sentence gives DANGLING_INTENT with the
/// matched text; no such cue, ABSTAIN. A negative count or window, or a cue
/// CPython refuses (or the native engine does not implement), is BAD_ARGS.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ClassifyStop {
    /// The stop's evidence.
    pub ev: StopEvidence,
    /// The cue grammar.
    #[serde(default)]
    pub policy: DanglingPolicy,
}

impl Op for ClassifyStop {
    const NAME: &'static str = "dangling_intent.classify_stop";
    type Verdict = DanglingVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<DanglingVerdict, CallError> {
        classify_stop(&self.ev, &self.policy)
    }
}

/// The `dangling_intent` module.
pub(crate) const MODULE: Module = Module {
    name: "dangling_intent",
    doc: "Did the agent stop right after admitting unfinished work? DANGLING_INTENT (its last turn states an open \
          obligation and no tool ran after) or ABSTAIN. Advisory: it quotes the agent's own words back.",
    routes: &[route::route::<ClassifyStop>()],
    consts: &[
        Const { name: "DEFAULT_CUES", doc: "The shipped cue grammar.", eval: |reg| route::konst(reg, default_cues()) },
        Const { name: "DEFAULT_POLICY", doc: "The default policy.", eval: |reg| route::konst(reg, DanglingPolicy::default()) },
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, after: i64) -> (Dangling, String) {
        let ev = StopEvidence { final_turn_text: Str::from(text), results_after_turn: after };
        let v = classify_stop(&ev, &DanglingPolicy::default()).unwrap();
        (v.verdict, v.matched_cue.as_str().unwrap_or("").to_owned())
    }

    #[test]
    fn the_ladder() {
        assert_eq!(run("Now I need to allocate the members.", 0), (Dangling::DanglingIntent, "I need to".into()));
        assert_eq!(run("Now I need to allocate the members.", 1).0, Dangling::Abstain);
        assert_eq!(run("I needed to add it, which has now been done.", 0).0, Dangling::Abstain);
        assert_eq!(run("The group has been created. Now I Need To add people", 0).1, "I Need To");
        assert_eq!(run("All done.", 0).0, Dangling::Abstain);
        // Casefolding lengthens "ß": the span then indexes the original text.
        assert_eq!(run("ßß i need to go", 0).1, "need to g");
        let e = classify_stop(
            &StopEvidence { final_turn_text: Str::from("x"), results_after_turn: 0 },
            &DanglingPolicy { cues: Tuple(vec![Str::from("(")]), tail_chars: 0 },
        )
        .unwrap_err();
        assert!(e.message.contains("args.policy.cues[0]"), "{}", e.message);
    }
}
