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

use crate::fast::{build, is_type, read, same_name};
use crate::snapshot::Pinned;
use crate::swap::{CallArgs, Fast, NativeFunction};
use dos_core::deciders::intervention::{self, Confidence, Why};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyString, PyTuple, PyType};

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

struct ChooseFast {
    verdict: Py<PyType>,
    arg: Py<PyType>,
    unsupported_stance: Py<PyAny>,
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

/// `choose_intervention(verdict, policy=DEFAULT_POLICY, ladder=BASE_INTERVENTIONS)`'s
/// arguments: the verdict, and whether the other two were left to their
/// defaults (or passed as those very objects).
fn bind_args<'py>(a: &CallArgs<'_, 'py>, policy: &Py<PyAny>, ladder: &Py<PyAny>) -> Option<Bound<'py, PyAny>> {
    if a.len() > 3 {
        return None;
    }
    let mut got: [Option<Bound<'py, PyAny>>; 3] = [None, None, None];
    for (i, slot) in got.iter_mut().enumerate().take(a.len()) {
        *slot = Some(a.get(i));
    }
    for (k, v) in a.kw() {
        let k = k.cast::<PyString>().ok()?;
        let py = k.py();
        let names = [intern!(py, "verdict"), intern!(py, "policy"), intern!(py, "ladder")];
        let i = names.iter().position(|n| same_name(k, n))?;
        if got[i].is_some() {
            return None;
        }
        got[i] = Some(v);
    }
    let [verdict, p, l] = got;
    let is = |x: &Option<Bound<'_, PyAny>>, d: &Py<PyAny>| x.as_ref().map_or(true, |x| x.as_ptr() == d.as_ptr());
    (is(&p, policy) && is(&l, ladder)).then_some(verdict).flatten()
}

impl Fast for ChooseFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(v) = bind_args(a, self.policy.obj(), self.ladder.obj()) else { return Ok(None) };
        if !is_type(&v, &self.verdict) || !self.defaults_current(py) {
            return Ok(None);
        }
        let Some(conf) = self.confidence(&v) else { return Ok(None) };
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

/// The names of a dataclass's fields.
fn field_names(obj: &Bound<'_, PyAny>) -> Option<Vec<String>> {
    let py = obj.py();
    let fields = py.import("dataclasses").ok()?.call_method1("fields", (obj,)).ok()?;
    fields.try_iter().ok()?.map(|f| f.ok()?.getattr("name").ok()?.extract::<String>().ok()).collect()
}

fn pin(obj: &Bound<'_, PyAny>) -> Option<Pinned> {
    let names = field_names(obj)?;
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
    let verdict = module.getattr("ProvenanceVerdict")?.cast_into::<PyType>()?;
    let home = py.import(verdict.getattr("__module__")?.extract::<String>()?.as_str())?;
    let arg = home.getattr("ArgProvenance")?.cast_into::<PyType>()?;
    let unsupported_stance = module.getattr("ProvenanceStance")?.getattr("UNSUPPORTED")?;
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
        verdict: verdict.unbind(),
        arg: arg.unbind(),
        unsupported_stance: unsupported_stance.unbind(),
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
