//! Python objects to and from the core's JSON values.

use dos_core::pyjson::{Dict, Int, Str, Value};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet, PyString, PyTuple};

const MAX_DEPTH: usize = dos_core::pyjson::MAX_DEPTH;

/// Python object → JSON value, the way `json.dumps` would see it, plus
/// dataclass instances (their fields), enums (their values) and sets.
pub(crate) fn to_value(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
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
    if obj.cast::<PyInt>().is_ok() {
        return int_of(obj).map(Value::Int);
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
    Err(PyTypeError::new_err(format!("libdos cannot take a {} value", obj.get_type().name()?)))
}

/// The value of a Python `int` (exact or a subclass, `bool` excluded by the
/// callers) as the core's [`Int`], read from the number itself: a value
/// past 64 bits is written by `PyNumber_ToBase(x, 10)`, which formats the
/// int's own digits and never calls a subclass's `__str__`, `__repr__`,
/// `__format__` or `__index__`. Text that is not a canonical decimal int
/// (which CPython never writes) is refused with `BAD_ARGS`.
pub(crate) fn int_of(obj: &Bound<'_, PyAny>) -> PyResult<Int> {
    let py = obj.py();
    let mut overflow: std::os::raw::c_int = 0;
    // SAFETY: `obj` is a live int (the callers checked); this call reports
    // overflow through the flag and sets no exception for an int.
    let v = unsafe { pyo3::ffi::PyLong_AsLongLongAndOverflow(obj.as_ptr(), &mut overflow) };
    if overflow == 0 {
        if v == -1 {
            if let Some(e) = PyErr::take(py) {
                return Err(e);
            }
        }
        return Ok(Int::Small(v));
    }
    // SAFETY: a live object; a new reference or NULL with an exception set.
    let text = unsafe { Bound::from_owned_ptr_or_err(py, pyo3::ffi::PyNumber_ToBase(obj.as_ptr(), 10))? };
    let text = text.cast_into::<PyString>()?;
    let t = text.to_str()?;
    Int::from_decimal(t).ok_or_else(|| crate::errors::bad_args(py, format!("an int whose digits read {:?} is not an int", t)))
}

pub(crate) fn py_str(s: &Bound<'_, PyString>) -> PyResult<Str> {
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
pub(crate) fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
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

/// Python object → JSON value exactly as `json.dumps` writes it, for values
/// of exactly the built-in JSON types (dict with str keys, list, tuple, str,
/// int, float, bool, None). `None` for anything else (a subclass, a set, a
/// non-str key, nesting past the limit): `json.dumps` might write those
/// differently, or call `default`, so the caller must not guess.
pub(crate) fn json_value(obj: &Bound<'_, PyAny>, depth: usize) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    if obj.is_none() {
        return Some(Value::Null);
    }
    if let Ok(b) = obj.cast_exact::<PyBool>() {
        return Some(Value::Bool(b.is_true()));
    }
    if let Ok(s) = obj.cast_exact::<PyString>() {
        return py_str(s).ok().map(Value::Str);
    }
    if obj.is_exact_instance_of::<PyInt>() {
        return int_of(obj).ok().map(Value::Int);
    }
    if let Ok(f) = obj.cast_exact::<PyFloat>() {
        return Some(Value::Float(f.value()));
    }
    if let Ok(d) = obj.cast_exact::<PyDict>() {
        let mut out = Dict::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key = py_str(k.cast_exact::<PyString>().ok()?).ok()?;
            out.push(key, json_value(&v, depth + 1)?);
        }
        return Some(Value::Dict(out));
    }
    if let Ok(l) = obj.cast_exact::<PyList>() {
        return l.iter().map(|x| json_value(&x, depth + 1)).collect::<Option<Vec<_>>>().map(Value::List);
    }
    if let Ok(t) = obj.cast_exact::<PyTuple>() {
        return t.iter().map(|x| json_value(&x, depth + 1)).collect::<Option<Vec<_>>>().map(Value::List);
    }
    None
}
