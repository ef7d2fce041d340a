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
    /// Read from a marker or frontmatter rather than guessed by the
    /// heuristic rung (the reference's property, in its JSON shape).
    #[serde(default)]
    #[describe(property)]
    pub confident: bool,
}

/// Whether a claim of `rung` is confident: `marker` or `frontmatter`.
pub fn rung_is_confident(rung: &str) -> bool {
    matches!(rung, "marker" | "frontmatter")
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
    let text = |cps: &[u32]| {
        if cps.iter().all(|&c| c < 0x80) {
            Str::from(cps.iter().map(|&c| char::from(c as u8)).collect::<String>())
        } else {
            pyre::to_str(cps)
        }
    };
    Claim { plan: text(plan), phase: text(phase), rung: Str::from(rung), raw: text(raw), confident: rung_is_confident(rung) }
}

fn search_err(e: pyre::Error) -> CallError {
    CallError::bad_args(format!("{}: args.text: {e}", ExtractClaims::NAME))
}

// The three patterns matched by hand on ASCII text (the common case): there
// `\s`, `\d`, `\b` and IGNORECASE mean what they mean for ASCII, and each
// pattern has one way to match (no backtracking choice changes the result).
// Other text goes through `pyre`. A unit test compares the two on random text.

fn ascii_space(c: u32) -> bool {
    matches!(c, 0x09..=0x0d | 0x1c..=0x1f | 0x20)
}

fn ascii_word(c: u32) -> bool {
    (c < 0x80 && (c as u8).is_ascii_alphanumeric()) || c == u32::from(b'_')
}

fn ascii_upper(c: u32) -> bool {
    (0x41..=0x5a).contains(&c)
}

/// The marker pattern on one line of ASCII text (no `\n` in it; the
/// pattern is anchored at both of its ends): the plan's and phase's spans.
fn marker_ascii(line: &[u32]) -> Option<((usize, usize), (usize, usize))> {
    let n = line.len();
    let mut i = line.iter().take_while(|&&c| matches!(c, 0x20 | 0x09 | 0x3e | 0x2a | 0x2d)).count();
    const LIT: &[u8] = b"DOS-CLAIM:";
    if line.len() < i + LIT.len() || !line[i..i + LIT.len()].iter().zip(LIT).all(|(&c, &b)| c == u32::from(b)) {
        return None;
    }
    i += LIT.len();
    let blanks = |at: usize| line[at..].iter().take_while(|&&c| c == 0x20 || c == 0x09).count();
    let token = |at: usize| line[at..].iter().take_while(|&&c| !ascii_space(c)).count();
    let b = blanks(i);
    if b == 0 {
        return None;
    }
    let plan = (i + b, i + b + token(i + b));
    if plan.0 == plan.1 {
        return None;
    }
    let b = blanks(plan.1);
    if b == 0 {
        return None;
    }
    let phase = (plan.1 + b, plan.1 + b + token(plan.1 + b));
    if phase.0 == phase.1 || phase.1 + blanks(phase.1) != n {
        return None;
    }
    Some((plan, phase))
}

/// The maximal runs of word characters of an ASCII line, as (start, end).
/// A pattern that starts and ends with a word character between two `\b`
/// matches exactly such a run.
fn words_ascii(line: &[u32]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < line.len() && !ascii_word(line[i]) {
            i += 1;
        }
        if i == line.len() {
            return None;
        }
        let start = i;
        while i < line.len() && ascii_word(line[i]) {
            i += 1;
        }
        Some((start, i))
    })
}

/// Whether an ASCII line holds a completion verb as a word, in any case.
fn hint_ascii(line: &[u32]) -> bool {
    const VERBS: [&[u8]; 6] = [b"shipped", b"landed", b"completed", b"finished", b"done", b"merged"];
    words_ascii(line).any(|(a, b)| {
        let w = &line[a..b];
        VERBS.iter().any(|v| v.len() == w.len() && w.iter().zip(v.iter()).all(|(&c, &l)| (c as u8).eq_ignore_ascii_case(&l)))
    })
}

/// The phase-shaped tokens of an ASCII line, in order: (start, end of the
/// letters, end). A token is a whole word: uppercase letters and
/// underscores ending in a letter (two at least), then digits.
fn phases_ascii(line: &[u32]) -> Vec<(usize, usize, usize)> {
    words_ascii(line)
        .filter_map(|(a, b)| {
            let j = a + line[a..b].iter().take_while(|&&c| ascii_upper(c) || c == u32::from(b'_')).count();
            let digits = line[j..b].iter().all(|&c| (0x30..=0x39).contains(&c));
            (j - a >= 2 && ascii_upper(line[a]) && ascii_upper(line[j - 1]) && j < b && digits).then_some((a, j, b))
        })
        .collect()
}

/// The marker matches of `t`: (whole match, plan, phase) spans.
fn markers(t: &[u32], ascii: bool) -> Result<Vec<[(usize, usize); 3]>, CallError> {
    if ascii {
        let mut out = Vec::new();
        let mut start = 0;
        for line in t.split(|&c| c == 0x0a) {
            if let Some((p, q)) = marker_ascii(line) {
                out.push([(start, start + line.len()), (start + p.0, start + p.1), (start + q.0, start + q.1)]);
            }
            start += line.len() + 1;
        }
        return Ok(out);
    }
    let re = marker_re();
    let (gp, gq) = (re.group_index("plan").unwrap_or(1), re.group_index("phase").unwrap_or(2));
    let found = re.find_all(t).map_err(search_err)?;
    Ok(found.iter().map(|m| [(m.start, m.end), m.group(gp).unwrap_or((0, 0)), m.group(gq).unwrap_or((0, 0))]).collect())
}

/// The phase tokens of a line holding a completion verb: (start, end of
/// the letters, end); none when it holds no verb.
fn phase_tokens(line: &[u32], ascii: bool) -> Result<Vec<(usize, usize, usize)>, CallError> {
    if ascii {
        return Ok(if hint_ascii(line) { phases_ascii(line) } else { Vec::new() });
    }
    if hint_re().search(line).map_err(search_err)?.is_none() {
        return Ok(Vec::new());
    }
    let found = phase_re().find_all(line).map_err(search_err)?;
    Ok(found.iter().map(|m| (m.start, m.group(1).map_or(m.start, |g| g.1), m.end)).collect())
}

/// The claims in assistant text, strongest rung first (see [`ExtractClaims`]).
pub fn extract_claims(text: &Str, allow_heuristic: bool) -> Result<Vec<Claim>, CallError> {
    if let Some(s) = text.as_str().filter(|s| s.is_ascii()) {
        let t: Vec<u32> = s.bytes().map(u32::from).collect();
        return extract(&t, allow_heuristic, true);
    }
    let t = pyre::code_points(text);
    extract(&t, allow_heuristic, t.iter().all(|&c| c < 0x80))
}

/// [`extract_claims`] on code points, the patterns matched by hand when
/// `ascii` (the text is ASCII), else by `pyre`.
fn extract(t: &[u32], allow_heuristic: bool, ascii: bool) -> Result<Vec<Claim>, CallError> {
    if t.is_empty() {
        return Ok(Vec::new());
    }
    let mut keys: Vec<(&[u32], &[u32])> = Vec::new();
    let mut out: Vec<Claim> = Vec::new();
    for [all, p, q] in markers(t, ascii)? {
        let (plan, phase) = (&t[p.0..p.1], &t[q.0..q.1]);
        let c = claim(plan, phase, "marker", pyre::strip_cps(&t[all.0..all.1]));
        // A repeated key keeps its place and takes the later value (a dict).
        match keys.iter().position(|(a, b)| *a == plan && *b == phase) {
            Some(i) => out[i] = c,
            None => {
                keys.push((plan, phase));
                out.push(c);
            }
        }
    }
    if !allow_heuristic {
        return Ok(out);
    }
    for line in splitlines(t) {
        for (start, letters, end) in phase_tokens(line, ascii)? {
            let (phase, plan) = (&line[start..end], &line[start..letters]);
            if keys.iter().any(|(a, b)| *a == plan && *b == phase) {
                continue;
            }
            keys.push((plan, phase));
            out.push(claim(plan, phase, "heuristic", pyre::strip_cps(line)));
        }
    }
    Ok(out)
}

/// The frontmatter claim's `raw` is `RAW_PLAN` plan `RAW_PHASE` phase.
const RAW_PLAN: &str = "dos.plan=";
const RAW_PHASE: &str = " dos.phase=";

/// The frontmatter claim's `raw` for a plan and phase already stripped.
pub fn frontmatter_raw(plan: &str, phase: &str) -> String {
    [RAW_PLAN, plan, RAW_PHASE, phase].concat()
}

/// The frontmatter rung (see [`ClaimFromFrontmatter`]).
pub fn claim_from_frontmatter(plan: Option<&Str>, phase: Option<&Str>) -> Vec<Claim> {
    let plan = plan.map(pyre::code_points).unwrap_or_default();
    let phase = phase.map(pyre::code_points).unwrap_or_default();
    let (plan, phase) = (pyre::strip_cps(&plan), pyre::strip_cps(&phase));
    if plan.is_empty() || phase.is_empty() {
        return Vec::new();
    }
    let mut raw: Vec<u32> = RAW_PLAN.chars().map(|c| c as u32).collect();
    raw.extend_from_slice(plan);
    raw.extend(RAW_PHASE.chars().map(|c| c as u32));
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

/// `Claim.confident`: the claim was read from a marker or frontmatter
/// rather than guessed by the heuristic rung.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Confident {
    /// The claim read.
    #[serde(rename = "self")]
    pub this: Claim,
}

impl Op for Confident {
    const NAME: &'static str = "claim_extract.Claim.confident";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        Ok(self.this.rung.as_str().is_some_and(rung_is_confident))
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
    routes: &[route::route::<ClaimFromFrontmatter>(), route::route::<ExtractClaims>(), route::route::<Confident>()],
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
    fn ascii_matchers_agree_with_pyre() {
        let parts = [
            "DOS-CLAIM:",
            "DOS-CLAIM: ",
            " ",
            "\t",
            "\n",
            "\r",
            "\r\n",
            "\x0b",
            "\x0c",
            "\x1c",
            "\x1f",
            ">",
            "*",
            "-",
            "AUTH",
            "AUTH2",
            "A_B3",
            "_",
            "FQ390",
            "x",
            "7",
            "shipped",
            "Done",
            "MERGED",
            "landed!",
            "finished",
            "AB_",
            "ab",
            "Z9z",
            "completed.",
            "undone",
            "A1",
            "ZZ",
            "09",
            "DLA3",
            ":",
            "- DOS-CLAIM: P Q\n",
            "merged_",
            "done2",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut matched = 0;
        for _ in 0..20_000 {
            let n = (next() % 24) as usize;
            let text: String = (0..n).map(|_| parts[(next() % parts.len() as u64) as usize]).collect();
            let t: Vec<u32> = text.chars().map(u32::from).collect();
            for h in [true, false] {
                let (fast, slow) = (extract(&t, h, true).unwrap(), extract(&t, h, false).unwrap());
                assert_eq!(fast, slow, "{text:?} heuristic={h}");
                matched += fast.len();
            }
        }
        assert!(matched > 1000, "{matched}");
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
