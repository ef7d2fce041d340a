//! Hand fast paths of four issue-10 leaves whose generic route costs more
//! than the reference spends deciding (docs/benchmarks.md, "The audit
//! leaves"), hung off the generated route by `crate::fastpath`:
//!
//! - `judges.run_judge` with the built-in abstain judge (typed and under
//!   `accelerate()`): the verdict is a constant the core writes once;
//! - `enforce.run_handler` with the built-in observe handler (typed and
//!   under `accelerate()`): the proposal echoes the decision's reason;
//! - `improve.classify` (typed and under `accelerate()`): the core decides
//!   on the evidence's and the policy's fields; the reference's verdict
//!   holds the caller's own evidence object, the typed one an echo record;
//! - `coverage.classify_coverage` (typed and under `accelerate()`): the
//!   returns are read by exact type, as the reference's `_as_state` reads
//!   them (the typed module's: its own `ReturnState`s only).
//!
//! Each reads only what the reference reads, builds the module's own
//! classes, and hands anything else (a plugin, a subclass, a value the op
//! would refuse) to its fallback.

use crate::fast::{bind_args, build, dataclass_field_names, exact_f64, exact_i64, int_i128, is_type, member_index, members_of, read};
use crate::swap::{CallArgs, Fast, NativeFunction};
use dos_core::deciders::{coverage, enforce, improve, judges, result_state};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyList, PyString, PyTuple, PyType};

fn class_of<'py>(module: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyType>> {
    Ok(module.getattr(name)?.cast_into::<PyType>()?)
}

/// Whether `module` is one of the typed modules (not the reference's).
fn is_typed(module: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(module.getattr("__name__")?.extract::<String>()?.starts_with("dos_native."))
}

/// A built-in plugin class (`AbstainJudge`, `ObserveHandler`) as it was at
/// bind time: its `name` and its method, by identity. An instance is the
/// built-in only while its class still holds both and it holds nothing of
/// its own.
struct BuiltIn {
    cls: Py<PyType>,
    method: Py<PyString>,
    name_obj: Py<PyAny>,
    method_obj: Py<PyAny>,
}

impl BuiltIn {
    fn of(cls: &Bound<'_, PyType>, method: &str, name: &str) -> PyResult<Option<BuiltIn>> {
        let py = cls.py();
        let d = cls.getattr("__dict__")?;
        let (Ok(n), Ok(m)) = (d.get_item("name"), d.get_item(method)) else { return Ok(None) };
        if n.cast::<PyString>().ok().and_then(|s| s.to_str().ok()) != Some(name) {
            return Ok(None);
        }
        Ok(Some(BuiltIn {
            cls: cls.clone().unbind(),
            method: PyString::intern(py, method).unbind(),
            name_obj: n.unbind(),
            method_obj: m.unbind(),
        }))
    }

    fn holds(&self, x: &Bound<'_, PyAny>) -> bool {
        let py = x.py();
        if !is_type(x, &self.cls) {
            return false;
        }
        // No instance attributes (a `name` or method of its own).
        if let Some(d) = crate::fast::fields_of(x) {
            if !d.is_empty() {
                return false;
            }
        }
        // The class's attributes as the type finds them (its method cache,
        // no `__dict__` proxy per call): the very objects bound, or not ours.
        let cls = self.cls.bind(py);
        let at = |k: &Bound<'_, PyString>| cls.getattr(k).ok().map(|v| v.as_ptr());
        at(intern!(py, "name")) == Some(self.name_obj.as_ptr()) && at(self.method.bind(py)) == Some(self.method_obj.as_ptr())
    }
}

// ---------------------------------------------------------------- judges.run_judge

struct JudgeFast {
    /// The reference's `AbstainJudge` (None: the typed module, whose judge is the name).
    builtin: Option<BuiltIn>,
    /// The typed module's `JudgeClaim`.
    claim: Option<Py<PyType>>,
    verdict: Py<PyType>,
    /// The verdict's fields in the class's order: the stance field's name.
    stance_field: Py<PyString>,
    abstain: Py<PyAny>,
    why: Py<PyString>,
    cost: Py<PyFloat>,
}

/// A typed `JudgeClaim` whose fields the op reads as it is (texts and a tuple of texts).
fn typed_claim(c: &Bound<'_, PyAny>, cls: &Py<PyType>) -> bool {
    let py = c.py();
    if !is_type(c, cls) {
        return false;
    }
    let names = [intern!(py, "claim_text"), intern!(py, "stated_reason"), intern!(py, "evidence"), intern!(py, "subject")];
    let Some([t, r, e, s]) = read(c, names) else { return false };
    let text = |x: &Bound<'_, PyAny>| x.is_exact_instance_of::<PyString>();
    text(&t) && text(&r) && text(&s) && e.cast_exact::<PyTuple>().is_ok_and(|e| e.iter_borrowed().all(|x| text(&x)))
}

impl Fast for JudgeFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some([judge, claim, config]) = bind_args(a, [intern!(py, "judge"), intern!(py, "claim"), intern!(py, "config")], 3) else {
            return Ok(None);
        };
        let (Some(judge), Some(claim)) = (judge, claim) else { return Ok(None) };
        match (&self.builtin, &self.claim) {
            // The reference: the judge is the untouched built-in; it reads
            // neither the claim nor the config (which it requires).
            (Some(b), _) => {
                if config.is_none() || !b.holds(&judge) {
                    return Ok(None);
                }
            }
            // Typed: the name `abstain`, a claim the op reads, no config.
            (None, Some(cls)) => {
                let is_abstain = judge.is_exact_instance_of::<PyString>() && crate::fast::utf8_of(&judge) == Some("abstain");
                if !is_abstain || !typed_claim(&claim, cls) || config.is_some_and(|c| !c.is_none()) {
                    return Ok(None);
                }
            }
            (None, None) => return Ok(None),
        }
        crate::route_bind::trace(py, "judges.run_judge").map_err(|e| crate::swap::raised(py, e))?;
        let fields = [
            (self.stance_field.bind(py), self.abstain.bind(py).clone()),
            (intern!(py, "why"), self.why.bind(py).clone().into_any()),
            (intern!(py, "evidence"), PyTuple::empty(py).into_any()),
            (intern!(py, "cost"), self.cost.bind(py).clone().into_any()),
        ];
        build(py, &self.verdict, &fields).map(Some)
    }
}

/// `judges.run_judge`'s fast path (registered in `crate::fastpath`).
pub(crate) fn bind_judge_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    let typed = is_typed(module)?;
    let (builtin, claim, stance_cls, stance_field) = if typed {
        (None, Some(class_of(module, "JudgeClaim")?.unbind()), module.getattr("JudgeStance")?, "stance")
    } else {
        let Ok(cls) = module.getattr("AbstainJudge") else { return Ok(None) };
        let Some(b) = BuiltIn::of(cls.cast::<PyType>()?, "rule", "abstain")? else { return Ok(None) };
        (Some(b), None, module.getattr("Stance")?, "_stance")
    };
    let verdict = class_of(module, "JudgeVerdict")?;
    // Only for a class whose fields are the ones built here, in this order.
    let names = dataclass_field_names(&verdict)?;
    if names != [stance_field, "why", "evidence", "cost"] {
        return Ok(None);
    }
    let fast = JudgeFast {
        builtin,
        claim,
        verdict: verdict.unbind(),
        stance_field: PyString::intern(py, stance_field).unbind(),
        abstain: stance_cls.getattr("ABSTAIN")?.unbind(),
        why: PyString::new(py, judges::ABSTAIN_WHY).unbind(),
        cost: PyFloat::new(py, 0.0).unbind(),
    };
    Ok(Some(NativeFunction::new("judges.run_judge", fast, fallback)))
}

// ---------------------------------------------------------------- enforce.run_handler

struct HandlerFast {
    /// The reference's `ObserveHandler` (None: the typed module, whose handler is the name).
    builtin: Option<BuiltIn>,
    /// The third parameter's name (`config`, the typed module's `host_config`).
    config: Py<PyString>,
    decision: Py<PyType>,
    /// `Intervention`'s members (what the reference's rank table holds).
    interventions: Vec<Py<PyAny>>,
    /// The typed module's `Confidence` members and `InterventionSpec`: a
    /// typed decision is checked field by field as the op decodes it.
    typed: Option<(Vec<Py<PyAny>>, Py<PyType>)>,
    proposal: Py<PyType>,
    observe: Py<PyAny>,
    handler: Py<PyString>,
    reason: Py<PyString>,
}

/// An exact `str` the op takes (no lone surrogate).
fn op_text<'a>(x: &'a Bound<'_, PyAny>) -> Option<&'a str> {
    if !x.is_exact_instance_of::<PyString>() {
        return None;
    }
    crate::fast::utf8_of(x)
}

/// An exact tuple of such texts.
fn op_texts(x: &Bound<'_, PyAny>) -> bool {
    x.cast_exact::<PyTuple>().is_ok_and(|t| t.iter_borrowed().all(|y| op_text(&y).is_some()))
}

/// A typed decision's fields other than the two `HandlerFast` reads, as
/// the op decodes and checks them (its rung a valid `InterventionSpec`).
fn typed_decision_ok(d: &Bound<'_, PyAny>, confidences: &[Py<PyAny>], spec: &Py<PyType>) -> bool {
    let py = d.py();
    let names = [intern!(py, "confidence"), intern!(py, "rung"), intern!(py, "disruption_cost"), intern!(py, "unsupported")];
    let Some([c, rung, cost, unsupported]) = read(d, names) else { return false };
    if member_index(&c, confidences).is_none() || exact_f64(&cost).is_none() || !op_texts(&unsupported) || !is_type(&rung, spec) {
        return false;
    }
    let names = [
        intern!(py, "token"),
        intern!(py, "rank"),
        intern!(py, "summary"),
        intern!(py, "actuation"),
        intern!(py, "dispatches"),
        intern!(py, "returns_synthetic"),
        intern!(py, "see_also"),
    ];
    let Some([token, rank, summary, actuation, dispatches, synthetic, see_also]) = read(&rung, names) else { return false };
    let (Some(token), Some(rank), Some(dispatches), Some(synthetic)) =
        (op_text(&token), exact_i64(&rank), exact_bool(&dispatches), exact_bool(&synthetic))
    else {
        return false;
    };
    // The rung's own checks (the op refuses a decision whose rung fails them).
    !dos_core::pystr::strip(token).is_empty()
        && rank >= 0
        && !(synthetic && dispatches)
        && op_text(&summary).is_some()
        && op_text(&actuation).is_some()
        && op_texts(&see_also)
}

impl Fast for HandlerFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some([handler, decision, config]) = bind_args(a, [intern!(py, "handler"), intern!(py, "decision"), self.config.bind(py)], 3)
        else {
            return Ok(None);
        };
        let (Some(handler), Some(decision)) = (handler, decision) else { return Ok(None) };
        if !is_type(&decision, &self.decision) {
            return Ok(None);
        }
        match (&self.builtin, &self.typed) {
            // The reference: the untouched built-in, which requires the config (and does not read it).
            (Some(b), _) => {
                if config.is_none() || !b.holds(&handler) {
                    return Ok(None);
                }
            }
            // Typed: the name `observe`, no host config.
            (None, Some((confidences, spec))) => {
                if op_text(&handler) != Some("observe")
                    || config.is_some_and(|c| !c.is_none())
                    || !typed_decision_ok(&decision, confidences, spec)
                {
                    return Ok(None);
                }
            }
            (None, None) => return Ok(None),
        }
        // What the reference reads of the decision: its reason (the note)
        // and its rung (ranked against OBSERVE, which it never exceeds).
        let Some([reason, intervention]) = read(&decision, [intern!(py, "reason"), intern!(py, "intervention")]) else {
            return Ok(None);
        };
        if !reason.is_exact_instance_of::<PyString>() || member_index(&intervention, &self.interventions).is_none() {
            return Ok(None);
        }
        if self.typed.is_some() && op_text(&reason).is_none() {
            return Ok(None);
        }
        crate::route_bind::trace(py, "enforce.run_handler").map_err(|e| crate::swap::raised(py, e))?;
        let fields = [
            (intern!(py, "intervention"), self.observe.bind(py).clone()),
            (intern!(py, "dispatch_call"), PyBool::new(py, true).to_owned().into_any()),
            (intern!(py, "synthetic_result"), py.None().into_bound(py)),
            (intern!(py, "note"), reason),
            (intern!(py, "handler"), self.handler.bind(py).clone().into_any()),
            (intern!(py, "reason"), self.reason.bind(py).clone().into_any()),
        ];
        build(py, &self.proposal, &fields).map(Some)
    }
}

/// `enforce.run_handler`'s fast path (registered in `crate::fastpath`),
/// typed and under `accelerate()`.
pub(crate) fn bind_handler_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    let typed_module = is_typed(module)?;
    let (builtin, typed, config) = if typed_module {
        let confidences = members_of(&module.getattr("Confidence")?, &["HIGH", "LOW", "NONE"])?;
        (None, Some((confidences, class_of(module, "InterventionSpec")?.unbind())), "host_config")
    } else {
        let Ok(cls) = module.getattr("ObserveHandler") else { return Ok(None) };
        let Some(builtin) = BuiltIn::of(cls.cast::<PyType>()?, "handle", "observe")? else { return Ok(None) };
        (Some(builtin), None, "config")
    };
    // Only for the module's own parameters (a wrapper of the caller's declines).
    let params = py.import("inspect")?.call_method1("signature", (fallback.bind(py),))?.getattr("parameters")?;
    let pnames: Vec<String> = params.try_iter()?.map(|n| n?.extract::<String>()).collect::<PyResult<_>>()?;
    if pnames != ["handler", "decision", config] {
        return Ok(None);
    }
    let intervention = module.getattr("Intervention")?;
    let interventions = members_of(&intervention, &["OBSERVE", "WARN", "BLOCK", "DEFER"])?;
    let proposal = class_of(module, "EffectProposal")?;
    let names = dataclass_field_names(&proposal)?;
    if names != ["intervention", "dispatch_call", "synthetic_result", "note", "handler", "reason"] {
        return Ok(None);
    }
    let fast = HandlerFast {
        builtin,
        config: PyString::intern(py, config).unbind(),
        decision: class_of(module, "InterventionDecision")?.unbind(),
        observe: interventions[0].clone_ref(py),
        interventions,
        typed,
        proposal: proposal.unbind(),
        handler: PyString::intern(py, "observe").unbind(),
        reason: PyString::new(py, enforce::OBSERVE_REASON).unbind(),
    };
    Ok(Some(NativeFunction::new("enforce.run_handler", fast, fallback)))
}

// ---------------------------------------------------------------- improve.classify

struct ImproveFast {
    evidence: Py<PyType>,
    policy_cls: Py<PyType>,
    default_policy: Py<PyAny>,
    verdict: Py<PyType>,
    /// KEEP, REVERT, ESCALATE.
    candidates: Vec<Py<PyAny>>,
    /// REGRESSED, NO_IMPROVEMENT, WASTEFUL.
    causes: Vec<Py<PyAny>>,
    /// `breaker.Escalation` (the typed module's own `Escalation`): NONE, JUDGE, HUMAN.
    escalations: Vec<Py<PyAny>>,
    /// The typed module's `CandidateEvidenceEcho`, whose record the typed
    /// verdict holds; None for the reference, whose verdict holds the
    /// caller's own evidence object.
    echo: Option<Py<PyType>>,
}

/// A float field as the core keeps it: an exact float, or an exact int a
/// float holds exactly.
fn float_of(v: &Bound<'_, PyAny>) -> Option<f64> {
    exact_f64(v).or_else(|| exact_i64(v).filter(|i| i.unsigned_abs() <= 1 << 53).map(|i| i as f64))
}

fn exact_bool(v: &Bound<'_, PyAny>) -> Option<bool> {
    v.cast_exact::<PyBool>().ok().map(|b| b.is_true())
}

impl Fast for ImproveFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some([e, p]) = bind_args(a, [intern!(py, "evidence"), intern!(py, "policy")], 2) else { return Ok(None) };
        let Some(e) = e else { return Ok(None) };
        let p = p.unwrap_or_else(|| self.default_policy.bind(py).clone());
        if !is_type(&e, &self.evidence) || !is_type(&p, &self.policy_cls) {
            return Ok(None);
        }
        let names = [
            intern!(py, "suite_passed"),
            intern!(py, "truth_clean"),
            intern!(py, "work"),
            intern!(py, "baseline_work"),
            intern!(py, "tokens"),
            intern!(py, "consecutive_reverts"),
        ];
        let Some([sp, tc, w, bw, t, cr]) = read(&e, names) else { return Ok(None) };
        let names = [intern!(py, "max_consecutive_reverts"), intern!(py, "efficiency_floor"), intern!(py, "min_tokens_for_efficiency")];
        let Some([mx, fl, mt]) = read(&p, names) else { return Ok(None) };
        let (Some(sp), Some(tc), Some(w), Some(bw), Some(t), Some(cr)) =
            (exact_bool(&sp), exact_bool(&tc), exact_i64(&w), exact_i64(&bw), exact_i64(&t), exact_i64(&cr))
        else {
            return Ok(None);
        };
        let (Some(mx), Some(fl), Some(mt)) = (exact_i64(&mx), float_of(&fl), exact_i64(&mt)) else { return Ok(None) };
        // The typed verdict echoes the narration (the op's text: no lone surrogate).
        let narrated = match &self.echo {
            Some(_) => {
                let Some([n]) = read(&e, [intern!(py, "narrated")]) else { return Ok(None) };
                if !n.is_exact_instance_of::<PyString>() || crate::fast::utf8_of(&n).is_none() {
                    return Ok(None);
                }
                Some(n)
            }
            None => None,
        };
        let evidence = improve::CandidateEvidence {
            suite_passed: sp,
            truth_clean: tc,
            work: w,
            baseline_work: bw,
            tokens: t,
            consecutive_reverts: cr,
            narrated: dos_core::pyjson::Str::from(""),
        };
        let policy = improve::ImprovePolicy { max_consecutive_reverts: mx, efficiency_floor: fl, min_tokens_for_efficiency: mt };
        // What the op refuses the reference answers (its classes check on construction).
        if evidence.validate().is_err() || policy.validate().is_err() {
            return Ok(None);
        }
        crate::route_bind::trace(py, "improve.classify").map_err(|e| crate::swap::raised(py, e))?;
        let v = improve::classify(evidence, &policy);
        let Some(reason) = v.reason.as_str() else { return Ok(None) };
        let candidate = match v.verdict {
            improve::Candidate::Keep => 0,
            improve::Candidate::Revert => 1,
            improve::Candidate::Escalate => 2,
        };
        let cause = match v.revert_cause {
            None => py.None().into_bound(py),
            Some(improve::RevertCause::Regressed) => self.causes[0].bind(py).clone(),
            Some(improve::RevertCause::NoImprovement) => self.causes[1].bind(py).clone(),
            Some(improve::RevertCause::Wasteful) => self.causes[2].bind(py).clone(),
        };
        let escalation = match v.escalation {
            improve::Escalation::None => 0,
            improve::Escalation::Judge => 1,
            improve::Escalation::Human => 2,
        };
        let evidence = match (&self.echo, narrated) {
            (Some(echo), Some(narrated)) => {
                let x = &v.evidence;
                let echo_fields = [
                    (intern!(py, "suite_passed"), PyBool::new(py, x.suite_passed).to_owned().into_any()),
                    (intern!(py, "truth_clean"), PyBool::new(py, x.truth_clean).to_owned().into_any()),
                    (intern!(py, "work"), x.work.into_pyobject(py)?.into_any()),
                    (intern!(py, "baseline_work"), x.baseline_work.into_pyobject(py)?.into_any()),
                    (intern!(py, "delta"), x.delta.into_pyobject(py)?.into_any()),
                    (intern!(py, "improved"), PyBool::new(py, x.improved).to_owned().into_any()),
                    (intern!(py, "tokens"), x.tokens.into_pyobject(py)?.into_any()),
                    (intern!(py, "consecutive_reverts"), x.consecutive_reverts.into_pyobject(py)?.into_any()),
                    (intern!(py, "narrated"), narrated),
                ];
                build(py, echo, &echo_fields)?
            }
            // The reference's verdict holds the caller's evidence itself.
            _ => e,
        };
        let fields = [
            (intern!(py, "verdict"), self.candidates[candidate].bind(py).clone()),
            (intern!(py, "next_consecutive_reverts"), int_i128(py, v.next_consecutive_reverts)?),
            (intern!(py, "reason"), PyString::new(py, reason).into_any()),
            (intern!(py, "evidence"), evidence),
            (intern!(py, "revert_cause"), cause),
            (intern!(py, "escalation"), self.escalations[escalation].bind(py).clone()),
        ];
        build(py, &self.verdict, &fields).map(Some)
    }
}

/// `improve.classify`'s fast path (registered in `crate::fastpath`), typed
/// and under `accelerate()`: the typed verdict echoes the evidence as a
/// record of its own, the reference's holds the caller's evidence.
pub(crate) fn bind_improve_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    let typed = is_typed(module)?;
    let verdict = class_of(module, "CandidateVerdict")?;
    // The fields built, in the class's order (the typed record's differs from the reference's).
    let want: [&str; 6] = if typed {
        ["verdict", "revert_cause", "escalation", "next_consecutive_reverts", "reason", "evidence"]
    } else {
        ["verdict", "next_consecutive_reverts", "reason", "evidence", "revert_cause", "escalation"]
    };
    if dataclass_field_names(&verdict)? != want {
        return Ok(None);
    }
    let echo = if typed {
        let echo = class_of(module, "CandidateEvidenceEcho")?;
        let names = dataclass_field_names(&echo)?;
        let want =
            ["suite_passed", "truth_clean", "work", "baseline_work", "delta", "improved", "tokens", "consecutive_reverts", "narrated"];
        if names != want {
            return Ok(None);
        }
        Some(echo.unbind())
    } else {
        None
    };
    // Only for the reference's own signature and default policy object.
    let params = py.import("inspect")?.call_method1("signature", (fallback.bind(py),))?.getattr("parameters")?;
    let pnames: Vec<String> = params.try_iter()?.map(|n| n?.extract::<String>()).collect::<PyResult<_>>()?;
    let default_policy = module.getattr("DEFAULT_POLICY")?;
    if pnames != ["evidence", "policy"] || !params.get_item("policy")?.getattr("default")?.is(&default_policy) {
        return Ok(None);
    }
    let fast = ImproveFast {
        evidence: class_of(module, "CandidateEvidence")?.unbind(),
        policy_cls: class_of(module, "ImprovePolicy")?.unbind(),
        default_policy: default_policy.unbind(),
        verdict: verdict.unbind(),
        candidates: members_of(&module.getattr("Candidate")?, &["KEEP", "REVERT", "ESCALATE"])?,
        causes: members_of(&module.getattr("RevertCause")?, &["REGRESSED", "NO_IMPROVEMENT", "WASTEFUL"])?,
        escalations: members_of(
            &if typed { module.getattr("Escalation")? } else { module.getattr("breaker")?.getattr("Escalation")? },
            &["NONE", "JUDGE", "HUMAN"],
        )?,
        echo,
    };
    Ok(Some(NativeFunction::new("improve.classify", fast, fallback)))
}

// ---------------------------------------------------------------- coverage.classify_coverage

const STATES: [result_state::TerminalState; 4] = [
    result_state::TerminalState::Healthy,
    result_state::TerminalState::Synthetic,
    result_state::TerminalState::Empty,
    result_state::TerminalState::Unreadable,
];

const CLASSES: [result_state::TerminalClass; 6] = [
    result_state::TerminalClass::RateLimit,
    result_state::TerminalClass::UsageLimit,
    result_state::TerminalClass::Auth,
    result_state::TerminalClass::Server,
    result_state::TerminalClass::Other,
    result_state::TerminalClass::None,
];

struct CoverageFast {
    state_cls: Py<PyType>,
    /// HEALTHY, SYNTHETIC, EMPTY, UNREADABLE.
    states: Vec<Py<PyAny>>,
    /// RATE_LIMIT, USAGE_LIMIT, AUTH, SERVER, OTHER, NONE.
    classes: Vec<Py<PyAny>>,
    slot: Py<PyType>,
    result: Py<PyType>,
    policy_cls: Py<PyType>,
    default_policy: Py<PyAny>,
    verdict: Py<PyType>,
    /// EMPTY, FULL, UNDERFILLED, STARVED, OVERFILLED.
    coverage: Vec<Py<PyAny>>,
    /// The typed module: its returns are its own `ReturnState`s only, read
    /// whole as the op decodes them, and its verdict has every field.
    typed: bool,
}

impl CoverageFast {
    /// One return as the reference's `_as_state` reads it.
    fn one(&self, r: &Bound<'_, PyAny>) -> Option<coverage::ReturnState> {
        let py = r.py();
        let state_of = |s: &Bound<'_, PyAny>| Some(STATES[member_index(s, &self.states)?]);
        let cls_of = |c: &Bound<'_, PyAny>| if c.is_none() { Some(None) } else { Some(Some(CLASSES[member_index(c, &self.classes)?])) };
        if self.typed {
            if !is_type(r, &self.slot) {
                return None;
            }
            let [s, a, c] = read(r, [intern!(py, "state"), intern!(py, "agent_id"), intern!(py, "cls")])?;
            op_text(&a)?;
            return Some(coverage::ReturnState { state: state_of(&s)?, agent_id: dos_core::pyjson::Str::from(""), cls: cls_of(&c)? });
        }
        let (state, cls) = if is_type(r, &self.state_cls) {
            (state_of(r)?, None)
        } else if is_type(r, &self.result) {
            let [s, c] = read(r, [intern!(py, "state"), intern!(py, "cls")])?;
            (state_of(&s)?, cls_of(&c)?)
        } else if is_type(r, &self.slot) {
            let [s] = read(r, [intern!(py, "state")])?;
            (state_of(&s)?, None)
        } else {
            return None;
        };
        Some(coverage::ReturnState { state, agent_id: dos_core::pyjson::Str::from(""), cls })
    }
}

impl Fast for CoverageFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some([d, r, p]) = bind_args(a, [intern!(py, "declared"), intern!(py, "returns"), intern!(py, "policy")], 3) else {
            return Ok(None);
        };
        let (Some(d), Some(r)) = (d, r) else { return Ok(None) };
        let p = p.unwrap_or_else(|| self.default_policy.bind(py).clone());
        let Some(declared) = exact_i64(&d) else { return Ok(None) };
        if !is_type(&p, &self.policy_cls) {
            return Ok(None);
        }
        let Some([q]) = read(&p, [intern!(py, "min_quorum")]) else { return Ok(None) };
        let min_quorum = if q.is_none() {
            None
        } else {
            match float_of(&q) {
                Some(q) => Some(q),
                None => return Ok(None),
            }
        };
        let mut returns = Vec::new();
        if let Ok(l) = r.cast_exact::<PyList>() {
            returns.reserve(l.len());
            for x in l.iter() {
                let Some(one) = self.one(&x) else { return Ok(None) };
                returns.push(one);
            }
        } else if let Ok(t) = r.cast_exact::<PyTuple>() {
            returns.reserve(t.len());
            for x in t.iter_borrowed() {
                let Some(one) = self.one(&x) else { return Ok(None) };
                returns.push(one);
            }
        } else {
            return Ok(None);
        }
        crate::route_bind::trace(py, "coverage.classify_coverage").map_err(|e| crate::swap::raised(py, e))?;
        let v = coverage::classify_coverage(declared, &returns, &coverage::CoveragePolicy { min_quorum });
        let state = match v.state {
            coverage::Coverage::Empty => 0,
            coverage::Coverage::Full => 1,
            coverage::Coverage::Underfilled => 2,
            coverage::Coverage::Starved => 3,
            coverage::Coverage::Overfilled => 4,
        };
        let mut classes = Vec::with_capacity(v.dead_classes.len());
        for (c, n) in &v.dead_classes {
            let Some(c) = c.as_str() else { return Ok(None) };
            classes.push(PyTuple::new(py, [PyString::new(py, c).into_any(), n.into_pyobject(py)?.into_any()])?);
        }
        let Some(reason) = v.reason.as_str() else { return Ok(None) };
        let quorum = match v.quorum_met {
            None => py.None().into_bound(py),
            Some(b) => PyBool::new(py, b).to_owned().into_any(),
        };
        if self.typed {
            let Some(prompt) = v.prompt_line.as_str() else { return Ok(None) };
            let fraction = match v.fraction {
                None => py.None().into_bound(py),
                Some(f) => PyFloat::new(py, f).into_any(),
            };
            let fields = [
                (intern!(py, "state"), self.coverage[state].bind(py).clone()),
                (intern!(py, "declared"), d),
                (intern!(py, "healthy"), v.healthy.into_pyobject(py)?.into_any()),
                (intern!(py, "dead"), v.dead.into_pyobject(py)?.into_any()),
                (intern!(py, "unreadable"), v.unreadable.into_pyobject(py)?.into_any()),
                (intern!(py, "unaccounted"), v.unaccounted.into_pyobject(py)?.into_any()),
                (intern!(py, "fraction"), fraction),
                (intern!(py, "foldable"), PyBool::new(py, v.foldable).to_owned().into_any()),
                (intern!(py, "should_caveat"), PyBool::new(py, v.should_caveat).to_owned().into_any()),
                (intern!(py, "dead_classes"), PyList::new(py, classes)?.into_any()),
                (intern!(py, "quorum_met"), quorum),
                (intern!(py, "prompt_line"), PyString::new(py, prompt).into_any()),
                (intern!(py, "reason"), PyString::new(py, reason).into_any()),
            ];
            return build(py, &self.verdict, &fields).map(Some);
        }
        let fields = [
            (intern!(py, "state"), self.coverage[state].bind(py).clone()),
            (intern!(py, "declared"), d),
            (intern!(py, "healthy"), v.healthy.into_pyobject(py)?.into_any()),
            (intern!(py, "dead"), v.dead.into_pyobject(py)?.into_any()),
            (intern!(py, "unreadable"), v.unreadable.into_pyobject(py)?.into_any()),
            (intern!(py, "reason"), PyString::new(py, reason).into_any()),
            (intern!(py, "dead_classes"), PyTuple::new(py, classes)?.into_any()),
            (intern!(py, "quorum_met"), quorum),
        ];
        build(py, &self.verdict, &fields).map(Some)
    }
}

/// `coverage.classify_coverage`'s fast path (registered in
/// `crate::fastpath`), typed and under `accelerate()`.
pub(crate) fn bind_coverage_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    let typed = is_typed(module)?;
    let verdict = class_of(module, "CoverageVerdict")?;
    let names = dataclass_field_names(&verdict)?;
    let want: &[&str] = if typed {
        &[
            "state",
            "declared",
            "healthy",
            "dead",
            "unreadable",
            "unaccounted",
            "fraction",
            "foldable",
            "should_caveat",
            "dead_classes",
            "quorum_met",
            "prompt_line",
            "reason",
        ]
    } else {
        &["state", "declared", "healthy", "dead", "unreadable", "reason", "dead_classes", "quorum_met"]
    };
    if names != want {
        return Ok(None);
    }
    let params = py.import("inspect")?.call_method1("signature", (fallback.bind(py),))?.getattr("parameters")?;
    let pnames: Vec<String> = params.try_iter()?.map(|n| n?.extract::<String>()).collect::<PyResult<_>>()?;
    let default_policy = module.getattr("DEFAULT_COVERAGE_POLICY")?;
    if pnames != ["declared", "returns", "policy"] || !params.get_item("policy")?.getattr("default")?.is(&default_policy) {
        return Ok(None);
    }
    let fast = CoverageFast {
        state_cls: class_of(module, "TerminalState")?.unbind(),
        states: members_of(&module.getattr("TerminalState")?, &["HEALTHY", "SYNTHETIC", "EMPTY", "UNREADABLE"])?,
        classes: members_of(&module.getattr("TerminalClass")?, &["RATE_LIMIT", "USAGE_LIMIT", "AUTH", "SERVER", "OTHER", "NONE"])?,
        slot: class_of(module, "ReturnState")?.unbind(),
        // (the typed module takes its own ReturnState only)
        result: class_of(module, if typed { "ReturnState" } else { "ResultStateVerdict" })?.unbind(),
        policy_cls: class_of(module, "CoveragePolicy")?.unbind(),
        default_policy: default_policy.unbind(),
        verdict: verdict.unbind(),
        coverage: members_of(&module.getattr("Coverage")?, &["EMPTY", "FULL", "UNDERFILLED", "STARVED", "OVERFILLED"])?,
        typed,
    };
    Ok(Some(NativeFunction::new("coverage.classify_coverage", fast, fallback)))
}

// ---------------------------------------------------------------- commit_audit.sweep_summary

struct SweepFast {
    verdict: Py<PyType>,
    /// CLAIM_UNWITNESSED, OK, ABSTAIN.
    verdicts: Vec<Py<PyAny>>,
    /// `ClaimKind`'s members and their values (the by-kind keys).
    kinds: Vec<Py<PyAny>>,
    kind_values: Vec<Py<PyAny>>,
    /// The typed module: every field is checked as the op reads it (the
    /// witnesses' members too); the reference's reads only three.
    typed: Option<Vec<Py<PyAny>>>,
}

impl SweepFast {
    /// `(verdict index, kind index, sha)` of one verdict; None for a shape not taken.
    fn one<'py>(&self, v: &Bound<'py, PyAny>) -> Option<(usize, usize, Bound<'py, PyAny>)> {
        let py = v.py();
        if !is_type(v, &self.verdict) {
            return None;
        }
        let [sha, verdict, kind] = read(v, [intern!(py, "sha"), intern!(py, "verdict"), intern!(py, "claim_kind")])?;
        let (i, k) = (member_index(&verdict, &self.verdicts)?, member_index(&kind, &self.kinds)?);
        if let Some(witnesses) = &self.typed {
            let names = [
                intern!(py, "witness"),
                intern!(py, "reason"),
                intern!(py, "source_files"),
                intern!(py, "test_files"),
                intern!(py, "ci_files"),
            ];
            let [w, r, s, t, c] = read(v, names)?;
            let text = |x: &Bound<'_, PyAny>| x.is_exact_instance_of::<PyString>();
            let texts = |x: &Bound<'_, PyAny>| x.cast_exact::<PyTuple>().is_ok_and(|x| x.iter_borrowed().all(|y| text(&y)));
            if member_index(&w, witnesses).is_none() || !text(&sha) || !text(&r) || !texts(&s) || !texts(&t) || !texts(&c) {
                return None;
            }
        }
        Some((i, k, sha))
    }
}

impl Fast for SweepFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some([vs]) = bind_args(a, [intern!(py, "verdicts")], 1) else { return Ok(None) };
        let Some(vs) = vs else { return Ok(None) };
        let items: Vec<Bound<'py, PyAny>> = if let Ok(l) = vs.cast_exact::<PyList>() {
            l.iter().collect()
        } else if let Ok(t) = vs.cast_exact::<PyTuple>() {
            t.iter().collect()
        } else {
            return Ok(None);
        };
        let mut counts = [0i64; 3];
        // by kind, in first-seen order: (kind index, [unwitnessed, witnessed, abstain])
        let mut grid: Vec<(usize, [i64; 3])> = Vec::new();
        let shas = PyList::empty(py);
        for v in &items {
            let Some((i, k, sha)) = self.one(v) else { return Ok(None) };
            counts[i] += 1;
            match grid.iter_mut().find(|(g, _)| *g == k) {
                Some((_, row)) => row[i] += 1,
                None => {
                    let mut row = [0; 3];
                    row[i] = 1;
                    grid.push((k, row));
                }
            }
            if i == 0 {
                shas.append(sha)?;
            }
        }
        crate::route_bind::trace(py, "commit_audit.sweep_summary").map_err(|e| crate::swap::raised(py, e))?;
        let [unwitnessed, witnessed, abstained] = counts;
        let checkable = unwitnessed + witnessed;
        let by_kind = PyDict::new(py);
        for (k, [u, w, ab]) in grid {
            let row = PyDict::new(py);
            row.set_item(intern!(py, "unwitnessed"), u)?;
            row.set_item(intern!(py, "witnessed"), w)?;
            row.set_item(intern!(py, "abstain"), ab)?;
            by_kind.set_item(self.kind_values[k].bind(py), row)?;
        }
        let out = PyDict::new(py);
        out.set_item(intern!(py, "commits"), items.len())?;
        out.set_item(intern!(py, "checkable"), checkable)?;
        out.set_item(intern!(py, "abstained"), abstained)?;
        out.set_item(intern!(py, "witnessed"), witnessed)?;
        out.set_item(intern!(py, "unwitnessed"), unwitnessed)?;
        out.set_item(intern!(py, "drift_rate"), if checkable > 0 { unwitnessed as f64 / checkable as f64 } else { 0.0 })?;
        out.set_item(intern!(py, "by_kind"), by_kind)?;
        out.set_item(intern!(py, "unwitnessed_shas"), shas)?;
        Ok(Some(out.into_any()))
    }
}

/// `commit_audit.sweep_summary`'s fast path (registered in `crate::fastpath`).
pub(crate) fn bind_sweep_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    let typed = is_typed(module)?;
    let (verdict_enum, witness_enum) = if typed { ("CommitVerdict", "CommitWitness") } else { ("Verdict", "Witness") };
    let kinds = members_of(&module.getattr("ClaimKind")?, &["CODE_EFFECT", "TEST", "DOC", "NONE"])?;
    let kind_values = kinds.iter().map(|m| Ok(m.bind(py).getattr("value")?.unbind())).collect::<PyResult<Vec<_>>>()?;
    if !kind_values.iter().all(|v| v.bind(py).is_exact_instance_of::<PyString>()) {
        return Ok(None);
    }
    let fast = SweepFast {
        verdict: class_of(module, "ClaimVerdict")?.unbind(),
        verdicts: members_of(&module.getattr(verdict_enum)?, &["CLAIM_UNWITNESSED", "OK", "ABSTAIN"])?,
        kinds,
        kind_values,
        typed: if typed { Some(members_of(&module.getattr(witness_enum)?, &["DIFF_WITNESSED", "SUBJECT_ONLY", "ABSTAIN"])?) } else { None },
    };
    Ok(Some(NativeFunction::new("commit_audit.sweep_summary", fast, fallback)))
}

// ---------------------------------------------------------------- commit_audit.classify

struct ClassifyFast {
    claim: Py<PyType>,
    diff: Py<PyType>,
    policy_cls: Py<PyType>,
    default_policy: Py<PyAny>,
    verdict: Py<PyType>,
    /// CLAIM_UNWITNESSED, OK, ABSTAIN.
    verdicts: Vec<Py<PyAny>>,
    /// CODE_EFFECT, TEST, DOC, NONE.
    kinds: Vec<Py<PyAny>>,
    /// DIFF_WITNESSED, SUBJECT_ONLY, ABSTAIN.
    witnesses: Vec<Py<PyAny>>,
}

impl Fast for ClassifyFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        use dos_core::deciders::commit_audit as ca;
        use dos_core::pyjson::Str;
        let Some([c, d, p]) = bind_args(a, [intern!(py, "claim"), intern!(py, "diff"), intern!(py, "policy")], 3) else {
            return Ok(None);
        };
        let (Some(c), Some(d)) = (c, d) else { return Ok(None) };
        let p = p.unwrap_or_else(|| self.default_policy.bind(py).clone());
        if !is_type(&c, &self.claim) || !is_type(&d, &self.diff) || !is_type(&p, &self.policy_cls) {
            return Ok(None);
        }
        let Some([sha, subject]) = read(&c, [intern!(py, "sha"), intern!(py, "subject")]) else { return Ok(None) };
        let names = [intern!(py, "files"), intern!(py, "is_empty"), intern!(py, "test_lines_added"), intern!(py, "test_lines_removed")];
        let Some([files, empty, added, removed]) = read(&d, names) else { return Ok(None) };
        let Some([docs]) = read(&p, [intern!(py, "docs_satisfy_code_claim")]) else { return Ok(None) };
        let (Some(sha_text), Some(subject)) = (op_text(&sha), op_text(&subject)) else { return Ok(None) };
        let (Some(empty), Some(added), Some(removed), Some(docs)) =
            (exact_bool(&empty), exact_i64(&added), exact_i64(&removed), exact_bool(&docs))
        else {
            return Ok(None);
        };
        // The files as the caller's own objects (each verdict tuple holds them, as the reference's does).
        let items: Vec<Bound<'py, PyAny>> = if let Ok(t) = files.cast_exact::<PyTuple>() {
            t.iter().collect()
        } else if let Ok(l) = files.cast_exact::<PyList>() {
            l.iter().collect()
        } else {
            return Ok(None);
        };
        let mut paths = Vec::with_capacity(items.len());
        for f in &items {
            let Some(f) = op_text(f) else { return Ok(None) };
            paths.push(Str::from(f));
        }
        let claim = ca::CommitClaim { sha: Str::from(sha_text), subject: Str::from(subject) };
        let diff =
            ca::DiffFacts { files: dos_core::route::Tuple(paths), is_empty: empty, test_lines_added: added, test_lines_removed: removed };
        let v = ca::classify(&claim, &diff, ca::ClaimPolicy { docs_satisfy_code_claim: docs });
        let Some(reason) = v.reason.as_str() else { return Ok(None) };
        crate::route_bind::trace(py, "commit_audit.classify").map_err(|e| crate::swap::raised(py, e))?;
        let verdict = match v.verdict {
            ca::CommitVerdict::ClaimUnwitnessed => 0,
            ca::CommitVerdict::Ok => 1,
            ca::CommitVerdict::Abstain => 2,
        };
        let kind = match v.claim_kind {
            ca::ClaimKind::CodeEffect => 0,
            ca::ClaimKind::Test => 1,
            ca::ClaimKind::Doc => 2,
            ca::ClaimKind::NoClaim => 3,
        };
        let witness = match v.witness {
            ca::CommitWitness::DiffWitnessed => 0,
            ca::CommitWitness::SubjectOnly => 1,
            ca::CommitWitness::Abstain => 2,
        };
        // The core's picks are in the files' order: each names the next matching caller's object.
        let pick = |picked: &dos_core::route::Tuple<Str>| -> PyResult<Option<Bound<'py, PyTuple>>> {
            let mut out = Vec::with_capacity(picked.0.len());
            let mut at = 0;
            for want in &picked.0 {
                while at < diff.files.0.len() && &diff.files.0[at] != want {
                    at += 1;
                }
                let Some(obj) = items.get(at) else { return Ok(None) };
                out.push(obj.clone());
                at += 1;
            }
            Ok(Some(PyTuple::new(py, out)?))
        };
        let (Some(source), Some(test), Some(ci)) = (pick(&v.source_files)?, pick(&v.test_files)?, pick(&v.ci_files)?) else {
            return Ok(None);
        };
        let fields = [
            (intern!(py, "sha"), sha),
            (intern!(py, "verdict"), self.verdicts[verdict].bind(py).clone()),
            (intern!(py, "claim_kind"), self.kinds[kind].bind(py).clone()),
            (intern!(py, "witness"), self.witnesses[witness].bind(py).clone()),
            (intern!(py, "reason"), PyString::new(py, reason).into_any()),
            (intern!(py, "source_files"), source.into_any()),
            (intern!(py, "test_files"), test.into_any()),
            (intern!(py, "ci_files"), ci.into_any()),
        ];
        build(py, &self.verdict, &fields).map(Some)
    }
}

/// `commit_audit.classify`'s fast path (registered in `crate::fastpath`),
/// typed and under `accelerate()`: the core decides on the claim's texts,
/// the diff's files and counts and the policy's flag; the verdict's file
/// tuples hold the caller's own `str` objects, as the reference's do.
pub(crate) fn bind_classify_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    let typed = is_typed(module)?;
    let (verdict_enum, witness_enum) = if typed { ("CommitVerdict", "CommitWitness") } else { ("Verdict", "Witness") };
    let verdict = class_of(module, "ClaimVerdict")?;
    let want = ["sha", "verdict", "claim_kind", "witness", "reason", "source_files", "test_files", "ci_files"];
    if dataclass_field_names(&verdict)? != want {
        return Ok(None);
    }
    let params = py.import("inspect")?.call_method1("signature", (fallback.bind(py),))?.getattr("parameters")?;
    let pnames: Vec<String> = params.try_iter()?.map(|n| n?.extract::<String>()).collect::<PyResult<_>>()?;
    let default_policy = module.getattr("DEFAULT_POLICY")?;
    if pnames != ["claim", "diff", "policy"] || !params.get_item("policy")?.getattr("default")?.is(&default_policy) {
        return Ok(None);
    }
    let fast = ClassifyFast {
        claim: class_of(module, "CommitClaim")?.unbind(),
        diff: class_of(module, "DiffFacts")?.unbind(),
        policy_cls: class_of(module, "ClaimPolicy")?.unbind(),
        default_policy: default_policy.unbind(),
        verdict: verdict.unbind(),
        verdicts: members_of(&module.getattr(verdict_enum)?, &["CLAIM_UNWITNESSED", "OK", "ABSTAIN"])?,
        kinds: members_of(&module.getattr("ClaimKind")?, &["CODE_EFFECT", "TEST", "DOC", "NONE"])?,
        witnesses: members_of(&module.getattr(witness_enum)?, &["DIFF_WITNESSED", "SUBJECT_ONLY", "ABSTAIN"])?,
    };
    Ok(Some(NativeFunction::new("commit_audit.classify", fast, fallback)))
}
