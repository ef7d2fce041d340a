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

/// The default window: the last 600 code points.
pub const DEFAULT_TAIL_CHARS: i64 = 600;

fn six_hundred() -> i64 {
    DEFAULT_TAIL_CHARS
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
        DanglingPolicy { cues: default_cues(), tail_chars: DEFAULT_TAIL_CHARS }
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

/// The compiled cues of a policy: the shipped ones (compiled once) or the
/// policy's own, compiled as they are reached.
enum Cues<'a> {
    Default,
    Given(&'a [Str]),
}

impl<'a> Cues<'a> {
    fn of(policy: &'a DanglingPolicy) -> Cues<'a> {
        let cues = &policy.cues.0;
        if cues.len() == DEFAULT_CUES.len() && cues.iter().zip(DEFAULT_CUES).all(|(a, b)| a.as_str() == Some(b)) {
            Cues::Default
        } else {
            Cues::Given(cues)
        }
    }

    fn len(&self) -> usize {
        match self {
            Cues::Default => DEFAULT_CUES.len(),
            Cues::Given(c) => c.len(),
        }
    }
}

/// The first cue that fires in the last `tail` code points of `all` (0:
/// all of them), as the text it matched (`None` when none does).
fn find_cue(all: &[u32], tail: usize, cues: Cues<'_>) -> Result<Option<Vec<u32>>, CallError> {
    if cues.len() == 0 {
        return Ok(None);
    }
    let scan: &[u32] = if tail == 0 || tail >= all.len() { all } else { &all[all.len() - tail..] };
    let low = casefold(scan);
    let n = scan.len();
    for i in 0..cues.len() {
        let own;
        let re = match &cues {
            Cues::Default => &default_compiled()[i],
            Cues::Given(c) => {
                own = Regex::new(&c[i].code_points().collect::<Vec<u32>>(), 0).map_err(|e| bad_cue(i, &e))?;
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

/// Which rung of the ladder decided a stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// This many tool results landed after the last turn.
    ActedAfter(i64),
    /// No cue fired (or none is declared).
    NoCue,
    /// A cue fired and nothing ran after (its text is the verdict's).
    Cue,
}

/// A verdict before its reason is written.
#[derive(Clone, Debug, PartialEq)]
pub struct Judged {
    pub verdict: Dangling,
    /// The matched cue's code points (empty on ABSTAIN).
    pub cue: Vec<u32>,
    pub why: Why,
}

/// The reason of a verdict (`cue`: its matched text).
pub fn reason(why: Why, cue: &Str) -> String {
    match why {
        Why::ActedAfter(n) => format!(
            "{n} tool result(s) landed after the last turn: the agent named a step and then acted, so this is not a \
             dangling stop"
        ),
        Why::NoCue => "the last turn carries no committed-future-intent cue: a clean stop (or no cues declared)".to_owned(),
        Why::Cue => {
            let shown = cue.as_str().map(crate::pystr::repr).unwrap_or_else(|| "a cue".to_owned());
            format!(
                "the last turn admits an open obligation ({shown}) and no tool ran after it: the agent stopped right after \
                 saying work remained (an admission against interest)"
            )
        }
    }
}

fn judge_with(text: &[u32], results_after_turn: i64, tail_chars: i64, cues: Cues<'_>) -> Result<Judged, CallError> {
    if results_after_turn < 0 {
        return Err(CallError::bad_args(format!(
            "{}: args.ev.results_after_turn: must be >= 0, got {}",
            ClassifyStop::NAME,
            results_after_turn
        )));
    }
    if tail_chars < 0 {
        return Err(CallError::bad_args(format!("{}: args.policy.tail_chars: must be >= 0, got {}", ClassifyStop::NAME, tail_chars)));
    }
    let abstain = |why| Judged { verdict: Dangling::Abstain, cue: Vec::new(), why };
    if results_after_turn > 0 {
        return Ok(abstain(Why::ActedAfter(results_after_turn)));
    }
    match find_cue(text, tail_chars as usize, cues)? {
        Some(cue) if !cue.is_empty() => Ok(Judged { verdict: Dangling::DanglingIntent, cue, why: Why::Cue }),
        _ => Ok(abstain(Why::NoCue)),
    }
}

/// The verdict on a stop whose last turn is `text` (code points), before
/// its reason is written (see [`ClassifyStop`]).
pub fn judge(text: &[u32], results_after_turn: i64, policy: &DanglingPolicy) -> Result<Judged, CallError> {
    judge_with(text, results_after_turn, policy.tail_chars, Cues::of(policy))
}

/// [`judge`] under the default policy (the shipped cues, compiled once).
pub fn judge_default(text: &[u32], results_after_turn: i64) -> Result<Judged, CallError> {
    judge_with(text, results_after_turn, DEFAULT_TAIL_CHARS, Cues::Default)
}

/// The verdict on one stop (see [`ClassifyStop`]).
pub fn classify_stop(ev: &StopEvidence, policy: &DanglingPolicy) -> Result<DanglingVerdict, CallError> {
    let text: Vec<u32> = ev.final_turn_text.code_points().collect();
    let j = judge(&text, ev.results_after_turn, policy)?;
    let cue = str_of(&j.cue);
    Ok(DanglingVerdict { verdict: j.verdict, reason: Str::from(reason(j.why, &cue)), matched_cue: cue })
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
