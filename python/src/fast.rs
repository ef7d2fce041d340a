//! Plumbing for the dedicated entry points: reading a dataclass instance's
//! fields straight out of its `__dict__`, taking only exact built-in types,
//! and building result instances without running their `__init__`.
//!
//! Every reader answers `None` for anything it does not take exactly (a
//! subclass, a float where an int is expected, an int past 64 bits), so the
//! caller can hand the whole call to its Python fallback instead of guessing.

use crate::swap::CallArgs;
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString, PyTuple, PyType};
use std::os::raw::c_int;

/// `obj.__dict__` (created if the instance has none yet), or `None` when the
/// object keeps no instance dictionary (a slotted class).
pub(crate) fn fields_of<'py>(obj: &Bound<'py, PyAny>) -> Option<Bound<'py, PyDict>> {
    let py = obj.py();
    // SAFETY: `obj` is a live object; the call returns a new reference or NULL
    // with an exception set, which `from_owned_ptr_or_err` takes over.
    let d = unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyObject_GenericGetDict(obj.as_ptr(), std::ptr::null_mut())) };
    match d {
        Ok(d) => d.cast_into::<PyDict>().ok(),
        Err(_) => None,
    }
}

/// `d[key]` without raising: `None` when absent.
#[inline]
pub(crate) fn item<'py>(d: &Bound<'py, PyDict>, key: &Bound<'py, PyString>) -> Option<Bound<'py, PyAny>> {
    // SAFETY: both pointers are live; the result is a borrowed reference (or
    // NULL), which is immediately turned into an owned one.
    unsafe {
        let p = ffi::PyDict_GetItemWithError(d.as_ptr(), key.as_ptr());
        if p.is_null() {
            if !ffi::PyErr_Occurred().is_null() {
                ffi::PyErr_Clear();
            }
            None
        } else {
            Some(Bound::from_borrowed_ptr(d.py(), p))
        }
    }
}

/// An exact `int` that fits in 64 bits.
#[inline]
pub(crate) fn exact_i64(v: &Bound<'_, PyAny>) -> Option<i64> {
    if !v.is_exact_instance_of::<PyInt>() {
        return None;
    }
    let mut overflow: c_int = 0;
    // SAFETY: `v` is an exact int; this variant never sets an exception for
    // an int argument, it reports overflow through the flag.
    let x = unsafe { ffi::PyLong_AsLongLongAndOverflow(v.as_ptr(), &mut overflow) };
    (overflow == 0).then_some(x)
}

/// `None` or an exact 64-bit `int`; the outer `None` means "not taken".
#[inline]
pub(crate) fn opt_i64(v: &Bound<'_, PyAny>) -> Option<Option<i64>> {
    if v.is_none() {
        Some(None)
    } else {
        exact_i64(v).map(Some)
    }
}

/// `None`, `True` or `False`; the outer `None` means "not taken".
#[inline]
pub(crate) fn opt_bool(v: &Bound<'_, PyAny>) -> Option<Option<bool>> {
    if v.is_none() {
        Some(None)
    } else if let Ok(b) = v.cast::<PyBool>() {
        Some(Some(b.is_true()))
    } else {
        None
    }
}

/// An exact `float`.
#[inline]
pub(crate) fn exact_f64(v: &Bound<'_, PyAny>) -> Option<f64> {
    v.is_exact_instance_of::<PyFloat>().then(|| v.cast::<PyFloat>().map(|f| f.value()).ok()).flatten()
}

/// The UTF-8 of a `str` (any subclass), without allocating for compact
/// strings; `None` for a lone surrogate.
#[inline]
pub(crate) fn utf8_of<'a>(v: &'a Bound<'_, PyAny>) -> Option<&'a str> {
    let mut size: ffi::Py_ssize_t = 0;
    // SAFETY: `v` is a str; the buffer is owned by the string object, which
    // outlives the returned slice (tied to the borrow of `v`).
    unsafe {
        let p = ffi::PyUnicode_AsUTF8AndSize(v.as_ptr(), &mut size);
        if p.is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        let bytes = std::slice::from_raw_parts(p as *const u8, size as usize);
        Some(std::str::from_utf8_unchecked(bytes))
    }
}

/// Exactly `type(obj) is cls`.
#[inline]
pub(crate) fn is_type(obj: &Bound<'_, PyAny>, cls: &Py<PyType>) -> bool {
    obj.get_type().as_ptr() == cls.as_ptr()
}

/// A new, empty instance of `cls` as `object.__new__(cls)` makes it, by
/// calling the class's `tp_new` slot directly when it is `object`'s own.
pub(crate) fn new_instance<'py>(py: Python<'py>, cls: &Py<PyType>) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: `PyType_GetSlot` is valid on any type object from 3.10 on (the
    // wheel needs 3.11); `object_new` with an empty argument tuple and no
    // keywords is exactly `object.__new__(cls)`.
    unsafe {
        let base = std::ptr::addr_of_mut!(ffi::PyBaseObject_Type);
        let object_new = ffi::PyType_GetSlot(base, ffi::Py_tp_new);
        let own = ffi::PyType_GetSlot(cls.as_ptr() as *mut ffi::PyTypeObject, ffi::Py_tp_new);
        if !own.is_null() && own == object_new {
            let f: ffi::newfunc = std::mem::transmute(own);
            let empty = PyTuple::empty(py);
            return Bound::from_owned_ptr_or_err(py, f(cls.as_ptr() as *mut ffi::PyTypeObject, empty.as_ptr(), std::ptr::null_mut()));
        }
    }
    py.get_type::<PyAny>().getattr("__new__")?.call1((cls.bind(py),))
}

/// `object.__new__(cls)` with `fields` set by `object.__setattr__`, in order:
/// how a frozen dataclass is filled without its `__init__` (and its checks)
/// running.
pub(crate) fn build<'py>(
    py: Python<'py>,
    cls: &Py<PyType>,
    fields: &[(&Bound<'py, PyString>, Bound<'py, PyAny>)],
) -> PyResult<Bound<'py, PyAny>> {
    let c = cls.bind(py);
    if crate::record::is_record_class(c) {
        return crate::record::build(c, fields);
    }
    let obj = new_instance(py, cls)?;
    for (k, v) in fields {
        // SAFETY: live object, name and value; the generic setter stores into
        // the instance dictionary (or its inline values), bypassing the
        // class's own `__setattr__` as `object.__setattr__` does.
        if unsafe { ffi::PyObject_GenericSetAttr(obj.as_ptr(), k.as_ptr(), v.as_ptr()) } != 0 {
            return Err(PyErr::fetch(py));
        }
    }
    Ok(obj)
}

/// The values of `names` in `obj.__dict__`. The common case, a dictionary
/// holding exactly those names in that order (what a dataclass `__init__`
/// leaves), is read in one pass; anything else falls back to lookups.
pub(crate) fn read<'py, const N: usize>(obj: &Bound<'py, PyAny>, names: [&Bound<'py, PyString>; N]) -> Option<[Bound<'py, PyAny>; N]> {
    let py = obj.py();
    if crate::record::is_record(obj) {
        // A typed module's record: its fields are slots, not a dictionary.
        return crate::record::get_all(obj, names);
    }
    if N <= 3 {
        // A few fields: read them where they are (a fresh instance keeps its
        // values inline; asking for its __dict__ would build one).
        let mut out: [Option<Bound<'py, PyAny>>; N] = std::array::from_fn(|_| None);
        for (slot, name) in out.iter_mut().zip(names) {
            // SAFETY: live object and name; a new reference or NULL with an
            // exception set, which is cleared.
            let v = unsafe { ffi::PyObject_GenericGetAttr(obj.as_ptr(), name.as_ptr()) };
            if v.is_null() {
                unsafe { ffi::PyErr_Clear() };
                return None;
            }
            *slot = Some(unsafe { Bound::from_owned_ptr(py, v) });
        }
        return Some(out.map(|x| x.expect("filled")));
    }
    let d = fields_of(obj)?;
    if d.len() == N {
        let mut out: [Option<Bound<'py, PyAny>>; N] = std::array::from_fn(|_| None);
        let mut pos: ffi::Py_ssize_t = 0;
        let mut i = 0;
        // SAFETY: iterating a live dict with borrowed key/value pointers; no
        // Python code runs in between, so the dict cannot change.
        unsafe {
            let (mut k, mut v) = (std::ptr::null_mut(), std::ptr::null_mut());
            while i < N && ffi::PyDict_Next(d.as_ptr(), &mut pos, &mut k, &mut v) != 0 {
                if k != names[i].as_ptr() {
                    break;
                }
                out[i] = Some(Bound::from_borrowed_ptr(py, v));
                i += 1;
            }
        }
        if i == N {
            return Some(out.map(|x| x.expect("filled")));
        }
    }
    let mut out: [Option<Bound<'py, PyAny>>; N] = std::array::from_fn(|_| None);
    for (slot, name) in out.iter_mut().zip(names) {
        *slot = Some(item(&d, name)?);
    }
    Some(out.map(|x| x.expect("filled")))
}

/// The one or two arguments of `f(x, policy=DEFAULT)`, by position or by the
/// given names; `None` for any other shape (which the caller hands back to
/// the Python fallback, so the error, if any, is the reference's own).
pub(crate) fn one_or_two<'py>(
    call: &CallArgs<'_, 'py>,
    first: &Bound<'py, PyString>,
    second: &Bound<'py, PyString>,
) -> Option<(Bound<'py, PyAny>, Option<Bound<'py, PyAny>>)> {
    let n = call.len();
    let (mut a, mut b) = (None, None);
    if n > 2 {
        return None;
    }
    if n >= 1 {
        a = Some(call.get(0));
    }
    if n == 2 {
        b = Some(call.get(1));
    }
    for (k, v) in call.kw() {
        let k = k.cast::<PyString>().ok()?;
        if same_name(k, first) && a.is_none() {
            a = Some(v);
        } else if same_name(k, second) && b.is_none() {
            b = Some(v);
        } else {
            return None;
        }
    }
    Some((a?, b))
}

#[inline]
pub(crate) fn same_name(k: &Bound<'_, PyString>, name: &Bound<'_, PyString>) -> bool {
    k.as_ptr() == name.as_ptr() || k.to_str().ok() == name.to_str().ok()
}

/// A Python int from an `i128` (exact past 64 bits).
pub(crate) fn int_i128<'py>(py: Python<'py>, v: i128) -> PyResult<Bound<'py, PyAny>> {
    match i64::try_from(v) {
        Ok(small) => Ok(small.into_pyobject(py)?.into_any()),
        Err(_) => Ok(v.into_pyobject(py)?.into_any()),
    }
}

/// Whether `v` is one of `members` (by identity); its index if so.
#[inline]
pub(crate) fn member_index(v: &Bound<'_, PyAny>, members: &[Py<PyAny>]) -> Option<usize> {
    members.iter().position(|m| m.as_ptr() == v.as_ptr())
}

/// Read the members `names` of an enum class, in that order.
pub(crate) fn members_of(cls: &Bound<'_, PyAny>, names: &[&str]) -> PyResult<Vec<Py<PyAny>>> {
    names.iter().map(|n| Ok(cls.getattr(*n)?.unbind())).collect()
}

/// The arguments of a call to `f(names[0], names[1], ...)` by position or by
/// name, each `None` when not given; `None` overall for more positional
/// values than names, an unknown or repeated name (the caller hands such a
/// call to its fallback, which raises the original's own TypeError).
pub(crate) fn bind_args<'py, const N: usize>(
    call: &CallArgs<'_, 'py>,
    names: [&Bound<'py, PyString>; N],
    positional: usize,
) -> Option<[Option<Bound<'py, PyAny>>; N]> {
    let n = call.len();
    if n > positional.min(N) {
        return None;
    }
    let mut out: [Option<Bound<'py, PyAny>>; N] = std::array::from_fn(|_| None);
    for (i, slot) in out.iter_mut().enumerate().take(n) {
        *slot = Some(call.get(i));
    }
    for (k, v) in call.kw() {
        let k = k.cast::<PyString>().ok()?;
        let i = names.iter().position(|name| same_name(k, name))?;
        if out[i].is_some() {
            return None;
        }
        out[i] = Some(v);
    }
    Some(out)
}

/// The field names of a dataclass (a class or an instance; a typed
/// module's record class too), in declaration order: what
/// `[f.name for f in dataclasses.fields(cls)]` lists. A fast path binds
/// only when they are the ones it builds or reads.
pub(crate) fn dataclass_field_names(cls: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let py = cls.py();
    let fields = py.import(intern!(py, "dataclasses"))?.call_method1(intern!(py, "fields"), (cls,))?;
    fields.try_iter()?.map(|f| f?.getattr(intern!(py, "name"))?.extract::<String>()).collect()
}
