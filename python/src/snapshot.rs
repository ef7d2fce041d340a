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
//! The common case, objects whose fields all live in their instance dicts
//! (dos-kernel's dataclasses), has a cheaper record, [`Fields`]: the reads
//! compiled into the values to find, looked up directly; and on CPython
//! 3.11 and 3.12 a dict whose version tag (PEP 509) is unchanged is not
//! looked into at all (see [`DictTag`]).
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
/// ... or from a typed module's record's slots.
const VIA_SLOTS: usize = usize::MAX - 5;
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
        let mode = match self.recorded_mode() {
            Some(m) => m,
            None if crate::record::is_record(obj) => VIA_SLOTS,
            None if dict_readable(obj, &names) => VIA_DICT,
            None => VIA_GETATTR,
        };
        let via_dict = mode == VIA_DICT;
        self.note(&ty, mode);
        let mut out: [Option<Bound<'py, PyAny>>; N] = std::array::from_fn(|_| None);
        if !self.ok {
            return out;
        }
        if mode == VIA_SLOTS {
            // The type is the record class recorded: read its slots.
            let Some(vals) = crate::record::get_all(obj, names) else {
                self.spoil();
                return out;
            };
            for (slot, v) in out.iter_mut().zip(vals) {
                self.walk(&v, 0);
                if fetch {
                    *slot = Some(v);
                }
            }
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
    /// The fields live in the instance dict (see [`Fields`]).
    Fields(Fields),
    /// Anything else: a [`Snapshot`] of the reads.
    Snap(Snapshot),
}

/// Some fields of an object whose attributes live in its instance dict, as
/// they were: the object's type and dict, and for each field its name, its
/// value and what the value holds (see [`Held`]), all held (so no identity
/// can pass to another object). Checking it looks each name up in the live
/// dict and compares pointers; it descends only into values that can change
/// in place (exact lists and dicts, and tuples holding them) or into the
/// objects a caller [`nest`](Fields::nest)s, allocates nothing and runs no
/// Python code but the lookups of exact `str` keys. A dict whose version tag
/// (see [`DictTag`]) is the one it had when last found unchanged is not
/// looked into: only what its values hold is.
pub(crate) struct Fields {
    ty: Py<PyAny>,
    /// Where the fields live: the instance dict, or a record's slots.
    source: Source,
    fields: Box<[Field]>,
    /// Some field's value holds something that can change in place.
    deep: bool,
}

/// A field: its name, its value, what the value holds.
type Field = (Py<PyString>, Py<PyAny>, Held);

/// Where an object's fields live.
enum Source {
    /// In its instance dict (held, with its version tag).
    Dict { dict: Py<PyAny>, tag: DictTag },
    /// In the slots of a typed module's record: each field's slot index.
    Slots(Box<[usize]>),
}

/// A dict entry: key, value, what the value holds.
type DictItem = (Py<PyAny>, Py<PyAny>, Held);

/// What a value holds, as far as it can change without its identity
/// changing.
enum Held {
    /// Nothing a check needs to look at: an immutable value (or a tuple or
    /// frozenset of them), or an object the conversion reads only by
    /// identity (an enum member).
    Fixed,
    /// An exact dict: each key and value in order, with what the value holds.
    Dict(Box<HeldDict>),
    /// An exact list: each item, with what it holds.
    List(Box<[(Py<PyAny>, Held)]>),
    /// An exact tuple with something changeable inside: what each item holds.
    Tuple(Box<[Held]>),
    /// An object whose own fields the conversion reads.
    Obj(Box<Fields>),
}

struct HeldDict {
    tag: DictTag,
    items: Box<[DictItem]>,
    /// Some value holds something that can change in place.
    deep: bool,
}

fn deep<'a>(mut helds: impl Iterator<Item = &'a Held>) -> bool {
    helds.any(|h| !matches!(h, Held::Fixed))
}

/// A dict's version tag (PEP 509: CPython gives a dict a new, globally
/// unique version on every change of its entries) as last seen when the
/// dict was found to hold what was recorded. The tag is read only where it
/// is known to be kept that way: CPython 3.11 and 3.12 on a 64-bit build
/// (3.12 deprecates it, and later versions stop updating it); elsewhere the
/// entries are always compared.
struct DictTag(std::sync::atomic::AtomicU64);

/// 0: not known yet; 1: tags are read; 2: they are not.
static TAGS: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

#[inline]
fn tags_readable(py: Python<'_>) -> bool {
    match TAGS.load(std::sync::atomic::Ordering::Relaxed) {
        1 => true,
        2 => false,
        _ => tags_known(py),
    }
}

#[cold]
fn tags_known(py: Python<'_>) -> bool {
    let yes = cfg!(target_pointer_width = "64") && {
        let v = py.version_info();
        let cpython = py
            .import("sys")
            .and_then(|sys| {
                let name: String = sys.getattr("implementation")?.getattr("name")?.extract()?;
                // A build tracing references lays objects out differently.
                Ok(name == "cpython" && !sys.hasattr("getobjects")?)
            })
            .unwrap_or(false);
        cpython && v.major == 3 && (11..=12).contains(&v.minor)
    };
    TAGS.store(if yes { 1 } else { 2 }, std::sync::atomic::Ordering::Relaxed);
    yes
}

impl DictTag {
    fn of(py: Python<'_>, d: *mut ffi::PyObject) -> DictTag {
        DictTag(std::sync::atomic::AtomicU64::new(read_tag(py, d).unwrap_or(0)))
    }

    /// Whether the exact dict `d` is unchanged since it was last found
    /// holding what was recorded.
    #[inline]
    fn same(&self, py: Python<'_>, d: *mut ffi::PyObject) -> bool {
        read_tag(py, d).is_some_and(|t| t != 0 && t == self.0.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// `d` was just found holding what was recorded.
    #[inline]
    fn seen(&self, py: Python<'_>, d: *mut ffi::PyObject) {
        if let Some(t) = read_tag(py, d) {
            self.0.store(t, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// The version tag of the exact dict `d`, where it can be read.
#[inline]
fn read_tag(py: Python<'_>, d: *mut ffi::PyObject) -> Option<u64> {
    if !tags_readable(py) {
        return None;
    }
    // SAFETY: `d` is a live exact dict; on CPython 3.11 and 3.12 (64-bit,
    // checked above) a dict object is the object header, `ma_used`
    // (Py_ssize_t), then the 64-bit `ma_version_tag`.
    unsafe {
        let at = (d as *const u8).add(std::mem::size_of::<ffi::PyObject>() + std::mem::size_of::<ffi::Py_ssize_t>());
        Some(std::ptr::read(at as *const u64))
    }
}

impl Held {
    /// What `v` holds; `None` for a value this does not follow (a set, or
    /// nesting deeper than [`MAX_DEPTH`]).
    fn of(v: &Bound<'_, PyAny>, depth: usize) -> Option<Held> {
        if depth > MAX_DEPTH {
            return None;
        }
        if let Ok(d) = v.cast_exact::<PyDict>() {
            let mut out = Vec::with_capacity(d.len());
            for (k, x) in d.iter() {
                // A key is hashable: a tuple holding something that changes
                // is not, so a key's identity is enough.
                let h = Held::of(&x, depth + 1)?;
                out.push((k.unbind(), x.unbind(), h));
            }
            let deep = deep(out.iter().map(|e| &e.2));
            let tag = DictTag::of(v.py(), v.as_ptr());
            return Some(Held::Dict(Box::new(HeldDict { tag, items: out.into_boxed_slice(), deep })));
        }
        if let Ok(l) = v.cast_exact::<PyList>() {
            let mut out = Vec::with_capacity(l.len());
            for x in l.iter() {
                let h = Held::of(&x, depth + 1)?;
                out.push((x.unbind(), h));
            }
            return Some(Held::List(out.into_boxed_slice()));
        }
        if let Ok(t) = v.cast_exact::<PyTuple>() {
            let mut out = Vec::with_capacity(t.len());
            for x in t.iter() {
                out.push(Held::of(&x, depth + 1)?);
            }
            if !deep(out.iter()) {
                return Some(Held::Fixed);
            }
            return Some(Held::Tuple(out.into_boxed_slice()));
        }
        if v.is_exact_instance_of::<PySet>() {
            return None;
        }
        // A frozenset's items are hashable (so nothing in them changes that
        // a check could see); anything else is read by identity.
        Some(Held::Fixed)
    }

    /// Whether the live object at `p` (the one this was taken from) still
    /// holds it.
    fn holds(&self, py: Python<'_>, p: *mut ffi::PyObject) -> bool {
        match self {
            Held::Fixed => true,
            Held::Dict(d) => d.holds(py, p),
            Held::List(items) => {
                // SAFETY: `p` is a live exact list; indices are below its
                // length, checked first; the items are borrowed only for
                // comparison and descent (no Python code runs).
                unsafe {
                    if ffi::PyList_Size(p) != items.len() as ffi::Py_ssize_t {
                        return false;
                    }
                    items.iter().enumerate().all(|(i, (rx, h))| {
                        let x = ffi::PyList_GetItem(p, i as ffi::Py_ssize_t);
                        x == rx.as_ptr() && h.holds(py, x)
                    })
                }
            }
            Held::Tuple(items) => items.iter().enumerate().all(|(i, h)| {
                // SAFETY: `p` is the recorded tuple (same items, same length).
                let x = unsafe { ffi::PyTuple_GetItem(p, i as ffi::Py_ssize_t) };
                !x.is_null() && h.holds(py, x)
            }),
            Held::Obj(f) => f.holds_ptr(py, p),
        }
    }
}

impl HeldDict {
    fn holds(&self, py: Python<'_>, p: *mut ffi::PyObject) -> bool {
        if self.tag.same(py, p) {
            // Same entries: only what the values hold may have changed.
            return !self.deep || self.items.iter().all(|(_, v, h)| h.holds(py, v.as_ptr()));
        }
        // SAFETY: `p` is a live exact dict (the recorded object, kept alive
        // by the record). PyDict_Next runs no Python code, and nothing below
        // it does either, so the borrowed pointers stay valid while they are
        // compared.
        unsafe {
            if ffi::PyDict_Size(p) != self.items.len() as ffi::Py_ssize_t {
                return false;
            }
            let mut pos: ffi::Py_ssize_t = 0;
            let (mut k, mut v) = (std::ptr::null_mut(), std::ptr::null_mut());
            for (rk, rv, h) in self.items.iter() {
                if ffi::PyDict_Next(p, &mut pos, &mut k, &mut v) == 0 || k != rk.as_ptr() || v != rv.as_ptr() || !h.holds(py, v) {
                    return false;
                }
            }
        }
        self.tag.seen(py, p);
        true
    }
}

impl Fields {
    /// `obj`'s fields `names`, when the object reads attributes the generic
    /// way and each lives in its instance dict (see [`dict_readable`]);
    /// `None` otherwise, or when a value holds a set. An object held in a
    /// field is compared by identity unless [`nest`](Fields::nest)ed.
    pub(crate) fn take(obj: &Bound<'_, PyAny>, names: &[&Bound<'_, PyString>]) -> Option<Fields> {
        if crate::record::is_record(obj) {
            // A typed module's record: its fields are its slots.
            let at = crate::record::indices(obj, names)?;
            let mut fields = Vec::with_capacity(names.len());
            for (n, i) in names.iter().zip(at.iter()) {
                let v = crate::record::field_at(obj, *i)?;
                let h = Held::of(&v, 1)?;
                fields.push(((*n).clone().unbind(), v.unbind(), h));
            }
            let deep = deep(fields.iter().map(|f| &f.2));
            let source = Source::Slots(at.into_boxed_slice());
            return Some(Fields { ty: obj.get_type().into_any().unbind(), source, fields: fields.into_boxed_slice(), deep });
        }
        if !dict_readable(obj, names) {
            return None;
        }
        let d = crate::fast::fields_of(obj)?;
        let mut fields = Vec::with_capacity(names.len());
        for n in names {
            let v = crate::fast::item(&d, n)?;
            let h = Held::of(&v, 1)?;
            fields.push(((*n).clone().unbind(), v.unbind(), h));
        }
        let deep = deep(fields.iter().map(|f| &f.2));
        let tag = DictTag::of(obj.py(), d.as_ptr());
        let source = Source::Dict { dict: d.into_any().unbind(), tag };
        Some(Fields { ty: obj.get_type().into_any().unbind(), source, fields: fields.into_boxed_slice(), deep })
    }

    /// The value field `i` held when taken.
    pub(crate) fn value<'py>(&self, py: Python<'py>, i: usize) -> Option<&Bound<'py, PyAny>> {
        self.fields.get(i).map(|f| f.1.bind(py))
    }

    /// Check the fields `names` of the object held in field `i` too (the
    /// conversion reads them); the nested record, or `None` when they
    /// cannot be taken (see [`take`](Fields::take)).
    pub(crate) fn nest(&mut self, py: Python<'_>, i: usize, names: &[&Bound<'_, PyString>]) -> Option<&mut Fields> {
        let f = self.fields.get_mut(i)?;
        let inner = Fields::take(f.1.bind(py), names)?;
        f.2 = Held::Obj(Box::new(inner));
        self.deep = true;
        match &mut self.fields.get_mut(i)?.2 {
            Held::Obj(b) => Some(b),
            _ => None,
        }
    }

    /// Whether `obj` still holds what its fields held when this was taken.
    #[inline]
    pub(crate) fn holds(&self, obj: &Bound<'_, PyAny>) -> bool {
        self.holds_ptr(obj.py(), obj.as_ptr())
    }

    fn holds_ptr(&self, py: Python<'_>, obj: *mut ffi::PyObject) -> bool {
        // SAFETY: `obj` is a live object. Its instance dict comes back as a
        // new reference, released at once: it is only compared with the
        // recorded dict, which the record holds, so a pointer match means
        // the same dict. Lookups with exact `str` keys
        // run no Python code; each value found is borrowed from that dict
        // and, matching a held value, stays alive while it is examined.
        unsafe {
            if ffi::Py_TYPE(obj) as *mut ffi::PyObject != self.ty.as_ptr() {
                return false;
            }
            let (d, tag) = match &self.source {
                Source::Dict { dict, tag } => (dict.as_ptr(), tag),
                Source::Slots(at) => {
                    // The same record class (checked above): compare each
                    // slot with the value it held.
                    return self.fields.iter().zip(at.iter()).all(|((_, v, h), i)| {
                        let x = crate::record::slot_ptr(obj, *i);
                        x == v.as_ptr() && (!self.deep || h.holds(py, x))
                    });
                }
            };
            let live = ffi::PyObject_GenericGetDict(obj, std::ptr::null_mut());
            if live.is_null() {
                ffi::PyErr_Clear();
                return false;
            }
            ffi::Py_DecRef(live);
            if live != d {
                return false;
            }
            if tag.same(py, d) {
                // Same entries: only what the values hold may have changed.
                return !self.deep || self.fields.iter().all(|(_, v, h)| h.holds(py, v.as_ptr()));
            }
            for (k, v, h) in self.fields.iter() {
                let x = ffi::PyDict_GetItemWithError(d, k.as_ptr());
                if x != v.as_ptr() {
                    if x.is_null() && !ffi::PyErr_Occurred().is_null() {
                        ffi::PyErr_Clear();
                    }
                    return false;
                }
                if !h.holds(py, x) {
                    return false;
                }
            }
            tag.seen(py, d);
            true
        }
    }
}

impl Pinned {
    /// Remember `obj`'s `names` fields as they are now.
    pub(crate) fn new(obj: &Bound<'_, PyAny>, names: &[&str]) -> Pinned {
        let py = obj.py();
        let names: Vec<Py<PyString>> = names.iter().map(|n| PyString::intern(py, n).unbind()).collect();
        let bound: Vec<&Bound<'_, PyString>> = names.iter().map(|n| n.bind(py)).collect();
        let how = match Fields::take(obj, &bound) {
            Some(f) => Pin::Fields(f),
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
            Pin::Fields(f) => f.holds(self.obj.bind(py)),
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
