//! Dedicated entry points for `durable_schema`, and the fast path of
//! `hook_exit.classify_exit` (registered in `fastpath`).

use crate::convert::{json_value, py_str, to_py, tuple_eq, AsTuple};
use crate::fast::{build, exact_i64, is_type, member_index, members_of, one_or_two, read, same_name};
use crate::registry::{self, Enum};
use crate::snapshot::Pinned;
use crate::swap::{CallArgs, Fast, NativeFunction};
use dos_core::deciders::durable_schema::{self, Readability, SchemaTag};
use dos_core::deciders::hook_exit::{self, HookExitPolicy, Intervention};
use dos_core::pyjson::{Dict, Value};
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyList, PyString, PyTuple, PyType};
use std::sync::{Arc, LazyLock};

// ---------------------------------------------------------------- hook_exit

const VERBS: [Intervention; 4] = [Intervention::Observe, Intervention::Warn, Intervention::Defer, Intervention::Block];

fn verb_index(v: Intervention) -> usize {
    match v {
        Intervention::Observe => 0,
        Intervention::Warn => 1,
        Intervention::Defer => 2,
        Intervention::Block => 3,
    }
}

static DEFAULT_EXIT_POLICY: LazyLock<Arc<HookExitPolicy>> = LazyLock::new(|| Arc::new(HookExitPolicy::default()));

/// A `HookExitPolicy` from one of exactly the policy class: an exact int
/// pass code, a dict of exact int codes to members (or None), a member as
/// the fallback.
fn exit_policy(p: &Bound<'_, PyAny>, verbs: &[Py<PyAny>]) -> Option<HookExitPolicy> {
    let py = p.py();
    let [pass, mapping, fallback] = read(p, [intern!(py, "pass_code"), intern!(py, "mapping"), intern!(py, "fallback")])?;
    let mapping = mapping.cast_exact::<PyDict>().ok()?;
    let mut map = hook_exit::CodeMap::default();
    for (k, v) in mapping.iter() {
        let verb = if v.is_none() { None } else { Some(VERBS[member_index(&v, verbs)?]) };
        map.insert(exact_i64(&k)?, verb);
    }
    Some(HookExitPolicy::new(exact_i64(&pass)?, map, VERBS[member_index(&fallback, verbs)?]))
}

struct ClassifyExit {
    policy_cls: Py<PyType>,
    /// The default policy and what its fields (its `mapping` dict's items
    /// included) held when `default` was read from it; `default` serves only
    /// while they still hold it.
    default_policy: Pinned,
    default: Arc<HookExitPolicy>,
    verbs: Vec<Py<PyAny>>,
    /// The module's `ExitVerdict`.
    verdict_cls: Py<PyType>,
}

impl Fast for ClassifyExit {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some((code_obj, policy)) = one_or_two(a, intern!(py, "code"), intern!(py, "policy")) else { return Ok(None) };
        let Some(code) = exact_i64(&code_obj) else { return Ok(None) };
        let is_default = policy.as_ref().map_or(true, |p| p.as_ptr() == self.default_policy.obj().as_ptr());
        let policy = match policy {
            _ if is_default && self.default_policy.current(py) => self.default.clone(),
            _ if is_default => match exit_policy(self.default_policy.obj().bind(py), &self.verbs) {
                Some(p) => Arc::new(p),
                None => return Ok(None),
            },
            Some(p) if is_type(&p, &self.policy_cls) => match exit_policy(&p, &self.verbs) {
                Some(p) => Arc::new(p),
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        let v = hook_exit::classify_exit(code, &policy);
        let verb = match v.intervention {
            Some(i) => self.verbs[verb_index(i)].bind(py).clone(),
            None => py.None().into_bound(py),
        };
        let fields = [
            (intern!(py, "code"), code_obj),
            (intern!(py, "intervention"), verb),
            (intern!(py, "reason"), PyString::new(py, &v.reason).into_any()),
            (intern!(py, "matched"), PyBool::new(py, v.matched).to_owned().into_any()),
        ];
        build(py, &self.verdict_cls, &fields).map(Some)
    }
}

/// The fast path of `hook_exit.classify_exit` (a `fastpath` entry), on a
/// module's own classes: its `HookExitPolicy`, `DEFAULT_POLICY`,
/// `Intervention` and `ExitVerdict` (the reference's or the typed module's).
/// It answers with that `ExitVerdict`, built without running `__init__`.
pub(crate) fn bind_classify_exit(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<NativeFunction> {
    let py = module.py();
    let policy_cls = module.getattr(intern!(py, "HookExitPolicy"))?.cast_into::<PyType>()?;
    let default_policy = module.getattr(intern!(py, "DEFAULT_POLICY"))?;
    let verdict_cls = module.getattr(intern!(py, "ExitVerdict"))?.cast_into::<PyType>()?;
    let verbs = members_of(&module.getattr(intern!(py, "Intervention"))?, Enum::Intervention.names())?;
    let default = exit_policy(&default_policy, &verbs)
        .ok_or_else(|| PyTypeError::new_err("the default HookExitPolicy holds values libdos cannot take"))?;
    let default = if default == **DEFAULT_EXIT_POLICY { DEFAULT_EXIT_POLICY.clone() } else { Arc::new(default) };
    let fast = ClassifyExit {
        policy_cls: policy_cls.unbind(),
        default_policy: Pinned::new(&default_policy, &["pass_code", "mapping", "fallback"]),
        default,
        verbs,
        verdict_cls: verdict_cls.unbind(),
    };
    Ok(NativeFunction::new("hook_exit.classify_exit", fast, fallback))
}

// ---------------------------------------------------------------- durable_schema

/// What a record's `schema` value holds, as far as the tag rules go, with
/// the objects a parsed tag echoes. `None`: a value this path does not take.
enum TagRead<'py> {
    NoTag,
    Tag(SchemaTag, Bound<'py, PyAny>, Bound<'py, PyAny>),
}

fn read_tag<'py>(v: Option<Bound<'py, PyAny>>) -> Option<TagRead<'py>> {
    let Some(v) = v else { return Some(TagRead::NoTag) };
    let py = v.py();
    // Plain values that are neither an int nor a mapping hold no tag.
    if v.is_none()
        || v.is_exact_instance_of::<PyBool>()
        || v.is_exact_instance_of::<PyString>()
        || v.is_exact_instance_of::<PyFloat>()
        || v.is_exact_instance_of::<PyList>()
        || v.is_exact_instance_of::<PyTuple>()
        || v.is_exact_instance_of::<pyo3::types::PyBytes>()
    {
        return Some(TagRead::NoTag);
    }
    if v.is_exact_instance_of::<pyo3::types::PyInt>() {
        let parsed = SchemaTag::from_value(Some(&json_value(&v, 0)?));
        return Some(match parsed {
            Some(t) => TagRead::Tag(t, intern!(py, "").clone().into_any(), v),
            None => TagRead::NoTag,
        });
    }
    let d = v.cast_exact::<PyDict>().ok()?;
    let (fam, ver) = (d.get_item(intern!(py, "family")).ok()?, d.get_item(intern!(py, "version")).ok()?);
    let mut slim = Dict::with_capacity(2);
    for (k, x) in [("family", &fam), ("version", &ver)] {
        if let Some(x) = x {
            // Only exact str and int (or plainly other types) are read here.
            if x.is_instance_of::<PyString>() && !x.is_exact_instance_of::<PyString>() {
                return None;
            }
            if x.is_instance_of::<pyo3::types::PyInt>()
                && !x.is_exact_instance_of::<pyo3::types::PyInt>()
                && !x.is_exact_instance_of::<PyBool>()
            {
                return None;
            }
            slim.push(k, json_value(x, 0).unwrap_or(Value::Null));
        }
    }
    Some(match SchemaTag::from_value(Some(&Value::Dict(slim))) {
        Some(t) => TagRead::Tag(t, fam?, ver?),
        None => TagRead::NoTag,
    })
}

fn readability_index(r: Readability) -> usize {
    match r {
        Readability::Readable => 0,
        Readability::UnreadableNewer => 1,
        Readability::Untagged => 2,
        Readability::WrongFamily => 3,
    }
}

/// `ReadabilityVerdict`: the readability, the reader's family and ceiling,
/// the record's tag (None when UNTAGGED) and a reason written on demand.
#[pyclass(frozen, module = "dos_native.durable_schema", name = "ReadabilityVerdict")]
pub(crate) struct PyReadabilityVerdict {
    readability: Readability,
    family: Py<PyAny>,
    ceiling: Py<PyAny>,
    /// The tag's family and version objects, as the record holds them.
    tag_parts: Option<(Py<PyAny>, Py<PyAny>)>,
    tag_obj: PyOnceLock<Py<PyAny>>,
    /// What the reason is written from.
    parsed: Option<SchemaTag>,
    family_str: dos_core::pyjson::Str,
    understands: i64,
}

impl AsTuple for PyReadabilityVerdict {
    fn astuple<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(
            py,
            [
                self.readability(py)?.into_bound(py),
                PyString::new(py, &self.reason()?).into_any(),
                self.family.bind(py).clone(),
                self.ceiling.bind(py).clone(),
                self.tag(py)?.into_bound(py),
            ],
        )
    }
}

#[crate::guard]
#[pymethods]
impl PyReadabilityVerdict {
    #[getter]
    fn readability(&self, py: Python<'_>) -> Py<PyAny> {
        registry::member(py, Enum::Readability, readability_index(self.readability))
    }

    #[getter]
    fn reason(&self) -> String {
        durable_schema::classify_tag(self.parsed.clone(), &self.family_str, self.understands).reason
    }

    #[getter]
    fn family(&self, py: Python<'_>) -> Py<PyAny> {
        self.family.clone_ref(py)
    }

    #[getter]
    fn ceiling(&self, py: Python<'_>) -> Py<PyAny> {
        self.ceiling.clone_ref(py)
    }

    /// The record's `SchemaTag` (made when first read), or None.
    #[getter]
    fn tag(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let Some((f, v)) = &self.tag_parts else { return Ok(py.None()) };
        let obj = self.tag_obj.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            let cls = registry::class(py, registry::Class::SchemaTag)?.clone().unbind();
            Ok(build(py, &cls, &[(intern!(py, "family"), f.bind(py).clone()), (intern!(py, "version"), v.bind(py).clone())])?.unbind())
        })?;
        Ok(obj.clone_ref(py))
    }

    /// The reference's `to_dict()` shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("readability", self.readability.as_str())?;
        d.set_item("reason", self.reason()?)?;
        d.set_item("family", self.family.bind(py))?;
        d.set_item("ceiling", self.ceiling.bind(py))?;
        match &self.tag_parts {
            Some((f, v)) => {
                let t = PyDict::new(py);
                t.set_item("family", f.bind(py))?;
                t.set_item("version", v.bind(py))?;
                d.set_item("tag", t)?;
            }
            None => d.set_item("tag", py.None())?,
        }
        Ok(d)
    }

    fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        tuple_eq(slf, other)
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        self.astuple(py)?.hash()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let t = self.astuple(py)?;
        Ok(format!(
            "ReadabilityVerdict(readability={}, reason={}, family={}, ceiling={}, tag={})",
            t.get_item(0)?.repr()?,
            t.get_item(1)?.repr()?,
            t.get_item(2)?.repr()?,
            t.get_item(3)?.repr()?,
            t.get_item(4)?.repr()?
        ))
    }
}

/// The reference's verdict and tag classes, and its Readability members.
type RefClasses = (Py<PyType>, Py<PyType>, Vec<Py<PyAny>>);

struct SchemaClassify {
    /// With the reference's classes: (verdict, tag, Readability members).
    out: Option<RefClasses>,
}

impl Fast for SchemaClassify {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        // classify(record, *, family, understands)
        let mut record = match a.len() {
            0 => None,
            1 => Some(a.get(0)),
            _ => return Ok(None),
        };
        let (mut family, mut understands) = (None, None);
        for (k, v) in a.kw() {
            let Ok(k) = k.cast::<PyString>() else { return Ok(None) };
            if same_name(k, intern!(py, "family")) {
                family = Some(v);
            } else if same_name(k, intern!(py, "understands")) {
                understands = Some(v);
            } else if same_name(k, intern!(py, "record")) && record.is_none() {
                record = Some(v);
            } else {
                return Ok(None);
            }
        }
        let (Some(record), Some(family_obj), Some(understands_obj)) = (record, family, understands) else { return Ok(None) };
        let Ok(record) = record.cast_exact::<PyDict>() else { return Ok(None) };
        let Ok(family_str) = family_obj.cast_exact::<PyString>() else { return Ok(None) };
        let Ok(family) = py_str(family_str) else { return Ok(None) };
        let Some(understands) = exact_i64(&understands_obj) else { return Ok(None) };
        let Some(tag) = read_tag(record.get_item(intern!(py, "schema"))?) else { return Ok(None) };
        let (parsed, echo) = match tag {
            TagRead::NoTag => (None, None),
            TagRead::Tag(t, f, v) => (Some(t), Some((f, v))),
        };
        let Some((verdict_cls, tag_cls, members)) = &self.out else {
            let readability = durable_schema::readability_of(parsed.as_ref(), &family, understands);
            let v = PyReadabilityVerdict {
                readability,
                family: family_obj.unbind(),
                ceiling: understands_obj.unbind(),
                tag_parts: echo.map(|(f, v)| (f.unbind(), v.unbind())),
                tag_obj: PyOnceLock::new(),
                parsed,
                family_str: family,
                understands,
            };
            return Ok(Some(Bound::new(py, v)?.into_any()));
        };
        let v = durable_schema::classify_tag(parsed, &family, understands);
        let tag_obj = match echo {
            Some((f, ver)) => build(py, tag_cls, &[(intern!(py, "family"), f), (intern!(py, "version"), ver)])?,
            None => py.None().into_bound(py),
        };
        let fields = [
            (intern!(py, "readability"), members[readability_index(v.readability)].bind(py).clone()),
            (intern!(py, "reason"), PyString::new(py, &v.reason).into_any()),
            (intern!(py, "family"), family_obj),
            (intern!(py, "ceiling"), understands_obj),
            (intern!(py, "tag"), tag_obj),
        ];
        build(py, verdict_cls, &fields).map(Some)
    }
}

/// A native `durable_schema.classify(record, *, family, understands)`;
/// with `verdict_cls`, `tag_cls` and `readability_cls` it answers with
/// instances of those classes, otherwise with native verdicts.
#[crate::guard]
#[pyfunction]
#[pyo3(signature = (fallback, verdict_cls=None, tag_cls=None, readability_cls=None))]
pub(crate) fn bind_schema_classify(
    fallback: Py<PyAny>,
    verdict_cls: Option<&Bound<'_, PyType>>,
    tag_cls: Option<&Bound<'_, PyType>>,
    readability_cls: Option<&Bound<'_, PyAny>>,
) -> PyResult<NativeFunction> {
    let out = match (verdict_cls, tag_cls, readability_cls) {
        (None, None, None) => None,
        (Some(v), Some(t), Some(r)) => Some((v.clone().unbind(), t.clone().unbind(), members_of(r, Enum::Readability.names())?)),
        _ => return Err(PyTypeError::new_err("give all of verdict_cls, tag_cls and readability_cls, or none")),
    };
    Ok(NativeFunction::new("durable_schema.classify", SchemaClassify { out }, fallback))
}

struct SchemaTagFragment;

impl Fast for SchemaTagFragment {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let (family, version) = match (a.len(), a.has_kw()) {
            (1, false) => (a.get(0), None),
            (2, false) => (a.get(0), Some(a.get(1))),
            _ => match one_or_two(a, intern!(py, "family"), intern!(py, "version")) {
                Some(x) => x,
                None => return Ok(None),
            },
        };
        let Ok(fam) = family.cast_exact::<PyString>() else { return Ok(None) };
        let Ok(fam_text) = fam.to_str() else { return Ok(None) };
        let (version_obj, version) = match version {
            None => (1i64.into_pyobject(py)?.into_any(), 1),
            Some(v) => match exact_i64(&v) {
                Some(n) => (v, n),
                None => return Ok(None),
            },
        };
        if durable_schema::tag(fam_text, version).is_err() {
            return Ok(None);
        }
        let inner = PyDict::new(py);
        inner.set_item(intern!(py, "family"), fam)?;
        inner.set_item(intern!(py, "version"), version_obj)?;
        let out = PyDict::new(py);
        out.set_item(intern!(py, "schema"), inner)?;
        Ok(Some(out.into_any()))
    }
}

/// A native `durable_schema.tag(family, version=1)`.
#[crate::guard]
#[pyfunction]
pub(crate) fn bind_schema_tag(fallback: Py<PyAny>) -> NativeFunction {
    NativeFunction::new("durable_schema.tag", SchemaTagFragment, fallback)
}

struct RefusalPayload {
    /// With the reference's classes: (verdict, tag); otherwise native verdicts.
    classes: Option<(Py<PyType>, Py<PyType>)>,
}

impl RefusalPayload {
    /// (family, ceiling, tag, reason) of a reference verdict.
    fn parts(
        &self,
        py: Python<'_>,
        verdict: &Bound<'_, PyAny>,
    ) -> Option<(dos_core::pyjson::Str, i64, Option<SchemaTag>, dos_core::pyjson::Str)> {
        let (verdict_cls, tag_cls) = self.classes.as_ref()?;
        if !is_type(verdict, verdict_cls) {
            return None;
        }
        let names = [intern!(py, "reason"), intern!(py, "family"), intern!(py, "ceiling"), intern!(py, "tag")];
        let [reason, family, ceiling, tag] = read(verdict, names)?;
        let reason = py_str(reason.cast_exact::<PyString>().ok()?).ok()?;
        let family = py_str(family.cast_exact::<PyString>().ok()?).ok()?;
        let ceiling = exact_i64(&ceiling)?;
        let tag = if tag.is_none() {
            None
        } else {
            if !is_type(&tag, tag_cls) {
                return None;
            }
            let [tf, tv] = read(&tag, [intern!(py, "family"), intern!(py, "version")])?;
            if !tv.is_exact_instance_of::<pyo3::types::PyInt>() {
                return None;
            }
            let Some(Value::Int(version)) = json_value(&tv, 0) else { return None };
            Some(SchemaTag { family: py_str(tf.cast_exact::<PyString>().ok()?).ok()?, version })
        };
        Some((family, ceiling, tag, reason))
    }
}

impl Fast for RefusalPayload {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let verdict = match (a.len(), a.has_kw()) {
            (1, false) => a.get(0),
            _ => match one_or_two(a, intern!(py, "verdict"), intern!(py, "verdict")) {
                Some((v, None)) => v,
                _ => return Ok(None),
            },
        };
        let parts = match verdict.cast_exact::<PyReadabilityVerdict>() {
            Ok(v) if self.classes.is_none() => {
                let v = v.get();
                let Some(family) = v.family.bind(py).cast_exact::<PyString>().ok().and_then(|f| py_str(f).ok()) else { return Ok(None) };
                let tag = v.tag_parts.as_ref().and(v.parsed.clone());
                Some((family, v.understands, tag, dos_core::pyjson::Str::Utf8(v.reason()?)))
            }
            _ => self.parts(py, &verdict),
        };
        let Some((family, ceiling, tag, reason)) = parts else { return Ok(None) };
        match durable_schema::refusal_payload(&family, ceiling, tag.as_ref(), &reason) {
            Ok(v) => to_py(py, &v).map(Some),
            Err(_) => Ok(None),
        }
    }
}

/// A native `durable_schema.unreadable_refusal_payload(verdict)`: for native
/// verdicts, or with `verdict_cls` and `tag_cls` for verdicts (and tags) of
/// exactly those classes.
#[crate::guard]
#[pyfunction]
#[pyo3(signature = (fallback, verdict_cls=None, tag_cls=None))]
pub(crate) fn bind_refusal_payload(
    fallback: Py<PyAny>,
    verdict_cls: Option<&Bound<'_, PyType>>,
    tag_cls: Option<&Bound<'_, PyType>>,
) -> PyResult<NativeFunction> {
    let classes = match (verdict_cls, tag_cls) {
        (None, None) => None,
        (Some(v), Some(t)) => Some((v.clone().unbind(), t.clone().unbind())),
        _ => return Err(PyTypeError::new_err("give both verdict_cls and tag_cls, or neither")),
    };
    Ok(NativeFunction::new("durable_schema.unreadable_refusal_payload", RefusalPayload { classes }, fallback))
}

/// `SchemaTag.from_obj` on plain data: `(family, version)` of the tag a
/// record's `schema` value holds, or None.
#[crate::guard]
#[pyfunction]
pub(crate) fn schema_tag_from_obj<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
) -> PyResult<Option<(Bound<'py, PyAny>, Bound<'py, PyAny>)>> {
    let v = crate::convert::to_value(obj, 0).unwrap_or(Value::Null);
    Ok(SchemaTag::from_value(Some(&v)).map(|t| {
        let fam = to_py(py, &Value::Str(t.family.clone())).unwrap_or_else(|_| PyString::new(py, "").into_any());
        let ver = to_py(py, &Value::Int(t.version.clone())).unwrap_or_else(|_| py.None().into_bound(py));
        (fam, ver)
    }))
}
