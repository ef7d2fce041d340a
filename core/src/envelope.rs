//! The one envelope every host calls.
//!
//! Request:  `{"abi": 1, "op": "<module.function>", "config": {…} | null, "args": {…}}`
//! Response: `{"abi": 1, "ok": true, "verdict": {…}}`
//!        or `{"abi": 1, "ok": false, "error": {"code": "<CODE>", "message": "…"}}`
//!
//! `call` never panics on caller data and always returns a response document;
//! the FFI layer adds a panic boundary on top for defence in depth.

use crate::config::SubstrateConfig;
use crate::pyjson::{self, Dict, Options, Value};
use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

/// The envelope's ABI version. A request with another `abi` is refused.
pub const ABI_VERSION: i64 = 1;

/// The stable error codes of an `ok: false` response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The request is not JSON (or not UTF-8).
    BadJson,
    /// The request is JSON but not an envelope (not an object, `op` missing…).
    BadRequest,
    /// `abi` is not the version this library speaks.
    AbiMismatch,
    /// `op` names no operation (see `op: "ops"`).
    UnknownOp,
    /// `args` is missing a field, has a field of the wrong type or value, or
    /// has a field the operation does not take.
    BadArgs,
    /// `config` is malformed.
    BadConfig,
    /// An op that touches files could not take a lock within its retry
    /// budget (another process holds it).
    Busy,
    /// An op that touches files met a file-system error.
    Io,
    /// A bug inside the library (a caught panic). Please report it.
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadJson => "BAD_JSON",
            ErrorCode::BadRequest => "BAD_REQUEST",
            ErrorCode::AbiMismatch => "ABI_MISMATCH",
            ErrorCode::UnknownOp => "UNKNOWN_OP",
            ErrorCode::BadArgs => "BAD_ARGS",
            ErrorCode::BadConfig => "BAD_CONFIG",
            ErrorCode::Busy => "BUSY",
            ErrorCode::Io => "IO_ERROR",
            ErrorCode::Internal => "INTERNAL",
        }
    }

    pub const ALL: [ErrorCode; 9] = [
        ErrorCode::BadJson,
        ErrorCode::BadRequest,
        ErrorCode::AbiMismatch,
        ErrorCode::UnknownOp,
        ErrorCode::BadArgs,
        ErrorCode::BadConfig,
        ErrorCode::Busy,
        ErrorCode::Io,
        ErrorCode::Internal,
    ];
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An `ok: false` outcome.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CallError {
    pub code: ErrorCode,
    pub message: String,
}

impl CallError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        CallError { code, message: message.into() }
    }

    pub fn bad_args(message: impl Into<String>) -> Self {
        CallError::new(ErrorCode::BadArgs, message)
    }
}

/// What an operation sees besides its arguments.
pub struct Ctx<'a> {
    /// The request's `config` object, when one was given.
    pub config: Option<&'a Dict>,
    /// A config the host built beforehand (a config handle); it wins over
    /// `config`.
    pub prebuilt: Option<&'a SubstrateConfig>,
}

impl<'a> Ctx<'a> {
    /// The workspace config this call runs under: the host's prebuilt one,
    /// else the request's inline `config`, else the generic default.
    pub fn substrate(&self) -> Result<Cow<'a, SubstrateConfig>, CallError> {
        if let Some(c) = self.prebuilt {
            return Ok(Cow::Borrowed(c));
        }
        match self.config {
            Some(d) if !d.is_empty() => crate::config::json::from_json(d, &crate::config::json::NoWorkspace).map(Cow::Owned),
            _ => Ok(Cow::Borrowed(default_substrate())),
        }
    }
}

/// The config of a request without one: the generic preset under `"."`,
/// facts not gathered. Built once.
pub fn default_substrate() -> &'static SubstrateConfig {
    static DEFAULT: OnceLock<SubstrateConfig> = OnceLock::new();
    DEFAULT.get_or_init(|| SubstrateConfig::generic(".", None))
}

/// One operation reachable through the envelope.
pub struct OpSpec {
    /// The reference's `module.function` name.
    pub name: &'static str,
    /// The argument names it takes (required and optional), for `ops` and checks.
    pub args: &'static [&'static str],
    pub run: fn(&Ctx<'_>, &Args<'_>) -> Result<Value, CallError>,
}

/// A request document, checked: the op name, its `config` object (if any)
/// and its `args`.
pub struct Request<'a> {
    pub op: &'a str,
    pub config: Option<&'a Dict>,
    pub args: &'a Dict,
}

/// Check a request document's shape (`abi`, `op`, `config`, `args` and
/// nothing else) without running it.
pub fn read_request(request: &Value) -> Result<Request<'_>, CallError> {
    let req = request.as_dict().ok_or_else(|| CallError::new(ErrorCode::BadRequest, "the request must be a JSON object"))?;
    for (k, _) in req.iter() {
        match k.as_str() {
            Some("abi" | "op" | "config" | "args") => {}
            _ => {
                return Err(CallError::new(
                    ErrorCode::BadRequest,
                    format!("unknown request field {}; expected abi, op, config, args", k_text(k)),
                ))
            }
        }
    }
    match req.get("abi") {
        None => return Err(CallError::new(ErrorCode::BadRequest, "the request has no \"abi\" field")),
        Some(v) if v.as_i64() == Some(ABI_VERSION) => {}
        Some(v) => {
            return Err(CallError::new(
                ErrorCode::AbiMismatch,
                format!("this library speaks abi {ABI_VERSION}; the request asked for {}", short(v)),
            ))
        }
    }
    let op = match req.get("op") {
        Some(v) => v.as_str().ok_or_else(|| CallError::new(ErrorCode::BadRequest, "\"op\" must be a string"))?,
        None => return Err(CallError::new(ErrorCode::BadRequest, "the request has no \"op\" field")),
    };
    let config = match req.get("config") {
        None | Some(Value::Null) => None,
        Some(Value::Dict(d)) => Some(d),
        Some(other) => {
            return Err(CallError::new(ErrorCode::BadConfig, format!("\"config\" must be an object or null, not {}", other.type_name())))
        }
    };
    static EMPTY: OnceLock<Dict> = OnceLock::new();
    let args = match req.get("args") {
        None | Some(Value::Null) => EMPTY.get_or_init(Dict::new),
        Some(Value::Dict(d)) => d,
        Some(other) => return Err(CallError::new(ErrorCode::BadRequest, format!("\"args\" must be an object, not {}", other.type_name()))),
    };
    Ok(Request { op, config, args })
}

/// A key as a JSON string literal, quotes included (a lone surrogate shows
/// as its `\udXXX` escape, as the request spelled it).
fn k_text(k: &pyjson::Str) -> String {
    pyjson::dumps_string(&Value::Str(k.clone()), Options::COMPACT).unwrap_or_else(|_| "\"?\"".into())
}

fn short(v: &Value) -> String {
    let s = pyjson::dumps_string(v, Options::COMPACT).unwrap_or_default();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

/// Build the response document for an outcome.
pub fn response(outcome: Result<Value, CallError>) -> Value {
    let mut d = Dict::with_capacity(3);
    d.push("abi", Value::int(ABI_VERSION));
    match outcome {
        Ok(v) => {
            d.push("ok", Value::Bool(true));
            d.push("verdict", v);
        }
        Err(e) => {
            d.push("ok", Value::Bool(false));
            d.push("error", Value::Dict(crate::dict! { "code" => e.code.as_str(), "message" => e.message }));
        }
    }
    Value::Dict(d)
}

/// Serialize a response compactly (UTF-8, insertion order).
pub fn encode_response(outcome: Result<Value, CallError>) -> Vec<u8> {
    // COMPACT escapes lone surrogates, so this cannot fail.
    pyjson::dumps(&response(outcome), Options::COMPACT).unwrap_or_default()
}

/// One step from `args` down to a nested object: a key or a list index.
#[derive(Clone, Copy, Debug)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// Where a nested [`Args`] sits inside the request's `args` (`policy`,
/// `events[2]`, `taxonomy.trees`), so its errors name the field they are
/// about. The first few steps are kept; deeper ones show as `…`.
#[derive(Clone, Copy, Debug, Default)]
struct FieldPath<'a> {
    segs: [Option<Seg<'a>>; 4],
    len: u8,
}

impl<'a> FieldPath<'a> {
    fn with(mut self, seg: Seg<'a>) -> Self {
        if (self.len as usize) < self.segs.len() {
            self.segs[self.len as usize] = Some(seg);
        }
        self.len = self.len.saturating_add(1);
        self
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.segs.iter().flatten().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => f.write_str(k)?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        if self.len as usize > self.segs.len() {
            f.write_str("…")?;
        }
        Ok(())
    }
}

/// Typed access to an operation's `args` object, with errors that name the
/// operation and the field (for a nested object, its path in `args`).
#[derive(Clone, Copy)]
pub struct Args<'a> {
    op: &'static str,
    d: &'a Dict,
    at: FieldPath<'a>,
}

impl<'a> Args<'a> {
    /// Wrap a dict (used by nested objects and by hosts that skip the envelope).
    pub fn new(op: &'static str, d: &'a Dict) -> Self {
        Args { op, d, at: FieldPath::default() }
    }

    pub fn dict(&self) -> &'a Dict {
        self.d
    }

    pub fn op(&self) -> &'static str {
        self.op
    }

    pub fn err(&self, msg: impl fmt::Display) -> CallError {
        if self.at.len == 0 {
            CallError::bad_args(format!("{}: {msg}", self.op))
        } else {
            CallError::bad_args(format!("{}: {}: {msg}", self.op, self.at))
        }
    }

    /// These arguments with their errors placed at `key` (and `index`, an
    /// item of the list there): for checks of a nested value that is not
    /// read through [`Args::obj`].
    pub fn at(&self, key: &'a str, index: Option<usize>) -> Args<'a> {
        let mut at = self.at.with(Seg::Key(key));
        if let Some(i) = index {
            at = at.with(Seg::Index(i));
        }
        Args { op: self.op, d: self.d, at }
    }

    /// The nested object at `key` (found in this dict) as `Args`, its path
    /// extended by the key (and `index` for an item of a list there).
    fn nested(&self, key: &str, index: Option<usize>, d: &'a Dict) -> Args<'a> {
        let name = self.d.keys().find(|k| k.as_str() == Some(key)).and_then(|k| k.as_str()).unwrap_or("?");
        Args { d, ..self.at(name, index) }
    }

    fn mistyped(&self, key: &str, want: &str, got: &Value) -> CallError {
        self.err(format_args!("argument {key:?} must be {want}, not {}", got.type_name()))
    }

    /// Refuse fields the operation does not take.
    pub fn check_known(&self, known: &[&str]) -> Result<(), CallError> {
        for k in self.d.keys() {
            match k.as_str() {
                Some(name) if known.contains(&name) => {}
                _ => return Err(self.err(format_args!("unexpected argument {} (takes: {})", k_text(k), known.join(", ")))),
            }
        }
        Ok(())
    }

    /// The value, treating an explicit `null` like an absent field.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        match self.d.get(key) {
            Some(Value::Null) | None => None,
            Some(v) => Some(v),
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn req(&self, key: &str) -> Result<&'a Value, CallError> {
        self.get(key).ok_or_else(|| self.err(format_args!("missing required argument {key:?}")))
    }

    pub fn str(&self, key: &str) -> Result<&'a str, CallError> {
        let v = self.req(key)?;
        self.as_str_of(key, v)
    }

    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>, CallError> {
        self.get(key).map(|v| self.as_str_of(key, v)).transpose()
    }

    fn as_str_of(&self, key: &str, v: &'a Value) -> Result<&'a str, CallError> {
        match v {
            Value::Str(s) => s
                .as_str()
                .ok_or_else(|| self.err(format_args!("argument {key:?} holds a lone surrogate, which this operation cannot take"))),
            other => Err(self.mistyped(key, "a string", other)),
        }
    }

    pub fn i64(&self, key: &str) -> Result<i64, CallError> {
        let v = self.req(key)?;
        self.as_i64_of(key, v)
    }

    pub fn opt_i64(&self, key: &str) -> Result<Option<i64>, CallError> {
        self.get(key).map(|v| self.as_i64_of(key, v)).transpose()
    }

    pub fn i64_or(&self, key: &str, default: i64) -> Result<i64, CallError> {
        Ok(self.opt_i64(key)?.unwrap_or(default))
    }

    fn as_i64_of(&self, key: &str, v: &Value) -> Result<i64, CallError> {
        match v {
            Value::Int(i) => i.as_i64().ok_or_else(|| self.err(format_args!("argument {key:?} is out of the 64-bit integer range"))),
            other => Err(self.mistyped(key, "an integer", other)),
        }
    }

    pub fn f64(&self, key: &str) -> Result<f64, CallError> {
        let v = self.req(key)?;
        self.as_f64_of(key, v)
    }

    pub fn opt_f64(&self, key: &str) -> Result<Option<f64>, CallError> {
        self.get(key).map(|v| self.as_f64_of(key, v)).transpose()
    }

    fn as_f64_of(&self, key: &str, v: &Value) -> Result<f64, CallError> {
        match v {
            Value::Float(f) => Ok(*f),
            Value::Int(crate::pyjson::Int::Small(i)) => Ok(*i as f64),
            Value::Int(crate::pyjson::Int::Big(s)) => {
                s.parse::<f64>().map_err(|_| self.err(format_args!("argument {key:?} is not a number")))
            }
            other => Err(self.mistyped(key, "a number", other)),
        }
    }

    pub fn bool(&self, key: &str) -> Result<bool, CallError> {
        match self.req(key)? {
            Value::Bool(b) => Ok(*b),
            other => Err(self.mistyped(key, "a boolean", other)),
        }
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, CallError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.mistyped(key, "a boolean", other)),
        }
    }

    pub fn list(&self, key: &str) -> Result<&'a [Value], CallError> {
        match self.req(key)? {
            Value::List(l) => Ok(l),
            other => Err(self.mistyped(key, "a list", other)),
        }
    }

    pub fn opt_list(&self, key: &str) -> Result<Option<&'a [Value]>, CallError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::List(l)) => Ok(Some(l)),
            Some(other) => Err(self.mistyped(key, "a list", other)),
        }
    }

    /// A list of strings.
    pub fn str_list(&self, key: &str) -> Result<Vec<&'a str>, CallError> {
        self.strs_of(key, self.list(key)?)
    }

    pub fn opt_str_list(&self, key: &str) -> Result<Option<Vec<&'a str>>, CallError> {
        self.opt_list(key)?.map(|l| self.strs_of(key, l)).transpose()
    }

    fn strs_of(&self, key: &str, l: &'a [Value]) -> Result<Vec<&'a str>, CallError> {
        l.iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::Str(s) => {
                    s.as_str().ok_or_else(|| self.err(format_args!("{key}[{i}] holds a lone surrogate, which this operation cannot take")))
                }
                other => Err(self.err(format_args!("{key}[{i}] must be a string, not {}", other.type_name()))),
            })
            .collect()
    }

    /// A nested object, as `Args` (for policies and evidence records).
    pub fn obj(&self, key: &str) -> Result<Args<'a>, CallError> {
        match self.req(key)? {
            Value::Dict(d) => Ok(self.nested(key, None, d)),
            other => Err(self.mistyped(key, "an object", other)),
        }
    }

    pub fn opt_obj(&self, key: &str) -> Result<Option<Args<'a>>, CallError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Dict(d)) => Ok(Some(self.nested(key, None, d))),
            Some(other) => Err(self.mistyped(key, "an object", other)),
        }
    }

    /// Each element of a list of objects.
    pub fn obj_list(&self, key: &str) -> Result<Vec<Args<'a>>, CallError> {
        self.list(key)?
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::Dict(d) => Ok(self.nested(key, Some(i), d)),
                other => Err(self.err(format_args!("{key}[{i}] must be an object, not {}", other.type_name()))),
            })
            .collect()
    }
}

/// CPython's limit on integer text: `json.dumps` cannot write a longer
/// integer and `json.loads` (like this envelope's reader) refuses one.
const MAX_INT_DIGITS: usize = 4300;

/// The most digits of any integer in `v`.
fn widest_int(v: &Value) -> usize {
    match v {
        Value::Int(pyjson::Int::Big(s)) => s.trim_start_matches('-').len(),
        Value::List(items) => items.iter().map(widest_int).max().unwrap_or(0),
        Value::Dict(d) => d.iter().map(|(_, x)| widest_int(x)).max().unwrap_or(0),
        _ => 0,
    }
}

/// A verdict no JSON reader of the Python dialect could take back is
/// refused: an integer past 4,300 digits (one added to a `seq` of 4,300
/// nines, say), which the reference could not write either. The argument
/// holding an integer at the limit is named; without one the integer came
/// from a file the op read.
pub fn writable(op: &str, args: &Dict, v: Value) -> Result<Value, CallError> {
    let n = widest_int(&v);
    if n <= MAX_INT_DIGITS {
        return Ok(v);
    }
    let what = format!("{op}: the result holds an integer of {n} digits, more than the {MAX_INT_DIGITS} JSON readers take");
    let culprit = args.iter().map(|(k, x)| (k, widest_int(x))).filter(|(_, w)| *w + 1 >= MAX_INT_DIGITS).max_by_key(|(_, w)| *w);
    Err(match culprit {
        Some((k, _)) => CallError::bad_args(format!("{what} (argument {} holds one at the limit)", k_text(k))),
        None => CallError::new(ErrorCode::Io, format!("{what} (a file it read holds one at the limit)")),
    })
}

/// Run one operation of the pure layer alone (no registry, no I/O; a
/// config must not name a workspace). For this crate's own tests.
#[cfg(test)]
pub(crate) fn dispatch_pure(op: &str, config: Option<&Dict>, args: &Dict) -> Result<Value, CallError> {
    let spec = crate::deciders::ALL
        .iter()
        .flat_map(|g| g.iter())
        .chain(crate::deciders::ROUTED.iter().flat_map(|m| m.routes.iter().map(|r| &r.spec)))
        .find(|o| o.name == op)
        .ok_or_else(|| CallError::new(ErrorCode::UnknownOp, op.to_string()))?;
    let a = Args::new(spec.name, args);
    a.check_known(spec.args)?;
    (spec.run)(&Ctx { config, prebuilt: None }, &a)
}

/// [`dispatch_pure`] from request bytes to response bytes.
#[cfg(test)]
pub(crate) fn call_pure(request: &[u8]) -> (bool, Vec<u8>) {
    let outcome = pyjson::parse(request).map_err(|e| CallError::new(ErrorCode::BadJson, e.to_string())).and_then(|v| {
        let req = read_request(&v)?;
        dispatch_pure(req.op, req.config, req.args)
    });
    let ok = outcome.is_ok();
    (ok, encode_response(outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_errors_carry_their_path() {
        let v = pyjson::parse_str(r#"{"p":{"q":[{"r":{"s":{"t":{}}}}]}}"#).unwrap();
        let a = Args::new("m.f", v.as_dict().unwrap());
        assert_eq!(a.err("x").message, "m.f: x");
        let p = a.obj("p").unwrap();
        assert_eq!(p.err("x").message, "m.f: p: x");
        let item = p.obj_list("q").unwrap()[0];
        assert_eq!(item.err("x").message, "m.f: p.q[0]: x");
        // Four steps are kept; deeper ones show as an ellipsis.
        let deep = item.obj("r").unwrap().obj("s").unwrap().obj("t").unwrap();
        assert_eq!(deep.err("x").message, "m.f: p.q[0].r…: x");
        assert_eq!(a.at("events", Some(3)).err("x").message, "m.f: events[3]: x");
        // A key is quoted as JSON spells it.
        let odd = pyjson::parse_str(r#"{"\ud800":1}"#).unwrap();
        let e = Args::new("m.f", odd.as_dict().unwrap()).check_known(&["a"]).unwrap_err();
        assert_eq!(e.message, r#"m.f: unexpected argument "\ud800" (takes: a)"#);
    }
}
