//! `NativeFunction`: a callable that serves a call natively when it can and
//! hands it, untouched, to a Python fallback when it cannot.
//!
//! The same object backs `dos_native`'s typed functions (the fallback is the
//! generic path that also takes mappings and foreign objects) and the
//! functions `accelerate()` swaps into the installed `dos` package (the
//! fallback is the reference's original function). It has a `__dict__`, so
//! `functools.update_wrapper` can give it the wrapped function's name,
//! docstring and `__wrapped__` (which `inspect.signature` follows).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// A native fast path. `Ok(None)` or an error means "not served here": the
/// caller then runs the fallback with the original arguments.
pub(crate) trait Fast: Send + Sync {
    fn call<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>>;
}

#[pyclass(frozen, dict, module = "dos_native._native", name = "NativeFunction")]
pub(crate) struct NativeFunction {
    fast: Box<dyn Fast>,
    fallback: Py<PyAny>,
    label: &'static str,
}

impl NativeFunction {
    pub(crate) fn new(label: &'static str, fast: impl Fast + 'static, fallback: Py<PyAny>) -> Self {
        NativeFunction { fast: Box::new(fast), fallback, label }
    }
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
        match self.fast.call(py, args, kwargs) {
            Ok(Some(out)) => Ok(out),
            Ok(None) | Err(_) => self.fallback.bind(py).call(args, kwargs),
        }
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
        match self.fast.call(py, args, kwargs)? {
            Some(out) => Ok(out),
            None => Ok(py.NotImplemented().into_bound(py)),
        }
    }

    fn __repr__(&self) -> String {
        format!("<native {}>", self.label)
    }
}
