//! The fast paths of `hook_exit.classify_exit` and of `durable_schema`'s
//! `classify`, `tag` and `unreadable_refusal_payload` (registered in
//! `fastpath`, on the generated modules' classes or the reference's).

use crate::convert::{json_value, py_str};
use crate::fast::{build, exact_i64, is_type, member_index, members_of, one_or_two, read, same_name};
use crate::registry::Enum;
use crate::snapshot::Pinned;
use crate::swap::{CallArgs, Fast, NativeFunction};
use dos_core::deciders::durable_schema::{self, Readability, SchemaTag};
use dos_core::deciders::hook_exit::{self, HookExitPolicy, Intervention};
use dos_core::pyjson::{Dict, Value};
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
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
        let (intervention, matched) = hook_exit::decide(code, &policy);
        let verb = match intervention {
            Some(i) => self.verbs[verb_index(i)].bind(py).clone(),
            None => py.None().into_bound(py),
        };
        let reason = crate::record::text(py, &self.verdict_cls, move || hook_exit::reason(code, intervention, matched))?;
        let fields = [
            (intern!(py, "code"), code_obj),
            (intern!(py, "intervention"), verb),
            (intern!(py, "reason"), reason),
            (intern!(py, "matched"), PyBool::new(py, matched).to_owned().into_any()),
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

/// A module's `ReadabilityVerdict` and `SchemaTag` classes, and its
/// `Readability` members (the reference's or the typed module's).
struct SchemaClasses {
    verdict_cls: Py<PyType>,
    tag_cls: Py<PyType>,
    members: Vec<Py<PyAny>>,
}

impl SchemaClasses {
    fn of(module: &Bound<'_, PyAny>) -> PyResult<SchemaClasses> {
        let py = module.py();
        Ok(SchemaClasses {
            verdict_cls: module.getattr(intern!(py, "ReadabilityVerdict"))?.cast_into::<PyType>()?.unbind(),
            tag_cls: module.getattr(intern!(py, "SchemaTag"))?.cast_into::<PyType>()?.unbind(),
            members: members_of(&module.getattr(intern!(py, "Readability"))?, Enum::Readability.names())?,
        })
    }
}

struct SchemaClassify(SchemaClasses);

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
        let c = &self.0;
        let readability = durable_schema::judge(parsed.as_ref(), &family, understands);
        // A typed module's record writes the reason when it is first read;
        // the reference's dataclass gets it written now.
        let reason =
            crate::record::text(py, &c.verdict_cls, move || durable_schema::reason(readability, parsed.as_ref(), &family, understands))?;
        let tag_obj = match echo {
            Some((f, ver)) => build(py, &c.tag_cls, &[(intern!(py, "family"), f), (intern!(py, "version"), ver)])?,
            None => py.None().into_bound(py),
        };
        let fields = [
            (intern!(py, "readability"), c.members[readability_index(readability)].bind(py).clone()),
            (intern!(py, "reason"), reason),
            (intern!(py, "family"), family_obj),
            (intern!(py, "ceiling"), understands_obj),
            (intern!(py, "tag"), tag_obj),
        ];
        build(py, &c.verdict_cls, &fields).map(Some)
    }
}

/// The fast path of `durable_schema.classify` (a `fastpath` entry), on a
/// module's own `ReadabilityVerdict`, `SchemaTag` and `Readability`: an
/// exact dict record, an exact str family and an exact int ceiling; the
/// verdict is built without running `__init__`.
pub(crate) fn bind_classify_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let fast = SchemaClassify(SchemaClasses::of(module)?);
    Ok(Some(NativeFunction::new("durable_schema.classify", fast, fallback)))
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

/// The fast path of `durable_schema.tag` (a `fastpath` entry): an exact
/// str family and an exact int version that libdos accepts.
pub(crate) fn bind_tag_fast(_module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    Ok(Some(NativeFunction::new("durable_schema.tag", SchemaTagFragment, fallback)))
}

struct RefusalPayload(SchemaClasses);

impl Fast for RefusalPayload {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let verdict = match (a.len(), a.has_kw()) {
            (1, false) => a.get(0),
            _ => match one_or_two(a, intern!(py, "verdict"), intern!(py, "verdict")) {
                Some((v, None)) => v,
                _ => return Ok(None),
            },
        };
        // A verdict (and tag) of exactly the module's classes, with an exact
        // str reason and family and an exact int ceiling and version; the
        // payload echoes those objects, as the reference's does.
        let c = &self.0;
        if !is_type(&verdict, &c.verdict_cls) {
            return Ok(None);
        }
        let names = [intern!(py, "reason"), intern!(py, "family"), intern!(py, "ceiling"), intern!(py, "tag")];
        let Some([reason, family, ceiling_obj, tag]) = read(&verdict, names) else { return Ok(None) };
        if !reason.is_exact_instance_of::<PyString>() || !family.is_exact_instance_of::<PyString>() {
            return Ok(None);
        }
        let Some(ceiling) = exact_i64(&ceiling_obj) else { return Ok(None) };
        if ceiling > durable_schema::MAX_SUPPORTED_CEILING {
            return Ok(None);
        }
        let requested = if tag.is_none() {
            ceiling_obj
        } else {
            if !is_type(&tag, &c.tag_cls) {
                return Ok(None);
            }
            let Some([version]) = read(&tag, [intern!(py, "version")]) else { return Ok(None) };
            if !version.is_exact_instance_of::<pyo3::types::PyInt>() {
                return Ok(None);
            }
            version
        };
        let supported = PyList::new(py, (1..=ceiling.max(0)).collect::<Vec<i64>>())?;
        let out = PyDict::new(py);
        out.set_item(intern!(py, "reason_class"), intern!(py, "SCHEMA_UNREADABLE"))?;
        out.set_item(intern!(py, "family"), family)?;
        out.set_item(intern!(py, "requested"), requested)?;
        out.set_item(intern!(py, "supported"), supported)?;
        out.set_item(intern!(py, "detail"), reason)?;
        Ok(Some(out.into_any()))
    }
}

/// The fast path of `durable_schema.unreadable_refusal_payload` (a
/// `fastpath` entry): a verdict (and tag) of exactly the module's classes.
pub(crate) fn bind_refusal_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let fast = RefusalPayload(SchemaClasses::of(module)?);
    Ok(Some(NativeFunction::new("durable_schema.unreadable_refusal_payload", fast, fallback)))
}
