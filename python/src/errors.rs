//! The one exception hierarchy of `dos_native`, created once here.
//!
//! ```text
//! DosError(Exception)                 .code: the envelope error code, .message
//! ├── BadArgsError(DosError, ValueError)     BAD_ARGS, BAD_JSON, BAD_REQUEST,
//! │                                          ABI_MISMATCH, UNKNOWN_OP, BAD_CONFIG
//! ├── BusyError(DosError, TimeoutError)      BUSY
//! ├── DosIOError(DosError, OSError)          IO_ERROR
//! └── InternalError(DosError, RuntimeError)  INTERNAL (a bug: a caught panic)
//! ```
//!
//! [`for_code`] is the only place an envelope code picks a class; every
//! error the module raises with a code goes through it, and Python modules
//! reach it through `_native._error(code, message)`.

use dos_core::envelope::CallError;
use dos_core::ErrorCode;
use pyo3::exceptions::{PyException, PyOSError, PyRuntimeError, PyTimeoutError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

/// The five classes, in the order of [`Class`].
static CLASSES: PyOnceLock<[Py<PyType>; 5]> = PyOnceLock::new();

#[derive(Clone, Copy)]
pub(crate) enum Class {
    Dos = 0,
    BadArgs = 1,
    Busy = 2,
    Io = 3,
    Internal = 4,
}

const SPEC: [(&str, &str, &str); 5] = [
    ("DosError", "INTERNAL", "A request libdos refused or could not serve; `.code` holds the envelope error code, `.message` the text."),
    (
        "BadArgsError",
        "BAD_ARGS",
        "The request or its arguments were refused (BAD_ARGS, BAD_JSON, BAD_REQUEST, ABI_MISMATCH, UNKNOWN_OP, BAD_CONFIG).",
    ),
    ("BusyError", "BUSY", "A file lock stayed held by another process past the retry budget (BUSY)."),
    ("DosIOError", "IO_ERROR", "A file-system error in an op that touches files (IO_ERROR)."),
    ("InternalError", "INTERNAL", "A bug inside libdos (a caught panic); please report it (INTERNAL)."),
];

fn build(py: Python<'_>) -> PyResult<[Py<PyType>; 5]> {
    let type_ = py.get_type::<PyType>();
    let make = |i: usize, bases: Bound<'_, PyTuple>| -> PyResult<Py<PyType>> {
        let (name, code, doc) = SPEC[i];
        let ns = PyDict::new(py);
        ns.set_item("__module__", "dos_native")?;
        ns.set_item("__doc__", doc)?;
        ns.set_item("code", code)?;
        ns.set_item("message", "")?;
        Ok(type_.call1((name, bases, ns))?.cast_into::<PyType>()?.unbind())
    };
    let base = make(0, PyTuple::new(py, [py.get_type::<PyException>()])?)?;
    let with = |i: usize, other: Bound<'_, PyType>| -> PyResult<Py<PyType>> { make(i, PyTuple::new(py, [base.bind(py).clone(), other])?) };
    let bad = with(1, py.get_type::<PyValueError>())?;
    let busy = with(2, py.get_type::<PyTimeoutError>())?;
    let io = with(3, py.get_type::<PyOSError>())?;
    let internal = with(4, py.get_type::<PyRuntimeError>())?;
    Ok([base, bad, busy, io, internal])
}

pub(crate) fn class(py: Python<'_>, c: Class) -> PyResult<&Bound<'_, PyType>> {
    Ok(CLASSES.get_or_try_init(py, || build(py))?[c as usize].bind(py))
}

/// The class an envelope error code raises (the one mapping).
pub(crate) fn class_of(code: ErrorCode) -> Class {
    match code {
        ErrorCode::BadJson
        | ErrorCode::BadRequest
        | ErrorCode::AbiMismatch
        | ErrorCode::UnknownOp
        | ErrorCode::BadArgs
        | ErrorCode::BadConfig => Class::BadArgs,
        ErrorCode::Busy => Class::Busy,
        ErrorCode::Io => Class::Io,
        ErrorCode::Internal => Class::Internal,
    }
}

/// The exception for `code` with `message`: one argument (the message), so
/// the OSError-derived classes do not read it as an errno; `.code` and
/// `.message` set on the instance.
pub(crate) fn for_code(py: Python<'_>, code: ErrorCode, message: &str) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let cls = class(py, class_of(code))?;
        let value = cls.call1((message,))?;
        value.setattr("code", code.as_str())?;
        value.setattr("message", message)?;
        Ok(PyErr::from_value(value))
    })();
    made.unwrap_or_else(|e| e)
}

/// A core error as its exception.
pub(crate) fn from_call(py: Python<'_>, e: CallError) -> PyErr {
    for_code(py, e.code, &e.message)
}

/// `BAD_ARGS` with `message`.
pub(crate) fn bad_args(py: Python<'_>, message: impl AsRef<str>) -> PyErr {
    for_code(py, ErrorCode::BadArgs, message.as_ref())
}

/// `INTERNAL` with `message` (what a caught panic becomes).
pub(crate) fn internal(py: Python<'_>, message: impl AsRef<str>) -> PyErr {
    for_code(py, ErrorCode::Internal, message.as_ref())
}

fn code_named(name: &str) -> Option<ErrorCode> {
    ErrorCode::ALL.into_iter().find(|c| c.as_str() == name)
}

/// `_error(code, message)`: the exception instance for an envelope code, for
/// the Python modules (which never pick a class themselves).
#[crate::guard]
#[pyfunction]
pub(crate) fn _error(py: Python<'_>, code: &str, message: &str) -> PyResult<Py<PyAny>> {
    let c = code_named(code).ok_or_else(|| PyValueError::new_err(format!("no envelope error code {code:?}")))?;
    Ok(for_code(py, c, message).into_value(py).into_any())
}

/// Add the classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    for (i, c) in [Class::Dos, Class::BadArgs, Class::Busy, Class::Io, Class::Internal].into_iter().enumerate() {
        m.add(SPEC[i].0, class(py, c)?)?;
    }
    m.add_function(wrap_pyfunction!(_error, m)?)?;
    Ok(())
}
