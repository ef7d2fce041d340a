//! `hook_exit`: a plain hook script's exit code, read as an intervention verb.
//!
//! The lookup is data: one pass code (default 0), an explicit code → verb map
//! (default `2 → BLOCK`, where a code mapped to no verb is another pass code),
//! and a fallback verb for every other code (default WARN).

use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::{Int, Str, Value};
use crate::{dict, pystr};
use std::collections::BTreeMap;

/// The reference's `intervention.Intervention` vocabulary.
// TODO: move to an `intervention` module once that decider is ported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Intervention {
    Observe,
    Warn,
    Defer,
    Block,
}

impl Intervention {
    pub fn as_str(self) -> &'static str {
        match self {
            Intervention::Observe => "OBSERVE",
            Intervention::Warn => "WARN",
            Intervention::Defer => "DEFER",
            Intervention::Block => "BLOCK",
        }
    }

    /// The enum by its exact value (`Intervention(s)`; case matters).
    pub fn parse(s: &str) -> Option<Intervention> {
        match s {
            "OBSERVE" => Some(Intervention::Observe),
            "WARN" => Some(Intervention::Warn),
            "DEFER" => Some(Intervention::Defer),
            "BLOCK" => Some(Intervention::Block),
            _ => None,
        }
    }
}

/// `HookExitPolicy`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HookExitPolicy {
    pub pass_code: i64,
    /// Explicit entries; `None` marks an extra pass code.
    pub mapping: BTreeMap<i64, Option<Intervention>>,
    pub fallback: Intervention,
}

impl Default for HookExitPolicy {
    fn default() -> Self {
        HookExitPolicy {
            pass_code: 0,
            mapping: BTreeMap::from([(2, Some(Intervention::Block))]),
            fallback: Intervention::Warn,
        }
    }
}

impl HookExitPolicy {
    /// `with_mapping`: a copy with `more` entries added (later ones win).
    pub fn with_mapping(&self, more: impl IntoIterator<Item = (i64, Intervention)>) -> HookExitPolicy {
        let mut p = self.clone();
        for (code, verb) in more {
            p.mapping.insert(code, Some(verb));
        }
        p
    }
}

/// `ExitVerdict`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExitVerdict {
    pub code: i64,
    /// `None`: the script approved; nothing to do.
    pub intervention: Option<Intervention>,
    pub reason: String,
    /// Whether an explicit entry (or the pass code) decided, rather than the fallback.
    pub matched: bool,
}

impl ExitVerdict {
    pub fn passed(&self) -> bool {
        self.intervention.is_none()
    }

    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "code" => self.code,
            "intervention" => self.intervention.map(Intervention::as_str),
            "reason" => self.reason.clone(),
            "matched" => self.matched,
        })
    }
}

/// `classify_exit`.
pub fn classify_exit(code: i64, policy: &HookExitPolicy) -> ExitVerdict {
    let entry = policy.mapping.get(&code);
    if code == policy.pass_code || entry == Some(&None) {
        return ExitVerdict {
            code,
            intervention: None,
            reason: format!("PASS: exit {code} means the hook script approved, so nothing intervenes"),
            matched: true,
        };
    }
    if let Some(Some(verb)) = entry {
        let note = if code == 2 && *verb == Intervention::Block { ", Claude Code's blocking exit code" } else { "" };
        return ExitVerdict {
            code,
            intervention: Some(*verb),
            reason: format!("exit {code} maps to {} by an explicit hook_exit entry{note}", verb.as_str()),
            matched: true,
        };
    }
    ExitVerdict {
        code,
        intervention: Some(policy.fallback),
        reason: format!(
            "exit {code} has no explicit entry, so it gets the fallback {}: a failure nobody declared \
             informs rather than passing silently or blocking",
            policy.fallback.as_str()
        ),
        matched: false,
    }
}

/// What [`classify_exit`] decides, without writing its reason: the
/// intervention (`None` to pass) and whether an explicit entry or the pass
/// code decided it. Same lookup.
pub fn decide(code: i64, policy: &HookExitPolicy) -> (Option<Intervention>, bool) {
    match policy.mapping.get(&code) {
        _ if code == policy.pass_code => (None, true),
        Some(None) => (None, true),
        Some(Some(verb)) => (Some(*verb), true),
        None => (Some(policy.fallback), false),
    }
}

/// A mapping key (`"2"`) read with Python's `int()`. `Ok(None)`: a valid
/// integer outside the 64-bit range, which no exit code can equal.
fn code_key(a: &Args, k: &Str) -> Result<Option<i64>, CallError> {
    match k.as_str().and_then(pystr::int_from_str) {
        Some(Int::Small(v)) => Ok(Some(v)),
        Some(Int::Big(_)) => Ok(None),
        None => Err(a.err("mapping keys must be integers written as strings")),
    }
}

fn verb_of(a: &Args, v: &Value) -> Result<Intervention, CallError> {
    v.as_str()
        .and_then(Intervention::parse)
        .ok_or_else(|| a.err("an intervention must be one of OBSERVE, WARN, DEFER, BLOCK"))
}

/// A policy from `{pass_code?, mapping?, fallback?, more?}`: `mapping`
/// replaces the default entries (a null value marks an extra pass code);
/// `more` is then merged in with `with_mapping`.
pub fn policy_from_args(p: &Args) -> Result<HookExitPolicy, CallError> {
    p.check_known(&["pass_code", "mapping", "fallback", "more"])?;
    let mut policy = HookExitPolicy::default();
    if let Some(pc) = p.opt_i64("pass_code")? {
        policy.pass_code = pc;
    }
    if let Some(m) = p.opt_obj("mapping")? {
        policy.mapping.clear();
        for (k, v) in m.dict().iter() {
            let verb = if v.is_null() { None } else { Some(verb_of(p, v)?) };
            if let Some(code) = code_key(p, k)? {
                policy.mapping.insert(code, verb);
            }
        }
    }
    if let Some(fb) = p.get("fallback") {
        policy.fallback = verb_of(p, fb)?;
    }
    if let Some(more) = p.opt_obj("more")? {
        let mut extra = Vec::new();
        for (k, v) in more.dict().iter() {
            let verb = verb_of(p, v)?;
            if let Some(code) = code_key(p, k)? {
                extra.push((code, verb));
            }
        }
        policy = policy.with_mapping(extra);
    }
    Ok(policy)
}

fn op_classify_exit(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let code = a.i64("code")?;
    let v = match a.opt_obj("policy")? {
        Some(p) => classify_exit(code, &policy_from_args(&p)?),
        None => classify_exit(code, &HookExitPolicy::default()),
    };
    Ok(v.to_value())
}

pub(crate) const OPS: &[OpSpec] =
    &[OpSpec { name: "hook_exit.classify_exit", args: &["code", "policy"], run: op_classify_exit }];

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
}
