//! Hand fast paths of `_tree` (listed in `fastpath.rs`, hung off the
//! generated module) and the hand-bound `tree_disjoint_from_all_live`, which
//! calls the reference's lookup callable back: the prefix algebra on Python
//! strings borrowed in place (no copies for the common compact strings).

use crate::convert::json_value;
use crate::fast::{one_or_two, same_name, utf8_of};
use crate::swap::{CallArgs, Fast, NativeFunction};
use dos_core::deciders::tree;
use pyo3::exceptions::{PyException, PyTypeError};
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use std::cell::RefCell;

/// The entries of a tree given as an exact list or tuple: exact `str`s
/// borrowed as UTF-8, None read as "" (which, like the reference's
/// falsy-entry skip, never counts). `None` for anything else.
fn entries<'a>(seq: &'a Bound<'_, PyAny>) -> Option<Vec<&'a str>> {
    let p = seq.as_ptr();
    let list = seq.is_exact_instance_of::<PyList>();
    if !list && !seq.is_exact_instance_of::<PyTuple>() {
        return None;
    }
    // SAFETY: `p` is an exact list or tuple; items are borrowed from it, and
    // their UTF-8 buffers are owned by the strings, which the sequence keeps
    // alive for 'a (no Python code runs while the slices are in use).
    unsafe {
        let n = if list { ffi::PyList_Size(p) } else { ffi::PyTuple_Size(p) };
        let mut out = Vec::with_capacity(n as usize);
        for i in 0..n {
            let it = if list { ffi::PyList_GetItem(p, i) } else { ffi::PyTuple_GetItem(p, i) };
            if it == ffi::Py_None() {
                out.push("");
                continue;
            }
            if ffi::Py_TYPE(it) != std::ptr::addr_of_mut!(ffi::PyUnicode_Type) {
                return None;
            }
            let mut size: ffi::Py_ssize_t = 0;
            let data = ffi::PyUnicode_AsUTF8AndSize(it, &mut size);
            if data.is_null() {
                ffi::PyErr_Clear();
                return None;
            }
            out.push(std::str::from_utf8_unchecked(std::slice::from_raw_parts(data as *const u8, size as usize)));
        }
        Some(out)
    }
}

struct NormTreePrefix;

impl Fast for NormTreePrefix {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some((p, None)) = one_or_two(a, intern!(py, "p"), intern!(py, "p")) else { return Ok(None) };
        let text = if p.is_none() {
            ""
        } else if p.is_exact_instance_of::<PyString>() {
            match utf8_of(&p) {
                Some(t) => t,
                None => return Ok(None),
            }
        } else {
            return Ok(None);
        };
        Ok(Some(PyString::new(py, &tree::norm_tree_prefix(text)).into_any()))
    }
}

struct PrefixesCollide;

impl Fast for PrefixesCollide {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some((a, Some(b))) = one_or_two(a, intern!(py, "a"), intern!(py, "b")) else { return Ok(None) };
        if !a.is_exact_instance_of::<PyString>() || !b.is_exact_instance_of::<PyString>() {
            return Ok(None);
        }
        let (Some(x), Some(y)) = (utf8_of(&a), utf8_of(&b)) else { return Ok(None) };
        Ok(Some(pyo3::types::PyBool::new(py, tree::prefixes_collide(x, y)).to_owned().into_any()))
    }
}

struct LaneTreesDisjoint;

impl Fast for LaneTreesDisjoint {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some((a, Some(b))) = one_or_two(a, intern!(py, "tree_a"), intern!(py, "tree_b")) else { return Ok(None) };
        let (Some(ta), Some(tb)) = (entries(&a), entries(&b)) else { return Ok(None) };
        Ok(Some(pyo3::types::PyBool::new(py, tree::lane_trees_disjoint(&ta, &tb)).to_owned().into_any()))
    }
}

/// The name of a live record's lane as the reference reads it,
/// `str(rec.get("lane") or "")`; `None` when this path does not take it.
fn lane_name<'py>(rec: &Bound<'py, PyAny>) -> Option<LaneName<'py>> {
    let d = rec.cast_exact::<PyDict>().ok()?;
    let v = d.get_item(intern!(rec.py(), "lane")).ok()?;
    match v {
        None => Some(LaneName::Owned(String::new())),
        Some(v) if v.is_none() => Some(LaneName::Owned(String::new())),
        Some(v) if v.is_exact_instance_of::<PyString>() => {
            utf8_of(&v)?;
            Some(LaneName::Py(v))
        }
        Some(v) => tree::live_lane_name(&json_value(&v, 0)?).ok().map(LaneName::Owned),
    }
}

/// A live lane's name: the record's own `str` (passed to the lookup as it
/// is), or the text the reference's `str(...)` makes of another value.
enum LaneName<'py> {
    Py(Bound<'py, PyAny>),
    Owned(String),
}

impl LaneName<'_> {
    fn text(&self) -> &str {
        match self {
            LaneName::Py(s) => utf8_of(s).unwrap_or(""),
            LaneName::Owned(s) => s,
        }
    }
}

/// What the reference's `list(lookup(lane) or [])` holds, with any
/// `Exception` on the way read as no tree (its `except Exception`); other
/// exceptions escape.
fn looked_up<'py>(lookup: &Bound<'py, PyAny>, lane: Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let caught = |e: PyErr| if e.is_instance_of::<PyException>(lookup.py()) { Ok(Vec::new()) } else { Err(e) };
    let result = match lookup.call1((lane,)) {
        Ok(r) => r,
        Err(e) => return caught(e),
    };
    if result.is_exact_instance_of::<PyList>() || result.is_exact_instance_of::<PyTuple>() {
        // Iterating these cannot raise: no need to read them twice.
        return result.try_iter()?.collect::<PyResult<Vec<_>>>();
    }
    match result.is_truthy() {
        Ok(true) => {}
        Ok(false) => return Ok(Vec::new()),
        Err(e) => return caught(e),
    }
    let mut items = Vec::new();
    let iter = match result.try_iter() {
        Ok(it) => it,
        Err(e) => return caught(e),
    };
    for it in iter {
        match it {
            Ok(x) => items.push(x),
            Err(e) => return caught(e),
        }
    }
    Ok(items)
}

/// The entries of a looked-up tree as text, when each is an exact `str`
/// (without a lone surrogate) or a falsy exact built-in (which the
/// reference skips); `None` when some entry is anything else, which only the
/// reference's own comparison can read.
fn tree_entries(items: &[Bound<'_, PyAny>]) -> Option<Vec<String>> {
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        if it.is_exact_instance_of::<PyString>() {
            out.push(utf8_of(it)?.to_owned());
        } else if it.is_none()
            || ((it.is_exact_instance_of::<pyo3::types::PyBool>()
                || it.is_exact_instance_of::<pyo3::types::PyInt>()
                || it.is_exact_instance_of::<pyo3::types::PyFloat>()
                || it.is_exact_instance_of::<PyList>()
                || it.is_exact_instance_of::<PyTuple>()
                || it.is_exact_instance_of::<PyDict>())
                && !it.is_truthy().unwrap_or(true))
        {
            out.push(String::new());
        } else {
            return None;
        }
    }
    Some(out)
}

/// `tree_disjoint_from_all_live`. `slow(requested_tree, tree)` is the
/// `lane_trees_disjoint` the original calls for one live lane; it answers
/// for a looked-up tree whose entries are not all exact `str`s.
struct DisjointFromAllLive {
    slow: Option<Py<PyAny>>,
}

impl Fast for DisjointFromAllLive {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        if a.len() != 0 {
            return Ok(None);
        }
        let (mut requested, mut live, mut lookup) = (None, None, None);
        for (k, v) in a.kw() {
            let Ok(k) = k.cast::<PyString>() else { return Ok(None) };
            if same_name(k, intern!(py, "requested_tree")) {
                requested = Some(v);
            } else if same_name(k, intern!(py, "live")) {
                live = Some(v);
            } else if same_name(k, intern!(py, "sibling_tree_lookup")) {
                lookup = Some(v);
            } else {
                return Ok(None);
            }
        }
        let (Some(requested), Some(live), Some(lookup)) = (requested, live, lookup) else { return Ok(None) };
        // Everything is checked before the lookup is first called, so a call
        // handed to the fallback never runs the lookup twice.
        let Some(req) = entries(&requested) else { return Ok(None) };
        let records: Vec<Bound<'_, PyAny>> = if let Ok(l) = live.cast_exact::<PyList>() {
            l.iter().collect()
        } else if let Ok(t) = live.cast_exact::<PyTuple>() {
            t.iter().collect()
        } else {
            return Ok(None);
        };
        let mut lanes = Vec::with_capacity(records.len());
        for r in &records {
            match lane_name(r) {
                Some(n) => lanes.push(n),
                None => return Ok(None),
            }
        }
        let texts: Vec<&str> = lanes.iter().map(LaneName::text).collect();
        // An exception that is not an `Exception` (KeyboardInterrupt, ...)
        // or an entry that cannot be normalized ends the call with it.
        let escaped: RefCell<Option<PyErr>> = RefCell::new(None);
        let trees = |lane: &str| -> tree::SiblingTree {
            let undecided = tree::SiblingTree::Entries(Vec::new());
            if escaped.borrow().is_some() {
                return undecided;
            }
            // The record's own str object when the lane is one of ours.
            let arg = match texts.iter().position(|t| t.as_ptr() == lane.as_ptr() && t.len() == lane.len()) {
                Some(i) => match &lanes[i] {
                    LaneName::Py(s) => s.clone(),
                    LaneName::Owned(_) => PyString::new(py, lane).into_any(),
                },
                None => PyString::new(py, lane).into_any(),
            };
            let items = match looked_up(&lookup, arg) {
                Ok(items) => items,
                Err(e) => {
                    *escaped.borrow_mut() = Some(e);
                    return undecided;
                }
            };
            if items.is_empty() {
                return undecided;
            }
            if let Some(t) = tree_entries(&items) {
                return tree::SiblingTree::Entries(t);
            }
            // The reference's `lane_trees_disjoint(list(requested_tree), tree)`.
            let decided = match &self.slow {
                Some(slow) => PyList::new(py, &items).and_then(|tree| {
                    let req = PyList::new(py, requested.try_iter()?.collect::<PyResult<Vec<_>>>()?)?;
                    slow.bind(py).call1((req, tree))?.is_truthy()
                }),
                None => Err(PyTypeError::new_err("a lane tree entry must be a string")),
            };
            match decided {
                Ok(d) => tree::SiblingTree::Decided(d),
                Err(e) => {
                    *escaped.borrow_mut() = Some(e);
                    undecided
                }
            }
        };
        let out = tree::tree_disjoint_from_all_live_with(&req, &texts, &trees);
        if let Some(e) = escaped.into_inner() {
            // Raised where the original raises it (the lookup already ran).
            return Err(crate::swap::raised(py, e));
        }
        Ok(Some(pyo3::types::PyBool::new(py, out).to_owned().into_any()))
    }
}

/// `tree_disjoint_from_all_live` with the reference's lookup callable,
/// handing what it does not take to `fallback`; `slow` is the per-lane
/// `lane_trees_disjoint(requested_tree, tree)` (the other three `_tree`
/// functions are fast paths of the generated module, in `fastpath.rs`).
#[crate::guard]
#[pyfunction]
#[pyo3(signature = (name, fallback, slow=None))]
pub(crate) fn bind_tree(name: &str, fallback: Py<PyAny>, slow: Option<Py<PyAny>>) -> PyResult<NativeFunction> {
    match name {
        "tree_disjoint_from_all_live" => {
            Ok(NativeFunction::new("_tree.tree_disjoint_from_all_live", DisjointFromAllLive { slow }, fallback))
        }
        other => Err(PyTypeError::new_err(format!("no hand-bound _tree function {other:?}"))),
    }
}

/// `_tree.norm_tree_prefix`'s fast path (strings borrowed in place).
pub(crate) fn bind_norm_fast(_: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    Ok(Some(NativeFunction::new("_tree.norm_tree_prefix", NormTreePrefix, fallback)))
}

/// `_tree.prefixes_collide`'s fast path.
pub(crate) fn bind_collide_fast(_: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    Ok(Some(NativeFunction::new("_tree.prefixes_collide", PrefixesCollide, fallback)))
}

/// `_tree.lane_trees_disjoint`'s fast path.
pub(crate) fn bind_disjoint_fast(_: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    Ok(Some(NativeFunction::new("_tree.lane_trees_disjoint", LaneTreesDisjoint, fallback)))
}
