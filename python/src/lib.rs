//! `dos_native._native`: libdos for CPython.
//!
//! Two ways in: `call(request)` is the JSON envelope, byte for byte what C and
//! Go send; `dispatch(op, args, config)` is the same dispatcher with Python
//! objects in and out (no JSON text on the way). A few hot deciders also have
//! dedicated entry points. Errors surface as `dos_native.DosError` with the
//! envelope's stable code.

mod arbiter;
mod errors;
mod guard;

/// The panic boundary: see `guard`.
pub(crate) use dos_native_macros::guard;

use convert::{to_py, to_value};
use dos_core::envelope::CallError;
use dos_core::pyjson::{Dict, Value};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

mod audit_fast;
mod convert;
mod economics;
mod exec_fast;
mod fast;
mod fastpath;
mod intervention_fast;
mod journal_fast;
mod precursor_fast;
mod record;
mod registry;
mod route_bind;
mod schema;
mod shape_fast;
mod snapshot;
mod stop_fast;
mod stream;
mod swap;
mod tree;
mod witness_fast;

pub mod config;

fn dos_error(py: Python<'_>, e: CallError) -> PyErr {
    errors::from_call(py, e)
}

/// Whether `op` touches files (its effect in the op table is `reads files`
/// or `writes files`): such a call runs with the GIL released, so other
/// Python threads go on while it reads, writes or waits for a lock.
pub(crate) fn touches_files(op: &str) -> bool {
    static TOUCHING: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let names = TOUCHING.get_or_init(|| {
        let mut v: Vec<&'static str> =
            dos_ops::catalog().ops.iter().filter(|o| o.effect != dos_core::route::Effect::Pure).map(|o| o.op).collect();
        v.sort_unstable();
        v
    });
    names.binary_search(&op).is_ok()
}

/// Run `f`, without the GIL when `off` (nothing in `f` touches a Python
/// object: arguments are converted before, results after).
pub(crate) fn maybe_detached<T: Send>(py: Python<'_>, off: bool, f: impl FnOnce() -> T + Send) -> T {
    if off {
        py.detach(f)
    } else {
        f()
    }
}

/// `dos_ops::dispatch` under a prebuilt config, or with an inline config
/// mapping; without the GIL when the op touches files (or a config mapping
/// has to be resolved, which may read a workspace).
pub(crate) fn run_dispatch(
    py: Python<'_>,
    op: &str,
    prebuilt: Option<&dos_core::config::SubstrateConfig>,
    config: Option<&Dict>,
    args: &Dict,
) -> Result<Value, CallError> {
    let off = touches_files(op) || config.is_some_and(|c| !c.is_empty());
    maybe_detached(py, off, || match prebuilt {
        Some(cfg) => dos_ops::dispatch_with(op, cfg, args),
        None => dos_ops::dispatch(op, config, args),
    })
}

/// The envelope: a JSON request (str or bytes) in, the JSON response (str) out.
#[crate::guard]
#[pyfunction]
fn call(py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<String> {
    let bytes: Vec<u8> = if let Ok(s) = request.cast::<PyString>() {
        match s.to_str() {
            Ok(t) => t.as_bytes().to_vec(),
            Err(_) => return Err(PyValueError::new_err("the request holds a lone surrogate; send JSON escapes instead")),
        }
    } else if let Ok(b) = request.cast::<PyBytes>() {
        b.as_bytes().to_vec()
    } else {
        return Err(PyTypeError::new_err("call() takes the request as str or bytes"));
    };
    let (_, out) = py.detach(|| dos_ops::call(&bytes));
    String::from_utf8(out).map_err(|_| PyValueError::new_err("libdos produced a non-UTF-8 response"))
}

/// Run one operation on Python objects; returns the verdict as Python data
/// (the reference's `to_dict()` shape) or raises `DosError`.
#[crate::guard]
#[pyfunction]
#[pyo3(signature = (op, args=None, config=None))]
fn dispatch<'py>(
    py: Python<'py>,
    op: &str,
    args: Option<&Bound<'py, PyAny>>,
    config: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let args = match args {
        None => Dict::new(),
        Some(a) => match to_value(a, 0)? {
            Value::Dict(d) => d,
            Value::Null => Dict::new(),
            other => return Err(PyTypeError::new_err(format!("args must be a mapping, not {}", other.type_name()))),
        },
    };
    if let Some(cfg) = config.and_then(|c| c.cast::<config::PyConfig>().ok()) {
        return match run_dispatch(py, op, Some(cfg.get().substrate()), None, &args) {
            Ok(v) => to_py(py, &v),
            Err(e) => Err(dos_error(py, e)),
        };
    }
    let config = match config {
        None => None,
        Some(c) => match to_value(c, 0)? {
            Value::Dict(d) => Some(d),
            Value::Null => None,
            other => {
                return Err(dos_error(
                    py,
                    CallError::new(dos_core::ErrorCode::BadConfig, format!("config must be a mapping, not {}", other.type_name())),
                ))
            }
        },
    };
    match run_dispatch(py, op, None, config.as_ref(), &args) {
        Ok(v) => to_py(py, &v),
        Err(e) => Err(dos_error(py, e)),
    }
}

/// `dispatch` for `accelerate()`'s Python-level swaps: `args` (and an
/// inline `config` mapping) must hold exact built-in types only (dict with
/// str keys, list, tuple, str, int, float, bool, None; no subclass, no enum
/// member, no dataclass), which the reference reads the same way the core
/// does. Anything else answers `NotImplemented` (the caller then runs the
/// original function); refusals raise as `dispatch` does.
#[crate::guard]
#[pyfunction]
#[pyo3(signature = (op, args, config=None))]
fn _dispatch_exact<'py>(
    py: Python<'py>,
    op: &str,
    args: &Bound<'py, PyAny>,
    config: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let Some(Value::Dict(args)) = convert::json_value(args, 0) else {
        return Ok(py.NotImplemented().into_bound(py));
    };
    if let Some(cfg) = config.and_then(|c| c.cast::<config::PyConfig>().ok()) {
        return match run_dispatch(py, op, Some(cfg.get().substrate()), None, &args) {
            Ok(v) => to_py(py, &v),
            Err(e) => Err(dos_error(py, e)),
        };
    }
    let config = match config {
        None => None,
        Some(c) if c.is_none() => None,
        Some(c) => match convert::json_value(c, 0) {
            Some(Value::Dict(d)) => Some(d),
            _ => return Ok(py.NotImplemented().into_bound(py)),
        },
    };
    match run_dispatch(py, op, None, config.as_ref(), &args) {
        Ok(v) => to_py(py, &v),
        Err(e) => Err(dos_error(py, e)),
    }
}

/// Whether `obj` holds exact built-in JSON types only (see
/// `_dispatch_exact`); with `tuples=False` no tuple either (a fold that hands
/// the caller's records back would answer with lists), with `finite=True` no
/// infinite float (which the reference's `int()` refuses with OverflowError).
#[crate::guard]
#[pyfunction]
#[pyo3(signature = (obj, tuples=true, finite=false))]
fn _is_exact(obj: &Bound<'_, PyAny>, tuples: bool, finite: bool) -> bool {
    fn plain(v: &Bound<'_, PyAny>, tuples: bool, finite: bool, depth: usize) -> bool {
        if depth > dos_core::pyjson::MAX_DEPTH {
            return false;
        }
        if let Ok(l) = v.cast_exact::<pyo3::types::PyList>() {
            return l.iter().all(|x| plain(&x, tuples, finite, depth + 1));
        }
        if let Ok(t) = v.cast_exact::<pyo3::types::PyTuple>() {
            return tuples && t.iter().all(|x| plain(&x, tuples, finite, depth + 1));
        }
        if let Ok(d) = v.cast_exact::<pyo3::types::PyDict>() {
            return d.iter().all(|(k, x)| k.is_exact_instance_of::<PyString>() && plain(&x, tuples, finite, depth + 1));
        }
        if let Ok(f) = v.cast_exact::<pyo3::types::PyFloat>() {
            return !finite || !f.value().is_infinite();
        }
        convert::json_value(v, depth).is_some()
    }
    plain(obj, tuples, finite, 0)
}

/// Every envelope operation name.
#[crate::guard]
#[pyfunction]
fn ops() -> Vec<&'static str> {
    dos_ops::op_names()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", dos_core::VERSION)?;
    m.add("ABI_VERSION", dos_core::ABI_VERSION)?;
    m.add("REFERENCE_VERSION", dos_core::REFERENCE_VERSION)?;
    errors::register(m)?;
    m.add_function(wrap_pyfunction!(guard::_panic_probe, m)?)?;
    m.add_class::<guard::PanicProbe>()?;
    m.add_function(wrap_pyfunction!(call, m)?)?;
    m.add_function(wrap_pyfunction!(dispatch, m)?)?;
    m.add_function(wrap_pyfunction!(ops, m)?)?;
    m.add_function(wrap_pyfunction!(_dispatch_exact, m)?)?;
    m.add_function(wrap_pyfunction!(_is_exact, m)?)?;
    m.add_class::<swap::NativeFunction>()?;
    m.add_function(wrap_pyfunction!(swap::_as_function, m)?)?;
    m.add_function(wrap_pyfunction!(stream::digest, m)?)?;
    m.add_function(wrap_pyfunction!(fastpath::bind_fast, m)?)?;
    m.add_function(wrap_pyfunction!(fastpath::fast_ops, m)?)?;
    m.add_function(wrap_pyfunction!(tree::bind_tree, m)?)?;
    m.add_function(wrap_pyfunction!(stream::canonical_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(stream::result_digest, m)?)?;
    m.add_function(wrap_pyfunction!(stream::args_digest, m)?)?;
    config::register(m)?;
    arbiter::register(m)?;
    route_bind::register(m)?;
    record::register(m)?;
    Ok(())
}
