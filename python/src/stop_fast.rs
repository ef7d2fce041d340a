//! The hand fast path of `dangling_intent.classify_stop` with the default
//! policy, hung off the generated route by `crate::fastpath` (issue 10 asks
//! 5× over the reference; the generic binder reached 1.9×, most of it
//! laying out and reading back the twelve default cues on every call:
//! docs/benchmarks.md).
//!
//! With the module's own `DEFAULT_POLICY` (proved unchanged per call by
//! `snapshot::Pinned`, and equal at bind time to the core's default) the
//! core's `judge_default` searches the shipped cues, compiled once. The
//! call reads what the reference reads (the evidence's count and, when it
//! is zero, its text) and answers with the module's own `DanglingVerdict`,
//! its reason written when first read (typed) or at once (the reference's
//! class). Any other call (a policy of the caller's, a subclass, a text with
//! a lone surrogate, a negative count) goes to the fallback, which is the
//! generic route binder (`_adapter.FAST_THEN_ROUTE`).

use crate::fast::{exact_i64, is_type, members_of, one_or_two, read, utf8_of};
use crate::snapshot::Pinned;
use crate::swap::{CallArgs, Fast, NativeFunction};
use dos_core::deciders::dangling_intent::{self as di, Dangling, DanglingPolicy};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyString, PyType};

struct StopFast {
    ev_cls: Py<PyType>,
    verdict_cls: Py<PyType>,
    /// DANGLING_INTENT, ABSTAIN.
    members: Vec<Py<PyAny>>,
    default_policy: Pinned,
}

fn verdict_index(v: Dangling) -> usize {
    match v {
        Dangling::DanglingIntent => 0,
        Dangling::Abstain => 1,
    }
}

impl Fast for StopFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some((ev, policy)) = one_or_two(a, intern!(py, "ev"), intern!(py, "policy")) else { return Ok(None) };
        if policy.is_some_and(|p| p.as_ptr() != self.default_policy.obj().as_ptr()) || !is_type(&ev, &self.ev_cls) {
            return Ok(None);
        }
        if !self.default_policy.current(py) {
            return Ok(None);
        }
        let Some([text, after]) = read(&ev, [intern!(py, "final_turn_text"), intern!(py, "results_after_turn")]) else { return Ok(None) };
        let Some(after) = exact_i64(&after) else { return Ok(None) };
        if after < 0 {
            return Ok(None);
        }
        // `ev.final_turn_text or ""`: read only when the count is zero.
        let mut cps: Vec<u32> = Vec::new();
        if after == 0 && !text.is_none() {
            if !text.is_exact_instance_of::<PyString>() {
                return Ok(None);
            }
            let Some(s) = utf8_of(&text) else { return Ok(None) };
            cps = if s.is_ascii() { s.bytes().map(u32::from).collect() } else { s.chars().map(u32::from).collect() };
        }
        let Ok(j) = di::judge_default(&cps, after) else { return Ok(None) };
        crate::route_bind::trace(py, "dangling_intent.classify_stop").map_err(|e| crate::swap::raised(py, e))?;
        let cue: String = j.cue.iter().filter_map(|&c| char::from_u32(c)).collect();
        let matched = if cue.is_empty() { intern!(py, "").clone() } else { PyString::new(py, &cue) };
        let why = j.why;
        let reason = crate::record::text(py, &self.verdict_cls, move || di::reason(why, &cue.as_str().into()))?;
        let fields = [
            (intern!(py, "verdict"), self.members[verdict_index(j.verdict)].bind(py).clone()),
            (intern!(py, "matched_cue"), matched.into_any()),
            (intern!(py, "reason"), reason),
        ];
        crate::fast::build(py, &self.verdict_cls, &fields).map(Some)
    }
}

/// A dataclass instance's fields as the core reads them (its
/// `dataclasses.asdict`, through serde).
fn as_core<T: serde::de::DeserializeOwned>(obj: &Bound<'_, PyAny>) -> Option<T> {
    let py = obj.py();
    let d = py.import("dataclasses").ok()?.call_method1("asdict", (obj,)).ok()?;
    let v = crate::convert::to_value(&d, 0).ok()?;
    dos_core::pyjson::from_value::<T>(&v).ok()
}

/// `dangling_intent.classify_stop`'s fast path (registered in
/// `crate::fastpath`) on `module`'s own classes, handing every call it does
/// not take to `fallback`. None when `fallback`'s parameters are not
/// `(ev, policy=DEFAULT_POLICY)` or the module's default policy is not the
/// core's.
pub(crate) fn bind_stop_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    let default_policy = module.getattr("DEFAULT_POLICY")?;
    let params = py.import("inspect")?.call_method1("signature", (fallback.bind(py),))?.getattr("parameters")?;
    let names: Vec<String> = params.try_iter()?.map(|n| n?.extract::<String>()).collect::<PyResult<_>>()?;
    if names != ["ev", "policy"] || !params.get_item("policy")?.getattr("default")?.is(&default_policy) {
        return Ok(None);
    }
    if as_core::<DanglingPolicy>(&default_policy) != Some(DanglingPolicy::default()) {
        return Ok(None);
    }
    let fast = StopFast {
        ev_cls: module.getattr("StopEvidence")?.cast_into::<PyType>()?.unbind(),
        verdict_cls: module.getattr("DanglingVerdict")?.cast_into::<PyType>()?.unbind(),
        members: members_of(&module.getattr("Dangling")?, &["DANGLING_INTENT", "ABSTAIN"])?,
        default_policy: Pinned::new(&default_policy, &["cues", "tail_chars"]),
    };
    if !fast.default_policy.current(py) {
        return Ok(None);
    }
    Ok(Some(NativeFunction::new("dangling_intent.classify_stop", fast, fallback)))
}
