//! `posttool_sensor` (its pure half): a PostToolUse hook event becomes a
//! `StreamStep`, and a firing `StreamVerdict` becomes the hook's advisory
//! `additionalContext` document.
//!
//! The digests are the first 16 hex characters of SHA-256 over the bytes the
//! reference hashes: a string result is hashed as its own UTF-8 (a lone
//! surrogate becomes `?`); anything else is hashed as
//! `json.dumps(v, sort_keys=True, ensure_ascii=False)` encoded the same way.
//! The args digest covers `{"input": tool_input, "tool": tool_name}`, so two
//! tools sharing an argument packet never share a digest. The stream log and
//! its file I/O belong to the hook binary, not here.

use super::tool_stream::{StreamPolicy, StreamState, StreamStep, StreamVerdict};
use crate::dict;
use crate::envelope::{CallError, Ctx};
use crate::pyjson::{write_value, Dict, Options, Str, Surrogates, Value};
use crate::route::{self, Const, Describe, Module, Op};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// How many hex characters of the SHA-256 a digest keeps.
pub const DIGEST_HEX_LEN: usize = 16;

/// The result keys of a PostToolUse event, in the order they are read.
pub const RESULT_KEYS: [&str; 2] = ["tool_response", "tool_output"];

/// The `json.dumps` spelling the digests are taken over.
pub const CANONICAL: Options = Options { surrogates: Surrogates::Replace, ..Options::SORTED_UTF8 };

/// SHA-256 of `bytes`, as its first [`DIGEST_HEX_LEN`] lower-case hex characters.
pub fn digest_bytes(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let sum = Sha256::digest(bytes);
    let mut out = String::with_capacity(DIGEST_HEX_LEN);
    for b in sum.iter().take(DIGEST_HEX_LEN / 2) {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 0xf) as usize] as char);
    }
    out
}

/// A Python `str` encoded with `.encode("utf-8", "replace")`.
pub fn utf8_replace(s: &Str) -> Vec<u8> {
    match s {
        Str::Utf8(t) => t.as_bytes().to_vec(),
        Str::Utf16(_) => {
            let mut out = Vec::new();
            let mut buf = [0u8; 4];
            for cp in s.code_points() {
                match char::from_u32(cp) {
                    Some(c) => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
                    None => out.push(b'?'),
                }
            }
            out
        }
    }
}

/// Append the canonical bytes of `v` (see the module docs) to `out`.
pub fn write_canonical(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Str(s) => out.extend_from_slice(&utf8_replace(s)),
        // With lone surrogates replaced, the writer has nothing to refuse.
        other => {
            let _ = write_value(out, other, &CANONICAL);
        }
    }
}

/// The canonical bytes of `v`.
pub fn canonical_bytes(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_canonical(&mut out, v);
    out
}

/// The digest of a result value.
pub fn value_digest(v: &Value) -> String {
    digest_bytes(&canonical_bytes(v))
}

/// The args digest: the canonical bytes of `{"tool": tool, "input": input}`,
/// written directly in sorted-key order.
pub fn args_digest(tool: &Str, input: &Value) -> String {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"{\"input\": ");
    let _ = write_value(&mut out, input, &CANONICAL);
    out.extend_from_slice(b", \"tool\": ");
    let _ = write_value(&mut out, &Value::Str(tool.clone()), &CANONICAL);
    out.push(b'}');
    digest_bytes(&out)
}

/// `step_from_event`: `None` unless the event is an object with a non-empty
/// string `tool_name`. A `tool_input` that is absent or null counts as `{}`;
/// the result is the first of `tool_response`, `tool_output` that is present
/// and not null, and `result_digest` is `None` when neither is.
pub fn step_from_event(event: &Value) -> Option<StreamStep> {
    let ev = event.as_dict()?;
    let tool = match ev.get("tool_name") {
        Some(Value::Str(s)) if !is_empty(s) => s,
        _ => return None,
    };
    let args = match ev.get("tool_input") {
        None | Some(Value::Null) => args_digest(tool, &Value::Dict(Dict::new())),
        Some(input) => args_digest(tool, input),
    };
    let result = RESULT_KEYS.iter().find_map(|k| ev.get(k).filter(|v| !v.is_null())).map(|v| Str::Utf8(value_digest(v)));
    Some(StreamStep { tool_name: tool.clone(), args_digest: Str::Utf8(args), result_digest: result })
}

fn is_empty(s: &Str) -> bool {
    match s {
        Str::Utf8(t) => t.is_empty(),
        Str::Utf16(u) => u.is_empty(),
    }
}

/// Concatenate Python strings, keeping lone surrogates.
fn concat(parts: &[Str]) -> Str {
    if let Some(texts) = parts.iter().map(Str::as_str).collect::<Option<Vec<_>>>() {
        return Str::Utf8(texts.concat());
    }
    let mut units = Vec::new();
    for p in parts {
        match p {
            Str::Utf8(t) => units.extend(t.encode_utf16()),
            Str::Utf16(u) => units.extend_from_slice(u),
        }
    }
    Str::from_utf16(units)
}

/// The advisory text and its hook envelope, from a verdict's parts.
pub fn warn_payload_parts(state: StreamState, repeat_run: i64, step: Option<&StreamStep>, reason: &Str) -> Option<Value> {
    if state == StreamState::Advancing {
        return None;
    }
    let tool = step.map_or_else(|| Str::from("(tool not named)"), |s| s.tool_name.clone());
    let digest = match step {
        Some(StreamStep { result_digest: Some(d), .. }) => d.clone(),
        _ => Str::from("(no digest)"),
    };
    let text = concat(&[
        Str::Utf8(format!("DOS tool_stream {}: the last {repeat_run} calls of `", state.as_str())),
        tool,
        Str::from("` got back the exact same result each time (environment digest "),
        digest,
        Str::from(
            "), so nothing new has arrived. Sending the same call again will not change the answer. \
             If you are waiting on a background job or an asynchronous write, wait for its completion \
             signal rather than reading again; otherwise carry on with the result you already have. [",
        ),
        reason.clone(),
        Str::from("]"),
    ]);
    let mut inner = Dict::with_capacity(2);
    inner.push("hookEventName", Value::str("PostToolUse"));
    inner.push("additionalContext", Value::Str(text));
    Some(Value::Dict(dict! { "hookSpecificOutput" => Value::Dict(inner) }))
}

/// `warn_payload`: `None` for ADVANCING, otherwise the PostToolUse
/// `{"hookSpecificOutput": {"hookEventName", "additionalContext"}}` document.
pub fn warn_payload(verdict: &StreamVerdict) -> Option<Value> {
    warn_payload_parts(verdict.state, verdict.repeat_run, verdict.repeated_step.as_ref(), &verdict.reason)
}

// ------------------------------------------------------------------ the route

/// The durable-schema family of a stream log record.
pub const SCHEMA_FAMILY: &str = "tool-stream";
/// The durable-schema version of a stream log record.
pub const TOOL_STREAM_SCHEMA: i64 = 1;
/// The directory under `.dos/` holding one stream log per session.
pub const STREAMS_DIRNAME: &str = "streams";

/// The `StreamStep` of one PostToolUse event, or None when the event is not
/// a mapping with a non-empty string `tool_name`. `args_digest` covers the
/// tool and its `tool_input` (absent or None: `{}`); `result_digest` covers
/// the first of `tool_response` / `tool_output` that is present and not
/// None (neither: None). A digest is the first 16 hex characters of
/// SHA-256 over a string's UTF-8 (a lone surrogate as `?`) or over the
/// value's `json.dumps(sort_keys=True, ensure_ascii=False)` text.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct StepFromEvent {
    /// The hook event (any value; only a mapping can be a tool call).
    #[serde(default)]
    pub event: Value,
    /// Accepted, as the reference accepts it, and not read (checked when given).
    #[serde(default)]
    pub policy: Option<StreamPolicy>,
}

impl Op for StepFromEvent {
    const NAME: &'static str = "posttool_sensor.step_from_event";
    type Verdict = Option<StreamStep>;

    fn run(self, _: &Ctx<'_>) -> Result<Option<StreamStep>, CallError> {
        Ok(step_from_event(&self.event))
    }
}

/// The PostToolUse advisory for a REPEATING or STALLED verdict:
/// `{"hookSpecificOutput": {"hookEventName": "PostToolUse",
/// "additionalContext": <text>}}`, the text naming the state, the run, the
/// repeated tool, its result digest and the verdict's reason; None for
/// ADVANCING.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct WarnPayload {
    /// The stall verdict.
    pub verdict: StreamVerdict,
}

impl Op for WarnPayload {
    const NAME: &'static str = "posttool_sensor.warn_payload";
    type Verdict = Option<Dict>;

    fn run(self, _: &Ctx<'_>) -> Result<Option<Dict>, CallError> {
        match warn_payload(&self.verdict) {
            None => Ok(None),
            Some(Value::Dict(d)) => Ok(Some(d)),
            Some(_) => Err(CallError::new(crate::envelope::ErrorCode::Internal, "warn_payload: not a dict")),
        }
    }
}

pub(crate) const MODULE: Module = Module {
    name: "posttool_sensor",
    doc: "The pure half of the PostToolUse sensor: a hook event becomes a StreamStep (the tool, a digest of its \
          arguments and a digest of the result it got back), and a REPEATING or STALLED stream verdict becomes the \
          hook's advisory additionalContext document. The session stream log (appending and replaying steps on \
          disk) is the hook's file I/O, not here.",
    routes: &[route::route::<StepFromEvent>(), route::route::<WarnPayload>()],
    consts: &[
        Const {
            name: "SCHEMA_FAMILY",
            doc: "The durable-schema family of a stream log record.",
            eval: |reg| route::konst(reg, SCHEMA_FAMILY),
        },
        Const {
            name: "TOOL_STREAM_SCHEMA",
            doc: "The durable-schema version of a stream log record.",
            eval: |reg| route::konst(reg, TOOL_STREAM_SCHEMA),
        },
        Const {
            name: "STREAMS_DIRNAME",
            doc: "The directory under .dos/ that holds one stream log per session.",
            eval: |reg| route::konst(reg, STREAMS_DIRNAME),
        },
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::parse_str;

    #[test]
    fn digests_match_the_reference() {
        // Values computed with the reference (dos-kernel 0.22.0).
        assert_eq!(digest_bytes(b"hello"), "2cf24dba5fb0a30e");
        let ev = parse_str(r#"{"tool_name": "Read", "tool_input": {"b": 1, "a": [1.0, "\ud800"]}, "tool_output": "x\ud800"}"#).unwrap();
        let s = step_from_event(&ev).unwrap();
        assert_eq!(s.args_digest, Str::from("8027c55065411d10"));
        assert_eq!(s.result_digest, Some(Str::from("074ab17800f4dc20")));
        assert_eq!(s.result_digest, Some(Str::Utf8(digest_bytes(b"x?"))));
    }

    #[test]
    fn no_tool_no_step() {
        for ev in ["null", "[]", "{}", r#"{"tool_name": ""}"#, r#"{"tool_name": 3}"#] {
            assert!(step_from_event(&parse_str(ev).unwrap()).is_none(), "{ev}");
        }
        let ev = parse_str(r#"{"tool_name": "X", "tool_response": null, "tool_output": 0}"#).unwrap();
        assert_eq!(step_from_event(&ev).unwrap().result_digest, Some(Str::Utf8(digest_bytes(b"0"))));
        let ev = parse_str(r#"{"tool_name": "X", "tool_response": null}"#).unwrap();
        assert_eq!(step_from_event(&ev).unwrap().result_digest, None);
    }

    #[test]
    fn warn_only_when_firing() {
        let step = StreamStep::new("Read", "a", Some("d"));
        assert!(warn_payload_parts(StreamState::Advancing, 1, None, &Str::from("r")).is_none());
        let v = warn_payload_parts(StreamState::Stalled, 5, Some(&step), &Str::from("r")).unwrap();
        let text = v.get("hookSpecificOutput").and_then(|h| h.get("additionalContext")).and_then(Value::as_str).unwrap();
        assert!(text.contains("STALLED") && text.contains("`Read`") && text.contains(" 5 ") && text.contains("d)"));
    }
}
