//! Typed fast paths for the arbiter cluster: `arbitrate` and `run_predicates`
//! on Python objects.
//!
//! The Python callables (`pick_oracle`, `rank_key`, `sibling_tree_lookup`,
//! predicate objects that are not built-ins) are called back from the Rust
//! arbiter at the points and in the order the reference calls them, so their
//! answers and their exceptions count exactly as they would there. Two
//! flavours share the code: `native` answers with `dos_native`'s classes;
//! `reference` (installed by `accelerate()`) answers with dos-kernel's own
//! and hands any input it cannot take to the original function.

use crate::snapshot::{Fields, Snapshot, Tracer};
use dos_core::config::{LaneTaxonomy, SubstrateConfig, WorkspaceFacts, DEFAULT_OVERLAP_RATIO_MAX};
use dos_core::deciders::admission::{
    run_predicates as core_run_predicates, Abort, AdmissionRequest, AdmissionVerdict, ExternalPredicates, Lease, Predicate, PredicateEnv,
    RuntimeFiles,
};
use dos_core::deciders::arbiter::{self as core, ArbiterError, ArbitrateRequest, Candidate, Hooks, NamedLane, Pick};
use dos_core::deciders::overlap_policy::OverlapPolicy;
use dos_core::pyjson::Value;
use dos_core::pystr;
use pyo3::exceptions::{PyException, PyTypeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use std::sync::{Arc, Mutex};

/// The classes and helpers one flavour answers with.
struct Flavour {
    decision: Py<PyAny>,
    request: Py<PyAny>,
    verdict: Py<PyAny>,
    verdict_types: Py<PyAny>,
    disjointness: Py<PyAny>,
    self_modify: Py<PyAny>,
    prefix_policy: Py<PyAny>,
    built_in_predicates: Py<PyAny>,
    ensure: Py<PyAny>,
    fallback_arbitrate: Option<Py<PyAny>>,
    fallback_run_predicates: Option<Py<PyAny>>,
    /// When set, the classes a config object and its `lanes` must be
    /// exactly (the reference's `SubstrateConfig` and `LaneTaxonomy`): a
    /// look-alike may answer the reference's method calls differently.
    config_types: Option<(Py<PyAny>, Py<PyAny>)>,
    /// How `decision` instances are filled.
    decision_fill: Fill,
}

/// How a decision instance gets its fields.
enum Fill {
    /// Through each field's slot descriptor (`member_descriptor`), found once
    /// in the class's MRO, whose setter is called directly: what
    /// `object.__setattr__` ends up doing for a `__slots__` field.
    Slots(Py<pyo3::types::PyType>, [SlotSetter; 8]),
    /// `setattr` per field (the class's own `__setattr__`, if it has one).
    Setattr,
}

/// A slot's member descriptor and its type's `__set__`.
struct SlotSetter {
    descr: Py<PyAny>,
    set: pyo3::ffi::descrsetfunc,
}

const DECISION_FIELDS: [&str; 8] = ["outcome", "lane", "lane_kind", "tree", "auto_picked", "reason", "free_clusters", "pick_count"];

/// How instances of `cls` are filled (see [`Fill`]): through slot
/// descriptors when every field is a `__slots__` member found in the MRO and
/// the class sets attributes as `object` does; otherwise `setattr`.
fn decision_fill(py: Python<'_>, cls: &Bound<'_, PyAny>) -> PyResult<Fill> {
    let Ok(cls) = cls.cast::<pyo3::types::PyType>() else { return Ok(Fill::Setattr) };
    let object = py.get_type::<PyAny>();
    if !cls.getattr(intern!(py, "__setattr__"))?.is(object.getattr(intern!(py, "__setattr__"))?) {
        return Ok(Fill::Setattr);
    }
    let member_type = py.import("types")?.getattr("MemberDescriptorType")?.cast_into::<pyo3::types::PyType>()?;
    // SAFETY: `PyType_GetSlot` is valid on any type object from 3.10 on (the
    // wheel needs 3.11); the slot of `member_descriptor` is its `__set__`.
    let set = unsafe { pyo3::ffi::PyType_GetSlot(member_type.as_ptr() as *mut pyo3::ffi::PyTypeObject, pyo3::ffi::Py_tp_descr_set) };
    if set.is_null() {
        return Ok(Fill::Setattr);
    }
    // SAFETY: a `tp_descr_set` slot has the `descrsetfunc` signature.
    let set: pyo3::ffi::descrsetfunc = unsafe { std::mem::transmute(set) };
    let mro = cls.getattr(intern!(py, "__mro__"))?;
    let mut found: Vec<SlotSetter> = Vec::with_capacity(8);
    for f in DECISION_FIELDS {
        // What the generic attribute lookup finds: the first class in the
        // MRO whose own namespace holds the name.
        let mut descr = None;
        for k in mro.try_iter()? {
            let ns = k?.getattr(intern!(py, "__dict__"))?;
            if let Ok(d) = ns.get_item(f) {
                descr = Some(d);
                break;
            }
        }
        match descr {
            Some(d) if d.get_type().is(&member_type) => found.push(SlotSetter { descr: d.unbind(), set }),
            _ => return Ok(Fill::Setattr),
        }
    }
    let setters: [SlotSetter; 8] = match found.try_into() {
        Ok(a) => a,
        Err(_) => return Ok(Fill::Setattr),
    };
    Ok(Fill::Slots(cls.clone().unbind(), setters))
}

static NATIVE: Mutex<Option<Arc<Flavour>>> = Mutex::new(None);
static REFERENCE: Mutex<Option<Arc<Flavour>>> = Mutex::new(None);

fn flavour(slot: &Mutex<Option<Arc<Flavour>>>) -> PyResult<Arc<Flavour>> {
    slot.lock()
        .ok()
        .and_then(|g| g.clone())
        .ok_or_else(|| PyTypeError::new_err("the arbiter fast path is not bound (import dos_native.arbiter)"))
}

/// Install the classes a flavour answers with (`native` or `reference`).
#[crate::guard]
#[pyfunction]
pub(crate) fn _bind_arbiter(flavour: &str, spec: &Bound<'_, PyDict>) -> PyResult<()> {
    let get = |k: &str| -> PyResult<Py<PyAny>> {
        spec.get_item(k)?.map(Bound::unbind).ok_or_else(|| PyTypeError::new_err(format!("missing {k}")))
    };
    let opt = |k: &str| -> PyResult<Option<Py<PyAny>>> { Ok(spec.get_item(k)?.map(Bound::unbind)) };
    let f = Flavour {
        decision: get("decision")?,
        request: get("request")?,
        verdict: get("verdict")?,
        verdict_types: get("verdict_types")?,
        disjointness: get("disjointness")?,
        self_modify: get("self_modify")?,
        prefix_policy: get("prefix_policy")?,
        built_in_predicates: get("built_in_predicates")?,
        ensure: get("ensure")?,
        fallback_arbitrate: opt("fallback_arbitrate")?,
        fallback_run_predicates: opt("fallback_run_predicates")?,
        config_types: match (opt("config_type")?, opt("lanes_type")?) {
            (Some(c), Some(l)) => Some((c, l)),
            _ => None,
        },
        decision_fill: Fill::Setattr,
    };
    let f = Flavour { decision_fill: decision_fill(spec.py(), f.decision.bind(spec.py()))?, ..f };
    let slot = match flavour {
        "native" => &NATIVE,
        "reference" => &REFERENCE,
        other => return Err(PyTypeError::new_err(format!("unknown flavour {other:?}"))),
    };
    *slot.lock().map_err(|_| PyTypeError::new_err("poisoned"))? = Some(Arc::new(f));
    Ok(())
}

/// The native path cannot take this input (the reference flavour then asks
/// the original function; the native flavour raises TypeError).
struct Unsupported(String);

enum Fail {
    Unsupported(Unsupported),
    Raise(PyErr),
}

impl From<PyErr> for Fail {
    fn from(e: PyErr) -> Self {
        Fail::Raise(e)
    }
}

fn unsupported<T>(why: impl Into<String>) -> Result<T, Fail> {
    Err(Fail::Unsupported(Unsupported(why.into())))
}

// ------------------------------------------------------------- conversions
//
// The native path takes exact built-in types only (`type(x) is str`, not
// `isinstance`), containers and their items alike: a subclass may compare,
// hash, iterate or print differently from what the core assumes, so
// anything else is `Unsupported` (the reference flavour then runs the
// original function, which reads it its own way). Truthiness is asked only
// of exact built-ins, so no caller code runs before that check.

/// Whether `o` is `None` or of exactly one of the JSON-like built-in types
/// (whose truthiness, `str()` and iteration run no caller code).
fn is_exact_builtin(o: &Bound<'_, PyAny>) -> bool {
    o.is_none()
        || o.is_exact_instance_of::<PyString>()
        || o.is_exact_instance_of::<PyBool>()
        || o.is_exact_instance_of::<PyInt>()
        || o.is_exact_instance_of::<PyFloat>()
        || o.is_exact_instance_of::<PyList>()
        || o.is_exact_instance_of::<PyTuple>()
        || o.is_exact_instance_of::<PyDict>()
}

/// `bool(o)` for an exact built-in; `Unsupported` for anything else.
fn truthy(o: &Bound<'_, PyAny>, what: &str) -> Result<bool, Fail> {
    if is_exact_builtin(o) {
        Ok(o.is_truthy()?)
    } else {
        unsupported(format!("{what} is not of a built-in type"))
    }
}

fn text(o: &Bound<'_, PyAny>, what: &str) -> Result<String, Fail> {
    match o.cast_exact::<PyString>() {
        Ok(s) => match s.to_str() {
            Ok(t) => Ok(t.to_owned()),
            Err(_) => unsupported(format!("{what} holds a lone surrogate")),
        },
        Err(_) => unsupported(format!("{what} is not a str")),
    }
}

fn borrowed_text<'a>(o: &'a Bound<'_, PyAny>, what: &str) -> Result<&'a str, Fail> {
    match o.cast_exact::<PyString>() {
        Ok(s) => match s.to_str() {
            Ok(t) => Ok(t),
            Err(_) => unsupported(format!("{what} holds a lone surrogate")),
        },
        Err(_) => unsupported(format!("{what} is not a str")),
    }
}

/// Overwrite `dst` with `src`, keeping its buffer.
fn fill_str(dst: &mut String, src: &str) {
    dst.clear();
    dst.push_str(src);
}

/// Overwrite slot `i` of `dst` (growing it when needed).
fn fill_at(dst: &mut Vec<String>, i: usize, src: &str) {
    if i < dst.len() {
        fill_str(&mut dst[i], src);
    } else {
        dst.push(src.to_owned());
    }
}

/// A list or tuple of str into `dst`'s first slots; returns how many.
fn fill_str_seq(dst: &mut Vec<String>, o: &Bound<'_, PyAny>, what: &str) -> Result<usize, Fail> {
    let mut n = 0;
    if let Ok(l) = o.cast_exact::<PyList>() {
        for x in l.iter() {
            fill_at(dst, n, borrowed_text(&x, what)?);
            n += 1;
        }
    } else if let Ok(t) = o.cast_exact::<PyTuple>() {
        for x in t.iter() {
            fill_at(dst, n, borrowed_text(&x, what)?);
            n += 1;
        }
    } else {
        return unsupported(format!("{what} is not a list or tuple"));
    }
    Ok(n)
}

/// A list or tuple of str.
fn str_seq(o: &Bound<'_, PyAny>, what: &str) -> Result<Vec<String>, Fail> {
    let mut out = Vec::new();
    let n = fill_str_seq(&mut out, o, what)?;
    out.truncate(n);
    Ok(out)
}

/// A tree read as the reference's tree readers do (`list(x or [])`, falsy
/// entries reading as blank), into `dst` (which it leaves exactly that long).
fn fill_loose_tree(dst: &mut Vec<String>, o: Option<&Bound<'_, PyAny>>, what: &str) -> Result<(), Fail> {
    let Some(o) = o else {
        dst.clear();
        return Ok(());
    };
    if !truthy(o, what)? {
        dst.clear();
        return Ok(());
    }
    let mut n = 0;
    let mut one = |x: Bound<'_, PyAny>, dst: &mut Vec<String>| -> Result<(), Fail> {
        if x.is_exact_instance_of::<PyString>() {
            fill_at(dst, n, borrowed_text(&x, what)?);
        } else if !truthy(&x, what)? {
            fill_at(dst, n, "");
        } else {
            return unsupported(format!("{what} holds a non-str entry"));
        }
        n += 1;
        Ok(())
    };
    if let Ok(l) = o.cast_exact::<PyList>() {
        for x in l.iter() {
            one(x, dst)?;
        }
    } else if let Ok(t) = o.cast_exact::<PyTuple>() {
        for x in t.iter() {
            one(x, dst)?;
        }
    } else {
        return unsupported(format!("{what} is not a list or tuple"));
    }
    dst.truncate(n);
    Ok(())
}

/// `str(x)` (Python's own) of an exact built-in.
fn py_str(o: &Bound<'_, PyAny>, what: &str) -> Result<String, Fail> {
    if o.is_exact_instance_of::<PyString>() {
        return text(o, what);
    }
    if !is_exact_builtin(o) {
        return unsupported(format!("{what} is not of a built-in type"));
    }
    let s = o.str()?;
    text(s.as_any(), what)
}

/// `str(x or "")`.
fn py_str_or_empty(o: Option<&Bound<'_, PyAny>>, what: &str) -> Result<String, Fail> {
    match o {
        Some(x) if truthy(x, what)? => py_str(x, what),
        _ => Ok(String::new()),
    }
}

fn value_of(o: Option<Bound<'_, PyAny>>) -> Result<Option<Value>, Fail> {
    match o {
        None => Ok(None),
        Some(x) => match crate::convert::json_value(&x, 0) {
            Some(v) => Ok(Some(v)),
            None => unsupported("a lease field is not of a built-in type"),
        },
    }
}

fn fill_value_str(dst: &mut Option<Value>, src: &str) {
    match dst {
        Some(Value::Str(dos_core::pyjson::Str::Utf8(s))) => fill_str(s, src),
        _ => *dst = Some(Value::str(src)),
    }
}

fn fill_lease_value(dst: &mut Option<Value>, o: &Option<Bound<'_, PyAny>>, what: &str) -> Result<(), Fail> {
    match o {
        Some(x) if x.is_exact_instance_of::<PyString>() => fill_value_str(dst, borrowed_text(x, what)?),
        other => *dst = value_of(other.clone())?,
    }
    Ok(())
}

/// `str(x or "").casefold()` into `dst`.
fn fill_folded(dst: &mut String, o: Option<&Bound<'_, PyAny>>, what: &str) -> Result<(), Fail> {
    dst.clear();
    match o {
        Some(x) if x.is_exact_instance_of::<PyString>() => pystr::casefold_into(borrowed_text(x, what)?, dst),
        _ => pystr::casefold_into(&py_str_or_empty(o, what)?, dst),
    }
    Ok(())
}

/// Read live lease `i` into `dst`, reusing its buffers.
fn fill_lease(dst: &mut Lease, o: &Bound<'_, PyAny>, i: usize) -> Result<(), Fail> {
    let Ok(d) = o.cast_exact::<PyDict>() else { return unsupported(format!("live_leases[{i}] is not a dict")) };
    let py = o.py();
    let lane = d.get_item(intern!(py, "lane"))?;
    let kind = d.get_item(intern!(py, "lane_kind"))?;
    fill_folded(&mut dst.lane_key, lane.as_ref(), "a lease lane")?;
    match &kind {
        None => dst.kind_str.clear(),
        Some(k) if k.is_exact_instance_of::<PyString>() => fill_str(&mut dst.kind_str, borrowed_text(k, "a lease lane_kind")?),
        Some(k) => dst.kind_str = py_str(k, "a lease lane_kind")?,
    }
    fill_folded(&mut dst.kind_key, kind.as_ref(), "a lease lane_kind")?;
    fill_loose_tree(&mut dst.tree, d.get_item(intern!(py, "tree"))?.as_ref(), "a lease tree")?;
    fill_lease_value(&mut dst.lane, &lane, "a lease lane")?;
    fill_lease_value(&mut dst.lane_kind, &kind, "a lease lane_kind")?;
    let ts = d.get_item(intern!(py, "loop_ts"))?;
    fill_lease_value(&mut dst.loop_ts, &ts, "a lease loop_ts")?;
    Ok(())
}

/// Read live leases into `pool`'s first slots; returns how many.
fn fill_leases(pool: &mut Vec<Lease>, objs: &[Bound<'_, PyAny>]) -> Result<usize, Fail> {
    for (i, o) in objs.iter().enumerate() {
        if i == pool.len() {
            pool.push(Lease::sentinel());
        }
        fill_lease(&mut pool[i], o, i)?;
    }
    Ok(objs.len())
}

/// Buffers reused from call to call (taken out while a call runs, so a
/// callback that re-enters simply gets fresh ones).
#[derive(Default)]
struct Pool {
    tree: Vec<String>,
    leases: Vec<Lease>,
}

thread_local! {
    static POOL: std::cell::RefCell<Option<Pool>> = const { std::cell::RefCell::new(None) };
}

struct PoolGuard(Pool);

impl PoolGuard {
    fn take() -> PoolGuard {
        PoolGuard(POOL.with(|p| p.borrow_mut().take()).unwrap_or_default())
    }
}

impl Drop for PoolGuard {
    fn drop(&mut self) {
        let pool = std::mem::take(&mut self.0);
        POOL.with(|p| *p.borrow_mut() = Some(pool));
    }
}

fn seq_items<'py>(o: &Bound<'py, PyAny>, what: &str) -> Result<Vec<Bound<'py, PyAny>>, Fail> {
    if let Ok(l) = o.cast_exact::<PyList>() {
        Ok(l.iter().collect())
    } else if let Ok(t) = o.cast_exact::<PyTuple>() {
        Ok(t.iter().collect())
    } else {
        unsupported(format!("{what} is not a list or tuple"))
    }
}

/// A config object read once: the Rust config and whether its overlap policy
/// is the built-in one.
struct Prepared {
    cfg: SubstrateConfig,
    prefix: bool,
    /// Read from an inline config mapping (no Python object to hand plugins).
    inline: bool,
}

const CACHE_SIZE: usize = 8;

/// A config object read once, with what it was read from.
struct Cached {
    obj: Py<PyAny>,
    check: Check,
    prep: Arc<Prepared>,
}

/// How a cached config is checked against the live object.
enum Check {
    /// Every object read keeps its fields in its instance dict (dos-kernel's
    /// own dataclasses): a few lookups and pointer comparisons.
    Fields(Fields),
    /// Anything else: the reads replayed (see `crate::snapshot`).
    Snap(Snapshot),
}

impl Check {
    fn take(obj: &Bound<'_, PyAny>) -> Option<Check> {
        match config_fields(obj) {
            Some(f) => Some(Check::Fields(f)),
            None => Snapshot::take(|t| trace_config(obj, t)).map(Check::Snap),
        }
    }

    fn holds(&self, obj: &Bound<'_, PyAny>) -> bool {
        match self {
            Check::Fields(f) => f.holds(obj),
            Check::Snap(s) => s.holds(|t| trace_config(obj, t)),
        }
    }
}

/// What `trace_config` reads, as [`Fields`]: `None` unless the config, its
/// taxonomy and (read through dos-kernel's property) its workspace keep
/// those attributes in their instance dicts.
fn config_fields(obj: &Bound<'_, PyAny>) -> Option<Fields> {
    let py = obj.py();
    let via_ws = reference_files_property(obj);
    let files = if via_ws { intern!(py, "workspace") } else { intern!(py, "kernel_runtime_files") };
    let mut f = Fields::take(obj, &[intern!(py, "lanes"), intern!(py, "overlap_ratio_max"), intern!(py, "overlap_policy_name"), files])?;
    // As in `trace_config`: a ratio or file list of another type may convert
    // differently from call to call.
    if !crate::snapshot::is_plain(f.value(py, 1)?) {
        return None;
    }
    if !via_ws {
        if !crate::snapshot::is_plain(f.value(py, 3)?) {
            return None;
        }
    } else if !f.value(py, 3)?.is_none() {
        let ws = f.nest(py, 3, &[intern!(py, "kernel_runtime_files")])?;
        if !crate::snapshot::is_plain(ws.value(py, 0)?) {
            return None;
        }
    }
    f.nest(
        py,
        0,
        &[intern!(py, "concurrent"), intern!(py, "exclusive"), intern!(py, "autopick"), intern!(py, "trees"), intern!(py, "aliases")],
    )?;
    Some(f)
}

/// Configs read lately. An entry is found by the object's identity but
/// served only while the object still holds what it was read from (its
/// taxonomy's dicts and lists change in place; see `crate::snapshot`).
static CONFIGS: Mutex<Vec<Arc<Cached>>> = Mutex::new(Vec::new());

/// Every value `prepare` reads from a config object.
fn trace_config(obj: &Bound<'_, PyAny>, t: &mut Tracer<'_>) {
    let py = obj.py();
    let [lanes, ratio, _] = t.attrs(obj, [intern!(py, "lanes"), intern!(py, "overlap_ratio_max"), intern!(py, "overlap_policy_name")]);
    // `float(x)` of anything but a built-in may answer differently from
    // call to call: such a config is read every time.
    if ratio.is_some_and(|r| !crate::snapshot::is_plain(&r)) {
        return t.spoil();
    }
    // dos-kernel's own `SubstrateConfig.kernel_runtime_files` is a property
    // answering `self.workspace.kernel_runtime_files` (or None): what it
    // reads is noted instead of running it on every check.
    let files = if t.choose(py, || reference_files_property(obj)) {
        let [ws] = t.attrs(obj, [intern!(py, "workspace")]);
        match ws {
            Some(w) if !w.is_none() => {
                t.member(&w);
                let [f] = t.attrs(&w, [intern!(py, "kernel_runtime_files")]);
                f
            }
            _ => None,
        }
    } else {
        let [f] = t.attrs(obj, [intern!(py, "kernel_runtime_files")]);
        f
    };
    if files.is_some_and(|f| !crate::snapshot::is_plain(&f)) {
        return t.spoil();
    }
    let Some(lanes) = lanes else { return t.spoil() };
    t.member(&lanes);
    t.attrs(
        &lanes,
        [intern!(py, "concurrent"), intern!(py, "exclusive"), intern!(py, "autopick"), intern!(py, "trees"), intern!(py, "aliases")],
    );
}

/// Whether `obj`'s class answers `kernel_runtime_files` with dos-kernel's
/// own property (`self.workspace.kernel_runtime_files if self.workspace
/// else None`), and reading it that way gives the property's answer now.
fn reference_files_property(obj: &Bound<'_, PyAny>) -> bool {
    let py = obj.py();
    let known = (|| -> PyResult<bool> {
        let attr = obj.get_type().getattr(intern!(py, "__dict__"))?.get_item("kernel_runtime_files")?;
        if !attr.get_type().is(py.get_type::<pyo3::types::PyAny>().py().import("builtins")?.getattr("property")?) {
            return Ok(false);
        }
        let fget = attr.getattr("fget")?;
        let module: String = fget.getattr("__module__")?.extract()?;
        let name: String = fget.getattr("__qualname__")?.extract()?;
        if module != "dos.config" || name != "SubstrateConfig.kernel_runtime_files" {
            return Ok(false);
        }
        let ws = obj.getattr(intern!(py, "workspace"))?;
        let direct = obj.getattr(intern!(py, "kernel_runtime_files"))?;
        Ok(if ws.is_none() { direct.is_none() } else { ws.getattr(intern!(py, "kernel_runtime_files"))?.is(&direct) })
    })();
    matches!(known, Ok(true))
}

fn prepare(obj: &Bound<'_, PyAny>) -> Result<Prepared, Fail> {
    let py = obj.py();
    let lanes = obj.getattr(intern!(py, "lanes")).map_err(|_| Fail::Unsupported(Unsupported("config.lanes".into())))?;
    let list = |name: &str| -> Result<Vec<String>, Fail> {
        let v = lanes.getattr(name).map_err(|_| Fail::Unsupported(Unsupported(format!("lanes.{name}"))))?;
        str_seq(&v, &format!("lanes.{name}"))
    };
    let mut trees = Vec::new();
    let t = lanes.getattr("trees").map_err(|_| Fail::Unsupported(Unsupported("lanes.trees".into())))?;
    let Ok(t) = t.cast_exact::<PyDict>() else { return unsupported("lanes.trees is not a dict") };
    for (k, v) in t.iter() {
        trees.push((text(&k, "a lanes.trees key")?, str_seq(&v, "a lanes.trees value")?));
    }
    let mut aliases = Vec::new();
    let a = lanes.getattr("aliases").map_err(|_| Fail::Unsupported(Unsupported("lanes.aliases".into())))?;
    let Ok(a) = a.cast_exact::<PyDict>() else { return unsupported("lanes.aliases is not a dict") };
    for (k, v) in a.iter() {
        aliases.push((text(&k, "a lanes.aliases key")?, py_str(&v, "a lanes.aliases value")?));
    }
    let taxonomy =
        LaneTaxonomy { concurrent: list("concurrent")?, exclusive: list("exclusive")?, autopick: list("autopick")?, trees, aliases };
    let mut cfg = SubstrateConfig::with_lanes(taxonomy);
    cfg.overlap_ratio_max = ratio_of(obj)?.unwrap_or(DEFAULT_OVERLAP_RATIO_MAX);
    let name = getattr_opt(obj, "overlap_policy_name")?;
    let prefix = match &name {
        None => true,
        Some(n) if !truthy(n, "overlap_policy_name")? => true,
        Some(n) => n.cast_exact::<PyString>().is_ok_and(|s| s.to_str().is_ok_and(|t| t == "prefix")),
    };
    if let Some(files) = getattr_opt(obj, "kernel_runtime_files")? {
        let files = if files.is_exact_instance_of::<PyTuple>() || files.is_exact_instance_of::<PyList>() {
            str_seq(&files, "kernel_runtime_files")?
        } else if files.is_exact_instance_of::<pyo3::types::PyFrozenSet>() || files.is_exact_instance_of::<pyo3::types::PySet>() {
            let l = PyList::empty(py);
            for x in files.try_iter()? {
                l.append(x?)?;
            }
            str_seq(l.as_any(), "kernel_runtime_files")?
        } else {
            return unsupported("kernel_runtime_files is not a tuple, list or set");
        };
        cfg.workspace = Some(WorkspaceFacts { root: String::new(), is_kernel_repo: !files.is_empty(), kernel_runtime_files: files });
    }
    Ok(Prepared { cfg, prefix, inline: false })
}

fn getattr_opt<'py>(o: &Bound<'py, PyAny>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    match o.getattr(name) {
        Ok(v) if v.is_none() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyAttributeError>(o.py()) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `_ratio_max_from_config`'s reading: None when absent or not a float.
fn ratio_of(obj: &Bound<'_, PyAny>) -> Result<Option<f64>, Fail> {
    let Some(raw) = getattr_opt(obj, "overlap_ratio_max")? else { return Ok(None) };
    if let Ok(f) = raw.cast_exact::<PyFloat>() {
        return Ok(Some(f.value()));
    }
    let float = obj.py().get_type::<PyFloat>();
    match float.call1((raw,)) {
        Ok(v) => Ok(v.cast::<PyFloat>().ok().map(|f| f.value())),
        Err(e) if e.is_instance_of::<PyTypeError>(obj.py()) || e.is_instance_of::<pyo3::exceptions::PyValueError>(obj.py()) => Ok(None),
        Err(e) => Err(Fail::Raise(e)),
    }
}

fn prepared(obj: &Bound<'_, PyAny>) -> Result<Arc<Prepared>, Fail> {
    if obj.is_exact_instance_of::<PyDict>() {
        let d = obj.cast_exact::<PyDict>().map_err(PyErr::from)?;
        let Some(Value::Dict(v)) = crate::convert::json_value(d.as_any(), 0) else { return unsupported("config mapping") };
        // A mapping naming a workspace reads its files: without the GIL.
        let cfg = if v.get("workspace").is_some() {
            obj.py().detach(|| dos_io::workspace::from_json(&v))
        } else {
            dos_io::workspace::from_json(&v)
        };
        let cfg = cfg.map_err(|e| Fail::Unsupported(Unsupported(e.message)))?;
        let prefix = OverlapPolicy::resolve(&cfg.overlap_policy_name).is_ok();
        return Ok(Arc::new(Prepared { cfg, prefix, inline: true }));
    }
    let found = CONFIGS.lock().ok().and_then(|cache| cache.iter().find(|c| c.obj.as_ptr() == obj.as_ptr()).cloned());
    if let Some(c) = found {
        // Checked outside the lock: reading attributes may run Python code.
        if c.check.holds(obj) {
            return Ok(c.prep.clone());
        }
        if let Ok(mut cache) = CONFIGS.lock() {
            cache.retain(|e| !Arc::ptr_eq(e, &c));
        }
    }
    let check = Check::take(obj);
    let p = Arc::new(prepare(obj)?);
    if let (Some(check), Ok(mut cache)) = (check, CONFIGS.lock()) {
        cache.retain(|e| e.obj.as_ptr() != obj.as_ptr());
        if cache.len() >= CACHE_SIZE {
            cache.remove(0);
        }
        cache.push(Arc::new(Cached { obj: obj.clone().unbind(), check, prep: p.clone() }));
    }
    Ok(p)
}

// ------------------------------------------------------------- predicates

/// Predicates as the Rust conjunction runs them, with the storage they borrow.
struct PredSet<'py> {
    files: Vec<Vec<String>>,
    kinds: Vec<PredKind>,
    objects: Vec<Bound<'py, PyAny>>,
}

enum PredKind {
    Disjointness,
    SelfModify(usize),
    External(usize),
}

impl<'py> PredSet<'py> {
    fn read(fl: &Flavour, list: &Bound<'py, PyAny>) -> Result<PredSet<'py>, Fail> {
        let py = list.py();
        let mut set = PredSet { files: Vec::new(), kinds: Vec::new(), objects: Vec::new() };
        // Only a list or tuple: an iterator read here would be spent for the
        // original function if the call then went to it.
        let items: Vec<Bound<'py, PyAny>> = seq_items(list, "predicates")?;
        for p in items {
            let ty = p.get_type();
            if ty.is(fl.disjointness.bind(py)) {
                let pol = p.getattr(intern!(py, "_policy"))?;
                if pol.get_type().is(fl.prefix_policy.bind(py)) {
                    set.kinds.push(PredKind::Disjointness);
                    continue;
                }
            } else if ty.is(fl.self_modify.bind(py)) {
                let files = p.getattr(intern!(py, "_runtime_files"))?;
                if let Ok(f) = str_seq(&files, "runtime files") {
                    set.files.push(f);
                    set.kinds.push(PredKind::SelfModify(set.files.len() - 1));
                    continue;
                }
            }
            set.objects.push(p);
            set.kinds.push(PredKind::External(set.objects.len() - 1));
        }
        Ok(set)
    }

    fn predicates(&self) -> Vec<Predicate<'_>> {
        self.kinds
            .iter()
            .map(|k| match *k {
                PredKind::Disjointness => Predicate::Disjointness(OverlapPolicy::Prefix),
                PredKind::SelfModify(i) => Predicate::SelfModify(RuntimeFiles::Listed(&self.files[i])),
                PredKind::External(i) => Predicate::External(i),
            })
            .collect()
    }
}

// ------------------------------------------------------------- callbacks

struct PyHooks<'a, 'py> {
    py: Python<'py>,
    fl: &'a Flavour,
    pick: Option<Bound<'py, PyAny>>,
    rank: Option<Bound<'py, PyAny>>,
    sibling: Option<Bound<'py, PyAny>>,
    preds: &'a [Bound<'py, PyAny>],
    leases: &'a [Bound<'py, PyAny>],
    config: Bound<'py, PyAny>,
    /// The caller's own request object (run_predicates), handed to predicates.
    request_obj: Option<Bound<'py, PyAny>>,
    /// An exception to re-raise (one the reference would not have caught).
    pending: Option<PyErr>,
    /// An answer the native side cannot represent (the reference decides).
    unsupported: Option<String>,
    /// The last object the pick oracle returned (its int, or None).
    last_pick: Option<Py<PyAny>>,
    /// The verdict object of the external predicate that refused.
    refusal: Option<Py<PyAny>>,
}

impl<'a, 'py> PyHooks<'a, 'py> {
    /// Swallow what `except Exception` swallows; keep anything else.
    fn caught(&mut self, e: PyErr) -> Result<(), Abort> {
        if e.is_instance_of::<PyException>(self.py) {
            Ok(())
        } else {
            self.pending = Some(e);
            Err(Abort)
        }
    }

    fn abort_with(&mut self, e: PyErr) -> Abort {
        self.pending = Some(e);
        Abort
    }

    fn tree_list(&self, tree: &[String]) -> Bound<'py, PyList> {
        PyList::new(self.py, tree).expect("a list of str")
    }
}

impl ExternalPredicates for PyHooks<'_, '_> {
    fn run_external(&mut self, idx: usize, r: &AdmissionRequest, lease: Option<usize>) -> Result<AdmissionVerdict, Abort> {
        let py = self.py;
        let pred = self.preds[idx].clone();
        let name = match pred.getattr(intern!(py, "name")) {
            Ok(n) => n,
            Err(_) => match pred.get_type().name() {
                Ok(n) => n.into_any(),
                Err(e) => return Err(self.abort_with(e)),
            },
        };
        let name_repr = name.repr().map(|s| s.to_string()).unwrap_or_default();
        let request = match &self.request_obj {
            Some(o) => o.clone(),
            None => {
                let kwargs = PyDict::new(py);
                let tree = PyTuple::new(py, r.tree).expect("a tuple of str");
                let built = kwargs
                    .set_item("lane", r.lane)
                    .and_then(|_| kwargs.set_item("kind", r.kind))
                    .and_then(|_| kwargs.set_item("tree", tree))
                    .and_then(|_| self.fl.request.bind(py).call((), Some(&kwargs)));
                match built {
                    Ok(o) => o,
                    Err(e) => return Err(self.abort_with(e)),
                }
            }
        };
        let lease_obj = match lease {
            Some(i) => self.leases[i].clone(),
            None => PyDict::new(py).into_any(),
        };
        let verdict = match pred.call1((request, lease_obj, self.config.clone())) {
            Ok(v) => v,
            Err(e) => {
                let shown = e.value(py).repr().map(|s| s.to_string()).unwrap_or_default();
                self.caught(e)?;
                return Ok(AdmissionVerdict::refuse(
                    format!(
                        "admission predicate {name_repr} raised ({shown}), so the request is refused: a safety \
                         check that cannot answer must not admit."
                    ),
                    "",
                ));
            }
        };
        let is_verdict = match verdict.is_instance(self.fl.verdict_types.bind(py)) {
            Ok(b) => b,
            Err(e) => return Err(self.abort_with(e)),
        };
        if !is_verdict {
            let ty = verdict.get_type().name().map(|s| s.to_string()).unwrap_or_default();
            return Ok(AdmissionVerdict::refuse(
                format!(
                    "admission predicate {name_repr} answered with a {ty} instead of an AdmissionVerdict, so the \
                     request is refused: an answer of the wrong type cannot admit."
                ),
                "",
            ));
        }
        let admitted = match verdict.getattr(intern!(py, "admitted")).and_then(|a| a.is_truthy()) {
            Ok(b) => b,
            Err(e) => return Err(self.abort_with(e)),
        };
        if admitted {
            return Ok(AdmissionVerdict::admit());
        }
        let field = |name: &str| -> Result<String, ()> {
            let v = verdict.getattr(name).map_err(|_| ())?;
            let s = v.cast_exact::<PyString>().map_err(|_| ())?;
            s.to_str().map(str::to_owned).map_err(|_| ())
        };
        match (field("reason"), field("reason_class")) {
            (Ok(reason), Ok(class)) => {
                self.refusal = Some(verdict.unbind());
                Ok(AdmissionVerdict { admitted: false, reason, reason_class: class })
            }
            _ => {
                self.unsupported = Some("a predicate's refusal carries a non-str reason".into());
                Err(Abort)
            }
        }
    }
}

impl Hooks for PyHooks<'_, '_> {
    fn has_pick_oracle(&self) -> bool {
        self.pick.is_some()
    }

    fn picks(&mut self, name: &str, kind: &str, tree: &[String]) -> Result<Option<Pick>, Abort> {
        let f = self.pick.clone().expect("pick oracle");
        let out = match f.call1((name, kind, self.tree_list(tree))) {
            Ok(n) => n,
            Err(e) => {
                self.caught(e)?;
                self.last_pick = None;
                return Ok(None);
            }
        };
        // The reference keeps `n` when `isinstance(n, int)` and then
        // compares it with 0: an int subclass may compare its own way, so
        // only an exact int (or bool) is read here.
        let pick = if let Ok(b) = out.cast_exact::<PyBool>() {
            Some(Pick::Bool(b.is_true()))
        } else if out.is_exact_instance_of::<PyInt>() {
            match crate::convert::int_of(&out) {
                Ok(v) => Some(Pick::Int(v)),
                Err(e) => return Err(self.abort_with(e)),
            }
        } else if out.cast::<PyInt>().is_ok() {
            self.unsupported = Some("the pick oracle answered with an int subclass".into());
            return Err(Abort);
        } else {
            None
        };
        self.last_pick = pick.as_ref().map(|_| out.unbind());
        Ok(pick)
    }

    fn has_rank_key(&self) -> bool {
        self.rank.is_some()
    }

    fn rank(&mut self, name: &str, kind: &str, tree: &[String]) -> Result<Option<f64>, Abort> {
        let f = self.rank.clone().expect("rank key");
        let r = match f.call1((name, kind, self.tree_list(tree))) {
            Ok(r) => r,
            Err(e) => {
                self.caught(e)?;
                return Ok(None);
            }
        };
        if r.cast::<PyBool>().is_ok() {
            return Ok(None);
        }
        if let Ok(x) = r.cast_exact::<PyFloat>() {
            return Ok(Some(x.value()));
        }
        if r.cast::<PyInt>().is_ok() || r.cast::<PyFloat>().is_ok() {
            // float(r), as the reference calls it (a subclass's own
            // __float__ included); an int too large for a float raises,
            // outside the reference's try.
            return match self.py.get_type::<PyFloat>().call1((r,)) {
                Ok(v) => Ok(Some(v.cast::<PyFloat>().map(|f| f.value()).unwrap_or(f64::NAN))),
                Err(e) => Err(self.abort_with(e)),
            };
        }
        Ok(None)
    }

    fn has_sibling_lookup(&self) -> bool {
        self.sibling.is_some()
    }

    fn sibling_tree(&mut self, lane: &str) -> Result<Vec<String>, Abort> {
        let f = self.sibling.clone().expect("sibling lookup");
        // `list(lookup(lane) or [])` inside the reference's try.
        let listed = f.call1((lane,)).and_then(|t| {
            if t.is_truthy()? {
                let l = PyList::empty(self.py);
                for x in t.try_iter()? {
                    l.append(x?)?;
                }
                Ok(Some(l))
            } else {
                Ok(None)
            }
        });
        let l = match listed {
            Ok(Some(l)) => l,
            Ok(None) => return Ok(Vec::new()),
            Err(e) => {
                self.caught(e)?;
                return Ok(Vec::new());
            }
        };
        let mut out = Vec::with_capacity(l.len());
        for x in l.iter() {
            if let Ok(s) = x.cast_exact::<PyString>() {
                match s.to_str() {
                    Ok(t) => out.push(t.to_owned()),
                    Err(_) => {
                        self.unsupported = Some("a sibling tree entry holds a lone surrogate".into());
                        return Err(Abort);
                    }
                }
                continue;
            }
            match x.is_truthy() {
                Ok(false) => out.push(String::new()),
                Ok(true) => {
                    // The reference normalizes it with `.replace("\\", "/")`.
                    return match x.call_method1("replace", ("\\", "/")) {
                        Err(e) => Err(self.abort_with(e)),
                        Ok(_) => {
                            self.unsupported = Some("a sibling tree entry is not a str".into());
                            Err(Abort)
                        }
                    };
                }
                Err(e) => return Err(self.abort_with(e)),
            }
        }
        Ok(out)
    }
}

// ------------------------------------------------------------- LaneDecision

/// `dos_native.arbiter.LaneDecision`: the reference's `LaneDecision` (same
/// constructor, attributes and `to_dict()`), built without Python code.
#[pyclass(module = "dos_native.arbiter", name = "LaneDecision")]
pub(crate) struct PyLaneDecision {
    #[pyo3(get, set)]
    outcome: Py<PyAny>,
    #[pyo3(get, set)]
    lane: Py<PyAny>,
    #[pyo3(get, set)]
    lane_kind: Py<PyAny>,
    #[pyo3(get, set)]
    tree: Py<PyAny>,
    #[pyo3(get, set)]
    auto_picked: Py<PyAny>,
    #[pyo3(get, set)]
    reason: Py<PyAny>,
    #[pyo3(get, set)]
    free_clusters: Py<PyAny>,
    #[pyo3(get, set)]
    pick_count: Py<PyAny>,
}

fn or_new_list<'py>(py: Python<'py>, v: Option<Bound<'py, PyAny>>) -> PyResult<Py<PyAny>> {
    match v {
        Some(x) if x.is_truthy()? => Ok(x.unbind()),
        _ => Ok(PyList::empty(py).into_any().unbind()),
    }
}

#[crate::guard]
#[pymethods]
impl PyLaneDecision {
    #[new]
    #[pyo3(signature = (outcome, *, lane=None, lane_kind=None, tree=None, auto_picked=None, reason=None,
        free_clusters=None, pick_count=None))]
    #[allow(clippy::too_many_arguments)]
    fn new<'py>(
        py: Python<'py>,
        outcome: Bound<'py, PyAny>,
        lane: Option<Bound<'py, PyAny>>,
        lane_kind: Option<Bound<'py, PyAny>>,
        tree: Option<Bound<'py, PyAny>>,
        auto_picked: Option<Bound<'py, PyAny>>,
        reason: Option<Bound<'py, PyAny>>,
        free_clusters: Option<Bound<'py, PyAny>>,
        pick_count: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Self> {
        let empty = || PyString::new(py, "").into_any().unbind();
        Ok(PyLaneDecision {
            outcome: outcome.unbind(),
            lane: lane.map_or_else(empty, Bound::unbind),
            lane_kind: lane_kind.map_or_else(empty, Bound::unbind),
            tree: or_new_list(py, tree)?,
            auto_picked: auto_picked.map_or_else(|| PyBool::new(py, false).to_owned().into_any().unbind(), Bound::unbind),
            reason: reason.map_or_else(empty, Bound::unbind),
            free_clusters: or_new_list(py, free_clusters)?,
            pick_count: pick_count.map_or_else(|| py.None(), Bound::unbind),
        })
    }

    /// The reference's `to_dict()`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("outcome", &self.outcome)?;
        d.set_item("lane", &self.lane)?;
        d.set_item("lane_kind", &self.lane_kind)?;
        d.set_item("tree", &self.tree)?;
        d.set_item("auto_picked", &self.auto_picked)?;
        d.set_item("reason", &self.reason)?;
        d.set_item("free_clusters", &self.free_clusters)?;
        d.set_item("pick_count", &self.pick_count)?;
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("LaneDecision({})", self.to_dict(py)?.repr()?))
    }
}

// ------------------------------------------------------------- arbitrate

struct Kw<'py> {
    requested_lane: Bound<'py, PyAny>,
    requested_kind: Bound<'py, PyAny>,
    requested_tree: Bound<'py, PyAny>,
    live_leases: Bound<'py, PyAny>,
    config: Option<Bound<'py, PyAny>>,
    auto_pick_order: Option<Bound<'py, PyAny>>,
    named_lanes: Option<Bound<'py, PyAny>>,
    derived_lanes: Option<Bound<'py, PyAny>>,
    force: Option<Bound<'py, PyAny>>,
    pick_oracle: Option<Bound<'py, PyAny>>,
    rank_key: Option<Bound<'py, PyAny>>,
    predicates: Option<Bound<'py, PyAny>>,
    class_budgets: Option<Bound<'py, PyAny>>,
    live_siblings: Option<Bound<'py, PyAny>>,
    sibling_tree_lookup: Option<Bound<'py, PyAny>>,
}

impl<'py> Kw<'py> {
    fn to_kwargs(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("requested_lane", &self.requested_lane)?;
        d.set_item("requested_kind", &self.requested_kind)?;
        d.set_item("requested_tree", &self.requested_tree)?;
        d.set_item("live_leases", &self.live_leases)?;
        let opt = |k: &str, v: &Option<Bound<'py, PyAny>>| -> PyResult<()> {
            if let Some(v) = v {
                d.set_item(k, v)?;
            }
            Ok(())
        };
        opt("config", &self.config)?;
        opt("auto_pick_order", &self.auto_pick_order)?;
        opt("named_lanes", &self.named_lanes)?;
        opt("derived_lanes", &self.derived_lanes)?;
        opt("force", &self.force)?;
        opt("pick_oracle", &self.pick_oracle)?;
        opt("rank_key", &self.rank_key)?;
        opt("predicates", &self.predicates)?;
        opt("class_budgets", &self.class_budgets)?;
        opt("live_siblings", &self.live_siblings)?;
        opt("sibling_tree_lookup", &self.sibling_tree_lookup)?;
        Ok(d)
    }
}

fn some<'py>(o: Option<Bound<'py, PyAny>>) -> Option<Bound<'py, PyAny>> {
    o.filter(|x| !x.is_none())
}

fn candidates(o: &Bound<'_, PyAny>) -> Result<Vec<Candidate>, Fail> {
    let mut out = Vec::new();
    for (i, it) in seq_items(o, "auto_pick_order")?.into_iter().enumerate() {
        let parts = seq_items(&it, "an auto_pick_order entry")?;
        if parts.len() != 3 {
            return unsupported(format!("auto_pick_order[{i}] is not (name, kind, tree)"));
        }
        let name = text(&parts[0], "an auto_pick_order name")?;
        let kind = if parts[1].is_exact_instance_of::<PyString>() {
            text(&parts[1], "an auto_pick_order kind")?
        } else if !truthy(&parts[1], "an auto_pick_order kind")? {
            String::new()
        } else {
            return unsupported("an auto_pick_order kind is not a str");
        };
        let tree = if truthy(&parts[2], "an auto_pick_order tree")? { str_seq(&parts[2], "an auto_pick_order tree")? } else { Vec::new() };
        out.push(Candidate { name, kind, tree });
    }
    Ok(out)
}

fn named(o: &Bound<'_, PyAny>, what: &str, none_tree_ok: bool) -> Result<Vec<NamedLane>, Fail> {
    let mut out = Vec::new();
    for it in seq_items(o, what)? {
        let parts = seq_items(&it, what)?;
        if parts.len() != 2 {
            return unsupported(format!("a {what} entry is not (name, tree)"));
        }
        let name = text(&parts[0], what)?;
        let tree = if parts[1].is_none() && none_tree_ok { Vec::new() } else { str_seq(&parts[1], what)? };
        out.push(NamedLane { name, tree });
    }
    Ok(out)
}

/// `object.__new__`, looked up once.
fn object_new(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static NEW: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
    NEW.get_or_try_init(py, || Ok::<_, PyErr>(py.get_type::<PyAny>().getattr("__new__")?.unbind())).map(|o| o.bind(py))
}

fn decision_object<'py>(
    py: Python<'py>,
    fl: &Flavour,
    d: &core::LaneDecision<'_>,
    requested_tree: &Bound<'py, PyAny>,
    last_pick: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let tree: Bound<'py, PyAny> =
        if d.tree_is_requested && !d.tree.is_empty() { requested_tree.clone() } else { PyList::new(py, d.tree)?.into_any() };
    let pick: Bound<'py, PyAny> = match (&d.pick_count, d.acquire, last_pick) {
        (None, _, _) => py.None().into_bound(py),
        (Some(_), true, Some(p)) => p.into_bound(py),
        (Some(p), _, _) => crate::to_py(py, &p.to_value())?,
    };
    let outcome = if d.acquire { intern!(py, "acquire") } else { intern!(py, "refuse") };
    let free = PyList::new(py, &d.free_clusters)?;
    let cls = fl.decision.bind(py);
    if cls.is(py.get_type::<PyLaneDecision>()) {
        let v = PyLaneDecision {
            outcome: outcome.clone().into_any().unbind(),
            lane: PyString::new(py, &d.lane).into_any().unbind(),
            lane_kind: PyString::new(py, &d.lane_kind).into_any().unbind(),
            tree: tree.unbind(),
            auto_picked: PyBool::new(py, d.auto_picked).to_owned().into_any().unbind(),
            reason: PyString::new(py, &d.reason).into_any().unbind(),
            free_clusters: free.into_any().unbind(),
            pick_count: pick.unbind(),
        };
        return Ok(Bound::new(py, v)?.into_any());
    }
    if let Fill::Slots(ty, setters) = &fl.decision_fill {
        let obj = crate::fast::new_instance(py, ty)?;
        let values: [Bound<'py, PyAny>; 8] = [
            outcome.clone().into_any(),
            PyString::new(py, &d.lane).into_any(),
            PyString::new(py, &d.lane_kind).into_any(),
            tree,
            PyBool::new(py, d.auto_picked).to_owned().into_any(),
            PyString::new(py, &d.reason).into_any(),
            free.into_any(),
            pick,
        ];
        for (s, v) in setters.iter().zip(values) {
            // SAFETY: `s.descr` is a live `member_descriptor` of a class in
            // `obj`'s MRO and `s.set` its type's `__set__` slot, which checks
            // the instance's type and takes its own reference to `v`.
            if unsafe { (s.set)(s.descr.as_ptr(), obj.as_ptr(), v.as_ptr()) } != 0 {
                return Err(PyErr::fetch(py));
            }
        }
        return Ok(obj);
    }
    let obj = object_new(py)?.call1((cls,))?;
    obj.setattr(intern!(py, "outcome"), outcome)?;
    obj.setattr(intern!(py, "lane"), d.lane.as_ref())?;
    obj.setattr(intern!(py, "lane_kind"), d.lane_kind.as_ref())?;
    obj.setattr(intern!(py, "tree"), tree)?;
    obj.setattr(intern!(py, "auto_picked"), d.auto_picked)?;
    obj.setattr(intern!(py, "reason"), d.reason.as_str())?;
    obj.setattr(intern!(py, "free_clusters"), free)?;
    obj.setattr(intern!(py, "pick_count"), pick)?;
    Ok(obj)
}

fn arbitrate_native<'py>(py: Python<'py>, fl: &Flavour, kw: &Kw<'py>) -> Result<Bound<'py, PyAny>, Fail> {
    let lane = borrowed_text(&kw.requested_lane, "requested_lane")?;
    let kind = borrowed_text(&kw.requested_kind, "requested_kind")?;
    let mut guard = PoolGuard::take();
    let pool = &mut guard.0;
    let n_tree = fill_str_seq(&mut pool.tree, &kw.requested_tree, "requested_tree")?;
    let lease_objs = seq_items(&kw.live_leases, "live_leases")?;
    let n_leases = fill_leases(&mut pool.leases, &lease_objs)?;
    let tree = &pool.tree[..n_tree];
    let leases = &pool.leases[..n_leases];
    let cfg_obj = match &kw.config {
        Some(c) => c.clone(),
        None => fl.ensure.bind(py).call1((py.None(),))?,
    };
    if let Some((cfg_type, lanes_type)) = &fl.config_types {
        let exact = |o: &Bound<'_, PyAny>, t: &Py<PyAny>| o.get_type().as_ptr() == t.as_ptr();
        if !exact(&cfg_obj, cfg_type) {
            return unsupported("config is not the reference's SubstrateConfig");
        }
        match cfg_obj.getattr(intern!(py, "lanes")) {
            Ok(l) if exact(&l, lanes_type) => {}
            _ => return unsupported("config.lanes is not the reference's LaneTaxonomy"),
        }
    }
    let prep = prepared(&cfg_obj)?;
    let order = kw.auto_pick_order.as_ref().map(candidates).transpose()?;
    let named_lanes = kw.named_lanes.as_ref().map(|o| named(o, "named_lanes", false)).transpose()?;
    let derived_lanes = kw.derived_lanes.as_ref().map(|o| named(o, "derived_lanes", true)).transpose()?;
    let force = match &kw.force {
        Some(f) => truthy(f, "force")?,
        None => false,
    };
    let budgets: Option<Vec<(String, i64)>> = match &kw.class_budgets {
        Some(b) if truthy(b, "class_budgets")? => {
            let Ok(d) = b.cast_exact::<PyDict>() else { return unsupported("class_budgets is not a dict") };
            let mut out = Vec::new();
            for (k, v) in d.iter() {
                if !is_exact_builtin(&v) {
                    return unsupported("a class_budgets value is not of a built-in type");
                }
                if v.cast::<PyBool>().is_ok() || v.cast::<PyInt>().is_err() {
                    continue;
                }
                let n = match v.extract::<i64>() {
                    Ok(n) => n,
                    Err(_) => {
                        if v.gt(0)? {
                            i64::MAX
                        } else {
                            continue;
                        }
                    }
                };
                out.push((text(&k, "a class_budgets key")?, n));
            }
            Some(out)
        }
        _ => None,
    };
    let siblings: Option<Vec<String>> = match &kw.live_siblings {
        Some(s) => {
            let mut out = Vec::new();
            for (i, x) in seq_items(s, "live_siblings")?.into_iter().enumerate() {
                let Ok(d) = x.cast_exact::<PyDict>() else { return unsupported(format!("live_siblings[{i}] is not a dict")) };
                out.push(py_str_or_empty(d.get_item(intern!(py, "lane"))?.as_ref(), "a sibling lane")?);
            }
            Some(out)
        }
        None => None,
    };
    // The predicate conjunction: the caller's list, or the built-ins for the
    // config (resolved in Python when the config names a policy plugin).
    let pred_list = match &kw.predicates {
        Some(p) => Some(p.clone()),
        None if !prep.prefix && prep.inline => {
            return unsupported(format!(
                "overlap policy {} is a plugin, which an inline config cannot name",
                pystr::repr(&prep.cfg.overlap_policy_name)
            ))
        }
        None if !prep.prefix => {
            let kwargs = PyDict::new(py);
            kwargs.set_item("config", &cfg_obj)?;
            Some(fl.built_in_predicates.bind(py).call((), Some(&kwargs))?)
        }
        None => None,
    };
    let pset = pred_list.as_ref().map(|l| PredSet::read(fl, l)).transpose()?;
    let preds = pset.as_ref().map(PredSet::predicates);
    let no_objects: Vec<Bound<'py, PyAny>> = Vec::new();
    let mut hooks = PyHooks {
        py,
        fl,
        pick: kw.pick_oracle.clone(),
        rank: kw.rank_key.clone(),
        sibling: kw.sibling_tree_lookup.clone(),
        preds: pset.as_ref().map_or(&no_objects, |p| &p.objects),
        leases: &lease_objs,
        config: cfg_obj.clone(),
        request_obj: None,
        pending: None,
        unsupported: None,
        last_pick: None,
        refusal: None,
    };
    let req = ArbitrateRequest {
        requested_lane: lane,
        requested_kind: kind,
        requested_tree: tree,
        live_leases: leases,
        auto_pick_order: order.as_deref(),
        named_lanes: named_lanes.as_deref(),
        derived_lanes: derived_lanes.as_deref(),
        force,
        predicates: preds.as_deref(),
        class_budgets: budgets.as_deref(),
        live_siblings: siblings.as_deref(),
    };
    match core::arbitrate(&req, &prep.cfg, &mut hooks) {
        Ok(d) => Ok(decision_object(py, fl, &d, &kw.requested_tree, hooks.last_pick.take())?),
        Err(ArbiterError::Abort) => match (hooks.pending.take(), hooks.unsupported.take()) {
            (Some(e), _) => Err(Fail::Raise(e)),
            (None, Some(why)) => unsupported(why),
            (None, None) => unsupported("a callback could not be served"),
        },
        Err(e) => unsupported(e.message()),
    }
}

fn answer<'py>(
    py: Python<'py>,
    out: Result<Bound<'py, PyAny>, Fail>,
    fallback: Option<&Py<PyAny>>,
    args: impl FnOnce() -> PyResult<(Bound<'py, PyTuple>, Option<Bound<'py, PyDict>>)>,
) -> PyResult<Bound<'py, PyAny>> {
    match out {
        Ok(v) => Ok(v),
        Err(Fail::Raise(e)) => Err(e),
        Err(Fail::Unsupported(Unsupported(why))) => match fallback {
            Some(f) => {
                let (a, k) = args()?;
                f.bind(py).call(a, k.as_ref())
            }
            None => Err(PyTypeError::new_err(format!("dos_native cannot take this input: {why}"))),
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn arbitrate_with<'py>(py: Python<'py>, slot: &Mutex<Option<Arc<Flavour>>>, kw: Kw<'py>) -> PyResult<Bound<'py, PyAny>> {
    let fl = flavour(slot)?;
    let out = arbitrate_native(py, &fl, &kw);
    answer(py, out, fl.fallback_arbitrate.as_ref(), || Ok((PyTuple::empty(py), Some(kw.to_kwargs(py)?))))
}

macro_rules! arbitrate_fn {
    ($name:ident, $slot:expr, $doc:literal) => {
        #[doc = $doc]
        #[crate::guard]
        #[pyfunction]
        #[pyo3(signature = (*, requested_lane, requested_kind, requested_tree, live_leases, config=None,
                                    auto_pick_order=None, named_lanes=None, derived_lanes=None, force=None, pick_oracle=None,
                                    rank_key=None, predicates=None, class_budgets=None, live_siblings=None, sibling_tree_lookup=None))]
        #[allow(clippy::too_many_arguments)]
        pub(crate) fn $name<'py>(
            py: Python<'py>,
            requested_lane: Bound<'py, PyAny>,
            requested_kind: Bound<'py, PyAny>,
            requested_tree: Bound<'py, PyAny>,
            live_leases: Bound<'py, PyAny>,
            config: Option<Bound<'py, PyAny>>,
            auto_pick_order: Option<Bound<'py, PyAny>>,
            named_lanes: Option<Bound<'py, PyAny>>,
            derived_lanes: Option<Bound<'py, PyAny>>,
            force: Option<Bound<'py, PyAny>>,
            pick_oracle: Option<Bound<'py, PyAny>>,
            rank_key: Option<Bound<'py, PyAny>>,
            predicates: Option<Bound<'py, PyAny>>,
            class_budgets: Option<Bound<'py, PyAny>>,
            live_siblings: Option<Bound<'py, PyAny>>,
            sibling_tree_lookup: Option<Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyAny>> {
            let kw = Kw {
                requested_lane,
                requested_kind,
                requested_tree,
                live_leases,
                config: some(config),
                auto_pick_order: some(auto_pick_order),
                named_lanes: some(named_lanes),
                derived_lanes: some(derived_lanes),
                force: some(force),
                pick_oracle: some(pick_oracle),
                rank_key: some(rank_key),
                predicates: some(predicates),
                class_budgets: some(class_budgets),
                live_siblings: some(live_siblings),
                sibling_tree_lookup: some(sibling_tree_lookup),
            };
            arbitrate_with(py, &$slot, kw)
        }
    };
}

arbitrate_fn!(arbitrate, NATIVE, "`arbiter.arbitrate` in libdos, answering with `dos_native.arbiter.LaneDecision`.");
arbitrate_fn!(
    arbitrate_ref,
    REFERENCE,
    "`dos.arbiter.arbitrate` in libdos, answering with dos-kernel's `LaneDecision` (the original runs \
     whatever libdos cannot take)."
);

// ------------------------------------------------------------- run_predicates

fn verdict_object<'py>(py: Python<'py>, fl: &Flavour, v: &AdmissionVerdict) -> PyResult<Bound<'py, PyAny>> {
    // dos_native's class is a generated record (slots, no `__dict__`).
    if let Ok(cls) = fl.verdict.bind(py).cast::<pyo3::types::PyType>() {
        if crate::record::is_record_class(cls) {
            let admitted = pyo3::types::PyBool::new(py, v.admitted).to_owned().into_any();
            let reason = PyString::new(py, &v.reason).into_any();
            let class = PyString::new(py, &v.reason_class).into_any();
            return crate::record::build(
                cls,
                &[(intern!(py, "admitted"), admitted), (intern!(py, "reason"), reason), (intern!(py, "reason_class"), class)],
            );
        }
    }
    let obj = object_new(py)?.call1((fl.verdict.bind(py),))?;
    let d = obj.getattr(intern!(py, "__dict__"))?;
    d.set_item(intern!(py, "_admit"), v.admitted)?;
    d.set_item(intern!(py, "reason"), v.reason.as_str())?;
    d.set_item(intern!(py, "reason_class"), v.reason_class.as_str())?;
    Ok(obj)
}

fn run_predicates_native<'py>(
    py: Python<'py>,
    fl: &Flavour,
    predicates: &Bound<'py, PyAny>,
    request: &Bound<'py, PyAny>,
    live_leases: &Bound<'py, PyAny>,
    config: &Bound<'py, PyAny>,
) -> Result<Bound<'py, PyAny>, Fail> {
    let lane = request.getattr(intern!(py, "lane"))?;
    let kind = request.getattr(intern!(py, "kind"))?;
    let tree = request.getattr(intern!(py, "tree"))?;
    let (lane, kind, tree) = (text(&lane, "request.lane")?, text(&kind, "request.kind")?, str_seq(&tree, "request.tree")?);
    let lease_objs = match truthy(live_leases, "live_leases")? {
        true => seq_items(live_leases, "live_leases")?,
        false => Vec::new(),
    };
    let mut leases = Vec::new();
    let n = fill_leases(&mut leases, &lease_objs)?;
    leases.truncate(n);
    let pset = PredSet::read(fl, predicates)?;
    let preds = pset.predicates();
    let env = PredicateEnv { ratio_max: ratio_of(config)? };
    let mut hooks = PyHooks {
        py,
        fl,
        pick: None,
        rank: None,
        sibling: None,
        preds: &pset.objects,
        leases: &lease_objs,
        config: config.clone(),
        request_obj: Some(request.clone()),
        pending: None,
        unsupported: None,
        last_pick: None,
        refusal: None,
    };
    let req = AdmissionRequest { lane: &lane, kind: &kind, tree: &tree };
    match core_run_predicates(&preds, &req, &leases, env, &mut hooks) {
        Ok(v) => match hooks.refusal.take() {
            Some(obj) if !v.admitted => Ok(obj.into_bound(py)),
            _ => Ok(verdict_object(py, fl, &v)?),
        },
        Err(Abort) => match (hooks.pending.take(), hooks.unsupported.take()) {
            (Some(e), _) => Err(Fail::Raise(e)),
            (None, Some(why)) => unsupported(why),
            (None, None) => unsupported("a predicate could not be served"),
        },
    }
}

fn run_predicates_with<'py>(
    py: Python<'py>,
    slot: &Mutex<Option<Arc<Flavour>>>,
    args: [Bound<'py, PyAny>; 4],
) -> PyResult<Bound<'py, PyAny>> {
    let fl = flavour(slot)?;
    let [p, r, l, c] = &args;
    let out = run_predicates_native(py, &fl, p, r, l, c);
    answer(py, out, fl.fallback_run_predicates.as_ref(), || Ok((PyTuple::new(py, &args)?, None)))
}

/// `admission.run_predicates` in libdos (`dos_native` classes).
#[crate::guard]
#[pyfunction]
pub(crate) fn run_predicates<'py>(
    py: Python<'py>,
    predicates: Bound<'py, PyAny>,
    request: Bound<'py, PyAny>,
    live_leases: Bound<'py, PyAny>,
    config: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    run_predicates_with(py, &NATIVE, [predicates, request, live_leases, config])
}

/// `dos.admission.run_predicates` in libdos (dos-kernel's classes; the
/// original runs whatever libdos cannot take).
#[crate::guard]
#[pyfunction]
pub(crate) fn run_predicates_ref<'py>(
    py: Python<'py>,
    predicates: Bound<'py, PyAny>,
    request: Bound<'py, PyAny>,
    live_leases: Bound<'py, PyAny>,
    config: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    run_predicates_with(py, &REFERENCE, [predicates, request, live_leases, config])
}

// ------------------------------------------------------------- accelerate()

const ARBITRATE_ARGS: [&str; 15] = [
    "requested_lane",
    "requested_kind",
    "requested_tree",
    "live_leases",
    "config",
    "auto_pick_order",
    "named_lanes",
    "derived_lanes",
    "force",
    "pick_oracle",
    "rank_key",
    "predicates",
    "class_budgets",
    "live_siblings",
    "sibling_tree_lookup",
];

/// The outcome of a fast path as a native function reports it: served,
/// handed to the original, or raised where the original raises.
fn served<'py>(py: Python<'py>, out: Result<Bound<'py, PyAny>, Fail>) -> PyResult<Option<Bound<'py, PyAny>>> {
    match out {
        Ok(v) => Ok(Some(v)),
        Err(Fail::Unsupported(_)) => Ok(None),
        Err(Fail::Raise(e)) => Err(crate::swap::raised(py, e)),
    }
}

/// `dos.arbiter.arbitrate(*, requested_lane, ...)` for `accelerate()`.
struct ArbitrateRef;

impl crate::swap::Fast for ArbitrateRef {
    fn call<'py>(&self, py: Python<'py>, a: &crate::swap::CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let names = ARBITRATE_ARGS.map(|n| PyString::intern(py, n));
        let Some(f) = crate::fast::bind_args(a, std::array::from_fn::<_, 15, _>(|i| &names[i]), 0) else {
            return Ok(None);
        };
        let [requested_lane, requested_kind, requested_tree, live_leases, config, auto_pick_order, named_lanes, derived_lanes, force, pick_oracle, rank_key, predicates, class_budgets, live_siblings, sibling_tree_lookup] =
            f;
        let (Some(requested_lane), Some(requested_kind), Some(requested_tree), Some(live_leases)) =
            (requested_lane, requested_kind, requested_tree, live_leases)
        else {
            return Ok(None);
        };
        let kw = Kw {
            requested_lane,
            requested_kind,
            requested_tree,
            live_leases,
            config: some(config),
            auto_pick_order: some(auto_pick_order),
            named_lanes: some(named_lanes),
            derived_lanes: some(derived_lanes),
            force: some(force),
            pick_oracle: some(pick_oracle),
            rank_key: some(rank_key),
            predicates: some(predicates),
            class_budgets: some(class_budgets),
            live_siblings: some(live_siblings),
            sibling_tree_lookup: some(sibling_tree_lookup),
        };
        let Ok(fl) = flavour(&REFERENCE) else { return Ok(None) };
        served(py, arbitrate_native(py, &fl, &kw))
    }
}

/// `dos.admission.run_predicates(predicates, request, live_leases, config)`
/// for `accelerate()`.
struct RunPredicatesRef;

impl crate::swap::Fast for RunPredicatesRef {
    fn call<'py>(&self, py: Python<'py>, a: &crate::swap::CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let names = ["predicates", "request", "live_leases", "config"].map(|n| PyString::intern(py, n));
        let Some([Some(p), Some(r), Some(l), Some(c)]) = crate::fast::bind_args(a, [&names[0], &names[1], &names[2], &names[3]], 4) else {
            return Ok(None);
        };
        let Ok(fl) = flavour(&REFERENCE) else { return Ok(None) };
        served(py, run_predicates_native(py, &fl, &p, &r, &l, &c))
    }
}

/// The native `dos.arbiter.arbitrate` (also `arbitrate_lane`) or
/// `dos.admission.run_predicates` for `accelerate()`, answering with the
/// classes `_bind_arbiter("reference", ...)` installed and handing what it
/// cannot take to `fallback` (the original).
#[crate::guard]
#[pyfunction]
pub(crate) fn bind_arbiter_ref(name: &str, fallback: Py<PyAny>) -> PyResult<crate::swap::NativeFunction> {
    Ok(match name {
        "arbitrate" => crate::swap::NativeFunction::new("arbiter.arbitrate", ArbitrateRef, fallback),
        "run_predicates" => crate::swap::NativeFunction::new("admission.run_predicates", RunPredicatesRef, fallback),
        other => return Err(PyTypeError::new_err(format!("no arbiter function {other:?}"))),
    })
}

/// Register the arbiter cluster's functions on the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyLaneDecision>()?;
    m.add_function(wrap_pyfunction!(_bind_arbiter, m)?)?;
    m.add_function(wrap_pyfunction!(arbitrate, m)?)?;
    m.add_function(wrap_pyfunction!(arbitrate_ref, m)?)?;
    m.add_function(wrap_pyfunction!(run_predicates, m)?)?;
    m.add_function(wrap_pyfunction!(run_predicates_ref, m)?)?;
    m.add_function(wrap_pyfunction!(bind_arbiter_ref, m)?)?;
    Ok(())
}
