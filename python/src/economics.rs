//! Dedicated entry points for the loop-economics deciders: `liveness`,
//! `productivity`, `efficiency` and `breaker`.
//!
//! Each `bind_*` function returns a [`NativeFunction`] tied to one set of
//! input classes: `dos_native`'s own (the typed modules) or the reference's
//! (`accelerate()`). The native path takes only instances of exactly those
//! classes holding exactly the built-in types it understands, reads their
//! `__dict__` and calls the core; anything else goes to the fallback as it
//! came. What it answers with depends on the binding:
//!
//! - typed (`verdict_cls=None`): a native verdict object that writes its
//!   reason only when asked for it;
//! - reference: a new instance of the reference's own frozen verdict
//!   dataclass, filled without running its `__init__`.

use crate::convert::{tuple_eq, AsTuple};
use crate::fast::{build, exact_f64, exact_i64, int_i128, is_type, member_index, members_of, one_or_two, opt_bool, opt_i64, read};
use crate::registry::{self, Class, Enum};
use crate::snapshot::Pinned;
use crate::swap::{CallArgs, Fast, NativeFunction};
use dos_core::deciders::{breaker, efficiency, liveness, productivity};
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyInt, PyString, PyTuple, PyType};

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

/// Where the verdict goes: a native verdict object, or the reference's class.
enum Out {
    Typed,
    Ref { verdict: Py<PyType>, members: Vec<Py<PyAny>> },
}

fn out_for(verdict_cls: Option<&Bound<'_, PyType>>, enum_cls: Option<&Bound<'_, PyAny>>, e: Enum) -> PyResult<Out> {
    match (verdict_cls, enum_cls) {
        (None, _) => Ok(Out::Typed),
        (Some(v), Some(en)) => Ok(Out::Ref { verdict: v.clone().unbind(), members: members_of(en, e.names())? }),
        (Some(_), None) => Err(PyTypeError::new_err("a verdict class needs its enum class too")),
    }
}

fn not_taken(what: &str) -> PyErr {
    PyTypeError::new_err(format!("the default {what} holds values libdos cannot take"))
}

/// `repr()` the way a dataclass writes it.
fn dataclass_repr(name: &str, fields: &[(&str, Bound<'_, PyAny>)]) -> PyResult<String> {
    let mut out = format!("{name}(");
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v.repr()?.to_str()?);
    }
    out.push(')');
    Ok(out)
}

fn new_dict<'py>(py: Python<'py>, items: &[(&str, Bound<'py, PyAny>)]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, v) in items {
        d.set_item(*k, v)?;
    }
    Ok(d)
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
        let v = liveness::classify(&evidence, &policy);
        let fields = [
            (intern!(py, "verdict"), self.members[liveness_index(v.verdict)].bind(py).clone()),
            (intern!(py, "reason"), PyString::new(py, &v.reason).into_any()),
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
        let v = productivity::classify(&history, &policy);
        let fields = [
            (intern!(py, "verdict"), self.members[productivity_index(v.verdict)].bind(py).clone()),
            (intern!(py, "reason"), PyString::new(py, &v.reason).into_any()),
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

/// `EfficiencyVerdict`: the state, its reason (written on demand) and the
/// evidence object it judged.
#[pyclass(frozen, module = "dos_native.efficiency", name = "EfficiencyVerdict")]
pub(crate) struct PyEfficiencyVerdict {
    state: efficiency::Efficiency,
    ev: efficiency::EfficiencyEvidence,
    policy: efficiency::EfficiencyPolicy,
    echo: Py<PyAny>,
}

impl AsTuple for PyEfficiencyVerdict {
    fn astuple<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, [self.verdict(py)?, PyString::new(py, &self.reason()?).into_any().unbind(), self.echo.clone_ref(py)])
    }
}

impl PyEfficiencyVerdict {
    fn repr(&self, py: Python<'_>) -> PyResult<String> {
        let t = self.astuple(py)?;
        dataclass_repr("EfficiencyVerdict", &[("verdict", t.get_item(0)?), ("reason", t.get_item(1)?), ("evidence", t.get_item(2)?)])
    }
}

#[crate::guard]
#[pymethods]
impl PyEfficiencyVerdict {
    #[getter]
    fn verdict(&self, py: Python<'_>) -> Py<PyAny> {
        registry::member(py, Enum::Efficiency, efficiency_index(self.state))
    }

    #[getter]
    fn reason(&self) -> String {
        efficiency::classify(&self.ev, &self.policy).reason
    }

    #[getter]
    fn evidence(&self, py: Python<'_>) -> Py<PyAny> {
        self.echo.clone_ref(py)
    }

    /// The reference's `to_dict()` shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let e = &self.ev;
        let evidence = new_dict(
            py,
            &[
                ("work", e.work().into_pyobject(py)?.into_any()),
                ("tokens", e.tokens().into_pyobject(py)?.into_any()),
                ("ratio", e.ratio().into_pyobject(py)?.into_any()),
            ],
        )?;
        new_dict(
            py,
            &[
                ("verdict", PyString::new(py, self.state.as_str()).into_any()),
                ("reason", PyString::new(py, &self.reason()?).into_any()),
                ("evidence", evidence.into_any()),
            ],
        )
    }

    fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        tuple_eq(slf, other)
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        self.astuple(py)?.hash()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.repr(py)
    }
}

struct EfficiencyFast {
    inputs: Inputs,
    default: efficiency::EfficiencyPolicy,
    out: Out,
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
        let Some(evidence) = efficiency_evidence(&e) else { return Ok(None) };
        match &self.out {
            Out::Typed => {
                let state = efficiency::state(&evidence, &policy);
                let v = PyEfficiencyVerdict { state, ev: evidence, policy, echo: e.unbind() };
                Ok(Some(Bound::new(py, v)?.into_any()))
            }
            Out::Ref { verdict, members } => {
                let v = efficiency::classify(&evidence, &policy);
                let fields = [
                    (intern!(py, "verdict"), members[efficiency_index(v.verdict)].bind(py).clone()),
                    (intern!(py, "reason"), PyString::new(py, &v.reason).into_any()),
                    (intern!(py, "evidence"), e),
                ];
                build(py, verdict, &fields).map(Some)
            }
        }
    }
}

/// A native `efficiency.classify(evidence, policy=DEFAULT_POLICY)`.
#[crate::guard]
#[pyfunction]
#[pyo3(signature = (evidence_cls, policy_cls, default_policy, fallback, verdict_cls=None, state_cls=None))]
pub(crate) fn bind_efficiency_classify(
    evidence_cls: &Bound<'_, PyType>,
    policy_cls: &Bound<'_, PyType>,
    default_policy: &Bound<'_, PyAny>,
    fallback: Py<PyAny>,
    verdict_cls: Option<&Bound<'_, PyType>>,
    state_cls: Option<&Bound<'_, PyAny>>,
) -> PyResult<NativeFunction> {
    let fast = EfficiencyFast {
        inputs: Inputs::new(evidence_cls, policy_cls, default_policy, &["min_tokens", "floor"]),
        default: efficiency_policy(default_policy).ok_or_else(|| not_taken("EfficiencyPolicy"))?,
        out: out_for(verdict_cls, state_cls, Enum::Efficiency)?,
    };
    Ok(NativeFunction::new("efficiency.classify", fast, fallback))
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

/// `BreakerVerdict`: CLOSED or OPEN, the escalation, the rung that tripped
/// and a reason written on demand.
#[pyclass(frozen, module = "dos_native.breaker", name = "BreakerVerdict")]
pub(crate) struct PyBreakerVerdict {
    state: breaker::BreakerState,
    escalation: breaker::Escalation,
    tripped: Option<breaker::TripRung>,
    counts: breaker::BreakerCounts,
    policy: breaker::BreakerPolicy,
}

impl PyBreakerVerdict {
    fn judge(counts: breaker::BreakerCounts, policy: breaker::BreakerPolicy) -> Self {
        let (state, escalation, tripped) = breaker::judge(&counts, &policy);
        PyBreakerVerdict { state, escalation, tripped, counts, policy }
    }
}

impl AsTuple for PyBreakerVerdict {
    fn astuple<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(
            py,
            [
                self.state(py)?.into_bound(py),
                self.escalation(py)?.into_bound(py),
                PyString::new(py, &self.reason()?).into_any(),
                rung_str(py, self.tripped),
            ],
        )
    }
}

impl PyBreakerVerdict {
    fn repr(&self, py: Python<'_>) -> PyResult<String> {
        let t = self.astuple(py)?;
        dataclass_repr(
            "BreakerVerdict",
            &[("state", t.get_item(0)?), ("escalation", t.get_item(1)?), ("reason", t.get_item(2)?), ("tripped_on", t.get_item(3)?)],
        )
    }

    fn dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        new_dict(
            py,
            &[
                ("state", PyString::new(py, self.state.as_str()).into_any()),
                ("escalation", PyString::new(py, self.escalation.as_str()).into_any()),
                ("reason", PyString::new(py, &self.reason()?).into_any()),
                ("tripped_on", rung_str(py, self.tripped)),
            ],
        )
    }
}

#[crate::guard]
#[pymethods]
impl PyBreakerVerdict {
    #[getter]
    fn state(&self, py: Python<'_>) -> Py<PyAny> {
        registry::member(py, Enum::BreakerState, state_index(self.state))
    }

    #[getter]
    fn escalation(&self, py: Python<'_>) -> Py<PyAny> {
        registry::member(py, Enum::Escalation, escalation_index(self.escalation))
    }

    #[getter]
    fn reason(&self) -> String {
        breaker::classify(&self.counts, &self.policy).reason
    }

    #[getter]
    fn tripped_on<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        rung_str(py, self.tripped)
    }

    /// Whether the breaker is OPEN.
    #[getter]
    fn is_open(&self) -> bool {
        self.state == breaker::BreakerState::Open
    }

    /// The reference's `to_dict()` shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.dict(py)
    }

    fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        tuple_eq(slf, other)
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        self.astuple(py)?.hash()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.repr(py)
    }
}

/// `BreakerTransition`: the counts to carry next and the verdict on them
/// (both objects made when first read).
#[pyclass(frozen, module = "dos_native.breaker", name = "BreakerTransition")]
pub(crate) struct PyBreakerTransition {
    counts: breaker::BreakerCounts,
    policy: breaker::BreakerPolicy,
    counts_obj: PyOnceLock<Py<PyAny>>,
    verdict_obj: PyOnceLock<Py<PyBreakerVerdict>>,
}

impl AsTuple for PyBreakerTransition {
    fn astuple<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, [self.counts(py)?.into_any(), self.verdict(py)?.into_any()])
    }
}

impl PyBreakerTransition {
    fn repr(&self, py: Python<'_>) -> PyResult<String> {
        let t = self.astuple(py)?;
        dataclass_repr("BreakerTransition", &[("counts", t.get_item(0)?), ("verdict", t.get_item(1)?)])
    }
}

/// A `BreakerCounts` instance of `cls` holding `c`.
fn counts_instance<'py>(py: Python<'py>, cls: &Py<PyType>, c: &breaker::BreakerCounts) -> PyResult<Bound<'py, PyAny>> {
    build(py, cls, &[(intern!(py, "consecutive"), int_i128(py, c.consecutive)?), (intern!(py, "total"), int_i128(py, c.total)?)])
}

#[crate::guard]
#[pymethods]
impl PyBreakerTransition {
    #[getter]
    fn counts(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let obj = self.counts_obj.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            let cls = registry::class(py, Class::BreakerCounts)?.clone().unbind();
            Ok(counts_instance(py, &cls, &self.counts)?.unbind())
        })?;
        Ok(obj.clone_ref(py))
    }

    #[getter]
    fn verdict(&self, py: Python<'_>) -> PyResult<Py<PyBreakerVerdict>> {
        let v = self.verdict_obj.get_or_try_init(py, || Py::new(py, PyBreakerVerdict::judge(self.counts, self.policy)))?;
        Ok(v.clone_ref(py))
    }

    /// `{"counts": {...}, "verdict": {...}}` (an addition: the reference's
    /// transition has no `to_dict`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let counts = new_dict(py, &[("consecutive", int_i128(py, self.counts.consecutive)?), ("total", int_i128(py, self.counts.total)?)])?;
        let verdict = self.verdict(py)?;
        new_dict(py, &[("counts", counts.into_any()), ("verdict", verdict.bind(py).get().dict(py)?.into_any())])
    }

    fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        tuple_eq(slf, other)
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        self.astuple(py)?.hash()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.repr(py)
    }
}

#[derive(Clone, Copy)]
enum BreakerOp {
    Classify,
    RecordFailure,
    RecordSuccess,
}

/// The reference's verdict and transition classes, and its state members.
type RefClasses = (Py<PyType>, Py<PyType>, Vec<Py<PyAny>>);

struct BreakerFast {
    op: BreakerOp,
    inputs: Inputs,
    default: breaker::BreakerPolicy,
    /// The Escalation members a policy's `on_trip` must be one of.
    escalations: Vec<Py<PyAny>>,
    /// With the reference's classes: (verdict, transition, states).
    out: Option<RefClasses>,
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
            BreakerOp::RecordFailure => breaker::BreakerCounts { consecutive: counts.consecutive + 1, total: counts.total + 1 },
            BreakerOp::RecordSuccess => breaker::BreakerCounts { consecutive: 0, total: counts.total },
        };
        if next.consecutive < 0 || next.total < 0 {
            // The original builds `BreakerCounts(...)` from these, whose
            // check refuses a negative count (counts made without running
            // that check, as a hostile caller can): let it raise.
            return Ok(None);
        }
        let Some((verdict_cls, transition_cls, states)) = &self.out else {
            return Ok(Some(match self.op {
                BreakerOp::Classify => Bound::new(py, PyBreakerVerdict::judge(counts, policy))?.into_any(),
                _ => Bound::new(
                    py,
                    PyBreakerTransition { counts: next, policy, counts_obj: PyOnceLock::new(), verdict_obj: PyOnceLock::new() },
                )?
                .into_any(),
            }));
        };
        // The reference's classes: the same core calls the envelope makes.
        let (v, counts_out) = match self.op {
            BreakerOp::Classify => (breaker::classify(&counts, &policy), None),
            BreakerOp::RecordFailure => {
                let t = breaker::record_failure(&counts, &policy);
                (t.verdict, Some(t.counts))
            }
            BreakerOp::RecordSuccess => {
                let t = breaker::record_success(&counts, &policy);
                (t.verdict, Some(t.counts))
            }
        };
        let fields = [
            (intern!(py, "state"), states[state_index(v.state)].bind(py).clone()),
            (intern!(py, "escalation"), self.escalations[escalation_index(v.escalation)].bind(py).clone()),
            (intern!(py, "reason"), PyString::new(py, &v.reason).into_any()),
            (intern!(py, "tripped_on"), rung_str(py, v.tripped_on)),
        ];
        let verdict = build(py, verdict_cls, &fields)?;
        let Some(nc) = counts_out else { return Ok(Some(verdict)) };
        let counts_obj = counts_instance(py, &self.inputs.input, &nc)?;
        build(py, transition_cls, &[(intern!(py, "counts"), counts_obj), (intern!(py, "verdict"), verdict)]).map(Some)
    }
}

/// A native `breaker.classify`, `breaker.record_failure` or
/// `breaker.record_success` (`op`), each `(counts, policy=DEFAULT_POLICY)`.
/// `escalation_cls` is the Escalation enum a policy's `on_trip` belongs to;
/// with `verdict_cls`, `transition_cls` and `state_cls` it answers with
/// instances of the reference's classes.
#[crate::guard]
#[pyfunction]
#[pyo3(signature = (op, counts_cls, policy_cls, default_policy, escalation_cls, fallback, verdict_cls=None, transition_cls=None, state_cls=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn bind_breaker(
    op: &str,
    counts_cls: &Bound<'_, PyType>,
    policy_cls: &Bound<'_, PyType>,
    default_policy: &Bound<'_, PyAny>,
    escalation_cls: &Bound<'_, PyAny>,
    fallback: Py<PyAny>,
    verdict_cls: Option<&Bound<'_, PyType>>,
    transition_cls: Option<&Bound<'_, PyType>>,
    state_cls: Option<&Bound<'_, PyAny>>,
) -> PyResult<NativeFunction> {
    let (op, label) = match op {
        "classify" => (BreakerOp::Classify, "breaker.classify"),
        "record_failure" => (BreakerOp::RecordFailure, "breaker.record_failure"),
        "record_success" => (BreakerOp::RecordSuccess, "breaker.record_success"),
        other => return Err(PyTypeError::new_err(format!("no breaker operation {other:?}"))),
    };
    let escalations = members_of(escalation_cls, Enum::Escalation.names())?;
    let out = match (verdict_cls, transition_cls, state_cls) {
        (None, None, None) => None,
        (Some(v), Some(t), Some(s)) => Some((v.clone().unbind(), t.clone().unbind(), members_of(s, Enum::BreakerState.names())?)),
        _ => return Err(PyTypeError::new_err("give all of verdict_cls, transition_cls and state_cls, or none")),
    };
    let fast = BreakerFast {
        op,
        inputs: Inputs::new(counts_cls, policy_cls, default_policy, &["max_consecutive", "max_total", "on_trip"]),
        default: breaker_policy(default_policy, &escalations).ok_or_else(|| not_taken("BreakerPolicy"))?,
        escalations,
        out,
    };
    Ok(NativeFunction::new(label, fast, fallback))
}
