//! The generated route: one Rust definition per record, enum and op.
//!
//! A routed op is a struct: its fields are the op's arguments (read from
//! the envelope's `args` by serde over [`pyjson`](crate::pyjson), with
//! BAD_ARGS naming the field path), its [`Op`] impl holds the decision, and
//! its verdict is any `Serialize` type (written as the reference's
//! `to_dict()` value, keys in declaration order). `#[derive(Describe)]` on
//! the same structs and enums gives the schema: names, types, defaults,
//! docs and wire tokens. From that one definition:
//!
//! - the envelope reads and writes the op ([`route`] builds its `OpSpec`);
//! - `{"abi":1,"op":"ops"}` describes it ([`catalog`]): argument schema,
//!   verdict schema, effect;
//! - `core/bindgen` renders the hosts (Python typed modules and stubs, Go
//!   structs and functions, `docs/ops.md`) from that description.
//!
//! A module of routed ops is one [`Module`] constant, listed once in
//! `deciders::ROUTED`.

mod legacy;

use crate::envelope::{Args, CallError, Ctx, ErrorCode, OpSpec};
use crate::pyjson::{self, Dict, Int, Str, Value};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt;
use std::sync::OnceLock;

pub use dos_derive::Describe;

// ------------------------------------------------------------------ shapes

/// A type as the hosts see it, written the way a Python annotation is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    Bool,
    Int,
    Float,
    Str,
    /// Any JSON value (`Any`).
    Any,
    /// Only `None`.
    None,
    Optional(Box<Type>),
    List(Box<Type>),
    Tuple(Vec<Type>),
    /// A tuple of any length (`tuple[T, ...]`).
    TupleOf(Box<Type>),
    /// A `dict` with `str` keys.
    Dict(Box<Type>),
    /// A `dict` with `int` keys (written as decimal strings on the wire).
    IntDict(Box<Type>),
    /// A `frozenset` (a JSON list on the wire, written sorted as the
    /// reference's `to_dict` writes a set: `sorted(...)`).
    Set(Box<Type>),
    /// A record (a frozen dataclass), by name; see [`Registry`].
    Record(&'static str),
    /// An enum of wire tokens (a `str` enum), by name.
    Enum(&'static str),
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::Int => f.write_str("int"),
            Type::Float => f.write_str("float"),
            Type::Str => f.write_str("str"),
            Type::Any => f.write_str("Any"),
            Type::None => f.write_str("None"),
            Type::Optional(t) => write!(f, "{t} | None"),
            Type::List(t) => write!(f, "list[{t}]"),
            Type::Tuple(items) => {
                f.write_str("tuple[")?;
                for (i, t) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("]")
            }
            Type::TupleOf(t) => write!(f, "tuple[{t}, ...]"),
            Type::Dict(t) => write!(f, "dict[str, {t}]"),
            Type::IntDict(t) => write!(f, "dict[int, {t}]"),
            Type::Set(t) => write!(f, "frozenset[{t}]"),
            Type::Record(n) | Type::Enum(n) => f.write_str(n),
        }
    }
}

impl Serialize for Type {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A record's field, or an op's argument.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldDef {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub ty: Type,
    /// Must the caller give it?
    pub required: bool,
    /// Its value when left out (serialized), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub doc: String,
    /// The least value an integer field takes (`#[describe(min = N)]`): a
    /// host's record refuses a smaller one when it is built, as the
    /// reference's `__post_init__` checks do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<i64>,
    /// Another integer field of the same record this one may not be below
    /// (`#[describe(at_least = "other")]`): a rule between two fields, which
    /// the envelope reader, the host binders ([`Record::check`]) and the
    /// host records (Python: `__post_init__`) enforce as `minimum` is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_least: Option<&'static str>,
    /// Derived from the other fields (`#[describe(derived)]`): a property of
    /// the reference's class that its JSON shape carries, not one of its
    /// dataclass fields (the accelerate adapter builds the class without it;
    /// the generated class holds it as a plain field the op fills in).
    #[serde(skip_serializing_if = "is_false")]
    pub derived: bool,
    /// Written by the verdict but computed from the other fields by an op
    /// (`#[describe(property)]`): a generated host record serves it as a
    /// property (the method op `module.Type.field`), never as a constructor
    /// argument.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub property: bool,
    /// A host record freezes any sequence given for this `tuple[T, ...]`
    /// field into a tuple when it is built (`#[describe(tuple)]`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub frozen_tuple: bool,
    /// Keyword-only in the Python hosts from this argument on
    /// (`#[describe(kw_only)]`), as the reference's `*` makes it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub kw_only: bool,
    /// The Python parameter that gives this argument, when it is not the
    /// argument itself (`#[describe(py = "path: Optional[Path] = None", via
    /// = "resolver")]`): the typed Python function takes the reference's
    /// parameter and passes `_paths.<via>(<it>)` (a hand-written resolver:
    /// a default path, a config's directory, a callable's value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub py: Option<PyParam>,
    /// The hosts' attribute (and Python keyword argument) for this field
    /// when it is not the wire name (`#[describe(attr = "cls")]`): the
    /// reference's class holds `cls` where its `to_dict()` writes `class`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attr: Option<&'static str>,
}

/// A Python parameter resolved into an op argument (see [`FieldDef::py`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PyParam {
    /// The parameter as Python source (`name: type` or `name: type = default`).
    pub param: &'static str,
    /// The function of `dos_native._paths` that turns it into the argument.
    pub via: &'static str,
}

impl FieldDef {
    /// Used by `#[derive(Describe)]`. A field typed `Option<T>` with no
    /// explicit default defaults to `None`, as serde reads it (unless it is
    /// read `with` a function, `route::required` for one: then serde, and
    /// so the schema, require it).
    pub fn new(name: &'static str, doc: &str, ty: Type, default: Option<Value>, read_with: bool) -> FieldDef {
        let default = match (&default, &ty) {
            (None, Type::Optional(_)) if !read_with => Some(Value::Null),
            _ => default,
        };
        FieldDef {
            name,
            ty,
            required: default.is_none(),
            default,
            doc: doc.to_owned(),
            minimum: None,
            at_least: None,
            derived: false,
            property: false,
            frozen_tuple: false,
            kw_only: false,
            py: None,
            attr: None,
        }
    }

    /// The hosts' attribute for this field (see [`FieldDef::attr`]).
    pub fn with_attr(mut self, attr: &'static str) -> FieldDef {
        self.attr = Some(attr);
        self
    }

    /// The hosts' attribute name: [`FieldDef::attr`], else the wire name.
    pub fn attr_name(&self) -> &'static str {
        self.attr.unwrap_or(self.name)
    }

    /// Mark the field derived (see [`FieldDef::derived`]).
    pub fn with_derived(mut self) -> FieldDef {
        self.derived = true;
        self
    }

    /// Make this argument and the ones after it keyword-only in Python.
    pub fn with_kw_only(mut self) -> FieldDef {
        self.kw_only = true;
        self
    }

    /// Take this argument from a resolved Python parameter (see [`FieldDef::py`]).
    pub fn with_py(mut self, param: &'static str, via: &'static str) -> FieldDef {
        self.py = Some(PyParam { param, via });
        self
    }

    /// Serve the field as an op-backed property (see [`FieldDef::property`]).
    pub fn with_property(mut self) -> FieldDef {
        self.property = true;
        self
    }

    /// Freeze a sequence given for it into a tuple (see [`FieldDef::frozen_tuple`]).
    pub fn with_frozen_tuple(mut self) -> FieldDef {
        self.frozen_tuple = true;
        self
    }

    /// Bound the field from below (see [`FieldDef::minimum`]).
    pub fn with_minimum(mut self, minimum: i64) -> FieldDef {
        self.minimum = Some(minimum);
        self
    }

    /// Bound the field by another field (see [`FieldDef::at_least`]).
    pub fn with_at_least(mut self, other: &'static str) -> FieldDef {
        self.at_least = Some(other);
        self
    }
}

/// One variant of an enum: its Rust name and its wire token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VariantDef {
    pub name: &'static str,
    pub token: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub doc: String,
}

impl VariantDef {
    /// Used by `#[derive(Describe)]`: the token is the variant serialized.
    pub fn new<T: Serialize>(name: &'static str, variant: &T, doc: &str) -> VariantDef {
        let token = match pyjson::to_value(variant) {
            Ok(Value::Str(Str::Utf8(s))) => s,
            _ => name.to_owned(),
        };
        VariantDef { name, token, doc: doc.to_owned() }
    }
}

/// A named type of the schema.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TypeDef {
    pub name: &'static str,
    pub kind: &'static str,
    /// The reference's class name, when it is not `name` (names are one
    /// namespace across modules; `#[describe(class = "...")]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<&'static str>,
    /// The schema gave the type a module-prefixed `name` because another
    /// module's type already had its Rust name (see [`Registry::claim`]):
    /// hosts with a namespace per module (Python) still call it `class`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub module_local: bool,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub doc: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldDef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<VariantDef>,
}

impl TypeDef {
    pub fn record(name: &'static str, doc: &str, fields: Vec<FieldDef>) -> TypeDef {
        TypeDef { name, kind: "record", class: None, module_local: false, doc: doc.to_owned(), fields, variants: Vec::new() }
    }

    pub fn enumeration(name: &'static str, doc: &str, variants: Vec<VariantDef>) -> TypeDef {
        TypeDef { name, kind: "enum", class: None, module_local: false, doc: doc.to_owned(), fields: Vec::new(), variants }
    }

    /// Name the reference's class (see [`TypeDef::class`]).
    pub fn with_class(mut self, class: &'static str) -> TypeDef {
        self.class = Some(class);
        self
    }
}

/// The named types met while describing, in the order they were first met
/// (a type used by a field comes before the record that uses it).
///
/// Schema names are one namespace across modules (Go has one package, the
/// catalog one list). Two distinct Rust types of the same name (told apart
/// by the module declaring them) may both be described: the first keeps
/// the name, a later one gets its module's name in front (`breaker`'s
/// `Escalation` after `improve`'s is `BreakerEscalation`), with the Rust
/// name kept as its `class` and `module_local` set, so Python, which has a
/// namespace per module, still calls it by the Rust name.
#[derive(Default)]
pub struct Registry {
    /// (schema name, Rust name, declaring module path) of each type met.
    begun: Vec<(&'static str, &'static str, &'static str)>,
    defs: Vec<TypeDef>,
}

impl Registry {
    /// True the first time `name` is met (the caller then defines it).
    pub fn begin(&mut self, name: &'static str) -> bool {
        self.claim(name, "").1
    }

    /// The schema name of the type `name` declared in module `path`
    /// (`module_path!()`), and whether this is the first time it is met
    /// (the caller then defines it under that name).
    pub fn claim(&mut self, name: &'static str, path: &'static str) -> (&'static str, bool) {
        if let Some((schema, _, _)) = self.begun.iter().find(|(_, n, p)| *n == name && *p == path) {
            return (schema, false);
        }
        let schema = if self.begun.iter().any(|(s, _, _)| *s == name) { prefixed(path, name) } else { name };
        self.begun.push((schema, name, path));
        (schema, true)
    }

    pub fn define(&mut self, mut def: TypeDef) {
        if let Some((_, rust, _)) = self.begun.iter().find(|(s, n, _)| *s == def.name && *n != def.name) {
            def.class = def.class.or(Some(rust));
            def.module_local = true;
        }
        self.defs.push(def);
    }

    pub fn get(&self, name: &str) -> Option<&TypeDef> {
        self.defs.iter().find(|d| d.name == name)
    }

    fn take(&mut self, name: &str) -> Option<TypeDef> {
        let pos = self.defs.iter().position(|d| d.name == name)?;
        self.begun.retain(|(s, _, _)| *s != name);
        Some(self.defs.remove(pos))
    }
}

/// `name` behind the last segment of module `path`, camel-cased
/// (`dos_core::deciders::breaker`, `Escalation` -> `BreakerEscalation`),
/// interned so each distinct name is allocated once per process.
fn prefixed(path: &str, name: &str) -> &'static str {
    static NAMES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let module = path.rsplit("::").next().unwrap_or(path);
    let mut out: String = module
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
        })
        .collect();
    out.push_str(name);
    let mut names = NAMES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(hit) = names.iter().find(|n| **n == out) {
        return hit;
    }
    let leaked: &'static str = Box::leak(out.into_boxed_str());
    names.push(leaked);
    leaked
}

/// A type with a schema. Derive it for records and enums.
pub trait Describe {
    fn describe(reg: &mut Registry) -> Type;
}

/// A struct's wire field names and doc (derived with [`Describe`]).
pub trait Record {
    const FIELDS: &'static [&'static str];
    const DOC: &'static str;

    /// The record's own rules, checked after it is read (derived from
    /// `#[describe(min = N)]` and `#[describe(at_least = "other")]`, and
    /// then each nested record's, so a record checks itself wherever it is
    /// read: the envelope and the host binders run it on an op's arguments
    /// before the op, and a broken rule is BAD_ARGS naming the field).
    fn check(&self) -> Result<(), FieldError> {
        Ok(())
    }
}

/// A broken rule of a record: the field's path (`policy.stall_n`) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: String) -> FieldError {
        FieldError { path: field.to_owned(), message }
    }

    /// The same error one record further out (`field.` in front).
    pub fn within(mut self, field: &str) -> FieldError {
        self.path = format!("{field}.{}", self.path);
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A number field's value, for `min` and `at_least` (a sequence's each
/// item, an absent optional none).
pub trait Bounded {
    /// The first value below `n`, written as Python writes it, if one is.
    fn below(&self, n: i64) -> Option<String>;
    /// The value another field is bounded by (None: no bound).
    fn bound(&self) -> Option<i64>;
}

macro_rules! bounded {
    ($($t:ty),*) => {$(
        impl Bounded for $t {
            fn below(&self, n: i64) -> Option<String> {
                (i128::from(*self) < i128::from(n)).then(|| self.to_string())
            }
            fn bound(&self) -> Option<i64> {
                i64::try_from(*self).ok()
            }
        }
    )*};
}

bounded!(i8, i16, i32, i64, i128, u8, u16, u32, u64);

impl Bounded for usize {
    fn below(&self, n: i64) -> Option<String> {
        (n > 0 && (*self as u64) < n as u64).then(|| self.to_string())
    }
    fn bound(&self) -> Option<i64> {
        i64::try_from(*self).ok()
    }
}

impl Bounded for Int {
    fn below(&self, n: i64) -> Option<String> {
        match self {
            Int::Small(v) => v.below(n),
            // Outside i64: below any i64 bound exactly when negative.
            Int::Big(digits) => digits.starts_with('-').then(|| digits.to_string()),
        }
    }
    fn bound(&self) -> Option<i64> {
        self.as_i64()
    }
}

impl<T: Bounded> Bounded for Option<T> {
    fn below(&self, n: i64) -> Option<String> {
        self.as_ref().and_then(|v| v.below(n))
    }
    fn bound(&self) -> Option<i64> {
        self.as_ref().and_then(Bounded::bound)
    }
}

impl<T: Bounded> Bounded for Vec<T> {
    fn below(&self, n: i64) -> Option<String> {
        self.iter().find_map(|v| v.below(n))
    }
    fn bound(&self) -> Option<i64> {
        None
    }
}

impl<T: Bounded> Bounded for Tuple<T> {
    fn below(&self, n: i64) -> Option<String> {
        self.0.below(n)
    }
    fn bound(&self) -> Option<i64> {
        None
    }
}

/// How the derived [`Record::check`] reaches a field's nested records
/// without knowing its type: `(&Probe(&field)).check_probe()` resolves to
/// the record's (or a container of records') check when there is one, and
/// to "nothing to check" otherwise (autoref picks the first that applies).
pub struct Probe<'a, T: ?Sized>(pub &'a T);

pub trait ProbeRecord {
    fn check_probe(&self) -> Result<(), FieldError>;
}

impl<T: Record> ProbeRecord for Probe<'_, T> {
    fn check_probe(&self) -> Result<(), FieldError> {
        self.0.check()
    }
}

impl<T: Record> ProbeRecord for Probe<'_, Option<T>> {
    fn check_probe(&self) -> Result<(), FieldError> {
        self.0.as_ref().map_or(Ok(()), Record::check)
    }
}

impl<T: Record> ProbeRecord for Probe<'_, Vec<T>> {
    fn check_probe(&self) -> Result<(), FieldError> {
        for (i, x) in self.0.iter().enumerate() {
            x.check().map_err(|e| FieldError { path: format!("[{i}].{}", e.path), message: e.message })?;
        }
        Ok(())
    }
}

impl<T: Record> ProbeRecord for Probe<'_, Tuple<T>> {
    fn check_probe(&self) -> Result<(), FieldError> {
        Probe(&self.0 .0).check_probe()
    }
}

pub trait ProbeAny {
    fn check_probe(&self) -> Result<(), FieldError>;
}

impl<T: ?Sized> ProbeAny for &Probe<'_, T> {
    fn check_probe(&self) -> Result<(), FieldError> {
        Ok(())
    }
}

/// A nested field's error, with the field's own name in front (a list
/// item's `[i]` joins without a dot).
pub fn nested(field: &str, e: FieldError) -> FieldError {
    if e.path.starts_with('[') {
        FieldError { path: format!("{field}{}", e.path), message: e.message }
    } else {
        e.within(field)
    }
}

macro_rules! leaf {
    ($t:expr => $($ty:ty),*) => {$(
        impl Describe for $ty {
            fn describe(_: &mut Registry) -> Type {
                $t
            }
        }
    )*};
}

leaf!(Type::Bool => bool);
leaf!(Type::Int => i8, i16, i32, i64, i128, u8, u16, u32, u64, usize, Int);
leaf!(Type::Float => f32, f64);
leaf!(Type::Str => String, str, Str);
leaf!(Type::Any => Value);
leaf!(Type::None => ());
leaf!(Type::Dict(Box::new(Type::Any)) => Dict);

impl<T: Describe + ?Sized> Describe for &T {
    fn describe(reg: &mut Registry) -> Type {
        T::describe(reg)
    }
}

impl<T: Describe> Describe for Option<T> {
    fn describe(reg: &mut Registry) -> Type {
        Type::Optional(Box::new(T::describe(reg)))
    }
}

impl<T: Describe> Describe for Vec<T> {
    fn describe(reg: &mut Registry) -> Type {
        Type::List(Box::new(T::describe(reg)))
    }
}

/// A set: serde writes it in its order (sorted, as the reference's
/// `to_dict` writes a set) and reads any list (duplicates collapse).
impl<T: Describe> Describe for std::collections::BTreeSet<T> {
    fn describe(reg: &mut Registry) -> Type {
        Type::Set(Box::new(T::describe(reg)))
    }
}

impl<T: Describe> Describe for Box<T> {
    fn describe(reg: &mut Registry) -> Type {
        T::describe(reg)
    }
}

impl<A: Describe, B: Describe> Describe for (A, B) {
    fn describe(reg: &mut Registry) -> Type {
        Type::Tuple(vec![A::describe(reg), B::describe(reg)])
    }
}

/// Read a field `with` this to make an `Option<T>` field required (the
/// caller must give it, `None` included), as a reference parameter typed
/// `T | None` without a default is.
pub fn required<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    T::deserialize(d)
}

/// A list read and written as JSON, typed as the reference's `tuple[T, ...]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Tuple<T>(pub Vec<T>);

impl<T> Default for Tuple<T> {
    fn default() -> Self {
        Tuple(Vec::new())
    }
}

impl<T: Describe> Describe for Tuple<T> {
    fn describe(reg: &mut Registry) -> Type {
        Type::TupleOf(Box::new(T::describe(reg)))
    }
}

impl<T> IntoIterator for Tuple<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// A `dict` with `str` keys and typed values, in insertion order (a key
/// given twice keeps its first place and its last value, as a Python dict
/// built from pairs does), typed as the reference's `dict[str, T]`. The key
/// is a `String`, or a [`Str`] where a key may hold a lone surrogate (`K`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Map<T, K = String>(pub Vec<(K, T)>);

impl<T, K> Default for Map<T, K> {
    fn default() -> Self {
        Map(Vec::new())
    }
}

impl<T, K: PartialEq<str>> Map<T, K> {
    pub fn get(&self, key: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl<T, K: PartialEq> Map<T, K> {
    /// Set `key` to `value`: in place when the key is there, else last.
    pub fn set(&mut self, key: K, value: T) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }
}

impl<T: Describe, K> Describe for Map<T, K> {
    fn describe(reg: &mut Registry) -> Type {
        Type::Dict(Box::new(T::describe(reg)))
    }
}

impl<T: Serialize, K: Serialize> Serialize for Map<T, K> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de, T: serde::Deserialize<'de>, K: serde::Deserialize<'de> + PartialEq> serde::Deserialize<'de> for Map<T, K> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T, K>(std::marker::PhantomData<(T, K)>);
        impl<'de, T: serde::Deserialize<'de>, K: serde::Deserialize<'de> + PartialEq> serde::de::Visitor<'de> for V<T, K> {
            type Value = Map<T, K>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a dict")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Map<T, K>, A::Error> {
                let mut out: Map<T, K> = Map(Vec::new());
                while let Some((k, v)) = a.next_entry::<K, T>()? {
                    out.set(k, v);
                }
                Ok(out)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// A value serialized for the schema (a default, a constant).
pub fn default_value<T: Serialize + ?Sized>(v: &T) -> Value {
    pyjson::to_value(v).unwrap_or(Value::Null)
}

/// One field of a serialized container default.
pub fn field_of(container: &Value, name: &str) -> Option<Value> {
    container.get(name).cloned()
}

// ------------------------------------------------------------------ ops

fn is_false(b: &bool) -> bool {
    !*b
}

/// What an op does besides computing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Data in, verdict out.
    Pure,
    /// Reads files (or the process environment) but changes nothing.
    ReadsFiles,
    /// Changes files.
    WritesFiles,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Pure => "pure",
            Effect::ReadsFiles => "reads files",
            Effect::WritesFiles => "writes files",
        }
    }
}

impl Serialize for Effect {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A routed op. The implementing struct is the op's arguments (its fields,
/// read with serde; unknown names refused by `deny_unknown_fields`), and
/// its doc comment is the op's doc.
pub trait Op: DeserializeOwned + Describe + Record {
    /// `module.function`, the reference's name.
    const NAME: &'static str;
    const EFFECT: Effect = Effect::Pure;
    /// The op reads the envelope's `config` (the workspace's substrate
    /// config, through `Ctx::substrate`): the catalog says so (`config`),
    /// and the hosts' typed functions take it as a trailing `config`
    /// argument (None: the defaults).
    const READS_CONFIG: bool = false;
    /// The verdict: written as the reference's result (`to_dict()` for a
    /// record, the plain value otherwise).
    type Verdict: Serialize + Describe + 'static;
    /// The typed Python function's name when it is not the op's function
    /// name (the reference names a public function like an older op of the
    /// module; a leading `_` keeps it out of `__all__`).
    const PY_NAME: &'static str = "";
    /// The typed Python function's result when it is not the verdict as
    /// decoded: its annotation (`param`) and the function of
    /// `dos_native._paths` that makes it from the verdict (`via`; the
    /// reference answers a `Path`, say).
    const PY_RESULT: Option<PyParam> = None;
    /// Python methods (`Type.method`) of a record of the op's module that
    /// call the typed function: an instance method when the op's first
    /// argument is that record (it passes `self`), else a classmethod. The
    /// reference puts a codec on its class (`VerdictEvent.to_record`, the
    /// classmethod `from_record`); a method named `to_dict` replaces the
    /// generated one (the reference's `to_dict = to_record`).
    const PY_METHODS: &'static [&'static str] = &[];
    /// The typed Python function takes the reference's `config` object as
    /// its first argument in place of a trailing envelope config (`param`),
    /// and sends `dos_native._paths.<via>(config)` as the envelope's config;
    /// an argument declared `#[describe(py = <the same param>, via = ..)]`
    /// is read from that same object (the lease verbs: the journal a
    /// config names). Other hosts keep the trailing config.
    const PY_CONFIG: Option<PyParam> = None;
    fn run(self, ctx: &Ctx<'_>) -> Result<Self::Verdict, CallError>;

    /// The verdict as the envelope's value: written through serde, unless
    /// the op's verdict already is plain JSON it can move (the records of a
    /// file: [`dicts_value`]), which spares a deep copy.
    fn verdict_value(verdict: Self::Verdict) -> Result<Value, CallError> {
        verdict_value(verdict).map_err(|e| CallError::new(ErrorCode::Internal, format!("{}: cannot write the verdict: {e}", Self::NAME)))
    }
}

/// A list of JSON objects as a value, moved (what serde writes for it, without the copy).
pub fn dicts_value(dicts: Vec<Dict>) -> Value {
    Value::List(dicts.into_iter().map(Value::Dict).collect())
}

/// A verdict as a value: moved when it already is one (any JSON value, a
/// dict, a list of dicts: the journal's records), serialized otherwise.
fn verdict_value<V: Serialize + 'static>(verdict: V) -> Result<Value, pyjson::SerError> {
    let mut slot = Some(verdict);
    let any = &mut slot as &mut dyn std::any::Any;
    if let Some(v) = any.downcast_mut::<Option<Value>>().and_then(Option::take) {
        return Ok(v);
    }
    if let Some(d) = any.downcast_mut::<Option<Dict>>().and_then(Option::take) {
        return Ok(Value::Dict(d));
    }
    if let Some(l) = any.downcast_mut::<Option<Vec<Dict>>>().and_then(Option::take) {
        return Ok(Value::List(l.into_iter().map(Value::Dict).collect()));
    }
    match &slot {
        Some(v) => pyjson::to_value(v),
        None => Ok(Value::Null),
    }
}

fn run_op<O: Op>(ctx: &Ctx<'_>, a: &Args<'_>) -> Result<Value, CallError> {
    // Read without tracking the field path (no allocation per field); only a
    // refused read is read again, tracking it, to name the field.
    let fast = O::deserialize(pyjson::DictDeserializer(a.dict()));
    let args: O = match fast {
        Ok(args) => args,
        Err(_) => pyjson::from_dict(a.dict()).map_err(|e| {
            if e.path == "." {
                a.err(format_args!("args: {}", e.error))
            } else {
                a.err(format_args!("args.{e}"))
            }
        })?,
    };
    args.check().map_err(|e| a.err(format_args!("args.{e}")))?;
    O::verdict_value(args.run(ctx)?)
}

/// Run op `O` on arguments laid out on a tape (a host reading its own
/// objects; see [`pyjson::Tape`]). A tape the op cannot read is BAD_ARGS
/// (not naming the field: such a host answers some other way then).
fn run_tape<O: Op>(ctx: &Ctx<'_>, tape: &pyjson::Tape<'_>) -> Result<Value, CallError> {
    let args: O = pyjson::from_tape(tape).map_err(|e| CallError::bad_args(format!("{}: args: {e}", O::NAME)))?;
    args.check().map_err(|e| CallError::bad_args(format!("{}: args.{e}", O::NAME)))?;
    O::verdict_value(args.run(ctx)?)
}

/// The schema of one op, built on demand.
#[derive(Clone, Debug, PartialEq)]
pub struct OpSchema {
    pub doc: String,
    pub params: Vec<FieldDef>,
    pub verdict: Type,
}

fn schema_of<O: Op>(reg: &mut Registry) -> OpSchema {
    let own = O::describe(reg);
    let params = match own {
        Type::Record(name) => reg.take(name).map(|d| d.fields).unwrap_or_default(),
        _ => Vec::new(),
    };
    OpSchema { doc: O::DOC.to_owned(), params, verdict: O::Verdict::describe(reg) }
}

/// One routed op: its envelope entry, its effect and its schema.
pub struct Route {
    pub spec: OpSpec,
    pub effect: Effect,
    /// [`Op::READS_CONFIG`].
    pub reads_config: bool,
    pub schema: fn(&mut Registry) -> OpSchema,
    /// The op run on a tape of arguments (its verdict not yet checked by
    /// `envelope::writable`).
    pub tape: fn(&Ctx<'_>, &pyjson::Tape<'_>) -> Result<Value, CallError>,
    /// [`Op::PY_NAME`].
    pub py_name: &'static str,
    /// [`Op::PY_RESULT`].
    pub py_result: Option<PyParam>,
    /// [`Op::PY_METHODS`].
    pub py_methods: &'static [&'static str],
    /// [`Op::PY_CONFIG`].
    pub py_config: Option<PyParam>,
}

/// The route of op `O`.
pub const fn route<O: Op>() -> Route {
    Route {
        spec: OpSpec { name: O::NAME, args: O::FIELDS, run: run_op::<O> },
        effect: O::EFFECT,
        reads_config: O::READS_CONFIG,
        schema: schema_of::<O>,
        tape: run_tape::<O>,
        py_name: O::PY_NAME,
        py_result: O::PY_RESULT,
        py_methods: O::PY_METHODS,
        py_config: O::PY_CONFIG,
    }
}

/// A module constant the hosts re-export (`DEFAULT_POLICY`, a closed set…).
pub struct Const {
    pub name: &'static str,
    pub doc: &'static str,
    pub eval: fn(&mut Registry) -> (Type, Value),
}

/// A constant's type and value (for [`Const::eval`]).
pub fn konst<T: Serialize + Describe>(reg: &mut Registry, v: T) -> (Type, Value) {
    (T::describe(reg), default_value(&v))
}

/// A module of routed ops: the reference's `dos.<name>`.
pub struct Module {
    pub name: &'static str,
    pub doc: &'static str,
    pub routes: &'static [Route],
    pub consts: &'static [Const],
}

// ------------------------------------------------------------------ the catalog

/// One op as `ops` describes it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpEntry {
    pub op: &'static str,
    /// The argument names (kept from the first listing format).
    pub args: Vec<&'static str>,
    pub effect: Effect,
    /// Reads the envelope's `config` ([`Op::READS_CONFIG`]; listed only when true).
    #[serde(skip_serializing_if = "is_false")]
    pub config: bool,
    /// Declared through the route (full schema) or not yet (names only).
    pub typed: bool,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub doc: String,
    pub params: Vec<FieldDef>,
    pub verdict: Type,
    /// [`Op::PY_NAME`] (empty: the op's function name).
    #[serde(skip_serializing_if = "str::is_empty")]
    pub py_name: &'static str,
    /// [`Op::PY_RESULT`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub py_result: Option<PyParam>,
    /// [`Op::PY_METHODS`].
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub py_methods: &'static [&'static str],
    /// [`Op::PY_CONFIG`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub py_config: Option<PyParam>,
}

/// A constant of a module, as `ops` describes it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConstEntry {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub ty: Type,
    pub value: Value,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub doc: &'static str,
}

/// A module of routed ops, as `ops` describes it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModuleEntry {
    pub name: &'static str,
    pub doc: &'static str,
    pub ops: Vec<&'static str>,
    pub consts: Vec<ConstEntry>,
    /// The named types its ops use, in dependency order.
    pub types: Vec<&'static str>,
}

/// Everything `{"op":"ops"}` answers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Catalog {
    pub abi: i64,
    pub ops: Vec<OpEntry>,
    pub types: Vec<TypeDef>,
    pub modules: Vec<ModuleEntry>,
}

impl Catalog {
    pub fn op(&self, name: &str) -> Option<&OpEntry> {
        self.ops.iter().find(|o| o.op == name)
    }

    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.name == name)
    }
}

/// The catalog of the pure layer's ops (built once). The full catalog, with
/// the I/O layer's ops, is `dos_ops::catalog()`.
pub fn catalog() -> &'static Catalog {
    static CAT: OnceLock<Catalog> = OnceLock::new();
    CAT.get_or_init(|| build_catalog(crate::deciders::ALL, &[]))
}

/// The catalog of the routed modules (`deciders::ROUTED`, then `extra`: the
/// I/O layer's routed modules) plus the hand-registered `legacy` op tables
/// (listed with their argument names and their effect only). A module of
/// `extra` named like one before it adds its ops and constants to that
/// module (a reference module whose pure functions live in `dos-core` and
/// whose file-reading ones live in `dos-io` is one module to the hosts).
pub fn build_catalog(legacy_ops: &[&'static [OpSpec]], extra: &[&'static Module]) -> Catalog {
    let mut reg = Registry::default();
    let mut ops = Vec::new();
    let mut modules = Vec::new();
    let mut groups: Vec<(&'static str, &'static str, Vec<&'static Route>, Vec<&'static Const>)> = Vec::new();
    for m in crate::deciders::ROUTED.iter().chain(extra) {
        match groups.iter_mut().find(|g| g.0 == m.name) {
            Some(g) => {
                g.2.extend(m.routes);
                g.3.extend(m.consts);
            }
            None => groups.push((m.name, m.doc, m.routes.iter().collect(), m.consts.iter().collect())),
        }
    }
    for (name, doc, routes, module_consts) in groups {
        let mut names = Vec::new();
        for r in routes {
            let s = (r.schema)(&mut reg);
            names.push(r.spec.name);
            ops.push(OpEntry {
                op: r.spec.name,
                args: r.spec.args.to_vec(),
                effect: r.effect,
                config: r.reads_config,
                typed: true,
                doc: s.doc,
                params: s.params,
                verdict: s.verdict,
                py_name: r.py_name,
                py_result: r.py_result.clone(),
                py_methods: r.py_methods,
                py_config: r.py_config.clone(),
            });
        }
        let consts: Vec<ConstEntry> = module_consts
            .iter()
            .map(|c| {
                let (ty, value) = (c.eval)(&mut reg);
                ConstEntry { name: c.name, ty, value, doc: c.doc }
            })
            .collect();
        let mut types = Vec::new();
        for op in &ops[ops.len() - names.len()..] {
            for p in &op.params {
                uses(&reg.defs, &p.ty, &mut types, 0);
            }
            uses(&reg.defs, &op.verdict, &mut types, 0);
        }
        for c in &consts {
            let c: &ConstEntry = c;
            uses(&reg.defs, &c.ty, &mut types, 0);
        }
        modules.push(ModuleEntry { name, doc, ops: names, consts, types });
    }
    let routed: Vec<&str> = ops.iter().map(|o| o.op).collect();
    for spec in legacy_ops.iter().flat_map(|g| g.iter()) {
        if routed.contains(&spec.name) {
            continue;
        }
        ops.push(OpEntry {
            op: spec.name,
            args: spec.args.to_vec(),
            effect: legacy::effect_of(spec.name),
            config: false,
            typed: false,
            doc: String::new(),
            params: spec.args.iter().map(|a| FieldDef::new(a, "", Type::Any, Some(Value::Null), false)).collect(),
            verdict: Type::Any,
            py_name: "",
            py_result: None,
            py_methods: &[],
            py_config: None,
        });
    }
    ops.sort_by_key(|o| o.op);
    Catalog { abi: crate::ABI_VERSION, ops, types: reg.defs, modules }
}

fn collect_names(t: &Type, out: &mut Vec<&'static str>) {
    match t {
        Type::Optional(x) | Type::List(x) | Type::TupleOf(x) | Type::Dict(x) | Type::IntDict(x) | Type::Set(x) => collect_names(x, out),
        Type::Tuple(items) => items.iter().for_each(|x| collect_names(x, out)),
        Type::Record(n) | Type::Enum(n) => out.push(n),
        _ => {}
    }
}

/// The named types `t` uses, each after the types its own fields use.
fn uses(defs: &[TypeDef], t: &Type, out: &mut Vec<&'static str>, depth: usize) {
    let mut names = Vec::new();
    collect_names(t, &mut names);
    for n in names {
        if out.contains(&n) || depth > 32 {
            continue;
        }
        if let Some(def) = defs.iter().find(|d| d.name == n) {
            for f in &def.fields {
                uses(defs, &f.ty, out, depth + 1);
            }
        }
        if !out.contains(&n) {
            out.push(n);
        }
    }
}

/// The `ops` op's answer for a catalog.
pub fn ops_listing(cat: &Catalog) -> Value {
    default_value(cat)
}

#[cfg(test)]
mod tests;
