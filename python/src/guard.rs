//! The panic boundary every Python entry point runs behind.
//!
//! `#[guard]` (the `dos-native-macros` attribute) puts each `#[pyfunction]`
//! and `#[pymethods]` body inside [`run`]; the callables made by
//! `swap::_as_function` call [`caught`] themselves. A panic becomes
//! `dos_native.InternalError` (code `INTERNAL`), an `Exception`, never
//! pyo3's `PanicException` (a `BaseException`).

use pyo3::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The text of a panic payload.
pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "a native function panicked".into())
}

/// The error a caught panic becomes.
pub(crate) fn caught(payload: Box<dyn std::any::Any + Send>) -> PyErr {
    let msg = format!("libdos bug (please report it): {}", panic_text(&*payload));
    // Entry points run attached to the interpreter; attaching again is a no-op.
    Python::attach(|py| crate::errors::internal(py, msg))
}

/// Run `f`; a panic inside it comes back as `InternalError`.
#[inline]
pub(crate) fn run<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => Err(caught(payload)),
    }
}

/// `_panic_probe(where)`: panics on purpose inside the entry point named by
/// `where`, so the tests can see every kind of boundary turn a panic into
/// `InternalError`: "function" (a `#[pyfunction]`), "method" (a
/// `#[pymethods]` method), "native" (a native function's fast path, as
/// `accelerate()` installs them). Nothing calls it outside the tests.
#[crate::guard]
#[pyfunction]
pub(crate) fn _panic_probe(py: Python<'_>, r#where: &str) -> PyResult<Py<PyAny>> {
    match r#where {
        "function" => panic!("panic probe: a #[pyfunction] body"),
        "method" => Ok(Bound::new(py, PanicProbe)?.into_any().unbind()),
        "native" => {
            let nf = crate::swap::NativeFunction::new("_panic_probe", PanicFast, py.None());
            let nf = Bound::new(py, nf)?;
            Ok(crate::swap::_as_function(py, nf, "panic_probe", "", "dos_native._native")?.unbind())
        }
        other => Err(pyo3::exceptions::PyValueError::new_err(format!("no probe {other:?}"))),
    }
}

/// An object whose method and getter panic (see [`_panic_probe`]).
#[pyclass(frozen, module = "dos_native._native")]
pub(crate) struct PanicProbe;

#[crate::guard]
#[pymethods]
impl PanicProbe {
    fn boom(&self) -> bool {
        panic!("panic probe: a #[pymethods] body")
    }

    #[getter]
    fn value(&self) -> i64 {
        panic!("panic probe: a getter")
    }
}

struct PanicFast;

impl crate::swap::Fast for PanicFast {
    fn call<'py>(&self, _py: Python<'py>, _a: &crate::swap::CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        panic!("panic probe: a native fast path")
    }
}
