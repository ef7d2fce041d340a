//! `result_state`: was a subagent's final record written by its model, or
//! synthesized by the harness (a rate-limit, quota, auth or server death)?
//!
//! The terminal assistant record of a transcript decides: a `model` of
//! `<synthetic>` (or a top-level `isApiErrorMessage`) means the harness
//! authored it, so the "result" is an error string (SYNTHETIC, dead); no
//! assistant record, or one without content, is EMPTY (dead); an unreadable
//! transcript is UNREADABLE and deliberately not dead (a read fault must not
//! invent a death); otherwise HEALTHY. The class of a synthetic death
//! (RATE_LIMIT, USAGE_LIMIT, AUTH, SERVER, OTHER) is detail, never the gate.
//! The transcript readers live in the I/O layer and use
//! [`terminal_evidence_from_text`].

use crate::envelope::{CallError, Ctx};
use crate::pyjson::{Dict, Int, Str, Value};
use crate::pyre;
use crate::route::{self, Const, Describe, Op};
use serde::{Deserialize, Serialize};

fn empty() -> Str {
    Str::from("")
}

/// The harness-authorship marker of a terminal record's `message.model`.
pub const SYNTHETIC_MODEL: &str = "<synthetic>";
/// The stop reason every synthetic record carries (corroboration only).
pub const SYNTHETIC_STOP_REASON: &str = "stop_sequence";

/// The terminal record's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TerminalState {
    /// A real model wrote it, with content.
    Healthy,
    /// The harness synthesized it (dead).
    Synthetic,
    /// Nothing was produced (dead).
    Empty,
    /// The transcript could not be read (not dead).
    Unreadable,
}

/// The detail class of a synthetic terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TerminalClass {
    RateLimit,
    UsageLimit,
    Auth,
    Server,
    Other,
    /// Not a synthetic terminal.
    None,
}

impl TerminalClass {
    pub(crate) fn token(self) -> &'static str {
        match self {
            TerminalClass::RateLimit => "RATE_LIMIT",
            TerminalClass::UsageLimit => "USAGE_LIMIT",
            TerminalClass::Auth => "AUTH",
            TerminalClass::Server => "SERVER",
            TerminalClass::Other => "OTHER",
            TerminalClass::None => "NONE",
        }
    }
}

impl TerminalState {
    fn token(self) -> &'static str {
        match self {
            TerminalState::Healthy => "HEALTHY",
            TerminalState::Synthetic => "SYNTHETIC",
            TerminalState::Empty => "EMPTY",
            TerminalState::Unreadable => "UNREADABLE",
        }
    }
}

/// The fields of a transcript's terminal assistant record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct TerminalEvidence {
    /// An assistant record was found.
    pub found: bool,
    /// The transcript could be read.
    pub readable: bool,
    /// `message.model` (`<synthetic>` is the harness's mark).
    #[serde(default)]
    pub model: Option<Str>,
    /// `message.stop_reason`.
    #[serde(default)]
    pub stop_reason: Option<Str>,
    /// The top-level `isApiErrorMessage` flag.
    #[serde(default)]
    pub is_api_error: bool,
    /// The top-level `apiErrorStatus`, when an int.
    #[serde(default)]
    pub api_status: Option<i64>,
    /// The leading text of the record (at most 400 code points, stripped).
    #[serde(default = "empty")]
    pub text: Str,
    /// The record carried text or tool/thinking/image content.
    #[serde(default)]
    pub has_content: bool,
}

impl TerminalEvidence {
    /// Evidence with only `found` and `readable` set.
    pub fn bare(found: bool, readable: bool) -> Self {
        TerminalEvidence {
            found,
            readable,
            model: None,
            stop_reason: None,
            is_api_error: false,
            api_status: None,
            text: Str::from(""),
            has_content: false,
        }
    }
}

fn none_class() -> TerminalClass {
    TerminalClass::None
}

/// The verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ResultStateVerdict {
    pub state: TerminalState,
    /// The fold must not believe this result (SYNTHETIC or EMPTY).
    pub dead: bool,
    /// The detail class (NONE unless SYNTHETIC): the attribute `cls`,
    /// written `class` as the reference's `to_dict()` writes it.
    #[serde(rename = "class", default = "none_class")]
    #[describe(attr = "cls")]
    pub cls: TerminalClass,
    #[serde(default)]
    pub api_status: Option<i64>,
    /// One line for the operator.
    #[serde(default = "empty")]
    pub reason: Str,
}

fn status_is(s: Option<i64>, code: i64) -> bool {
    s == Some(code)
}

/// The detail class of a synthetic terminal, from its status and its
/// leading text already lowercased.
fn infer_class(api_status: Option<i64>, t: &str) -> TerminalClass {
    if status_is(api_status, 429) || t.contains("rate limited") {
        return TerminalClass::RateLimit;
    }
    if status_is(api_status, 401) || t.contains("authentication") {
        return TerminalClass::Auth;
    }
    if status_is(api_status, 500) || t.contains("internal server error") || t.contains("server-side") {
        return TerminalClass::Server;
    }
    let usage = ["weekly limit", "session limit", "out of extra usage", "disabled claude", "usage limit"];
    if status_is(api_status, 403) || usage.iter().any(|u| t.contains(u)) {
        return TerminalClass::UsageLimit;
    }
    TerminalClass::Other
}

/// Why a terminal record got its state; [`terminal_reason`] writes it as
/// the verdict's reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TerminalWhy {
    Unreadable,
    /// The harness wrote it: by the model mark (else by the API-error flag),
    /// corroborated by the stop reason or not, with its status and class.
    Harness {
        synthetic_model: bool,
        stop_sequence: bool,
        status: Option<i64>,
        cls: TerminalClass,
    },
    NoRecord,
    NoContent,
    Healthy,
}

/// A terminal record's verdict with its reason unwritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TerminalJudgement {
    pub state: TerminalState,
    pub dead: bool,
    pub cls: TerminalClass,
    /// The record's status (SYNTHETIC only).
    pub api_status: Option<i64>,
    pub why: TerminalWhy,
}

/// The fields of a terminal record the verdict reads, borrowed.
#[derive(Clone, Copy, Debug)]
pub struct TerminalFields<'a> {
    pub found: bool,
    pub readable: bool,
    pub model: Option<&'a str>,
    pub stop_reason: Option<&'a str>,
    pub is_api_error: bool,
    pub api_status: Option<i64>,
    /// The leading text (lowercased here only for a synthetic record).
    pub text: &'a str,
    pub has_content: bool,
}

/// The verdict on a terminal record's fields, its reason unwritten (see
/// [`ClassifyTerminal`]).
pub fn judge_terminal(e: &TerminalFields<'_>) -> TerminalJudgement {
    let plain = |state, dead, why| TerminalJudgement { state, dead, cls: TerminalClass::None, api_status: None, why };
    if !e.readable {
        return plain(TerminalState::Unreadable, false, TerminalWhy::Unreadable);
    }
    let synthetic_model = e.model == Some(SYNTHETIC_MODEL);
    if synthetic_model || e.is_api_error {
        let cls = infer_class(e.api_status, &crate::pystr::lower(e.text));
        let stop_sequence = e.stop_reason == Some(SYNTHETIC_STOP_REASON);
        return TerminalJudgement {
            state: TerminalState::Synthetic,
            dead: true,
            cls,
            api_status: e.api_status,
            why: TerminalWhy::Harness { synthetic_model, stop_sequence, status: e.api_status, cls },
        };
    }
    if !e.found {
        return plain(TerminalState::Empty, true, TerminalWhy::NoRecord);
    }
    if !e.has_content {
        return plain(TerminalState::Empty, true, TerminalWhy::NoContent);
    }
    plain(TerminalState::Healthy, false, TerminalWhy::Healthy)
}

/// The reason line of a judgement.
pub fn terminal_reason(why: TerminalWhy) -> String {
    match why {
        TerminalWhy::Unreadable => "the transcript could not be read: no death is claimed that was not witnessed (fail-safe)".to_owned(),
        TerminalWhy::Harness { synthetic_model, stop_sequence, status, cls } => {
            let marker = if synthetic_model { "model=<synthetic>" } else { "isApiErrorMessage=true" };
            let corrob = if stop_sequence { " + stop_reason=stop_sequence" } else { "" };
            let status = status.map(|s| format!(" apiErrorStatus={s}")).unwrap_or_default();
            format!(
                "the harness wrote the terminal record ({marker}{corrob}{status}): the result is a {} error \
                 string, not a finding; route it to DEAD and keep it out of the fold",
                cls.token()
            )
        }
        TerminalWhy::NoRecord => "the transcript holds no assistant record: the worker produced no result".to_owned(),
        TerminalWhy::NoContent => "the terminal assistant record has no content: there is no result to fold".to_owned(),
        TerminalWhy::Healthy => "a real model wrote the terminal assistant record, with content".to_owned(),
    }
}

/// The verdict on a terminal record (see [`ClassifyTerminal`]).
pub fn classify_terminal(e: &TerminalEvidence) -> ResultStateVerdict {
    // A text with a lone surrogate is lowercased with U+FFFD in its place
    // (the class phrases are ASCII); a model with one is not the mark.
    let text: String = match e.text.as_str() {
        Some(_) => String::new(),
        None => e.text.code_points().map(|c| char::from_u32(c).unwrap_or('\u{fffd}')).collect(),
    };
    let j = judge_terminal(&TerminalFields {
        found: e.found,
        readable: e.readable,
        model: e.model.as_ref().and_then(Str::as_str),
        stop_reason: e.stop_reason.as_ref().and_then(Str::as_str),
        is_api_error: e.is_api_error,
        api_status: e.api_status,
        text: e.text.as_str().unwrap_or(&text),
        has_content: e.has_content,
    });
    ResultStateVerdict { state: j.state, dead: j.dead, cls: j.cls, api_status: j.api_status, reason: Str::from(terminal_reason(j.why)) }
}

/// The refusal envelope of a verdict (see [`RefusalEnvelope`]).
pub fn refusal_envelope(v: &ResultStateVerdict) -> Dict {
    let mut d = Dict::new();
    if !v.dead {
        d.push("all_clear", Value::Bool(true));
        d.push("verdict", Value::str("LIVE"));
        d.push("state", Value::str(v.state.token()));
        d.push("reason", Value::Str(v.reason.clone()));
        return d;
    }
    let class = if v.state == TerminalState::Synthetic { format!("RESULT_DEAD_{}", v.cls.token()) } else { "RESULT_EMPTY".to_owned() };
    d.push("do_not_render", Value::Bool(true));
    d.push("blocked", Value::Bool(true));
    d.push("all_clear", Value::Bool(false));
    d.push("verdict", Value::str("WEDGE"));
    d.push("reason_class", Value::str(class));
    d.push("state", Value::str(v.state.token()));
    d.push("api_status", v.api_status.map_or(Value::Null, |s| Value::Int(Int::Small(s))));
    d.push("reason", Value::Str(v.reason.clone()));
    d
}

/// How many code points of the leading text are kept.
pub const LEAD_CHARS: usize = 400;

/// The block types that count as content besides a non-empty text.
pub const CONTENT_BLOCKS: [&str; 4] = ["tool_use", "tool_result", "thinking", "image"];

/// A leading text as the evidence keeps it: stripped, then its first
/// [`LEAD_CHARS`] code points.
pub fn lead_text(s: &str) -> &str {
    let t = crate::pystr::strip(s);
    match t.char_indices().nth(LEAD_CHARS) {
        Some((at, _)) => &t[..at],
        None => t,
    }
}

/// A str `apiErrorStatus` as [`api_status_int`] reads it.
pub fn api_status_of_text(s: &str) -> Result<Option<i64>, String> {
    let kept = crate::pystr::strip(s);
    if kept.is_empty() || !kept.chars().all(crate::pystr::is_digit) {
        return Ok(None);
    }
    let i =
        crate::pystr::int_from_str(kept).ok_or_else(|| format!("apiErrorStatus {} is digits int() refuses", crate::pystr::repr(kept)))?;
    i.as_i64().map(Some).ok_or_else(|| format!("apiErrorStatus {i} is beyond the 64-bit range"))
}

fn leading_text(content: Option<&Value>) -> (Vec<u32>, bool) {
    fn lead(s: &Str) -> Vec<u32> {
        let cps = pyre::code_points(s);
        let kept = pyre::strip_cps(&cps);
        kept[..kept.len().min(LEAD_CHARS)].to_vec()
    }
    match content {
        Some(Value::Str(s)) => {
            let t = lead(s);
            let has = !t.is_empty();
            (t, has)
        }
        Some(Value::List(items)) => {
            let mut text: Vec<u32> = Vec::new();
            let mut has = false;
            for b in items {
                let Some(d) = b.as_dict() else { continue };
                match d.get("type").and_then(Value::as_str) {
                    Some("text") => {
                        if let Some(Value::Str(t)) = d.get("text") {
                            if t.code_points().next().is_some() {
                                has = true;
                                if text.is_empty() {
                                    text = lead(t);
                                }
                            }
                        }
                    }
                    Some(t) if CONTENT_BLOCKS.contains(&t) => has = true,
                    _ => {}
                }
            }
            (text, has)
        }
        _ => (Vec::new(), false),
    }
}

/// Python truthiness of a JSON value.
fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Int(i)) => i.as_i64() != Some(0),
        Some(Value::Float(f)) => *f != 0.0,
        Some(Value::Str(s)) => s.code_points().next().is_some(),
        Some(Value::List(l)) => !l.is_empty(),
        Some(Value::Dict(d)) => !d.is_empty(),
    }
}

/// `apiErrorStatus` as an int: an int (not a bool), or a str of digits
/// (stripped); else none. A str of digits `int()` refuses (a superscript)
/// is an error, as the reference raises; so is a status beyond 64 bits
/// (the native types hold an `i64`).
fn api_status_int(v: Option<&Value>) -> Result<Option<i64>, String> {
    let wide = |i: &Int| i.as_i64().ok_or_else(|| format!("apiErrorStatus {i} is beyond the 64-bit range"));
    match v {
        Some(Value::Int(i)) => wide(i).map(Some),
        Some(Value::Str(s)) if s.as_str().is_some() => api_status_of_text(s.as_str().unwrap_or_default()),
        Some(Value::Str(s)) => {
            let cps = pyre::code_points(s);
            let kept = pyre::strip_cps(&cps);
            let digits = !kept.is_empty() && kept.iter().all(|&c| char::from_u32(c).is_some_and(crate::pystr::is_digit));
            if !digits {
                return Ok(None);
            }
            let text: String = kept.iter().filter_map(|&c| char::from_u32(c)).collect();
            let i = crate::pystr::int_from_str(&text)
                .ok_or_else(|| format!("apiErrorStatus {} is digits int() refuses", crate::pystr::repr(&text)))?;
            wide(&i).map(Some)
        }
        _ => Ok(None),
    }
}

/// The evidence of one transcript record (see [`TerminalEvidenceFromRecord`]);
/// `Err` where the reference raises.
pub fn terminal_evidence_from_record(record: &Value) -> Result<Option<TerminalEvidence>, String> {
    let Some(rec) = record.as_dict() else { return Ok(None) };
    let Some(msg) = rec.get("message").and_then(Value::as_dict) else { return Ok(None) };
    if msg.get("role").and_then(Value::as_str) != Some("assistant") {
        return Ok(None);
    }
    let (text, has_content) = leading_text(msg.get("content"));
    let string = |k: &str| match msg.get(k) {
        Some(Value::Str(s)) => Some(s.clone()),
        _ => None,
    };
    Ok(Some(TerminalEvidence {
        found: true,
        readable: true,
        model: string("model"),
        stop_reason: string("stop_reason"),
        is_api_error: truthy(rec.get("isApiErrorMessage")),
        api_status: api_status_int(rec.get("apiErrorStatus"))?,
        text: pyre::to_str(&text),
        has_content,
    }))
}

/// The evidence of a transcript's text (JSONL, read as
/// `claim_extract::transcript_lines` reads it; unreadable lines skipped):
/// its last assistant record's, or `found: false` when there is none.
/// `Err` where the reference raises: an assistant record anywhere in the
/// file whose `apiErrorStatus` cannot be read (see
/// [`terminal_evidence_from_record`]).
///
/// Each line is scanned without building its value; the last assistant
/// record is then read whole.
pub fn terminal_evidence_from_text(text: &str) -> Result<TerminalEvidence, String> {
    let mut scratch = crate::pyjson::Scratch::default();
    let mut last = None;
    for line in crate::deciders::claim_extract::transcript_lines(text) {
        let Ok(rec) = crate::pyjson::scan(line, &mut scratch) else { continue };
        let Some(msg) = rec.get("message") else { continue };
        if !msg.is_dict() || !msg.get("role").and_then(|r| r.text()).is_some_and(|r| r.eq_str("assistant")) {
            continue;
        }
        if let Some(status) = rec.get("apiErrorStatus") {
            api_status_int(Some(&status.to_value()))?;
        }
        last = Some(line);
    }
    let Some(line) = last else { return Ok(TerminalEvidence::bare(false, true)) };
    let record = crate::pyjson::parse_str(line).map_err(|e| e.to_string())?;
    Ok(terminal_evidence_from_record(&record)?.unwrap_or_else(|| TerminalEvidence::bare(false, true)))
}

/// The terminal state, in the safe order: UNREADABLE (not dead) when the
/// transcript could not be read; SYNTHETIC (dead, with the detail class and
/// status) when `model` is `<synthetic>` or `is_api_error`; EMPTY (dead) when
/// no record was found or it has no content; else HEALTHY. The class: 429
/// or "rate limited" RATE_LIMIT, 401 or "authentication" AUTH, 500 or
/// "internal server error"/"server-side" SERVER, 403 or a usage-limit phrase
/// USAGE_LIMIT, else OTHER (the text lowercased).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ClassifyTerminal {
    /// The terminal record's fields.
    pub evidence: TerminalEvidence,
}

impl Op for ClassifyTerminal {
    const NAME: &'static str = "result_state.classify_terminal";
    type Verdict = ResultStateVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<ResultStateVerdict, CallError> {
        Ok(classify_terminal(&self.evidence))
    }
}

/// The refusal envelope of a verdict: not dead, `{all_clear: true, verdict:
/// "LIVE", state, reason}`; dead, `{do_not_render, blocked, all_clear:
/// false, verdict: "WEDGE", reason_class (RESULT_DEAD_<CLASS> for a
/// synthetic death, else RESULT_EMPTY), state, api_status, reason}`.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct RefusalEnvelope {
    /// A verdict of `classify_terminal`.
    pub verdict: ResultStateVerdict,
}

impl Op for RefusalEnvelope {
    const NAME: &'static str = "result_state.refusal_envelope";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        Ok(refusal_envelope(&self.verdict))
    }
}

/// The evidence of one transcript record, when it is an assistant turn
/// (a dict whose `message` is a dict with `role` "assistant"), else null:
/// `model` and `stop_reason` when str, `is_api_error` the truth of the
/// top-level `isApiErrorMessage`, `api_status` the top-level
/// `apiErrorStatus` when an int or a str of digits, `text` the first
/// non-empty text block stripped to 400 code points, `has_content` any
/// text, tool_use, tool_result, thinking or image block.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct TerminalEvidenceFromRecord {
    /// One transcript record (any JSON).
    #[serde(deserialize_with = "route::required")]
    pub record: Value,
}

impl Op for TerminalEvidenceFromRecord {
    const NAME: &'static str = "result_state.terminal_evidence_from_record";
    type Verdict = Option<TerminalEvidence>;

    fn run(self, _: &Ctx<'_>) -> Result<Option<TerminalEvidence>, CallError> {
        terminal_evidence_from_record(&self.record).map_err(|e| CallError::bad_args(format!("{}: args.record: {e}", Self::NAME)))
    }
}

/// The module's doc (the I/O layer adds the transcript readers to it).
pub const DOC: &str = "Was a subagent's final record written by its model or synthesized by the harness? \
                       HEALTHY, SYNTHETIC (dead: a rate-limit, quota, auth or server death), EMPTY (dead) or \
                       UNREADABLE (not dead: a read fault invents no death).";

/// The module's constants.
pub const CONSTS: [Const; 2] = [
    Const { name: "SYNTHETIC_MODEL", doc: "The harness's model mark.", eval: |reg| route::konst(reg, SYNTHETIC_MODEL) },
    Const {
        name: "SYNTHETIC_STOP_REASON",
        doc: "The stop reason of synthetic records.",
        eval: |reg| route::konst(reg, SYNTHETIC_STOP_REASON),
    },
];

/// `dos.result_state`'s pure ops (`dos-io` adds the transcript readers).
pub(crate) const MODULE: route::Module = route::Module {
    name: "result_state",
    doc: DOC,
    routes: &[route::route::<ClassifyTerminal>(), route::route::<RefusalEnvelope>(), route::route::<TerminalEvidenceFromRecord>()],
    consts: &CONSTS,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson;

    #[test]
    fn states() {
        let rec = pyjson::parse_str(
            r#"{"isApiErrorMessage":true,"apiErrorStatus":" 429 ","message":{"role":"assistant","model":"<synthetic>",
                "stop_reason":"stop_sequence","content":[{"type":"text","text":"API Error: Rate limited"}]}}"#,
        )
        .unwrap();
        let e = terminal_evidence_from_record(&rec).unwrap().unwrap();
        assert_eq!(e.api_status, Some(429));
        let v = classify_terminal(&e);
        assert_eq!((v.state, v.dead, v.cls), (TerminalState::Synthetic, true, TerminalClass::RateLimit));
        assert_eq!(refusal_envelope(&v).get("reason_class").and_then(Value::as_str), Some("RESULT_DEAD_RATE_LIMIT"));
        assert_eq!(classify_terminal(&TerminalEvidence::bare(false, false)).state, TerminalState::Unreadable);
        assert_eq!(classify_terminal(&TerminalEvidence::bare(false, true)).state, TerminalState::Empty);
        let sup = pyjson::parse_str(r#"{"apiErrorStatus":"²","message":{"role":"assistant"}}"#).unwrap();
        assert!(terminal_evidence_from_record(&sup).is_err());
    }

    #[test]
    fn transcript_text() {
        let healthy = r#"{"message":{"role":"assistant","model":"m","content":[{"type":"text","text":"  hi  "}]}}"#;
        let dead = r#"{"isApiErrorMessage":1,"apiErrorStatus":"429","message":{"role":"assistant","model":"<synthetic>"}}"#;
        let ev = |lines: &[&str]| terminal_evidence_from_text(&lines.join("\r"));
        let e = ev(&[dead, healthy, "{", r#"{"message":{"role":"user"}}"#]).unwrap();
        assert_eq!((e.found, e.model.as_ref().and_then(Str::as_str), e.text.as_str()), (true, Some("m"), Some("hi")));
        let e = ev(&[healthy, dead, "[]"]).unwrap();
        assert_eq!((e.is_api_error, e.api_status, e.has_content), (true, Some(429), false));
        assert_eq!(ev(&["", "x", r#"{"message":"m"}"#]).unwrap(), TerminalEvidence::bare(false, true));
        // A status the reference's int() refuses raises wherever its record stands.
        let sup = r#"{"apiErrorStatus":"\u00b2","message":{"role":"assistant"}}"#;
        assert!(ev(&[sup, healthy]).is_err());
        // Not an assistant record: its status is never read.
        assert!(ev(&[r#"{"apiErrorStatus":"\u00b2","message":{"role":"user"}}"#, healthy]).is_ok());
    }
}
