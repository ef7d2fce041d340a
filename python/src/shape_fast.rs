//! The hand fast paths of the output-shape leaves whose reference does
//! little work per call (issue 10 asks 5× over the reference; the generic
//! route binder spent its time laying out and reading back a `Value` tree
//! around a few comparisons: docs/benchmarks.md, "The output-shape leaves"):
//! `result_state.classify_terminal`, `refusal_envelope`,
//! `terminal_evidence_from_record` and `claim_extract.claim_from_frontmatter`.
//!
//! Each reads what the reference reads, by exact type only (a record of the
//! module's own class by `type(x) is cls`, exact `str`/`int`/`bool`/`dict`/
//! `list`), lets the core decide, and builds the module's own classes (the
//! typed module's records, or the reference's dataclasses under
//! `accelerate()`). Anything else (a subclass, an object of another type, a
//! lone surrogate, an int past 64 bits, a patched module constant) goes to
//! the fallback: the generated function, or the reference's own.

use crate::fast::{bind_args, build, exact_i64, is_type, member_index, members_of, read, utf8_of};
use crate::swap::{CallArgs, Fast, NativeFunction};
use dos_core::deciders::claim_extract as ce;
use dos_core::deciders::result_state::{self as rs, TerminalClass, TerminalFields, TerminalState};
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};

const STATES: [TerminalState; 4] = [TerminalState::Healthy, TerminalState::Synthetic, TerminalState::Empty, TerminalState::Unreadable];
const STATE_NAMES: [&str; 4] = ["HEALTHY", "SYNTHETIC", "EMPTY", "UNREADABLE"];
const CLASSES: [TerminalClass; 6] = [
    TerminalClass::RateLimit,
    TerminalClass::UsageLimit,
    TerminalClass::Auth,
    TerminalClass::Server,
    TerminalClass::Other,
    TerminalClass::None,
];
const CLASS_NAMES: [&str; 6] = ["RATE_LIMIT", "USAGE_LIMIT", "AUTH", "SERVER", "OTHER", "NONE"];

/// The parameter names of `fallback`, and whether each has a default.
fn params_of(fallback: &Bound<'_, PyAny>) -> PyResult<Vec<(String, bool)>> {
    let py = fallback.py();
    let params = py.import("inspect")?.call_method1("signature", (fallback,))?.getattr("parameters")?;
    let empty = py.import("inspect")?.getattr("Parameter")?.getattr("empty")?;
    params
        .call_method0("values")?
        .try_iter()?
        .map(|p| {
            let p = p?;
            Ok((p.getattr("name")?.extract::<String>()?, !p.getattr("default")?.is(&empty)))
        })
        .collect()
}

fn named(params: &[(String, bool)], names: &[&str]) -> bool {
    params.len() == names.len() && params.iter().zip(names).all(|((n, default), want)| n == want && !default)
}

fn class_of<'py>(module: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyType>> {
    Ok(module.getattr(name)?.cast_into::<PyType>()?)
}

/// `None` or an exact `str` without a lone surrogate; the outer `None`
/// means "not taken".
fn opt_text<'a>(v: &'a Bound<'_, PyAny>) -> Option<Option<&'a str>> {
    if v.is_none() {
        Some(None)
    } else if v.is_exact_instance_of::<PyString>() {
        utf8_of(v).map(Some)
    } else {
        None
    }
}

/// An exact `bool`.
fn exact_bool(v: &Bound<'_, PyAny>) -> Option<bool> {
    v.cast_exact::<PyBool>().ok().map(|b| b.is_true())
}

/// The text of `s`'s slice `t` (a sub-slice of `s`'s UTF-8): `s` itself
/// when nothing was cut.
fn slice_of<'py>(obj: &Bound<'py, PyAny>, s: &str, t: &str) -> Bound<'py, PyAny> {
    if t.len() == s.len() {
        obj.clone()
    } else {
        PyString::new(obj.py(), t).into_any()
    }
}

/// The module's `name` is still the object `held` (a constant the
/// reference reads at call time).
fn still(module: &Bound<'_, PyDict>, name: &Bound<'_, PyString>, held: &Py<PyAny>) -> bool {
    crate::fast::item(module, name).is_some_and(|v| v.as_ptr() == held.as_ptr())
}

// ------------------------------------------------------------ classify_terminal

struct TerminalFast {
    ev_cls: Py<PyType>,
    verdict_cls: Py<PyType>,
    states: Vec<Py<PyAny>>,
    classes: Vec<Py<PyAny>>,
    /// The module's namespace and its two marks, checked per call.
    globals: Py<PyDict>,
    model_mark: Py<PyAny>,
    stop_mark: Py<PyAny>,
}

impl Fast for TerminalFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some([Some(ev)]) = bind_args(a, [intern!(py, "evidence")], 1) else { return Ok(None) };
        if !is_type(&ev, &self.ev_cls) {
            return Ok(None);
        }
        let g = self.globals.bind(py);
        if !still(g, intern!(py, "SYNTHETIC_MODEL"), &self.model_mark) || !still(g, intern!(py, "SYNTHETIC_STOP_REASON"), &self.stop_mark) {
            return Ok(None);
        }
        let names = [
            intern!(py, "found"),
            intern!(py, "readable"),
            intern!(py, "model"),
            intern!(py, "stop_reason"),
            intern!(py, "is_api_error"),
            intern!(py, "api_status"),
            intern!(py, "text"),
            intern!(py, "has_content"),
        ];
        let Some([found, readable, model, stop, api_error, status, text, has]) = read(&ev, names) else { return Ok(None) };
        let (Some(found), Some(readable), Some(is_api_error), Some(has_content)) =
            (exact_bool(&found), exact_bool(&readable), exact_bool(&api_error), exact_bool(&has))
        else {
            return Ok(None);
        };
        let (Some(model), Some(stop_reason)) = (opt_text(&model), opt_text(&stop)) else { return Ok(None) };
        let api_status = if status.is_none() { None } else { Some(exact_i64(&status)) };
        let Some(api_status) = api_status.map_or(Some(None), |s| s.map(Some)) else { return Ok(None) };
        // `(text or "")`: None reads as "".
        let Some(text) = opt_text(&text) else { return Ok(None) };
        let e = TerminalFields { found, readable, model, stop_reason, is_api_error, api_status, text: text.unwrap_or(""), has_content };
        let j = rs::judge_terminal(&e);
        crate::route_bind::trace(py, "result_state.classify_terminal").map_err(|e| crate::swap::raised(py, e))?;
        let state = STATES.iter().position(|s| *s == j.state).unwrap_or(0);
        let cls = CLASSES.iter().position(|c| *c == j.cls).unwrap_or(5);
        // The verdict holds the evidence's own status object (SYNTHETIC only).
        let status = if j.api_status.is_some() { status } else { py.None().into_bound(py) };
        let why = j.why;
        let reason = crate::record::text(py, &self.verdict_cls, move || rs::terminal_reason(why))?;
        let fields = [
            (intern!(py, "state"), self.states[state].bind(py).clone()),
            (intern!(py, "dead"), PyBool::new(py, j.dead).to_owned().into_any()),
            (intern!(py, "cls"), self.classes[cls].bind(py).clone()),
            (intern!(py, "api_status"), status),
            (intern!(py, "reason"), reason),
        ];
        build(py, &self.verdict_cls, &fields).map(Some)
    }
}

/// `result_state.classify_terminal`'s fast path (registered in `crate::fastpath`).
pub(crate) fn bind_terminal_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    if !named(&params_of(fallback.bind(py))?, &["evidence"]) {
        return Ok(None);
    }
    let model_mark = module.getattr("SYNTHETIC_MODEL")?;
    let stop_mark = module.getattr("SYNTHETIC_STOP_REASON")?;
    if model_mark.extract::<String>().ok().as_deref() != Some(rs::SYNTHETIC_MODEL)
        || stop_mark.extract::<String>().ok().as_deref() != Some(rs::SYNTHETIC_STOP_REASON)
    {
        return Ok(None);
    }
    let fast = TerminalFast {
        ev_cls: class_of(module, "TerminalEvidence")?.unbind(),
        verdict_cls: class_of(module, "ResultStateVerdict")?.unbind(),
        states: members_of(&module.getattr("TerminalState")?, &STATE_NAMES)?,
        classes: members_of(&module.getattr("TerminalClass")?, &CLASS_NAMES)?,
        globals: module.getattr("__dict__")?.cast_into::<PyDict>()?.unbind(),
        model_mark: model_mark.unbind(),
        stop_mark: stop_mark.unbind(),
    };
    Ok(Some(NativeFunction::new("result_state.classify_terminal", fast, fallback)))
}

// ------------------------------------------------------------ refusal_envelope

struct EnvelopeFast {
    verdict_cls: Py<PyType>,
    states: Vec<Py<PyAny>>,
    classes: Vec<Py<PyAny>>,
    /// The core's envelope per state when not dead, its `reason` to fill.
    live: Vec<Py<PyDict>>,
    /// The core's envelope per (state, class) when dead, its `api_status`
    /// and `reason` to fill.
    dead: Vec<Vec<Py<PyDict>>>,
}

/// A copy of `template` with `key` set to `value` (keys keep their places).
fn fill<'py>(d: &Bound<'py, PyDict>, key: &Bound<'py, PyString>, value: &Bound<'py, PyAny>) -> PyResult<()> {
    // SAFETY: live dict, key and value; the key is already in the dict.
    if unsafe { ffi::PyDict_SetItem(d.as_ptr(), key.as_ptr(), value.as_ptr()) } != 0 {
        return Err(PyErr::fetch(d.py()));
    }
    Ok(())
}

fn copy<'py>(template: &Bound<'py, PyDict>) -> PyResult<Bound<'py, PyDict>> {
    // SAFETY: a live dict; a new reference or NULL with an exception set.
    unsafe { Bound::from_owned_ptr_or_err(template.py(), ffi::PyDict_Copy(template.as_ptr())) }?.cast_into::<PyDict>().map_err(Into::into)
}

impl Fast for EnvelopeFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some([Some(v)]) = bind_args(a, [intern!(py, "verdict")], 1) else { return Ok(None) };
        if !is_type(&v, &self.verdict_cls) {
            return Ok(None);
        }
        let names = [intern!(py, "state"), intern!(py, "dead"), intern!(py, "cls"), intern!(py, "api_status"), intern!(py, "reason")];
        let Some([state, dead, cls, status, reason]) = read(&v, names) else { return Ok(None) };
        let (Some(dead), Some(state)) = (exact_bool(&dead), member_index(&state, &self.states)) else { return Ok(None) };
        if !reason.is_exact_instance_of::<PyString>() {
            return Ok(None);
        }
        let out = if dead {
            // The class is read only for a synthetic death; the status is
            // passed through as the verdict holds it (None or an int).
            let cls = if STATES[state] == TerminalState::Synthetic { member_index(&cls, &self.classes) } else { Some(5) };
            let Some(cls) = cls else { return Ok(None) };
            if !(status.is_none() || exact_i64(&status).is_some()) {
                return Ok(None);
            }
            let d = copy(self.dead[state][cls].bind(py))?;
            fill(&d, intern!(py, "api_status"), &status)?;
            d
        } else {
            copy(self.live[state].bind(py))?
        };
        fill(&out, intern!(py, "reason"), &reason)?;
        crate::route_bind::trace(py, "result_state.refusal_envelope").map_err(|e| crate::swap::raised(py, e))?;
        Ok(Some(out.into_any()))
    }
}

/// The core's envelope of a verdict of `state`, `dead` and `cls` with no
/// status and an empty reason, as a Python dict.
fn template<'py>(py: Python<'py>, state: TerminalState, dead: bool, cls: TerminalClass) -> PyResult<Py<PyDict>> {
    let v = rs::ResultStateVerdict { state, dead, cls, api_status: None, reason: "".into() };
    let d = rs::refusal_envelope(&v);
    let out = crate::convert::to_py(py, &dos_core::pyjson::Value::Dict(d))?.cast_into::<PyDict>()?;
    let keys: &[&str] = if dead { &["api_status", "reason"] } else { &["reason"] };
    for k in keys {
        if !out.contains(*k)? {
            return Err(pyo3::exceptions::PyValueError::new_err(format!("the envelope has no {k}")));
        }
    }
    Ok(out.unbind())
}

/// `result_state.refusal_envelope`'s fast path (registered in `crate::fastpath`).
pub(crate) fn bind_envelope_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    if !named(&params_of(fallback.bind(py))?, &["verdict"]) {
        return Ok(None);
    }
    let states = members_of(&module.getattr("TerminalState")?, &STATE_NAMES)?;
    let classes = members_of(&module.getattr("TerminalClass")?, &CLASS_NAMES)?;
    // The envelope holds `state.value`: the members' values must be the tokens.
    for (m, name) in states.iter().zip(STATE_NAMES).chain(classes.iter().zip(CLASS_NAMES)) {
        if m.bind(py).getattr("value")?.extract::<String>().ok().as_deref() != Some(name) {
            return Ok(None);
        }
    }
    let live = STATES.iter().map(|s| template(py, *s, false, TerminalClass::None)).collect::<PyResult<Vec<_>>>()?;
    let dead = STATES
        .iter()
        .map(|s| CLASSES.iter().map(|c| template(py, *s, true, *c)).collect::<PyResult<Vec<_>>>())
        .collect::<PyResult<Vec<_>>>()?;
    let fast = EnvelopeFast { verdict_cls: class_of(module, "ResultStateVerdict")?.unbind(), states, classes, live, dead };
    Ok(Some(NativeFunction::new("result_state.refusal_envelope", fast, fallback)))
}

// ------------------------------------------------- terminal_evidence_from_record

struct RecordFast {
    ev_cls: Py<PyType>,
}

/// What `x == "<token>"` answers for an object of a built-in type (`None`:
/// another type, whose `==` may run caller code).
fn text_is(x: &Bound<'_, PyAny>, token: &str) -> Option<bool> {
    if x.is_exact_instance_of::<PyString>() {
        return Some(utf8_of(x).is_some_and(|s| s == token));
    }
    plain(x).then_some(false)
}

/// An object of a built-in type that compares unequal to any str and whose
/// truth is known without running caller code.
fn plain(x: &Bound<'_, PyAny>) -> bool {
    x.is_none()
        || x.is_exact_instance_of::<PyBool>()
        || x.is_exact_instance_of::<PyInt>()
        || x.is_exact_instance_of::<PyFloat>()
        || x.is_exact_instance_of::<PyList>()
        || x.is_exact_instance_of::<PyDict>()
        || x.is_exact_instance_of::<PyTuple>()
}

/// The truth of a built-in value (`None`: another type).
fn truth(x: &Bound<'_, PyAny>) -> Option<bool> {
    if x.is_exact_instance_of::<PyString>() || plain(x) {
        x.is_truthy().ok()
    } else {
        None
    }
}

/// `d.get(key)` of an exact dict (absent: None).
fn get<'py>(d: &Bound<'py, PyDict>, key: &Bound<'py, PyString>) -> Bound<'py, PyAny> {
    crate::fast::item(d, key).unwrap_or_else(|| d.py().None().into_bound(d.py()))
}

/// `(leading text, has content)` of a message's `content`; `None` for a
/// value not taken.
fn leading<'py>(content: &Bound<'py, PyAny>) -> Option<(Option<Bound<'py, PyAny>>, bool)> {
    let py = content.py();
    if content.is_exact_instance_of::<PyString>() {
        let s = utf8_of(content)?;
        let t = rs::lead_text(s);
        return Some((Some(slice_of(content, s, t)), !t.is_empty()));
    }
    let Ok(items) = content.cast_exact::<PyList>() else {
        return plain(content).then_some((None, false));
    };
    let (mut lead, mut has): (Option<Bound<'py, PyAny>>, bool) = (None, false);
    // `if not lead`: the first non-empty text block whose lead is not empty.
    let mut lead_empty = true;
    for b in items.iter() {
        if !b.is_exact_instance_of::<PyDict>() {
            // `isinstance(b, dict)`: a dict subclass is not taken.
            if b.is_instance_of::<PyDict>() {
                return None;
            }
            continue;
        }
        let b = b.cast_into::<PyDict>().ok()?;
        let bt = get(&b, intern!(py, "type"));
        if text_is(&bt, "text")? {
            let t = crate::fast::item(&b, intern!(py, "text"));
            let Some(t) = t else { continue };
            if t.is_exact_instance_of::<PyString>() {
                let s = utf8_of(&t)?;
                if !s.is_empty() {
                    has = true;
                    if lead_empty {
                        let l = rs::lead_text(s);
                        lead_empty = l.is_empty();
                        lead = Some(slice_of(&t, s, l));
                    }
                }
            } else if t.is_instance_of::<PyString>() {
                return None;
            }
        } else if bt.is_exact_instance_of::<PyString>() {
            has |= rs::CONTENT_BLOCKS.contains(&utf8_of(&bt)?);
        }
    }
    Some((lead, has))
}

impl Fast for RecordFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some([Some(rec)]) = bind_args(a, [intern!(py, "record")], 1) else { return Ok(None) };
        let none = || Ok(Some(py.None().into_bound(py)));
        let Ok(rec) = rec.cast_exact::<PyDict>() else {
            // Not a dict: no evidence (a dict subclass is not taken).
            return if rec.is_instance_of::<PyDict>() { Ok(None) } else { none() };
        };
        let msg = get(rec, intern!(py, "message"));
        let Ok(msg) = msg.cast_exact::<PyDict>() else {
            return if msg.is_instance_of::<PyDict>() { Ok(None) } else { none() };
        };
        match text_is(&get(msg, intern!(py, "role")), "assistant") {
            None => return Ok(None),
            Some(false) => return none(),
            Some(true) => {}
        }
        let Some((text, has_content)) = leading(&get(msg, intern!(py, "content"))) else { return Ok(None) };
        // `model` and `stop_reason` when str (a str subclass is not taken).
        let string = |k: &Bound<'py, PyString>| {
            let v = get(msg, k);
            if v.is_exact_instance_of::<PyString>() {
                Some(v)
            } else if plain(&v) {
                Some(py.None().into_bound(py))
            } else {
                None
            }
        };
        let (Some(model), Some(stop)) = (string(intern!(py, "model")), string(intern!(py, "stop_reason"))) else { return Ok(None) };
        let Some(is_api_error) = truth(&get(rec, intern!(py, "isApiErrorMessage"))) else { return Ok(None) };
        let status = get(rec, intern!(py, "apiErrorStatus"));
        let api_status = if status.is_exact_instance_of::<PyBool>() {
            py.None().into_bound(py)
        } else if status.is_exact_instance_of::<PyInt>() {
            // Past 64 bits: not taken (the typed records hold an i64).
            if exact_i64(&status).is_none() {
                return Ok(None);
            }
            status
        } else if status.is_exact_instance_of::<PyString>() {
            // A status int() refuses raises: the fallback raises it.
            let Some(Ok(s)) = utf8_of(&status).map(rs::api_status_of_text) else { return Ok(None) };
            match s {
                Some(i) => i.into_pyobject(py)?.into_any(),
                None => py.None().into_bound(py),
            }
        } else if plain(&status) {
            py.None().into_bound(py)
        } else {
            return Ok(None);
        };
        crate::route_bind::trace(py, "result_state.terminal_evidence_from_record").map_err(|e| crate::swap::raised(py, e))?;
        let yes = |b: bool| PyBool::new(py, b).to_owned().into_any();
        let fields = [
            (intern!(py, "found"), yes(true)),
            (intern!(py, "readable"), yes(true)),
            (intern!(py, "model"), model),
            (intern!(py, "stop_reason"), stop),
            (intern!(py, "is_api_error"), yes(is_api_error)),
            (intern!(py, "api_status"), api_status),
            (intern!(py, "text"), text.unwrap_or_else(|| intern!(py, "").clone().into_any())),
            (intern!(py, "has_content"), yes(has_content)),
        ];
        build(py, &self.ev_cls, &fields).map(Some)
    }
}

/// `result_state.terminal_evidence_from_record`'s fast path (registered in `crate::fastpath`).
pub(crate) fn bind_record_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    if !named(&params_of(fallback.bind(py))?, &["record"]) {
        return Ok(None);
    }
    let fast = RecordFast { ev_cls: class_of(module, "TerminalEvidence")?.unbind() };
    Ok(Some(NativeFunction::new("result_state.terminal_evidence_from_record", fast, fallback)))
}

// ------------------------------------------------------- claim_from_frontmatter

struct FrontmatterFast {
    claim_cls: Py<PyType>,
}

impl Fast for FrontmatterFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some([Some(plan), Some(phase)]) = bind_args(a, [intern!(py, "plan"), intern!(py, "phase")], 2) else { return Ok(None) };
        // `(plan or "").strip()`: None or an exact str.
        let (Some(p), Some(q)) = (opt_text(&plan), opt_text(&phase)) else { return Ok(None) };
        let (ps, qs) = (dos_core::pystr::strip(p.unwrap_or("")), dos_core::pystr::strip(q.unwrap_or("")));
        crate::route_bind::trace(py, "claim_extract.claim_from_frontmatter").map_err(|e| crate::swap::raised(py, e))?;
        let out = PyList::empty(py);
        if ps.is_empty() || qs.is_empty() {
            return Ok(Some(out.into_any()));
        }
        let raw = ce::frontmatter_raw(ps, qs);
        let fields = [
            (intern!(py, "plan"), slice_of(&plan, p.unwrap_or(""), ps)),
            (intern!(py, "phase"), slice_of(&phase, q.unwrap_or(""), qs)),
            (intern!(py, "rung"), intern!(py, "frontmatter").clone().into_any()),
            (intern!(py, "raw"), PyString::new(py, &raw).into_any()),
        ];
        out.append(build(py, &self.claim_cls, &fields)?)?;
        Ok(Some(out.into_any()))
    }
}

/// `claim_extract.claim_from_frontmatter`'s fast path (registered in `crate::fastpath`).
pub(crate) fn bind_frontmatter_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    if !named(&params_of(fallback.bind(py))?, &["plan", "phase"]) {
        return Ok(None);
    }
    let fast = FrontmatterFast { claim_cls: class_of(module, "Claim")?.unbind() };
    Ok(Some(NativeFunction::new("claim_extract.claim_from_frontmatter", fast, fallback)))
}
