//! `arg_provenance`: was an id-shaped argument of a mutating tool call read
//! from text the environment wrote, or made up by the model?
//!
//! The corpus is a list of env-authored texts (prior tool results, the task
//! text), each tagged with a [`CorpusSource`] that has no agent-authored
//! member. Each argument is judged on its own: values that are not
//! references, None and bools, quantities (dates, decimals, versions,
//! phone numbers, millisecond stamps), literals and prose abstain; an
//! id-shaped value is found whole in the corpus, or split into its
//! data-bearing components (digit runs, opaque alnum chunks, the domain
//! label of an email), each of which must be found (exact token, substring,
//! an env token inside it, or equal as a zero-padded number). Lists and
//! dicts are judged leaf by leaf. The call believes when no argument is
//! unsupported; a read call and an empty corpus always believe.
//!
//! Text follows CPython: `str()` of the value, `strip()`, `casefold()`,
//! `isdigit()`, code-point lengths, and the reference's regular expressions
//! (`\d` is any Unicode decimal digit, `\s` any Unicode space, `$` also
//! matches before a final newline). The corpus is kept as generalized UTF-8
//! so a lone surrogate in it takes part in substring tests as itself.
//!
//! The env corpus is prepared once per call (the reference rebuilds it for
//! every argument; the result is the same).

use crate::envelope::{CallError, Ctx};
use crate::pyjson::{self, Str, Value};
use crate::pystr;
use crate::route::{self, Const, Describe, Module, Op, Tuple};
use memchr::memmem;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

// ------------------------------------------------------------------ types

/// Who wrote a corpus text. Only env-authored classes exist: text the agent
/// wrote has no tag and so cannot enter the corpus.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Describe)]
pub enum CorpusSource {
    /// A prior tool result the agent read.
    #[serde(rename = "TOOL_RESULT")]
    ToolResult,
    /// The task prompt or policy text.
    #[serde(rename = "TASK_TEXT")]
    TaskText,
}

impl CorpusSource {
    fn bit(self) -> u8 {
        match self {
            CorpusSource::TaskText => 1,
            CorpusSource::ToolResult => 2,
        }
    }
}

/// The sources of a bit set, ordered by their tokens (as the reference sorts them).
fn sources_of(mask: u8) -> Tuple<CorpusSource> {
    let mut out = Vec::new();
    if mask & 1 != 0 {
        out.push(CorpusSource::TaskText);
    }
    if mask & 2 != 0 {
        out.push(CorpusSource::ToolResult);
    }
    Tuple(out)
}

/// One argument's stance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
pub enum ProvenanceStance {
    /// Id-shaped, a reference, and every data-bearing component was found.
    #[serde(rename = "SUPPORTED")]
    Supported,
    /// Id-shaped, a reference, and some component appears nowhere in the corpus.
    #[serde(rename = "UNSUPPORTED")]
    Unsupported,
    /// Nothing to judge (not an id, a read call, an own key, an empty corpus).
    #[serde(rename = "ABSTAIN")]
    Abstain,
}

/// One env-authored text of the corpus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct EnvBlob {
    /// The text, already flattened to a string by the caller.
    pub text: Str,
    pub source: CorpusSource,
}

/// Everything env-authored the agent saw before the call.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct PriorResults {
    #[serde(default)]
    pub blobs: Tuple<EnvBlob>,
}

fn yes() -> bool {
    true
}

/// One argument of the call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ToolArg {
    pub name: Str,
    /// The value as the model wrote it (scalars are judged; lists and dicts leaf by leaf).
    pub value: Value,
    /// False for the slot that holds the new object's own key (never judged).
    #[serde(default = "yes")]
    pub is_reference: bool,
}

/// The tool call under judgement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ToolCall {
    pub tool_name: Str,
    pub args: Tuple<ToolArg>,
    /// A read (non-mutating) call is never judged.
    #[serde(default = "yes")]
    pub is_mutating: bool,
}

/// The knobs: components shorter than `min_component_len` (at least 1) are
/// neither demanded nor matched, unless they are digits; matching ignores
/// case unless `case_sensitive`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(default, deny_unknown_fields)]
pub struct ProvenancePolicy {
    pub min_component_len: i64,
    pub case_sensitive: bool,
}

impl Default for ProvenancePolicy {
    fn default() -> Self {
        ProvenancePolicy { min_component_len: 4, case_sensitive: false }
    }
}

impl ProvenancePolicy {
    fn check(&self, op: &str) -> Result<(), CallError> {
        if self.min_component_len < 1 {
            return Err(CallError::bad_args(format!(
                "{op}: args.policy.min_component_len must be at least 1 (got {})",
                self.min_component_len
            )));
        }
        Ok(())
    }

    fn min(&self) -> usize {
        usize::try_from(self.min_component_len).unwrap_or(usize::MAX)
    }
}

/// One argument's verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ArgProvenance {
    pub arg_name: Str,
    /// `str()` of the value (stripped once it was judged as a scalar).
    pub value_repr: Str,
    pub stance: ProvenanceStance,
    pub id_shaped: bool,
    pub is_reference: bool,
    /// The sources the found components came from, by token.
    pub matched_in: Tuple<CorpusSource>,
    pub components_checked: Tuple<Str>,
    /// The components found nowhere: what a nudge names.
    pub components_unmatched: Tuple<Str>,
    pub reason: Str,
}

/// The call's verdict: `believe` when no argument is unsupported (never a
/// claim that the arguments are right).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ProvenanceVerdict {
    pub believe: bool,
    pub args: Tuple<ArgProvenance>,
    /// The names of the unsupported arguments.
    pub unsupported: Tuple<Str>,
    pub reason: Str,
}

// ------------------------------------------------------------------ text helpers

/// A `str` with its surrounding whitespace stripped, as `str.strip()`.
fn py_strip(s: &Str) -> Str {
    match s {
        Str::Utf8(t) => {
            let st = pystr::strip(t);
            Str::Utf8(if st.len() == t.len() { t.clone() } else { st.to_owned() })
        }
        Str::Utf16(_) => {
            let cps: Vec<u32> = s.code_points().collect();
            let sp = |cp: &u32| char::from_u32(*cp).is_some_and(pystr::is_space);
            let start = cps.iter().position(|c| !sp(c)).unwrap_or(cps.len());
            let end = cps.iter().rposition(|c| !sp(c)).map_or(start, |i| i + 1);
            str_of_points(&cps[start..end])
        }
    }
}

fn str_of_points(cps: &[u32]) -> Str {
    let mut units = Vec::with_capacity(cps.len());
    for &cp in cps {
        match char::from_u32(cp) {
            Some(c) => {
                let mut b = [0u16; 2];
                units.extend_from_slice(c.encode_utf16(&mut b));
            }
            None => units.push(cp as u16),
        }
    }
    Str::from_utf16(units)
}

/// A `str` as generalized UTF-8 (a lone surrogate as its three-byte form),
/// casefolded unless `keep_case`.
fn wtf8(s: &Str, keep_case: bool, out: &mut Vec<u8>) {
    match s {
        Str::Utf8(t) => {
            if keep_case {
                out.extend_from_slice(t.as_bytes());
            } else if t.is_ascii() {
                out.extend(t.bytes().map(|b| b.to_ascii_lowercase()));
            } else {
                let mut f = String::new();
                pystr::casefold_into(t, &mut f);
                out.extend_from_slice(f.as_bytes());
            }
        }
        Str::Utf16(_) => {
            let mut run = String::new();
            let flush = |run: &mut String, out: &mut Vec<u8>| {
                if keep_case {
                    out.extend_from_slice(run.as_bytes());
                } else {
                    let mut f = String::new();
                    pystr::casefold_into(run, &mut f);
                    out.extend_from_slice(f.as_bytes());
                }
                run.clear();
            };
            for cp in s.code_points() {
                match char::from_u32(cp) {
                    Some(c) => run.push(c),
                    None => {
                        flush(&mut run, out);
                        out.push(0xE0 | (cp >> 12) as u8);
                        out.push(0x80 | ((cp >> 6) & 0x3F) as u8);
                        out.push(0x80 | (cp & 0x3F) as u8);
                    }
                }
            }
            flush(&mut run, out);
        }
    }
}

/// The code point at `b[i..]` of generalized UTF-8 and its length in bytes.
fn cp_at(b: &[u8], i: usize) -> (u32, usize) {
    let b0 = u32::from(b[i]);
    let cont = |k: usize| b.get(i + k).map_or(0, |x| u32::from(*x) & 0x3F);
    if b0 < 0x80 {
        (b0, 1)
    } else if b0 < 0xE0 {
        (((b0 & 0x1F) << 6) | cont(1), 2)
    } else if b0 < 0xF0 {
        (((b0 & 0x0F) << 12) | (cont(1) << 6) | cont(2), 3)
    } else {
        (((b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3), 4)
    }
}

/// Code-point length of generalized UTF-8.
fn cp_len(b: &[u8]) -> usize {
    b.iter().filter(|x| (**x & 0xC0) != 0x80).count()
}

/// `str.isdigit()` of generalized UTF-8 (a surrogate is no digit).
fn bytes_isdigit(b: &[u8]) -> bool {
    if b.is_empty() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let (cp, n) = cp_at(b, i);
        if !char::from_u32(cp).is_some_and(pystr::is_digit) {
            return false;
        }
        i += n;
    }
    true
}

fn isdigit(s: &str) -> bool {
    !s.is_empty() && s.chars().all(pystr::is_digit)
}

fn has_decimal(s: &str) -> bool {
    s.chars().any(pystr::is_decimal)
}

fn count(s: &str) -> usize {
    s.chars().count()
}

/// `s.lstrip("0") or "0"`.
fn unpadded(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|x| *x != b'0').unwrap_or(b.len());
    if i == b.len() {
        b"0"
    } else {
        &b[i..]
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || memmem::find(hay, needle).is_some()
}

/// `needle in hay` for a short `hay` (a component): a plain scan, cheaper
/// than building a searcher per token.
fn within(hay: &[u8], needle: &[u8]) -> bool {
    match needle.len() {
        0 => true,
        n if n > hay.len() => false,
        n => hay.windows(n).any(|w| w == needle),
    }
}

// ------------------------------------------------------------------ the reference's patterns

/// `re.match(r"^X$", s)`: X matches all of `s`, or all of `s` but a final newline.
fn anchored(s: &str, full: impl Fn(&[char]) -> bool) -> bool {
    let cs: Vec<char> = s.chars().collect();
    full(&cs) || (cs.last() == Some(&'\n') && full(&cs[..cs.len() - 1]))
}

fn dec(c: char) -> bool {
    pystr::is_decimal(c)
}

/// Exactly `n` decimal digits at `cs[i..]`.
fn digits_at(cs: &[char], i: usize, n: usize) -> bool {
    cs.len() >= i + n && cs[i..i + n].iter().all(|c| dec(*c))
}

fn is_iso_date(cs: &[char]) -> bool {
    cs.len() == 10 && digits_at(cs, 0, 4) && cs[4] == '-' && digits_at(cs, 5, 2) && cs[7] == '-' && digits_at(cs, 8, 2)
}

fn is_iso_datetime(cs: &[char]) -> bool {
    // \d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?
    if cs.len() < 16 || !is_iso_date(&cs[..10]) || !matches!(cs[10], 'T' | ' ') {
        return false;
    }
    if !(digits_at(cs, 11, 2) && cs[13] == ':' && digits_at(cs, 14, 2)) {
        return false;
    }
    let rest = &cs[16..];
    // Try the seconds group (taken or not) and then the zone on what is left.
    let zone = |z: &[char]| -> bool {
        match z {
            [] => true,
            ['Z'] => true,
            [s, ..] if *s == '+' || *s == '-' => {
                let t = &z[1..];
                (t.len() == 4 && digits_at(t, 0, 4)) || (t.len() == 5 && digits_at(t, 0, 2) && t[2] == ':' && digits_at(t, 3, 2))
            }
            _ => false,
        }
    };
    if zone(rest) {
        return true;
    }
    if rest.len() >= 3 && rest[0] == ':' && digits_at(rest, 1, 2) {
        let after = &rest[3..];
        if zone(after) {
            return true;
        }
        if after.first() == Some(&'.') {
            // \.\d+ then the zone: every split of the digit run.
            let mut k = 1;
            while k < after.len() && dec(after[k]) {
                k += 1;
                if zone(&after[k..]) {
                    return true;
                }
            }
        }
    }
    false
}

fn is_time(cs: &[char]) -> bool {
    // \d{1,2}:\d{2}(:\d{2})?
    let body = |cs: &[char], h: usize| -> bool {
        digits_at(cs, 0, h)
            && cs.get(h) == Some(&':')
            && digits_at(cs, h + 1, 2)
            && (cs.len() == h + 3 || (cs.len() == h + 6 && cs[h + 3] == ':' && digits_at(cs, h + 4, 2)))
    };
    body(cs, 1) || body(cs, 2)
}

fn is_decimal_number(cs: &[char]) -> bool {
    // \d+\.\d+
    match cs.iter().position(|c| !dec(*c)) {
        Some(i) if i > 0 && cs[i] == '.' => cs.len() > i + 1 && cs[i + 1..].iter().all(|c| dec(*c)),
        _ => false,
    }
}

fn is_version(cs: &[char]) -> bool {
    // v?\d+(\.\d+)+
    let cs = if cs.first() == Some(&'v') { &cs[1..] } else { cs };
    let groups: Vec<&[char]> = cs.split(|c| *c == '.').collect();
    groups.len() >= 2 && groups.iter().all(|g| !g.is_empty() && g.iter().all(|c| dec(*c)))
}

fn is_phoneish(cs: &[char]) -> bool {
    // [\d()][\d\-+()\s]*[\-+()\s][\d\-+()\s]*\d
    let sep = |c: char| matches!(c, '-' | '+' | '(' | ')') || pystr::is_space(c);
    let body = |c: char| dec(c) || sep(c);
    let n = cs.len();
    n >= 3
        && (dec(cs[0]) || matches!(cs[0], '(' | ')'))
        && dec(cs[n - 1])
        && cs[1..n - 1].iter().all(|c| body(*c))
        && cs[1..n - 1].iter().any(|c| sep(*c))
}

fn is_epoch_ms(cs: &[char]) -> bool {
    cs.len() == 13 && cs.iter().all(|c| dec(*c))
}

fn is_email(s: &str) -> bool {
    // [^@\s]+@[^@\s]+\.[^@\s]+
    anchored(s, |cs| {
        let ok = |c: &char| *c != '@' && !pystr::is_space(*c);
        let Some(at) = cs.iter().position(|c| *c == '@') else { return false };
        let (local, dom) = (&cs[..at], &cs[at + 1..]);
        !local.is_empty() && local.iter().all(ok) && dom.iter().all(ok) && dom.len() >= 3 && dom[1..dom.len() - 1].contains(&'.')
    })
}

fn is_hex(c: char, upper_too: bool) -> bool {
    c.is_ascii_digit() || ('a'..='f').contains(&c) || (upper_too && ('A'..='F').contains(&c))
}

fn is_hex32(s: &str) -> bool {
    anchored(s, |cs| cs.len() == 32 && cs.iter().all(|c| is_hex(*c, false)))
}

fn is_uuid(s: &str) -> bool {
    anchored(s, |cs| {
        let groups: Vec<&[char]> = cs.split(|c| *c == '-').collect();
        groups.len() == 5 && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.iter().all(|c| is_hex(*c, true)))
    })
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '#' | '/' | '-' | '@')
}

fn is_delim(c: char) -> bool {
    matches!(c, '@' | '.' | '_' | ':' | '#' | '/' | '-')
}

/// The ASCII bytes that split the corpus into tokens (`is_env_delim`).
const ENV_DELIM_ASCII: [bool; 128] = {
    let mut t = [false; 128];
    let set = b"@._:#/-{}[]\"',()=;<>| \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f";
    let mut i = 0;
    while i < set.len() {
        t[set[i] as usize] = true;
        i += 1;
    }
    t
};

fn is_env_delim(c: char) -> bool {
    matches!(
        c,
        '@' | '.' | '_' | ':' | '#' | '/' | '-' | '{' | '}' | '[' | ']' | '"' | '\'' | ',' | '(' | ')' | '=' | ';' | '<' | '>' | '|'
    ) || pystr::is_space(c)
}

fn is_prefix_then_digits(s: &str) -> bool {
    // [A-Za-z]*\d+
    anchored(s, |cs| {
        let i = cs.iter().position(|c| !c.is_ascii_alphabetic()).unwrap_or(cs.len());
        i < cs.len() && cs[i..].iter().all(|c| dec(*c))
    })
}

const LITERAL_WORDS: [&str; 4] = ["true", "false", "null", "none"];

const NAME_HINT_SUFFIXES: [&str; 6] = ["_id", "_sys_id", "sys_id", "_ref", "_key", "_email"];

const QUANTITY_NAME_PARTS: [&str; 36] = [
    "price", "amount", "cost", "total", "count", "quantity", "qty", "size", "limit", "number", "num", "age", "duration", "score", "rate",
    "percent", "weight", "height", "width", "length", "balance", "fee", "rank", "position", "offset", "page", "max", "min", "priority",
    "level", "year", "month", "day", "hour", "minute", "second",
];

const GRAMMAR_WORDS: [&str; 22] = [
    "com", "org", "net", "edu", "gov", "mil", "int", "io", "co", "us", "uk", "ca", "au", "www", "http", "https", "mailto", "ftp", "api",
    "mail", "smtp", "imap",
];

fn quantity_parts() -> &'static [&'static str] {
    &QUANTITY_NAME_PARTS
}

/// An argument name as text for the suffix tests (a lone surrogate, which
/// no suffix contains, becomes U+FFFD).
fn name_text(name: &Str) -> String {
    match name {
        Str::Utf8(t) => pystr::casefold(t),
        Str::Utf16(_) => {
            let t: String = name.code_points().map(|cp| char::from_u32(cp).unwrap_or('\u{fffd}')).collect();
            pystr::casefold(&t)
        }
    }
}

fn name_is_quantity(n: &str) -> bool {
    let replaced = n.replace('-', "_");
    let last = replaced.rsplit('_').next().unwrap_or("");
    quantity_parts().contains(&last) || quantity_parts().iter().any(|q| n.ends_with(q))
}

fn name_is_hint(n: &str) -> bool {
    NAME_HINT_SUFFIXES.iter().any(|s| n.ends_with(s))
}

fn is_negative_filtered(s: &str) -> bool {
    if anchored(s, is_iso_date) || anchored(s, is_iso_datetime) || anchored(s, is_time) {
        return true;
    }
    if anchored(s, is_decimal_number) || anchored(s, is_version) || anchored(s, is_phoneish) {
        return true;
    }
    if anchored(s, is_epoch_ms) {
        return true;
    }
    if LITERAL_WORDS.contains(&pystr::casefold(s).as_str()) {
        return true;
    }
    s.contains(' ') && !has_decimal(s) && !is_email(s)
}

fn is_id_shaped(s: &str, name: &str, min: usize) -> bool {
    let len = count(s);
    if isdigit(s) && 2 <= len && len < min && name_is_hint(name) && !name_is_quantity(name) && !is_negative_filtered(s) {
        return true;
    }
    if len < min || is_negative_filtered(s) || s.contains(' ') {
        return false;
    }
    if !anchored(s, |cs| !cs.is_empty() && cs.iter().all(|c| is_id_char(*c))) {
        return false;
    }
    if is_hex32(s) || is_uuid(s) || is_email(s) {
        return true;
    }
    if has_decimal(s) && s.chars().any(|c| c.is_ascii_alphabetic()) {
        return true;
    }
    if isdigit(s) && len >= min && !name_is_quantity(name) {
        return true;
    }
    name_is_hint(name) && len >= min && !s.is_empty() && s.chars().all(pystr::is_alnum)
}

/// The components of an id-shaped `s` that must be found, and whether any is left.
fn data_bearing_components(s: &str, min: usize) -> Vec<String> {
    if is_uuid(s) || is_hex32(s) {
        return vec![s.to_owned()];
    }
    let (local, domain, email) = match s.find('@') {
        Some(at) => (&s[..at], &s[at + 1..], true),
        None => (s, "", false),
    };
    let parts =
        |r: &str, dom: bool| -> Vec<(String, bool)> { r.split(is_delim).filter(|p| !p.is_empty()).map(|p| (p.to_owned(), dom)).collect() };
    let mut demanded = Vec::new();
    for (part, in_domain) in parts(local, false).into_iter().chain(parts(domain, true)) {
        if !has_decimal(&part) {
            if in_domain && count(&part) >= min && !GRAMMAR_WORDS.contains(&pystr::casefold(&part).as_str()) {
                demanded.push(part);
            }
            continue;
        }
        if is_prefix_then_digits(&part) {
            // The last run of decimal digits.
            let cs: Vec<char> = part.chars().collect();
            let end = cs.iter().rposition(|c| dec(*c)).map(|i| i + 1);
            if let Some(end) = end {
                let start = cs[..end].iter().rposition(|c| !dec(*c)).map_or(0, |i| i + 1);
                let d: String = cs[start..end].iter().collect();
                if email && !in_domain && count(&d) < min {
                    continue;
                }
                demanded.push(d);
            }
        } else {
            demanded.push(part);
        }
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for c in demanded {
        if count(&c) < min && !isdigit(&c) {
            continue;
        }
        if seen.insert(c.clone()) {
            out.push(c);
        }
    }
    out
}

// ------------------------------------------------------------------ the corpus

/// FxHash (the rustc hasher): the token map's keys are short byte strings
/// from the caller's own corpus, hashed thousands of times per call.
#[derive(Default, Clone, Copy)]
struct Fx(u64);

impl std::hash::Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, b: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FxBuild = std::hash::BuildHasherDefault<Fx>;

struct Token {
    start: usize,
    end: usize,
    mask: u8,
    len: usize,
    digit: bool,
}

/// The corpus as the matcher reads it: the joined (casefolded) text and its
/// distinct tokens with the sources that supplied each.
struct Env {
    text: Vec<u8>,
    tokens: Vec<Token>,
    index: HashMap<Vec<u8>, usize, FxBuild>,
    /// `lstrip("0") or "0"` of every all-digit token.
    unpadded_digits: HashSet<Vec<u8>, FxBuild>,
}

impl Env {
    fn build(prior: &PriorResults, policy: &ProvenancePolicy) -> Env {
        let mut text = Vec::new();
        let mut spans = Vec::new();
        for (i, blob) in prior.blobs.0.iter().enumerate() {
            if i > 0 {
                text.push(b' ');
            }
            let start = text.len();
            wtf8(&blob.text, policy.case_sensitive, &mut text);
            spans.push((start, text.len(), blob.source.bit()));
        }
        let guess = text.len() / 16;
        let mut env = Env {
            text,
            tokens: Vec::with_capacity(guess),
            index: HashMap::with_capacity_and_hasher(guess, FxBuild::default()),
            unpadded_digits: HashSet::with_hasher(FxBuild::default()),
        };
        for (start, end, bit) in spans {
            let mut i = start;
            let mut tok_start = None;
            while i <= end {
                let (is_delim, n) = if i == end {
                    (true, 1)
                } else if env.text[i] < 0x80 {
                    (ENV_DELIM_ASCII[env.text[i] as usize], 1)
                } else {
                    let (cp, n) = cp_at(&env.text, i);
                    (char::from_u32(cp).is_some_and(is_env_delim), n)
                };
                match (is_delim, tok_start) {
                    (true, Some(s)) => {
                        env.add_token(s, i, bit);
                        tok_start = None;
                    }
                    (false, None) => tok_start = Some(i),
                    _ => {}
                }
                i += n;
            }
        }
        env
    }

    fn add_token(&mut self, start: usize, end: usize, bit: u8) {
        let key = &self.text[start..end];
        if let Some(&k) = self.index.get(key) {
            self.tokens[k].mask |= bit;
            return;
        }
        let digit = bytes_isdigit(key);
        if digit {
            self.unpadded_digits.insert(unpadded(key).to_vec());
        }
        let tok = Token { start, end, mask: bit, len: cp_len(key), digit };
        self.index.insert(key.to_vec(), self.tokens.len());
        self.tokens.push(tok);
    }

    fn tok(&self, t: &Token) -> &[u8] {
        &self.text[t.start..t.end]
    }

    fn exact(&self, c: &[u8]) -> Option<u8> {
        self.index.get(c).map(|&k| self.tokens[k].mask)
    }

    /// The sources of `c`: its own token's, else those of every token that
    /// contains it or that it contains.
    fn sources(&self, c: &[u8]) -> u8 {
        if let Some(m) = self.exact(c) {
            return m;
        }
        let mut mask = 0;
        let finder = memmem::Finder::new(c);
        for t in &self.tokens {
            if mask == 3 {
                break;
            }
            let tok = self.tok(t);
            let hit = if tok.len() >= c.len() { finder.find(tok).is_some() } else { within(c, tok) };
            if hit {
                mask |= t.mask;
            }
        }
        mask
    }

    /// Is the (casefolded) component found in the corpus?
    fn found(&self, c: &str, min: usize) -> bool {
        let cb = c.as_bytes();
        if self.exact(cb).is_some() {
            return true;
        }
        let digits = isdigit(c);
        if digits && self.unpadded_digits.contains(unpadded(cb)) {
            return true;
        }
        if count(c) < min {
            return false;
        }
        if contains(&self.text, cb) {
            return true;
        }
        if self.tokens.iter().any(|t| t.len >= min && within(cb, self.tok(t))) {
            return true;
        }
        digits && self.tokens.iter().any(|t| t.digit && t.len >= min && within(cb, unpadded(self.tok(t))))
    }
}

// ------------------------------------------------------------------ the decision

fn fold_text(s: &str, policy: &ProvenancePolicy) -> String {
    if policy.case_sensitive {
        s.to_owned()
    } else {
        pystr::casefold(s)
    }
}

fn plain(name: &Str, value_repr: Str, stance: ProvenanceStance, id_shaped: bool, is_reference: bool, reason: &str) -> ArgProvenance {
    ArgProvenance {
        arg_name: name.clone(),
        value_repr,
        stance,
        id_shaped,
        is_reference,
        matched_in: Tuple(Vec::new()),
        components_checked: Tuple(Vec::new()),
        components_unmatched: Tuple(Vec::new()),
        reason: Str::from(reason),
    }
}

fn str_repr(s: &str) -> String {
    pystr::repr(s)
}

fn list_repr(items: &[String]) -> String {
    pyjson::py_repr(&Value::List(items.iter().map(|s| Value::str(s.as_str())).collect()))
}

/// The scalar leaves of a list or dict value, in order.
fn leaves<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    match v {
        Value::List(items) => items.iter().for_each(|x| leaves(x, out)),
        Value::Dict(d) => d.iter().for_each(|(_, x)| leaves(x, out)),
        other => out.push(other),
    }
}

/// The corpus, built the first time an argument needs it.
struct Corpus<'a> {
    prior: &'a PriorResults,
    policy: &'a ProvenancePolicy,
    env: Option<Env>,
}

impl Corpus<'_> {
    fn env(&mut self) -> &Env {
        let (prior, policy) = (self.prior, self.policy);
        self.env.get_or_insert_with(|| Env::build(prior, policy))
    }
}

fn judge(arg_name: &Str, value: &Value, is_reference: bool, corpus: &mut Corpus<'_>) -> ArgProvenance {
    let policy = *corpus.policy;
    if !is_reference {
        return plain(
            arg_name,
            pyjson::py_str(value),
            ProvenanceStance::Abstain,
            false,
            false,
            "new-key slot (the new object's own identity): not a reference to resolve",
        );
    }
    if matches!(value, Value::List(_) | Value::Dict(_)) {
        let mut ls = Vec::new();
        leaves(value, &mut ls);
        let (mut any_id, mut any_unsupported, mut mask) = (false, false, 0u8);
        let (mut checked, mut unmatched) = (Vec::new(), Vec::new());
        for leaf in ls {
            let sub = judge(arg_name, leaf, true, corpus);
            checked.extend(sub.components_checked.0);
            any_id |= sub.id_shaped;
            for s in &sub.matched_in.0 {
                mask |= s.bit();
            }
            if sub.stance == ProvenanceStance::Unsupported {
                any_unsupported = true;
                unmatched.extend(sub.components_unmatched.0);
            }
        }
        let repr = pyjson::py_str(value);
        if !any_id {
            return plain(
                arg_name,
                repr,
                ProvenanceStance::Abstain,
                false,
                true,
                "no leaf of the container looks like an id: nothing to check",
            );
        }
        let (stance, reason, unmatched) = if any_unsupported {
            (ProvenanceStance::Unsupported, "some id inside the container is absent from every env-authored text", unmatched)
        } else {
            (ProvenanceStance::Supported, "each id inside the container was found in env-authored text", Vec::new())
        };
        return ArgProvenance {
            arg_name: arg_name.clone(),
            value_repr: repr,
            stance,
            id_shaped: true,
            is_reference: true,
            matched_in: sources_of(mask),
            components_checked: Tuple(checked),
            components_unmatched: Tuple(unmatched),
            reason: Str::from(reason),
        };
    }
    if matches!(value, Value::Null | Value::Bool(_)) {
        return plain(arg_name, pyjson::py_str(value), ProvenanceStance::Abstain, false, true, "None and booleans are flags, never ids");
    }
    let stripped = py_strip(&pyjson::py_str(value));
    let name = name_text(arg_name);
    let min = policy.min();
    let s = match &stripped {
        Str::Utf8(t) if is_id_shaped(t, &name, min) => t.clone(),
        // A lone surrogate is no id character and no digit.
        _ => {
            return plain(
                arg_name,
                stripped,
                ProvenanceStance::Abstain,
                false,
                true,
                "the value does not look like an id or key (a quantity, a literal or prose)",
            )
        }
    };
    let whole = fold_text(&s, &policy);
    let env = corpus.env();
    if env.exact(whole.as_bytes()).is_some() || contains(&env.text, whole.as_bytes()) {
        let mask = env.sources(whole.as_bytes());
        return ArgProvenance {
            arg_name: arg_name.clone(),
            value_repr: Str::from(s.as_str()),
            stance: ProvenanceStance::Supported,
            id_shaped: true,
            is_reference: true,
            matched_in: sources_of(mask),
            components_checked: Tuple(vec![Str::from(s.as_str())]),
            components_unmatched: Tuple(Vec::new()),
            reason: Str::from(format!("{} occurs whole in env-authored text", str_repr(&s))),
        };
    }
    let components = data_bearing_components(&s, min);
    if components.is_empty() {
        return plain(
            arg_name,
            Str::from(s.as_str()),
            ProvenanceStance::Abstain,
            false,
            true,
            "no part of the value carries data (an enum, role or status word)",
        );
    }
    let mut mask = 0u8;
    let mut unmatched = Vec::new();
    for c in &components {
        let cf = fold_text(c, &policy);
        if env.found(&cf, min) {
            mask |= env.sources(cf.as_bytes());
        } else {
            unmatched.push(c.clone());
        }
    }
    let checked = Tuple(components.iter().map(|c| Str::from(c.as_str())).collect());
    if unmatched.is_empty() {
        return ArgProvenance {
            arg_name: arg_name.clone(),
            value_repr: Str::from(s.as_str()),
            stance: ProvenanceStance::Supported,
            id_shaped: true,
            is_reference: true,
            matched_in: sources_of(mask),
            components_checked: checked,
            components_unmatched: Tuple(Vec::new()),
            reason: Str::from(format!("each data-bearing part of {} was found in env-authored text", str_repr(&s))),
        };
    }
    let reason = format!(
        "{} looks made up: its part(s) {} occur in no env-authored text; look it up with a read first",
        str_repr(&s),
        list_repr(&unmatched)
    );
    ArgProvenance {
        arg_name: arg_name.clone(),
        value_repr: Str::from(s.as_str()),
        stance: ProvenanceStance::Unsupported,
        id_shaped: true,
        is_reference: true,
        matched_in: sources_of(mask),
        components_checked: checked,
        components_unmatched: Tuple(unmatched.into_iter().map(Str::from).collect()),
        reason: Str::from(reason),
    }
}

/// The stance of one argument against the corpus (the call-level guards,
/// a read call and an empty corpus, are `classify_call`'s).
pub fn classify_arg(arg: &ToolArg, prior: &PriorResults, policy: &ProvenancePolicy) -> ArgProvenance {
    let mut corpus = Corpus { prior, policy, env: None };
    judge(&arg.name, &arg.value, arg.is_reference, &mut corpus)
}

/// The verdict over a whole call.
pub fn classify_call(call: &ToolCall, prior: &PriorResults, policy: &ProvenancePolicy) -> ProvenanceVerdict {
    if !call.is_mutating {
        return ProvenanceVerdict {
            believe: true,
            args: Tuple(Vec::new()),
            unsupported: Tuple(Vec::new()),
            reason: Str::from("a read (non-mutating) call is not judged: reads are where provenance comes from"),
        };
    }
    if prior.blobs.0.is_empty() {
        let args = call
            .args
            .0
            .iter()
            .map(|a| {
                plain(
                    &a.name,
                    pyjson::py_str(&a.value),
                    ProvenanceStance::Abstain,
                    false,
                    a.is_reference,
                    "no env-authored text yet (first call): minting cannot be shown, so abstain",
                )
            })
            .collect();
        return ProvenanceVerdict {
            believe: true,
            args: Tuple(args),
            unsupported: Tuple(Vec::new()),
            reason: Str::from("the env corpus is empty (first call of the episode): nothing to check against"),
        };
    }
    let mut corpus = Corpus { prior, policy, env: None };
    let args: Vec<ArgProvenance> = call.args.0.iter().map(|a| judge(&a.name, &a.value, a.is_reference, &mut corpus)).collect();
    let unsupported: Vec<Str> = args.iter().filter(|a| a.stance == ProvenanceStance::Unsupported).map(|a| a.arg_name.clone()).collect();
    let reason = if unsupported.is_empty() {
        Str::from("no id or key argument was made up (each was found, or there was none to check)")
    } else {
        let sep = Str::from(", ");
        let mut parts = vec![Str::from(format!("{} id or key argument(s) look made up: ", unsupported.len()))];
        for (i, n) in unsupported.iter().enumerate() {
            if i > 0 {
                parts.push(sep.clone());
            }
            parts.push(n.clone());
        }
        parts.push(Str::from("; look them up with a read tool first"));
        cat(&parts.iter().collect::<Vec<_>>())
    };
    ProvenanceVerdict { believe: unsupported.is_empty(), args: Tuple(args), unsupported: Tuple(unsupported), reason }
}

/// The concatenation of `str`s (lone surrogates kept).
pub(crate) fn cat(parts: &[&Str]) -> Str {
    if let Some(texts) = parts.iter().map(|p| p.as_str()).collect::<Option<Vec<&str>>>() {
        return Str::Utf8(texts.concat());
    }
    let cps: Vec<u32> = parts.iter().flat_map(|p| p.code_points()).collect();
    str_of_points(&cps)
}

// ------------------------------------------------------------------ ops

/// The provenance of one argument: SUPPORTED when every data-bearing part
/// of an id-shaped reference was found in env-authored text, UNSUPPORTED
/// when a part occurs nowhere, ABSTAIN when there is nothing to judge. The
/// call-level guards (a read call, an empty corpus) are not applied here.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ClassifyArg {
    pub arg: ToolArg,
    pub prior: PriorResults,
    #[serde(default)]
    pub policy: ProvenancePolicy,
}

impl Op for ClassifyArg {
    const NAME: &'static str = "arg_provenance.classify_arg";
    type Verdict = ArgProvenance;

    fn run(self, _: &Ctx<'_>) -> Result<ArgProvenance, CallError> {
        self.policy.check(Self::NAME)?;
        Ok(classify_arg(&self.arg, &self.prior, &self.policy))
    }
}

/// The provenance verdict of a tool call: a read call and an empty corpus
/// believe with nothing judged; otherwise each argument is judged and the
/// call believes when none is UNSUPPORTED (`unsupported` names them).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ClassifyCall {
    pub call: ToolCall,
    pub prior: PriorResults,
    #[serde(default)]
    pub policy: ProvenancePolicy,
}

impl Op for ClassifyCall {
    const NAME: &'static str = "arg_provenance.classify_call";
    type Verdict = ProvenanceVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<ProvenanceVerdict, CallError> {
        self.policy.check(Self::NAME)?;
        Ok(classify_call(&self.call, &self.prior, &self.policy))
    }
}

/// The `arg_provenance` module.
pub(crate) const MODULE: Module = Module {
    name: "arg_provenance",
    doc: "Did an id-shaped argument of a mutating tool call come from text the environment wrote (a prior \
          tool result, the task), or did the model make it up? Advisory: the verdict names the arguments a \
          consumer may nudge about and never claims the arguments are right.",
    routes: &[route::route::<ClassifyArg>(), route::route::<ClassifyCall>()],
    consts: &[Const {
        name: "DEFAULT_POLICY",
        doc: "The ProvenancePolicy with every default.",
        eval: |reg| route::konst(reg, ProvenancePolicy::default()),
    }],
};

#[cfg(test)]
mod tests {
    use super::*;

    fn call(op: &str, args: &str) -> Result<Value, CallError> {
        let v = pyjson::parse_str(args).unwrap();
        crate::envelope::dispatch_pure(op, None, v.as_dict().unwrap())
    }

    #[test]
    fn patterns_follow_the_reference() {
        assert!(is_negative_filtered("2025-08-23T00:00:00Z"));
        assert!(is_negative_filtered("2025-08-23T00:00:00.123+05:30"));
        assert!(is_negative_filtered("12:30"));
        assert!(is_negative_filtered("v1.2.3"));
        assert!(is_negative_filtered("(555) 123-4567"));
        assert!(is_negative_filtered("1700000000000"));
        assert!(!is_negative_filtered("1179"));
        assert!(is_negative_filtered("2025-01-01\n"));
        assert!(is_email("a@b.c") && !is_email("a@b.") && !is_email("a@@b.c"));
        assert!(is_uuid("3fc71c6d-bfa1-4339-b089-0123456789AB"));
        // Unicode digits are decimal digits to `\d` and to isdigit.
        assert!(is_id_shaped("٤٢", "group_id", 4));
        assert!(!is_id_shaped("33414", "contract_price", 4));
    }

    #[test]
    fn minted_and_resolved_ids() {
        let prior = r#"{"blobs":[{"text":"{\"number\": \"INC0010023\", \"caller\": 10023}","source":"TOOL_RESULT"}]}"#;
        let v = call(
            "arg_provenance.classify_call",
            &format!(r#"{{"call":{{"tool_name":"t","args":[{{"name":"incident_id","value":"INC9999999"}},{{"name":"x","value":"INC0010023"}}]}},"prior":{prior}}}"#),
        )
        .unwrap();
        assert_eq!(v.get("believe"), Some(&Value::Bool(false)));
        let args = v.get("args").unwrap().as_list().unwrap();
        assert_eq!(args[0].get("components_unmatched").unwrap(), &pyjson::parse_str(r#"["9999999"]"#).unwrap());
        assert_eq!(args[1].get("stance").unwrap(), &Value::str("SUPPORTED"));
    }

    #[test]
    fn bad_policy_is_refused() {
        let e = call("arg_provenance.classify_arg", r#"{"arg":{"name":"a","value":1},"prior":{},"policy":{"min_component_len":0}}"#)
            .unwrap_err();
        assert!(e.message.contains("min_component_len"), "{}", e.message);
    }
}
