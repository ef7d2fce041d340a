//! `claim_ttl`: how long a lane claim lives, and the labels of old claim rows.
//!
//! Pure arithmetic over a claim's scalars: the kind and status labels a row
//! written before those fields existed is shown with, the expected wall-clock
//! of a kind, the TTL (in minutes, or none at all) a status and kind resolve
//! to under a [`TtlPolicy`], and the expiry stamp of a TTL counted from a
//! given instant. The clock is the caller's: `expires_at_from` takes `now`
//! as integer milliseconds since the Unix epoch.
//!
//! Every op here is on the generated route (`crate::route`): the structs
//! below are the ops' arguments, and their docs are the ops' docs.
//!
//! Arguments are read typed before the decision runs, where the reference
//! only trips over a bad value when it reaches it: a `dispatcher_kinds`
//! pair that is not two strs is refused (BAD_ARGS) even past the matching
//! pair, a `claim_kind` that is not a str is refused, and ints must fit in
//! 64 bits (a verdict may leave that range: `resolve_ttl_minutes` answers
//! exactly). The accelerate adapter hands such calls to the reference.

use crate::envelope::{CallError, Ctx};
use crate::pyjson::{Dict, Str, Value};
use crate::pytime::{civil_from_days, days_from_civil};
use crate::route::{self, Const, Describe, Module, Op};
use serde::{Deserialize, Serialize};

/// The claim kinds a row may name explicitly.
pub const VALID_CLAIM_KINDS: [&str; 3] = ["soft", "hard", "agent_in_session"];
/// The claim statuses a row may name explicitly.
pub const VALID_CLAIM_STATUSES: [&str; 5] = ["working", "awaiting_decision", "awaiting_commit", "stale", "done"];

/// The host's TTL tuning, in minutes (defaults: a day for a claim waiting
/// on its commit, six hours for an in-session agent, a 30-minute expected
/// wall-clock for a working claim that names none, and a working TTL of
/// three times the expected wall-clock). No value may be negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(default, deny_unknown_fields)]
pub struct TtlPolicy {
    /// TTL of a claim whose work is done and waits for its commit.
    pub awaiting_commit_minutes: i64,
    /// TTL of an agent working inside an operator's session, whatever its status.
    pub agent_in_session_minutes: i64,
    /// Expected wall-clock of a working claim that states none.
    pub default_working_wallclock_minutes: i64,
    /// A working claim lives this many times its expected wall-clock.
    pub working_ttl_multiplier: i64,
}

impl Default for TtlPolicy {
    fn default() -> Self {
        TtlPolicy {
            awaiting_commit_minutes: 24 * 60,
            agent_in_session_minutes: 6 * 60,
            default_working_wallclock_minutes: 30,
            working_ttl_multiplier: 3,
        }
    }
}

impl TtlPolicy {
    /// The reference's check: every knob is non-negative.
    pub fn validate(&self) -> Result<(), String> {
        let knobs = [
            ("awaiting_commit_minutes", self.awaiting_commit_minutes),
            ("agent_in_session_minutes", self.agent_in_session_minutes),
            ("default_working_wallclock_minutes", self.default_working_wallclock_minutes),
            ("working_ttl_multiplier", self.working_ttl_multiplier),
        ];
        match knobs.iter().find(|(_, v)| *v < 0) {
            Some((name, v)) => Err(format!("TtlPolicy.{name} cannot be negative (got {v})")),
            None => Ok(()),
        }
    }
}

/// A str's code points lower-cased as Python's `str.lower` does (a lone
/// surrogate stays as it is).
fn lower_points(s: &Str) -> Vec<u32> {
    match s {
        Str::Utf8(t) => crate::pystr::lower(t).chars().map(u32::from).collect(),
        Str::Utf16(_) => {
            let mut out = Vec::new();
            let mut run = String::new();
            for cp in s.code_points() {
                match char::from_u32(cp) {
                    Some(c) => run.push(c),
                    None => {
                        out.extend(crate::pystr::lower(&run).chars().map(u32::from));
                        run.clear();
                        out.push(cp);
                    }
                }
            }
            out.extend(crate::pystr::lower(&run).chars().map(u32::from));
            out
        }
    }
}

fn is_one_of(v: Option<&Value>, set: &[&str]) -> bool {
    matches!(v, Some(Value::Str(s)) if s.as_str().is_some_and(|t| set.contains(&t)))
}

/// The claim kind a row is shown with: its own `claim_kind` when that is a
/// known kind; `soft` when it carries an expiry; else the kind of the first
/// `(prefix, kind)` pair whose prefix starts its `dispatched_by`, compared
/// case-insensitively; else `unknown`.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct InferKind {
    /// The claim row.
    pub entry: Dict,
    /// The host's `(dispatched_by prefix, claim kind)` pairs, tried in order.
    #[serde(default)]
    pub dispatcher_kinds: route::Tuple<(Str, Str)>,
}

impl Op for InferKind {
    const NAME: &'static str = "claim_ttl.infer_kind";
    type Verdict = Str;

    fn run(self, _: &Ctx<'_>) -> Result<Str, CallError> {
        let entry = &self.entry;
        if let Some(Value::Str(kind)) = entry.get("claim_kind").filter(|v| is_one_of(Some(v), &VALID_CLAIM_KINDS)) {
            return Ok(kind.clone());
        }
        if entry.get("claim_expires_at").is_some_and(Value::truthy) {
            return Ok(Str::from("soft"));
        }
        let by = match entry.get("dispatched_by") {
            Some(v) if v.truthy() => match v {
                Value::Str(s) => lower_points(s),
                other => {
                    return Err(CallError::bad_args(format!(
                        "{}: entry.dispatched_by must be a str to be lower-cased, not {}",
                        Self::NAME,
                        other.type_name()
                    )))
                }
            },
            _ => Vec::new(),
        };
        for (prefix, kind) in self.dispatcher_kinds {
            if by.starts_with(&lower_points(&prefix)) {
                return Ok(kind);
            }
        }
        Ok(Str::from("unknown"))
    }
}

/// The claim status a row is shown with: its own `claim_status` when that
/// is a known status; `working` for an `in_progress` row; else its `status`
/// as it is (`unknown` when it has none).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct InferStatus {
    /// The claim row.
    pub entry: Dict,
}

impl Op for InferStatus {
    const NAME: &'static str = "claim_ttl.infer_status";
    type Verdict = Value;

    fn run(self, _: &Ctx<'_>) -> Result<Value, CallError> {
        let entry = &self.entry;
        if let Some(status) = entry.get("claim_status").filter(|v| is_one_of(Some(v), &VALID_CLAIM_STATUSES)) {
            return Ok(status.clone());
        }
        match entry.get("status") {
            Some(Value::Str(s)) if s.as_str() == Some("in_progress") => Ok(Value::str("working")),
            Some(other) => Ok(other.clone()),
            None => Ok(Value::str("unknown")),
        }
    }
}

/// The wall-clock minutes a claim of this kind is expected to take: the
/// row's own `ttl_minutes` when it is set and non-zero, else 90 for a soft
/// claim, 60 for an in-session agent and 360 for anything else.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ExpectedWallclock {
    pub claim_kind: Str,
    #[serde(deserialize_with = "route::required")]
    pub ttl_minutes: Option<i64>,
}

impl Op for ExpectedWallclock {
    const NAME: &'static str = "claim_ttl.expected_wallclock";
    type Verdict = i64;

    fn run(self, _: &Ctx<'_>) -> Result<i64, CallError> {
        if let Some(t) = self.ttl_minutes.filter(|t| *t != 0) {
            return Ok(t);
        }
        Ok(match self.claim_kind.as_str() {
            Some("soft") => 90,
            Some("agent_in_session") => 60,
            _ => 360,
        })
    }
}

/// Minutes until a claim expires, or None for a claim that never expires.
/// An in-session agent gets the policy's session TTL whatever its status; a
/// working claim lives its expected wall-clock (the policy's default when
/// none or zero is given) times the multiplier; a claim awaiting its commit
/// gets the policy's TTL for that; every other status never expires.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ResolveTtlMinutes {
    pub claim_status: Str,
    pub claim_kind: Str,
    #[serde(deserialize_with = "route::required")]
    pub expected_wallclock_minutes: Option<i64>,
    #[serde(default)]
    pub policy: TtlPolicy,
}

impl Op for ResolveTtlMinutes {
    const NAME: &'static str = "claim_ttl.resolve_ttl_minutes";
    type Verdict = Option<i128>;

    fn run(self, _: &Ctx<'_>) -> Result<Option<i128>, CallError> {
        let p = &self.policy;
        p.validate().map_err(|m| CallError::bad_args(format!("{}: args.policy: {m}", Self::NAME)))?;
        if self.claim_kind.as_str() == Some("agent_in_session") {
            return Ok(Some(p.agent_in_session_minutes.into()));
        }
        match self.claim_status.as_str() {
            Some("working") => {
                let ew = self.expected_wallclock_minutes.filter(|m| *m != 0).unwrap_or(p.default_working_wallclock_minutes);
                // Python ints: the product of two 64-bit values fits in 128 bits.
                Ok(Some(i128::from(ew) * i128::from(p.working_ttl_multiplier)))
            }
            Some("awaiting_commit") => Ok(Some(p.awaiting_commit_minutes.into())),
            _ => Ok(None),
        }
    }
}

/// `datetime.min` and the first instant past `datetime.max`, in ms since the epoch.
fn datetime_range_ms() -> (i128, i128) {
    let day = 86_400_000i128;
    (i128::from(days_from_civil(1, 1, 1)) * day, i128::from(days_from_civil(10_000, 1, 1)) * day)
}

/// The largest day count a Python `timedelta` holds.
const MAX_DELTA_DAYS: i128 = 999_999_999;

/// The stamp (`%Y-%m-%dT%H:%MZ`, UTC) of `ttl_minutes` after `now_ms`, or
/// None when the TTL is None (the claim never expires). `now_ms` is the
/// caller's clock in milliseconds since the Unix epoch; an expiry outside
/// the years 1 to 9999 is refused, as Python's datetime refuses it.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ExpiresAtFrom {
    /// The instant to count from, in milliseconds since the Unix epoch (UTC).
    pub now_ms: i64,
    #[serde(deserialize_with = "route::required")]
    pub ttl_minutes: Option<i64>,
}

impl Op for ExpiresAtFrom {
    const NAME: &'static str = "claim_ttl.expires_at_from";
    type Verdict = Option<String>;

    fn run(self, _: &Ctx<'_>) -> Result<Option<String>, CallError> {
        let (lo, hi) = datetime_range_ms();
        let now = i128::from(self.now_ms);
        if now < lo || now >= hi {
            return Err(CallError::bad_args(format!("{}: args.now_ms: {} is outside the years 1 to 9999", Self::NAME, self.now_ms)));
        }
        let Some(ttl) = self.ttl_minutes else { return Ok(None) };
        let ttl = i128::from(ttl);
        if (ttl * 60).div_euclid(86_400).abs() > MAX_DELTA_DAYS {
            return Err(CallError::bad_args(format!("{}: args.ttl_minutes: {ttl} minutes is too long a span", Self::NAME)));
        }
        let at = now + ttl * 60_000;
        if at < lo || at >= hi {
            return Err(CallError::bad_args(format!(
                "{}: args.ttl_minutes: the expiry it gives falls outside the years 1 to 9999",
                Self::NAME
            )));
        }
        // In range: the minute count fits an i64 comfortably.
        let minutes = at.div_euclid(60_000) as i64;
        let (y, m, d) = civil_from_days(minutes.div_euclid(1440));
        let in_day = minutes.rem_euclid(1440);
        // `%Y` is glibc's: the year without padding.
        Ok(Some(format!("{y}-{m:02}-{d:02}T{:02}:{:02}Z", in_day / 60, in_day % 60)))
    }
}

/// The `claim_ttl` module: its ops and constants.
pub(crate) const MODULE: Module = Module {
    name: "claim_ttl",
    doc: "How long a lane claim lives (per status and kind, under a TtlPolicy), the expiry stamp of a TTL, \
          and the kind and status labels of claim rows written before those fields existed. Pure arithmetic \
          over the claim's scalars; the clock is the caller's (milliseconds since the Unix epoch).",
    routes: &[
        route::route::<InferKind>(),
        route::route::<InferStatus>(),
        route::route::<ExpectedWallclock>(),
        route::route::<ResolveTtlMinutes>(),
        route::route::<ExpiresAtFrom>(),
    ],
    consts: &[
        Const {
            name: "VALID_CLAIM_KINDS",
            doc: "The claim kinds a row may name explicitly.",
            eval: |reg| route::konst(reg, route::Tuple(VALID_CLAIM_KINDS.to_vec())),
        },
        Const {
            name: "VALID_CLAIM_STATUSES",
            doc: "The claim statuses a row may name explicitly.",
            eval: |reg| route::konst(reg, route::Tuple(VALID_CLAIM_STATUSES.to_vec())),
        },
        Const { name: "DEFAULT_POLICY", doc: "The TtlPolicy with every default.", eval: |reg| route::konst(reg, TtlPolicy::default()) },
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::{self, Int};

    fn call(op: &str, args: &str) -> Result<Value, CallError> {
        let v = pyjson::parse_str(args).unwrap();
        crate::envelope::dispatch_pure(op, None, v.as_dict().unwrap())
    }

    #[test]
    fn resolve_follows_the_ladder() {
        let r = |s: &str| call("claim_ttl.resolve_ttl_minutes", s).unwrap();
        let base = r#""expected_wallclock_minutes":null"#;
        assert_eq!(r(&format!(r#"{{"claim_status":"done","claim_kind":"agent_in_session",{base}}}"#)), Value::int(360));
        assert_eq!(r(&format!(r#"{{"claim_status":"working","claim_kind":"hard",{base}}}"#)), Value::int(90));
        assert_eq!(
            r(r#"{"claim_status":"working","claim_kind":"hard","expected_wallclock_minutes":0,"policy":{"working_ttl_multiplier":2}}"#),
            Value::int(60)
        );
        assert_eq!(r(&format!(r#"{{"claim_status":"stale","claim_kind":"hard",{base}}}"#)), Value::Null);
        let big = r(r#"{"claim_status":"working","claim_kind":"x","expected_wallclock_minutes":9223372036854775807,
                        "policy":{"working_ttl_multiplier":2}}"#);
        assert_eq!(big, Value::Int(Int::Big("18446744073709551614".into())));
    }

    #[test]
    fn bad_args_name_the_field() {
        let e = call("claim_ttl.resolve_ttl_minutes", r#"{"claim_status":"working","claim_kind":"x"}"#).unwrap_err();
        assert!(e.message.contains("expected_wallclock_minutes"), "{}", e.message);
        let e = call(
            "claim_ttl.resolve_ttl_minutes",
            r#"{"claim_status":"working","claim_kind":"x","expected_wallclock_minutes":1,"policy":{"working_ttl_multiplier":"3"}}"#,
        )
        .unwrap_err();
        assert_eq!(e.message, "claim_ttl.resolve_ttl_minutes: args.policy.working_ttl_multiplier: expected int, got str");
        let e = call(
            "claim_ttl.resolve_ttl_minutes",
            r#"{"claim_status":"working","claim_kind":"x","expected_wallclock_minutes":1,"policy":{"bogus":3}}"#,
        )
        .unwrap_err();
        assert!(e.message.contains("args.policy") && e.message.contains("bogus"), "{}", e.message);
        let e = call("claim_ttl.expires_at_from", r#"{"now_ms":"x","ttl_minutes":1}"#).unwrap_err();
        assert_eq!(e.message, "claim_ttl.expires_at_from: args.now_ms: expected int, got str");
    }

    #[test]
    fn expiry_stamps() {
        let r = |s: &str| call("claim_ttl.expires_at_from", s);
        assert_eq!(r(r#"{"now_ms":0,"ttl_minutes":90}"#).unwrap(), Value::str("1970-01-01T01:30Z"));
        assert_eq!(r(r#"{"now_ms":0,"ttl_minutes":null}"#).unwrap(), Value::Null);
        assert_eq!(r(r#"{"now_ms":-1,"ttl_minutes":0}"#).unwrap(), Value::str("1969-12-31T23:59Z"));
        assert!(r(r#"{"now_ms":0,"ttl_minutes":9223372036854775807}"#).is_err());
    }

    #[test]
    fn kinds_lower_case_with_python_rules() {
        let r = |s: &str| call("claim_ttl.infer_kind", s).unwrap();
        assert_eq!(r(r#"{"entry":{"dispatched_by":"FANOUT-x"},"dispatcher_kinds":[["fanout-","hard"]]}"#), Value::str("hard"));
        assert_eq!(r(r#"{"entry":{"dispatched_by":"\u0130x"},"dispatcher_kinds":[["i","k"]]}"#), Value::str("k"));
        assert_eq!(r(r#"{"entry":{"dispatched_by":"\ud800A"},"dispatcher_kinds":[["\ud800a","k"]]}"#), Value::str("k"));
        assert_eq!(r(r#"{"entry":{"claim_kind":"hard","claim_expires_at":"x"}}"#), Value::str("hard"));
        assert_eq!(r(r#"{"entry":{"claim_kind":"HARD","claim_expires_at":"x"}}"#), Value::str("soft"));
    }
}
