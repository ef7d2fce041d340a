//! `tool_stream`: is the tool loop still getting new bytes back, or spinning?
//!
//! Each step of a session's tool stream is reduced (at the boundary, see
//! `posttool_sensor`) to three opaque strings: the tool, a digest of its
//! arguments and a digest of the result the environment returned. The verdict
//! counts how many steps at the end of the stream share the same
//! (case-folded tool, args digest, result digest) key. A step with no result,
//! or whose tool the policy ignores, has no key and so never extends a run.

use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::{float_repr, Int, Str, Value};
use crate::{dict, pystr};
use std::collections::HashSet;

/// The verdict vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamState {
    Advancing,
    Repeating,
    Stalled,
}

impl StreamState {
    pub fn as_str(self) -> &'static str {
        match self {
            StreamState::Advancing => "ADVANCING",
            StreamState::Repeating => "REPEATING",
            StreamState::Stalled => "STALLED",
        }
    }

    pub fn parse(s: &str) -> Option<StreamState> {
        match s {
            "ADVANCING" => Some(StreamState::Advancing),
            "REPEATING" => Some(StreamState::Repeating),
            "STALLED" => Some(StreamState::Stalled),
            _ => None,
        }
    }
}

pub const DEFAULT_REPEAT_N: i64 = 3;
pub const DEFAULT_STALL_N: i64 = 5;

/// `StreamPolicy`: the two run-length thresholds and the exempt tools.
///
/// Built only through [`StreamPolicy::new`], which enforces
/// `1 <= repeat_n <= stall_n`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamPolicy {
    repeat_n: i64,
    stall_n: i64,
    /// The exempt tool names as given, unique, in Python `str` order.
    ignore_tools: Vec<Str>,
    /// The same names case-folded, for the membership test.
    ignore_folded: HashSet<Str>,
}

impl Default for StreamPolicy {
    fn default() -> Self {
        StreamPolicy { repeat_n: DEFAULT_REPEAT_N, stall_n: DEFAULT_STALL_N, ignore_tools: Vec::new(), ignore_folded: HashSet::new() }
    }
}

impl StreamPolicy {
    /// Validate and build a policy; the error says which bound was broken.
    pub fn new(repeat_n: i64, stall_n: i64, ignore_tools: impl IntoIterator<Item = Str>) -> Result<StreamPolicy, String> {
        if repeat_n < 1 {
            return Err(format!("repeat_n is {repeat_n}; it has to be at least 1"));
        }
        if stall_n < repeat_n {
            return Err(format!("stall_n ({stall_n}) is below repeat_n ({repeat_n}); a stall needs at least as long a run as a repeat"));
        }
        let mut tools: Vec<Str> = ignore_tools.into_iter().collect();
        tools.sort_by(|a, b| a.py_cmp(b));
        tools.dedup();
        let ignore_folded = tools.iter().map(casefold_str).collect();
        Ok(StreamPolicy { repeat_n, stall_n, ignore_tools: tools, ignore_folded })
    }

    pub fn repeat_n(&self) -> i64 {
        self.repeat_n
    }

    pub fn stall_n(&self) -> i64 {
        self.stall_n
    }

    /// The exempt tool names, unique and sorted by code point.
    pub fn ignore_tools(&self) -> &[Str] {
        &self.ignore_tools
    }

    fn ignores_folded(&self, folded_tool: &Str) -> bool {
        !self.ignore_folded.is_empty() && self.ignore_folded.contains(folded_tool)
    }

    /// Whether a step by `tool` is exempt (never part of a run): its
    /// case-folded name is one of the exempt names, case-folded.
    pub fn ignores(&self, tool: &Str) -> bool {
        !self.ignore_folded.is_empty() && self.ignore_folded.contains(&casefold_str(tool))
    }

    /// The policy as data: `{repeat_n, stall_n, ignore_tools: [sorted]}`.
    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "repeat_n" => self.repeat_n,
            "stall_n" => self.stall_n,
            "ignore_tools" => Value::List(self.ignore_tools.iter().cloned().map(Value::Str).collect()),
        })
    }
}

/// `StreamStep`: one tool call as the verdict sees it. Tool names and digests
/// are Python strings (a tool name read from an event may hold a lone surrogate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamStep {
    pub tool_name: Str,
    pub args_digest: Str,
    /// `None`: the call returned nothing, which never equals another result.
    pub result_digest: Option<Str>,
}

impl StreamStep {
    pub fn new(tool_name: &str, args_digest: &str, result_digest: Option<&str>) -> StreamStep {
        StreamStep { tool_name: Str::from(tool_name), args_digest: Str::from(args_digest), result_digest: result_digest.map(Str::from) }
    }

    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "tool_name" => Value::Str(self.tool_name.clone()),
            "args_digest" => Value::Str(self.args_digest.clone()),
            "result_digest" => self.result_digest.clone().map(Value::Str),
        })
    }
}

/// `StreamVerdict`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamVerdict {
    pub state: StreamState,
    /// Length of the run of identical keys that ends at the latest step.
    pub repeat_run: i64,
    /// The latest step, when it repeats an earlier one (a run of two or more)
    /// and the state is not ADVANCING.
    pub repeated_step: Option<StreamStep>,
    pub reason: String,
}

impl StreamVerdict {
    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "state" => self.state.as_str(),
            "repeat_run" => self.repeat_run,
            "repeated_step" => self.repeated_step.as_ref().map(StreamStep::to_value),
            "reason" => self.reason.clone(),
        })
    }
}

/// Python's `str.casefold()` on a string that may hold lone surrogates (they
/// are left as they are).
pub fn casefold_str(s: &Str) -> Str {
    match s {
        Str::Utf8(t) => Str::Utf8(pystr::casefold(t)),
        Str::Utf16(_) => {
            let mut units = Vec::new();
            let mut buf = [0u8; 4];
            for cp in s.code_points() {
                match char::from_u32(cp) {
                    Some(c) => units.extend(pystr::casefold(c.encode_utf8(&mut buf)).encode_utf16()),
                    None => units.push(cp as u16),
                }
            }
            Str::from_utf16(units)
        }
    }
}

/// The run of identical keys ending at the last step, and that step when the
/// run is two or longer.
fn trailing_run<'s>(steps: &'s [StreamStep], policy: &StreamPolicy) -> (i64, Option<&'s StreamStep>) {
    let Some((last, earlier)) = steps.split_last() else {
        return (0, None);
    };
    let Some(last_result) = last.result_digest.as_ref() else {
        return (1, None);
    };
    let last_fold = casefold_str(&last.tool_name);
    if policy.ignores_folded(&last_fold) {
        return (1, None);
    }
    // An earlier step whose folded tool equals the last one's is exempt exactly
    // when the last one is, so only the key fields need comparing here.
    let mut run: i64 = 1;
    for prev in earlier.iter().rev() {
        let same = prev.result_digest.as_ref() == Some(last_result)
            && prev.args_digest == last.args_digest
            && (prev.tool_name == last.tool_name || casefold_str(&prev.tool_name) == last_fold);
        if !same {
            break;
        }
        run += 1;
    }
    (run, (run >= 2).then_some(last))
}

/// `classify_stream`: ADVANCING below `repeat_n`, REPEATING from `repeat_n`,
/// STALLED from `stall_n`.
pub fn classify_stream(steps: &[StreamStep], policy: &StreamPolicy) -> StreamVerdict {
    let (run, repeated) = trailing_run(steps, policy);
    classify_run(run, repeated, policy)
}

/// The verdict on a trailing run of `run` identical keys, `repeated` being
/// the latest step when the run is two or longer: the ladder of
/// [`classify_stream`] for hosts that measure the run over their own step
/// objects.
pub fn classify_run(run: i64, repeated: Option<&StreamStep>, policy: &StreamPolicy) -> StreamVerdict {
    if run >= policy.stall_n {
        return StreamVerdict {
            state: StreamState::Stalled,
            repeat_run: run,
            repeated_step: repeated.cloned(),
            reason: format!(
                "STALLED: the last {run} calls share one (tool, args, result) key, reaching the stall \
                 threshold of {}; the environment keeps answering with the same bytes",
                policy.stall_n
            ),
        };
    }
    if run >= policy.repeat_n {
        return StreamVerdict {
            state: StreamState::Repeating,
            repeat_run: run,
            repeated_step: repeated.cloned(),
            reason: format!(
                "REPEATING: the last {run} calls share one (tool, args, result) key, reaching the repeat \
                 threshold of {}; nothing new is coming back, so point the agent at the result it already has",
                policy.repeat_n
            ),
        };
    }
    StreamVerdict {
        state: StreamState::Advancing,
        repeat_run: run,
        repeated_step: None,
        reason: format!(
            "ADVANCING: the identical run at the end of the stream is {run} long, under the repeat \
             threshold of {}; results are still changing, or the stream is too short to say",
            policy.repeat_n
        ),
    }
}

/// Python's `int(x)` on a TOML/JSON scalar, limited to the 64-bit range.
fn py_int(v: &Value) -> Result<i64, String> {
    match v {
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Int(Int::Small(i)) => Ok(*i),
        Value::Int(Int::Big(_)) => Err("the number is outside the 64-bit range".into()),
        Value::Float(f) if f.is_nan() => Err("NaN is not an integer".into()),
        Value::Float(f) => {
            let t = f.trunc();
            if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&t) {
                Ok(t as i64)
            } else {
                Err("the number is outside the 64-bit range".into())
            }
        }
        Value::Str(s) => match s.as_str().and_then(pystr::int_from_str) {
            Some(Int::Small(i)) => Ok(i),
            Some(Int::Big(_)) => Err("the number is outside the 64-bit range".into()),
            None => Err("the text is not an integer".into()),
        },
        other => Err(format!("a {} is not an integer", other.type_name())),
    }
}

/// Python's `str(x)` for a scalar. Lists and objects are refused: their
/// `str()` is a `repr` this crate does not reproduce exactly.
fn py_str_scalar(v: &Value) -> Result<Str, String> {
    Ok(match v {
        Value::Str(s) => s.clone(),
        Value::Null => Str::from("None"),
        Value::Bool(true) => Str::from("True"),
        Value::Bool(false) => Str::from("False"),
        Value::Int(i) => Str::Utf8(i.to_string()),
        Value::Float(f) if f.is_nan() => Str::from("nan"),
        Value::Float(f) if f.is_infinite() => Str::from(if *f > 0.0 { "inf" } else { "-inf" }),
        Value::Float(f) => Str::Utf8(float_repr(*f)),
        other => return Err(format!("an ignore_tools entry must be a scalar, not a {}", other.type_name())),
    })
}

/// `policy_from_table`: a `[tool_stream]` table (any JSON value) to a policy.
/// A falsy value gives the defaults; `ignore_tools` may be one string, a list
/// of scalars, or an object (its keys).
pub fn policy_from_table(table: &Value) -> Result<StreamPolicy, String> {
    if !table.truthy() {
        return Ok(StreamPolicy::default());
    }
    let Value::Dict(t) = table else {
        return Err(format!("the table must be an object, not a {}", table.type_name()));
    };
    let ignore: Vec<Str> = match t.get("ignore_tools") {
        None => Vec::new(),
        Some(Value::Str(s)) => vec![s.clone()],
        Some(Value::List(items)) => items.iter().map(py_str_scalar).collect::<Result<_, _>>()?,
        Some(Value::Dict(d)) => d.keys().cloned().collect(),
        Some(other) => return Err(format!("ignore_tools cannot be a {}", other.type_name())),
    };
    let repeat_n = match t.get("repeat_n") {
        None => DEFAULT_REPEAT_N,
        Some(v) => py_int(v).map_err(|e| format!("repeat_n: {e}"))?,
    };
    let stall_n = match t.get("stall_n") {
        None => DEFAULT_STALL_N,
        Some(v) => py_int(v).map_err(|e| format!("stall_n: {e}"))?,
    };
    StreamPolicy::new(repeat_n, stall_n, ignore)
}

/// A required string field that may hold a lone surrogate.
pub(crate) fn req_pystr<'a>(a: &Args<'a>, key: &str) -> Result<&'a Str, CallError> {
    match a.req(key)? {
        Value::Str(s) => Ok(s),
        other => Err(a.err(format_args!("argument {key:?} must be a string, not {}", other.type_name()))),
    }
}

/// An optional string field that may hold a lone surrogate.
pub(crate) fn opt_pystr<'a>(a: &Args<'a>, key: &str) -> Result<Option<&'a Str>, CallError> {
    match a.get(key) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        Some(other) => Err(a.err(format_args!("argument {key:?} must be a string, not {}", other.type_name()))),
    }
}

/// A `StreamStep` from `{tool_name, args_digest, result_digest?}`.
pub fn step_from_args(s: &Args) -> Result<StreamStep, CallError> {
    s.check_known(&["tool_name", "args_digest", "result_digest"])?;
    Ok(StreamStep {
        tool_name: req_pystr(s, "tool_name")?.clone(),
        args_digest: req_pystr(s, "args_digest")?.clone(),
        result_digest: opt_pystr(s, "result_digest")?.cloned(),
    })
}

/// A `StreamPolicy` from `{repeat_n?, stall_n?, ignore_tools?}`.
pub fn policy_from_args(p: &Args) -> Result<StreamPolicy, CallError> {
    p.check_known(&["repeat_n", "stall_n", "ignore_tools"])?;
    let repeat_n = p.i64_or("repeat_n", DEFAULT_REPEAT_N)?;
    let stall_n = p.i64_or("stall_n", DEFAULT_STALL_N)?;
    let mut tools = Vec::new();
    for (i, t) in p.opt_list("ignore_tools")?.unwrap_or(&[]).iter().enumerate() {
        match t {
            Value::Str(s) => tools.push(s.clone()),
            other => return Err(p.err(format_args!("ignore_tools[{i}] must be a string, not {}", other.type_name()))),
        }
    }
    StreamPolicy::new(repeat_n, stall_n, tools).map_err(|e| p.err(e))
}

/// The steps of a `ToolStream` given as `{steps: [...]}`.
pub fn stream_from_args(s: &Args) -> Result<Vec<StreamStep>, CallError> {
    s.check_known(&["steps"])?;
    match s.get("steps") {
        None => Ok(Vec::new()),
        Some(_) => s.obj_list("steps")?.iter().map(step_from_args).collect(),
    }
}

fn op_classify(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let steps = stream_from_args(&a.obj("stream")?)?;
    let v = match a.opt_obj("policy")? {
        Some(p) => classify_stream(&steps, &policy_from_args(&p)?),
        None => classify_stream(&steps, &StreamPolicy::default()),
    };
    Ok(v.to_value())
}

fn op_policy_from_table(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let table = a.dict().get("table").unwrap_or(&Value::Null);
    policy_from_table(table).map(|p| p.to_value()).map_err(|e| a.err(e))
}

pub(crate) const OPS: &[OpSpec] = &[
    OpSpec { name: "tool_stream.classify_stream", args: &["stream", "policy"], run: op_classify },
    OpSpec { name: "tool_stream.policy_from_table", args: &["table"], run: op_policy_from_table },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::parse_str;

    fn steps(keys: &[(&str, &str, Option<&str>)]) -> Vec<StreamStep> {
        keys.iter().map(|(t, a, r)| StreamStep::new(t, a, *r)).collect()
    }

    #[test]
    fn ladder() {
        let p = StreamPolicy::default();
        let v = classify_stream(&[], &p);
        assert_eq!((v.state, v.repeat_run), (StreamState::Advancing, 0));
        let same = steps(&[("Read", "a", Some("r")); 5]);
        assert_eq!(classify_stream(&same[..2], &p).state, StreamState::Advancing);
        let v = classify_stream(&same[..3], &p);
        assert_eq!((v.state, v.repeat_run), (StreamState::Repeating, 3));
        assert_eq!(v.repeated_step.as_ref(), Some(&same[2]));
        assert_eq!(classify_stream(&same, &p).state, StreamState::Stalled);
    }

    #[test]
    fn keys_fold_case_and_break_on_missing_results() {
        let p = StreamPolicy::default();
        let s = steps(&[("READ", "a", Some("r")), ("read", "a", Some("r")), ("Read", "a", Some("r"))]);
        assert_eq!(classify_stream(&s, &p).repeat_run, 3);
        let s = steps(&[("Read", "a", Some("r")), ("Read", "a", None), ("Read", "a", Some("r"))]);
        assert_eq!(classify_stream(&s, &p).repeat_run, 1);
        let s = steps(&[("Read", "a", Some("r")), ("Read", "a", None)]);
        let v = classify_stream(&s, &p);
        assert_eq!((v.repeat_run, v.repeated_step), (1, None));
        let ig = StreamPolicy::new(2, 5, [Str::from("STRASSE")]).unwrap();
        let s = steps(&[("straße", "a", Some("r")); 4]);
        assert_eq!(classify_stream(&s, &ig).state, StreamState::Advancing);
        // repeat_n = 1: a single step already repeats, with no repeated step to name.
        let one = StreamPolicy::new(1, 2, []).unwrap();
        let v = classify_stream(&s[..1], &one);
        assert_eq!((v.state, v.repeated_step), (StreamState::Repeating, None));
    }

    #[test]
    fn policy_validation_and_table() {
        assert!(StreamPolicy::new(0, 5, []).is_err());
        assert!(StreamPolicy::new(4, 3, []).is_err());
        let t = parse_str(r#"{"repeat_n": " 2 ", "stall_n": 7.9, "ignore_tools": ["b", "a", 1, null, "a"]}"#).unwrap();
        let p = policy_from_table(&t).unwrap();
        assert_eq!((p.repeat_n(), p.stall_n()), (2, 7));
        let names: Vec<_> = p.ignore_tools().iter().map(|s| s.as_str().unwrap()).collect();
        assert_eq!(names, ["1", "None", "a", "b"]);
        assert_eq!(policy_from_table(&parse_str("[]").unwrap()).unwrap(), StreamPolicy::default());
        assert!(policy_from_table(&parse_str("[1]").unwrap()).is_err());
        assert!(policy_from_table(&parse_str(r#"{"ignore_tools": null}"#).unwrap()).is_err());
        assert!(policy_from_table(&parse_str(r#"{"repeat_n": "x"}"#).unwrap()).is_err());
    }
}
