//! The generic accelerate route, bound natively.
//!
//! `_adapter.bind` hands [`bind_route`] one reference function's parameter
//! plan (names, kinds, default objects, the op argument each feeds, a
//! converter where the route declares one) and a resolver for the
//! reference's own classes. The conversion plan is compiled once, from the
//! op's schema in the catalog (`dos_ops::catalog()`, the same schema the
//! typed modules are generated from): one node per schema type, records and
//! enums resolved to the reference's classes.
//!
//! Per call the plan binds the arguments (positional and keyword, defaults
//! filled in as `inspect.Signature.bind` + `apply_defaults` would), reads the
//! caller's objects directly (exact types only: `type(x) is cls`, exact
//! `str`/`int`/`float`/`bool`/`list`/`tuple`/`dict`; anything else, a
//! subclass, a plugin, a big int, hands the whole call to the original),
//! builds the op's arguments, runs the op and builds the reference's result
//! (its enum members, its dataclasses: `object.__new__` plus
//! `object.__setattr__` per field where the class's `__init__` is the plain
//! generated one, the class itself called otherwise, `__post_init__` and
//! checks included). Nothing is cached between calls but the plan and the
//! reference's classes and enum members.

use crate::convert::{int_of, py_str, to_py, to_value};
use crate::snapshot::Fields;
use crate::swap::{self, CallArgs, Fast, NativeFunction};
use dos_core::envelope::{writable, Args, Ctx, ErrorCode, OpSpec};
use dos_core::pyjson::{tape_value, Dict, Int, Node, Str, Tape, Value};
use dos_core::route::Type;
use pyo3::exceptions::PyValueError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet, PyString, PyTuple, PyType};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// How deep an `Any` value may nest (the Python adapter's limit).
const ANY_DEPTH: usize = 100;

/// One schema type, compiled.
enum Plan {
    Bool,
    Int,
    Float,
    Str,
    Any,
    NoneT,
    Opt(Box<Plan>),
    /// `list[T]`: takes a list or a tuple, answers a list.
    List(Box<Plan>),
    /// `tuple[T, ...]`: takes and answers a tuple.
    TupleOf(Box<Plan>),
    Tuple(Vec<Plan>),
    /// `frozenset[T]`: takes an exact frozenset or set, crosses as the
    /// sorted list the reference's `to_dict` writes, answers a frozenset.
    Set(Box<Plan>),
    Dict(Box<Plan>),
    Record(usize),
    Enum(usize),
}

struct Field {
    name: Py<PyString>,
    key: String,
    plan: Plan,
}

struct RecordPlan {
    cls: Py<PyType>,
    /// In the class's own field order.
    fields: Vec<Field>,
    /// `object.__new__` + `object.__setattr__` is what the class's
    /// `__init__` would do (no `__post_init__`, no custom `__new__`).
    plain: bool,
    /// A frozen class whose fields hold only immutable values (scalars,
    /// tuples, enum members, such records): an instance the caller passed in
    /// may be handed back as it is (see [`RouteFast::same`]).
    immutable: bool,
    /// The verdict holds this type somewhere.
    in_verdict: bool,
}

struct EnumPlan {
    cls: Py<PyType>,
    /// Wire token and the member the class answers for it.
    members: Vec<(String, Py<PyAny>)>,
}

/// A parameter of the reference function.
struct Param {
    name: Py<PyString>,
    /// `inspect.Parameter.kind`: 0 positional-only, 1 positional or keyword, 3 keyword-only.
    kind: u8,
    default: Option<Py<PyAny>>,
    target: String,
    converter: Option<Py<PyAny>>,
    plan: Plan,
}

struct RouteFast {
    op: &'static str,
    /// The op's registry entry, looked up once.
    spec: &'static OpSpec,
    /// The op run on a tape of the caller's objects (see [`RouteFast::lay`]).
    run_tape: TapeRun,
    /// The op touches files: it runs with the GIL released.
    touches_files: bool,
    params: Vec<Param>,
    records: Vec<RecordPlan>,
    enums: Vec<EnumPlan>,
    verdict: Plan,
    module: Py<PyAny>,
    result: Option<Py<PyAny>>,
    decline: Py<PyType>,
    finish: Option<Py<PyAny>>,
    /// Per parameter, its default object laid out once (see [`Laid`]).
    laid: Vec<Option<Laid>>,
}

type TapeRun = fn(&Ctx<'_>, &Tape<'_>) -> Result<Value, dos_core::envelope::CallError>;

/// The routed op named `op`, run on a tape.
fn tape_run(op: &str) -> Option<TapeRun> {
    dos_core::deciders::ROUTED.iter().chain(dos_io::ROUTED).flat_map(|m| m.routes.iter()).find(|r| r.spec.name == op).map(|r| r.tape)
}

// ------------------------------------------------------------------ tracing

static TRACING: AtomicBool = AtomicBool::new(false);
static TRACE: Mutex<Option<Py<PyAny>>> = Mutex::new(None);

/// Call `hook(op)` each time a bound route runs its op natively (None:
/// stop). For tests that tell which side answered.
#[crate::guard]
#[pyfunction]
pub(crate) fn _route_trace(hook: Option<Py<PyAny>>) {
    let on = hook.is_some();
    if let Ok(mut t) = TRACE.lock() {
        *t = hook;
    }
    TRACING.store(on, Ordering::SeqCst);
}

/// Tell the trace hook (if any) that `op` ran natively; a hand fast path
/// that serves a routed op calls it too.
pub(crate) fn trace(py: Python<'_>, op: &str) -> PyResult<()> {
    if !TRACING.load(Ordering::Relaxed) {
        return Ok(());
    }
    let hook = TRACE.lock().ok().and_then(|t| t.as_ref().map(|h| h.clone_ref(py)));
    if let Some(h) = hook {
        h.bind(py).call1((op,))?;
    }
    Ok(())
}

// ------------------------------------------------------------------ compiling

struct Compiler<'py> {
    py: Python<'py>,
    resolve: Bound<'py, PyAny>,
    records: Vec<Option<RecordPlan>>,
    enums: Vec<EnumPlan>,
    seen: HashMap<&'static str, Plan>,
}

fn bind_err(msg: String) -> PyErr {
    PyValueError::new_err(msg)
}

impl<'py> Compiler<'py> {
    fn compile(&mut self, t: &Type) -> PyResult<Plan> {
        Ok(match t {
            Type::Bool => Plan::Bool,
            Type::Int => Plan::Int,
            Type::Float => Plan::Float,
            Type::Str => Plan::Str,
            Type::Any => Plan::Any,
            Type::None => Plan::NoneT,
            Type::Optional(x) => Plan::Opt(Box::new(self.compile(x)?)),
            Type::List(x) => Plan::List(Box::new(self.compile(x)?)),
            Type::TupleOf(x) => Plan::TupleOf(Box::new(self.compile(x)?)),
            Type::Tuple(items) => Plan::Tuple(items.iter().map(|x| self.compile(x)).collect::<PyResult<_>>()?),
            Type::Dict(x) => Plan::Dict(Box::new(self.compile(x)?)),
            Type::Set(x) => Plan::Set(Box::new(self.compile(x)?)),
            // Not planned: such an op is served by its fast path or its Python function.
            Type::IntDict(_) => return Err(bind_err(format!("{t}: int-keyed dicts are not planned"))),
            Type::Record(name) | Type::Enum(name) => self.named(name)?,
        })
    }

    fn named(&mut self, name: &'static str) -> PyResult<Plan> {
        if let Some(p) = self.seen.get(name) {
            return Ok(match p {
                Plan::Record(i) => Plan::Record(*i),
                Plan::Enum(i) => Plan::Enum(*i),
                _ => return Err(bind_err(format!("{name}: not a named type"))),
            });
        }
        let cat = dos_ops::catalog();
        let def = cat.type_def(name).ok_or_else(|| bind_err(format!("{name}: not in the catalog")))?;
        // (class, field names in the class's order or None for an enum, plain)
        let got = self.resolve.call1((name,))?;
        let cls = got.get_item(0)?.cast_into::<PyType>()?;
        if def.kind == "enum" {
            let mut members = Vec::new();
            for v in &def.variants {
                // What the Python adapter's decoder does: the class called on the token.
                if let Ok(m) = cls.call1((v.token.as_str(),)) {
                    members.push((v.token.clone(), m.unbind()));
                }
            }
            self.enums.push(EnumPlan { cls: cls.unbind(), members });
            let i = self.enums.len() - 1;
            self.seen.insert(name, Plan::Enum(i));
            return Ok(Plan::Enum(i));
        }
        let names: Vec<String> = got.get_item(1)?.extract()?;
        let plain: bool = got.get_item(2)?.extract()?;
        let frozen: bool = got.get_item(3)?.extract()?;
        let i = self.records.len();
        self.records.push(None);
        self.seen.insert(name, Plan::Record(i));
        let mut fields = Vec::with_capacity(names.len());
        for n in names {
            // The class's attribute (`cls`) may differ from the wire key (`class`).
            let f = def.fields.iter().find(|f| f.attr_name() == n).ok_or_else(|| bind_err(format!("{name}.{n}: not in the schema")))?;
            let plan = self.compile(&f.ty)?;
            fields.push(Field { name: PyString::intern(self.py, &n).unbind(), key: f.name.to_owned(), plan });
        }
        // A property field is served by an op, never one of the class's
        // fields; a derived field is the reference class's property (a
        // generated class holds it as a field).
        let own = def.fields.iter().filter(|f| !f.property).count();
        let underived = def.fields.iter().filter(|f| !f.property && !f.derived).count();
        if fields.len() != own && fields.len() != underived {
            return Err(bind_err(format!("{name}: the class's fields are not the schema's")));
        }
        let immutable = frozen && fields.iter().all(|f| self.immutable(&f.plan));
        self.records[i] = Some(RecordPlan { cls: cls.unbind(), fields, plain, immutable, in_verdict: false });
        Ok(Plan::Record(i))
    }

    /// Whether values of plan `p` are immutable (a record still being
    /// compiled, met again through recursion, counts as mutable).
    fn immutable(&self, p: &Plan) -> bool {
        match p {
            Plan::Bool | Plan::Int | Plan::Float | Plan::Str | Plan::NoneT | Plan::Enum(_) => true,
            Plan::Any | Plan::List(_) | Plan::Dict(_) => false,
            Plan::Opt(x) | Plan::TupleOf(x) | Plan::Set(x) => self.immutable(x),
            Plan::Tuple(items) => items.iter().all(|x| self.immutable(x)),
            Plan::Record(i) => self.records[*i].as_ref().is_some_and(|r| r.immutable),
        }
    }
}

/// Note every record type the plan `p` holds.
fn reach(records: &[RecordPlan], p: &Plan, out: &mut Vec<bool>) {
    match p {
        Plan::Opt(x) | Plan::TupleOf(x) | Plan::List(x) | Plan::Dict(x) | Plan::Set(x) => reach(records, x, out),
        Plan::Tuple(items) => items.iter().for_each(|x| reach(records, x, out)),
        Plan::Record(i) if !out[*i] => {
            out[*i] = true;
            for f in &records[*i].fields {
                reach(records, &f.plan, out);
            }
        }
        _ => {}
    }
}

/// The native swap of one reference function on the generated route.
///
/// `params`: `(name, kind, default, target, converter)` per parameter of the
/// reference's signature, in order (`default` is `empty` when there is none;
/// `converter(value, module)` returns the op argument's JSON value or raises
/// `decline`). `resolve(type_name)` answers `(cls, field_names, plain)` for
/// a record and `(cls, None, False)` for an enum. `result(verdict)`, when
/// given, builds the reference's value from the op's plain verdict;
/// `finish(value)`, when given, finishes the value built from it.
#[crate::guard]
#[pyfunction]
#[pyo3(signature = (op, fallback, params, empty, resolve, module, result, decline, finish=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn bind_route(
    py: Python<'_>,
    op: &str,
    fallback: Py<PyAny>,
    params: &Bound<'_, PyAny>,
    empty: &Bound<'_, PyAny>,
    resolve: &Bound<'_, PyAny>,
    module: Py<PyAny>,
    result: Option<Py<PyAny>>,
    decline: &Bound<'_, PyType>,
    finish: Option<Py<PyAny>>,
) -> PyResult<NativeFunction> {
    let cat = dos_ops::catalog();
    let entry = cat.op(op).filter(|o| o.typed).ok_or_else(|| bind_err(format!("{op}: not a routed op")))?;
    let mut c = Compiler { py, resolve: resolve.clone(), records: Vec::new(), enums: Vec::new(), seen: HashMap::new() };
    let mut out = Vec::new();
    for p in params.try_iter()? {
        let p = p?;
        let name = p.get_item(0)?.cast_into::<PyString>()?;
        let kind: u8 = p.get_item(1)?.extract()?;
        if !matches!(kind, 0 | 1 | 3) {
            return Err(bind_err(format!("{op}: a parameter of kind {kind}")));
        }
        let default = p.get_item(2)?;
        let default = (!default.is(empty)).then(|| default.unbind());
        let target: String = p.get_item(3)?.extract()?;
        let converter = p.get_item(4)?;
        let converter = (!converter.is_none()).then(|| converter.unbind());
        let field = entry.params.iter().find(|f| f.name == target).ok_or_else(|| bind_err(format!("{op}: no argument {target}")))?;
        // A converter makes the argument's value itself: no plan to compile.
        let plan = if converter.is_some() { Plan::Any } else { c.compile(&field.ty)? };
        out.push(Param { name: PyString::intern(py, name.to_str()?).unbind(), kind, default, target, converter, plan });
    }
    // A result hook builds the reference's value from the plain verdict:
    // the verdict's types are then not read here (nor resolved to classes).
    let verdict = if result.is_some() { Plan::Any } else { c.compile(&entry.verdict)? };
    let spec = dos_ops::find_op(entry.op).ok_or_else(|| bind_err(format!("{op}: not in the registry")))?;
    let mut records: Vec<RecordPlan> =
        c.records.into_iter().map(|r| r.ok_or_else(|| bind_err("a record left unresolved".into()))).collect::<PyResult<_>>()?;
    let mut held = vec![false; records.len()];
    reach(&records, &verdict, &mut held);
    for (r, h) in records.iter_mut().zip(held) {
        r.in_verdict = h;
    }
    let run_tape = tape_run(entry.op).ok_or_else(|| bind_err(format!("{op}: not a routed op")))?;
    let fast = RouteFast {
        op: entry.op,
        spec,
        run_tape,
        touches_files: entry.effect != dos_core::route::Effect::Pure,
        params: out,
        records,
        enums: c.enums,
        verdict,
        module,
        result,
        decline: decline.clone().unbind(),
        finish,
        laid: Vec::new(),
    };
    let mut fast = fast;
    fast.laid = fast
        .params
        .iter()
        .map(|p| if p.converter.is_some() { None } else { p.default.as_ref().and_then(|d| fast.lay_default(&p.plan, d.bind(py))) })
        .collect();
    Ok(NativeFunction::new(entry.op, fast, fallback))
}

// ------------------------------------------------------------------ per call

/// The immutable records the caller passed in, by record plan (candidates
/// for the verdict's equal records).
type Seen<'py> = Vec<(usize, Bound<'py, PyAny>)>;

/// Not served natively: hand the call to the original.
struct No;

type Got<T> = Result<T, No>;

fn attr<'py>(obj: &Bound<'py, PyAny>, name: &Py<PyString>) -> Got<Bound<'py, PyAny>> {
    // SAFETY: live object and name; a new reference or NULL with an exception set.
    unsafe {
        let v = ffi::PyObject_GetAttr(obj.as_ptr(), name.as_ptr());
        if v.is_null() {
            ffi::PyErr_Clear();
            return Err(No);
        }
        Ok(Bound::from_owned_ptr(obj.py(), v))
    }
}

fn small_int(x: &Bound<'_, PyAny>) -> Got<i64> {
    let mut overflow: std::os::raw::c_int = 0;
    // SAFETY: an exact int (checked by the caller); overflow is reported by the flag.
    let v = unsafe { ffi::PyLong_AsLongLongAndOverflow(x.as_ptr(), &mut overflow) };
    if overflow != 0 {
        return Err(No);
    }
    if v == -1 && PyErr::take(x.py()).is_some() {
        return Err(No);
    }
    Ok(v)
}

fn text(x: &Bound<'_, PyAny>) -> Got<Str> {
    let s = x.cast_exact::<PyString>().map_err(|_| No)?;
    py_str(s).map_err(|_| No)
}

impl RouteFast {
    fn enc<'py>(&self, p: &Plan, x: &Bound<'py, PyAny>, seen: &mut Seen<'py>) -> Got<Value> {
        Ok(match p {
            Plan::Bool => Value::Bool(x.cast_exact::<PyBool>().map_err(|_| No)?.is_true()),
            Plan::Int => {
                if !x.is_exact_instance_of::<PyInt>() {
                    return Err(No);
                }
                Value::Int(Int::Small(small_int(x)?))
            }
            Plan::Float => {
                if let Ok(f) = x.cast_exact::<PyFloat>() {
                    Value::Float(f.value())
                } else if x.is_exact_instance_of::<PyInt>() {
                    Value::Int(int_of(x).map_err(|_| No)?)
                } else {
                    return Err(No);
                }
            }
            Plan::Str => Value::Str(text(x)?),
            Plan::Any => any(x, 0)?,
            Plan::NoneT => {
                if !x.is_none() {
                    return Err(No);
                }
                Value::Null
            }
            Plan::Opt(inner) => {
                if x.is_none() {
                    Value::Null
                } else {
                    self.enc(inner, x, seen)?
                }
            }
            Plan::List(item) => {
                if let Ok(l) = x.cast_exact::<PyList>() {
                    // Items read by index: a list the caller's code could
                    // change under us is read as it is now, item by item.
                    let mut out = Vec::with_capacity(l.len());
                    for v in l.iter() {
                        out.push(self.enc(item, &v, seen)?);
                    }
                    Value::List(out)
                } else if let Ok(t) = x.cast_exact::<PyTuple>() {
                    Value::List(t.iter_borrowed().map(|v| self.enc(item, &v, seen)).collect::<Got<_>>()?)
                } else {
                    return Err(No);
                }
            }
            Plan::TupleOf(item) => {
                let t = x.cast_exact::<PyTuple>().map_err(|_| No)?;
                Value::List(t.iter_borrowed().map(|v| self.enc(item, &v, seen)).collect::<Got<_>>()?)
            }
            Plan::Tuple(items) => {
                let t = x.cast_exact::<PyTuple>().map_err(|_| No)?;
                if t.len() != items.len() {
                    return Err(No);
                }
                Value::List(items.iter().zip(t.iter_borrowed()).map(|(p, v)| self.enc(p, &v, seen)).collect::<Got<_>>()?)
            }
            Plan::Set(item) => {
                if !(x.is_exact_instance_of::<PyFrozenSet>() || x.is_exact_instance_of::<PySet>()) {
                    return Err(No);
                }
                let mut out = Vec::new();
                for v in x.try_iter().map_err(|_| No)? {
                    out.push(self.enc(item, &v.map_err(|_| No)?, seen)?);
                }
                sort_set(&mut out)?;
                Value::List(out)
            }
            Plan::Dict(val) => {
                let d = x.cast_exact::<PyDict>().map_err(|_| No)?;
                let mut out = Dict::with_capacity(d.len());
                for (k, v) in d.iter() {
                    out.push(text(&k)?, self.enc(val, &v, seen)?);
                }
                Value::Dict(out)
            }
            Plan::Record(i) => {
                let r = &self.records[*i];
                if x.get_type().as_ptr() != r.cls.as_ptr() {
                    return Err(No);
                }
                let mut out = Dict::with_capacity(r.fields.len());
                for f in &r.fields {
                    let v = attr(x, &f.name)?;
                    out.push(Str::Utf8(f.key.clone()), self.enc(&f.plan, &v, seen)?);
                }
                if r.immutable && r.in_verdict {
                    seen.push((*i, x.clone()));
                }
                Value::Dict(out)
            }
            Plan::Enum(i) => {
                let e = &self.enums[*i];
                if x.get_type().as_ptr() != e.cls.as_ptr() {
                    return Err(No);
                }
                match e.members.iter().find(|(_, m)| m.as_ptr() == x.as_ptr()) {
                    Some((token, _)) => Value::Str(Str::Utf8(token.clone())),
                    // A member the schema has no token for: its value, which
                    // the op then refuses (BAD_ARGS: the original answers).
                    None => Value::Str(text(&x.getattr(pyo3::intern!(x.py(), "_value_")).map_err(|_| No)?)?),
                }
            }
        })
    }

    /// Lay `x` (read as plan `p` takes it) out on the tape: what [`enc`]
    /// builds, with the texts borrowed from the caller's `str` objects (kept
    /// alive in `keep` until the op has run) and the keys from the plan.
    ///
    /// [`enc`]: RouteFast::enc
    fn lay<'t, 'py>(
        &'t self,
        p: &'t Plan,
        x: &Bound<'py, PyAny>,
        seen: &mut Seen<'py>,
        keep: &mut Vec<Bound<'py, PyAny>>,
        out: &mut Vec<Node<'t>>,
    ) -> Got<()> {
        match p {
            Plan::Str => {
                if !x.is_exact_instance_of::<PyString>() {
                    return Err(No);
                }
                match crate::fast::utf8_of(x) {
                    Some(s) => {
                        // SAFETY: the slice is the str object's own UTF-8
                        // buffer, which lives as long as the object; the
                        // object is held in `keep`, which the caller drops
                        // only after the tape.
                        let s: &'t str = unsafe { &*(s as *const str) };
                        keep.push(x.clone());
                        out.push(Node::Str(s));
                    }
                    // A lone surrogate: as the value path carries it.
                    None => out.push(Node::Value(Value::Str(text(x)?))),
                }
            }
            Plan::Enum(i) => {
                let e = &self.enums[*i];
                if x.get_type().as_ptr() != e.cls.as_ptr() {
                    return Err(No);
                }
                match e.members.iter().find(|(_, m)| m.as_ptr() == x.as_ptr()) {
                    Some((token, _)) => out.push(Node::Str(token.as_str())),
                    None => out.push(Node::Value(self.enc(p, x, seen)?)),
                }
            }
            Plan::Opt(inner) => {
                if x.is_none() {
                    out.push(Node::Value(Value::Null));
                } else {
                    self.lay(inner, x, seen, keep, out)?;
                }
            }
            Plan::List(item) => {
                let at = out.len();
                out.push(Node::Seq { len: 0, end: 0 });
                let len = if let Ok(l) = x.cast_exact::<PyList>() {
                    // Read item by item, as `enc` reads a list.
                    let mut n = 0;
                    for v in l.iter() {
                        self.lay(item, &v, seen, keep, out)?;
                        n += 1;
                    }
                    n
                } else if let Ok(t) = x.cast_exact::<PyTuple>() {
                    for v in t.iter_borrowed() {
                        self.lay(item, &v, seen, keep, out)?;
                    }
                    t.len()
                } else {
                    return Err(No);
                };
                out[at] = Node::Seq { len, end: out.len() };
            }
            Plan::TupleOf(item) => {
                let t = x.cast_exact::<PyTuple>().map_err(|_| No)?;
                let at = out.len();
                out.push(Node::Seq { len: 0, end: 0 });
                for v in t.iter_borrowed() {
                    self.lay(item, &v, seen, keep, out)?;
                }
                out[at] = Node::Seq { len: t.len(), end: out.len() };
            }
            Plan::Tuple(items) => {
                let t = x.cast_exact::<PyTuple>().map_err(|_| No)?;
                if t.len() != items.len() {
                    return Err(No);
                }
                let at = out.len();
                out.push(Node::Seq { len: 0, end: 0 });
                for (q, v) in items.iter().zip(t.iter_borrowed()) {
                    self.lay(q, &v, seen, keep, out)?;
                }
                out[at] = Node::Seq { len: t.len(), end: out.len() };
            }
            Plan::Dict(val) => {
                let d = x.cast_exact::<PyDict>().map_err(|_| No)?;
                let at = out.len();
                out.push(Node::Map { len: 0, end: 0 });
                let mut n = 0;
                for (k, v) in d.iter() {
                    let key = if k.is_exact_instance_of::<PyString>() { crate::fast::utf8_of(&k) } else { None };
                    let Some(key) = key else {
                        // A key the tape cannot borrow: the whole dict as a value.
                        out.truncate(at);
                        out.push(Node::Value(self.enc(p, x, seen)?));
                        return Ok(());
                    };
                    // SAFETY: as for `Plan::Str` (the key held in `keep`).
                    let key: &'t str = unsafe { &*(key as *const str) };
                    keep.push(k.clone());
                    out.push(Node::Key(key));
                    self.lay(val, &v, seen, keep, out)?;
                    n += 1;
                }
                out[at] = Node::Map { len: n, end: out.len() };
            }
            Plan::Record(i) => {
                let r = &self.records[*i];
                if x.get_type().as_ptr() != r.cls.as_ptr() {
                    return Err(No);
                }
                let at = out.len();
                out.push(Node::Map { len: r.fields.len(), end: 0 });
                for f in &r.fields {
                    let v = attr(x, &f.name)?;
                    out.push(Node::Key(f.key.as_str()));
                    self.lay(&f.plan, &v, seen, keep, out)?;
                }
                out[at] = Node::Map { len: r.fields.len(), end: out.len() };
                if r.immutable && r.in_verdict {
                    seen.push((*i, x.clone()));
                }
            }
            Plan::Bool | Plan::Int | Plan::Float | Plan::Any | Plan::NoneT | Plan::Set(_) => out.push(Node::Value(self.enc(p, x, seen)?)),
        }
        Ok(())
    }

    fn dec<'py>(&self, py: Python<'py>, p: &Plan, v: &Value, seen: &Seen<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match (p, v) {
            (Plan::Opt(_), Value::Null) => py.None().into_bound(py),
            (Plan::Opt(inner), v) => self.dec(py, inner, v, seen)?,
            (Plan::List(item), Value::List(xs)) => {
                let l = PyList::empty(py);
                for x in xs {
                    l.append(self.dec(py, item, x, seen)?)?;
                }
                l.into_any()
            }
            (Plan::TupleOf(item), Value::List(xs)) => {
                PyTuple::new(py, xs.iter().map(|x| self.dec(py, item, x, seen)).collect::<PyResult<Vec<_>>>()?)?.into_any()
            }
            (Plan::Set(item), Value::List(xs)) => {
                PyFrozenSet::new(py, xs.iter().map(|x| self.dec(py, item, x, seen)).collect::<PyResult<Vec<_>>>()?)?.into_any()
            }
            (Plan::Tuple(items), Value::List(xs)) => {
                PyTuple::new(py, items.iter().zip(xs).map(|(p, x)| self.dec(py, p, x, seen)).collect::<PyResult<Vec<_>>>()?)?.into_any()
            }
            (Plan::Dict(val), Value::Dict(d)) => {
                let out = PyDict::new(py);
                for (k, x) in d.iter() {
                    out.set_item(to_py(py, &Value::Str(k.clone()))?, self.dec(py, val, x, seen)?)?;
                }
                out.into_any()
            }
            (Plan::Enum(i), Value::Str(Str::Utf8(t))) => {
                let e = &self.enums[*i];
                match e.members.iter().find(|(token, _)| token == t) {
                    Some((_, m)) => m.bind(py).clone(),
                    None => e.cls.bind(py).call1((t.as_str(),))?,
                }
            }
            (Plan::Record(i), Value::Dict(d)) => {
                let r = &self.records[*i];
                // An immutable record equal to one the caller passed in is
                // that object (the reference hands its inputs back: a
                // ladder's own rung, say).
                match seen.iter().find(|(k, o)| k == i && self.same(&Plan::Record(*i), o, v, 0)) {
                    Some((_, o)) => o.clone(),
                    None => self.record(py, r, d, seen)?,
                }
            }
            (Plan::Record(_) | Plan::Enum(_), _) => {
                return Err(PyValueError::new_err("the verdict does not have the schema's shape"));
            }
            (_, v) => to_py(py, v)?,
        })
    }

    fn record<'py>(&self, py: Python<'py>, r: &RecordPlan, d: &Dict, seen: &Seen<'py>) -> PyResult<Bound<'py, PyAny>> {
        let mut entries = d.iter();
        let mut values = Vec::with_capacity(r.fields.len());
        for f in &r.fields {
            // The verdict's keys come in the schema's order, which is
            // usually the class's: try the same place first.
            let hit = match entries.next() {
                Some((Str::Utf8(k), v)) if *k == f.key => Some(v),
                _ => d.get(&f.key),
            };
            let v = hit.ok_or_else(|| PyValueError::new_err(format!("the verdict has no {}", f.key)))?;
            values.push(self.dec(py, &f.plan, v, seen)?);
        }
        if r.plain {
            let fields: Vec<(&Bound<'py, PyString>, Bound<'py, PyAny>)> = r.fields.iter().map(|f| f.name.bind(py)).zip(values).collect();
            return crate::fast::build(py, &r.cls, &fields);
        }
        let kw = PyDict::new(py);
        for (f, v) in r.fields.iter().zip(values) {
            kw.set_item(f.name.bind(py), v)?;
        }
        r.cls.bind(py).call((), Some(&kw))
    }

    /// Whether `x` (read as plan `p` takes it) is exactly the value `v`.
    fn same(&self, p: &Plan, x: &Bound<'_, PyAny>, v: &Value, depth: usize) -> bool {
        if depth > ANY_DEPTH {
            return false;
        }
        match (p, v) {
            (Plan::Opt(_), Value::Null) | (Plan::NoneT, Value::Null) => x.is_none(),
            (Plan::Opt(inner), v) => !x.is_none() && self.same(inner, x, v, depth + 1),
            (Plan::Bool, Value::Bool(b)) => x.cast_exact::<PyBool>().is_ok_and(|y| y.is_true() == *b),
            (Plan::Int | Plan::Float, Value::Int(Int::Small(n))) => {
                x.is_exact_instance_of::<PyInt>() && small_int(x).is_ok_and(|m| m == *n)
            }
            (Plan::Float, Value::Float(f)) => x.cast_exact::<PyFloat>().is_ok_and(|y| y.value().to_bits() == f.to_bits()),
            (Plan::Str, Value::Str(Str::Utf8(t))) => {
                x.is_exact_instance_of::<PyString>() && crate::fast::utf8_of(x).is_some_and(|y| y == t)
            }
            (Plan::Enum(i), Value::Str(Str::Utf8(t))) => {
                self.enums[*i].members.iter().any(|(token, m)| token == t && m.as_ptr() == x.as_ptr())
            }
            (Plan::TupleOf(item), Value::List(xs)) => x
                .cast_exact::<PyTuple>()
                .is_ok_and(|tu| tu.len() == xs.len() && tu.iter_borrowed().zip(xs).all(|(y, w)| self.same(item, &y, w, depth + 1))),
            (Plan::Tuple(items), Value::List(xs)) => x.cast_exact::<PyTuple>().is_ok_and(|tu| {
                tu.len() == xs.len()
                    && items.len() == xs.len()
                    && tu.iter_borrowed().zip(xs).zip(items).all(|((y, w), q)| self.same(q, &y, w, depth + 1))
            }),
            (Plan::Record(i), Value::Dict(d)) => {
                let r = &self.records[*i];
                x.get_type().as_ptr() == r.cls.as_ptr()
                    && d.len() == r.fields.len()
                    && r.fields.iter().all(|f| match (d.get(&f.key), attr(x, &f.name)) {
                        (Some(w), Ok(y)) => self.same(&f.plan, &y, w, depth + 1),
                        _ => false,
                    })
            }
            _ => false,
        }
    }

    /// The call's arguments by parameter, defaults filled in; `None` when the
    /// call does not bind (the original then raises its own TypeError).
    fn bind_call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> Option<Vec<Bound<'py, PyAny>>> {
        let mut slots: Vec<Option<Bound<'py, PyAny>>> = vec![None; self.params.len()];
        let positional = self.params.iter().take_while(|p| p.kind != 3).count();
        if a.len() > positional {
            return None;
        }
        for (i, slot) in slots.iter_mut().enumerate().take(a.len()) {
            *slot = Some(a.get(i));
        }
        for (k, v) in a.kw() {
            let k = k.cast::<PyString>().ok()?;
            let i = self.params.iter().position(|p| p.kind != 0 && crate::fast::same_name(k, p.name.bind(py)))?;
            if slots[i].is_some() {
                return None;
            }
            slots[i] = Some(v);
        }
        slots.into_iter().zip(&self.params).map(|(s, p)| s.or_else(|| p.default.as_ref().map(|d| d.bind(py).clone()))).collect()
    }
}

/// A set's items in the order the reference's `sorted()` gives them: texts
/// by code point, small ints by value; a mix, or other items, is not served.
fn sort_set(items: &mut [Value]) -> Got<()> {
    if items.iter().all(|v| matches!(v, Value::Str(_))) {
        items.sort_by(|a, b| match (a, b) {
            (Value::Str(Str::Utf8(x)), Value::Str(Str::Utf8(y))) => x.cmp(y),
            (Value::Str(x), Value::Str(y)) => x.code_points().cmp(y.code_points()),
            _ => std::cmp::Ordering::Equal,
        });
        return Ok(());
    }
    if items.iter().all(|v| matches!(v, Value::Int(Int::Small(_)))) {
        items.sort_by_key(|v| match v {
            Value::Int(Int::Small(n)) => *n,
            _ => 0,
        });
        return Ok(());
    }
    Err(No)
}

/// Exact JSON (the Python adapter's `_json_exact`): `None`, `bool`, `int`,
/// `float`, `str`, `list` and `dict` with `str` keys, exactly those types.
fn any(x: &Bound<'_, PyAny>, depth: usize) -> Got<Value> {
    if x.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = x.cast_exact::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if x.is_exact_instance_of::<PyInt>() {
        return int_of(x).map(Value::Int).map_err(|_| No);
    }
    if let Ok(f) = x.cast_exact::<PyFloat>() {
        return Ok(Value::Float(f.value()));
    }
    if x.is_exact_instance_of::<PyString>() {
        return text(x).map(Value::Str);
    }
    if depth > ANY_DEPTH {
        return Err(No);
    }
    if let Ok(l) = x.cast_exact::<PyList>() {
        let mut out = Vec::with_capacity(l.len());
        for v in l.iter() {
            out.push(any(&v, depth + 1)?);
        }
        return Ok(Value::List(out));
    }
    if let Ok(d) = x.cast_exact::<PyDict>() {
        let mut out = Dict::with_capacity(d.len());
        for (k, v) in d.iter() {
            out.push(text(&k)?, any(&v, depth + 1)?);
        }
        return Ok(Value::Dict(out));
    }
    Err(No)
}

// ------------------------------------------------------------------ default arguments

/// A parameter's default object laid out on a tape once, at bind time, and
/// what proves it unchanged since (issue 9 item 6: a default mutated in
/// place is laid afresh, never served as it was). The reference's default
/// policies and ladders are frozen records of texts, tuples and enum
/// members: checking that each record still holds the very field values it
/// held (see [`Fields`]) costs a dict lookup per field, laying it out an
/// attribute read, a UTF-8 look-up and a node per field.
struct Laid {
    hold: Hold,
    /// The default's nodes, their `end`s counted from the first of them.
    /// The texts they borrow belong to the plan (keys, tokens) or to the
    /// `str` objects in `keep`.
    nodes: Vec<Node<'static>>,
    /// The immutable records the default holds that the verdict may hand
    /// back (see [`Seen`]).
    seen: Vec<(usize, Py<PyAny>)>,
    _keep: Vec<Py<PyAny>>,
}

/// What proves a laid-out default unchanged, following the plan.
enum Hold {
    /// An immutable value (a scalar, a text, an enum member): its identity,
    /// compared by whatever holds it, is enough.
    Leaf,
    /// A record: its own fields as they were (type, instance dict, each
    /// field's value by identity, and what a list or dict there holds), and
    /// the holds of the fields (by index) that are records or hold some.
    Rec(Box<Fields>, Vec<(usize, Hold)>),
    /// A tuple, or a list its record tracks by item: the holds of the items
    /// (by index) that are records or hold some.
    Items(Vec<(usize, Hold)>),
}

impl Hold {
    fn holds(&self, x: &Bound<'_, PyAny>) -> bool {
        match self {
            Hold::Leaf => true,
            Hold::Rec(f, nested) => f.holds(x) && nested.iter().all(|(i, h)| f.value(x.py(), *i).is_some_and(|v| h.holds(v))),
            Hold::Items(items) => {
                if let Ok(t) = x.cast_exact::<PyTuple>() {
                    items.iter().all(|(i, h)| t.get_borrowed_item(*i).is_ok_and(|v| h.holds(&v)))
                } else if let Ok(l) = x.cast_exact::<PyList>() {
                    items.iter().all(|(i, h)| l.get_item(*i).is_ok_and(|v| h.holds(&v)))
                } else {
                    false
                }
            }
        }
    }
}

impl RouteFast {
    /// `x` (a parameter's default, read as plan `p` takes it) laid out
    /// once, with what proves it unchanged; `None` when it cannot be (then
    /// each call lays it out as it lays any argument).
    fn lay_default(&self, p: &Plan, x: &Bound<'_, PyAny>) -> Option<Laid> {
        let hold = self.hold(p, x, false)?;
        // Only what is worth keeping: a record, or a sequence of some.
        if matches!(hold, Hold::Leaf) {
            return None;
        }
        let mut seen: Seen<'_> = Vec::new();
        let mut keep = Vec::new();
        let mut nodes: Vec<Node<'_>> = Vec::new();
        self.lay(p, x, &mut seen, &mut keep, &mut nodes).ok()?;
        // SAFETY: the nodes borrow texts from this plan (its records' field
        // keys and its enums' tokens: heap buffers that neither move nor
        // change while the binder lives, and `Laid` lives in the binder) and
        // from the `str` objects in `keep`, held as long as the nodes.
        let nodes: Vec<Node<'static>> = unsafe { std::mem::transmute::<Vec<Node<'_>>, Vec<Node<'static>>>(nodes) };
        Some(Laid {
            hold,
            nodes,
            seen: seen.into_iter().map(|(i, o)| (i, o.unbind())).collect(),
            _keep: keep.into_iter().map(|k| k.unbind()).collect(),
        })
    }

    /// What proves `x` (read as plan `p` takes it) unchanged; `covered`:
    /// a record holding it already compares its lists and dicts item by
    /// item. `None` for what this does not follow (a list or dict no
    /// record tracks, records inside a dict, an object whose fields are not
    /// plain instance attributes).
    fn hold(&self, p: &Plan, x: &Bound<'_, PyAny>, covered: bool) -> Option<Hold> {
        match p {
            Plan::Bool | Plan::Int | Plan::Float | Plan::Str | Plan::NoneT | Plan::Enum(_) => Some(Hold::Leaf),
            Plan::Any => (covered
                || !(x.is_exact_instance_of::<PyList>() || x.is_exact_instance_of::<PyDict>() || x.is_exact_instance_of::<PyTuple>()))
            .then_some(Hold::Leaf),
            Plan::Opt(inner) => {
                if x.is_none() {
                    Some(Hold::Leaf)
                } else {
                    self.hold(inner, x, covered)
                }
            }
            Plan::List(item) | Plan::TupleOf(item) => self.hold_items(x, covered, |_| item),
            // A frozenset of scalars cannot change; a `set` can, and is not
            // followed.
            Plan::Set(item) => (x.is_exact_instance_of::<pyo3::types::PyFrozenSet>()
                && matches!(**item, Plan::Bool | Plan::Int | Plan::Float | Plan::Str | Plan::NoneT | Plan::Enum(_)))
            .then_some(Hold::Leaf),
            Plan::Tuple(items) => {
                let t = x.cast_exact::<PyTuple>().ok()?;
                if t.len() != items.len() {
                    return None;
                }
                self.hold_items(x, covered, |i| &items[i])
            }
            Plan::Dict(val) => {
                let d = x.cast_exact::<PyDict>().ok()?;
                if !covered {
                    return None;
                }
                for (_, v) in d.iter() {
                    if !matches!(self.hold(val, &v, true)?, Hold::Leaf) {
                        return None;
                    }
                }
                Some(Hold::Leaf)
            }
            Plan::Record(i) => {
                let r = &self.records[*i];
                if x.get_type().as_ptr() != r.cls.as_ptr() {
                    return None;
                }
                let py = x.py();
                let names: Vec<&Bound<'_, PyString>> = r.fields.iter().map(|f| f.name.bind(py)).collect();
                let fields = Fields::take(x, &names)?;
                let mut nested = Vec::new();
                for (j, f) in r.fields.iter().enumerate() {
                    let v = fields.value(py, j)?;
                    match self.hold(&f.plan, v, true)? {
                        Hold::Leaf => {}
                        h => nested.push((j, h)),
                    }
                }
                Some(Hold::Rec(Box::new(fields), nested))
            }
        }
    }

    /// [`hold`](RouteFast::hold) for a tuple or list whose item `i` is read
    /// as plan `item(i)`.
    fn hold_items<'p>(&self, x: &Bound<'_, PyAny>, covered: bool, item: impl Fn(usize) -> &'p Plan) -> Option<Hold> {
        let items: Vec<Bound<'_, PyAny>> = if let Ok(t) = x.cast_exact::<PyTuple>() {
            t.iter().collect()
        } else if let Ok(l) = x.cast_exact::<PyList>() {
            if !covered {
                return None;
            }
            l.iter().collect()
        } else {
            return None;
        };
        let mut out = Vec::new();
        for (i, v) in items.iter().enumerate() {
            match self.hold(item(i), v, covered)? {
                Hold::Leaf => {}
                h => out.push((i, h)),
            }
        }
        Some(if out.is_empty() { Hold::Leaf } else { Hold::Items(out) })
    }

    /// Put parameter `i`'s laid-out default on the tape when `x` is that
    /// default and it still holds what it held; false otherwise.
    fn lay_laid<'t, 'py>(&'t self, i: usize, x: &Bound<'py, PyAny>, seen: &mut Seen<'py>, out: &mut Vec<Node<'t>>) -> bool {
        let Some(Some(l)) = self.laid.get(i) else { return false };
        let is_default = self.params[i].default.as_ref().is_some_and(|d| d.as_ptr() == x.as_ptr());
        if !is_default || !l.hold.holds(x) {
            return false;
        }
        let base = out.len();
        out.reserve(l.nodes.len());
        for n in &l.nodes {
            out.push(match n {
                Node::Value(v) => Node::Value(v.clone()),
                Node::Str(s) => Node::Str(s),
                Node::Key(s) => Node::Key(s),
                Node::Seq { len, end } => Node::Seq { len: *len, end: end + base },
                Node::Map { len, end } => Node::Map { len: *len, end: end + base },
            });
        }
        let py = x.py();
        seen.extend(l.seen.iter().map(|(k, o)| (*k, o.bind(py).clone())));
        true
    }
}

impl Fast for RouteFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(values) = self.bind_call(py, a) else { return Ok(None) };
        // The caller's objects whose texts the tape borrows: dropped after it.
        let mut keep: Vec<Bound<'py, PyAny>> = Vec::with_capacity(32);
        let laid: usize = self.laid.iter().flatten().map(|l| l.nodes.len()).sum();
        let mut tape: Vec<Node<'_>> = Vec::with_capacity(32 + laid);
        tape.push(Node::Map { len: self.params.len(), end: 0 });
        let mut seen: Seen<'py> = Vec::new();
        for (i, (p, x)) in self.params.iter().zip(&values).enumerate() {
            tape.push(Node::Key(p.target.as_str()));
            match &p.converter {
                None => {
                    if self.lay_laid(i, x, &mut seen, &mut tape) {
                        continue;
                    }
                    if self.lay(&p.plan, x, &mut seen, &mut keep, &mut tape).is_err() {
                        return Ok(None);
                    }
                }
                Some(conv) => match conv.bind(py).call1((x, self.module.bind(py))) {
                    Ok(out) => match to_value(&out, 0) {
                        Ok(v) => tape.push(Node::Value(v)),
                        Err(_) => return Ok(None),
                    },
                    Err(e) if e.is_instance(py, self.decline.bind(py)) => return Ok(None),
                    // The converter read the caller's objects: what it
                    // raised is the call's outcome (not run twice).
                    Err(e) => return Err(swap::raised(py, e)),
                },
            }
        }
        let end = tape.len();
        tape[0] = Node::Map { len: self.params.len(), end };
        trace(py, self.op).map_err(|e| swap::raised(py, e))?;
        // What `dos_ops::dispatch` does with no config: the op looked up at
        // bind time, its arguments read straight off the tape (their names
        // are the op's own), the verdict's integers checked as it checks
        // them (the arguments rebuilt only to name one that is too wide).
        let run = || {
            let ctx = Ctx { config: None, prebuilt: None };
            (self.run_tape)(&ctx, &tape).and_then(|v| match writable(self.spec.name, &Dict::new(), v) {
                Ok(v) => Ok(v),
                Err(_) => {
                    let args = match tape_value(&tape) {
                        Value::Dict(d) => d,
                        _ => Dict::new(),
                    };
                    let a = Args::new(self.spec.name, &args);
                    (self.spec.run)(&ctx, &a).and_then(|v| writable(self.spec.name, &args, v))
                }
            })
        };
        let verdict = match if self.touches_files { py.detach(run) } else { run() } {
            Ok(v) => v,
            Err(e) if e.code == ErrorCode::BadArgs => return Ok(None),
            Err(e) => return Err(swap::raised(py, crate::errors::from_call(py, e))),
        };
        drop(tape);
        drop(keep);
        let out = match &self.result {
            Some(hook) => {
                let plain = to_py(py, &verdict)?;
                hook.bind(py).call1((plain,))
            }
            None => self.dec(py, &self.verdict, &verdict, &seen),
        };
        let out = match (&self.finish, out) {
            (Some(f), Ok(v)) => f.bind(py).call1((v,)),
            (_, out) => out,
        };
        match out {
            Ok(o) => Ok(Some(o)),
            // Building the reference's value failed: the original answers.
            Err(_) => Ok(None),
        }
    }
}

/// Add the binder to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(bind_route, m)?)?;
    m.add_function(wrap_pyfunction!(_route_trace, m)?)?;
    Ok(())
}
