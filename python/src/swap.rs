//! `NativeFunction`: a callable that serves a call natively when it can and
//! hands it, untouched, to a Python fallback when it cannot.
//!
//! The same object backs `dos_native`'s typed functions (the fallback is the
//! generic path that also takes mappings and foreign objects) and the
//! functions `accelerate()` swaps into the installed `dos` package (the
//! fallback is the reference's original function).
//!
//! What Python code calls is a `NativeCallable` made by [`_as_function`]:
//! an object of a small type of our own that CPython calls through the
//! vectorcall protocol, with a vector of arguments and a tuple of keyword
//! names, so neither an argument tuple nor a keyword dict is built for a
//! call that is served natively (a pyclass `__call__` gets both). Its
//! `__self__` is the `NativeFunction`; its `__dict__` carries the
//! original's `__wrapped__`, name and docstring, so `inspect.signature`
//! reports the original's exact signature.

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use std::os::raw::c_int;

/// The arguments of one call: positional values, then keyword names and
/// values, all borrowed from the caller for the duration of the call.
pub(crate) struct CallArgs<'a, 'py> {
    py: Python<'py>,
    pos: &'a [*mut ffi::PyObject],
    kwnames: Option<Borrowed<'a, 'py, PyTuple>>,
    kwvals: &'a [*mut ffi::PyObject],
}

impl<'a, 'py> CallArgs<'a, 'py> {
    /// The number of positional arguments.
    pub(crate) fn len(&self) -> usize {
        self.pos.len()
    }

    /// The `i`-th positional argument (`i < len()`).
    pub(crate) fn get(&self, i: usize) -> Bound<'py, PyAny> {
        // SAFETY: the caller keeps every argument alive during the call.
        unsafe { Bound::from_borrowed_ptr(self.py, self.pos[i]) }
    }

    /// Whether any keyword argument was given.
    pub(crate) fn has_kw(&self) -> bool {
        !self.kwvals.is_empty()
    }

    /// The keyword arguments, in the order given.
    pub(crate) fn kw(&self) -> impl Iterator<Item = (Bound<'py, PyAny>, Bound<'py, PyAny>)> + '_ {
        self.kwvals.iter().enumerate().map(move |(i, v)| {
            let names = self.kwnames.as_ref().expect("keyword values come with names");
            // SAFETY: as for `get`; the names tuple has one name per value.
            let name = names.get_item(i).expect("a name per keyword value");
            (name, unsafe { Bound::from_borrowed_ptr(self.py, *v) })
        })
    }

    /// The call as an argument tuple and keyword dict (for the fallback).
    fn to_tuple_dict(&self) -> PyResult<(Bound<'py, PyTuple>, Option<Bound<'py, PyDict>>)> {
        let args = PyTuple::new(self.py, (0..self.len()).map(|i| self.get(i)))?;
        if !self.has_kw() {
            return Ok((args, None));
        }
        let kwargs = PyDict::new(self.py);
        for (k, v) in self.kw() {
            kwargs.set_item(k, v)?;
        }
        Ok((args, Some(kwargs)))
    }
}

/// A native fast path. `Ok(None)` or an error means "not served here": the
/// caller then runs the fallback with the original arguments, unless the
/// error was made by [`raised`] (what the original itself would raise at
/// that point, after caller code ran: it must not run twice).
pub(crate) trait Fast: Send + Sync {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>>;
}

#[pyclass(frozen, module = "dos_native._native", name = "NativeFunction")]
pub(crate) struct NativeFunction {
    fast: Box<dyn Fast>,
    fallback: Py<PyAny>,
    label: &'static str,
}

impl NativeFunction {
    pub(crate) fn new(label: &'static str, fast: impl Fast + 'static, fallback: Py<PyAny>) -> Self {
        NativeFunction { fast: Box::new(fast), fallback, label }
    }

    fn invoke<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.fast.call(py, a) {
            Ok(Some(out)) => Ok(out),
            Err(e) if is_raised(py, &e) => Err(e),
            Ok(None) | Err(_) => {
                let (args, kwargs) = a.to_tuple_dict()?;
                self.fallback.bind(py).call(args, kwargs.as_ref())
            }
        }
    }
}

thread_local! {
    /// The exception value a fast path marked with [`raised`] (held, so its
    /// identity cannot pass to another object; cleared when the error is
    /// looked at).
    static RAISED: std::cell::RefCell<Option<Py<PyAny>>> = const { std::cell::RefCell::new(None) };
}

/// Mark `e` as the call's own outcome: [`NativeFunction`] raises it instead
/// of running the fallback (which would run the caller's callbacks again).
pub(crate) fn raised(py: Python<'_>, e: PyErr) -> PyErr {
    let value = e.value(py).clone().into_any().unbind();
    let old = RAISED.with(|r| r.borrow_mut().replace(value));
    drop(old);
    e
}

fn is_raised(py: Python<'_>, e: &PyErr) -> bool {
    let marked = RAISED.with(|r| r.borrow_mut().take());
    marked.is_some_and(|m| m.as_ptr() == e.value(py).as_ptr())
}

/// Borrow a tuple and dict call as [`CallArgs`] and run `f` on it.
fn with_tuple_dict<'py, R>(
    py: Python<'py>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
    f: impl FnOnce(&CallArgs<'_, 'py>) -> R,
) -> R {
    let pos: Vec<*mut ffi::PyObject> = args.iter_borrowed().map(|x| x.as_ptr()).collect();
    let (names, vals): (Vec<Bound<'py, PyAny>>, Vec<Bound<'py, PyAny>>) = kwargs.map(|k| k.iter().unzip()).unwrap_or_default();
    let kwnames = PyTuple::new(py, &names).ok();
    let kwvals: Vec<*mut ffi::PyObject> = vals.iter().map(Bound::as_ptr).collect();
    let a = CallArgs { py, pos: &pos, kwnames: kwnames.as_ref().map(|t| t.as_borrowed()), kwvals: &kwvals };
    f(&a)
}

#[crate::guard]
#[pymethods]
impl NativeFunction {
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        with_tuple_dict(py, args, kwargs, |a| self.invoke(py, a))
    }

    /// The function that answers what the native path does not take.
    #[getter]
    fn fallback(&self, py: Python<'_>) -> Py<PyAny> {
        self.fallback.clone_ref(py)
    }

    /// Which native entry point this is (for `repr` and debugging).
    #[getter]
    fn native_op(&self) -> &'static str {
        self.label
    }

    /// Serve the call natively or return `NotImplemented` (never the
    /// fallback): lets tests tell which side answered.
    #[pyo3(signature = (*args, **kwargs))]
    fn native_only<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let out = with_tuple_dict(py, args, kwargs, |a| self.fast.call(py, a))?;
        Ok(out.unwrap_or_else(|| py.NotImplemented().into_bound(py)))
    }

    fn __repr__(&self) -> String {
        format!("<native {}>", self.label)
    }
}

// ------------------------------------------------------------ the callable

/// What `dos_native` installs: a callable object of its own type
/// (`dos_native._native.NativeCallable`) holding a [`NativeFunction`].
///
/// CPython calls it through the vectorcall protocol (a vector of arguments
/// and a tuple of keyword names; no argument tuple, no keyword dict), as it
/// calls a builtin. Unlike a builtin it has a `__dict__`, so
/// `functools.update_wrapper` gives it the original's `__name__`,
/// `__qualname__`, `__module__`, `__doc__` and `__wrapped__`, and
/// `inspect.signature()` reports the original's exact signature.
#[repr(C)]
struct CallableObject {
    ob_base: ffi::PyObject,
    /// The vectorcall entry (`__vectorcalloffset__` points here).
    vectorcall: Option<VectorcallFn>,
    /// The `NativeFunction` (`__self__`); a strong reference.
    target: *mut ffi::PyObject,
    /// The instance dictionary (`__dictoffset__`), made on first use.
    dict: *mut ffi::PyObject,
}

type VectorcallFn = unsafe extern "C" fn(*mut ffi::PyObject, *const *mut ffi::PyObject, usize, *mut ffi::PyObject) -> *mut ffi::PyObject;

/// PEP 590's flag bit in `nargsf` (the ABI value; the limited API of 3.11
/// does not name it).
const VECTORCALL_ARGUMENTS_OFFSET: usize = 1 << (usize::BITS - 1);
/// `Py_TPFLAGS_HAVE_VECTORCALL` (ABI-stable bit; named by the limited API from 3.12).
const TPFLAGS_HAVE_VECTORCALL: std::os::raw::c_ulong = 1 << 11;
/// `Py_TPFLAGS_DISALLOW_INSTANTIATION` (3.10+).
const TPFLAGS_DISALLOW_INSTANTIATION: std::os::raw::c_ulong = 1 << 7;

/// Run one call of `slf` (a `CallableObject`) on borrowed arguments.
///
/// SAFETY: `slf` is a live `CallableObject`; `args` holds `nargs` positional
/// values then one value per name in `kwnames`, all alive for the call; the
/// GIL is held.
unsafe fn run_call(
    slf: *mut ffi::PyObject,
    pos: &[*mut ffi::PyObject],
    kwnames: *mut ffi::PyObject,
    kwvals: &[*mut ffi::PyObject],
) -> *mut ffi::PyObject {
    let py = unsafe { Python::assume_attached() };
    let run = std::panic::AssertUnwindSafe(|| -> PyResult<*mut ffi::PyObject> {
        let target = unsafe { (*(slf as *mut CallableObject)).target };
        if target.is_null() {
            return Err(PyTypeError::new_err("this native function was cleared"));
        }
        // SAFETY: the type only ever holds a NativeFunction (see `_as_function`).
        let nf = unsafe { Borrowed::from_ptr(py, target).cast_unchecked::<NativeFunction>() };
        let kwnames = (!kwnames.is_null()).then(|| unsafe { Borrowed::from_ptr(py, kwnames).cast_unchecked::<PyTuple>() });
        let a = CallArgs { py, pos, kwnames, kwvals };
        Ok(nf.get().invoke(py, &a)?.into_ptr())
    });
    let err = match std::panic::catch_unwind(run) {
        Ok(Ok(p)) => return p,
        Ok(Err(e)) => e,
        Err(payload) => crate::guard::caught(payload),
    };
    err.restore(py);
    std::ptr::null_mut()
}

unsafe extern "C" fn callable_vectorcall(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    let nargs = nargsf & !VECTORCALL_ARGUMENTS_OFFSET;
    // SAFETY: CPython hands `nargs` positional values followed by one value
    // per keyword name; the names tuple is exact.
    unsafe {
        let nkw = if kwnames.is_null() { 0 } else { ffi::PyTuple_Size(kwnames) as usize };
        let total = nargs + nkw;
        let all: &[*mut ffi::PyObject] = if total == 0 { &[] } else { std::slice::from_raw_parts(args, total) };
        let (pos, kwvals) = all.split_at(nargs);
        run_call(slf, pos, kwnames, kwvals)
    }
}

/// `tp_call`: a call made with an argument tuple and a keyword dict
/// (`PyObject_Call`, `functools.partial`...).
unsafe extern "C" fn callable_call(slf: *mut ffi::PyObject, args: *mut ffi::PyObject, kwargs: *mut ffi::PyObject) -> *mut ffi::PyObject {
    let py = unsafe { Python::assume_attached() };
    // SAFETY: `args` is a tuple and `kwargs` NULL or a dict, both alive for the call.
    let args = unsafe { Borrowed::from_ptr(py, args).cast_unchecked::<PyTuple>() };
    let kwargs = (!kwargs.is_null()).then(|| unsafe { Borrowed::from_ptr(py, kwargs).cast_unchecked::<PyDict>() });
    let pos: Vec<*mut ffi::PyObject> = args.iter_borrowed().map(|x| x.as_ptr()).collect();
    let (names, vals): (Vec<Bound<'_, PyAny>>, Vec<Bound<'_, PyAny>>) = kwargs.map(|k| k.iter().unzip()).unwrap_or_default();
    let kwnames = match PyTuple::new(py, &names) {
        Ok(t) => t,
        Err(e) => {
            e.restore(py);
            return std::ptr::null_mut();
        }
    };
    let kwvals: Vec<*mut ffi::PyObject> = vals.iter().map(Bound::as_ptr).collect();
    let names_ptr = if kwvals.is_empty() { std::ptr::null_mut() } else { kwnames.as_ptr() };
    unsafe { run_call(slf, &pos, names_ptr, &kwvals) }
}

unsafe extern "C" fn callable_traverse(slf: *mut ffi::PyObject, visit: ffi::visitproc, arg: *mut std::os::raw::c_void) -> c_int {
    // SAFETY: `slf` is a live CallableObject; visiting NULL is skipped.
    unsafe {
        let o = &*(slf as *mut CallableObject);
        for p in [o.target, o.dict] {
            if !p.is_null() {
                let r = visit(p, arg);
                if r != 0 {
                    return r;
                }
            }
        }
    }
    0
}

unsafe extern "C" fn callable_clear(slf: *mut ffi::PyObject) -> c_int {
    // SAFETY: `slf` is a live CallableObject; each field is swapped to NULL
    // before its reference is dropped.
    unsafe {
        let o = &mut *(slf as *mut CallableObject);
        for p in [&mut o.target, &mut o.dict] {
            let old = std::mem::replace(p, std::ptr::null_mut());
            if !old.is_null() {
                ffi::Py_DECREF(old);
            }
        }
    }
    0
}

unsafe extern "C" fn callable_dealloc(slf: *mut ffi::PyObject) {
    // SAFETY: the last reference is gone; untrack, drop the fields, free the
    // memory through the type's own tp_free and release the type (a heap
    // type's instances hold a reference to it).
    unsafe {
        ffi::PyObject_GC_UnTrack(slf as *mut std::os::raw::c_void);
        callable_clear(slf);
        let tp = ffi::Py_TYPE(slf);
        let free = ffi::PyType_GetSlot(tp, ffi::Py_tp_free);
        if !free.is_null() {
            let free: ffi::freefunc = std::mem::transmute(free);
            free(slf as *mut std::os::raw::c_void);
        }
        ffi::Py_DECREF(tp as *mut ffi::PyObject);
    }
}

unsafe extern "C" fn callable_repr(slf: *mut ffi::PyObject) -> *mut ffi::PyObject {
    let py = unsafe { Python::assume_attached() };
    // SAFETY: a live object; the attribute lookups may run Python code.
    let obj = unsafe { Borrowed::from_ptr(py, slf) };
    let name = obj
        .getattr("__qualname__")
        .or_else(|_| obj.getattr("__name__"))
        .and_then(|n| n.str().map(|s| s.to_string()))
        .unwrap_or_else(|_| "?".into());
    let module = obj.getattr("__module__").and_then(|n| n.str().map(|s| s.to_string())).unwrap_or_default();
    let text = if module.is_empty() { format!("<native function {name}>") } else { format!("<native function {module}.{name}>") };
    PyString::new(py, &text).into_ptr()
}

/// The type object, made once.
static CALLABLE_TYPE: pyo3::sync::PyOnceLock<Py<pyo3::types::PyType>> = pyo3::sync::PyOnceLock::new();

fn callable_type(py: Python<'_>) -> PyResult<&Bound<'_, pyo3::types::PyType>> {
    CALLABLE_TYPE
        .get_or_try_init(py, || {
            let member = |name: &'static std::ffi::CStr, type_code: c_int, offset: usize| ffi::PyMemberDef {
                name: name.as_ptr(),
                type_code,
                offset: offset as ffi::Py_ssize_t,
                flags: ffi::Py_READONLY,
                doc: std::ptr::null(),
            };
            // The member and getset tables and the spec must outlive the
            // type: they are leaked once per process.
            let members: &'static mut [ffi::PyMemberDef] = Box::leak(Box::new([
                member(c"__vectorcalloffset__", ffi::Py_T_PYSSIZET, std::mem::offset_of!(CallableObject, vectorcall)),
                member(c"__dictoffset__", ffi::Py_T_PYSSIZET, std::mem::offset_of!(CallableObject, dict)),
                member(c"__self__", ffi::Py_T_OBJECT_EX, std::mem::offset_of!(CallableObject, target)),
                ffi::PyMemberDef::default(),
            ]));
            let getset: &'static mut [ffi::PyGetSetDef] = Box::leak(Box::new([
                ffi::PyGetSetDef {
                    name: c"__dict__".as_ptr(),
                    get: Some(ffi::PyObject_GenericGetDict),
                    set: Some(ffi::PyObject_GenericSetDict),
                    doc: std::ptr::null(),
                    closure: std::ptr::null_mut(),
                },
                ffi::PyGetSetDef::default(),
            ]));
            let slot = |slot: c_int, pfunc: *mut std::os::raw::c_void| ffi::PyType_Slot { slot, pfunc };
            let slots: &'static mut [ffi::PyType_Slot] = Box::leak(Box::new([
                slot(ffi::Py_tp_call, callable_call as *mut _),
                slot(ffi::Py_tp_dealloc, callable_dealloc as *mut _),
                slot(ffi::Py_tp_traverse, callable_traverse as *mut _),
                slot(ffi::Py_tp_clear, callable_clear as *mut _),
                slot(ffi::Py_tp_repr, callable_repr as *mut _),
                slot(ffi::Py_tp_members, members.as_mut_ptr() as *mut _),
                slot(ffi::Py_tp_getset, getset.as_mut_ptr() as *mut _),
                slot(0, std::ptr::null_mut()),
            ]));
            let spec: &'static mut ffi::PyType_Spec = Box::leak(Box::new(ffi::PyType_Spec {
                name: c"dos_native._native.NativeCallable".as_ptr(),
                basicsize: std::mem::size_of::<CallableObject>() as c_int,
                itemsize: 0,
                flags: (ffi::Py_TPFLAGS_DEFAULT | ffi::Py_TPFLAGS_HAVE_GC | TPFLAGS_HAVE_VECTORCALL | TPFLAGS_DISALLOW_INSTANTIATION)
                    as std::os::raw::c_uint,
                slots: slots.as_mut_ptr(),
            }));
            // SAFETY: a complete spec whose tables live forever.
            let tp = unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyType_FromSpec(spec))? };
            Ok::<_, PyErr>(tp.cast_into::<pyo3::types::PyType>()?.unbind())
        })
        .map(|t| t.bind(py))
}

/// A `NativeCallable` over `nf`, with `__name__` `name`, `__qualname__`
/// `name`, `__doc__` `doc` and `__module__` `module` (the Python side then
/// copies the original's attributes over with `functools.update_wrapper`).
#[crate::guard]
#[pyfunction]
pub(crate) fn _as_function<'py>(
    py: Python<'py>,
    nf: Bound<'py, NativeFunction>,
    name: &str,
    doc: &str,
    module: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let tp = callable_type(py)?;
    // SAFETY: allocating an instance of our own GC type (zeroed, tracked,
    // holding a reference to its type); the fields are then filled before
    // any Python code can see the object.
    let obj = unsafe {
        let tp_ptr = tp.as_ptr() as *mut ffi::PyTypeObject;
        let alloc = ffi::PyType_GetSlot(tp_ptr, ffi::Py_tp_alloc);
        let alloc: ffi::allocfunc = if alloc.is_null() {
            ffi::PyType_GenericAlloc
        } else {
            std::mem::transmute::<*mut std::os::raw::c_void, ffi::allocfunc>(alloc)
        };
        let raw = alloc(tp_ptr, 0);
        if raw.is_null() {
            return Err(PyErr::fetch(py));
        }
        let o = &mut *(raw as *mut CallableObject);
        o.vectorcall = Some(callable_vectorcall);
        o.target = nf.into_ptr();
        o.dict = std::ptr::null_mut();
        Bound::from_owned_ptr(py, raw)
    };
    obj.setattr("__name__", name)?;
    obj.setattr("__qualname__", name)?;
    obj.setattr("__doc__", doc)?;
    obj.setattr("__module__", module)?;
    Ok(obj)
}
