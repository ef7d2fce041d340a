//! Checking that a conversion made once still describes the live object.
//!
//! A config or a default policy is converted to its Rust form once and the
//! result reused; what makes the reuse correct is not the object's identity
//! (a frozen dataclass may hold a dict, which changes in place, and
//! `object.__setattr__` reassigns even a frozen field) but that every value
//! the conversion read is still there. A [`Snapshot`] records, in reading
//! order, each object a conversion read, holding a reference to each so its
//! identity cannot pass to another object; replaying the same reads against
//! the live object and comparing object for object tells whether anything
//! changed. Immutable values (str, int, float, bool, None, and tuples and
//! frozensets of them) are compared by identity alone; a list, dict or set
//! is compared by identity, length and then item by item, so a change in
//! place shows. The replay compares pointers only: it costs the attribute
//! reads and one comparison per value, and allocates nothing.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet, PyString, PyTuple};

/// How deep a value may nest before it is not worth remembering.
const MAX_DEPTH: usize = 32;

struct Entry {
    obj: Py<PyAny>,
    /// For a list, dict or set: its length when read.
    len: usize,
    /// How many entries follow for this value's contents.
    inner: usize,
    /// Nothing under it can change (so a replay skips its contents).
    frozen: bool,
}

/// What one conversion read (see the module docs).
pub(crate) struct Snapshot {
    seen: Vec<Entry>,
}

enum Mode<'a> {
    Record(Vec<Entry>),
    Check { want: &'a [Entry], at: usize },
}

/// Walks the values a conversion reads, recording them or checking them.
pub(crate) struct Tracer<'a> {
    mode: Mode<'a>,
    ok: bool,
}

fn is_immutable_scalar(o: &Bound<'_, PyAny>) -> bool {
    o.is_none()
        || o.is_exact_instance_of::<PyString>()
        || o.is_exact_instance_of::<PyBool>()
        || o.is_exact_instance_of::<PyInt>()
        || o.is_exact_instance_of::<PyFloat>()
}

/// Whether `o` is None or of exactly one of the built-in value types this
/// module looks inside.
pub(crate) fn is_plain(o: &Bound<'_, PyAny>) -> bool {
    is_immutable_scalar(o)
        || o.is_exact_instance_of::<PyTuple>()
        || o.is_exact_instance_of::<PyFrozenSet>()
        || o.is_exact_instance_of::<PyList>()
        || o.is_exact_instance_of::<PyDict>()
        || o.is_exact_instance_of::<PySet>()
}

impl Tracer<'_> {
    /// The walk cannot be trusted (a read failed, or a value is one whose
    /// conversion may differ from call to call): record nothing, match nothing.
    pub(crate) fn spoil(&mut self) {
        self.ok = false;
    }

    /// Note `o` by identity; returns its index (to fill in later) when recording.
    fn note(&mut self, o: &Bound<'_, PyAny>, len: usize) -> Option<usize> {
        if !self.ok {
            return None;
        }
        match &mut self.mode {
            Mode::Record(seen) => {
                seen.push(Entry { obj: o.clone().unbind(), len, inner: 0, frozen: true });
                Some(seen.len() - 1)
            }
            Mode::Check { want, at } => {
                match want.get(*at) {
                    Some(e) if e.obj.as_ptr() == o.as_ptr() && e.len == len => *at += 1,
                    _ => self.ok = false,
                }
                None
            }
        }
    }

    /// An object whose conversion reads nothing but its identity (an enum
    /// member), or one whose attributes the caller then reads through this
    /// tracer itself.
    pub(crate) fn member(&mut self, o: &Bound<'_, PyAny>) {
        self.note(o, 0);
    }

    /// A value: exact built-in scalars and containers (contents included);
    /// an object of any other type counts by identity, as [`member`] does.
    ///
    /// [`member`]: Tracer::member
    pub(crate) fn value(&mut self, o: &Bound<'_, PyAny>) {
        self.walk(o, 0);
    }

    /// Walk `o`; `false` when something under it may change.
    fn walk(&mut self, o: &Bound<'_, PyAny>, depth: usize) -> bool {
        if !self.ok {
            return false;
        }
        if depth > MAX_DEPTH {
            self.ok = false;
            return false;
        }
        if is_immutable_scalar(o) || !is_plain(o) {
            self.note(o, 0);
            return is_immutable_scalar(o);
        }
        let immutable = o.is_exact_instance_of::<PyTuple>() || o.is_exact_instance_of::<PyFrozenSet>();
        // A tuple or frozenset seen before whose contents cannot change:
        // the same object holds the same values.
        if immutable {
            if let Mode::Check { want, at } = &mut self.mode {
                if let Some(e) = want.get(*at) {
                    if e.frozen && e.obj.as_ptr() == o.as_ptr() {
                        *at += 1 + e.inner;
                        return true;
                    }
                }
            }
        }
        let len = if immutable { 0 } else { o.len().unwrap_or(usize::MAX) };
        let idx = self.note(o, len);
        let start = match &self.mode {
            Mode::Record(seen) => seen.len(),
            Mode::Check { .. } => 0,
        };
        let mut frozen = immutable;
        if let Ok(d) = o.cast_exact::<PyDict>() {
            for (k, v) in d.iter() {
                frozen &= self.walk(&k, depth + 1);
                frozen &= self.walk(&v, depth + 1);
            }
        } else if let Ok(l) = o.cast_exact::<PyList>() {
            for x in l.iter() {
                frozen &= self.walk(&x, depth + 1);
            }
        } else if let Ok(t) = o.cast_exact::<PyTuple>() {
            for x in t.iter() {
                frozen &= self.walk(&x, depth + 1);
            }
        } else if let Ok(it) = o.try_iter() {
            // A set or frozenset: iterating it runs no caller code (its
            // items' hashes are stored).
            for x in it {
                match x {
                    Ok(x) => frozen &= self.walk(&x, depth + 1),
                    Err(_) => self.ok = false,
                }
            }
        } else {
            self.ok = false;
        }
        if let (Some(i), Mode::Record(seen)) = (idx, &mut self.mode) {
            let inner = seen.len() - start;
            seen[i].inner = inner;
            seen[i].frozen = frozen;
        }
        frozen
    }
}

impl Snapshot {
    /// Record what `trace` reads; `None` when the walk was spoiled.
    pub(crate) fn take(trace: impl FnOnce(&mut Tracer<'_>)) -> Option<Snapshot> {
        let mut t = Tracer { mode: Mode::Record(Vec::new()), ok: true };
        trace(&mut t);
        match t.mode {
            Mode::Record(seen) if t.ok => Some(Snapshot { seen }),
            _ => None,
        }
    }

    /// Whether `trace` reads exactly what it read when this was taken.
    pub(crate) fn holds(&self, trace: impl FnOnce(&mut Tracer<'_>)) -> bool {
        let mut t = Tracer { mode: Mode::Check { want: &self.seen, at: 0 }, ok: true };
        trace(&mut t);
        match t.mode {
            Mode::Check { at, .. } => t.ok && at == self.seen.len(),
            Mode::Record(_) => false,
        }
    }
}

/// A default policy converted once: the object, the fields its conversion
/// reads, and what they held.
pub(crate) struct Pinned {
    obj: Py<PyAny>,
    names: Vec<Py<PyString>>,
    snap: Option<Snapshot>,
}

impl Pinned {
    /// Remember `obj`'s `names` fields as they are now.
    pub(crate) fn new(obj: &Bound<'_, PyAny>, names: &[&str]) -> Pinned {
        let py = obj.py();
        let names: Vec<Py<PyString>> = names.iter().map(|n| PyString::intern(py, n).unbind()).collect();
        let snap = Snapshot::take(|t| trace_fields(obj, &names, t));
        Pinned { obj: obj.clone().unbind(), names, snap }
    }

    /// `obj` with nothing pinned: never [`current`](Pinned::current).
    pub(crate) fn unpinned(obj: &Bound<'_, PyAny>) -> Pinned {
        Pinned { obj: obj.clone().unbind(), names: Vec::new(), snap: None }
    }

    /// The object this pins.
    pub(crate) fn obj(&self) -> &Py<PyAny> {
        &self.obj
    }

    /// Whether the pinned object's fields still hold what they held.
    pub(crate) fn current(&self, py: Python<'_>) -> bool {
        match &self.snap {
            Some(s) => s.holds(|t| trace_fields(self.obj.bind(py), &self.names, t)),
            None => false,
        }
    }
}

/// The fields `names` of `obj` as values (read as the converters read them:
/// the instance's own attribute lookup, no `__getattr__` fallback).
fn trace_fields(obj: &Bound<'_, PyAny>, names: &[Py<PyString>], t: &mut Tracer<'_>) {
    let py = obj.py();
    t.member(&obj.get_type().into_any());
    for n in names {
        // SAFETY: live object and name; a new reference or NULL with an
        // exception set, which is cleared.
        let v = unsafe { pyo3::ffi::PyObject_GenericGetAttr(obj.as_ptr(), n.as_ptr()) };
        if v.is_null() {
            unsafe { pyo3::ffi::PyErr_Clear() };
            t.spoil();
            return;
        }
        let v = unsafe { Bound::from_owned_ptr(py, v) };
        t.value(&v);
    }
}
