//! The hand fast paths of `precursor_gate.classify_call` and
//! `precursor_gate.precursor_intervention`, hung off the generated route by
//! `crate::fastpath` (issue 10 asks 5× over the reference for every
//! classifier leaf; the generic binder's fixed cost per call kept them at
//! 1.4× and 0.5×: docs/benchmarks.md).
//!
//! `classify_call` reads what the reference reads and nothing else: the
//! call's name and mutating flag, the grammar's entries for that name (the
//! `requires` entry under its canonical key and, for each declared
//! precursor, its `aliases` entries) and, only when the verdict depends on
//! them, the prior calls' names. The grammar is looked up in place (a
//! projection of the few entries read, not a copy of the whole table), the
//! core's `judge` decides, and the module's own `PrecursorVerdict` is built
//! directly, its reason written when first read (typed) or at once (the
//! reference's class).
//!
//! `precursor_intervention` answers a non-REFUTED verdict with `None` after
//! one identity compare; for a REFUTED one it hands back the intervention
//! module's own WARN rung object (as the reference's `BASE_INTERVENTIONS.get`
//! does), proved current per call by `snapshot::Pinned`.
//!
//! Anything either does not vouch for (a subclass, a sequence or mapping of
//! another type, a name that is not UTF-8, a mutated default ladder) goes to
//! the fallback it was given, as it came.

use crate::fast::{bind_args, build, is_type, members_of, read, utf8_of};
use crate::snapshot::Pinned;
use crate::swap::{CallArgs, Fast, NativeFunction};
use dos_core::deciders::intervention::{Confidence, Intervention};
use dos_core::deciders::precursor_gate::{self as pg, PrecursorGrammar, PrecursorPolicy, PrecursorStance, PrecursorVerdict};
use dos_core::route::{Map, Tuple};
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyList, PyString, PyTuple, PyType};

fn class_of<'py>(module: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyType>> {
    Ok(module.getattr(name)?.cast_into::<PyType>()?)
}

/// The parameter names of `f` and the defaults of those that have one.
fn signature<'py>(f: &Bound<'py, PyAny>) -> PyResult<Vec<(String, Option<Bound<'py, PyAny>>)>> {
    let py = f.py();
    let params = py.import("inspect")?.call_method1("signature", (f,))?.getattr("parameters")?;
    let empty = py.import("inspect")?.getattr("Parameter")?.getattr("empty")?;
    let mut out = Vec::new();
    for p in params.call_method0("values")?.try_iter()? {
        let p = p?;
        let default = p.getattr("default")?;
        out.push((p.getattr("name")?.extract::<String>()?, (!default.is(&empty)).then_some(default)));
    }
    Ok(out)
}

/// `d.get(key)`: the outer `None` when the lookup raised (the call is then
/// not taken), the inner one when the key is absent.
fn get<'py>(d: &Bound<'py, PyDict>, key: &Bound<'py, PyString>) -> Option<Option<Bound<'py, PyAny>>> {
    // SAFETY: live dict and key; a borrowed reference (made owned at once) or
    // NULL, with an exception set only when the lookup failed.
    unsafe {
        let p = ffi::PyDict_GetItemWithError(d.as_ptr(), key.as_ptr());
        if !p.is_null() {
            return Some(Some(Bound::from_borrowed_ptr(d.py(), p)));
        }
        if ffi::PyErr_Occurred().is_null() {
            return Some(None);
        }
        ffi::PyErr_Clear();
        None
    }
}

/// An exact `str` with no lone surrogate.
fn text<'a>(v: &'a Bound<'_, PyAny>) -> Option<&'a str> {
    if !v.is_exact_instance_of::<PyString>() {
        return None;
    }
    utf8_of(v)
}

/// The names in an exact tuple or list of exact `str`s.
fn names_in(v: &Bound<'_, PyAny>) -> Option<Vec<String>> {
    let item = |x: Bound<'_, PyAny>| text(&x).map(str::to_owned);
    if let Ok(t) = v.cast_exact::<PyTuple>() {
        return t.iter().map(item).collect();
    }
    let l = v.cast_exact::<PyList>().ok()?;
    l.iter().map(item).collect()
}

/// `key` as a `str` object to look up: `same` itself when it spells it.
fn key_obj<'py>(py: Python<'py>, key: &str, same: &Bound<'py, PyAny>) -> Bound<'py, PyString> {
    match same.cast::<PyString>() {
        Ok(s) if utf8_of(same) == Some(key) => s.clone(),
        _ => PyString::new(py, key),
    }
}

/// The entries of a grammar's two tables the verdict on `tool` reads: its
/// `requires` entry under the canonical key and, for each precursor it
/// declares, the `aliases` entry under the canonical name (and, for a
/// case-sensitive policy, under the name as declared). `None`: a table or
/// an entry this path does not take. A name already canonical is looked up
/// as the very `str` object the caller holds (its hash is kept there).
fn projection<'py>(
    grammar: &Bound<'py, PyAny>,
    tool: &Bound<'py, PyAny>,
    tool_name: &str,
    case_sensitive: bool,
) -> Option<PrecursorGrammar> {
    let py = grammar.py();
    let [requires, aliases] = read(grammar, [intern!(py, "requires"), intern!(py, "aliases")])?;
    let requires = requires.cast_exact::<PyDict>().ok()?;
    let aliases = aliases.cast_exact::<PyDict>().ok()?;
    let mut out = PrecursorGrammar::default();
    let key = pg::canon(tool_name);
    let Some(declared) = get(requires, &key_obj(py, &key, tool))? else { return Some(out) };
    let items: Vec<Bound<'py, PyAny>> = if let Ok(t) = declared.cast_exact::<PyTuple>() {
        t.iter().collect()
    } else {
        declared.cast_exact::<PyList>().ok()?.iter().collect()
    };
    let mut names = Vec::with_capacity(items.len());
    let mut cp = String::new();
    for item in &items {
        let p = text(item)?;
        pg::canon_into(p, &mut cp);
        let mut look = |k: &str, obj: &Bound<'py, PyAny>| -> Option<()> {
            if out.aliases.get(k).is_none() {
                if let Some(als) = get(aliases, &key_obj(py, k, obj))? {
                    out.aliases.set(k.to_owned(), Tuple(names_in(&als)?));
                }
            }
            Some(())
        };
        look(&cp, item)?;
        if case_sensitive && cp != p {
            look(p, item)?;
        }
        names.push(p.to_owned());
    }
    out.requires = Map(vec![(key, Tuple(names))]);
    Some(out)
}

fn stance_index(s: PrecursorStance) -> usize {
    match s {
        PrecursorStance::Attested => 0,
        PrecursorStance::Refuted => 1,
        PrecursorStance::NoSignal => 2,
    }
}

struct ClassifyFast {
    call_cls: Py<PyType>,
    stream_cls: Py<PyType>,
    prior_cls: Py<PyType>,
    grammar_cls: Py<PyType>,
    policy_cls: Py<PyType>,
    verdict_cls: Py<PyType>,
    /// ATTESTED, REFUTED, NO_SIGNAL.
    stances: Vec<Py<PyAny>>,
    /// The function's default grammar (read per call like any other: its
    /// tables are looked up in place).
    empty_grammar: Py<PyAny>,
    /// The function's default policy, and what its field held at bind time.
    default_policy: Pinned,
    default_case_sensitive: bool,
}

impl ClassifyFast {
    fn case_sensitive(&self, p: &Bound<'_, PyAny>) -> Option<bool> {
        if !is_type(p, &self.policy_cls) {
            return None;
        }
        let py = p.py();
        let [c] = read(p, [intern!(py, "case_sensitive")])?;
        Some(c.cast_exact::<PyBool>().ok()?.is_true())
    }
}

impl Fast for ClassifyFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let names = [intern!(py, "call"), intern!(py, "stream"), intern!(py, "grammar"), intern!(py, "policy")];
        let Some([Some(call), Some(stream), grammar, policy]) = bind_args(a, names, 4) else { return Ok(None) };
        if !is_type(&call, &self.call_cls) || !is_type(&stream, &self.stream_cls) {
            return Ok(None);
        }
        let case_sensitive = match policy {
            Some(p) if p.as_ptr() != self.default_policy.obj().as_ptr() => self.case_sensitive(&p),
            _ if self.default_policy.current(py) => Some(self.default_case_sensitive),
            _ => self.case_sensitive(self.default_policy.obj().bind(py)),
        };
        let Some(case_sensitive) = case_sensitive else { return Ok(None) };
        let grammar = grammar.unwrap_or_else(|| self.empty_grammar.bind(py).clone());
        if !is_type(&grammar, &self.grammar_cls) {
            return Ok(None);
        }
        let Some([tool, mutating]) = read(&call, [intern!(py, "tool_name"), intern!(py, "is_mutating")]) else { return Ok(None) };
        let Some(tool_name) = text(&tool) else { return Ok(None) };
        let Ok(mutating) = mutating.cast_exact::<PyBool>() else { return Ok(None) };
        let Some(g) = projection(&grammar, &tool, tool_name, case_sensitive) else { return Ok(None) };
        // The prior calls' names, read only when the verdict looks at them.
        let mut held: Vec<Bound<'py, PyAny>> = Vec::new();
        if mutating.is_true() && g.requires.0.first().is_some_and(|(_, d)| !d.0.is_empty()) {
            let Some([calls]) = read(&stream, [intern!(py, "calls")]) else { return Ok(None) };
            let Ok(calls) = calls.cast_exact::<PyTuple>() else { return Ok(None) };
            held.reserve(calls.len());
            for c in calls.iter() {
                if !is_type(&c, &self.prior_cls) {
                    return Ok(None);
                }
                let Some([n]) = read(&c, [intern!(py, "tool_name")]) else { return Ok(None) };
                if text(&n).is_none() {
                    return Ok(None);
                }
                held.push(n);
            }
        }
        let prior: Vec<&str> = held.iter().filter_map(|n| utf8_of(n)).collect();
        let policy = PrecursorPolicy { case_sensitive };
        let j = pg::judge(tool_name, mutating.is_true(), prior.iter().copied(), &g, &policy);
        crate::route_bind::trace(py, "precursor_gate.classify_call").map_err(|e| crate::swap::raised(py, e))?;
        let required = PyTuple::new(py, j.required.iter().map(|s| PyString::new(py, s)))?;
        let present = PyTuple::new(py, j.present.iter().map(|s| PyString::new(py, s)))?;
        let (why, owned_tool) = (j.why, tool_name.to_owned());
        let (req, pres) = (j.required, j.present);
        let reason = crate::record::text(py, &self.verdict_cls, move || pg::reason(why, &owned_tool, &req, &pres))?;
        let fields = [
            (intern!(py, "stance"), self.stances[stance_index(j.stance)].bind(py).clone()),
            (intern!(py, "mutating_tool"), tool),
            (intern!(py, "required"), required.into_any()),
            (intern!(py, "present"), present.into_any()),
            (intern!(py, "reason"), reason),
        ];
        build(py, &self.verdict_cls, &fields).map(Some)
    }
}

/// `precursor_gate.classify_call`'s fast path (registered in
/// `crate::fastpath`) on `module`'s own classes, handing every call it does
/// not take to `fallback`. None when `fallback`'s parameters or defaults are
/// not the module's (a wrapper of the caller's) or the default policy does
/// not read.
pub(crate) fn bind_classify_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    let empty_grammar = module.getattr("EMPTY_GRAMMAR")?;
    let default_policy = module.getattr("DEFAULT_POLICY")?;
    let sig = signature(fallback.bind(py))?;
    let is = |x: &Option<Bound<'_, PyAny>>, d: &Bound<'_, PyAny>| x.as_ref().is_some_and(|x| x.is(d));
    let shape_ok = sig.len() == 4
        && sig.iter().map(|(n, _)| n.as_str()).eq(["call", "stream", "grammar", "policy"])
        && sig[0].1.is_none()
        && sig[1].1.is_none()
        && is(&sig[2].1, &empty_grammar)
        && is(&sig[3].1, &default_policy);
    if !shape_ok {
        return Ok(None);
    }
    let mut fast = ClassifyFast {
        call_cls: class_of(module, "MutatingCall")?.unbind(),
        stream_cls: class_of(module, "CallStream")?.unbind(),
        prior_cls: class_of(module, "PriorCall")?.unbind(),
        grammar_cls: class_of(module, "PrecursorGrammar")?.unbind(),
        policy_cls: class_of(module, "PrecursorPolicy")?.unbind(),
        verdict_cls: class_of(module, "PrecursorVerdict")?.unbind(),
        stances: members_of(&module.getattr("PrecursorStance")?, &["ATTESTED", "REFUTED", "NO_SIGNAL"])?,
        empty_grammar: empty_grammar.unbind(),
        default_policy: Pinned::new(&default_policy, &["case_sensitive"]),
        default_case_sensitive: false,
    };
    let Some(c) = fast.case_sensitive(&default_policy) else { return Ok(None) };
    fast.default_case_sensitive = c;
    Ok(Some(NativeFunction::new("precursor_gate.classify_call", fast, fallback)))
}

// ---------------------------------------------------------------- precursor_intervention

struct InterventionFast {
    verdict_cls: Py<PyType>,
    refuted: Py<PyAny>,
    decision_cls: Py<PyType>,
    /// The module the decision's ladder is read from at each call (the
    /// reference imports its `BASE_INTERVENTIONS` per call).
    home: Py<PyAny>,
    /// That ladder, its rungs' tokens (which decide the rung `get` finds)
    /// and the WARN rung's every field.
    ladder: Pinned,
    rungs: Vec<Pinned>,
    /// What the core's decision for a REFUTED verdict is, as the module's
    /// members and the ladder's own rung object.
    intervention: Py<PyAny>,
    confidence: Py<PyAny>,
    rung: Py<PyAny>,
    cost: Py<PyFloat>,
}

impl InterventionFast {
    fn ladder_current(&self, py: Python<'_>) -> bool {
        let now = self.home.bind(py).getattr(intern!(py, "BASE_INTERVENTIONS"));
        now.is_ok_and(|l| l.as_ptr() == self.ladder.obj().as_ptr()) && self.ladder.current(py) && self.rungs.iter().all(|r| r.current(py))
    }
}

impl Fast for InterventionFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some([Some(v)]) = bind_args(a, [intern!(py, "verdict")], 1) else { return Ok(None) };
        if !is_type(&v, &self.verdict_cls) {
            return Ok(None);
        }
        let Some([stance]) = read(&v, [intern!(py, "stance")]) else { return Ok(None) };
        if stance.as_ptr() != self.refuted.as_ptr() {
            crate::route_bind::trace(py, "precursor_gate.precursor_intervention").map_err(|e| crate::swap::raised(py, e))?;
            return Ok(Some(py.None().into_bound(py)));
        }
        if !self.ladder_current(py) {
            return Ok(None);
        }
        let Some([tool, required]) = read(&v, [intern!(py, "mutating_tool"), intern!(py, "required")]) else { return Ok(None) };
        let Some(tool_name) = text(&tool) else { return Ok(None) };
        let Ok(required) = required.cast_exact::<PyTuple>() else { return Ok(None) };
        let mut req: Vec<String> = Vec::with_capacity(required.len());
        for r in required.iter() {
            let Some(r) = text(&r) else { return Ok(None) };
            req.push(r.to_owned());
        }
        crate::route_bind::trace(py, "precursor_gate.precursor_intervention").map_err(|e| crate::swap::raised(py, e))?;
        let owned_tool = tool_name.to_owned();
        let reason = crate::record::text(py, &self.decision_cls, move || pg::warn_reason(&owned_tool, &req))?;
        let fields = [
            (intern!(py, "intervention"), self.intervention.bind(py).clone()),
            (intern!(py, "confidence"), self.confidence.bind(py).clone()),
            (intern!(py, "rung"), self.rung.bind(py).clone()),
            (intern!(py, "disruption_cost"), self.cost.bind(py).clone().into_any()),
            (intern!(py, "unsupported"), PyTuple::new(py, [tool])?.into_any()),
            (intern!(py, "reason"), reason),
        ];
        build(py, &self.decision_cls, &fields).map(Some)
    }
}

/// A dataclass instance's fields as the core reads them (its
/// `dataclasses.asdict`, through serde).
fn as_core<T: serde::de::DeserializeOwned>(obj: &Bound<'_, PyAny>) -> Option<T> {
    let py = obj.py();
    let d = py.import("dataclasses").ok()?.call_method1("asdict", (obj,)).ok()?;
    let v = crate::convert::to_value(&d, 0).ok()?;
    dos_core::pyjson::from_value::<T>(&v).ok()
}

/// `precursor_gate.precursor_intervention`'s fast path (registered in
/// `crate::fastpath`) on `module`'s own classes: the decision for a REFUTED
/// verdict is the core's, holding the rung the intervention module's own
/// `BASE_INTERVENTIONS` gives for it. None when that ladder has no such
/// rung, or (a typed module, whose op answers with the core's built-in
/// ladder) a rung that differs from the core's.
pub(crate) fn bind_intervention_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    let sig = signature(fallback.bind(py))?;
    if sig.len() != 1 || sig[0].0 != "verdict" || sig[0].1.is_some() {
        return Ok(None);
    }
    // The core's decision on a REFUTED verdict: the rung, enum tokens and cost.
    let probe = PrecursorVerdict {
        stance: PrecursorStance::Refuted,
        mutating_tool: "t".into(),
        required: Tuple(vec!["p".into()]),
        present: Tuple(Vec::new()),
        reason: "".into(),
    };
    let Some(want) = pg::precursor_intervention(&probe) else { return Ok(None) };
    let decision_cls = class_of(module, "InterventionDecision")?;
    let home = py.import(decision_cls.getattr("__module__")?.extract::<String>()?.as_str())?;
    let ladder = home.getattr("BASE_INTERVENTIONS")?;
    let specs = ladder.getattr("specs")?.cast_into::<PyTuple>()?;
    // The rung `ladder.get(token)` finds: the first whose stripped, upper-cased token is it.
    let mut at = None;
    for (i, s) in specs.iter().enumerate() {
        let key: String = s.getattr("token")?.call_method0("strip")?.call_method0("upper")?.extract()?;
        if key == want.rung.token {
            at = Some(i);
            break;
        }
    }
    let Some(at) = at else { return Ok(None) };
    let rung = specs.get_item(at)?;
    if crate::record::is_record_class(&decision_cls)
        && as_core::<dos_core::deciders::intervention::InterventionSpec>(&rung).as_ref() != Some(&want.rung)
    {
        return Ok(None);
    }
    let mut rungs = Vec::with_capacity(specs.len());
    for (i, s) in specs.iter().enumerate() {
        let names = if i == at { crate::fast::dataclass_field_names(&s)? } else { vec!["token".to_owned()] };
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        rungs.push(Pinned::new(&s, &names));
    }
    let token = |i: Intervention| match i {
        Intervention::Observe => "OBSERVE",
        Intervention::Warn => "WARN",
        Intervention::Defer => "DEFER",
        Intervention::Block => "BLOCK",
    };
    let conf = |c: Confidence| c.token();
    let fast = InterventionFast {
        verdict_cls: class_of(module, "PrecursorVerdict")?.unbind(),
        refuted: module.getattr("PrecursorStance")?.getattr("REFUTED")?.unbind(),
        intervention: module.getattr("Intervention")?.call1((token(want.intervention),))?.unbind(),
        confidence: home.getattr("Confidence")?.call1((conf(want.confidence),))?.unbind(),
        rung: rung.unbind(),
        cost: PyFloat::new(py, want.disruption_cost).unbind(),
        decision_cls: decision_cls.unbind(),
        home: home.into_any().unbind(),
        ladder: Pinned::new(&ladder, &["specs"]),
        rungs,
    };
    if !fast.ladder_current(py) {
        // A ladder the pins cannot follow would never be served.
        return Ok(None);
    }
    Ok(Some(NativeFunction::new("precursor_gate.precursor_intervention", fast, fallback)))
}
