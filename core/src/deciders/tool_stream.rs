//! `tool_stream`: is the tool loop still getting new bytes back, or spinning?
//!
//! Each step of a session's tool stream is reduced (at the boundary, see
//! `posttool_sensor`) to three opaque strings: the tool, a digest of its
//! arguments and a digest of the result the environment returned. The verdict
//! counts how many steps at the end of the stream share the same
//! (case-folded tool, args digest, result digest) key. A step with no result,
//! or whose tool the policy ignores, has no key and so never extends a run.

use crate::envelope::{CallError, Ctx};
use crate::pyjson::{float_repr, Int, Str, Value};
use crate::route::{self, Const, Describe, Module, Op, Tuple};
use crate::{dict, pystr};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The stall state of a tool-result stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StreamState {
    /// The stream still brings new results back (or is too short to judge).
    Advancing,
    /// The same (tool, args, result) key has come back `repeat_n` times in a row.
    Repeating,
    /// The identical run has reached `stall_n`.
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

/// The run lengths that make a stream REPEATING and STALLED, and the tools
/// whose steps never count (`dos.toml [tool_stream]`): policy, not mechanism.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(default, deny_unknown_fields)]
pub struct StreamPolicy {
    /// The identical run at which the stream is REPEATING.
    #[serde(deserialize_with = "repeat_or_null")]
    #[describe(min = 1)]
    repeat_n: i64,
    /// The identical run at which it is STALLED (never below repeat_n).
    #[serde(deserialize_with = "stall_or_null")]
    #[describe(at_least = "repeat_n")]
    stall_n: i64,
    /// Tool names (compared case-folded) whose steps never extend a run:
    /// known pollers.
    #[serde(deserialize_with = "tools_or_null")]
    ignore_tools: BTreeSet<Str>,
}

// The envelope has always read a null policy field as left out.
fn repeat_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(Option::deserialize(d)?.unwrap_or(DEFAULT_REPEAT_N))
}

fn stall_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(Option::deserialize(d)?.unwrap_or(DEFAULT_STALL_N))
}

fn steps_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Tuple<StreamStep>, D::Error> {
    Ok(Option::deserialize(d)?.unwrap_or_default())
}

fn tools_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeSet<Str>, D::Error> {
    Ok(Option::deserialize(d)?.unwrap_or_default())
}

impl Default for StreamPolicy {
    fn default() -> Self {
        StreamPolicy { repeat_n: DEFAULT_REPEAT_N, stall_n: DEFAULT_STALL_N, ignore_tools: BTreeSet::new() }
    }
}

impl StreamPolicy {
    /// Validate and build a policy; the error says which bound was broken.
    pub fn new(repeat_n: i64, stall_n: i64, ignore_tools: impl IntoIterator<Item = Str>) -> Result<StreamPolicy, String> {
        let p = StreamPolicy { repeat_n, stall_n, ignore_tools: ignore_tools.into_iter().collect() };
        route::Record::check(&p).map_err(|e| e.to_string())?;
        Ok(p)
    }

    /// The shared default policy.
    pub fn default_ref() -> &'static StreamPolicy {
        static P: OnceLock<StreamPolicy> = OnceLock::new();
        P.get_or_init(StreamPolicy::default)
    }

    pub fn repeat_n(&self) -> i64 {
        self.repeat_n
    }

    pub fn stall_n(&self) -> i64 {
        self.stall_n
    }

    /// The exempt tool names, unique and sorted by code point.
    pub fn ignore_tools(&self) -> impl ExactSizeIterator<Item = &Str> {
        self.ignore_tools.iter()
    }

    fn ignores_folded(&self, folded_tool: &Str) -> bool {
        !self.ignore_tools.is_empty() && self.ignore_tools.iter().any(|t| casefold_str(t) == *folded_tool)
    }

    /// Whether a step by `tool` is exempt (never part of a run): its
    /// case-folded name is one of the exempt names, case-folded.
    pub fn ignores(&self, tool: &Str) -> bool {
        !self.ignore_tools.is_empty() && self.ignores_folded(&casefold_str(tool))
    }

    /// The policy as data: `{repeat_n, stall_n, ignore_tools: [sorted]}`.
    pub fn to_value(&self) -> Value {
        route::default_value(self)
    }
}

/// One tool call as the stall verdict sees it: the tool, a digest of its
/// arguments and a digest of the result the environment returned (strings
/// that may hold lone surrogates).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct StreamStep {
    /// The tool called (compared case-folded).
    pub tool_name: Str,
    /// A digest of the call's arguments.
    pub args_digest: Str,
    /// A digest of the result; None when the call returned nothing, which
    /// never equals another result.
    #[serde(default)]
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

/// A session's tool stream so far: its steps, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ToolStream {
    /// The steps in call order.
    #[serde(default, deserialize_with = "steps_or_null")]
    pub steps: Tuple<StreamStep>,
}

/// The stall verdict: the state, the identical run at the end of the
/// stream, the step that repeats and a one-line reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct StreamVerdict {
    /// The stall state.
    pub state: StreamState,
    /// Length of the run of identical keys that ends at the latest step.
    pub repeat_run: i64,
    /// The latest step, when it repeats an earlier one (a run of two or
    /// more) and the state is not ADVANCING; else None.
    #[serde(deserialize_with = "route::required")]
    pub repeated_step: Option<StreamStep>,
    /// Why, in words (it names the run and the threshold reached).
    pub reason: Str,
}

impl StreamVerdict {
    pub fn to_value(&self) -> Value {
        route::default_value(self)
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
            reason: Str::Utf8(format!(
                "STALLED: the last {run} calls share one (tool, args, result) key, reaching the stall \
                 threshold of {}; the environment keeps answering with the same bytes",
                policy.stall_n
            )),
        };
    }
    if run >= policy.repeat_n {
        return StreamVerdict {
            state: StreamState::Repeating,
            repeat_run: run,
            repeated_step: repeated.cloned(),
            reason: Str::Utf8(format!(
                "REPEATING: the last {run} calls share one (tool, args, result) key, reaching the repeat \
                 threshold of {}; nothing new is coming back, so point the agent at the result it already has",
                policy.repeat_n
            )),
        };
    }
    StreamVerdict {
        state: StreamState::Advancing,
        repeat_run: run,
        repeated_step: None,
        reason: Str::Utf8(format!(
            "ADVANCING: the identical run at the end of the stream is {run} long, under the repeat \
             threshold of {}; results are still changing, or the stream is too short to say",
            policy.repeat_n
        )),
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

// ------------------------------------------------------------------ the route

/// Classify the stream's stall state from the run of identical
/// (case-folded tool, args digest, result digest) keys at its end: below
/// `repeat_n` ADVANCING (an empty or short stream too), from `repeat_n`
/// REPEATING, from `stall_n` STALLED. A step with no result, or whose tool
/// the policy ignores, never extends a run.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ClassifyStream {
    /// The steps so far.
    pub stream: ToolStream,
    /// The thresholds and the exempt tools (null: the default).
    #[serde(default)]
    pub policy: PolicyArg,
}

/// `classify_stream`'s policy argument: left out or null, the shared
/// default; typed as the policy.
#[derive(Default)]
pub struct PolicyArg(pub Option<StreamPolicy>);

impl Describe for PolicyArg {
    fn describe(reg: &mut route::Registry) -> route::Type {
        StreamPolicy::describe(reg)
    }
}

impl Serialize for PolicyArg {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.as_ref().unwrap_or(StreamPolicy::default_ref()).serialize(s)
    }
}

impl<'de> Deserialize<'de> for PolicyArg {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(PolicyArg(Option::deserialize(d)?))
    }
}

impl route::ProbeRecord for route::Probe<'_, PolicyArg> {
    fn check_probe(&self) -> Result<(), route::FieldError> {
        route::Probe(&self.0 .0).check_probe()
    }
}

impl Op for ClassifyStream {
    const NAME: &'static str = "tool_stream.classify_stream";
    type Verdict = StreamVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<StreamVerdict, CallError> {
        let policy = self.policy.0.as_ref().unwrap_or(StreamPolicy::default_ref());
        Ok(classify_stream(&self.stream.steps.0, policy))
    }
}

/// A `StreamPolicy` from a parsed `[tool_stream]` table: an empty or
/// missing table is the default; missing keys keep the defaults;
/// `repeat_n`/`stall_n` are read as Python's `int()` reads them;
/// `ignore_tools` may be one string, a list of scalars (each as `str()`
/// writes it) or a mapping (its keys). A bad value is BAD_ARGS.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct PolicyFromTable {
    /// The `[tool_stream]` table.
    #[serde(default)]
    pub table: Value,
}

impl Op for PolicyFromTable {
    const NAME: &'static str = "tool_stream.policy_from_table";
    type Verdict = StreamPolicy;

    fn run(self, _: &Ctx<'_>) -> Result<StreamPolicy, CallError> {
        policy_from_table(&self.table).map_err(CallError::bad_args)
    }
}

pub(crate) const MODULE: Module = Module {
    name: "tool_stream",
    doc: "Is the tool loop still getting new bytes back, or spinning? Each step of a session's tool stream is \
          reduced at the boundary to three strings: the tool, a digest of its arguments and a digest of the \
          result the environment returned. The verdict counts how many steps at the end of the stream share one \
          (case-folded tool, args digest, result digest) key: ADVANCING below repeat_n, REPEATING from repeat_n, \
          STALLED from stall_n. It only reports; a consumer decides whether to point the agent back at the \
          result it already holds.",
    routes: &[route::route::<ClassifyStream>(), route::route::<PolicyFromTable>()],
    consts: &[Const {
        name: "DEFAULT_POLICY",
        doc: "The StreamPolicy with the generic defaults (repeat_n 3, stall_n 5, no exempt tools).",
        eval: |reg| route::konst(reg, StreamPolicy::default()),
    }],
};

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
        let names: Vec<_> = p.ignore_tools().map(|s| s.as_str().unwrap()).collect();
        assert_eq!(names, ["1", "None", "a", "b"]);
        assert_eq!(policy_from_table(&parse_str("[]").unwrap()).unwrap(), StreamPolicy::default());
        assert!(policy_from_table(&parse_str("[1]").unwrap()).is_err());
        assert!(policy_from_table(&parse_str(r#"{"ignore_tools": null}"#).unwrap()).is_err());
        assert!(policy_from_table(&parse_str(r#"{"repeat_n": "x"}"#).unwrap()).is_err());
    }
}
