//! The hand fast path of `intervention.choose_intervention` with the
//! default policy and ladder, hung off the generated route by
//! `crate::fastpath` (issue 10 asks 10× over the reference; the generic
//! binder reaches 2.4–3.2×: docs/benchmarks.md).
//!
//! With the module's own `DEFAULT_POLICY` and `BASE_INTERVENTIONS` the
//! decision depends on the verdict's confidence alone, so the rung, the
//! enum members, the disruption cost and the reason's frame are worked out
//! once per confidence at bind time, by the core's own `choose_rung` on the
//! defaults as they were then. Each call proves the defaults unchanged (the
//! policy's, the ladder's and every rung's fields, see
//! `snapshot::Pinned`), reads only what the confidence depends on (the
//! verdict's `believe`, `unsupported` and each argument's stance and
//! component counts: what the reference itself reads) and answers with the
//! module's own `InterventionDecision`, holding the ladder's own rung
//! object, as the reference's does. Any other shape (a given policy or
//! ladder, a subclass, a name that is not UTF-8) goes to the fallback.

use crate::fast::{bind_args, build, is_type, read};
use crate::snapshot::Pinned;
use crate::swap::{CallArgs, Fast, NativeFunction};
use dos_core::deciders::intervention::{self, Confidence, Why};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyList, PyString, PyTuple, PyType};

/// What the defaults give one confidence.
struct Outcome {
    confidence: Py<PyAny>,
    intervention: Py<PyAny>,
    /// The ladder's own rung object.
    rung: Py<PyAny>,
    cost: Py<PyFloat>,
    why: Why,
    /// The whole reason, when it names no argument.
    fixed: Option<Py<PyString>>,
}

/// The classes a provenance verdict is read through: the verdict's and
/// its arguments' exact types and the UNSUPPORTED stance member.
struct VerdictShape {
    verdict: Py<PyType>,
    arg: Py<PyType>,
    unsupported_stance: Py<PyAny>,
}

impl VerdictShape {
    /// `module`'s `ProvenanceVerdict`, the `ArgProvenance` of the module
    /// that defines it, and its `ProvenanceStance.UNSUPPORTED`.
    fn of(module: &Bound<'_, PyAny>) -> PyResult<Option<VerdictShape>> {
        let py = module.py();
        let verdict = module.getattr("ProvenanceVerdict")?.cast_into::<PyType>()?;
        let home = py.import(verdict.getattr("__module__")?.extract::<String>()?.as_str())?;
        let Ok(arg) = home.getattr("ArgProvenance")?.cast_into::<PyType>() else { return Ok(None) };
        let unsupported_stance = module.getattr("ProvenanceStance")?.getattr("UNSUPPORTED")?;
        Ok(Some(VerdictShape { verdict: verdict.unbind(), arg: arg.unbind(), unsupported_stance: unsupported_stance.unbind() }))
    }

    /// The verdict's confidence, read as the reference reads it; None for
    /// a shape this does not take.
    fn confidence(&self, v: &Bound<'_, PyAny>) -> Option<Confidence> {
        let py = v.py();
        let [believe, args, unsupported] = read(v, [intern!(py, "believe"), intern!(py, "args"), intern!(py, "unsupported")])?;
        let believe = believe.cast_exact::<PyBool>().ok()?.is_true();
        let unsupported = unsupported.cast_exact::<PyTuple>().ok()?;
        let args = args.cast_exact::<PyTuple>().ok()?;
        let mut facts = Vec::with_capacity(args.len());
        for a in args.iter() {
            if !is_type(&a, &self.arg) {
                return None;
            }
            let names = [intern!(py, "stance"), intern!(py, "components_checked"), intern!(py, "components_unmatched")];
            let [stance, checked, unmatched] = read(&a, names)?;
            let checked = checked.cast_exact::<PyTuple>().ok()?.len();
            let unmatched = unmatched.cast_exact::<PyTuple>().ok()?.len();
            facts.push((stance.as_ptr() == self.unsupported_stance.as_ptr(), checked, unmatched));
        }
        Some(intervention::confidence_of(believe, !unsupported.is_empty(), facts))
    }
}

struct ChooseFast {
    shape: VerdictShape,
    decision: Py<PyType>,
    policy: Pinned,
    ladder: Pinned,
    rungs: Vec<Pinned>,
    /// NONE, HIGH, LOW.
    outcomes: [Outcome; 3],
}

fn outcome_index(c: Confidence) -> usize {
    match c {
        Confidence::None => 0,
        Confidence::High => 1,
        Confidence::Low => 2,
    }
}

impl ChooseFast {
    fn defaults_current(&self, py: Python<'_>) -> bool {
        self.policy.current(py) && self.ladder.current(py) && self.rungs.iter().all(|r| r.current(py))
    }
}

/// `choose_intervention(verdict, policy=DEFAULT_POLICY, ladder=BASE_INTERVENTIONS)`'s
/// arguments: the verdict, and whether the other two were left to their
/// defaults (or passed as those very objects).
fn choose_args<'py>(py: Python<'py>, a: &CallArgs<'_, 'py>, policy: &Py<PyAny>, ladder: &Py<PyAny>) -> Option<Bound<'py, PyAny>> {
    let [verdict, p, l] = bind_args(a, [intern!(py, "verdict"), intern!(py, "policy"), intern!(py, "ladder")], 3)?;
    let is = |x: &Option<Bound<'_, PyAny>>, d: &Py<PyAny>| x.as_ref().map_or(true, |x| x.as_ptr() == d.as_ptr());
    (is(&p, policy) && is(&l, ladder)).then_some(verdict).flatten()
}

impl Fast for ChooseFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(v) = choose_args(py, a, self.policy.obj(), self.ladder.obj()) else { return Ok(None) };
        if !is_type(&v, &self.shape.verdict) || !self.defaults_current(py) {
            return Ok(None);
        }
        let Some(conf) = self.shape.confidence(&v) else { return Ok(None) };
        let Some([unsupported]) = read(&v, [intern!(py, "unsupported")]) else { return Ok(None) };
        let o = &self.outcomes[outcome_index(conf)];
        let reason = match &o.fixed {
            Some(r) => r.bind(py).clone(),
            None => {
                let Ok(names) = unsupported.cast_exact::<PyTuple>() else { return Ok(None) };
                let (before, after) = o.why.frame(names.len());
                let mut text = before;
                for (i, n) in names.iter().enumerate() {
                    let Ok(n) = n.cast_exact::<PyString>() else { return Ok(None) };
                    let Ok(n) = n.to_str() else { return Ok(None) };
                    if i > 0 {
                        text.push_str(", ");
                    }
                    text.push_str(n);
                }
                text.push_str(&after);
                PyString::new(py, &text)
            }
        };
        crate::route_bind::trace(py, "intervention.choose_intervention").map_err(|e| crate::swap::raised(py, e))?;
        let fields = [
            (intern!(py, "intervention"), o.intervention.bind(py).clone()),
            (intern!(py, "confidence"), o.confidence.bind(py).clone()),
            (intern!(py, "rung"), o.rung.bind(py).clone()),
            (intern!(py, "disruption_cost"), o.cost.bind(py).clone().into_any()),
            (intern!(py, "unsupported"), unsupported),
            (intern!(py, "reason"), reason.into_any()),
        ];
        build(py, &self.decision, &fields).map(Some)
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

fn pin(obj: &Bound<'_, PyAny>) -> Option<Pinned> {
    let names = crate::fast::dataclass_field_names(obj).ok()?;
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    Some(Pinned::new(obj, &names))
}

/// `intervention.choose_intervention`'s fast path (registered in
/// `crate::fastpath`) on `module`'s own classes and defaults, handing every
/// call it does not take to `fallback`. None when the defaults do not
/// convert or are not valid (the slower routes then answer every call).
pub(crate) fn bind_choose_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    let policy_obj = module.getattr("DEFAULT_POLICY")?;
    let ladder_obj = module.getattr("BASE_INTERVENTIONS")?;
    // Only for a function whose parameters are the reference's, defaulting
    // to these very objects (a wrapper with defaults of its own is not).
    let params = py.import("inspect")?.call_method1("signature", (fallback.bind(py),))?.getattr("parameters")?;
    let names: Vec<String> = params.try_iter()?.map(|n| n?.extract::<String>()).collect::<PyResult<_>>()?;
    if names != ["verdict", "policy", "ladder"] {
        return Ok(None);
    }
    let default_of = |name: &str| -> PyResult<Bound<'_, PyAny>> { params.get_item(name)?.getattr("default") };
    if !default_of("policy")?.is(&policy_obj) || !default_of("ladder")?.is(&ladder_obj) {
        return Ok(None);
    }
    let (Some(policy), Some(ladder)) =
        (as_core::<intervention::InterventionPolicy>(&policy_obj), as_core::<intervention::InterventionLadder>(&ladder_obj))
    else {
        return Ok(None);
    };
    if ladder.check().is_err() {
        return Ok(None);
    }
    let Some(shape) = VerdictShape::of(module)? else { return Ok(None) };
    let specs = ladder_obj.getattr("specs")?.cast_into::<PyTuple>()?;
    if specs.len() != ladder.specs.0.len() {
        return Ok(None);
    }
    let rungs = ladder.rungs();
    let mut outcomes = Vec::with_capacity(3);
    for conf in [Confidence::None, Confidence::High, Confidence::Low] {
        let Ok((spec, why)) = intervention::choose_rung(conf, &policy, &rungs) else { return Ok(None) };
        let Some(at) = ladder.specs.0.iter().position(|s| std::ptr::eq(s, spec)) else { return Ok(None) };
        let Ok(cost) = rungs.disruption_cost(Some(&spec.token), true) else { return Ok(None) };
        let fixed = (!why.names_arguments()).then(|| PyString::new(py, &why.frame(0).0).unbind());
        outcomes.push(Outcome {
            confidence: module.getattr("Confidence")?.call1((conf.token(),))?.unbind(),
            // `Intervention(spec.token)`, as the decision is built.
            intervention: match module.getattr("Intervention")?.call1((spec.token.as_str(),)) {
                Ok(m) => m.unbind(),
                Err(_) => return Ok(None),
            },
            rung: specs.get_item(at)?.unbind(),
            cost: PyFloat::new(py, cost).unbind(),
            why,
            fixed,
        });
    }
    let Ok(outcomes) = <[Outcome; 3]>::try_from(outcomes) else { return Ok(None) };
    let (Some(policy_pin), Some(ladder_pin)) = (pin(&policy_obj), pin(&ladder_obj)) else { return Ok(None) };
    let mut rung_pins = Vec::with_capacity(specs.len());
    for s in specs.iter() {
        let Some(p) = pin(&s) else { return Ok(None) };
        rung_pins.push(p);
    }
    let fast = ChooseFast {
        shape,
        decision: module.getattr("InterventionDecision")?.cast_into::<PyType>()?.unbind(),
        policy: policy_pin,
        ladder: ladder_pin,
        rungs: rung_pins,
        outcomes,
    };
    if !fast.defaults_current(py) {
        // Defaults the pins cannot follow would never be served.
        return Ok(None);
    }
    Ok(Some(NativeFunction::new("intervention.choose_intervention", fast, fallback)))
}

// ------------------------------------------------------------------ assess_confidence

/// `intervention.assess_confidence(verdict)`: the verdict's confidence,
/// read as [`VerdictShape::confidence`] reads it, answered with the
/// module's own `Confidence` member.
struct AssessFast {
    shape: VerdictShape,
    /// NONE, HIGH, LOW.
    members: [Py<PyAny>; 3],
}

impl Fast for AssessFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some([Some(v)]) = bind_args(a, [intern!(py, "verdict")], 1) else { return Ok(None) };
        if !is_type(&v, &self.shape.verdict) {
            return Ok(None);
        }
        let Some(conf) = self.shape.confidence(&v) else { return Ok(None) };
        crate::route_bind::trace(py, "intervention.assess_confidence").map_err(|e| crate::swap::raised(py, e))?;
        Ok(Some(self.members[outcome_index(conf)].bind(py).clone()))
    }
}

/// `intervention.assess_confidence`'s fast path (registered in
/// `crate::fastpath`) on `module`'s own classes.
pub(crate) fn bind_assess_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let Some(shape) = VerdictShape::of(module)? else { return Ok(None) };
    let conf = module.getattr("Confidence")?;
    let member = |c: Confidence| conf.call1((c.token(),)).map(Bound::unbind);
    let members = [member(Confidence::None)?, member(Confidence::High)?, member(Confidence::Low)?];
    Ok(Some(NativeFunction::new("intervention.assess_confidence", AssessFast { shape, members }, fallback)))
}

// ------------------------------------------------------------------ synthetic_corrective_result

/// `intervention.synthetic_corrective_result(verdict, tool_name,
/// read_tool_hint="")`: the corrective result as a new dict, its texts
/// written by the core's `corrective_texts`; each unresolved entry holds the
/// argument's own name object and a list of its own component objects, as
/// the reference's does. Names that are not UTF-8 go to the fallback.
struct SynthFast {
    shape: VerdictShape,
}

impl Fast for SynthFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let names = [intern!(py, "verdict"), intern!(py, "tool_name"), intern!(py, "read_tool_hint")];
        let Some([Some(v), Some(tool), hint]) = bind_args(a, names, 3) else { return Ok(None) };
        if !is_type(&v, &self.shape.verdict) {
            return Ok(None);
        }
        let Some(tool) = utf8_exact(&tool) else { return Ok(None) };
        let hint = match &hint {
            None => "",
            Some(h) => match utf8_exact(h) {
                Some(h) => h,
                None => return Ok(None),
            },
        };
        let Some([args]) = read(&v, [intern!(py, "args")]) else { return Ok(None) };
        let Ok(args) = args.cast_exact::<PyTuple>() else { return Ok(None) };
        let missing = PyList::empty(py);
        for arg in args.iter() {
            if !is_type(&arg, &self.shape.arg) {
                return Ok(None);
            }
            let Some([stance]) = read(&arg, [intern!(py, "stance")]) else { return Ok(None) };
            if stance.as_ptr() != self.shape.unsupported_stance.as_ptr() {
                continue;
            }
            let Some([name, unmatched]) = read(&arg, [intern!(py, "arg_name"), intern!(py, "components_unmatched")]) else {
                return Ok(None);
            };
            let Ok(unmatched) = unmatched.cast_exact::<PyTuple>() else { return Ok(None) };
            let entry = PyDict::new(py);
            entry.set_item(intern!(py, "arg"), name)?;
            entry.set_item(intern!(py, "unresolved_components"), unmatched.to_list())?;
            missing.append(entry)?;
        }
        let (error, remediation) = intervention::corrective_texts_utf8(tool, hint);
        crate::route_bind::trace(py, "intervention.synthetic_corrective_result").map_err(|e| crate::swap::raised(py, e))?;
        let out = PyDict::new(py);
        out.set_item(intern!(py, "status"), intern!(py, "blocked_unresolved_id"))?;
        out.set_item(intern!(py, "error"), PyString::new(py, &error))?;
        out.set_item(intern!(py, "unresolved"), missing)?;
        out.set_item(intern!(py, "remediation"), PyString::new(py, &remediation))?;
        out.set_item(intern!(py, "dos_blocked"), true)?;
        Ok(Some(out.into_any()))
    }
}

/// An exact `str`'s UTF-8 text (None for a subclass or lone surrogates).
fn utf8_exact<'a>(v: &'a Bound<'_, PyAny>) -> Option<&'a str> {
    v.cast_exact::<PyString>().ok()?;
    crate::fast::utf8_of(v)
}

/// `intervention.synthetic_corrective_result`'s fast path (registered in
/// `crate::fastpath`) on `module`'s own classes.
pub(crate) fn bind_synth_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let Some(shape) = VerdictShape::of(module)? else { return Ok(None) };
    Ok(Some(NativeFunction::new("intervention.synthetic_corrective_result", SynthFast { shape }, fallback)))
}
