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
use dos_core::envelope::{encode_response, read_request, writable, Args, CallError, Ctx, ErrorCode, OpSpec};
use dos_core::pyjson::{self, Dict, Value};
use dos_core::route::{self, Catalog};
use std::sync::OnceLock;

pub use dos_core::envelope::{CallError as Error, ErrorCode as Code};

/// The op tables registered by hand (the pure layer's, then the I/O
/// layer's); the routed modules describe themselves.
fn legacy_tables() -> &'static [&'static [OpSpec]] {
    static ALL: OnceLock<Vec<&'static [OpSpec]>> = OnceLock::new();
    ALL.get_or_init(|| dos_core::deciders::ALL.iter().chain(dos_io::OPS.iter()).copied().collect())
}

/// The catalog of every op: names, argument and verdict schemas, effects
/// (what `{"op": "ops"}` answers and what `make bindings` renders).
pub fn catalog() -> &'static Catalog {
    static CAT: OnceLock<Catalog> = OnceLock::new();
    CAT.get_or_init(|| route::build_catalog(legacy_tables(), dos_io::ROUTED))
}

/// Every op, sorted by name (a plain sorted table: lookups are a binary
/// search, and the one allocation stays reachable for leak checkers).
fn registry() -> &'static [&'static OpSpec] {
    static REG: OnceLock<Vec<&'static OpSpec>> = OnceLock::new();
    REG.get_or_init(|| {
        let mut ops: Vec<&'static OpSpec> = legacy_tables().iter().flat_map(|group| group.iter()).collect();
        ops.extend(dos_core::deciders::ROUTED.iter().chain(dos_io::ROUTED).flat_map(|m| m.routes.iter().map(|r| &r.spec)));
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
    let v = (spec.run)(&Ctx { config, prebuilt: held.as_deref().map(|l| &l.config) }, &a)?;
    writable(spec.name, args, v)
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
    let v = (spec.run)(&Ctx { config: None, prebuilt: Some(prebuilt) }, &a)?;
    writable(spec.name, args, v)
}

fn ops_listing() -> Value {
    route::ops_listing(catalog())
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
    use dos_core::route::{Effect, Type};

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
        let garbage = ["{}", r#"{"x":1}"#, r#"{"command":5,"tree":"a","a":[1],"b":{},"policy":7}"#];
        for name in op_names() {
            for g in garbage {
                let req = format!(r#"{{"abi":1,"op":"{name}","args":{g}}}"#);
                let (_, out) = call(req.as_bytes());
                assert!(pyjson::parse(&out).is_ok(), "{name}");
            }
        }
    }

    #[test]
    fn every_op_is_listed_with_an_effect_and_routed_ops_with_schemas() {
        let cat = catalog();
        let names = op_names();
        assert_eq!(cat.ops.len() + 1, names.len(), "every op but `ops` itself");
        let lease = cat.op("lane_lease.acquire").unwrap();
        assert_eq!(lease.effect, Effect::WritesFiles);
        assert_eq!(cat.op("lane_journal.read_file").unwrap().effect, Effect::ReadsFiles);
        assert_eq!(cat.op("liveness.classify").unwrap().effect, Effect::Pure);
        let r = cat.op("claim_ttl.resolve_ttl_minutes").unwrap();
        assert!(r.typed);
        assert_eq!(r.args, ["claim_status", "claim_kind", "expected_wallclock_minutes", "policy"]);
        assert_eq!(r.verdict.to_string(), "int | None");
        let ew = &r.params[2];
        assert!(ew.required && ew.default.is_none(), "a `T | None` parameter without a default stays required");
        let policy = &r.params[3];
        assert_eq!(policy.ty, Type::Record("TtlPolicy"));
        assert_eq!(policy.default.as_ref().and_then(|d| d.get("working_ttl_multiplier")), Some(&Value::int(3)));
        assert!(cat.type_def("TtlPolicy").is_some());
        assert!(cat.type_def("ResolveTtlMinutes").is_none(), "argument structs are not types");
        let m = cat.modules.iter().find(|m| m.name == "claim_ttl").unwrap();
        assert_eq!(m.types, ["TtlPolicy"]);
        // The listing through the envelope keeps the first format's fields.
        let (ok, out) = call(br#"{"abi":1,"op":"ops"}"#);
        assert!(ok);
        let v = pyjson::parse(&out).unwrap();
        let listed = v.get("verdict").and_then(|x| x.get("ops")).and_then(Value::as_list).unwrap();
        let first = listed.iter().find(|o| o.get("op") == Some(&Value::str("claim_ttl.infer_kind"))).unwrap();
        assert_eq!(first.get("effect"), Some(&Value::str("pure")));
        assert_eq!(first.get("params").and_then(Value::as_list).unwrap()[1].get("type"), Some(&Value::str("tuple[tuple[str, str], ...]")));
    }
}
