//! dos-ops: the op registry of libdos and the envelope entry points.
//!
//! It sits above both layers: the pure operations of `dos-core`
//! ([`dos_core::deciders::ALL`]) and the file-touching ones of `dos-io`
//! ([`dos_io::OPS`]) are assembled into one sorted table here, and a request's
//! `config` object is resolved here (through `dos-io`, which reads a named
//! workspace and caches what it built). The hosts (the C ABI, the Python
//! module, the hook binary) call [`call`], [`call_with`] and [`dispatch`].
//!
//! Request:  `{"abi": 1, "op": "<module.function>", "config": {…} | null, "args": {…}}`
//! Response: `{"abi": 1, "ok": true, "verdict": {…}}`
//!        or `{"abi": 1, "ok": false, "error": {"code": "<CODE>", "message": "…"}}`

use dos_core::config::SubstrateConfig;
use dos_core::envelope::{encode_response, read_request, Args, CallError, Ctx, ErrorCode, OpSpec, ABI_VERSION};
use dos_core::pyjson::{self, Dict, Value};
use std::sync::OnceLock;

pub use dos_core::envelope::{CallError as Error, ErrorCode as Code};

/// Every op, sorted by name (a plain sorted table: lookups are a binary
/// search, and the one allocation stays reachable for leak checkers).
fn registry() -> &'static [&'static OpSpec] {
    static REG: OnceLock<Vec<&'static OpSpec>> = OnceLock::new();
    REG.get_or_init(|| {
        let mut ops: Vec<&'static OpSpec> =
            dos_core::deciders::ALL.iter().chain(dos_io::OPS.iter()).flat_map(|group| group.iter()).collect();
        ops.sort_by_key(|op| op.name);
        ops
    })
}

/// Every operation name, sorted.
pub fn op_names() -> Vec<&'static str> {
    let mut names: Vec<_> = registry().iter().map(|op| op.name).collect();
    names.push("ops");
    names.sort_unstable();
    names
}

/// Look an operation up by name.
pub fn find_op(name: &str) -> Option<&'static OpSpec> {
    let reg = registry();
    reg.binary_search_by(|op| op.name.cmp(name)).ok().map(|i| reg[i])
}

fn unknown(op: &str) -> CallError {
    CallError::new(ErrorCode::UnknownOp, format!("no operation named {op:?}; `ops` lists them"))
}

/// Run one operation on already-parsed arguments (hosts with typed entry
/// points use this to skip the JSON request).
pub fn dispatch(op: &str, config: Option<&Dict>, args: &Dict) -> Result<Value, CallError> {
    if op == "ops" {
        return Ok(ops_listing());
    }
    let spec = find_op(op).ok_or_else(|| unknown(op))?;
    let a = Args::new(spec.name, args);
    a.check_known(spec.args)?;
    // A request's config is built once per distinct object (and per
    // workspace state) and handed to the op prebuilt.
    let held = match config {
        Some(d) if !d.is_empty() => Some(dos_io::workspace::resolve(d)?),
        _ => None,
    };
    (spec.run)(&Ctx { config, prebuilt: held.as_deref().map(|l| &l.config) }, &a)
}

/// Run one operation under a config the host built beforehand (a config
/// handle); the request's own `config` is not consulted.
pub fn dispatch_with(op: &str, prebuilt: &SubstrateConfig, args: &Dict) -> Result<Value, CallError> {
    if op == "ops" {
        return Ok(ops_listing());
    }
    let spec = find_op(op).ok_or_else(|| unknown(op))?;
    let a = Args::new(spec.name, args);
    a.check_known(spec.args)?;
    (spec.run)(&Ctx { config: None, prebuilt: Some(prebuilt) }, &a)
}

fn ops_listing() -> Value {
    let mut ops = Vec::new();
    for spec in registry() {
        ops.push(Value::Dict(dos_core::dict! {
            "op" => spec.name,
            "args" => spec.args.iter().map(|a| Value::str(*a)).collect::<Vec<_>>(),
        }));
    }
    Value::Dict(dos_core::dict! { "abi" => ABI_VERSION, "ops" => ops })
}

/// Handle one request document and return the verdict.
pub fn call_value(request: &Value) -> Result<Value, CallError> {
    call_value_with(request, None)
}

/// `call_value` under a prebuilt config (which then wins over the request's
/// `config`, though that must still be an object or null).
pub fn call_value_with(request: &Value, prebuilt: Option<&SubstrateConfig>) -> Result<Value, CallError> {
    let req = read_request(request)?;
    match prebuilt {
        Some(p) => dispatch_with(req.op, p, req.args),
        None => dispatch(req.op, req.config, req.args),
    }
}

/// The whole envelope: request bytes in, response bytes out. Never panics on
/// caller data; `ok` tells success.
pub fn call(request: &[u8]) -> (bool, Vec<u8>) {
    call_with(request, None)
}

/// `call` under a prebuilt config (a host's config handle).
pub fn call_with(request: &[u8], prebuilt: Option<&SubstrateConfig>) -> (bool, Vec<u8>) {
    let outcome = pyjson::parse(request)
        .map_err(|e| CallError::new(ErrorCode::BadJson, format!("the request is not valid JSON: {e}")))
        .and_then(|v| call_value_with(&v, prebuilt));
    let ok = outcome.is_ok();
    (ok, encode_response(outcome))
}

#[cfg(test)]
mod tests {
    use super::*;
    use dos_core::envelope::ABI_VERSION;
    use dos_core::pyjson::{self, Value};

    fn code_of(req: &str) -> Option<String> {
        let (ok, out) = call(req.as_bytes());
        let v = pyjson::parse(&out).unwrap();
        assert_eq!(v.get("ok").and_then(Value::as_bool), Some(ok));
        assert_eq!(v.get("abi").and_then(Value::as_i64), Some(ABI_VERSION));
        v.get("error").and_then(|e| e.get("code")).and_then(Value::as_str).map(str::to_owned)
    }

    #[test]
    fn bad_requests_get_stable_codes() {
        assert_eq!(code_of("{"), Some("BAD_JSON".into()));
        assert_eq!(code_of("\u{0}"), Some("BAD_JSON".into()));
        assert_eq!(code_of("[]"), Some("BAD_REQUEST".into()));
        assert_eq!(code_of(r#"{"op":"ops"}"#), Some("BAD_REQUEST".into()));
        assert_eq!(code_of(r#"{"abi":2,"op":"ops"}"#), Some("ABI_MISMATCH".into()));
        assert_eq!(code_of(r#"{"abi":"1","op":"ops"}"#), Some("ABI_MISMATCH".into()));
        assert_eq!(code_of(r#"{"abi":1,"op":"nope.nope"}"#), Some("UNKNOWN_OP".into()));
        assert_eq!(code_of(r#"{"abi":1,"op":7}"#), Some("BAD_REQUEST".into()));
        assert_eq!(code_of(r#"{"abi":1,"op":"ops","config":3}"#), Some("BAD_CONFIG".into()));
        assert_eq!(code_of(r#"{"abi":1,"op":"ops","args":[]}"#), Some("BAD_REQUEST".into()));
        assert_eq!(code_of(r#"{"abi":1,"op":"ops","extra":1}"#), Some("BAD_REQUEST".into()));
        assert_eq!(code_of(r#"{"abi":1,"op":"ops"}"#), None);
    }

    #[test]
    fn op_names_are_unique_and_qualified() {
        let names: Vec<_> = dos_core::deciders::ALL.iter().chain(dos_io::OPS.iter()).flat_map(|g| g.iter()).map(|op| op.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "duplicate op names");
        for n in names {
            assert!(n.contains('.'), "{n} is not module.function");
            assert!(find_op(n).is_some());
        }
    }

    #[test]
    fn every_op_refuses_garbage_args_without_panicking() {
        let garbage = [
            "{}",
            r#"{"x":1}"#,
            r#"{"command":5,"tree":"a","a":[1],"b":{},"policy":7}"#,
        ];
        for name in op_names() {
            for g in garbage {
                let req = format!(r#"{{"abi":1,"op":"{name}","args":{g}}}"#);
                let (_, out) = call(req.as_bytes());
                assert!(pyjson::parse(&out).is_ok(), "{name}");
            }
        }
    }
}
