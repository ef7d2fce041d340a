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
//! place shows. Attributes that live in an instance's `__dict__` are read
//! from it directly (an `object.__setattr__` shows as a new value there);
//! others through `getattr`. The replay compares pointers only and
//! allocates nothing.
//!
//! One assumption: a class is not given new data descriptors (properties)
//! for these attribute names after a snapshot was taken.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet, PyString, PyTuple};

/// How deep a value may nest before it is not worth remembering.
const MAX_DEPTH: usize = 32;

/// `Entry::len` of a mode entry: the attributes were read from the instance
/// dict, or through `getattr`.
const VIA_DICT: usize = usize::MAX - 1;
const VIA_GETATTR: usize = usize::MAX - 2;
/// `Entry::len` of a choice entry: the choice was `false` / `true`.
const CHOSE_NO: usize = usize::MAX - 4;
const CHOSE_YES: usize = usize::MAX - 3;

struct Entry {
    obj: Py<PyAny>,
    /// For a list, dict or set: its length when read; for a mode entry, the mode.
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

impl<'a> Tracer<'a> {
    /// The walk cannot be trusted (a read failed, or a value is one whose
    /// conversion may differ from call to call): record nothing, match nothing.
    pub(crate) fn spoil(&mut self) {
        self.ok = false;
    }

    /// Note `o` by identity (and `len`); its index when recording.
    #[inline]
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

    /// The mode entry recorded here (checking), or `None` (recording).
    fn recorded_mode(&self) -> Option<usize> {
        match &self.mode {
            Mode::Check { want, at } => Some(want.get(*at).map_or(0, |e| e.len)),
            Mode::Record(_) => None,
        }
    }

    /// A choice of what to read next, made by `f` when recording and read
    /// back when checking (so the replay reads the same things).
    pub(crate) fn choose(&mut self, py: Python<'_>, f: impl FnOnce() -> bool) -> bool {
        if !self.ok {
            return false;
        }
        match &mut self.mode {
            Mode::Record(seen) => {
                let yes = f();
                let len = if yes { CHOSE_YES } else { CHOSE_NO };
                seen.push(Entry { obj: py.None(), len, inner: 0, frozen: true });
                yes
            }
            Mode::Check { want, at } => match want.get(*at) {
                Some(e) if e.len == CHOSE_YES || e.len == CHOSE_NO => {
                    *at += 1;
                    e.len == CHOSE_YES
                }
                _ => {
                    self.ok = false;
                    false
                }
            },
        }
    }

    /// An object whose conversion reads nothing but its identity (an enum
    /// member), or one whose attributes the caller then reads through this
    /// tracer itself.
    pub(crate) fn member(&mut self, o: &Bound<'_, PyAny>) {
        self.note(o, 0);
    }

    /// Read `obj`'s attributes `names` as `getattr` does, noting them, and
    /// return them (`None` for one that is missing). When they all live in
    /// the instance dict (and the class reads attributes the generic way,
    /// with no data descriptor of these names), they are read from the dict
    /// (the object's type noted, so a class change shows); otherwise each
    /// through `getattr`. Any other error spoils the walk.
    pub(crate) fn attrs<'py, const N: usize>(
        &mut self,
        obj: &Bound<'py, PyAny>,
        names: [&Bound<'py, PyString>; N],
    ) -> [Option<Bound<'py, PyAny>>; N] {
        self.read_attrs(obj, names, true)
    }

    /// [`attrs`](Tracer::attrs) without handing the values back.
    pub(crate) fn note_attrs<'py, const N: usize>(&mut self, obj: &Bound<'py, PyAny>, names: [&Bound<'py, PyString>; N]) {
        self.read_attrs(obj, names, false);
    }

    fn read_attrs<'py, const N: usize>(
        &mut self,
        obj: &Bound<'py, PyAny>,
        names: [&Bound<'py, PyString>; N],
        fetch: bool,
    ) -> [Option<Bound<'py, PyAny>>; N] {
        let py = obj.py();
        let ty = obj.get_type().into_any();
        let via_dict = match self.recorded_mode() {
            Some(m) => m == VIA_DICT,
            None => dict_readable(obj, &names),
        };
        self.note(&ty, if via_dict { VIA_DICT } else { VIA_GETATTR });
        let mut out: [Option<Bound<'py, PyAny>>; N] = std::array::from_fn(|_| None);
        if !self.ok {
            return out;
        }
        if via_dict {
            // The type is the one recorded, and was checked then to read
            // these names from the instance dict: look them up there.
            let Some(d) = crate::fast::fields_of(obj) else {
                self.spoil();
                return out;
            };
            for (slot, name) in out.iter_mut().zip(names) {
                match crate::fast::item(&d, name) {
                    Some(v) => {
                        self.walk(&v, 0);
                        if fetch {
                            *slot = Some(v);
                        }
                    }
                    None => {
                        self.spoil();
                        return out;
                    }
                }
            }
            return out;
        }
        for (slot, name) in out.iter_mut().zip(names) {
            match obj.getattr(name) {
                Ok(v) => {
                    self.walk(&v, 0);
                    *slot = Some(v);
                }
                Err(e) if e.is_instance_of::<pyo3::exceptions::PyAttributeError>(py) => {
                    self.note(&py.None().into_bound(py), 0);
                }
                Err(_) => self.spoil(),
            }
        }
        out
    }

    /// Walk `o`; `false` when something under it may change.
    fn walk(&mut self, o: &Bound<'_, PyAny>, depth: usize) -> bool {
        if !self.ok {
            return false;
        }
        // Checking: the same object as recorded, and when nothing under it
        // can change, done (no type test needed: an object keeps its type).
        if let Mode::Check { want, at } = &mut self.mode {
            match want.get(*at) {
                Some(e) if e.obj.as_ptr() == o.as_ptr() => {
                    if e.frozen {
                        *at += 1 + e.inner;
                        return true;
                    }
                }
                _ => {
                    self.ok = false;
                    return false;
                }
            }
        }
        if depth > MAX_DEPTH {
            self.ok = false;
            return false;
        }
        if is_immutable_scalar(o) {
            self.note(o, 0);
            return true;
        }
        let immutable = o.is_exact_instance_of::<PyTuple>() || o.is_exact_instance_of::<PyFrozenSet>();
        if !immutable && !is_plain(o) {
            self.note(o, 0);
            return false;
        }
        let len = if immutable { 0 } else { o.len().unwrap_or(usize::MAX) };
        let idx = self.note(o, len);
        if !self.ok {
            return false;
        }
        let start = match &self.mode {
            Mode::Record(seen) => seen.len(),
            Mode::Check { .. } => 0,
        };
        let py = o.py();
        let mut frozen = immutable;
        if o.is_exact_instance_of::<PyDict>() {
            let mut pos: ffi::Py_ssize_t = 0;
            let (mut k, mut v) = (std::ptr::null_mut(), std::ptr::null_mut());
            // SAFETY: iterating a live exact dict with borrowed pointers;
            // nothing below runs Python code, so the dict cannot change
            // while it is walked.
            while unsafe { ffi::PyDict_Next(o.as_ptr(), &mut pos, &mut k, &mut v) } != 0 {
                for p in [k, v] {
                    // Checking, an item recorded as unchangeable: its
                    // identity settles it (the common case, done inline).
                    if let Mode::Check { want, at } = &mut self.mode {
                        match want.get(*at) {
                            Some(e) if e.obj.as_ptr() == p && e.frozen => {
                                *at += 1 + e.inner;
                                continue;
                            }
                            Some(e) if e.obj.as_ptr() == p => {}
                            _ => {
                                self.ok = false;
                                return false;
                            }
                        }
                    }
                    // SAFETY: a live item borrowed from the dict.
                    let x = unsafe { pyo3::Borrowed::from_ptr(py, p) };
                    frozen &= self.walk(&x, depth + 1);
                    if !self.ok {
                        return false;
                    }
                }
            }
        } else if o.is_exact_instance_of::<PyList>() || o.is_exact_instance_of::<PyTuple>() {
            let list = o.is_exact_instance_of::<PyList>();
            let n = if list { len } else { o.len().unwrap_or(0) };
            for i in 0..n {
                // SAFETY: `i` is below the length of this live exact list or
                // tuple, which nothing below can change; borrowed items.
                let p = unsafe {
                    if list {
                        ffi::PyList_GetItem(o.as_ptr(), i as ffi::Py_ssize_t)
                    } else {
                        ffi::PyTuple_GetItem(o.as_ptr(), i as ffi::Py_ssize_t)
                    }
                };
                if p.is_null() {
                    unsafe { ffi::PyErr_Clear() };
                    self.ok = false;
                    return false;
                }
                let x = unsafe { pyo3::Borrowed::from_ptr(py, p) };
                frozen &= self.walk(&x, depth + 1);
                if !self.ok {
                    return false;
                }
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

/// Whether `obj`'s attributes `names` are exactly its instance dict's
/// entries: the class reads attributes the generic way and `getattr` finds
/// each in the dict (no data descriptor in the class shadows it).
fn dict_readable(obj: &Bound<'_, PyAny>, names: &[&Bound<'_, PyString>]) -> bool {
    let py = obj.py();
    let generic = (|| -> PyResult<bool> {
        let object = py.get_type::<PyAny>();
        let own = obj.get_type().getattr(pyo3::intern!(py, "__getattribute__"))?;
        Ok(own.is(object.getattr(pyo3::intern!(py, "__getattribute__"))?))
    })();
    if !matches!(generic, Ok(true)) {
        return false;
    }
    let Some(d) = crate::fast::fields_of(obj) else { return false };
    names.iter().all(|n| match (obj.getattr(*n), crate::fast::item(&d, n)) {
        (Ok(a), Some(b)) => a.is(&b),
        _ => false,
    })
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
    how: Pin,
}

enum Pin {
    /// Nothing to compare with: never current.
    None,
    /// The fields live in the instance dict (see [`FieldDict`]).
    Dict(FieldDict),
    /// Anything else: a [`Snapshot`] of the reads.
    Snap(Snapshot),
}

/// An instance dict as it was: the object's type, the dict, and each entry
/// (key, value, and for a value that is an exact dict or list, its items),
/// all held. Checked with a few pointer comparisons per entry.
struct FieldDict {
    ty: Py<PyAny>,
    dict: Py<PyAny>,
    items: Vec<FieldEntry>,
}

/// One instance-dict entry: key, value, and the value's items when it is
/// an exact dict or list.
type FieldEntry = (Py<PyAny>, Py<PyAny>, Option<Vec<Py<PyAny>>>);

/// The items of an exact dict (keys and values in turn) or list, when none
/// of them is itself a mutable container; `Err` when one is.
fn flat_items(v: &Bound<'_, PyAny>) -> Result<Option<Vec<Py<PyAny>>>, ()> {
    let mutable = |x: &Bound<'_, PyAny>| {
        x.is_exact_instance_of::<PyDict>()
            || x.is_exact_instance_of::<PyList>()
            || x.is_exact_instance_of::<PySet>()
            || (is_plain(x) && !is_immutable_scalar(x))
    };
    if let Ok(d) = v.cast_exact::<PyDict>() {
        let mut out = Vec::with_capacity(2 * d.len());
        for (k, x) in d.iter() {
            if mutable(&k) || mutable(&x) {
                return Err(());
            }
            out.push(k.unbind());
            out.push(x.unbind());
        }
        return Ok(Some(out));
    }
    if let Ok(l) = v.cast_exact::<PyList>() {
        let mut out = Vec::with_capacity(l.len());
        for x in l.iter() {
            if mutable(&x) {
                return Err(());
            }
            out.push(x.unbind());
        }
        return Ok(Some(out));
    }
    if v.is_exact_instance_of::<PySet>() || (is_plain(v) && !is_immutable_scalar(v) && !flat_immutable(v)) {
        return Err(());
    }
    Ok(None)
}

/// A tuple or frozenset holding only immutable scalars.
fn flat_immutable(v: &Bound<'_, PyAny>) -> bool {
    (v.is_exact_instance_of::<PyTuple>() || v.is_exact_instance_of::<PyFrozenSet>())
        && v.try_iter().is_ok_and(|it| it.into_iter().all(|x| x.is_ok_and(|x| is_immutable_scalar(&x))))
}

impl FieldDict {
    fn take(obj: &Bound<'_, PyAny>, names: &[Py<PyString>]) -> Option<FieldDict> {
        let py = obj.py();
        let bound: Vec<&Bound<'_, PyString>> = names.iter().map(|n| n.bind(py)).collect();
        if !dict_readable(obj, &bound) {
            return None;
        }
        let d = crate::fast::fields_of(obj)?;
        let mut items = Vec::with_capacity(d.len());
        for (k, v) in d.iter() {
            let inner = flat_items(&v).ok()?;
            items.push((k.unbind(), v.unbind(), inner));
        }
        Some(FieldDict { ty: obj.get_type().into_any().unbind(), dict: d.into_any().unbind(), items })
    }

    fn holds(&self, obj: &Bound<'_, PyAny>) -> bool {
        if obj.get_type_ptr() as *mut ffi::PyObject != self.ty.as_ptr() {
            return false;
        }
        let Some(d) = crate::fast::fields_of(obj) else { return false };
        if d.as_ptr() != self.dict.as_ptr() || d.len() != self.items.len() {
            return false;
        }
        let mut pos: ffi::Py_ssize_t = 0;
        let (mut k, mut v) = (std::ptr::null_mut(), std::ptr::null_mut());
        for (rk, rv, inner) in &self.items {
            // SAFETY: iterating a live exact dict with borrowed pointers; no
            // Python code runs meanwhile.
            if unsafe { ffi::PyDict_Next(d.as_ptr(), &mut pos, &mut k, &mut v) } == 0 || k != rk.as_ptr() || v != rv.as_ptr() {
                return false;
            }
            if let Some(inner) = inner {
                if !same_items(obj.py(), v, inner) {
                    return false;
                }
            }
        }
        true
    }
}

/// Whether the exact dict or list at `v` holds exactly `want` (dict: keys
/// and values in turn).
fn same_items(py: Python<'_>, v: *mut ffi::PyObject, want: &[Py<PyAny>]) -> bool {
    // SAFETY: `v` is a live object borrowed from the dict being checked.
    let v = unsafe { pyo3::Borrowed::from_ptr(py, v) };
    if v.is_exact_instance_of::<PyDict>() {
        if v.len().ok() != Some(want.len() / 2) {
            return false;
        }
        let mut pos: ffi::Py_ssize_t = 0;
        let (mut k, mut x) = (std::ptr::null_mut(), std::ptr::null_mut());
        for pair in want.chunks(2) {
            // SAFETY: as above.
            if unsafe { ffi::PyDict_Next(v.as_ptr(), &mut pos, &mut k, &mut x) } == 0
                || k != pair[0].as_ptr()
                || x != pair[1].as_ptr()
            {
                return false;
            }
        }
        return true;
    }
    if v.is_exact_instance_of::<PyList>() {
        if v.len().ok() != Some(want.len()) {
            return false;
        }
        return want.iter().enumerate().all(|(i, w)| {
            // SAFETY: `i` is below the list's length; a borrowed item.
            let p = unsafe { ffi::PyList_GetItem(v.as_ptr(), i as ffi::Py_ssize_t) };
            p == w.as_ptr()
        });
    }
    false
}

impl Pinned {
    /// Remember `obj`'s `names` fields as they are now.
    pub(crate) fn new(obj: &Bound<'_, PyAny>, names: &[&str]) -> Pinned {
        let py = obj.py();
        let names: Vec<Py<PyString>> = names.iter().map(|n| PyString::intern(py, n).unbind()).collect();
        let how = match FieldDict::take(obj, &names) {
            Some(f) => Pin::Dict(f),
            None => match Snapshot::take(|t| trace_fields(obj, &names, t)) {
                Some(s) => Pin::Snap(s),
                None => Pin::None,
            },
        };
        Pinned { obj: obj.clone().unbind(), names, how }
    }

    /// `obj` with nothing pinned: never [`current`](Pinned::current).
    pub(crate) fn unpinned(obj: &Bound<'_, PyAny>) -> Pinned {
        Pinned { obj: obj.clone().unbind(), names: Vec::new(), how: Pin::None }
    }

    /// The object this pins.
    pub(crate) fn obj(&self) -> &Py<PyAny> {
        &self.obj
    }

    /// Whether the pinned object's fields still hold what they held.
    pub(crate) fn current(&self, py: Python<'_>) -> bool {
        match &self.how {
            Pin::Dict(f) => f.holds(self.obj.bind(py)),
            Pin::Snap(s) => s.holds(|t| trace_fields(self.obj.bind(py), &self.names, t)),
            Pin::None => false,
        }
    }
}

/// The fields `names` of `obj` as values.
fn trace_fields(obj: &Bound<'_, PyAny>, names: &[Py<PyString>], t: &mut Tracer<'_>) {
    let py = obj.py();
    match names.len() {
        1 => t.note_attrs(obj, [names[0].bind(py)]),
        2 => t.note_attrs(obj, [names[0].bind(py), names[1].bind(py)]),
        3 => t.note_attrs(obj, [names[0].bind(py), names[1].bind(py), names[2].bind(py)]),
        _ => t.spoil(),
    }
}



