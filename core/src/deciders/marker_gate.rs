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
use crate::config::policies::MarkerPolicy;
use crate::pyjson::{Dict, Str, Value};

/// The schema family of the marker tally.
pub const SCHEMA_FAMILY: &str = "wait-marker";
/// The tally schema version this build reads and writes.
pub const SCHEMA_VERSION: i64 = 1;

/// Whether the budget applies to this stop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arm {
    pub armed: bool,
    pub why: String,
}

/// `marker_gate.decide`.
pub fn arm(stop_hook_active: bool, loop_flag: bool, env: &dyn Fn(&str) -> Option<String>, policy: &MarkerPolicy) -> Arm {
    if policy.respect_stop_hook_active && stop_hook_active {
        return Arm {
            armed: false,
            why: "not armed: stop_hook_active (the host already continues this stop; it is not blocked again)".into(),
        };
    }
    if loop_flag {
        return Arm { armed: true, why: "armed by --loop".into() };
    }
    for name in &policy.arm_on_env {
        if env(name).is_some_and(|v| !v.is_empty()) {
            return Arm { armed: true, why: format!("armed by env {name}") };
        }
    }
    let names = if policy.arm_on_env.is_empty() { "(none)".to_string() } else { policy.arm_on_env.join(", ") };
    Arm { armed: false, why: format!("not armed: neither --loop nor a set env var ({names}); an ordinary turn, so the stop is allowed") }
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

// ------------------------------------------------------------------ envelope

use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::Int;
use crate::pystr;

/// `marker_gate.decide {stop_hook_active, loop_flag, env, policy?}` →
/// `{"armed", "reason"}`; `env` maps names to values, `policy` is
/// `{max_streak?, arm_on_env?, respect_stop_hook_active?}`.
fn op_decide(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let stop = a.bool("stop_hook_active")?;
    let loop_flag = a.bool("loop_flag")?;
    let env = a.get("env").and_then(Value::as_dict).ok_or_else(|| a.err("env must be an object"))?;
    let mut policy = MarkerPolicy::default();
    if let Some(p) = a.opt_obj("policy")? {
        p.check_known(&["max_streak", "arm_on_env", "respect_stop_hook_active"])?;
        if let Some(n) = p.opt_i64("max_streak")? {
            if n < 0 {
                return Err(p.err("max_streak must be non-negative"));
            }
            policy.max_streak = Int::Small(n);
        }
        if let Some(names) = p.get("arm_on_env") {
            let Value::List(items) = names else { return Err(p.err("arm_on_env must be a list")) };
            policy.arm_on_env =
                items.iter().filter_map(|v| v.as_str()).map(|n| pystr::strip(n).to_string()).filter(|n| !n.is_empty()).collect();
        }
        if let Some(b) = p.opt_bool("respect_stop_hook_active")? {
            policy.respect_stop_hook_active = b;
        }
    }
    let lookup = |name: &str| match env.get(name) {
        Some(Value::Str(s)) => s.as_str().map(str::to_string),
        _ => None,
    };
    let v = arm(stop, loop_flag, &lookup, &policy);
    let mut d = Dict::with_capacity(2);
    d.push("armed", Value::Bool(v.armed));
    d.push("reason", Value::str(v.why));
    Ok(Value::Dict(d))
}

pub(crate) const OPS: &[OpSpec] =
    &[OpSpec { name: "marker_gate.decide", args: &["stop_hook_active", "loop_flag", "env", "policy"], run: op_decide }];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arming() {
        let p = MarkerPolicy::default();
        let none = |_: &str| None;
        let looped = |n: &str| (n == "DOS_LOOP").then(|| "1".to_string());
        assert!(!arm(false, false, &none, &p).armed);
        assert!(arm(false, true, &none, &p).armed);
        assert!(arm(false, false, &looped, &p).armed);
        assert!(!arm(true, true, &looped, &p).armed);
        assert_eq!(budget(0, 4), (true, 1));
        assert_eq!(budget(4, 4), (false, 4));
        assert_eq!(budget(0, 0), (false, 0));
    }
}
