//! `marker_gate`, `noop_streak.classify` and the `marker_sensor` count, as
//! the wait-marker hook uses them.
//!
//! Arming, in order: a stop that the host is already continuing
//! (`stop_hook_active` is `true`) is never armed when the policy respects
//! it; `--loop` arms; otherwise the first environment variable named in
//! `arm_on_env` whose value is non-empty arms; else the budget stays off.
//! The budget allows a marker while fewer than `cap` have been emitted since
//! the last RESET. The environment arrives as a lookup function; no I/O here.

use super::durable_schema::{classify, Readability};
use crate::envelope::{CallError, Ctx};
use crate::pyjson::{Dict, Int, Str, Value};
use crate::pystr;
use crate::route::{self, Const, Describe, Map, Module, Op, Tuple};
use serde::{Deserialize, Serialize};

/// The schema family of the marker tally.
pub const SCHEMA_FAMILY: &str = "wait-marker";
/// The tally schema version this build reads and writes.
pub const SCHEMA_VERSION: i64 = 1;

/// A null read as the field's default (the envelope always took null for
/// "left out").
fn or_default<'de, D: serde::Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn four() -> Int {
    Int::Small(4)
}

fn four_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Int, D::Error> {
    Ok(Option::<Int>::deserialize(d)?.unwrap_or_else(four))
}

fn yes() -> bool {
    true
}

fn yes_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(true))
}

/// The built-in loop sentinels.
pub fn default_arm_on_env() -> Tuple<String> {
    Tuple(vec!["DOS_LOOP".into(), "CID_RUN_ID".into()])
}

/// `arm_on_env` as the reference's record keeps it: its text names
/// stripped, blank ones and anything not text dropped (null: the default).
fn arm_names<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Tuple<String>, D::Error> {
    let Some(items) = Option::<Vec<Value>>::deserialize(d)? else { return Ok(default_arm_on_env()) };
    Ok(Tuple(normalize_names(items.iter().filter_map(Value::as_str))))
}

/// Names stripped, the blank ones dropped.
pub fn normalize_names<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    names.map(pystr::strip).filter(|n| !n.is_empty()).map(str::to_string).collect()
}

/// The wait-marker budget's knobs (`dos.toml [marker]`): the cap handed to
/// the budget, the environment variables whose presence arms it, and
/// whether a stop the host already continues is left alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct MarkerPolicy {
    /// The most consecutive keep-alive markers a loop may emit before the
    /// next one is refused.
    #[serde(default = "four", deserialize_with = "four_or_null")]
    #[describe(min = 0)]
    pub max_streak: Int,
    /// The environment variables whose non-empty value arms the budget
    /// (names stripped; blank ones dropped). Empty: only `--loop` arms it.
    #[serde(default = "default_arm_on_env", deserialize_with = "arm_names")]
    pub arm_on_env: Tuple<String>,
    /// Leave alone a stop the host is already continuing (`stop_hook_active`).
    #[serde(default = "yes", deserialize_with = "yes_or_null")]
    pub respect_stop_hook_active: bool,
}

impl Default for MarkerPolicy {
    fn default() -> Self {
        MarkerPolicy { max_streak: four(), arm_on_env: default_arm_on_env(), respect_stop_hook_active: true }
    }
}

impl MarkerPolicy {
    /// The reference's check: the cap cannot be negative.
    pub fn validate(&self) -> Result<(), &'static str> {
        match self.max_streak {
            Int::Small(n) if n < 0 => Err("max_streak cannot be negative"),
            _ => Ok(()),
        }
    }
}

/// Whether the budget applies to this stop, and which guard decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ArmDecision {
    /// True: the budget applies (the stop may be blocked); False: allow the stop.
    pub armed: bool,
    /// Which guard decided, in words.
    pub reason: String,
}

/// `marker_gate.decide`.
/// `is_set(name)`: whether the environment variable `name` holds a value
/// that arms (set and non-empty, for a process environment).
pub fn arm(stop_hook_active: bool, loop_flag: bool, is_set: &dyn Fn(&str) -> bool, policy: &MarkerPolicy) -> ArmDecision {
    if policy.respect_stop_hook_active && stop_hook_active {
        return ArmDecision {
            armed: false,
            reason: "not armed: stop_hook_active (the host already continues this stop; it is not blocked again)".into(),
        };
    }
    if loop_flag {
        return ArmDecision { armed: true, reason: "armed by --loop".into() };
    }
    for name in &policy.arm_on_env.0 {
        if is_set(name) {
            return ArmDecision { armed: true, reason: format!("armed by env {name}") };
        }
    }
    let names = if policy.arm_on_env.0.is_empty() { "(none)".to_string() } else { policy.arm_on_env.0.join(", ") };
    ArmDecision {
        armed: false,
        reason: format!("not armed, no loop signal: neither --loop nor a set env var ({names}); an ordinary turn, so the stop is allowed"),
    }
}

/// `noop_streak.classify` as the marker hook reads it: `(allow, turns)`,
/// where `turns` counts this marker when it is allowed.
pub fn budget(emitted: u64, cap: u64) -> (bool, u64) {
    if emitted >= cap {
        (false, emitted)
    } else {
        (true, emitted + 1)
    }
}

/// The budget line (stdout under `--json`, and the tally's `reason`).
pub fn budget_reason(allow: bool, turns: u64, cap: u64) -> String {
    if allow {
        format!("wait-marker {turns}/{cap}: the turn stays open")
    } else {
        format!(
            "wait-marker budget spent ({turns}/{cap}): another marker would replay the whole cached \
             context while doing nothing; wait for the Bash task-notification instead (OC1's orphan \
             sweep catches anything left behind)"
        )
    }
}

/// The block reason printed when a marker is allowed.
pub fn block_reason(budget_reason: &str) -> String {
    format!(
        "DOS wait-marker budget: {budget_reason}. This keeps the keep-alive turn open: keep waiting \
         for the background task to signal completion instead of polling again. Once the budget is \
         spent DOS stops blocking, and you should end the turn and let the task-notification wake you."
    )
}

/// One tally record's effect on the count (`marker_count`'s forward pass).
pub fn fold_record(count: u64, rec: &Dict) -> u64 {
    let v = classify(rec, &Str::from(SCHEMA_FAMILY), SCHEMA_VERSION);
    if !matches!(v.readability, Readability::Readable | Readability::Untagged) {
        return count;
    }
    match rec.get("op").and_then(Value::as_str) {
        Some("MARKER") => count + 1,
        Some("RESET") => 0,
        _ => count,
    }
}

// ------------------------------------------------------------------ the route

/// Whether the wait-marker budget arms for this Stop: never for a stop the
/// host already continues (when the policy respects `stop_hook_active`);
/// else armed by `--loop` (`loop_flag`) or by the first `arm_on_env` name
/// whose value in `env` is non-empty; else not armed (an ordinary turn).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Decide {
    /// The Stop event's `stop_hook_active`.
    pub stop_hook_active: bool,
    /// Whether `--loop` was given.
    pub loop_flag: bool,
    /// The environment, name -> value (injected; never read here). A value
    /// arms when it is truthy as Python reads it, so a non-text value (the
    /// reference's `env.get(name)` test takes any) arms or not as it would.
    pub env: Map<Value>,
    /// The knobs (null: the default).
    #[serde(default, deserialize_with = "or_default")]
    pub policy: MarkerPolicy,
}

impl Op for Decide {
    const NAME: &'static str = "marker_gate.decide";
    type Verdict = ArmDecision;

    fn run(self, _: &Ctx<'_>) -> Result<ArmDecision, CallError> {
        self.policy.validate().map_err(|m| CallError::bad_args(format!("args.policy.max_streak: {m}")))?;
        let env = &self.env;
        Ok(arm(self.stop_hook_active, self.loop_flag, &|name| env.get(name).is_some_and(Value::truthy), &self.policy))
    }
}

pub(crate) const MODULE: Module = Module {
    name: "marker_gate",
    doc: "The arming decision of the wait-marker budget: whether a Stop is subject to the budget at all. A \
          stop the host already continues is left alone; otherwise only evidence that this Stop is a poll \
          inside a loop arms it (--loop, or a loop-sentinel environment variable the policy names). The \
          environment is injected; nothing here reads it.",
    routes: &[route::route::<Decide>()],
    consts: &[
        Const {
            name: "DEFAULT_ARM_ON_ENV",
            doc: "The built-in loop-sentinel environment variable names.",
            eval: |reg| route::konst(reg, default_arm_on_env()),
        },
        Const {
            name: "DEFAULT_POLICY",
            doc: "The MarkerPolicy with every default: a cap of 4, armed by DOS_LOOP or CID_RUN_ID, stop_hook_active respected.",
            eval: |reg| route::konst(reg, MarkerPolicy::default()),
        },
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arming() {
        let p = MarkerPolicy::default();
        let none = |_: &str| false;
        let looped = |n: &str| n == "DOS_LOOP";
        assert!(!arm(false, false, &none, &p).armed);
        assert!(arm(false, true, &none, &p).armed);
        assert!(arm(false, false, &looped, &p).armed);
        assert!(!arm(true, true, &looped, &p).armed);
        assert_eq!(budget(0, 4), (true, 1));
        assert_eq!(budget(4, 4), (false, 4));
        assert_eq!(budget(0, 0), (false, 0));
    }
}
