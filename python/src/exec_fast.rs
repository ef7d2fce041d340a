//! The hand fast path of `exec_capability.classify_command` (listed in
//! `fastpath::FAST`): it serves the generated typed module and
//! `accelerate()` on either module's own classes (`ExecCapabilityVerdict`,
//! `Capability`, `DEFAULT_POLICY`). The generic route binder reads the
//! policy's 25-program frozenset on every call; this path reads the default
//! policy not at all while it still holds the built-in programs, and any
//! other frozenset once per policy object.

use crate::{fast, snapshot, swap};
use dos_core::deciders::exec_capability;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyFrozenSet, PyList, PySet, PyString, PyTuple, PyType};
use std::cell::RefCell;

/// A policy object, its `programs` frozenset, and their native form.
type CachedPolicy = (Py<PyAny>, Py<PyAny>, exec_capability::ExecCapabilityPolicy);

thread_local! {
    /// The last non-default policy seen (compared by identity).
    static POLICY_CACHE: RefCell<Option<CachedPolicy>> = const { RefCell::new(None) };
}

/// Run `f` on the native form of `policy` (anything with `.programs`).
/// `programs` must be an exact frozenset, set, list or tuple of exact
/// `str`s (the reference tests `tok in policy.programs`, which a subclass or
/// another container may answer its own way); anything else is an error,
/// which the fast path reads as "hand it to the fallback". The native form
/// is reused while the policy and its `programs` are the same objects and
/// `programs` is a frozenset (which cannot change).
fn exec_policy_for(py: Python<'_>, policy: &Bound<'_, PyAny>, f: &mut dyn FnMut(&exec_capability::ExecCapabilityPolicy)) -> PyResult<()> {
    let programs = policy.getattr(pyo3::intern!(py, "programs"))?;
    let hit = POLICY_CACHE.with(|c| {
        let c = c.borrow();
        match c.as_ref() {
            Some((pol, progs, p)) if pol.bind(py).is(policy) && progs.bind(py).is(&programs) => {
                f(p);
                true
            }
            _ => false,
        }
    });
    if hit {
        return Ok(());
    }
    let frozen = programs.is_exact_instance_of::<PyFrozenSet>();
    if !(frozen
        || programs.is_exact_instance_of::<PySet>()
        || programs.is_exact_instance_of::<PyList>()
        || programs.is_exact_instance_of::<PyTuple>())
    {
        return Err(PyTypeError::new_err("policy.programs is not a frozenset, set, list or tuple"));
    }
    let mut set = std::collections::BTreeSet::new();
    for p in programs.try_iter()? {
        let p = p?;
        let s = p.cast_exact::<PyString>().map_err(|_| PyTypeError::new_err("policy.programs holds a non-str"))?;
        set.insert(s.to_str()?.to_owned());
    }
    let native = exec_capability::ExecCapabilityPolicy::new(set);
    f(&native);
    if frozen {
        POLICY_CACHE.with(|c| *c.borrow_mut() = Some((policy.clone().unbind(), programs.unbind(), native)));
    }
    Ok(())
}

/// `classify_command` answering with instances of the module's
/// `ExecCapabilityVerdict` (its `Capability` members); what it does not take
/// goes to the fallback.
struct ExecClassify {
    verdict_cls: Py<PyType>,
    members: Vec<Py<PyAny>>,
    /// The default policy and its `programs` when bound: the built-in
    /// default serves only while they still hold the built-in programs.
    default_policy: snapshot::Pinned,
}

impl swap::Fast for ExecClassify {
    fn call<'py>(&self, py: Python<'py>, a: &swap::CallArgs<'_, 'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        use pyo3::intern;
        let Some((command, policy)) = fast::one_or_two(a, intern!(py, "command"), intern!(py, "policy")) else {
            return Ok(None);
        };
        let Ok(command) = command.cast_exact::<PyString>() else { return Ok(None) };
        let Ok(cmd) = command.to_str() else { return Ok(None) };
        let mut out = None;
        let default = self.default_policy.obj().bind(py);
        match policy {
            Some(p) if !p.is(default) => {
                if exec_policy_for(py, &p, &mut |pol| out = Some(exec_capability::classify_command(cmd, pol))).is_err() {
                    return Ok(None);
                }
            }
            _ if self.default_policy.current(py) => {
                out = Some(exec_capability::classify_command(cmd, exec_capability::ExecCapabilityPolicy::default_ref()))
            }
            _ => {
                if exec_policy_for(py, default, &mut |pol| out = Some(exec_capability::classify_command(cmd, pol))).is_err() {
                    return Ok(None);
                }
            }
        }
        let Some(v) = out else { return Ok(None) };
        let idx = match v.capability {
            exec_capability::Capability::GrantsArbitraryExec => 0,
            exec_capability::Capability::Bounded => 1,
            exec_capability::Capability::Empty => 2,
        };
        let program = match v.program.as_deref() {
            Some(p) => PyString::new(py, p).into_any(),
            None => py.None().into_bound(py),
        };
        // A typed module's record writes the reason when it is first read;
        // the reference's dataclass gets it written now.
        let reason = crate::record::text(py, &self.verdict_cls, move || v.reason())?;
        let fields = [
            (intern!(py, "capability"), self.members[idx].bind(py).clone()),
            (intern!(py, "program"), program),
            (intern!(py, "reason"), reason),
        ];
        fast::build(py, &self.verdict_cls, &fields).map(Some)
    }
}

/// The fast `classify_command(command, policy=DEFAULT_POLICY)` bound to
/// `module`'s classes (the generated `dos_native.exec_capability` or the
/// reference's `dos.exec_capability`).
pub(crate) fn bind_classify_command(module: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Option<swap::NativeFunction>> {
    use pyo3::intern;
    let py = module.py();
    let verdict_cls = module.getattr(intern!(py, "ExecCapabilityVerdict"))?.cast_into::<PyType>()?;
    let capability_cls = module.getattr(intern!(py, "Capability"))?;
    let default_policy = module.getattr(intern!(py, "DEFAULT_POLICY"))?;
    // Pinned only when it holds the built-in programs (which the fast path
    // then uses without reading it).
    let mut builtin = false;
    if exec_policy_for(py, &default_policy, &mut |pol| builtin = pol == exec_capability::ExecCapabilityPolicy::default_ref()).is_err() {
        return Ok(None);
    }
    let fast = ExecClassify {
        verdict_cls: verdict_cls.unbind(),
        members: fast::members_of(&capability_cls, &["GRANTS_ARBITRARY_EXEC", "BOUNDED", "EMPTY"])?,
        default_policy: if builtin {
            snapshot::Pinned::new(&default_policy, &["programs"])
        } else {
            snapshot::Pinned::unpinned(&default_policy)
        },
    };
    Ok(Some(swap::NativeFunction::new("exec_capability.classify_command", fast, fallback)))
}
