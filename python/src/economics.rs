//! The hand fast paths of the loop-economics deciders (`liveness`,
//! `productivity`, `efficiency`, `breaker`), hung off the generated route
//! by `crate::fastpath`.
//!
//! Each `bind_*_fast` function returns a [`NativeFunction`] tied to one
//! module's classes: `dos_native`'s generated typed module, or the
//! reference's (`accelerate()`). The native path takes only instances of
//! exactly those classes holding exactly the built-in types it understands,
//! reads their `__dict__`, calls the core and answers with a new instance
//! of the module's own frozen verdict dataclass, filled without running its
//! `__init__`; anything else goes to the fallback (the generated function,
//! or the reference's) as it came.

use crate::fast::{build, exact_f64, exact_i64, int_i128, is_type, member_index, members_of, one_or_two, opt_bool, opt_i64, read};
use crate::snapshot::Pinned;
use crate::swap::{CallArgs, Fast, NativeFunction};
use dos_core::deciders::{breaker, efficiency, liveness, productivity};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString, PyTuple, PyType};

/// The input classes one binding serves.
struct Inputs {
    input: Py<PyType>,
    policy: Py<PyType>,
    /// The default policy, and what its fields held when it was converted
    /// (the converted default serves only while they still hold it).
    default_policy: Pinned,
}

/// A policy argument: the default one, or one of exactly the policy class.
enum PolicyArg<'py> {
    Default,
    Given(Bound<'py, PyAny>),
}

impl Inputs {
    fn new(input: &Bound<'_, PyType>, policy: &Bound<'_, PyType>, default_policy: &Bound<'_, PyAny>, fields: &[&str]) -> Self {
        Inputs { input: input.clone().unbind(), policy: policy.clone().unbind(), default_policy: Pinned::new(default_policy, fields) }
    }

    /// The default policy: as converted at bind time while its fields still
    /// hold those values, else read again like a given one.
    fn default_arg<'py>(&self, py: Python<'py>) -> PolicyArg<'py> {
        if self.default_policy.current(py) {
            PolicyArg::Default
        } else {
            PolicyArg::Given(self.default_policy.obj().bind(py).clone())
        }
    }

    /// `(input, policy)` when the call has the served shape.
    fn args<'py>(&self, a: &CallArgs<'_, 'py>, first: &Bound<'py, PyString>) -> Option<(Bound<'py, PyAny>, PolicyArg<'py>)> {
        let py = first.py();
        let (x, policy) = one_or_two(a, first, intern!(py, "policy"))?;
        if !is_type(&x, &self.input) {
            return None;
        }
        let policy = match policy {
            None => self.default_arg(py),
            Some(p) if p.as_ptr() == self.default_policy.obj().as_ptr() => self.default_arg(py),
            Some(p) if is_type(&p, &self.policy) => PolicyArg::Given(p),
            Some(_) => return None,
        };
        Some((x, policy))
    }
}

// ---------------------------------------------------------------- liveness

fn liveness_policy(p: &Bound<'_, PyAny>) -> Option<liveness::LivenessPolicy> {
    let py = p.py();
    let [g, s] = read(p, [intern!(py, "grace_ms"), intern!(py, "spin_ms")])?;
    Some(liveness::LivenessPolicy { grace_ms: exact_i64(&g)?, spin_ms: exact_i64(&s)? })
}

fn liveness_evidence(ev: &Bound<'_, PyAny>) -> Option<liveness::ProgressEvidence> {
    let py = ev.py();
    let names = [
        intern!(py, "run_started_ms"),
        intern!(py, "now_ms"),
        intern!(py, "commits_since_start"),
        intern!(py, "journal_events_since"),
        intern!(py, "last_heartbeat_age_ms"),
        intern!(py, "tokens_spent_since"),
        intern!(py, "process_alive"),
    ];
    let [a, b, c, d, e, f, g] = read(ev, names)?;
    Some(liveness::ProgressEvidence {
        run_started_ms: exact_i64(&a)?,
        now_ms: exact_i64(&b)?,
        commits_since_start: exact_i64(&c)?,
        journal_events_since: exact_i64(&d)?,
        last_heartbeat_age_ms: opt_i64(&e)?,
        tokens_spent_since: opt_i64(&f)?,
        process_alive: opt_bool(&g)?,
    })
}

fn liveness_index(s: liveness::Liveness) -> usize {
    match s {
        liveness::Liveness::Advancing => 0,
        liveness::Liveness::Spinning => 1,
        liveness::Liveness::Stalled => 2,
    }
}

struct LivenessFast {
    inputs: Inputs,
    default: liveness::LivenessPolicy,
    verdict: Py<PyType>,
    members: Vec<Py<PyAny>>,
}

impl Fast for LivenessFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some((ev, policy)) = self.inputs.args(a, intern!(py, "ev")) else { return Ok(None) };
        let policy = match policy {
            PolicyArg::Default => self.default,
            PolicyArg::Given(p) => match liveness_policy(&p) {
                Some(p) => p,
                None => return Ok(None),
            },
        };
        let Some(evidence) = liveness_evidence(&ev) else { return Ok(None) };
        // What the op refuses (BAD_ARGS) the slower route answers as its module does.
        if evidence.validate().is_err() || policy.validate().is_err() {
            return Ok(None);
        }
        let (state, why) = liveness::judge(&evidence, &policy);
        // A typed module's record writes the reason when it is first read;
        // the reference's dataclass gets it written now.
        let reason = crate::record::text(py, &self.verdict, move || why.to_string())?;
        let fields = [
            (intern!(py, "verdict"), self.members[liveness_index(state)].bind(py).clone()),
            (intern!(py, "reason"), reason),
            (intern!(py, "evidence"), ev),
        ];
        build(py, &self.verdict, &fields).map(Some)
    }
}

fn class_of<'py>(module: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyType>> {
    Ok(module.getattr(name)?.cast_into::<PyType>()?)
}

/// `liveness.classify`'s hand fast path (registered in `crate::fastpath`,
/// kept where `bench/compare.py` shows the generic route binder too slow
/// for it: docs/benchmarks.md), served on `module`'s own classes and
/// handing every call it does not take to `fallback`. None when the
/// module's classes do not fit it.
pub(crate) fn bind_liveness_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let default_policy = module.getattr("DEFAULT_POLICY")?;
    let Some(default) = liveness_policy(&default_policy) else { return Ok(None) };
    let fast = LivenessFast {
        inputs: Inputs::new(
            &class_of(module, "ProgressEvidence")?,
            &class_of(module, "LivenessPolicy")?,
            &default_policy,
            &["grace_ms", "spin_ms"],
        ),
        default,
        verdict: class_of(module, "LivenessVerdict")?.unbind(),
        members: members_of(&module.getattr("Liveness")?, &["ADVANCING", "SPINNING", "STALLED"])?,
    };
    Ok(Some(NativeFunction::new("liveness.classify", fast, fallback)))
}

// ---------------------------------------------------------------- productivity

fn productivity_policy(p: &Bound<'_, PyAny>) -> Option<productivity::ProductivityPolicy> {
    let py = p.py();
    let [m, f] = read(p, [intern!(py, "min_steps"), intern!(py, "floor")])?;
    Some(productivity::ProductivityPolicy { min_steps: exact_i64(&m)?, floor: exact_i64(&f)? })
}

fn productivity_history(h: &Bound<'_, PyAny>) -> Option<productivity::WorkHistory> {
    let py = h.py();
    let [deltas] = read(h, [intern!(py, "deltas")])?;
    let t = deltas.cast_exact::<PyTuple>().ok()?;
    let mut out = Vec::with_capacity(t.len());
    for d in t.iter() {
        out.push(exact_i64(&d)?);
    }
    Some(productivity::WorkHistory { deltas: dos_core::route::Tuple(out), ..Default::default() })
}

fn productivity_index(s: productivity::Productivity) -> usize {
    match s {
        productivity::Productivity::Productive => 0,
        productivity::Productivity::Diminishing => 1,
        productivity::Productivity::Stalled => 2,
    }
}

struct ProductivityFast {
    inputs: Inputs,
    default: productivity::ProductivityPolicy,
    verdict: Py<PyType>,
    members: Vec<Py<PyAny>>,
}

impl Fast for ProductivityFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some((h, policy)) = self.inputs.args(a, intern!(py, "history")) else { return Ok(None) };
        let policy = match policy {
            PolicyArg::Default => self.default,
            PolicyArg::Given(p) => match productivity_policy(&p) {
                Some(p) => p,
                None => return Ok(None),
            },
        };
        let Some(history) = productivity_history(&h) else { return Ok(None) };
        // What the op refuses (BAD_ARGS) the slower route answers as its module does.
        if history.deltas.0.iter().any(|d| *d < 0) || policy.validate().is_err() {
            return Ok(None);
        }
        let (state, why) = productivity::judge(&history, &policy);
        let reason = crate::record::text(py, &self.verdict, move || why.to_string())?;
        let fields = [
            (intern!(py, "verdict"), self.members[productivity_index(state)].bind(py).clone()),
            (intern!(py, "reason"), reason),
            (intern!(py, "history"), h),
        ];
        build(py, &self.verdict, &fields).map(Some)
    }
}

/// `productivity.classify`'s hand fast path (registered in
/// `crate::fastpath`, kept where `bench/compare.py` shows the generic route
/// binder too slow for it: docs/benchmarks.md), served on `module`'s own
/// classes and handing every call it does not take to `fallback`. None
/// when the module's classes do not fit it.
pub(crate) fn bind_productivity_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let default_policy = module.getattr("DEFAULT_POLICY")?;
    let Some(default) = productivity_policy(&default_policy) else { return Ok(None) };
    let fast = ProductivityFast {
        inputs: Inputs::new(
            &class_of(module, "WorkHistory")?,
            &class_of(module, "ProductivityPolicy")?,
            &default_policy,
            &["min_steps", "floor"],
        ),
        default,
        verdict: class_of(module, "ProductivityVerdict")?.unbind(),
        members: members_of(&module.getattr("Productivity")?, &["PRODUCTIVE", "DIMINISHING", "STALLED"])?,
    };
    Ok(Some(NativeFunction::new("productivity.classify", fast, fallback)))
}

// ---------------------------------------------------------------- efficiency

/// The floor as the core keeps it: an exact float, or an exact int (clamped
/// past the `i128` range, where no ratio comes near it).
fn floor_of(v: &Bound<'_, PyAny>) -> Option<efficiency::Floor> {
    if let Some(f) = exact_f64(v) {
        return Some(efficiency::Floor::Float(f));
    }
    if let Some(i) = exact_i64(v) {
        return Some(efficiency::Floor::Int(i128::from(i)));
    }
    if v.is_exact_instance_of::<PyInt>() {
        return Some(efficiency::Floor::Int(match v.extract::<i128>() {
            Ok(i) => i,
            Err(_) if v.lt(0).ok()? => i128::MIN,
            Err(_) => i128::MAX,
        }));
    }
    None
}

fn efficiency_policy(p: &Bound<'_, PyAny>) -> Option<efficiency::EfficiencyPolicy> {
    let py = p.py();
    let [m, f] = read(p, [intern!(py, "min_tokens"), intern!(py, "floor")])?;
    Some(efficiency::EfficiencyPolicy { min_tokens: exact_i64(&m)?, floor: floor_of(&f)? })
}

fn efficiency_evidence(e: &Bound<'_, PyAny>) -> Option<efficiency::EfficiencyEvidence> {
    let py = e.py();
    let [w, t] = read(e, [intern!(py, "work"), intern!(py, "tokens")])?;
    efficiency::EfficiencyEvidence::new(exact_i64(&w)?, exact_i64(&t)?).ok()
}

fn efficiency_index(s: efficiency::Efficiency) -> usize {
    match s {
        efficiency::Efficiency::Efficient => 0,
        efficiency::Efficiency::Costly => 1,
        efficiency::Efficiency::Wasteful => 2,
    }
}

struct EfficiencyFast {
    inputs: Inputs,
    default: efficiency::EfficiencyPolicy,
    verdict: Py<PyType>,
    members: Vec<Py<PyAny>>,
}

impl Fast for EfficiencyFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some((e, policy)) = self.inputs.args(a, intern!(py, "evidence")) else { return Ok(None) };
        let policy = match policy {
            PolicyArg::Default => self.default,
            PolicyArg::Given(p) => match efficiency_policy(&p) {
                Some(p) => p,
                None => return Ok(None),
            },
        };
        // What the op refuses (BAD_ARGS) the slower route answers as its module does.
        let Some(evidence) = efficiency_evidence(&e) else { return Ok(None) };
        if policy.validate().is_err() {
            return Ok(None);
        }
        let (state, why) = efficiency::judge(&evidence, &policy);
        let reason = crate::record::text(py, &self.verdict, move || why.to_string())?;
        let fields = [
            (intern!(py, "verdict"), self.members[efficiency_index(state)].bind(py).clone()),
            (intern!(py, "reason"), reason),
            (intern!(py, "evidence"), e),
        ];
        build(py, &self.verdict, &fields).map(Some)
    }
}

/// `efficiency.classify`'s hand fast path (registered in `crate::fastpath`,
/// kept where `bench/compare.py` shows the generic route binder too slow
/// for it: docs/benchmarks.md), served on `module`'s own classes and
/// handing every call it does not take to `fallback`. None when the
/// module's classes do not fit it.
pub(crate) fn bind_efficiency_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let default_policy = module.getattr("DEFAULT_POLICY")?;
    let Some(default) = efficiency_policy(&default_policy) else { return Ok(None) };
    let fast = EfficiencyFast {
        inputs: Inputs::new(
            &class_of(module, "EfficiencyEvidence")?,
            &class_of(module, "EfficiencyPolicy")?,
            &default_policy,
            &["min_tokens", "floor"],
        ),
        default,
        verdict: class_of(module, "EfficiencyVerdict")?.unbind(),
        members: members_of(&module.getattr("Efficiency")?, &["EFFICIENT", "COSTLY", "WASTEFUL"])?,
    };
    Ok(Some(NativeFunction::new("efficiency.classify", fast, fallback)))
}

// ---------------------------------------------------------------- breaker

fn state_index(s: breaker::BreakerState) -> usize {
    match s {
        breaker::BreakerState::Closed => 0,
        breaker::BreakerState::Open => 1,
    }
}

fn escalation_index(e: breaker::Escalation) -> usize {
    match e {
        breaker::Escalation::None => 0,
        breaker::Escalation::Judge => 1,
        breaker::Escalation::Human => 2,
    }
}

const ESCALATIONS: [breaker::Escalation; 3] = [breaker::Escalation::None, breaker::Escalation::Judge, breaker::Escalation::Human];

fn rung_str(py: Python<'_>, r: Option<breaker::TripRung>) -> Bound<'_, PyAny> {
    match r {
        Some(breaker::TripRung::Consecutive) => intern!(py, "consecutive").clone().into_any(),
        Some(breaker::TripRung::Total) => intern!(py, "total").clone().into_any(),
        None => py.None().into_bound(py),
    }
}

fn breaker_policy(p: &Bound<'_, PyAny>, escalations: &[Py<PyAny>]) -> Option<breaker::BreakerPolicy> {
    let py = p.py();
    let [c, t, o] = read(p, [intern!(py, "max_consecutive"), intern!(py, "max_total"), intern!(py, "on_trip")])?;
    Some(breaker::BreakerPolicy {
        max_consecutive: exact_i64(&c)?,
        max_total: exact_i64(&t)?,
        on_trip: ESCALATIONS[member_index(&o, escalations)?],
    })
}

fn breaker_counts(c: &Bound<'_, PyAny>) -> Option<breaker::BreakerCounts> {
    let py = c.py();
    let [a, b] = read(c, [intern!(py, "consecutive"), intern!(py, "total")])?;
    Some(breaker::BreakerCounts { consecutive: i128::from(exact_i64(&a)?), total: i128::from(exact_i64(&b)?) })
}

/// A `BreakerCounts` instance of `cls` holding `c`.
fn counts_instance<'py>(py: Python<'py>, cls: &Py<PyType>, c: &breaker::BreakerCounts) -> PyResult<Bound<'py, PyAny>> {
    build(py, cls, &[(intern!(py, "consecutive"), int_i128(py, c.consecutive)?), (intern!(py, "total"), int_i128(py, c.total)?)])
}

#[derive(Clone, Copy)]
enum BreakerOp {
    Classify,
    RecordFailure,
    RecordSuccess,
}

struct BreakerFast {
    op: BreakerOp,
    inputs: Inputs,
    default: breaker::BreakerPolicy,
    /// The Escalation members a policy's `on_trip` must be one of.
    escalations: Vec<Py<PyAny>>,
    verdict: Py<PyType>,
    transition: Py<PyType>,
    states: Vec<Py<PyAny>>,
}

impl Fast for BreakerFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some((c, policy)) = self.inputs.args(a, intern!(py, "counts")) else { return Ok(None) };
        let policy = match policy {
            PolicyArg::Default => self.default,
            PolicyArg::Given(p) => match breaker_policy(&p, &self.escalations) {
                Some(p) => p,
                None => return Ok(None),
            },
        };
        let Some(counts) = breaker_counts(&c) else { return Ok(None) };
        let next = match self.op {
            BreakerOp::Classify => counts,
            BreakerOp::RecordFailure => breaker::after_failure(&counts),
            BreakerOp::RecordSuccess => breaker::after_success(&counts),
        };
        if counts.validate().is_err() || next.validate().is_err() || policy.validate().is_err() {
            // What the op refuses (BAD_ARGS), and counts the original would
            // refuse when it builds the next ones (made without running that
            // check, as a hostile caller can): the slower route answers.
            return Ok(None);
        }
        // The same ladder the envelope's ops run, on the counts they judge.
        let j = breaker::judge(&next, &policy);
        let why = j.why;
        let reason = crate::record::text(py, &self.verdict, move || why.to_string())?;
        let fields = [
            (intern!(py, "state"), self.states[state_index(j.state)].bind(py).clone()),
            (intern!(py, "escalation"), self.escalations[escalation_index(j.escalation)].bind(py).clone()),
            (intern!(py, "reason"), reason),
            (intern!(py, "tripped_on"), rung_str(py, j.tripped_on)),
        ];
        let verdict = build(py, &self.verdict, &fields)?;
        if let BreakerOp::Classify = self.op {
            return Ok(Some(verdict));
        }
        let counts_obj = counts_instance(py, &self.inputs.input, &next)?;
        build(py, &self.transition, &[(intern!(py, "counts"), counts_obj), (intern!(py, "verdict"), verdict)]).map(Some)
    }
}

/// The hand fast paths of `breaker.record_failure`, `record_success` and
/// `classify` (registered in `crate::fastpath`, kept where
/// `bench/compare.py` shows the generic route binder too slow for them:
/// docs/benchmarks.md), served on `module`'s own classes and handing every
/// call they do not take to `fallback`. None when the module's classes do
/// not fit them.
fn bind_breaker_fast(
    op: BreakerOp,
    label: &'static str,
    module: &Bound<'_, PyAny>,
    fallback: Py<PyAny>,
) -> PyResult<Option<NativeFunction>> {
    let escalations = members_of(&module.getattr("Escalation")?, &["NONE", "JUDGE", "HUMAN"])?;
    let default_policy = module.getattr("DEFAULT_POLICY")?;
    let Some(default) = breaker_policy(&default_policy, &escalations) else { return Ok(None) };
    let fast = BreakerFast {
        op,
        inputs: Inputs::new(
            &class_of(module, "BreakerCounts")?,
            &class_of(module, "BreakerPolicy")?,
            &default_policy,
            &["max_consecutive", "max_total", "on_trip"],
        ),
        default,
        escalations,
        verdict: class_of(module, "BreakerVerdict")?.unbind(),
        transition: class_of(module, "BreakerTransition")?.unbind(),
        states: members_of(&module.getattr("BreakerState")?, &["CLOSED", "OPEN"])?,
    };
    Ok(Some(NativeFunction::new(label, fast, fallback)))
}

pub(crate) fn bind_breaker_classify_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    bind_breaker_fast(BreakerOp::Classify, "breaker.classify", module, fallback)
}

pub(crate) fn bind_breaker_failure_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    bind_breaker_fast(BreakerOp::RecordFailure, "breaker.record_failure", module, fallback)
}

pub(crate) fn bind_breaker_success_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    bind_breaker_fast(BreakerOp::RecordSuccess, "breaker.record_success", module, fallback)
}
