//! `verdict`: does an object keep the typed-verdict contract?
//!
//! The reference's `conforms(obj)` inspects a live Python object: it must
//! have the contract's three members (`verdict`, `reason`, `to_dict`, as
//! the runtime protocol check finds them), its `verdict` must be an enum
//! member that is also a `str`, its `reason` a `str`, and calling
//! `to_dict()` must return a `dict` holding a `"verdict"` key without
//! raising. Each check runs only when the ones before it passed.
//!
//! A host that is not Python has no such object, and the inspection itself
//! (reading attributes, calling a method) can only happen where the object
//! lives. So the native op takes what the inspection saw, a
//! [`VerdictObject`], and decides from it. The caller observes in the
//! contract's order and may stop at the first fact that fails (a fact it
//! did not observe is left out); the decision never reads a fact past the
//! first failing one, and refuses (BAD_ARGS) a description that leaves out
//! a fact the decision needs.

use crate::envelope::{CallError, Ctx};
use crate::pyjson::{Str, Value};
use crate::route::{self, Describe, Module, Op};
use serde::{Deserialize, Serialize};

/// The type facts of the object's `verdict` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ValueKind {
    /// It is an `enum.Enum` member.
    pub is_enum: bool,
    /// It is a `str` (a `str`-valued enum member is both).
    pub is_str: bool,
}

/// What calling the object's `to_dict()` did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ToDictOutcome {
    /// It raised (or `to_dict` is not callable).
    pub raised: bool,
    /// What it returned, as JSON: a `dict`'s keys are what is read (its
    /// values may be given as None); any other value is not a `dict`.
    #[serde(default)]
    pub result: Value,
}

/// What the caller saw of an object, in the contract's order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct VerdictObject {
    /// The member names the runtime protocol check finds on the object (a
    /// method member set to None counts as absent); other names are ignored.
    pub members: Vec<Str>,
    /// The type facts of `obj.verdict`, when it was read.
    #[serde(default)]
    pub verdict: Option<ValueKind>,
    /// Whether `obj.reason` is a `str`, when it was read.
    #[serde(default)]
    pub reason_is_str: Option<bool>,
    /// What `obj.to_dict()` did, when it was called.
    #[serde(default)]
    pub to_dict: Option<ToDictOutcome>,
}

/// The contract's members, in the order they are checked.
pub const MEMBERS: [&str; 3] = ["verdict", "reason", "to_dict"];

fn unobserved(what: &str) -> CallError {
    CallError::bad_args(format!(
        "{}: args.verdict_obj.{what} is needed (every check before it passed) but was not observed",
        Conforms::NAME
    ))
}

/// True when the described object keeps the typed-verdict contract: the
/// three members, an enum-and-str `verdict`, a str `reason`, and a
/// `to_dict()` that returns a dict with a `"verdict"` key without raising.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Conforms {
    /// What the caller observed of the object (see `VerdictObject`).
    pub verdict_obj: VerdictObject,
}

impl Op for Conforms {
    const NAME: &'static str = "verdict.conforms";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        let o = &self.verdict_obj;
        if !MEMBERS.iter().all(|m| o.members.iter().any(|have| have.as_str() == Some(m))) {
            return Ok(false);
        }
        let kind = o.verdict.ok_or_else(|| unobserved("verdict"))?;
        if !(kind.is_enum && kind.is_str) {
            return Ok(false);
        }
        if !o.reason_is_str.ok_or_else(|| unobserved("reason_is_str"))? {
            return Ok(false);
        }
        let out = o.to_dict.as_ref().ok_or_else(|| unobserved("to_dict"))?;
        if out.raised {
            return Ok(false);
        }
        Ok(matches!(&out.result, Value::Dict(d) if d.contains_key("verdict")))
    }
}

/// The `verdict` module.
pub(crate) const MODULE: Module = Module {
    name: "verdict",
    doc: "The typed-verdict contract: an object keeps it when it has a str-valued enum `verdict`, a str \
          `reason` and a `to_dict()` returning a dict with a \"verdict\" key. The native check decides from \
          a description of what the caller observed on the object (`VerdictObject`), since only the \
          object's own runtime can read its attributes and call its method.",
    routes: &[route::route::<Conforms>()],
    consts: &[],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson;

    fn conforms(desc: &str) -> Result<Value, crate::envelope::CallError> {
        let args = pyjson::parse_str(&format!(r#"{{"verdict_obj":{desc}}}"#)).unwrap();
        crate::envelope::dispatch_pure("verdict.conforms", None, args.as_dict().unwrap())
    }

    #[test]
    fn checks_in_order() {
        let all = r#""members":["to_dict","reason","verdict","x"]"#;
        let ok_kind = r#""verdict":{"is_enum":true,"is_str":true}"#;
        assert_eq!(conforms(r#"{"members":["verdict","reason"]}"#).unwrap(), Value::Bool(false));
        assert_eq!(conforms(&format!(r#"{{{all},"verdict":{{"is_enum":true,"is_str":false}}}}"#)).unwrap(), Value::Bool(false));
        assert_eq!(conforms(&format!(r#"{{{all},{ok_kind},"reason_is_str":false}}"#)).unwrap(), Value::Bool(false));
        let full = |td: &str| conforms(&format!(r#"{{{all},{ok_kind},"reason_is_str":true,"to_dict":{td}}}"#));
        assert_eq!(full(r#"{"raised":false,"result":{"verdict":null}}"#).unwrap(), Value::Bool(true));
        assert_eq!(full(r#"{"raised":true,"result":{"verdict":null}}"#).unwrap(), Value::Bool(false));
        assert_eq!(full(r#"{"raised":false,"result":["verdict"]}"#).unwrap(), Value::Bool(false));
        assert_eq!(full(r#"{"raised":false}"#).unwrap(), Value::Bool(false));
        // A needed fact left out is refused, naming it.
        let e = conforms(&format!(r#"{{{all},{ok_kind}}}"#)).unwrap_err();
        assert!(e.message.contains("reason_is_str"), "{}", e.message);
        let e = conforms(r#"{"members":["verdict"],"verdict":{"is_enum":1,"is_str":true}}"#).unwrap_err();
        assert_eq!(e.message, "verdict.conforms: args.verdict_obj.verdict.is_enum: expected bool, got int");
    }
}
