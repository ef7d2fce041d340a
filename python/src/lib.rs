//! `dos_native._native`: libdos for CPython.
//!
//! Two ways in: `call(request)` is the JSON envelope, byte for byte what C and
//! Go send; `dispatch(op, args, config)` is the same dispatcher with Python
//! objects in and out (no JSON text on the way). A few hot deciders also have
//! dedicated entry points. Errors surface as `dos_native.DosError` with the
//! envelope's stable code.

use dos_core::deciders::{exec_capability, tree};
use dos_core::envelope::{self, CallError};
use dos_core::pyjson::{Dict, Int, Str, Value};
use pyo3::create_exception;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet, PyString, PyTuple};
use std::cell::RefCell;

mod economics;
mod fast;
mod registry;
mod swap;

create_exception!(_native, DosError, PyValueError, "A request libdos refused; `.code` holds the envelope error code.");

const MAX_DEPTH: usize = dos_core::pyjson::MAX_DEPTH;

fn dos_error(py: Python<'_>, e: CallError) -> PyErr {
    let err = DosError::new_err((e.code.as_str(), e.message.clone()));
    if let Ok(v) = err.value(py).setattr("code", e.code.as_str()) {
        let _ = v;
    }
    let _ = err.value(py).setattr("message", e.message);
    err
}

/// Python object → JSON value, the way `json.dumps` would see it, plus
/// dataclass instances (their fields), enums (their values) and sets.
fn to_value(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(PyValueError::new_err("value nested too deeply for libdos"));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::Str(py_str(s)?));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        return Ok(match i.extract::<i64>() {
            Ok(v) => Value::Int(Int::Small(v)),
            Err(_) => Value::Int(Int::Big(i.str()?.to_str()?.into())),
        });
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Value::Float(f.value()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut out = Dict::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key = match k.cast::<PyString>() {
                Ok(s) => py_str(s)?,
                Err(_) => return Err(PyTypeError::new_err("libdos takes only str keys in mappings")),
            };
            out.insert(key, to_value(&v, depth + 1)?);
        }
        return Ok(Value::Dict(out));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return l.iter().map(|x| to_value(&x, depth + 1)).collect::<PyResult<Vec<_>>>().map(Value::List);
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return t.iter().map(|x| to_value(&x, depth + 1)).collect::<PyResult<Vec<_>>>().map(Value::List);
    }
    if obj.cast::<PyFrozenSet>().is_ok() || obj.cast::<PySet>().is_ok() {
        let mut items = obj.try_iter()?.map(|x| to_value(&x?, depth + 1)).collect::<PyResult<Vec<_>>>()?;
        items.sort_by(|a, b| match (a, b) {
            (Value::Str(x), Value::Str(y)) => x.py_cmp(y),
            _ => std::cmp::Ordering::Equal,
        });
        return Ok(Value::List(items));
    }
    // A dataclass instance: its fields, in declaration order.
    if let Ok(fields) = obj.getattr("__dataclass_fields__") {
        let mut out = Dict::new();
        for name in fields.cast::<PyDict>()?.keys() {
            let n = name.cast::<PyString>()?.to_str()?.to_owned();
            let v = obj.getattr(n.as_str())?;
            out.push(n, to_value(&v, depth + 1)?);
        }
        return Ok(Value::Dict(out));
    }
    // A plain Enum member: its value.
    if obj.hasattr("_value_")? && obj.hasattr("_name_")? {
        return to_value(&obj.getattr("_value_")?, depth + 1);
    }
    Err(PyTypeError::new_err(format!(
        "libdos cannot take a {} value",
        obj.get_type().name()?
    )))
}

fn py_str(s: &Bound<'_, PyString>) -> PyResult<Str> {
    match s.to_str() {
        Ok(t) => Ok(Str::Utf8(t.to_owned())),
        Err(_) => {
            // A lone surrogate: keep the UTF-16 units.
            let b = s.call_method1("encode", ("utf-16-le", "surrogatepass"))?;
            let bytes = b.cast::<PyBytes>()?.as_bytes();
            let units = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
            Ok(Str::Utf16(units))
        }
    }
}

/// JSON value → Python object (`json.loads` types).
fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Int(Int::Small(i)) => i.into_pyobject(py)?.into_any(),
        Value::Int(Int::Big(s)) => py.get_type::<PyInt>().call1((s.as_ref(),))?,
        Value::Float(f) => PyFloat::new(py, *f).into_any(),
        Value::Str(Str::Utf8(s)) => PyString::new(py, s).into_any(),
        Value::Str(Str::Utf16(units)) => {
            let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
            PyBytes::new(py, &bytes).call_method1("decode", ("utf-16-le", "surrogatepass"))?
        }
        Value::List(items) => {
            let l = PyList::empty(py);
            for x in items {
                l.append(to_py(py, x)?)?;
            }
            l.into_any()
        }
        Value::Dict(d) => {
            let out = PyDict::new(py);
            for (k, x) in d.iter() {
                out.set_item(to_py(py, &Value::Str(k.clone()))?, to_py(py, x)?)?;
            }
            out.into_any()
        }
    })
}

/// The envelope: a JSON request (str or bytes) in, the JSON response (str) out.
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
    let (_, out) = py.detach(|| envelope::call(&bytes));
    String::from_utf8(out).map_err(|_| PyValueError::new_err("libdos produced a non-UTF-8 response"))
}

/// Run one operation on Python objects; returns the verdict as Python data
/// (the reference's `to_dict()` shape) or raises `DosError`.
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
    let config = match config {
        None => None,
        Some(c) => match to_value(c, 0)? {
            Value::Dict(d) => Some(d),
            Value::Null => None,
            other => {
                return Err(dos_error(py, CallError::new(
                    dos_core::ErrorCode::BadConfig,
                    format!("config must be a mapping, not {}", other.type_name()),
                )))
            }
        },
    };
    match envelope::dispatch(op, config.as_ref(), &args) {
        Ok(v) => to_py(py, &v),
        Err(e) => Err(dos_error(py, e)),
    }
}

/// Every envelope operation name.
#[pyfunction]
fn ops() -> Vec<&'static str> {
    envelope::op_names()
}

thread_local! {
    /// The last non-default policy object seen, by identity, and its native form.
    static POLICY_CACHE: RefCell<Option<(Py<PyAny>, exec_capability::ExecCapabilityPolicy)>> = const { RefCell::new(None) };
}

fn exec_policy_for(py: Python<'_>, policy: &Bound<'_, PyAny>, f: &mut dyn FnMut(&exec_capability::ExecCapabilityPolicy)) -> PyResult<()> {
    let hit = POLICY_CACHE.with(|c| {
        let c = c.borrow();
        match c.as_ref() {
            Some((obj, p)) if obj.bind(py).is(policy) => {
                f(p);
                true
            }
            _ => false,
        }
    });
    if hit {
        return Ok(());
    }
    let programs = policy.getattr("programs")?;
    let mut set = std::collections::BTreeSet::new();
    for p in programs.try_iter()? {
        let p = p?;
        set.insert(p.cast::<PyString>()?.to_str()?.to_owned());
    }
    let native = exec_capability::ExecCapabilityPolicy { programs: set };
    f(&native);
    POLICY_CACHE.with(|c| *c.borrow_mut() = Some((policy.clone().unbind(), native)));
    Ok(())
}

static CAPABILITY_MEMBERS: pyo3::sync::PyOnceLock<[Py<PyAny>; 3]> = pyo3::sync::PyOnceLock::new();

/// Give the native side the Python `Capability` enum so verdicts carry its
/// members (called once by `dos_native.exec_capability`).
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
#[pyfunction]
#[pyo3(signature = (command, policy=None))]
fn classify_command(
    py: Python<'_>,
    command: &Bound<'_, PyString>,
    policy: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyExecVerdict> {
    let cmd = command
        .to_str()
        .map_err(|_| PyValueError::new_err("the command holds a lone surrogate"))?;
    let mut out = None;
    match policy {
        Some(p) if !p.is_none() => {
            exec_policy_for(py, p, &mut |pol| out = Some(exec_capability::classify_command(cmd, pol)))?
        }
        _ => out = Some(exec_capability::classify_command(cmd, exec_capability::ExecCapabilityPolicy::default_ref())),
    }
    let inner = out.ok_or_else(|| PyValueError::new_err("no verdict"))?;
    Ok(PyExecVerdict { inner })
}

#[pyfunction]
fn norm_tree_prefix(p: Option<&str>) -> String {
    tree::norm_tree_prefix(p.unwrap_or(""))
}

#[pyfunction]
fn prefixes_collide(a: &str, b: &str) -> bool {
    tree::prefixes_collide(a, b)
}

#[pyfunction]
fn lane_trees_disjoint(tree_a: Vec<String>, tree_b: Vec<String>) -> bool {
    tree::lane_trees_disjoint(&tree_a, &tree_b)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", dos_core::VERSION)?;
    m.add("ABI_VERSION", dos_core::ABI_VERSION)?;
    m.add("REFERENCE_VERSION", dos_core::REFERENCE_VERSION)?;
    m.add("DosError", m.py().get_type::<DosError>())?;
    m.add_function(wrap_pyfunction!(call, m)?)?;
    m.add_function(wrap_pyfunction!(dispatch, m)?)?;
    m.add_function(wrap_pyfunction!(ops, m)?)?;
    m.add_function(wrap_pyfunction!(classify_command, m)?)?;
    m.add_function(wrap_pyfunction!(_bind_capability, m)?)?;
    m.add_class::<PyExecVerdict>()?;
    m.add(
        "CROSS_PLATFORM_CODE_EXEC",
        PyFrozenSet::new(m.py(), exec_capability::CROSS_PLATFORM_CODE_EXEC)?,
    )?;
    m.add("WRAPPER_TOKENS", PyFrozenSet::new(m.py(), exec_capability::WRAPPER_TOKENS)?)?;
    m.add_function(wrap_pyfunction!(norm_tree_prefix, m)?)?;
    m.add_function(wrap_pyfunction!(prefixes_collide, m)?)?;
    m.add_function(wrap_pyfunction!(lane_trees_disjoint, m)?)?;
    m.add_class::<swap::NativeFunction>()?;
    m.add_function(wrap_pyfunction!(registry::_bind, m)?)?;
    m.add_function(wrap_pyfunction!(economics::bind_liveness_classify, m)?)?;
    m.add_function(wrap_pyfunction!(economics::bind_productivity_classify, m)?)?;
    m.add_function(wrap_pyfunction!(economics::bind_efficiency_classify, m)?)?;
    m.add_function(wrap_pyfunction!(economics::bind_breaker, m)?)?;
    m.add_class::<economics::PyLivenessVerdict>()?;
    m.add_class::<economics::PyProductivityVerdict>()?;
    m.add_class::<economics::PyEfficiencyVerdict>()?;
    m.add_class::<economics::PyBreakerVerdict>()?;
    m.add_class::<economics::PyBreakerTransition>()?;
    Ok(())
}
