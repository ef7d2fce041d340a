//! Hand fast paths of `lane_journal.replay` and `lane_journal.compact`
//! (listed in `fastpath.rs`): the records are read once into JSON values
//! and folded borrowed, with no serde copy on the way in or out.
//! `bench/compare.py`'s "lane_journal.replay/compact (fold of 40 records)"
//! rows justify them (docs/benchmarks.md).

use crate::convert::{int_of, py_str, to_py};
use crate::fast::one_or_two;
use crate::swap::{CallArgs, Fast, NativeFunction};
use dos_core::journal::fold;
use dos_core::pyjson::{Dict, Value, MAX_DEPTH};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

/// One record's value as the reference's fold reads it: exact built-in
/// types only, no tuple (the fold answers with the records' own lists) and
/// no infinite float (the reference's `int()` of one raises); `None` for
/// anything else, which the fallback answers.
fn plain(obj: &Bound<'_, PyAny>, depth: usize) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    if obj.is_none() {
        return Some(Value::Null);
    }
    if let Ok(s) = obj.cast_exact::<PyString>() {
        return py_str(s).ok().map(Value::Str);
    }
    if let Ok(d) = obj.cast_exact::<PyDict>() {
        return dict(d, depth).map(Value::Dict);
    }
    if let Ok(b) = obj.cast_exact::<PyBool>() {
        return Some(Value::Bool(b.is_true()));
    }
    if obj.is_exact_instance_of::<PyInt>() {
        return int_of(obj).ok().map(Value::Int);
    }
    if let Ok(f) = obj.cast_exact::<PyFloat>() {
        let f = f.value();
        return (!f.is_infinite()).then_some(Value::Float(f));
    }
    if let Ok(l) = obj.cast_exact::<PyList>() {
        return l.iter().map(|x| plain(&x, depth + 1)).collect::<Option<Vec<_>>>().map(Value::List);
    }
    None
}

fn dict(d: &Bound<'_, PyDict>, depth: usize) -> Option<Dict> {
    let mut out = Dict::with_capacity(d.len());
    for (k, v) in d.iter() {
        out.push(py_str(k.cast_exact::<PyString>().ok()?).ok()?, plain(&v, depth + 1)?);
    }
    Some(out)
}

/// The records of `entries` (an exact list or tuple of exact dicts).
fn records(entries: &Bound<'_, PyAny>) -> Option<Vec<Dict>> {
    let read = |x: Bound<'_, PyAny>| dict(x.cast_exact::<PyDict>().ok()?, 0);
    if let Ok(l) = entries.cast_exact::<PyList>() {
        return l.iter().map(read).collect();
    }
    if let Ok(t) = entries.cast_exact::<PyTuple>() {
        return t.iter().map(read).collect();
    }
    None
}

fn list_of<'py>(py: Python<'py>, out: &[Dict]) -> PyResult<Bound<'py, PyAny>> {
    let l = PyList::empty(py);
    for d in out {
        let item = PyDict::new(py);
        for (k, v) in d.iter() {
            item.set_item(to_py(py, &Value::Str(k.clone()))?, to_py(py, v)?)?;
        }
        l.append(item)?;
    }
    Ok(l.into_any())
}

#[derive(Clone, Copy)]
enum Which {
    Replay,
    Compact,
}

struct JournalFold(Which);

impl Fast for JournalFold {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let name = intern!(py, "entries");
        let Some((entries, None)) = one_or_two(a, name, name) else { return Ok(None) };
        let Some(recs) = records(&entries) else { return Ok(None) };
        let out = match self.0 {
            Which::Replay => fold::replay(&recs),
            Which::Compact => fold::compact(&recs),
        };
        list_of(py, &out).map(Some)
    }
}

/// `lane_journal.replay`'s fast path; `fallback` answers what it does not take.
pub(crate) fn bind_replay(_: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    Ok(Some(NativeFunction::new("lane_journal.replay", JournalFold(Which::Replay), fallback)))
}

/// `lane_journal.compact`'s fast path; `fallback` answers what it does not take.
pub(crate) fn bind_compact(_: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    Ok(Some(NativeFunction::new("lane_journal.compact", JournalFold(Which::Compact), fallback)))
}
