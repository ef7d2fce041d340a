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
use dos_core::deciders::exec_capability;
use dos_core::envelope::CallError;
use dos_core::pyjson::{Dict, Value};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyFrozenSet, PyString};
use std::cell::RefCell;

mod convert;
mod economics;
mod fast;
mod fastpath;
mod registry;
mod route_bind;
mod schema;
mod snapshot;
mod stream;
mod swap;
mod tree;

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

/// A policy object, its `programs` frozenset, and their native form.
type CachedPolicy = (Py<PyAny>, Py<PyAny>, exec_capability::ExecCapabilityPolicy);

thread_local! {
    /// The last non-default policy seen (compared by identity).
    static POLICY_CACHE: RefCell<Option<CachedPolicy>> = const { RefCell::new(None) };
}

/// Run `f` on the native form of `policy` (anything with `.programs`).
/// `programs` must be an exact frozenset, set, list or tuple of exact
/// `str`s (the reference tests `tok in policy.programs`, which a subclass or
/// another container may answer its own way); anything else is an error,
/// which the accelerated path reads as "hand it to the original". The
/// native form is reused while the policy and its `programs` are the same
/// objects and `programs` is a frozenset (which cannot change).
fn exec_policy_for(py: Python<'_>, policy: &Bound<'_, PyAny>, f: &mut dyn FnMut(&exec_capability::ExecCapabilityPolicy)) -> PyResult<()> {
    let programs = policy.getattr(pyo3::intern!(py, "programs"))?;
    let hit = POLICY_CACHE.with(|c| {
        let c = c.borrow();
        match c.as_ref() {
            Some((pol, progs, p)) if pol.bind(py).is(policy) && progs.bind(py).is(&programs) => {
                f(p);
                true
            }
            _ => false,
        }
    });
    if hit {
        return Ok(());
    }
    let frozen = programs.is_exact_instance_of::<PyFrozenSet>();
    if !(frozen
        || programs.is_exact_instance_of::<pyo3::types::PySet>()
        || programs.is_exact_instance_of::<pyo3::types::PyList>()
        || programs.is_exact_instance_of::<pyo3::types::PyTuple>())
    {
        return Err(PyTypeError::new_err("policy.programs is not a frozenset, set, list or tuple"));
    }
    let mut set = std::collections::BTreeSet::new();
    for p in programs.try_iter()? {
        let p = p?;
        let s = p.cast_exact::<PyString>().map_err(|_| PyTypeError::new_err("policy.programs holds a non-str"))?;
        set.insert(s.to_str()?.to_owned());
    }
    let native = exec_capability::ExecCapabilityPolicy { programs: set };
    f(&native);
    if frozen {
        POLICY_CACHE.with(|c| *c.borrow_mut() = Some((policy.clone().unbind(), programs.unbind(), native)));
    }
    Ok(())
}

static CAPABILITY_MEMBERS: pyo3::sync::PyOnceLock<[Py<PyAny>; 3]> = pyo3::sync::PyOnceLock::new();

/// Give the native side the Python `Capability` enum so verdicts carry its
/// members (called once by `dos_native.exec_capability`).
#[crate::guard]
#[pyfunction]
fn _bind_capability(py: Python<'_>, cls: &Bound<'_, PyAny>) -> PyResult<()> {
    let get = |name: &str| -> PyResult<Py<PyAny>> { Ok(cls.getattr(name)?.unbind()) };
    let members = [get("GRANTS_ARBITRARY_EXEC")?, get("BOUNDED")?, get("EMPTY")?];
    let _ = CAPABILITY_MEMBERS.set(py, members);
    Ok(())
}

/// `ExecCapabilityVerdict`: the verdict of `classify_command`.
#[pyclass(frozen, module = "dos_native.exec_capability", name = "ExecCapabilityVerdict")]
struct PyExecVerdict {
    inner: exec_capability::ExecCapabilityVerdict,
}

#[crate::guard]
#[pymethods]
impl PyExecVerdict {
    #[getter]
    fn capability(&self, py: Python<'_>) -> Py<PyAny> {
        let idx = match self.inner.capability {
            exec_capability::Capability::GrantsArbitraryExec => 0,
            exec_capability::Capability::Bounded => 1,
            exec_capability::Capability::Empty => 2,
        };
        match CAPABILITY_MEMBERS.get(py) {
            Some(m) => m[idx].clone_ref(py),
            None => PyString::new(py, self.inner.capability.as_str()).into_any().unbind(),
        }
    }

    #[getter]
    fn program(&self) -> Option<&str> {
        self.inner.program.as_deref()
    }

    #[getter]
    fn reason(&self) -> String {
        self.inner.reason()
    }

    #[getter]
    fn grants_arbitrary_exec(&self) -> bool {
        self.inner.grants_arbitrary_exec()
    }

    /// The reference's `to_dict()` shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.to_value())
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyExecVerdict>().is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.inner.capability.hash(&mut h);
        self.inner.program.hash(&mut h);
        h.finish()
    }

    fn __repr__(&self) -> String {
        format!(
            "ExecCapabilityVerdict(capability={}, program={}, reason={})",
            self.inner.capability.as_str(),
            self.inner.program.as_deref().map(dos_core::pystr::repr).unwrap_or_else(|| "None".into()),
            dos_core::pystr::repr(&self.inner.reason()),
        )
    }
}

/// `exec_capability.classify_command`, native: `policy` may be None, a
/// `dos_native` policy or the reference's own (anything with `.programs`).
#[crate::guard]
#[pyfunction]
#[pyo3(signature = (command, policy=None))]
fn classify_command(py: Python<'_>, command: &Bound<'_, PyString>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<PyExecVerdict> {
    let cmd = command.to_str().map_err(|_| PyValueError::new_err("the command holds a lone surrogate"))?;
    let mut out = None;
    match policy {
        Some(p) if !p.is_none() => exec_policy_for(py, p, &mut |pol| out = Some(exec_capability::classify_command(cmd, pol)))?,
        _ => out = Some(exec_capability::classify_command(cmd, exec_capability::ExecCapabilityPolicy::default_ref())),
    }
    let inner = out.ok_or_else(|| PyValueError::new_err("no verdict"))?;
    Ok(PyExecVerdict { inner })
}

/// `classify_command` for `accelerate()`: answers with instances of the
/// reference's `ExecCapabilityVerdict` (its `Capability` members) and hands
/// what it does not take to `fallback`.
struct ExecClassify {
    verdict_cls: Py<pyo3::types::PyType>,
    members: Vec<Py<PyAny>>,
    /// The default policy and its `programs` when bound: the built-in
    /// default serves only while they still hold the built-in programs.
    default_policy: snapshot::Pinned,
}

impl swap::Fast for ExecClassify {
    fn call<'py>(&self, py: Python<'py>, a: &swap::CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        use pyo3::intern;
        let Some((command, policy)) = fast::one_or_two(a, intern!(py, "command"), intern!(py, "policy")) else {
            return Ok(None);
        };
        let Ok(command) = command.cast_exact::<PyString>() else { return Ok(None) };
        let Ok(cmd) = command.to_str() else { return Ok(None) };
        let mut out = None;
        let default = self.default_policy.obj().bind(py);
        match policy {
            Some(p) if !p.is(default) => {
                if exec_policy_for(py, &p, &mut |pol| out = Some(exec_capability::classify_command(cmd, pol))).is_err() {
                    return Ok(None);
                }
            }
            _ if self.default_policy.current(py) => {
                out = Some(exec_capability::classify_command(cmd, exec_capability::ExecCapabilityPolicy::default_ref()))
            }
            _ => {
                if exec_policy_for(py, default, &mut |pol| out = Some(exec_capability::classify_command(cmd, pol))).is_err() {
                    return Ok(None);
                }
            }
        }
        let Some(v) = out else { return Ok(None) };
        let idx = match v.capability {
            exec_capability::Capability::GrantsArbitraryExec => 0,
            exec_capability::Capability::Bounded => 1,
            exec_capability::Capability::Empty => 2,
        };
        let program = match v.program.as_deref() {
            Some(p) => PyString::new(py, p).into_any(),
            None => py.None().into_bound(py),
        };
        let fields = [
            (intern!(py, "capability"), self.members[idx].bind(py).clone()),
            (intern!(py, "program"), program),
            (intern!(py, "reason"), PyString::new(py, &v.reason()).into_any()),
        ];
        fast::build(py, &self.verdict_cls, &fields).map(Some)
    }
}

/// A native `exec_capability.classify_command(command, policy=DEFAULT_POLICY)`
/// answering with instances of `verdict_cls`.
#[crate::guard]
#[pyfunction]
fn bind_exec_classify(
    verdict_cls: &Bound<'_, pyo3::types::PyType>,
    capability_cls: &Bound<'_, PyAny>,
    default_policy: &Bound<'_, PyAny>,
    fallback: Py<PyAny>,
) -> PyResult<swap::NativeFunction> {
    let fast = ExecClassify {
        verdict_cls: verdict_cls.clone().unbind(),
        members: fast::members_of(capability_cls, &["GRANTS_ARBITRARY_EXEC", "BOUNDED", "EMPTY"])?,
        default_policy: {
            // Pinned only when it holds the built-in programs (which the
            // fast path then uses without reading it).
            let mut builtin = false;
            exec_policy_for(default_policy.py(), default_policy, &mut |pol| {
                builtin = pol == exec_capability::ExecCapabilityPolicy::default_ref()
            })?;
            if builtin {
                snapshot::Pinned::new(default_policy, &["programs"])
            } else {
                snapshot::Pinned::unpinned(default_policy)
            }
        },
    };
    Ok(swap::NativeFunction::new("exec_capability.classify_command", fast, fallback))
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
    m.add_function(wrap_pyfunction!(classify_command, m)?)?;
    m.add_function(wrap_pyfunction!(_bind_capability, m)?)?;
    m.add_class::<PyExecVerdict>()?;
    m.add("CROSS_PLATFORM_CODE_EXEC", PyFrozenSet::new(m.py(), exec_capability::CROSS_PLATFORM_CODE_EXEC)?)?;
    m.add("WRAPPER_TOKENS", PyFrozenSet::new(m.py(), exec_capability::WRAPPER_TOKENS)?)?;
    m.add_class::<swap::NativeFunction>()?;
    m.add_function(wrap_pyfunction!(swap::_as_function, m)?)?;
    m.add_function(wrap_pyfunction!(registry::_bind, m)?)?;
    m.add_class::<stream::PyStreamStep>()?;
    m.add_function(wrap_pyfunction!(stream::bind_classify_stream, m)?)?;
    m.add_function(wrap_pyfunction!(stream::bind_step_from_event, m)?)?;
    m.add_function(wrap_pyfunction!(stream::bind_warn_payload, m)?)?;
    m.add_function(wrap_pyfunction!(stream::digest, m)?)?;
    m.add_class::<schema::PyReadabilityVerdict>()?;
    m.add_function(wrap_pyfunction!(fastpath::bind_fast, m)?)?;
    m.add_function(wrap_pyfunction!(fastpath::fast_ops, m)?)?;
    m.add_function(wrap_pyfunction!(schema::bind_schema_classify, m)?)?;
    m.add_function(wrap_pyfunction!(schema::bind_schema_tag, m)?)?;
    m.add_function(wrap_pyfunction!(schema::bind_refusal_payload, m)?)?;
    m.add_function(wrap_pyfunction!(schema::schema_tag_from_obj, m)?)?;
    m.add_function(wrap_pyfunction!(tree::bind_tree, m)?)?;
    m.add_function(wrap_pyfunction!(bind_exec_classify, m)?)?;
    m.add_function(wrap_pyfunction!(stream::canonical_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(stream::result_digest, m)?)?;
    m.add_function(wrap_pyfunction!(stream::args_digest, m)?)?;
    config::register(m)?;
    arbiter::register(m)?;
    route_bind::register(m)?;
    Ok(())
}
