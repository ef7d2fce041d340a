//! Pure rules of the lease verbs: which live lease a verb acts on, and when
//! a lease is provably dead in the contention view. No I/O: the clock and
//! the process probe arrive as values.

use crate::pyjson::{py_str, Dict, Str, Value};
use crate::pytime;

/// A lease field as `str(x or "")` renders it.
fn text(l: &Dict, key: &str) -> Str {
    match l.get(key) {
        Some(v) if v.truthy() => py_str(v),
        _ => Str::Utf8(String::new()),
    }
}

fn text_is(l: &Dict, key: &str, want: &str) -> bool {
    text(l, key).as_str() == Some(want)
}

/// `l.get("lane") == lane` (a non-string lane never equals).
fn lane_is(l: &Dict, lane: &str) -> bool {
    matches!(l.get("lane"), Some(Value::Str(s)) if s.as_str() == Some(lane))
}

/// `release`: the newest live lease on `lane` (and `loop_ts` when given)
/// that `owner` may release: any lease for an empty owner, a lease with no
/// holder for anyone, else a lease whose holder reads as `owner`.
pub fn pick_release<'a>(live: &'a [Dict], lane: &str, owner: &str, loop_ts: &str) -> Option<&'a Dict> {
    live.iter().filter(|l| lane_is(l, lane)).filter(|l| loop_ts.is_empty() || text_is(l, "loop_ts", loop_ts)).rfind(|l| {
        let holder = l.get("holder");
        let open = matches!(holder, None | Some(Value::Null)) || owner.is_empty();
        let same = matches!(holder, Some(Value::Str(s)) if s.as_str() == Some(owner));
        open || same || text_is(l, "holder", owner)
    })
}

/// `adopt`: the newest live lease on `lane` (and `loop_ts` when given).
pub fn pick_adopt<'a>(live: &'a [Dict], lane: &str, loop_ts: &str) -> Option<&'a Dict> {
    live.iter().filter(|l| lane_is(l, lane)).rfind(|l| loop_ts.is_empty() || text_is(l, "loop_ts", loop_ts))
}

/// `heartbeat`: the newest live lease on `lane` held by exactly `owner`
/// (an empty owner beats nothing).
pub fn pick_heartbeat<'a>(live: &'a [Dict], lane: &str, owner: &str, loop_ts: &str) -> Option<&'a Dict> {
    if owner.is_empty() {
        return None;
    }
    live.iter()
        .filter(|l| lane_is(l, lane))
        .filter(|l| loop_ts.is_empty() || text_is(l, "loop_ts", loop_ts))
        .rfind(|l| text_is(l, "holder", owner))
}

/// `halt`'s correlation: the first live lease matching `lane`/`loop_ts`
/// when either is given, else the first whose pid reads as `handle`.
pub fn pick_halt<'a>(live: &'a [Dict], handle: &str, lane: &str, loop_ts: &str) -> Option<&'a Dict> {
    live.iter().find(|l| {
        (lane.is_empty() || text_is(l, "lane", lane))
            && (loop_ts.is_empty() || text_is(l, "loop_ts", loop_ts))
            && (!lane.is_empty() || !loop_ts.is_empty() || text_is(l, "pid", handle))
    })
}

/// Whether a lease's newest stamp is within `coalesce_within_s` of `now_ms`
/// (a heartbeat that may be skipped).
pub fn beat_is_recent(lease: &Dict, now_ms: i64, coalesce_within_s: f64) -> bool {
    let stamp = match lease.get("heartbeat_at") {
        Some(v) if v.truthy() => Some(v),
        _ => lease.get("acquired_at"),
    };
    let Some(t) = stamp.and_then(Value::as_str).and_then(pytime::parse_seconds_stamp) else { return false };
    ((now_ms - t) as f64 / 1000.0) < coalesce_within_s
}

/// The backstop TTL of a lease that declares none, in minutes.
pub const DEFAULT_LIVE_TTL_MINUTES: f64 = 50.0;
/// The grace past a lease's TTL before the contention view drops it.
pub const LIVE_TTL_GRACE_MINUTES: f64 = 5.0;

/// The pid a probe may check: the lease's `pid` when it is an integer.
pub fn probe_pid_of(lease: &Dict) -> Option<i64> {
    match lease.get("pid") {
        Some(Value::Int(i)) => Some(i.as_i64().unwrap_or(i64::MAX)),
        Some(Value::Bool(b)) => Some(*b as i64),
        _ => None,
    }
}

/// `host_id or ""` of a lease, for the probe's foreign-host check.
pub fn host_of(lease: &Dict) -> String {
    match lease.get("host_id") {
        Some(Value::Str(s)) => s.as_str().unwrap_or_default().to_string(),
        Some(v) if v.truthy() => py_str(v).as_str().unwrap_or_default().to_string(),
        _ => String::new(),
    }
}

/// Is the lease provably dead at `now_ms`? `alive` is the process probe's
/// answer for the lease's pid (`None`: cannot tell). A lease stamped within
/// the grace is never dead; a dead pid past the grace is; otherwise it is
/// dead once older than its TTL (or the 50-minute backstop) plus the grace.
/// A lease with no readable stamp is kept.
pub fn lease_is_dead(lease: &Dict, now_ms: i64, alive: Option<bool>) -> bool {
    let stamp = match lease.get("heartbeat_at") {
        Some(v) if v.truthy() => Some(v),
        _ => lease.get("acquired_at").filter(|v| v.truthy()),
    };
    let age_min = stamp.and_then(Value::as_str).and_then(pytime::parse_iso).map(|t| (now_ms - t) as f64 / 60_000.0);
    let ttl = match lease.get("ttl_minutes") {
        Some(Value::Int(i)) if !i.to_string().starts_with('-') && i.as_i64() != Some(0) => i.as_i64().map_or(f64::INFINITY, |v| v as f64),
        Some(Value::Bool(true)) => 1.0,
        // NaN is not `<= 0`, so the reference takes it as a TTL too.
        Some(Value::Float(f)) if f.is_nan() || *f > 0.0 => *f,
        _ => DEFAULT_LIVE_TTL_MINUTES,
    };
    if let Some(age) = age_min {
        if age <= LIVE_TTL_GRACE_MINUTES {
            return false;
        }
    }
    if alive == Some(false) && age_min.is_some() {
        return true;
    }
    match age_min {
        None => false,
        Some(age) => age > ttl + LIVE_TTL_GRACE_MINUTES,
    }
}
