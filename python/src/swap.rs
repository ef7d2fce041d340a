//! `NativeFunction`: a callable that serves a call natively when it can and
//! hands it, untouched, to a Python fallback when it cannot.
//!
//! The same object backs `dos_native`'s typed functions (the fallback is the
//! generic path that also takes mappings and foreign objects) and the
//! functions `accelerate()` swaps into the installed `dos` package (the
//! fallback is the reference's original function).
//!
//! What Python code calls is a builtin function made by [`_as_function`]:
//! a `METH_FASTCALL | METH_KEYWORDS` C function whose `__self__` is the
//! `NativeFunction`. CPython calls it with a vector of arguments and a tuple
//! of keyword names, so neither an argument tuple nor a keyword dict is
//! built for a call that is served natively (a pyclass `__call__` gets both).

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use std::ffi::CString;
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
/// caller then runs the fallback with the original arguments.
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
            Ok(None) | Err(_) => {
                let (args, kwargs) = a.to_tuple_dict()?;
                self.fallback.bind(py).call(args, kwargs.as_ref())
            }
        }
    }
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

/// The C entry point of every function made by [`_as_function`]; `slf` is
/// the `NativeFunction`.
unsafe extern "C" fn vectorcall(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls a C function with the GIL held.
    let py = unsafe { Python::assume_attached() };
    let run = std::panic::AssertUnwindSafe(|| -> PyResult<*mut ffi::PyObject> {
        // SAFETY: `_as_function` makes these functions with a NativeFunction
        // as their self; the vector holds `nargs` positional values followed
        // by one value per keyword name, all alive for the call.
        unsafe {
            let nf = Borrowed::from_ptr(py, slf).cast_unchecked::<NativeFunction>();
            let kwnames = (!kwnames.is_null()).then(|| Borrowed::from_ptr(py, kwnames).cast_unchecked::<PyTuple>());
            let nkw = kwnames.as_ref().map_or(0, |t| t.len());
            let total = nargs as usize + nkw;
            let all: &[*mut ffi::PyObject] = if total == 0 { &[] } else { std::slice::from_raw_parts(args, total) };
            let (pos, kwvals) = all.split_at(nargs as usize);
            let a = CallArgs { py, pos, kwnames, kwvals };
            Ok(nf.get().invoke(py, &a)?.into_ptr())
        }
    });
    match std::panic::catch_unwind(run) {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            e.restore(py);
            std::ptr::null_mut()
        }
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a native function panicked".into());
            pyo3::panic::PanicException::new_err(msg).restore(py);
            std::ptr::null_mut()
        }
    }
}

/// A builtin function named `name`, with docstring `doc` (which may start
/// with a `name(...)\n--\n\n` text signature) and `__module__` `module`,
/// that calls `nf` (its `__self__`).
#[pyfunction]
pub(crate) fn _as_function<'py>(
    py: Python<'py>,
    nf: Bound<'py, NativeFunction>,
    name: &str,
    doc: &str,
    module: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let cname = CString::new(name).map_err(|_| PyTypeError::new_err("a function name cannot hold NUL"))?;
    let cdoc = CString::new(doc).map_err(|_| PyTypeError::new_err("a docstring cannot hold NUL"))?;
    // The definition must outlive the function object; these are made a few
    // dozen times per process (one per typed or swapped function).
    let def: &'static mut ffi::PyMethodDef = Box::leak(Box::new(ffi::PyMethodDef {
        ml_name: cname.into_raw(),
        ml_meth: ffi::PyMethodDefPointer { PyCFunctionFastWithKeywords: vectorcall },
        ml_flags: (ffi::METH_FASTCALL | ffi::METH_KEYWORDS) as c_int,
        ml_doc: cdoc.into_raw(),
    }));
    let module = PyString::new(py, module);
    // SAFETY: a valid, leaked definition; self and module are live objects
    // the new function takes references to.
    unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyCFunction_NewEx(def, nf.as_ptr(), module.as_ptr())) }
}
