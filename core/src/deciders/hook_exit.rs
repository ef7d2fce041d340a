//! `hook_exit`: a plain hook script's exit code, read as an intervention verb.
//!
//! The lookup is data: one pass code (default 0), an explicit code → verb map
//! (default `2 → BLOCK`, where a code mapped to no verb is another pass code),
//! and a fallback verb for every other code (default WARN).

use crate::envelope::{CallError, Ctx};
use crate::pyjson::Int;
use crate::pystr;
use crate::route::{self, Const, Describe, Module, Op, Registry, Type};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The reference's `intervention.Intervention` vocabulary.
pub use super::intervention::Intervention;

/// The wire token of a verb.
pub fn verb_str(v: Intervention) -> &'static str {
    match v {
        Intervention::Observe => "OBSERVE",
        Intervention::Warn => "WARN",
        Intervention::Defer => "DEFER",
        Intervention::Block => "BLOCK",
    }
}

/// Exit code → entry, read from a dict whose keys are written as strings
/// and read as Python's `int()` reads them (`" 2 "`, `"+3"`, `"1_0"`, other
/// scripts' digits), in the order a Python dict keeps (a code given twice
/// keeps its first place and its last entry). A key outside the 64-bit
/// range is kept, as Python keeps it (no code this build reads equals it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeMap<T>(pub Vec<(Int, T)>);

impl<T> Default for CodeMap<T> {
    fn default() -> Self {
        CodeMap(Vec::new())
    }
}

impl<T> CodeMap<T> {
    /// The entry for `code`.
    pub fn get(&self, code: i64) -> Option<&T> {
        self.0.iter().find(|(k, _)| *k == Int::Small(code)).map(|(_, v)| v)
    }

    /// Set `code`'s entry (in place when it has one, else last).
    pub fn insert(&mut self, code: impl Into<Int>, v: T) {
        let code = code.into();
        match self.0.iter_mut().find(|(k, _)| *k == code) {
            Some(slot) => slot.1 = v,
            None => self.0.push((code, v)),
        }
    }
}

impl<T: Describe> Describe for CodeMap<T> {
    fn describe(reg: &mut Registry) -> Type {
        Type::IntDict(Box::new(T::describe(reg)))
    }
}

impl<T: Serialize> Serialize for CodeMap<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(&k.to_string(), v)?;
        }
        m.end()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for CodeMap<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = CodeMap<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a dict of exit codes (integers written as strings)")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<CodeMap<T>, A::Error> {
                let mut out = CodeMap::default();
                while let Some((k, v)) = a.next_entry::<String, T>()? {
                    match pystr::int_from_str(&k) {
                        Some(code) => out.insert(code, v),
                        None => return Err(serde::de::Error::custom(format_args!("the key {} is not an integer", pystr::repr(&k)))),
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// A null read as the field's default (the envelope's policies always took
/// null for "left out").
fn or_default<'de, D: serde::Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn warn() -> Intervention {
    Intervention::Warn
}

fn warn_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Intervention, D::Error> {
    Ok(Option::<Intervention>::deserialize(d)?.unwrap_or(Intervention::Warn))
}

fn default_mapping() -> CodeMap<Option<Intervention>> {
    CodeMap(vec![(Int::Small(2), Some(Intervention::Block))])
}

fn mapping_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<CodeMap<Option<Intervention>>, D::Error> {
    Ok(Option::deserialize(d)?.unwrap_or_else(default_mapping))
}

/// How a plain hook script's exit code reads: the code that approves, the
/// explicit entries, and the verb every other code gets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct HookExitPolicy {
    /// The exit code that means the script approved (nothing to do).
    #[serde(default, deserialize_with = "or_default")]
    pub pass_code: i64,
    /// Explicit entries, code → verb; a code mapped to None is one more
    /// approving code. Given, it replaces the default entries.
    #[serde(default = "default_mapping", deserialize_with = "mapping_or_null")]
    pub mapping: CodeMap<Option<Intervention>>,
    /// The verb for a code with no entry: a failure nobody declared informs.
    #[serde(default = "warn", deserialize_with = "warn_or_null")]
    pub fallback: Intervention,
    /// Envelope only: entries merged in after `mapping`, as `with_mapping` does.
    #[serde(default, deserialize_with = "or_default", skip_serializing)]
    #[describe(skip)]
    more: CodeMap<Intervention>,
}

impl Default for HookExitPolicy {
    fn default() -> Self {
        HookExitPolicy { pass_code: 0, mapping: default_mapping(), fallback: Intervention::Warn, more: CodeMap::default() }
    }
}

impl HookExitPolicy {
    /// A policy from its three fields.
    pub fn new(pass_code: i64, mapping: CodeMap<Option<Intervention>>, fallback: Intervention) -> HookExitPolicy {
        HookExitPolicy { pass_code, mapping, fallback, more: CodeMap::default() }
    }

    /// `with_mapping`: a copy with `more` entries added (later ones win).
    pub fn with_mapping<K: Into<Int>>(&self, more: impl IntoIterator<Item = (K, Intervention)>) -> HookExitPolicy {
        let mut p = self.clone();
        for (code, verb) in more {
            p.mapping.insert(code, Some(verb));
        }
        p
    }

    /// The policy as read from the envelope: `more` merged in.
    fn settled(mut self) -> HookExitPolicy {
        let more = std::mem::take(&mut self.more);
        self.with_mapping(more.0)
    }
}

/// The intervention one exit code maps to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ExitVerdict {
    /// The exit code read.
    pub code: i64,
    /// The verb; None when the script approved (nothing to do).
    #[serde(deserialize_with = "route::required")]
    pub intervention: Option<Intervention>,
    /// Why, in words.
    pub reason: String,
    /// Whether an explicit entry (or the pass code) decided, rather than the fallback.
    pub matched: bool,
}

impl ExitVerdict {
    pub fn passed(&self) -> bool {
        self.intervention.is_none()
    }
}

/// `classify_exit`.
pub fn classify_exit(code: i64, policy: &HookExitPolicy) -> ExitVerdict {
    let (intervention, matched) = decide(code, policy);
    ExitVerdict { code, intervention, reason: reason(code, intervention, matched), matched }
}

/// The reason line of a [`decide`] outcome for exit `code`.
pub fn reason(code: i64, intervention: Option<Intervention>, matched: bool) -> String {
    match intervention {
        None => format!("PASS: exit {code} means the hook script approved, so nothing intervenes"),
        Some(verb) if matched => {
            let note = if code == 2 && verb == Intervention::Block { ", Claude Code's blocking exit code" } else { "" };
            format!("exit {code} maps to {} by an explicit hook_exit entry{note}", verb_str(verb))
        }
        Some(verb) => format!(
            "exit {code} has no explicit entry, so it gets the fallback {}: a failure nobody declared \
             informs rather than passing silently or blocking",
            verb_str(verb)
        ),
    }
}

/// What [`classify_exit`] decides, without writing its reason: the
/// intervention (`None` to pass) and whether an explicit entry or the pass
/// code decided it.
pub fn decide(code: i64, policy: &HookExitPolicy) -> (Option<Intervention>, bool) {
    match policy.mapping.get(code) {
        _ if code == policy.pass_code => (None, true),
        Some(None) => (None, true),
        Some(Some(verb)) => (Some(*verb), true),
        None => (Some(policy.fallback), false),
    }
}

/// The intervention a hook script's exit `code` maps to under `policy`:
/// the pass code and codes mapped to None approve (no intervention), an
/// explicit entry gives its verb, and every other code gets the fallback.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ClassifyExit {
    /// The script's exit code.
    pub code: i64,
    /// The lookup (null: the default). On the envelope it may also carry
    /// `more`: entries merged in as `with_mapping` does.
    #[serde(default, deserialize_with = "or_default")]
    pub policy: HookExitPolicy,
}

impl Op for ClassifyExit {
    const NAME: &'static str = "hook_exit.classify_exit";
    type Verdict = ExitVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<ExitVerdict, CallError> {
        Ok(classify_exit(self.code, &self.policy.settled()))
    }
}

/// `HookExitPolicy.with_mapping`: a copy of the policy with `more` entries
/// added (each wins over an entry for the same code).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct WithMapping {
    /// The policy copied.
    #[serde(rename = "self")]
    pub this: HookExitPolicy,
    /// The entries added, code → verb.
    pub more: CodeMap<Intervention>,
}

impl Op for WithMapping {
    const NAME: &'static str = "hook_exit.HookExitPolicy.with_mapping";
    type Verdict = HookExitPolicy;

    fn run(self, _: &Ctx<'_>) -> Result<HookExitPolicy, CallError> {
        Ok(self.this.settled().with_mapping(self.more.0))
    }
}

/// `ExitVerdict.passed`: True when the script approved (no intervention).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Passed {
    /// The verdict read.
    #[serde(rename = "self")]
    pub this: ExitVerdict,
}

impl Op for Passed {
    const NAME: &'static str = "hook_exit.ExitVerdict.passed";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        Ok(self.this.passed())
    }
}

pub(crate) const MODULE: Module = Module {
    name: "hook_exit",
    doc: "A plain hook script's exit code, read as an intervention verb. The lookup is data (HookExitPolicy): \
          one pass code (default 0: nothing to do), explicit code-to-verb entries (default 2 -> BLOCK, Claude \
          Code's blocking exit code; an entry mapped to None is one more pass code), and a fallback verb for every \
          other code (default WARN: a failure nobody declared informs rather than passing silently or blocking).",
    routes: &[route::route::<ClassifyExit>(), route::route::<WithMapping>(), route::route::<Passed>()],
    consts: &[Const {
        name: "DEFAULT_POLICY",
        doc: "The HookExitPolicy with every default: 0 passes, 2 blocks, anything else warns.",
        eval: |reg| route::konst(reg, HookExitPolicy::default()),
    }],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_convention() {
        let p = HookExitPolicy::default();
        let v = classify_exit(0, &p);
        assert_eq!((v.intervention, v.matched), (None, true));
        let v = classify_exit(2, &p);
        assert_eq!((v.intervention, v.matched), (Some(Intervention::Block), true));
        let v = classify_exit(-1, &p);
        assert_eq!((v.intervention, v.matched), (Some(Intervention::Warn), false));
    }

    #[test]
    fn decide_agrees_with_classify_exit() {
        let mut odd = HookExitPolicy::default().with_mapping([(3, Intervention::Defer), (0, Intervention::Block)]);
        odd.mapping.insert(7, None);
        odd.pass_code = 2;
        for p in [HookExitPolicy::default(), odd] {
            for code in [i64::MIN, -1, 0, 1, 2, 3, 7, 255, i64::MAX] {
                let v = classify_exit(code, &p);
                assert_eq!(decide(code, &p), (v.intervention, v.matched), "{code} {p:?}");
            }
        }
    }

    #[test]
    fn declared_entries() {
        let mut p = HookExitPolicy::default().with_mapping([(3, Intervention::Defer)]);
        p.mapping.insert(7, None);
        assert_eq!(classify_exit(3, &p).intervention, Some(Intervention::Defer));
        assert!(classify_exit(7, &p).passed());
        p.pass_code = 2;
        assert!(classify_exit(2, &p).passed());
        assert!(classify_exit(0, &p).intervention == Some(Intervention::Warn));
    }

    #[test]
    fn the_policy_crosses_with_int_keys_written_as_strings() {
        let v = crate::pyjson::to_value(&HookExitPolicy::default()).expect("serializes");
        assert_eq!(
            crate::pyjson::dumps_string(&v, crate::pyjson::Options::COMPACT).expect("dumps"),
            r#"{"pass_code":0,"mapping":{"2":"BLOCK"},"fallback":"WARN"}"#
        );
        let cat = crate::route::catalog();
        let def = cat.type_def("HookExitPolicy").expect("described");
        let names: Vec<&str> = def.fields.iter().map(|f| f.name).collect();
        assert_eq!(names, ["pass_code", "mapping", "fallback"]);
        assert_eq!(def.fields[1].ty.to_string(), "dict[int, Intervention | None]");
    }
}
