//! Hand fast paths of `tool_stream.classify_stream` (listed in
//! `fastpath::FAST`, hung off the generated module) and of the pure half of
//! `posttool_sensor`.
//!
//! `classify_stream` walks the caller's step objects backwards from the
//! latest one and stops at the first step whose key differs, reading three
//! string pointers per step from its instance dict and comparing them by
//! identity first and by content only when they differ; no step is copied
//! into Rust. It serves the generated `dos_native.tool_stream` and
//! `accelerate()` on either module's own classes (`StreamStep` of exactly
//! that class). The ladder and its prose are the core's
//! ([`tool_stream::classify_run`]).

use crate::convert::{json_value, py_str, to_py};
use crate::fast::{build, exact_i64, is_type, member_index, members_of, one_or_two, read};
use crate::registry::Enum;
use crate::snapshot::Pinned;
use crate::swap::{raised, CallArgs, Fast, NativeFunction};
use dos_core::deciders::posttool_sensor;
use dos_core::deciders::tool_stream::{self, StreamPolicy, StreamState, StreamStep};
use dos_core::pyjson::{Dict, Str, Value};
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyFrozenSet, PyList, PySet, PyString, PyTuple, PyType};

/// A core string as a Python `str` (lone surrogates kept).
fn str_to_py<'py>(py: Python<'py>, s: &Str) -> PyResult<Bound<'py, PyString>> {
    match s {
        Str::Utf8(t) => Ok(PyString::new(py, t)),
        other => Ok(to_py(py, &Value::Str(other.clone()))?.cast_into::<PyString>()?),
    }
}

// ---------------------------------------------------------------- the scan

/// One step's key fields as borrowed pointers: `tool` and `args` are exact
/// (or, for native steps, any) `str`s, `result` is NULL for None.
#[derive(Clone, Copy)]
struct Raw {
    tool: *mut ffi::PyObject,
    args: *mut ffi::PyObject,
    result: *mut ffi::PyObject,
}

fn is_exact_str(p: *mut ffi::PyObject) -> bool {
    // SAFETY: `p` is a live object; reading its type is always valid.
    unsafe { ffi::Py_TYPE(p) == std::ptr::addr_of_mut!(ffi::PyUnicode_Type) }
}

/// Equal `str`s: the same object, or the same code points.
#[inline]
fn same_str(a: *mut ffi::PyObject, b: *mut ffi::PyObject) -> bool {
    // SAFETY: both are live `str` objects, so the comparison cannot fail.
    a == b || unsafe { ffi::PyUnicode_Compare(a, b) == 0 }
}

struct StepReader<'py> {
    py: Python<'py>,
    /// The dataclass steps must be exactly (the module's `StreamStep`).
    data: *mut ffi::PyTypeObject,
    /// The interned field names, in the dataclass's field order.
    names: [*mut ffi::PyObject; 3],
    /// When the class is a typed module's record: the three fields' slots.
    slots: Option<[usize; 3]>,
}

impl<'py> StepReader<'py> {
    fn new(py: Python<'py>, step_cls: &Py<PyType>) -> StepReader<'py> {
        let names = [intern!(py, "tool_name"), intern!(py, "args_digest"), intern!(py, "result_digest")];
        let slots = crate::record::class_indices(step_cls.bind(py), &names).and_then(|v| <[usize; 3]>::try_from(v).ok());
        StepReader { py, data: step_cls.as_ptr() as *mut ffi::PyTypeObject, names: names.map(|n| n.as_ptr()), slots }
    }
}

impl<'py> StepReader<'py> {
    /// The key fields of one step object, or `None` when it is not a step
    /// this path reads exactly. The pointers are borrowed from the step
    /// (or its `__dict__`), which the stream keeps alive; no Python code
    /// runs while they are in use.
    fn raw(&self, item: Borrowed<'_, 'py, PyAny>) -> Option<Raw> {
        // SAFETY: `item` is a live object; reading its type is always valid.
        let ty = unsafe { ffi::Py_TYPE(item.as_ptr()) };
        if ty != self.data {
            return None;
        }
        if let Some(at) = self.slots {
            // SAFETY: `item` is exactly the record class the indices were
            // read from; the slot pointers are borrowed from it.
            let got = at.map(|i| unsafe { crate::record::slot_ptr(item.as_ptr(), i) });
            return Self::checked(got);
        }
        // SAFETY: a new reference to the instance dict (or NULL); the items
        // read from it are borrowed and stay owned by that dict, which the
        // instance keeps after our reference is released.
        unsafe {
            let d = ffi::PyObject_GenericGetDict(item.as_ptr(), std::ptr::null_mut());
            if d.is_null() {
                ffi::PyErr_Clear();
                return None;
            }
            // A dataclass's __init__ sets its fields in order, so the dict's
            // first three entries are normally the three fields, keyed by
            // the interned names: read them in one walk (no hashing);
            // anything else is looked up by name.
            let mut got = [std::ptr::null_mut(); 3];
            let mut pos: ffi::Py_ssize_t = 0;
            let mut in_order = true;
            for (slot, name) in got.iter_mut().zip(self.names) {
                let (mut k, mut v) = (std::ptr::null_mut(), std::ptr::null_mut());
                if ffi::PyDict_Next(d, &mut pos, &mut k, &mut v) == 0 || k != name {
                    in_order = false;
                    break;
                }
                *slot = v;
            }
            if !in_order {
                for (slot, name) in got.iter_mut().zip(self.names) {
                    *slot = ffi::PyDict_GetItemWithError(d, name);
                    if slot.is_null() {
                        ffi::PyErr_Clear();
                    }
                }
            }
            ffi::Py_DecRef(d);
            Self::checked(got)
        }
    }

    /// The three fields read, when each has the type this path takes.
    fn checked(got: [*mut ffi::PyObject; 3]) -> Option<Raw> {
        let [tool, args, result] = got;
        // SAFETY: each pointer is NULL or a live object borrowed from the step.
        unsafe {
            if tool.is_null() || args.is_null() || result.is_null() || !is_exact_str(tool) || !is_exact_str(args) {
                return None;
            }
            let result = if result == ffi::Py_None() {
                std::ptr::null_mut()
            } else if is_exact_str(result) {
                result
            } else {
                return None;
            };
            Some(Raw { tool, args, result })
        }
    }
}

fn str_of(py: Python<'_>, p: *mut ffi::PyObject) -> Option<Str> {
    // SAFETY: `p` is a live `str` borrowed for the duration of this call.
    let b = unsafe { Borrowed::from_ptr(py, p) };
    let s = b.cast::<PyString>().ok()?;
    py_str(&s).ok()
}

/// The trailing run of identical keys over `steps` (a tuple or list), and
/// whether its latest step repeats; `None` when a step on the way cannot be
/// read exactly.
fn trailing_run(reader: &StepReader<'_>, steps: &Bound<'_, PyAny>, policy: &StreamPolicy) -> Option<(i64, bool)> {
    let py = reader.py;
    let (tuple, list) = (steps.cast_exact::<PyTuple>().ok(), steps.cast_exact::<PyList>().ok());
    let n = match (tuple, list) {
        (Some(t), _) => t.len(),
        (_, Some(l)) => l.len(),
        _ => return None,
    };
    // SAFETY: indices below `n`; the sequence is not resized while we read
    // (no Python code runs).
    let at = |i: usize| -> Borrowed<'_, '_, PyAny> {
        match tuple {
            Some(t) => unsafe { Borrowed::from_ptr(py, ffi::PyTuple_GetItem(t.as_ptr(), i as ffi::Py_ssize_t)) },
            None => unsafe { Borrowed::from_ptr(py, ffi::PyList_GetItem(list.expect("list").as_ptr(), i as ffi::Py_ssize_t)) },
        }
    };
    if n == 0 {
        return Some((0, false));
    }
    let last = reader.raw(at(n - 1))?;
    if last.result.is_null() {
        return Some((1, false));
    }
    if policy.ignore_tools().len() > 0 && policy.ignores(&str_of(py, last.tool)?) {
        return Some((1, false));
    }
    let mut last_fold: Option<Str> = None;
    let mut run: i64 = 1;
    for i in (0..n - 1).rev() {
        let prev = reader.raw(at(i))?;
        if prev.result.is_null() || !same_str(prev.result, last.result) || !same_str(prev.args, last.args) {
            break;
        }
        if !same_str(prev.tool, last.tool) {
            // Different spellings can still fold to the same tool.
            if last_fold.is_none() {
                last_fold = Some(tool_stream::casefold_str(&str_of(py, last.tool)?));
            }
            if tool_stream::casefold_str(&str_of(py, prev.tool)?) != *last_fold.as_ref().expect("set") {
                break;
            }
        }
        run += 1;
    }
    Some((run, run >= 2))
}

/// A `StreamPolicy` from one of exactly the policy class.
fn stream_policy(p: &Bound<'_, PyAny>) -> Option<StreamPolicy> {
    let py = p.py();
    let [r, s, ig] = read(p, [intern!(py, "repeat_n"), intern!(py, "stall_n"), intern!(py, "ignore_tools")])?;
    let mut tools = Vec::new();
    if ig.is_exact_instance_of::<PyFrozenSet>() || ig.is_exact_instance_of::<PySet>() {
        for t in ig.try_iter().ok()? {
            tools.push(py_str(t.ok()?.cast_exact::<PyString>().ok()?).ok()?);
        }
    } else {
        return None;
    }
    StreamPolicy::new(exact_i64(&r)?, exact_i64(&s)?, tools).ok()
}

fn state_index(s: StreamState) -> usize {
    match s {
        StreamState::Advancing => 0,
        StreamState::Repeating => 1,
        StreamState::Stalled => 2,
    }
}

struct ClassifyStream {
    stream_cls: Py<PyType>,
    step_cls: Py<PyType>,
    policy_cls: Py<PyType>,
    /// The default policy and what its fields held when `default` was read
    /// from it (`default` serves only while they still hold it).
    default_policy: Pinned,
    default: StreamPolicy,
    verdict_cls: Py<PyType>,
    members: Vec<Py<PyAny>>,
}

impl Fast for ClassifyStream {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some((stream, policy)) = one_or_two(a, intern!(py, "stream"), intern!(py, "policy")) else { return Ok(None) };
        if !is_type(&stream, &self.stream_cls) {
            return Ok(None);
        }
        let given;
        let is_default = policy.as_ref().map_or(true, |p| p.as_ptr() == self.default_policy.obj().as_ptr());
        let policy = if is_default && self.default_policy.current(py) {
            &self.default
        } else {
            let p = match policy {
                Some(p) if !is_default => p,
                _ => self.default_policy.obj().bind(py).clone(),
            };
            if !is_default && !is_type(&p, &self.policy_cls) {
                return Ok(None);
            }
            match stream_policy(&p) {
                Some(p) => {
                    given = p;
                    &given
                }
                None => return Ok(None),
            }
        };
        let Some([steps]) = read(&stream, [intern!(py, "steps")]) else { return Ok(None) };
        let reader = StepReader::new(py, &self.step_cls);
        let Some((run, repeats)) = trailing_run(&reader, &steps, policy) else { return Ok(None) };
        // The core only needs to know that a repeated step exists; the
        // caller's own object is what the verdict carries.
        let marker = StreamStep::new("", "", None);
        let v = tool_stream::classify_run(run, repeats.then_some(&marker), policy);
        let repeated = if v.repeated_step.is_some() {
            match steps.cast_exact::<PyTuple>() {
                Ok(t) => t.get_item(t.len() - 1)?,
                Err(_) => steps.cast_exact::<PyList>()?.get_item(steps.len()? - 1)?,
            }
        } else {
            py.None().into_bound(py)
        };
        let fields = [
            (intern!(py, "state"), self.members[state_index(v.state)].bind(py).clone()),
            (intern!(py, "repeat_run"), run.into_pyobject(py)?.into_any()),
            (intern!(py, "repeated_step"), repeated),
            (intern!(py, "reason"), str_to_py(py, &v.reason)?.into_any()),
        ];
        build(py, &self.verdict_cls, &fields).map(Some)
    }
}

/// The fast `classify_stream(stream, policy=DEFAULT_POLICY)` bound to
/// `module`'s classes (the generated `dos_native.tool_stream` or the
/// reference's `dos.tool_stream`): steps of exactly its `StreamStep` (with
/// an instance dict), verdicts of its `StreamVerdict`.
pub(crate) fn bind_classify_stream(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    let cls = |name: &Bound<'_, PyString>| -> PyResult<Py<PyType>> { Ok(module.getattr(name)?.cast_into::<PyType>()?.unbind()) };
    let step_cls = cls(intern!(py, "StreamStep"))?;
    // A slotted step has no instance dict to read the fields from (a typed
    // module's record is read from its slots).
    if !crate::record::is_record_class(step_cls.bind(py))
        && step_cls.bind(py).getattr(intern!(py, "__dictoffset__")).ok().and_then(|o| o.extract::<isize>().ok()) == Some(0)
    {
        return Ok(None);
    }
    let default_policy = module.getattr(intern!(py, "DEFAULT_POLICY"))?;
    let Some(default) = stream_policy(&default_policy) else { return Ok(None) };
    let fast = ClassifyStream {
        stream_cls: cls(intern!(py, "ToolStream"))?,
        step_cls,
        policy_cls: cls(intern!(py, "StreamPolicy"))?,
        default_policy: Pinned::new(&default_policy, &["repeat_n", "stall_n", "ignore_tools"]),
        default,
        verdict_cls: cls(intern!(py, "StreamVerdict"))?,
        members: members_of(&module.getattr(intern!(py, "StreamState"))?, Enum::StreamState.names())?,
    };
    Ok(Some(NativeFunction::new("tool_stream.classify_stream", fast, fallback)))
}

// ---------------------------------------------------------------- posttool_sensor

struct StepFromEvent {
    /// The steps built are instances of this dataclass.
    step_cls: Py<PyType>,
    /// Raise `TypeError` for a dict event holding values that are not JSON
    /// data of exactly the built-in types (the typed module, whose route
    /// would otherwise read a set or a tuple as a list and hash other bytes
    /// than the reference's `default=str`); otherwise hand the call to the
    /// fallback (accelerate(): the reference's own function).
    strict: bool,
    /// The module's `StreamPolicy`.
    policy_cls: Py<PyType>,
}

impl Fast for StepFromEvent {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        // The policy is accepted and, as in the reference, not read: None or
        // one of exactly the module's policy class (checked when it was
        // built); anything else goes to the fallback, which checks it.
        let Some((event, policy)) = one_or_two(a, intern!(py, "event"), intern!(py, "policy")) else { return Ok(None) };
        if policy.is_some_and(|p| !p.is_none() && !is_type(&p, &self.policy_cls)) {
            return Ok(None);
        }
        let Ok(ev) = event.cast_exact::<PyDict>() else { return Ok(None) };
        let none = || Ok(Some(py.None().into_bound(py)));
        let Some(tool) = ev.get_item(intern!(py, "tool_name"))? else { return none() };
        let Ok(tool) = tool.cast_exact::<PyString>() else {
            // Not a str (a str subclass is not taken): not a tool call.
            return if tool.is_instance_of::<PyString>() { Ok(None) } else { none() };
        };
        // The parts the digests read, in exactly the JSON types.
        let mut slim = Dict::with_capacity(4);
        let Ok(tool_str) = py_str(tool) else { return Ok(None) };
        slim.push("tool_name", Value::Str(tool_str));
        let keys = [
            (intern!(py, "tool_input"), "tool_input"),
            (intern!(py, "tool_response"), "tool_response"),
            (intern!(py, "tool_output"), "tool_output"),
        ];
        for (k, name) in keys {
            if let Some(v) = ev.get_item(k)? {
                let Some(v) = json_value(&v, 0) else {
                    // (json_or_type_error fails here too: the call raises its TypeError.)
                    return if self.strict { json_or_type_error(&v).map(|_| None).map_err(|e| raised(py, e)) } else { Ok(None) };
                };
                slim.push(name, v);
            }
        }
        let Some(step) = posttool_sensor::step_from_event(&Value::Dict(slim)) else { return none() };
        let args_digest = str_to_py(py, &step.args_digest)?.into_any();
        let result = match &step.result_digest {
            Some(r) => str_to_py(py, r)?.into_any(),
            None => py.None().into_bound(py),
        };
        let fields = [
            (intern!(py, "tool_name"), tool.clone().into_any()),
            (intern!(py, "args_digest"), args_digest),
            (intern!(py, "result_digest"), result),
        ];
        build(py, &self.step_cls, &fields).map(Some)
    }
}

/// The fast `step_from_event(event, policy=None)` bound to `module`'s
/// `StreamStep` (the generated `dos_native.posttool_sensor` or the
/// reference's `dos.posttool_sensor`): events that are dicts of exactly the
/// JSON types; anything else goes to `fallback`. A slotted dataclass that is
/// not a typed module's record is left to the fallback.
pub(crate) fn bind_step_from_event(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    let step_cls = module.getattr(intern!(py, "StreamStep"))?.cast_into::<PyType>()?;
    if !crate::record::is_record_class(&step_cls)
        && step_cls.getattr(intern!(py, "__dictoffset__")).ok().and_then(|o| o.extract::<isize>().ok()) == Some(0)
    {
        return Ok(None);
    }
    let strict = crate::record::is_record_class(&step_cls);
    let policy_cls = module.getattr(intern!(py, "StreamPolicy"))?.cast_into::<PyType>()?.unbind();
    let fast = StepFromEvent { step_cls: step_cls.unbind(), strict, policy_cls };
    Ok(Some(NativeFunction::new("posttool_sensor.step_from_event", fast, fallback)))
}

struct WarnPayload {
    verdict_cls: Py<PyType>,
    step_cls: Py<PyType>,
    members: Vec<Py<PyAny>>,
}

const STATES: [StreamState; 3] = [StreamState::Advancing, StreamState::Repeating, StreamState::Stalled];

impl Fast for WarnPayload {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        if a.len() != 1 || a.has_kw() {
            return Ok(None);
        }
        let verdict = a.get(0);
        if !is_type(&verdict, &self.verdict_cls) {
            return Ok(None);
        }
        let names = [intern!(py, "state"), intern!(py, "repeat_run"), intern!(py, "repeated_step"), intern!(py, "reason")];
        let Some([state, run, step, reason]) = read(&verdict, names) else { return Ok(None) };
        let Some(state) = member_index(&state, &self.members).map(|i| STATES[i]) else { return Ok(None) };
        let Some(run) = exact_i64(&run) else { return Ok(None) };
        let Ok(reason) = reason.cast_exact::<PyString>() else { return Ok(None) };
        let Ok(reason) = py_str(reason) else { return Ok(None) };
        let step = if step.is_none() {
            None
        } else {
            let reader = StepReader::new(py, &self.step_cls);
            let Some(raw) = reader.raw(step.as_borrowed()) else { return Ok(None) };
            let (Some(tool), Some(args)) = (str_of(py, raw.tool), str_of(py, raw.args)) else { return Ok(None) };
            let result = if raw.result.is_null() {
                None
            } else {
                match str_of(py, raw.result) {
                    Some(r) => Some(r),
                    None => return Ok(None),
                }
            };
            Some(StreamStep { tool_name: tool, args_digest: args, result_digest: result })
        };
        match posttool_sensor::warn_payload_parts(state, run, step.as_ref(), &reason) {
            Some(v) => to_py(py, &v).map(Some),
            None => Ok(Some(py.None().into_bound(py))),
        }
    }
}

/// The fast `warn_payload(verdict)` bound to `module`'s classes: verdicts of
/// exactly its `StreamVerdict` whose `repeated_step` is None or exactly its
/// `StreamStep`; anything else goes to `fallback`.
pub(crate) fn bind_warn_payload(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    let cls = |name: &Bound<'_, PyString>| -> PyResult<Py<PyType>> { Ok(module.getattr(name)?.cast_into::<PyType>()?.unbind()) };
    let fast = WarnPayload {
        verdict_cls: cls(intern!(py, "StreamVerdict"))?,
        step_cls: cls(intern!(py, "StreamStep"))?,
        members: members_of(&module.getattr(intern!(py, "StreamState"))?, Enum::StreamState.names())?,
    };
    Ok(Some(NativeFunction::new("posttool_sensor.warn_payload", fast, fallback)))
}

// ---------------------------------------------------------------- digest helpers

fn json_or_type_error(value: &Bound<'_, PyAny>) -> PyResult<Value> {
    json_value(value, 0).ok_or_else(|| {
        PyTypeError::new_err(
            "libdos hashes JSON data only: dict with str keys, list, tuple, str, int, float, bool and None \
             (exactly those types)",
        )
    })
}

/// The first 16 hex characters of SHA-256 over `data`.
#[crate::guard]
#[pyfunction]
pub(crate) fn digest(data: &[u8]) -> String {
    posttool_sensor::digest_bytes(data)
}

/// The bytes a digest is taken over: a `str` as its UTF-8 (a lone surrogate
/// becomes `?`), anything else as `json.dumps(value, sort_keys=True,
/// ensure_ascii=False)` encoded the same way.
#[crate::guard]
#[pyfunction]
pub(crate) fn canonical_bytes<'py>(py: Python<'py>, value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    let v = json_or_type_error(value)?;
    Ok(PyBytes::new(py, &posttool_sensor::canonical_bytes(&v)))
}

/// The digest of a tool result value (`digest(canonical_bytes(value))`).
#[crate::guard]
#[pyfunction]
pub(crate) fn result_digest(value: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(posttool_sensor::value_digest(&json_or_type_error(value)?))
}

/// The args digest of a call: over `{"input": tool_input, "tool": tool_name}`
/// (a `tool_input` of None counts as `{}`).
#[crate::guard]
#[pyfunction]
pub(crate) fn args_digest(tool_name: &Bound<'_, PyString>, tool_input: &Bound<'_, PyAny>) -> PyResult<String> {
    let input = if tool_input.is_none() { Value::Dict(Dict::new()) } else { json_or_type_error(tool_input)? };
    Ok(posttool_sensor::args_digest(&py_str(tool_name)?, &input))
}
