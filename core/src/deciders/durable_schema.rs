//! `durable_schema`: every durable record names its own format, and a reader
//! refuses a format newer than it knows.
//!
//! A record carries `"schema": {"family": <str>, "version": <int >= 1>}`, or a
//! bare positive integer (the older, family-less form). `classify` compares
//! that tag with what one reader expects: its family and the highest version
//! it understands.

use crate::dict;
use crate::envelope::{CallError, Ctx};
use crate::pyjson::{Dict, Int, Str, Value};
use crate::pystr;
use crate::route::{self, Describe, Module, Op};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// The record key that holds the tag.
pub const SCHEMA_KEY: &str = "schema";

/// The refusal class an unreadable record surfaces as.
pub const SCHEMA_UNREADABLE_REASON: &str = "SCHEMA_UNREADABLE";

/// The longest `supported` list [`unreadable_refusal_payload`] will build.
pub const MAX_SUPPORTED_CEILING: i64 = 1 << 16;

/// How a reader may treat one record, given its declared tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Readability {
    /// The reader's family (or a wildcard) at a version within its ceiling.
    Readable,
    /// A version above the reader's ceiling: refuse, never guess.
    UnreadableNewer,
    /// No usable tag (a record older than tags, or a torn write).
    Untagged,
    /// A tag of another family: not this reader's record.
    WrongFamily,
}

impl Readability {
    pub fn as_str(self) -> &'static str {
        match self {
            Readability::Readable => "READABLE",
            Readability::UnreadableNewer => "UNREADABLE_NEWER",
            Readability::Untagged => "UNTAGGED",
            Readability::WrongFamily => "WRONG_FAMILY",
        }
    }

    pub fn parse(s: &str) -> Option<Readability> {
        match s {
            "READABLE" => Some(Readability::Readable),
            "UNREADABLE_NEWER" => Some(Readability::UnreadableNewer),
            "UNTAGGED" => Some(Readability::Untagged),
            "WRONG_FAMILY" => Some(Readability::WrongFamily),
            _ => None,
        }
    }

    /// Only READABLE may be parsed without a caller policy.
    pub fn is_soundly_readable(self) -> bool {
        self == Readability::Readable
    }
}

/// Python's ordering of an `int` against an `i64`.
fn cmp_int(a: &Int, b: i64) -> Ordering {
    match a {
        Int::Small(v) => v.cmp(&b),
        Int::Big(t) if t.starts_with('-') => Ordering::Less,
        Int::Big(_) => Ordering::Greater,
    }
}

fn version_one() -> Int {
    Int::Small(1)
}

/// A record's declared format: its family (empty in the older bare-integer
/// form) and the writer's format version, counted from 1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct SchemaTag {
    /// The kind of record (one per durable surface); empty only in old records.
    pub family: Str,
    /// The writer's format version.
    #[serde(default = "version_one")]
    #[describe(min = 1)]
    pub version: Int,
}

impl SchemaTag {
    /// `SchemaTag.from_obj`: the tag in a record's `schema` value, or `None`
    /// when it is absent or of another shape. Booleans are not versions.
    pub fn from_value(v: Option<&Value>) -> Option<SchemaTag> {
        let (family, version) = match v? {
            Value::Int(i) => (Str::from(""), i),
            Value::Dict(d) => match (d.get("family"), d.get("version")) {
                (Some(Value::Str(f)), Some(Value::Int(i))) => (f.clone(), i),
                _ => return None,
            },
            _ => return None,
        };
        (cmp_int(version, 1) != Ordering::Less).then(|| SchemaTag { family, version: version.clone() })
    }

    pub fn to_value(&self) -> Value {
        Value::Dict(dict! { "family" => Value::Str(self.family.clone()), "version" => Value::Int(self.version.clone()) })
    }
}

/// The verdict of `classify`: the readability, one line saying why, what
/// the reader asked for (its family and ceiling) and what the record declared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ReadabilityVerdict {
    /// How the reader may treat the record.
    pub readability: Readability,
    /// One line for the operator.
    pub reason: Str,
    /// The family the reader asked for.
    pub family: Str,
    /// The highest version the reader understands.
    pub ceiling: i64,
    /// What the record declared (None when UNTAGGED).
    #[serde(default)]
    pub tag: Option<SchemaTag>,
}

impl ReadabilityVerdict {
    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "readability" => self.readability.as_str(),
            "reason" => Value::Str(self.reason.clone()),
            "family" => Value::Str(self.family.clone()),
            "ceiling" => self.ceiling,
            "tag" => self.tag.as_ref().map(SchemaTag::to_value),
        })
    }
}

/// Python `repr` of a string that may hold lone surrogates (prose only).
fn repr_str(s: &Str) -> String {
    match s {
        Str::Utf8(t) => pystr::repr(t),
        Str::Utf16(_) => {
            let text: String = s.code_points().map(|cp| char::from_u32(cp).map_or_else(|| format!("\\u{cp:04x}"), String::from)).collect();
            pystr::repr(&text)
        }
    }
}

fn is_empty(s: &Str) -> bool {
    match s {
        Str::Utf8(t) => t.is_empty(),
        Str::Utf16(u) => u.is_empty(),
    }
}

/// Why `tag` refused to write a tag.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    #[error("a written schema tag needs a non-empty family; the empty family only exists in old records")]
    EmptyFamily,
    #[error("schema versions start at 1")]
    VersionBelowOne,
    #[error("a schema version must be a number")]
    VersionNotANumber,
}

/// `tag`: the `{"schema": {"family", "version"}}` fragment a writer merges in.
pub fn tag(family: &str, version: i64) -> Result<Dict, TagError> {
    if family.is_empty() {
        return Err(TagError::EmptyFamily);
    }
    if version < 1 {
        return Err(TagError::VersionBelowOne);
    }
    Ok(dict! { SCHEMA_KEY => Value::Dict(dict! { "family" => family, "version" => version }) })
}

/// `tag` as the reference runs it on any JSON version: the only check is
/// Python's `version < 1`, so a float, `true` or a big integer passes through.
pub fn tag_value(family: &Str, version: &Value) -> Result<Dict, TagError> {
    if is_empty(family) {
        return Err(TagError::EmptyFamily);
    }
    let below_one = match version {
        Value::Int(i) => cmp_int(i, 1) == Ordering::Less,
        Value::Float(f) => *f < 1.0,
        Value::Bool(b) => !*b,
        _ => return Err(TagError::VersionNotANumber),
    };
    if below_one {
        return Err(TagError::VersionBelowOne);
    }
    let mut inner = Dict::with_capacity(2);
    inner.push("family", Value::Str(family.clone()));
    inner.push("version", version.clone());
    Ok(dict! { SCHEMA_KEY => Value::Dict(inner) })
}

/// `classify`: may a reader of `family` that understands versions up to
/// `understands` parse this record? An empty reader family, or an empty
/// (bare-integer) tag family, matches any family.
pub fn classify(record: &Dict, family: &Str, understands: i64) -> ReadabilityVerdict {
    classify_tag(SchemaTag::from_value(record.get(SCHEMA_KEY)), family, understands)
}

/// [`classify`] on a tag already read out of the record (`None`: no usable
/// tag), for hosts that read the `schema` value from their own objects.
pub fn classify_tag(parsed: Option<SchemaTag>, family: &Str, understands: i64) -> ReadabilityVerdict {
    let readability = judge(parsed.as_ref(), family, understands);
    let reason = reason(readability, parsed.as_ref(), family, understands);
    ReadabilityVerdict { readability, reason: Str::Utf8(reason), family: family.clone(), ceiling: understands, tag: parsed }
}

/// The ladder itself: the readability of a record carrying `parsed`
/// (`None`: no usable tag) to a reader of `family` up to `understands`.
pub fn judge(parsed: Option<&SchemaTag>, family: &Str, understands: i64) -> Readability {
    match parsed {
        None => Readability::Untagged,
        Some(t) if !is_empty(&t.family) && !is_empty(family) && t.family != *family => Readability::WrongFamily,
        Some(t) if cmp_int(&t.version, understands) == Ordering::Greater => Readability::UnreadableNewer,
        Some(_) => Readability::Readable,
    }
}

/// The reason line of a verdict [`judge`] reached, written from the same
/// facts, so a host that may never show it writes it only when asked.
pub fn reason(readability: Readability, parsed: Option<&SchemaTag>, family: &Str, understands: i64) -> String {
    let Some(tag) = parsed.filter(|_| readability != Readability::Untagged) else {
        return format!(
            "UNTAGGED: the record has no usable {} tag (a pre-tag or torn write); a tolerant fold may read it as {} \
             version 1, a strict reader refuses it",
            pystr::repr(SCHEMA_KEY),
            repr_str(family)
        );
    };
    if readability == Readability::WrongFamily {
        return format!(
            "WRONG_FAMILY: the record belongs to {}, and this reader reads {}; skip it",
            repr_str(&tag.family),
            repr_str(family)
        );
    }
    let name = repr_str(if is_empty(family) { &tag.family } else { family });
    if readability == Readability::UnreadableNewer {
        return format!(
            "UNREADABLE_NEWER: the record is {name} version {}, above the highest version this kernel reads ({}); \
             refusing to guess at it, migrate it explicitly instead",
            tag.version, understands
        );
    }
    format!("READABLE: the record is {name} version {}, within this kernel's ceiling of {}", tag.version, understands)
}

/// `unreadable_refusal_payload` from a verdict's parts: `requested` is the
/// tag's version (the ceiling when there is no tag), `supported` is
/// `[1..=ceiling]`, `detail` echoes the verdict's reason.
pub fn refusal_payload(family: &Str, ceiling: i64, tag: Option<&SchemaTag>, detail: &Str) -> Result<Value, String> {
    if ceiling > MAX_SUPPORTED_CEILING {
        return Err(format!("a ceiling above {MAX_SUPPORTED_CEILING} would make the supported list too long"));
    }
    let requested = tag.map_or(Value::int(ceiling), |t| Value::Int(t.version.clone()));
    let supported: Vec<Value> = (1..=ceiling).map(Value::int).collect();
    Ok(Value::Dict(dict! {
        "reason_class" => SCHEMA_UNREADABLE_REASON,
        "family" => Value::Str(family.clone()),
        "requested" => requested,
        "supported" => supported,
        "detail" => Value::Str(detail.clone()),
    }))
}

/// `unreadable_refusal_payload`.
pub fn unreadable_refusal_payload(verdict: &ReadabilityVerdict) -> Result<Value, String> {
    refusal_payload(&verdict.family, verdict.ceiling, verdict.tag.as_ref(), &verdict.reason)
}

/// A value read as the reference reads an optional `version` (None: 1).
fn version_or_one<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    Option::<Value>::deserialize(d).map(|v| v.unwrap_or(Value::int(1)))
}

/// The `{"schema": {"family", "version"}}` fragment a writer merges into a
/// record: the family must not be empty and the version not below 1 (any
/// other number passes through as given).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Tag {
    /// The record's family (not empty).
    pub family: Str,
    /// The writer's format version.
    #[serde(default = "version_one_value", deserialize_with = "version_or_one")]
    pub version: Value,
}

fn version_one_value() -> Value {
    Value::int(1)
}

impl Op for Tag {
    const NAME: &'static str = "durable_schema.tag";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        tag_value(&self.family, &self.version).map_err(|e| CallError::bad_args(format!("{}: {e}", Self::NAME)))
    }
}

/// May a reader of `family` that understands versions up to `understands`
/// parse `record`? An empty reader family, or a bare-integer tag, matches
/// any family; a tag above the ceiling is refused, never guessed at.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Classify {
    /// The record (only its `schema` value is read).
    pub record: Dict,
    /// The family this reader reads.
    #[describe(kw_only)]
    pub family: Str,
    /// The highest version this reader understands.
    pub understands: i64,
}

impl Op for Classify {
    const NAME: &'static str = "durable_schema.classify";
    type Verdict = ReadabilityVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<ReadabilityVerdict, CallError> {
        Ok(classify(&self.record, &self.family, self.understands))
    }
}

/// The structured refusal of an UNREADABLE_NEWER verdict: the refusal
/// class, the family, the version the record needs (`requested`, the
/// ceiling when it had no tag), the versions this reader takes
/// (`supported`, 1 to the ceiling) and the verdict's reason (`detail`).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct UnreadableRefusalPayload {
    /// The verdict rendered.
    pub verdict: ReadabilityVerdict,
}

impl Op for UnreadableRefusalPayload {
    const NAME: &'static str = "durable_schema.unreadable_refusal_payload";
    type Verdict = Value;

    fn run(self, _: &Ctx<'_>) -> Result<Value, CallError> {
        let bad = |m: &str| CallError::bad_args(format!("{}: {m}", Self::NAME));
        if self.verdict.tag.as_ref().is_some_and(|t| cmp_int(&t.version, 1) == Ordering::Less) {
            return Err(bad("args.verdict.tag.version: schema versions start at 1"));
        }
        unreadable_refusal_payload(&self.verdict).map_err(|e| bad(&e))
    }
}

/// `SchemaTag.from_obj`: the tag a record's `schema` value holds (a
/// `{"family", "version"}` mapping or a bare integer of at least 1), or
/// None for anything else.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct FromObj {
    /// The `schema` value read.
    #[serde(deserialize_with = "route::required")]
    pub obj: Value,
}

impl Op for FromObj {
    const NAME: &'static str = "durable_schema.SchemaTag.from_obj";
    type Verdict = Option<SchemaTag>;

    fn run(self, _: &Ctx<'_>) -> Result<Option<SchemaTag>, CallError> {
        Ok(SchemaTag::from_value(Some(&self.obj)))
    }
}

/// `Readability.is_soundly_readable`: only READABLE may be parsed without
/// a caller's own policy.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct IsSoundlyReadable {
    /// The readability read.
    #[serde(rename = "self")]
    pub this: Readability,
}

impl Op for IsSoundlyReadable {
    const NAME: &'static str = "durable_schema.Readability.is_soundly_readable";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        Ok(self.this.is_soundly_readable())
    }
}

/// What the module is about (the hosts' module doc).
pub const DOC: &str = "Every durable record names its own format, and a reader refuses a format newer than it knows. A record carries `\"schema\": {\"family\": <str>, \"version\": <int >= 1>}` (or, in older records, a bare positive integer with no family); `classify` compares that tag with one reader's family and the highest version it understands: no usable tag is UNTAGGED (the caller decides), another family is WRONG_FAMILY, a version above the ceiling is UNREADABLE_NEWER (refuse, never guess), anything else READABLE.";

const CONSTS: &[route::Const] = &[
    route::Const { name: "SCHEMA_KEY", doc: "The record key that holds the tag.", eval: |reg| route::konst(reg, SCHEMA_KEY) },
    route::Const {
        name: "SCHEMA_UNREADABLE_REASON",
        doc: "The refusal class an unreadable record surfaces as.",
        eval: |reg| route::konst(reg, SCHEMA_UNREADABLE_REASON),
    },
];

pub(crate) const MODULE: Module = Module {
    name: "durable_schema",
    doc: DOC,
    routes: &[
        route::route::<Tag>(),
        route::route::<Classify>(),
        route::route::<UnreadableRefusalPayload>(),
        route::route::<FromObj>(),
        route::route::<IsSoundlyReadable>(),
    ],
    consts: CONSTS,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::parse_str;

    fn class(record: &str, family: &str, understands: i64) -> (Readability, Option<SchemaTag>) {
        let r = parse_str(record).unwrap();
        let v = classify(r.as_dict().unwrap(), &Str::from(family), understands);
        (v.readability, v.tag)
    }

    #[test]
    fn ladder() {
        assert_eq!(class("{}", "x", 1).0, Readability::Untagged);
        assert_eq!(class(r#"{"schema": true}"#, "x", 1).0, Readability::Untagged);
        assert_eq!(class(r#"{"schema": 0}"#, "x", 1).0, Readability::Untagged);
        assert_eq!(class(r#"{"schema": {"family": "x", "version": 1.0}}"#, "x", 1).0, Readability::Untagged);
        assert_eq!(class(r#"{"schema": {"family": "y", "version": 1}}"#, "x", 1).0, Readability::WrongFamily);
        assert_eq!(class(r#"{"schema": {"family": "y", "version": 1}}"#, "", 1).0, Readability::Readable);
        assert_eq!(class(r#"{"schema": 2}"#, "x", 1).0, Readability::UnreadableNewer);
        assert_eq!(class(r#"{"schema": 99999999999999999999}"#, "x", 5).0, Readability::UnreadableNewer);
        let (r, t) = class(r#"{"schema": {"family": "x", "version": 2}}"#, "x", 2);
        assert_eq!(r, Readability::Readable);
        assert_eq!(t.unwrap().version, Int::Small(2));
    }

    #[test]
    fn tags() {
        assert!(tag("", 1).is_err());
        assert!(tag("x", 0).is_err());
        assert_eq!(Value::Dict(tag("x", 2).unwrap()), parse_str(r#"{"schema": {"family": "x", "version": 2}}"#).unwrap());
        assert!(tag_value(&Str::from("x"), &Value::Float(0.5)).is_err());
        assert!(tag_value(&Str::from("x"), &Value::Bool(true)).is_ok());
        assert!(tag_value(&Str::from("x"), &Value::Float(f64::NAN)).is_ok());
    }

    #[test]
    fn refusal() {
        let v = refusal_payload(&Str::from("x"), 3, None, &Str::from("d")).unwrap();
        assert_eq!(v.get("requested"), Some(&Value::int(3)));
        assert_eq!(v.get("supported").and_then(Value::as_list).map(<[Value]>::len), Some(3));
        assert!(refusal_payload(&Str::from("x"), -4, None, &Str::from("d")).is_ok());
        assert!(refusal_payload(&Str::from("x"), i64::MAX, None, &Str::from("d")).is_err());
    }
}
