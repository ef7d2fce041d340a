//! The Python enum classes and dataclasses of `dos_native`'s typed modules,
//! handed to the native side once at import so native verdicts can answer
//! with their members and instances.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyString, PyType};

/// The enums whose members native verdicts hand out, and their members in
/// the order the native side numbers them.
#[derive(Clone, Copy)]
pub(crate) enum Enum {
    Intervention,
    StreamState,
    Readability,
}

impl Enum {
    const ALL: [(Enum, &'static str, &'static [&'static str]); 3] = [
        (Enum::Intervention, "Intervention", &["OBSERVE", "WARN", "DEFER", "BLOCK"]),
        (Enum::StreamState, "StreamState", &["ADVANCING", "REPEATING", "STALLED"]),
        (Enum::Readability, "Readability", &["READABLE", "UNREADABLE_NEWER", "UNTAGGED", "WRONG_FAMILY"]),
    ];

    pub(crate) fn names(self) -> &'static [&'static str] {
        Self::ALL[self as usize].2
    }
}

static MEMBERS: [PyOnceLock<Vec<Py<PyAny>>>; 3] = [const { PyOnceLock::new() }; 3];

/// The `idx`-th member of a bound enum (its value as a `str` if unbound).
pub(crate) fn member(py: Python<'_>, e: Enum, idx: usize) -> Py<PyAny> {
    match MEMBERS[e as usize].get(py) {
        Some(m) => m[idx].clone_ref(py),
        None => PyString::new(py, e.names()[idx]).into_any().unbind(),
    }
}

/// Classes native verdicts build instances of.
#[derive(Clone, Copy)]
pub(crate) enum Class {
    SchemaTag,
}

static CLASSES: [PyOnceLock<Py<PyType>>; 1] = [const { PyOnceLock::new() }; 1];

pub(crate) fn class(py: Python<'_>, c: Class) -> PyResult<&Bound<'_, PyType>> {
    CLASSES[c as usize].get(py).map(|t| t.bind(py)).ok_or_else(|| PyValueError::new_err("dos_native's typed classes are not bound yet"))
}

/// Register one of the typed modules' enums or classes (by its name).
#[crate::guard]
#[pyfunction]
pub(crate) fn _bind(py: Python<'_>, name: &str, cls: &Bound<'_, PyType>) -> PyResult<()> {
    if let Some((e, _, names)) = Enum::ALL.iter().find(|(_, n, _)| *n == name) {
        let m = names.iter().map(|n| Ok(cls.getattr(*n)?.unbind())).collect::<PyResult<Vec<_>>>()?;
        let _ = MEMBERS[*e as usize].set(py, m);
        return Ok(());
    }
    let c = match name {
        "SchemaTag" => Class::SchemaTag,
        _ => return Err(PyValueError::new_err(format!("nothing native binds the name {name:?}"))),
    };
    let _ = CLASSES[c as usize].set(py, cls.clone().unbind());
    Ok(())
}
