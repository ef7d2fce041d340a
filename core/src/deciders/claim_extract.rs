//! `claim_extract`: which (plan, phase) did an agent claim it shipped?
//!
//! It extracts claims to verify, never verifies them, and never invents one:
//! a `DOS-CLAIM: <plan> <phase>` line (the marker rung), a skill's declared
//! frontmatter (the frontmatter rung), or, weakest, an uppercase-led
//! letters-then-digits token in a line that also carries a completion verb
//! (the heuristic rung). Free prose yields nothing. Claims are unique per
//! (plan, phase), the first rung to name one keeping it. The transcript
//! reader (`assistant_text_from_transcript`) lives in the I/O layer and uses
//! [`assistant_text_from_text`].

use crate::envelope::{CallError, Ctx};
use crate::pyjson::{self, Str};
use crate::pyre::{self, Regex};
use crate::route::{self, Describe, Op};
use serde::{Deserialize, Serialize};

fn empty() -> Str {
    Str::from("")
}
use std::sync::OnceLock;

/// One claimed (plan, phase) and how it was found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    pub plan: Str,
    pub phase: Str,
    /// `marker`, `frontmatter` or `heuristic`.
    pub rung: Str,
    /// The text the claim was lifted from.
    #[serde(default = "empty")]
    pub raw: Str,
}

fn marker_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::from_str(r"^[ \t>*\-]*DOS-CLAIM:[ \t]+(?P<plan>[^\s]+)[ \t]+(?P<phase>[^\s]+)[ \t]*$", pyre::MULTILINE)
            .unwrap_or_else(|e| unreachable_pattern(&e))
    })
}

fn phase_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::from_str(r"\b([A-Z][A-Z_]*[A-Z])(\d+)\b", 0).unwrap_or_else(|e| unreachable_pattern(&e)))
}

fn hint_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::from_str(r"\b(shipped|landed|completed|finished|done|merged)\b", pyre::IGNORECASE)
            .unwrap_or_else(|e| unreachable_pattern(&e))
    })
}

#[cold]
fn unreachable_pattern(e: &pyre::Error) -> Regex {
    // The fixed grammar compiles (a unit test pins it); an impossible
    // failure degrades to a pattern that never matches.
    let _ = e;
    Regex::from_str(r"[^\s\S]", 0).unwrap_or_else(|_| unreachable_pattern(e))
}

/// `str.splitlines()` over code points.
fn splitlines(t: &[u32]) -> Vec<&[u32]> {
    let mut out = Vec::new();
    let (mut i, mut start) = (0, 0);
    while i < t.len() {
        let c = t[i];
        if matches!(c, 0x0a | 0x0b | 0x0c | 0x0d | 0x1c | 0x1d | 0x1e | 0x85 | 0x2028 | 0x2029) {
            out.push(&t[start..i]);
            i += if c == 0x0d && t.get(i + 1) == Some(&0x0a) { 2 } else { 1 };
            start = i;
        } else {
            i += 1;
        }
    }
    if start < t.len() {
        out.push(&t[start..]);
    }
    out
}

fn claim(plan: &[u32], phase: &[u32], rung: &str, raw: &[u32]) -> Claim {
    Claim { plan: pyre::to_str(plan), phase: pyre::to_str(phase), rung: Str::from(rung), raw: pyre::to_str(raw) }
}

fn search_err(e: pyre::Error) -> CallError {
    CallError::bad_args(format!("{}: args.text: {e}", ExtractClaims::NAME))
}

/// The claims in assistant text, strongest rung first (see [`ExtractClaims`]).
pub fn extract_claims(text: &Str, allow_heuristic: bool) -> Result<Vec<Claim>, CallError> {
    let t = pyre::code_points(text);
    if t.is_empty() {
        return Ok(Vec::new());
    }
    let mut keys: Vec<(Vec<u32>, Vec<u32>)> = Vec::new();
    let mut out: Vec<Claim> = Vec::new();
    let re = marker_re();
    let (gp, gq) = (re.group_index("plan").unwrap_or(1), re.group_index("phase").unwrap_or(2));
    for m in re.find_all(&t).map_err(search_err)? {
        let span = |g| m.group(g).map(|(a, b)| &t[a..b]).unwrap_or(&[]);
        let (plan, phase) = (span(gp), span(gq));
        let c = claim(plan, phase, "marker", pyre::strip_cps(&t[m.start..m.end]));
        // A repeated key keeps its place and takes the later value (a dict).
        match keys.iter().position(|(p, q)| p == plan && q == phase) {
            Some(i) => out[i] = c,
            None => {
                keys.push((plan.to_vec(), phase.to_vec()));
                out.push(c);
            }
        }
    }
    if !allow_heuristic {
        return Ok(out);
    }
    for line in splitlines(&t) {
        if hint_re().search(line).map_err(search_err)?.is_none() {
            continue;
        }
        for tok in phase_re().find_all(line).map_err(search_err)? {
            let phase = &line[tok.start..tok.end];
            let plan = tok.group(1).map(|(a, b)| &line[a..b]).unwrap_or(&[]);
            if keys.iter().any(|(p, q)| p == plan && q == phase) {
                continue;
            }
            keys.push((plan.to_vec(), phase.to_vec()));
            out.push(claim(plan, phase, "heuristic", pyre::strip_cps(line)));
        }
    }
    Ok(out)
}

/// The frontmatter rung (see [`ClaimFromFrontmatter`]).
pub fn claim_from_frontmatter(plan: Option<&Str>, phase: Option<&Str>) -> Vec<Claim> {
    let plan = plan.map(pyre::code_points).unwrap_or_default();
    let phase = phase.map(pyre::code_points).unwrap_or_default();
    let (plan, phase) = (pyre::strip_cps(&plan), pyre::strip_cps(&phase));
    if plan.is_empty() || phase.is_empty() {
        return Vec::new();
    }
    let mut raw: Vec<u32> = "dos.plan=".chars().map(|c| c as u32).collect();
    raw.extend_from_slice(plan);
    raw.extend(" dos.phase=".chars().map(|c| c as u32));
    raw.extend_from_slice(phase);
    vec![claim(plan, phase, "frontmatter", &raw)]
}

/// The lines of a transcript file's text as text-mode `readlines()` gives
/// them (universal newlines: `\n`, `\r\n` and `\r` each end a line), each
/// stripped as `str.strip()` strips, the empty ones left out. A line that
/// `\r\n` ends gives an empty piece between the two, left out as well.
pub fn transcript_lines(text: &str) -> impl DoubleEndedIterator<Item = &str> {
    text.split(['\r', '\n']).map(crate::pystr::strip).filter(|s| !s.is_empty())
}

/// The text blocks of a message `content` (see [`assistant_text_from_text`]):
/// a str is one block; a list gives the non-empty str `text` of each
/// `{"type": "text"}` dict. `None` when there is none.
fn text_blocks<'s>(content: Option<pyjson::Item<'_, 's>>, blocks: &mut Vec<pyjson::Text<'s>>) {
    let Some(content) = content else { return };
    if let Some(t) = content.text() {
        blocks.push(t);
        return;
    }
    for b in content.items() {
        if !b.get("type").and_then(|t| t.text()).is_some_and(|t| t.eq_str("text")) {
            continue;
        }
        if let Some(t) = b.get("text").and_then(|t| t.text()) {
            if !t.is_empty() {
                blocks.push(t);
            }
        }
    }
}

/// The text of the last `last_turns` assistant turns of a transcript's
/// text (JSONL, see [`transcript_lines`]): each line read as JSON
/// (unreadable lines and non-objects skipped), an assistant turn being an
/// object whose `message` is a dict with `role` "assistant" and some text
/// (a str `content`, even empty, or non-empty `text` blocks); a turn's
/// blocks and the turns are joined by newlines. `last_turns` below 1
/// counts as 1. "" when there is no such turn.
///
/// A line's turn depends on that line alone and an unreadable line is
/// skipped, so the lines are read from the end and reading stops once the
/// last `last_turns` turns are found.
pub fn assistant_text_from_text(text: &str, last_turns: i64) -> Str {
    let keep = usize::try_from(last_turns.max(1)).unwrap_or(usize::MAX);
    let mut scratch = pyjson::Scratch::default();
    // The kept turns' blocks, the last turn first; `ends[k]` is where turn
    // k's blocks end in `blocks`.
    let mut blocks: Vec<pyjson::Text<'_>> = Vec::new();
    let mut ends: Vec<usize> = Vec::new();
    for line in transcript_lines(text).rev() {
        if ends.len() >= keep {
            break;
        }
        let Ok(obj) = pyjson::scan(line, &mut scratch) else { continue };
        let Some(msg) = obj.get("message") else { continue };
        if !msg.is_dict() || !msg.get("role").and_then(|r| r.text()).is_some_and(|r| r.eq_str("assistant")) {
            continue;
        }
        let before = blocks.len();
        text_blocks(msg.get("content"), &mut blocks);
        if blocks.len() > before {
            blocks[before..].reverse();
            ends.push(blocks.len());
        }
    }
    // Oldest first: the blocks were gathered newest first.
    blocks.reverse();
    let plain: Option<Vec<&str>> = blocks.iter().map(|b| b.plain()).collect();
    if let Some(plain) = plain {
        return Str::from(plain.join("\n"));
    }
    let decoded: Vec<Str> = blocks.iter().map(pyjson::Text::to_str).collect();
    join(&decoded.iter().collect::<Vec<_>>())
}

fn join(parts: &[&Str]) -> Str {
    let mut cps: Vec<u32> = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            cps.push(0x0a);
        }
        cps.extend(p.code_points());
    }
    pyre::to_str(&cps)
}

/// The frontmatter rung: both `plan` and `phase` (each stripped; null
/// counts as empty) non-empty give one confident claim, rung
/// `frontmatter`, raw `dos.plan=<plan> dos.phase=<phase>`; else none.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ClaimFromFrontmatter {
    /// The skill's `dos.plan`.
    #[serde(deserialize_with = "route::required")]
    pub plan: Option<Str>,
    /// The skill's `dos.phase`.
    #[serde(deserialize_with = "route::required")]
    pub phase: Option<Str>,
}

impl Op for ClaimFromFrontmatter {
    const NAME: &'static str = "claim_extract.claim_from_frontmatter";
    type Verdict = Vec<Claim>;

    fn run(self, _: &Ctx<'_>) -> Result<Vec<Claim>, CallError> {
        Ok(claim_from_frontmatter(self.plan.as_ref(), self.phase.as_ref()))
    }
}

/// The claims asserted in assistant text, unique per (plan, phase) in the
/// order first named. Marker rung: each line (after optional spaces, tabs,
/// `>`, `*`, `-`) that is `DOS-CLAIM:` then two whitespace-free tokens (the
/// plan, the phase) and nothing else; a repeated pair keeps its place and
/// the later raw line. Then, when `allow_heuristic`, per line (Python
/// `splitlines`) that holds a completion verb (shipped, landed, completed,
/// finished, done, merged; any case) every token of uppercase ASCII letters
/// (underscores inside) followed by decimal digits, as a word, not already
/// claimed: plan the letters, phase the token, raw the stripped line.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ExtractClaims {
    /// Assistant text, already read.
    pub text: Str,
    /// Also run the heuristic rung.
    #[serde(default = "yes")]
    pub allow_heuristic: bool,
}

fn yes() -> bool {
    true
}

impl Op for ExtractClaims {
    const NAME: &'static str = "claim_extract.extract_claims";
    type Verdict = Vec<Claim>;

    fn run(self, _: &Ctx<'_>) -> Result<Vec<Claim>, CallError> {
        extract_claims(&self.text, self.allow_heuristic)
    }
}

/// The module's doc (the I/O layer adds the transcript reader to it).
pub const DOC: &str = "Which (plan, phase) did an agent claim it shipped? Claims to verify, never verified here and \
                       never invented: a DOS-CLAIM marker line, a skill's frontmatter, or (weakest) a phase-shaped \
                       token beside a completion verb.";

/// `dos.claim_extract`'s pure ops (`dos-io` adds `assistant_text_from_transcript`).
pub(crate) const MODULE: route::Module = route::Module {
    name: "claim_extract",
    doc: DOC,
    routes: &[route::route::<ClaimFromFrontmatter>(), route::route::<ExtractClaims>()],
    consts: &[],
};

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str, h: bool) -> Vec<(String, String, String)> {
        extract_claims(&Str::from(text), h)
            .unwrap()
            .into_iter()
            .map(|c| (c.plan.as_str().unwrap().into(), c.phase.as_str().unwrap().into(), c.rung.as_str().unwrap().into()))
            .collect()
    }

    #[test]
    fn rungs() {
        let k = |a: &str, b: &str, r: &str| (a.to_owned(), b.to_owned(), r.to_owned());
        assert_eq!(keys("I did it.\n- DOS-CLAIM: AUTH AUTH2\ndone", true), vec![k("AUTH", "AUTH2", "marker")]);
        assert!(keys("emit a DOS-CLAIM: line like AUTH AUTH2", true).is_empty());
        assert_eq!(keys("I shipped AUTH2 today", true), vec![k("AUTH", "AUTH2", "heuristic")]);
        assert!(keys("I shipped AUTH2 today", false).is_empty());
        assert!(keys("see AUTH2 for context", true).is_empty());
        assert_eq!(
            claim_from_frontmatter(Some(&Str::from(" A ")), Some(&Str::from("A1")))[0].raw.as_str(),
            Some("dos.plan=A dos.phase=A1")
        );
        assert!(claim_from_frontmatter(None, Some(&Str::from("A1"))).is_empty());
    }

    #[test]
    fn transcript_text() {
        let lines = [
            r#"{"message":{"role":"assistant","content":[{"type":"text","text":"one"},{"type":"text","text":""},{"type":"text","text":"1\u00e9"}]}}"#,
            "garbled",
            r#"{"message":{"role":"user","content":"u"}}"#,
            r#"{"message":{"role":"assistant","content":[{"type":"tool_use"}]}}"#,
            r#"{"message":{"role":"assistant","content":"two"}, "message": {"role": "assistant", "content": "2"}}"#,
            r#"{"message":{"role":"assistant","content":[{"type":"text","text":"\ud800"}]}}"#,
        ];
        let text = lines.join("\r\n") + "\r\n";
        let at = |n| assistant_text_from_text(&text, n);
        let chars = |s: Str| s.code_points().map(|c| char::from_u32(c).unwrap_or('?')).collect::<String>();
        assert_eq!(at(1), Str::Utf16(vec![0xD800]));
        assert_eq!(at(0), at(1));
        assert_eq!(at(2).code_points().collect::<Vec<_>>(), [u32::from('2'), 10, 0xD800]);
        assert_eq!(chars(at(3)), "one\n1\u{e9}\n2\n?");
        assert_eq!(assistant_text_from_text(&lines[..5].join("\r"), 5).as_str(), Some("one\n1\u{e9}\n2"));
        assert_eq!(assistant_text_from_text("\r\n", 1).as_str(), Some(""));
        assert_eq!(assistant_text_from_text(r#"{"message":{"role":"assistant","content":""}}"#, 1).as_str(), Some(""));
    }
}
