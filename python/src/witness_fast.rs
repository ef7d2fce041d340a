//! Hand fast paths of the witness chain's leaves (issue 10 asks 5× over the
//! reference), hung off the generated route by `crate::fastpath`:
//!
//! - `reward.acceptance_ab` reads each label's `claim_present` (and, for a
//!   bid, `accept` and `poison`) where it lies, as the reference reads
//!   them, and hands the four counts to the core's
//!   `acceptance_from_counts`. The generic binder converted every field of
//!   every label (its reason and witness texts included) into the op's
//!   arguments, which made it slower than the reference.
//! - `evidence.derived_witness` reads each operand's rung fields (a
//!   facts record's `reachable`, `stance` and `accountability`; a belief
//!   verdict's `believe` and `refuted`) and lets the core's
//!   `derived_witness` decide. The generic binder had no plan for the
//!   operands (`list[Any]`) and went through the Python fallback.
//! - `testwitness.classify` depends on three enum members alone: the
//!   answers for all 48 combinations are worked out at bind time by the
//!   core's `classify`, and a call looks its answer up and builds the
//!   verdict around the caller's own evidence object.
//!
//! Each reads only what the reference reads, on the module's own classes
//! (exact types: a subclass, a non-`bool` flag, a text with a lone
//! surrogate or an object the reference would give no witness goes to the
//! fallback), and builds the module's own result class.

use crate::fast::{bind_args, build, is_type, members_of, utf8_of};
use crate::swap::{CallArgs, Fast, NativeFunction};
use dos_core::deciders::attest;
use dos_core::deciders::effect_witness;
use dos_core::deciders::evidence::{self, BeliefVerdict, EvidenceFacts, EvidenceStance, Operand};
use dos_core::deciders::log_source::Accountability;
use dos_core::deciders::reward;
use dos_core::deciders::testwitness::{self as tw, RunOutcome, TestWitness};
use dos_core::pyjson::Str;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyList, PyString, PyTuple, PyType};

fn class_of(module: &Bound<'_, PyAny>, name: &str) -> PyResult<Py<PyType>> {
    Ok(module.getattr(name)?.cast_into::<PyType>()?.unbind())
}

/// Whether `fallback`'s parameters are named `names`, in order (a function
/// of another shape is not served).
fn params_are(py: Python<'_>, fallback: &Py<PyAny>, names: &[&str]) -> PyResult<bool> {
    let params = py.import("inspect")?.call_method1("signature", (fallback.bind(py),))?.getattr("parameters")?;
    let got: Vec<String> = params.try_iter()?.map(|n| n?.extract::<String>()).collect::<PyResult<_>>()?;
    Ok(got == names)
}

/// An exact `bool`.
#[inline]
fn exact_bool(v: &Bound<'_, PyAny>) -> Option<bool> {
    v.cast_exact::<PyBool>().ok().map(|b| b.is_true())
}

/// The items of an exact list or tuple, borrowed for the call.
fn items<'py>(v: &Bound<'py, PyAny>) -> Option<Vec<Bound<'py, PyAny>>> {
    if let Ok(l) = v.cast_exact::<PyList>() {
        Some(l.iter().collect())
    } else if let Ok(t) = v.cast_exact::<PyTuple>() {
        Some(t.iter().collect())
    } else {
        None
    }
}

/// Reads given fields of instances of exactly one class: a typed module's
/// record by its slots (their indices found once, at bind time), any other
/// class (the reference's dataclasses) by plain attribute lookup.
struct Reader<const N: usize> {
    cls: Py<PyType>,
    names: [Py<PyString>; N],
    slots: Option<[usize; N]>,
}

impl<const N: usize> Reader<N> {
    fn new(module: &Bound<'_, PyAny>, class: &str, names: [&str; N]) -> PyResult<Self> {
        let py = module.py();
        let cls = class_of(module, class)?;
        let names = names.map(|n| PyString::intern(py, n).unbind());
        let bound: Vec<&Bound<'_, PyString>> = names.iter().map(|n| n.bind(py)).collect();
        let slots = crate::record::class_indices(cls.bind(py), &bound).and_then(|v| <[usize; N]>::try_from(v).ok());
        Ok(Reader { cls, names, slots })
    }

    /// The fields of `obj`, or None when it is not exactly of the class
    /// (or lacks one of them).
    #[inline]
    fn read<'py>(&self, obj: &Bound<'py, PyAny>) -> Option<[Bound<'py, PyAny>; N]> {
        if !is_type(obj, &self.cls) {
            return None;
        }
        let py = obj.py();
        let mut out: [Option<Bound<'py, PyAny>>; N] = std::array::from_fn(|_| None);
        match &self.slots {
            Some(at) => {
                for (slot, &i) in out.iter_mut().zip(at) {
                    // SAFETY: `obj` is exactly the record class the indices
                    // were read from; the slot's object is borrowed from it
                    // and turned into an owned reference at once.
                    let p = unsafe { crate::record::slot_ptr(obj.as_ptr(), i) };
                    if p.is_null() {
                        return None;
                    }
                    *slot = Some(unsafe { Bound::from_borrowed_ptr(py, p) });
                }
            }
            None => {
                for (slot, name) in out.iter_mut().zip(&self.names) {
                    // SAFETY: live object and name; a new reference or NULL
                    // with an exception set, which is cleared.
                    let v = unsafe { pyo3::ffi::PyObject_GenericGetAttr(obj.as_ptr(), name.as_ptr()) };
                    if v.is_null() {
                        unsafe { pyo3::ffi::PyErr_Clear() };
                        return None;
                    }
                    *slot = Some(unsafe { Bound::from_owned_ptr(py, v) });
                }
            }
        }
        Some(out.map(|x| x.expect("filled")))
    }
}

// ------------------------------------------------------------------ acceptance_ab

struct AbFast {
    /// A label's `claim_present`.
    present: Reader<1>,
    /// A bid's `accept` and `poison`.
    bid: Reader<2>,
    result: Py<PyType>,
}

impl Fast for AbFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some([Some(labels)]) = bind_args(a, [intern!(py, "labels")], 1) else { return Ok(None) };
        // A list's items are looked at by index, never copied: nothing the
        // loop does can run Python code that would change the list.
        let (rows, mut bids, mut witnessed, mut poison) = (0usize, 0i64, 0i64, 0i64);
        // As the reference reads them: every label's `claim_present`, a
        // bid's `accept` and `poison`.
        let mut count = |l: &Bound<'py, PyAny>| -> Option<()> {
            let [present] = self.present.read(l)?;
            if exact_bool(&present)? {
                let [accept, poisoned] = self.bid.read(l)?;
                bids += 1;
                witnessed += i64::from(exact_bool(&accept)?);
                poison += i64::from(exact_bool(&poisoned)?);
            }
            Some(())
        };
        let rows = if let Ok(l) = labels.cast_exact::<PyList>() {
            for x in l.iter() {
                if count(&x).is_none() {
                    return Ok(None);
                }
            }
            rows + l.len()
        } else if let Ok(t) = labels.cast_exact::<PyTuple>() {
            for x in t.iter() {
                if count(&x).is_none() {
                    return Ok(None);
                }
            }
            rows + t.len()
        } else {
            return Ok(None);
        };
        let ab = reward::acceptance_from_counts(rows as i64, bids, witnessed, poison);
        crate::route_bind::trace(py, "reward.acceptance_ab").map_err(|e| crate::swap::raised(py, e))?;
        let int = |n: i64| -> PyResult<Bound<'py, PyAny>> { Ok(n.into_pyobject(py)?.into_any()) };
        let float = |x: f64| PyFloat::new(py, x).into_any();
        let fields = [
            (intern!(py, "n_rows"), int(ab.n_rows)?),
            (intern!(py, "n_claim_bids"), int(ab.n_claim_bids)?),
            (intern!(py, "believe_accepted"), int(ab.believe_accepted)?),
            (intern!(py, "believe_poison"), int(ab.believe_poison)?),
            (intern!(py, "believe_precision"), float(ab.believe_precision)),
            (intern!(py, "adjudicate_accepted"), int(ab.adjudicate_accepted)?),
            (intern!(py, "adjudicate_poison"), int(ab.adjudicate_poison)?),
            (intern!(py, "adjudicate_precision"), float(ab.adjudicate_precision)),
            (intern!(py, "j_poison_purged"), int(ab.j_poison_purged)?),
            (intern!(py, "delta_precision"), float(ab.delta_precision)),
        ];
        build(py, &self.result, &fields).map(Some)
    }
}

/// `reward.acceptance_ab`'s fast path (registered in `crate::fastpath`) on
/// `module`'s own classes, handing every call it does not take to
/// `fallback`.
pub(crate) fn bind_ab_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    if !params_are(module.py(), &fallback, &["labels"])? {
        return Ok(None);
    }
    let fast = AbFast {
        present: Reader::new(module, "RewardLabel", ["claim_present"])?,
        bid: Reader::new(module, "RewardLabel", ["accept", "poison"])?,
        result: class_of(module, "AcceptanceAB")?,
    };
    Ok(Some(NativeFunction::new("reward.acceptance_ab", fast, fallback)))
}

// ------------------------------------------------------------------ derived_witness

struct DerivedFast {
    facts_cls: Py<PyType>,
    /// A facts record's `reachable`, `stance` and `accountability`.
    facts: Reader<3>,
    /// A belief verdict's `believe` and `refuted`.
    belief: Reader<2>,
    /// AGENT_AUTHORED, OS_RECORDED, THIRD_PARTY.
    accountability: Vec<Py<PyAny>>,
    /// ATTESTED, REFUTED, NO_SIGNAL.
    stance: Vec<Py<PyAny>>,
    /// The module gives an operand of another class no witness (the
    /// reference's); the typed module refuses one (its fallback raises).
    no_witness_for_others: bool,
}

const ACCOUNTABILITY: [Accountability; 3] = [Accountability::AgentAuthored, Accountability::OsRecorded, Accountability::ThirdParty];
const STANCE: [EvidenceStance; 3] = [EvidenceStance::Attested, EvidenceStance::Refuted, EvidenceStance::NoSignal];

fn index_of(v: &Bound<'_, PyAny>, members: &[Py<PyAny>]) -> Option<usize> {
    members.iter().position(|m| m.as_ptr() == v.as_ptr())
}

fn accountability_index(a: Accountability) -> usize {
    match a {
        Accountability::AgentAuthored => 0,
        Accountability::OsRecorded => 1,
        Accountability::ThirdParty => 2,
    }
}

fn stance_index(s: EvidenceStance) -> usize {
    match s {
        EvidenceStance::Attested => 0,
        EvidenceStance::Refuted => 1,
        EvidenceStance::NoSignal => 2,
    }
}

/// An exact `str` as a core text (None for another type or a lone surrogate).
fn text_of(v: &Bound<'_, PyAny>) -> Option<Str> {
    if !v.is_exact_instance_of::<PyString>() {
        return None;
    }
    utf8_of(v).map(|s| Str::Utf8(s.to_owned()))
}

impl DerivedFast {
    /// One operand as the core reads it: what decides its rung, nothing
    /// else (the names and texts stay empty: the rung does not read them).
    fn operand(&self, o: &Bound<'_, PyAny>) -> Option<Operand> {
        if o.is_none() {
            return Some(Operand::Other);
        }
        if let Some([reachable, stance, acct]) = self.facts.read(o) {
            return Some(Operand::Facts(EvidenceFacts {
                source_name: Str::from(""),
                accountability: ACCOUNTABILITY[index_of(&acct, &self.accountability)?],
                stance: STANCE[index_of(&stance, &self.stance)?],
                subject: Str::from(""),
                detail: Str::from(""),
                reachable: exact_bool(&reachable)?,
            }));
        }
        if let Some([believe, refuted]) = self.belief.read(o) {
            return Some(Operand::Belief(BeliefVerdict {
                believe: exact_bool(&believe)?,
                refuted: exact_bool(&refuted)?,
                reason: Str::from(""),
                attesting: Default::default(),
                refuting: Default::default(),
                silent: Default::default(),
            }));
        }
        if is_type(o, &self.facts.cls) || is_type(o, &self.belief.cls) {
            return None;
        }
        // Any other object: the reference gives it no witness (its class
        // is not either record's), the typed module refuses it. Only a
        // built-in value is taken here, where `isinstance` runs no code.
        let builtin = o.is_exact_instance_of::<PyString>()
            || o.is_exact_instance_of::<PyBool>()
            || o.is_exact_instance_of::<pyo3::types::PyInt>()
            || o.is_exact_instance_of::<PyFloat>()
            || o.is_exact_instance_of::<PyList>()
            || o.is_exact_instance_of::<PyTuple>()
            || o.is_exact_instance_of::<pyo3::types::PyDict>();
        (self.no_witness_for_others && builtin).then_some(Operand::Other)
    }
}

impl Fast for DerivedFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let names = [
            intern!(py, "source_name"),
            intern!(py, "op"),
            intern!(py, "operands"),
            intern!(py, "subject"),
            intern!(py, "within_tol"),
            intern!(py, "detail"),
        ];
        let Some([Some(source_name), Some(op), Some(operands), Some(subject), Some(within_tol), detail]) = bind_args(a, names, 3) else {
            return Ok(None);
        };
        if !source_name.is_exact_instance_of::<PyString>() || !subject.is_exact_instance_of::<PyString>() {
            return Ok(None);
        }
        let Some(op) = text_of(&op) else { return Ok(None) };
        let Some(within_tol) = exact_bool(&within_tol) else { return Ok(None) };
        let detail = detail.unwrap_or_else(|| intern!(py, "").clone().into_any());
        let Some(detail_text) = text_of(&detail) else { return Ok(None) };
        let Some(list) = items(&operands) else { return Ok(None) };
        let mut ops = Vec::with_capacity(list.len());
        for o in &list {
            let Some(x) = self.operand(o) else { return Ok(None) };
            ops.push(x);
        }
        let given = !matches!(&detail_text, Str::Utf8(t) if t.is_empty());
        let f = evidence::derived_witness(Str::from(""), &op, &ops, Str::from(""), within_tol, detail_text);
        crate::route_bind::trace(py, "evidence.derived_witness").map_err(|e| crate::swap::raised(py, e))?;
        let detail = if given {
            detail
        } else {
            match &f.detail {
                Str::Utf8(t) => PyString::new(py, t).into_any(),
                // The generated detail holds the caller's op: UTF-8 here.
                Str::Utf16(_) => return Ok(None),
            }
        };
        let fields = [
            (intern!(py, "source_name"), source_name),
            (intern!(py, "accountability"), self.accountability[accountability_index(f.accountability)].bind(py).clone()),
            (intern!(py, "stance"), self.stance[stance_index(f.stance)].bind(py).clone()),
            (intern!(py, "subject"), subject),
            (intern!(py, "detail"), detail),
            (intern!(py, "reachable"), PyBool::new(py, f.reachable).to_owned().into_any()),
        ];
        build(py, &self.facts_cls, &fields).map(Some)
    }
}

/// `evidence.derived_witness`'s fast path (registered in `crate::fastpath`)
/// on `module`'s own classes, handing every call it does not take to
/// `fallback`.
pub(crate) fn bind_derived_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    if !params_are(module.py(), &fallback, &["source_name", "op", "operands", "subject", "within_tol", "detail"])? {
        return Ok(None);
    }
    let fast = DerivedFast {
        facts_cls: class_of(module, "EvidenceFacts")?,
        facts: Reader::new(module, "EvidenceFacts", ["reachable", "stance", "accountability"])?,
        belief: Reader::new(module, "BeliefVerdict", ["believe", "refuted"])?,
        accountability: members_of(&module.getattr("Accountability")?, &["AGENT_AUTHORED", "OS_RECORDED", "THIRD_PARTY"])?,
        stance: members_of(&module.getattr("EvidenceStance")?, &["ATTESTED", "REFUTED", "NO_SIGNAL"])?,
        no_witness_for_others: !module.getattr("__name__")?.extract::<String>()?.starts_with("dos_native."),
    };
    Ok(Some(NativeFunction::new("evidence.derived_witness", fast, fallback)))
}

// ------------------------------------------------------------------ testwitness.classify

/// What the core answers for one (baseline, candidate, rung).
struct Answer {
    verdict: Py<PyAny>,
    reason: Py<PyString>,
    witnesses: bool,
    assert_level: bool,
}

struct TestWitnessFast {
    /// The evidence's `baseline`, `candidate` and `rung`.
    evidence: Reader<3>,
    verdict: Py<PyType>,
    /// PASSED, FAILED, ERRORED, NOT_RUN.
    outcomes: Vec<Py<PyAny>>,
    /// AGENT_AUTHORED, OS_RECORDED, THIRD_PARTY.
    rungs: Vec<Py<PyAny>>,
    /// By `(baseline * 4 + candidate) * 3 + rung`.
    answers: Vec<Answer>,
}

const OUTCOMES: [RunOutcome; 4] = [RunOutcome::Passed, RunOutcome::Failed, RunOutcome::Errored, RunOutcome::NotRun];

fn verdict_index(v: TestWitness) -> usize {
    match v {
        TestWitness::Discriminates => 0,
        TestWitness::Vacuous => 1,
        TestWitness::Unsatisfied => 2,
        TestWitness::Regressive => 3,
        TestWitness::Abstain => 4,
    }
}

impl Fast for TestWitnessFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some([Some(ev)]) = bind_args(a, [intern!(py, "evidence")], 1) else { return Ok(None) };
        let Some([b, c, r]) = self.evidence.read(&ev) else { return Ok(None) };
        let (Some(b), Some(c), Some(r)) = (index_of(&b, &self.outcomes), index_of(&c, &self.outcomes), index_of(&r, &self.rungs)) else {
            return Ok(None);
        };
        let ans = &self.answers[(b * 4 + c) * 3 + r];
        crate::route_bind::trace(py, "testwitness.classify").map_err(|e| crate::swap::raised(py, e))?;
        let fields = [
            (intern!(py, "verdict"), ans.verdict.bind(py).clone()),
            (intern!(py, "reason"), ans.reason.bind(py).clone().into_any()),
            (intern!(py, "witnesses"), PyBool::new(py, ans.witnesses).to_owned().into_any()),
            (intern!(py, "assert_level"), PyBool::new(py, ans.assert_level).to_owned().into_any()),
            (intern!(py, "evidence"), ev),
        ];
        build(py, &self.verdict, &fields).map(Some)
    }
}

/// `testwitness.classify`'s fast path (registered in `crate::fastpath`) on
/// `module`'s own classes, handing every call it does not take to
/// `fallback`.
pub(crate) fn bind_testwitness_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    if !params_are(module.py(), &fallback, &["evidence"])? {
        return Ok(None);
    }
    let verdicts = members_of(&module.getattr("TestWitness")?, &["DISCRIMINATES", "VACUOUS", "UNSATISFIED", "REGRESSIVE", "ABSTAIN"])?;
    let mut answers = Vec::with_capacity(48);
    for baseline in OUTCOMES {
        for candidate in OUTCOMES {
            for rung in ACCOUNTABILITY {
                let v = tw::classify(tw::TestRunEvidence { baseline, candidate, rung });
                let Some(reason) = v.reason.as_str() else { return Ok(None) };
                answers.push(Answer {
                    verdict: verdicts[verdict_index(v.verdict)].clone_ref(py),
                    reason: PyString::new(py, reason).unbind(),
                    witnesses: v.witnesses,
                    assert_level: v.assert_level,
                });
            }
        }
    }
    let fast = TestWitnessFast {
        evidence: Reader::new(module, "TestRunEvidence", ["baseline", "candidate", "rung"])?,
        verdict: class_of(module, "TestWitnessVerdict")?,
        outcomes: members_of(&module.getattr("RunOutcome")?, &["PASSED", "FAILED", "ERRORED", "NOT_RUN"])?,
        rungs: members_of(&module.getattr("Accountability")?, &["AGENT_AUTHORED", "OS_RECORDED", "THIRD_PARTY"])?,
        answers,
    };
    Ok(Some(NativeFunction::new("testwitness.classify", fast, fallback)))
}

// ------------------------------------------------------------------ witness_effect and admit

/// The read-backs' classes and members, and how to read them.
struct Readbacks {
    /// A facts record's `source_name`, `reachable`, `stance` and `accountability`.
    facts: Reader<4>,
    /// AGENT_AUTHORED, OS_RECORDED, THIRD_PARTY.
    accountability: Vec<Py<PyAny>>,
    /// ATTESTED, REFUTED, NO_SIGNAL.
    stance: Vec<Py<PyAny>>,
}

impl Readbacks {
    fn of(module: &Bound<'_, PyAny>) -> PyResult<Readbacks> {
        Ok(Readbacks {
            facts: Reader::new(module, "EvidenceFacts", ["source_name", "reachable", "stance", "accountability"])?,
            accountability: members_of(&module.getattr("Accountability")?, &["AGENT_AUTHORED", "OS_RECORDED", "THIRD_PARTY"])?,
            stance: members_of(&module.getattr("EvidenceStance")?, &["ATTESTED", "REFUTED", "NO_SIGNAL"])?,
        })
    }

    /// An exact list or tuple of exact facts records, each read as the
    /// floor reads it (its name, rung, stance and whether it was reached;
    /// the subject and detail are not read).
    fn read(&self, v: &Bound<'_, PyAny>) -> Option<Vec<EvidenceFacts>> {
        let list = items(v)?;
        let mut out = Vec::with_capacity(list.len());
        for f in &list {
            out.push(self.one(f)?.0);
        }
        Some(out)
    }

    /// One exact facts record as the floor reads it, and its name object.
    fn one<'py>(&self, f: &Bound<'py, PyAny>) -> Option<(EvidenceFacts, Bound<'py, PyAny>)> {
        let [name, reachable, stance, acct] = self.facts.read(f)?;
        let facts = EvidenceFacts {
            source_name: text_of(&name)?,
            accountability: ACCOUNTABILITY[index_of(&acct, &self.accountability)?],
            stance: STANCE[index_of(&stance, &self.stance)?],
            subject: Str::from(""),
            detail: Str::from(""),
            reachable: exact_bool(&reachable)?,
        };
        Some((facts, name))
    }
}

/// A core text as a Python `str` (the empty one interned).
fn py_text<'py>(py: Python<'py>, s: &Str) -> PyResult<Bound<'py, PyAny>> {
    match s {
        Str::Utf8(t) if t.is_empty() => Ok(intern!(py, "").clone().into_any()),
        Str::Utf8(t) => Ok(PyString::new(py, t).into_any()),
        other => crate::convert::to_py(py, &dos_core::pyjson::Value::Str(other.clone())),
    }
}

struct WitnessFast {
    readbacks: Readbacks,
    /// A claim's `key` and `narrated`.
    claim: Reader<2>,
    verdict_cls: Py<PyType>,
    /// CONFIRMED, REFUTED, UNWITNESSED, NO_CLAIM.
    verdicts: Vec<Py<PyAny>>,
}

fn effect_index(v: effect_witness::_Verdict) -> usize {
    match v {
        effect_witness::_Verdict::Confirmed => 0,
        effect_witness::_Verdict::Refuted => 1,
        effect_witness::_Verdict::Unwitnessed => 2,
        effect_witness::_Verdict::NoClaim => 3,
    }
}

impl Fast for WitnessFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some([Some(claim), Some(readbacks)]) = bind_args(a, [intern!(py, "claim"), intern!(py, "readbacks")], 2) else {
            return Ok(None);
        };
        // The claim's key and narration (both exact `str`; reading them has
        // no effect, so the narration is read even where the reference,
        // seeing a blank key, stops).
        let (core_claim, texts) = if claim.is_none() {
            (None, None)
        } else {
            let Some([key, narrated]) = self.claim.read(&claim) else { return Ok(None) };
            let Some(k) = text_of(&key) else { return Ok(None) };
            if !narrated.is_exact_instance_of::<PyString>() {
                return Ok(None);
            }
            (Some(effect_witness::EffectClaim { key: k, subject: Str::from(""), narrated: Str::from("") }), Some((key, narrated)))
        };
        // With no claim the read-backs are not read (nor are they by the
        // reference); a blank key's are, and anything not taken declines.
        let facts = match &core_claim {
            Some(_) => match self.readbacks.read(&readbacks) {
                Some(f) => f,
                None => return Ok(None),
            },
            None => Vec::new(),
        };
        let v = effect_witness::witness_effect(core_claim.as_ref(), &facts);
        crate::route_bind::trace(py, "effect_witness.witness_effect").map_err(|e| crate::swap::raised(py, e))?;
        let empty = || intern!(py, "").clone().into_any();
        let (key, narrated) = match texts {
            Some((k, n)) if v.verdict != effect_witness::_Verdict::NoClaim => (k, n),
            _ => (empty(), empty()),
        };
        let silent = v.silent_witnesses.0.iter().map(|s| py_text(py, s)).collect::<PyResult<Vec<_>>>()?;
        let fields = [
            (intern!(py, "verdict"), self.verdicts[effect_index(v.verdict)].bind(py).clone()),
            (intern!(py, "believe"), PyBool::new(py, v.believe).to_owned().into_any()),
            (intern!(py, "refuted"), PyBool::new(py, v.refuted).to_owned().into_any()),
            (intern!(py, "reason"), py_text(py, &v.reason)?),
            (intern!(py, "claim_key"), key),
            (intern!(py, "narrated"), narrated),
            (intern!(py, "witness"), py_text(py, &v.witness)?),
            (
                intern!(py, "accountability"),
                match v.accountability {
                    Some(acct) => self.readbacks.accountability[accountability_index(acct)].bind(py).clone(),
                    None => py.None().into_bound(py),
                },
            ),
            (intern!(py, "silent_witnesses"), PyTuple::new(py, silent)?.into_any()),
        ];
        build(py, &self.verdict_cls, &fields).map(Some)
    }
}

/// `effect_witness.witness_effect`'s fast path (registered in
/// `crate::fastpath`) on `module`'s own classes, handing every call it does
/// not take to `fallback`.
pub(crate) fn bind_witness_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    if !params_are(module.py(), &fallback, &["claim", "readbacks"])? {
        return Ok(None);
    }
    let fast = WitnessFast {
        readbacks: Readbacks::of(module)?,
        claim: Reader::new(module, "EffectClaim", ["key", "narrated"])?,
        verdict_cls: class_of(module, "EffectWitnessVerdict")?,
        verdicts: members_of(&module.getattr("_Verdict")?, &["CONFIRMED", "REFUTED", "UNWITNESSED", "NO_CLAIM"])?,
    };
    Ok(Some(NativeFunction::new("effect_witness.witness_effect", fast, fallback)))
}

struct AdmitFast {
    readbacks: Readbacks,
    label: Py<PyType>,
    /// ACCEPT, REJECT_POISON, ABSTAIN, NO_CLAIM.
    verdicts: Vec<Py<PyAny>>,
}

fn reward_index(v: reward::RewardVerdict) -> usize {
    match v {
        reward::RewardVerdict::Accept => 0,
        reward::RewardVerdict::RejectPoison => 1,
        reward::RewardVerdict::Abstain => 2,
        reward::RewardVerdict::NoClaim => 3,
    }
}

impl Fast for AdmitFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let names = [intern!(py, "claim_present"), intern!(py, "readbacks"), intern!(py, "claim_key"), intern!(py, "narrated")];
        let Some([Some(present), Some(readbacks), key, narrated]) = bind_args(a, names, 2) else { return Ok(None) };
        let Some(present) = exact_bool(&present) else { return Ok(None) };
        let key = match &key {
            None => Str::from("claim"),
            Some(k) => match text_of(k) {
                Some(k) => k,
                None => return Ok(None),
            },
        };
        if narrated.as_ref().is_some_and(|n| !n.is_exact_instance_of::<PyString>()) {
            return Ok(None);
        }
        // With no claim the reference reads neither the read-backs nor the key.
        let facts = if present {
            match self.readbacks.read(&readbacks) {
                Some(f) => f,
                None => return Ok(None),
            }
        } else {
            Vec::new()
        };
        let l = reward::admit(present, &facts, &key, &Str::from(""));
        crate::route_bind::trace(py, "reward.admit").map_err(|e| crate::swap::raised(py, e))?;
        let fields = [
            (intern!(py, "verdict"), self.verdicts[reward_index(l.verdict)].bind(py).clone()),
            (intern!(py, "accept"), PyBool::new(py, l.accept).to_owned().into_any()),
            (intern!(py, "poison"), PyBool::new(py, l.poison).to_owned().into_any()),
            (intern!(py, "dispreferred"), PyBool::new(py, l.dispreferred).to_owned().into_any()),
            (intern!(py, "claim_present"), PyBool::new(py, l.claim_present).to_owned().into_any()),
            (intern!(py, "reason"), py_text(py, &l.reason)?),
            (intern!(py, "witness"), py_text(py, &l.witness)?),
            (intern!(py, "accountability"), py_text(py, &l.accountability)?),
        ];
        build(py, &self.label, &fields).map(Some)
    }
}

/// `reward.admit`'s fast path (registered in `crate::fastpath`) on
/// `module`'s own classes, handing every call it does not take to
/// `fallback`.
pub(crate) fn bind_admit_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    if !params_are(module.py(), &fallback, &["claim_present", "readbacks", "claim_key", "narrated"])? {
        return Ok(None);
    }
    let fast = AdmitFast {
        readbacks: Readbacks::of(module)?,
        label: class_of(module, "RewardLabel")?,
        verdicts: members_of(&module.getattr("RewardVerdict")?, &["ACCEPT", "REJECT_POISON", "ABSTAIN", "NO_CLAIM"])?,
    };
    Ok(Some(NativeFunction::new("reward.admit", fast, fallback)))
}

// ------------------------------------------------------------------ believe_under_floor

struct BelieveFast {
    readbacks: Readbacks,
    verdict: Py<PyType>,
}

impl Fast for BelieveFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some([Some(facts)]) = bind_args(a, [intern!(py, "facts")], 1) else { return Ok(None) };
        let Some(list) = items(&facts) else { return Ok(None) };
        // Each witness as the floor reads it, with its name kept as the
        // caller's own object: the verdict's lists hold the names given.
        let mut core = Vec::with_capacity(list.len());
        let mut names = Vec::with_capacity(list.len());
        for f in &list {
            let Some((facts, name)) = self.readbacks.one(f) else { return Ok(None) };
            core.push(facts);
            names.push(name);
        }
        let v = evidence::believe_under_floor(&core);
        // The core lists each witness in exactly one of its three lists, in
        // the order given; which one is the core's own test, asked again here.
        let (mut attesting, mut refuting, mut silent) = (Vec::new(), Vec::new(), Vec::new());
        for (f, name) in core.iter().zip(names) {
            match (f.reachable, f.stance) {
                (true, EvidenceStance::Attested) => attesting.push(name),
                (true, EvidenceStance::Refuted) => refuting.push(name),
                _ => silent.push(name),
            }
        }
        if attesting.len() != v.attesting.0.len() || refuting.len() != v.refuting.0.len() || silent.len() != v.silent.0.len() {
            return Ok(None);
        }
        crate::route_bind::trace(py, "evidence.believe_under_floor").map_err(|e| crate::swap::raised(py, e))?;
        let fields = [
            (intern!(py, "believe"), PyBool::new(py, v.believe).to_owned().into_any()),
            (intern!(py, "refuted"), PyBool::new(py, v.refuted).to_owned().into_any()),
            (intern!(py, "reason"), py_text(py, &v.reason)?),
            (intern!(py, "attesting"), PyTuple::new(py, attesting)?.into_any()),
            (intern!(py, "refuting"), PyTuple::new(py, refuting)?.into_any()),
            (intern!(py, "silent"), PyTuple::new(py, silent)?.into_any()),
        ];
        build(py, &self.verdict, &fields).map(Some)
    }
}

/// `evidence.believe_under_floor`'s fast path (registered in
/// `crate::fastpath`) on `module`'s own classes, handing every call it does
/// not take to `fallback`.
pub(crate) fn bind_believe_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    if !params_are(module.py(), &fallback, &["facts"])? {
        return Ok(None);
    }
    let fast = BelieveFast { readbacks: Readbacks::of(module)?, verdict: class_of(module, "BeliefVerdict")? };
    Ok(Some(NativeFunction::new("evidence.believe_under_floor", fast, fallback)))
}

// ------------------------------------------------------------------ gather_log

/// The reference's built-in null source class as bound: the class and the
/// three attributes `gather_log` reads of an instance, as they were then.
struct NullClass {
    cls: Py<PyType>,
    /// `name`, `accountability`, `gather` on the class.
    attrs: [(Py<PyString>, Py<PyAny>); 3],
}

impl NullClass {
    /// `source` is exactly an instance of the class, keeps no attribute of
    /// its own, and the class still holds the attributes it held at bind time.
    fn untouched(&self, source: &Bound<'_, PyAny>) -> bool {
        if !is_type(source, &self.cls) {
            return false;
        }
        if crate::fast::fields_of(source).is_some_and(|d| !d.is_empty()) {
            return false;
        }
        let cls = self.cls.bind(source.py());
        self.attrs.iter().all(|(name, was)| cls.getattr(name.bind(source.py())).is_ok_and(|v| v.as_ptr() == was.as_ptr()))
    }
}

struct GatherFast {
    result: Py<PyType>,
    /// The typed module takes the source by name (None); the reference's
    /// own module takes an instance of its null source class.
    null: Option<NullClass>,
    source_name: Py<PyAny>,
    accountability: Py<PyAny>,
    detail: Py<PyString>,
}

impl Fast for GatherFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let names = [intern!(py, "source"), intern!(py, "subject"), intern!(py, "config")];
        match &self.null {
            // The reference reads neither the subject nor the config.
            Some(null) => {
                let Some([Some(source), Some(_), Some(_)]) = bind_args(a, names, 3) else { return Ok(None) };
                if !null.untouched(&source) {
                    return Ok(None);
                }
            }
            // The typed op takes a text subject and (here) no config.
            None => {
                let Some([Some(source), Some(subject), config]) = bind_args(a, names, 3) else { return Ok(None) };
                if !source.is_exact_instance_of::<PyString>() || utf8_of(&source) != Some(dos_core::deciders::log_source::NULL_SOURCE) {
                    return Ok(None);
                }
                if !subject.is_exact_instance_of::<PyString>() || config.is_some_and(|c| !c.is_none()) {
                    return Ok(None);
                }
            }
        }
        crate::route_bind::trace(py, "log_source.gather_log").map_err(|e| crate::swap::raised(py, e))?;
        let fields = [
            (intern!(py, "source_name"), self.source_name.bind(py).clone()),
            (intern!(py, "accountability"), self.accountability.bind(py).clone()),
            (intern!(py, "lines"), PyTuple::empty(py).into_any()),
            (intern!(py, "reachable"), PyBool::new(py, false).to_owned().into_any()),
            (intern!(py, "detail"), self.detail.bind(py).clone().into_any()),
        ];
        build(py, &self.result, &fields).map(Some)
    }
}

/// `log_source.gather_log`'s fast path for the built-in null source
/// (registered in `crate::fastpath`) on `module`'s own classes, handing
/// every call it does not take to `fallback`. Its answer is the core's
/// `null_log_evidence`, worked out at bind time.
pub(crate) fn bind_gather_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    if !params_are(py, &fallback, &["source", "subject", "config"])? {
        return Ok(None);
    }
    let ev = dos_core::deciders::log_source::null_log_evidence();
    let (Some(name), Some(detail)) = (ev.source_name.as_str(), ev.detail.as_str()) else { return Ok(None) };
    let agent = members_of(&module.getattr("Accountability")?, &["AGENT_AUTHORED"])?.remove(0);
    debug_assert!(ev.accountability == Accountability::AgentAuthored && !ev.reachable && ev.lines.0.is_empty());
    let typed = module.getattr("__name__")?.extract::<String>()?.starts_with("dos_native.");
    let (null, source_name) = if typed {
        (None, PyString::new(py, name).into_any().unbind())
    } else {
        // The reference's null source, as the route's converter takes it:
        // named `null`, on the floor rung, its `gather` its own module's.
        let cls = class_of(module, "NullLogSource")?;
        let c = cls.bind(py);
        let attr = |n: &str| -> PyResult<(Py<PyString>, Py<PyAny>)> { Ok((PyString::intern(py, n).unbind(), c.getattr(n)?.unbind())) };
        let attrs = [attr("name")?, attr("accountability")?, attr("gather")?];
        let own =
            attrs[2].1.bind(py).getattr("__module__").ok().zip(c.getattr("__module__").ok()).is_some_and(|(a, b)| a.eq(b).unwrap_or(false));
        let named = attrs[0].1.bind(py).extract::<String>().ok().as_deref() == Some(name);
        if !own || !named || attrs[1].1.as_ptr() != agent.as_ptr() {
            return Ok(None);
        }
        let source_name = attrs[0].1.clone_ref(py);
        (Some(NullClass { cls, attrs }), source_name)
    };
    let fast = GatherFast {
        result: class_of(module, "LogEvidence")?,
        null,
        source_name,
        accountability: agent,
        detail: PyString::new(py, detail).unbind(),
    };
    Ok(Some(NativeFunction::new("log_source.gather_log", fast, fallback)))
}

// ------------------------------------------------------------------ attest

/// The receipt's fields in the reference's canonical order, the signature last.
const RECEIPT_FIELDS: [&str; 12] = [
    "schema",
    "claim",
    "narrated",
    "witness_surface",
    "witness_author",
    "accountability_tier",
    "verdict",
    "believe",
    "refuted",
    "timestamp",
    "algorithm",
    "signature",
];

const TIERS: [&str; 3] = ["AGENT_AUTHORED", "OS_RECORDED", "THIRD_PARTY"];

/// How a module's receipts, keys and enums look: the typed module's receipt
/// holds its tier as a token and takes keys as hex; the reference's holds an
/// `Accountability` member (or None) and takes keys as `bytes`.
struct Attest {
    typed: bool,
    receipt_cls: Py<PyType>,
    receipt: Reader<12>,
    /// HMAC_SHA256, ED25519.
    algorithms: Vec<Py<PyAny>>,
    /// AGENT_AUTHORED, OS_RECORDED, THIRD_PARTY.
    tiers: Vec<Py<PyAny>>,
}

const ALGORITHMS: [attest::SignatureAlgorithm; 2] = [attest::SignatureAlgorithm::HmacSha256, attest::SignatureAlgorithm::Ed25519];

/// An exact `str` as UTF-8 text (None for another type or a lone surrogate).
fn exact_utf8<'a>(v: &'a Bound<'_, PyAny>) -> Option<&'a str> {
    if !v.is_exact_instance_of::<PyString>() {
        return None;
    }
    utf8_of(v)
}

impl Attest {
    fn of(module: &Bound<'_, PyAny>) -> PyResult<Attest> {
        Ok(Attest {
            typed: module.getattr("__name__")?.extract::<String>()?.starts_with("dos_native."),
            receipt_cls: class_of(module, "Receipt")?,
            receipt: Reader::new(module, "Receipt", RECEIPT_FIELDS)?,
            algorithms: members_of(&module.getattr("SignatureAlgorithm")?, &["HMAC_SHA256", "ED25519"])?,
            tiers: members_of(&module.getattr("Accountability")?, &TIERS)?,
        })
    }

    /// A receipt of exactly the module's class holding exactly the types its
    /// canonical text is defined for, as the core's record (None otherwise).
    fn read(&self, r: &Bound<'_, PyAny>) -> Option<attest::Receipt> {
        let [schema, claim, narrated, surface, author, tier, verdict, believe, refuted, timestamp, algorithm, signature] =
            self.receipt.read(r)?;
        let text = |v: &Bound<'_, PyAny>| exact_utf8(v).map(Str::from);
        let tier = if self.typed {
            let t = exact_utf8(&tier)?;
            if !(t.is_empty() || TIERS.contains(&t)) {
                return None;
            }
            Str::from(t)
        } else if tier.is_none() {
            Str::from("")
        } else {
            Str::from(TIERS[index_of(&tier, &self.tiers)?])
        };
        Some(attest::Receipt {
            schema: text(&schema)?,
            claim: text(&claim)?,
            narrated: text(&narrated)?,
            witness_surface: text(&surface)?,
            witness_author: text(&author)?,
            accountability_tier: tier,
            verdict: text(&verdict)?,
            believe: exact_bool(&believe)?,
            refuted: exact_bool(&refuted)?,
            timestamp: text(&timestamp)?,
            algorithm: self.algorithm(&algorithm)?,
            signature: text(&signature)?,
        })
    }

    /// A member of the module's `SignatureAlgorithm`; the typed op also
    /// takes its token (what a receipt built from `to_dict()` holds).
    fn algorithm(&self, v: &Bound<'_, PyAny>) -> Option<attest::SignatureAlgorithm> {
        if let Some(i) = index_of(v, &self.algorithms) {
            return Some(ALGORITHMS[i]);
        }
        let t = if self.typed { exact_utf8(v)? } else { return None };
        ALGORITHMS.into_iter().find(|a| a.token() == t)
    }

    /// The receipt and the key bytes of a `(receipt, key)` call: the typed
    /// module's `key_hex` as hex, the reference's `key` as exact `bytes`.
    fn receipt_and_key<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> Option<(attest::Receipt, Vec<u8>)> {
        let key_name = if self.typed { intern!(py, "key_hex") } else { intern!(py, "key") };
        let Some([Some(receipt), Some(key)]) = bind_args(a, [intern!(py, "receipt"), key_name], 2) else { return None };
        let r = self.read(&receipt)?;
        let key = if self.typed {
            attest::key_bytes("", &Str::from(exact_utf8(&key)?)).ok()?
        } else {
            key.cast_exact::<pyo3::types::PyBytes>().ok()?.as_bytes().to_vec()
        };
        Some((r, key))
    }
}

fn params_of(a: &Attest, typed: &[&'static str], reference: &[&'static str]) -> Vec<&'static str> {
    if a.typed {
        typed.to_vec()
    } else {
        reference.to_vec()
    }
}

struct CanonicalFast(Attest);

impl Fast for CanonicalFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some([Some(receipt)]) = bind_args(a, [intern!(py, "receipt")], 1) else { return Ok(None) };
        let Some(r) = self.0.read(&receipt) else { return Ok(None) };
        let Ok(text) = attest::canonical_text("attest.canonical_bytes", &r) else { return Ok(None) };
        crate::route_bind::trace(py, "attest.canonical_bytes").map_err(|e| crate::swap::raised(py, e))?;
        // The typed op answers the text; the reference its UTF-8 bytes.
        Ok(Some(if self.0.typed { PyString::new(py, &text).into_any() } else { pyo3::types::PyBytes::new(py, text.as_bytes()).into_any() }))
    }
}

struct SignFast(Attest);

impl Fast for SignFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some((r, key)) = self.0.receipt_and_key(py, a) else { return Ok(None) };
        let Ok(mac) = attest::sign_hex("attest.sign_hmac", &r, &key) else { return Ok(None) };
        crate::route_bind::trace(py, "attest.sign_hmac").map_err(|e| crate::swap::raised(py, e))?;
        Ok(Some(PyString::new(py, &mac).into_any()))
    }
}

struct VerifyFast {
    attest: Attest,
    result: Py<PyType>,
}

impl Fast for VerifyFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some((r, key)) = self.attest.receipt_and_key(py, a) else { return Ok(None) };
        // A non-ASCII signature: the reference's comparison raises, the core refuses.
        let Ok(v) = attest::verify("attest.verify_hmac", &r, &key) else { return Ok(None) };
        crate::route_bind::trace(py, "attest.verify_hmac").map_err(|e| crate::swap::raised(py, e))?;
        let fields =
            [(intern!(py, "valid"), PyBool::new(py, v.valid).to_owned().into_any()), (intern!(py, "reason"), py_text(py, &v.reason)?)];
        build(py, &self.result, &fields).map(Some)
    }
}

/// `attest.canonical_bytes`'s fast path (registered in `crate::fastpath`).
pub(crate) fn bind_canonical_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    if !params_are(module.py(), &fallback, &["receipt"])? {
        return Ok(None);
    }
    Ok(Some(NativeFunction::new("attest.canonical_bytes", CanonicalFast(Attest::of(module)?), fallback)))
}

/// `attest.sign_hmac`'s fast path (registered in `crate::fastpath`).
pub(crate) fn bind_sign_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let at = Attest::of(module)?;
    if !params_are(module.py(), &fallback, &params_of(&at, &["receipt", "key_hex"], &["receipt", "key"]))? {
        return Ok(None);
    }
    Ok(Some(NativeFunction::new("attest.sign_hmac", SignFast(at), fallback)))
}

/// `attest.verify_hmac`'s fast path (registered in `crate::fastpath`).
pub(crate) fn bind_verify_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let at = Attest::of(module)?;
    if !params_are(module.py(), &fallback, &params_of(&at, &["receipt", "key_hex"], &["receipt", "key"]))? {
        return Ok(None);
    }
    let fast = VerifyFast { attest: at, result: class_of(module, "VerifyResult")? };
    Ok(Some(NativeFunction::new("attest.verify_hmac", fast, fallback)))
}

struct FromVerdictFast {
    attest: Attest,
    /// A verdict's `verdict`, `believe`, `refuted`, `claim_key`, `narrated`,
    /// `witness` and `accountability`.
    verdict: Reader<7>,
    /// The verdict members (CONFIRMED, REFUTED, UNWITNESSED, NO_CLAIM) and their tokens.
    members: Vec<Py<PyAny>>,
    tokens: Vec<Py<PyAny>>,
    /// The tier tokens (the typed receipt's), by `Attest::tiers`.
    tier_tokens: Vec<Py<PyAny>>,
    schema: Py<PyAny>,
}

impl Fast for FromVerdictFast {
    fn call<'py>(&self, py: Python<'py>, a: &CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let at = &self.attest;
        let names = [intern!(py, "verdict"), intern!(py, "timestamp"), intern!(py, "witness_surface"), intern!(py, "algorithm")];
        // The reference takes all but the verdict by keyword only.
        let Some([Some(v), Some(timestamp), surface, algorithm]) = bind_args(a, names, if at.typed { 4 } else { 1 }) else {
            return Ok(None);
        };
        let Some([verdict, believe, refuted, key, narrated, witness, acct]) = self.verdict.read(&v) else { return Ok(None) };
        let Some(token) = index_of(&verdict, &self.members).map(|i| self.tokens[i].bind(py).clone()) else { return Ok(None) };
        let algorithm = algorithm.unwrap_or_else(|| at.algorithms[0].bind(py).clone());
        let surface = surface.unwrap_or_else(|| intern!(py, "").clone().into_any());
        // `witness_surface or claim_key`: only an exact `str` is tested here.
        if !surface.is_exact_instance_of::<PyString>() {
            return Ok(None);
        }
        let surface = if surface.len()? == 0 { key.clone() } else { surface };
        let tier = if at.typed {
            // The typed op takes texts, flags and members of its own enums.
            let texts_ok = [&key, &narrated, &witness, &timestamp, &surface].iter().all(|t| t.is_exact_instance_of::<PyString>());
            if !texts_ok
                || exact_bool(&believe).is_none()
                || exact_bool(&refuted).is_none()
                || index_of(&algorithm, &at.algorithms).is_none()
            {
                return Ok(None);
            }
            if acct.is_none() {
                intern!(py, "").clone().into_any()
            } else {
                let Some(i) = index_of(&acct, &at.tiers) else { return Ok(None) };
                self.tier_tokens[i].bind(py).clone()
            }
        } else {
            // The reference copies every field verbatim.
            acct
        };
        crate::route_bind::trace(py, "attest.receipt_from_verdict").map_err(|e| crate::swap::raised(py, e))?;
        let values = [
            self.schema.bind(py).clone(),
            key,
            narrated,
            surface,
            witness,
            tier,
            token,
            believe,
            refuted,
            timestamp,
            algorithm,
            intern!(py, "").clone().into_any(),
        ];
        let keys = at.receipt.names.each_ref().map(|n| n.bind(py));
        let mut fields: Vec<(&Bound<'py, PyString>, Bound<'py, PyAny>)> = keys.into_iter().zip(values).collect();
        if !at.typed {
            // The reference's dataclass declares the schema last.
            fields.rotate_left(1);
        }
        build(py, &at.receipt_cls, &fields).map(Some)
    }
}

/// `attest.receipt_from_verdict`'s fast path (registered in `crate::fastpath`).
pub(crate) fn bind_from_verdict_fast(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<NativeFunction>> {
    let py = module.py();
    if !params_are(py, &fallback, &["verdict", "timestamp", "witness_surface", "algorithm"])? {
        return Ok(None);
    }
    let at = Attest::of(module)?;
    let cls = module.getattr("EffectWitnessVerdict")?;
    let home = py.import("sys")?.getattr("modules")?.get_item(cls.getattr("__module__")?)?;
    let members = members_of(&home.getattr("_Verdict")?, &["CONFIRMED", "REFUTED", "UNWITNESSED", "NO_CLAIM"])?;
    let tokens = members.iter().map(|m| Ok(m.bind(py).getattr("value")?.unbind())).collect::<PyResult<Vec<_>>>()?;
    let tier_tokens = at.tiers.iter().map(|m| Ok(m.bind(py).getattr("value")?.unbind())).collect::<PyResult<Vec<_>>>()?;
    // The schema tag: the reference's own default, which must be the core's.
    let schema = if at.typed { PyString::new(py, attest::SCHEMA).into_any().unbind() } else { module.getattr("_SCHEMA")?.unbind() };
    if schema.bind(py).extract::<String>().ok().as_deref() != Some(attest::SCHEMA) {
        return Ok(None);
    }
    let fast = FromVerdictFast {
        verdict: Reader::new(
            module,
            "EffectWitnessVerdict",
            ["verdict", "believe", "refuted", "claim_key", "narrated", "witness", "accountability"],
        )?,
        attest: at,
        members,
        tokens,
        tier_tokens,
        schema,
    };
    Ok(Some(NativeFunction::new("attest.receipt_from_verdict", fast, fallback)))
}
