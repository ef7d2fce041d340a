//! The record builders: one home for each op's shape.
//!
//! Fields arrive as JSON values because the reference accepts any Python
//! value there; what the reference stringifies (`str(x)`) is stringified the
//! same way. Key order is the reference's insertion order (the bytes on disk
//! are sorted anyway). Clock values (`heartbeat_at` defaults) are the
//! caller's: builders never read the clock.

use super::{
    LANE_JOURNAL_SCHEMA, OP_ACQUIRE, OP_ADOPT, OP_ATTEMPT, OP_ENFORCE, OP_HALT, OP_HEARTBEAT, OP_REFUSE, OP_RELEASE, OP_SCAVENGE, OP_SPAWN,
    SCHEMA_FAMILY,
};
use crate::pyjson::{py_str, Dict, Value};

fn field(lease: &Dict, key: &str) -> Value {
    lease.get(key).cloned().unwrap_or(Value::Null)
}

fn or_value(a: &Value, b: Value) -> Value {
    if a.truthy() {
        a.clone()
    } else {
        b
    }
}

/// Python's `list(x)` for a JSON value: a list's items, an object's keys, a
/// string's characters; `None` for what `list()` refuses.
pub(crate) fn py_list(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(items) => Some(items.clone()),
        Value::Dict(d) => Some(d.keys().map(|k| Value::Str(k.clone())).collect()),
        Value::Str(s) => Some(
            s.code_points()
                .map(|cp| match char::from_u32(cp) {
                    Some(c) => Value::str(c.to_string()),
                    None => Value::Str(crate::pyjson::Str::Utf16(vec![cp as u16])),
                })
                .collect(),
        ),
        _ => None,
    }
}

/// Optional arguments of [`acquire_entry`]; callers fill the reference's
/// defaults (`reason` is `""`, the rest `None`).
#[derive(Debug, Clone)]
pub struct AcquireExtras {
    pub reason: Value,
    pub prev_holder: Value,
    pub env_digest: Value,
    pub children: Value,
    pub run_id: Value,
}

/// An ACQUIRE record for a freshly minted lease.
pub fn acquire_entry(lease: &Dict, x: &AcquireExtras) -> Result<Dict, String> {
    let mut e = Dict::with_capacity(12);
    e.push("op", Value::str(OP_ACQUIRE));
    for k in ["lane", "lane_kind", "tree", "loop_ts", "host_id", "pid", "ttl_minutes"] {
        e.push(k, field(lease, k));
    }
    e.push("prev_holder", x.prev_holder.clone());
    e.push("reason", x.reason.clone());
    let mut body = lease.clone();
    let rid = if x.run_id.is_null() { field(lease, "run_id") } else { x.run_id.clone() };
    if rid.truthy() {
        body.insert("run_id", Value::Str(py_str(&rid)));
    }
    let kids = if x.children.is_null() { field(lease, "children") } else { x.children.clone() };
    if kids.truthy() {
        let items = py_list(&kids).ok_or_else(|| format!("children must be iterable, not {}", kids.type_name()))?;
        body.insert("children", Value::List(items));
    }
    e.push("lease", Value::Dict(body));
    if x.env_digest.truthy() {
        e.push("env_digest", x.env_digest.clone());
    }
    Ok(e)
}

/// A RELEASE record (the reference's default reason is `"explicit"`).
pub fn release_entry(lease: &Dict, reason: &Value) -> Dict {
    let mut e = Dict::with_capacity(5);
    e.push("op", Value::str(OP_RELEASE));
    e.push("lane", field(lease, "lane"));
    e.push("loop_ts", field(lease, "loop_ts"));
    e.push("host_id", field(lease, "host_id"));
    e.push("reason", reason.clone());
    e
}

/// A HEARTBEAT record; `heartbeat_at` only when given (truthy).
pub fn heartbeat_entry(lease: &Dict, heartbeat_at: &Value) -> Dict {
    let mut e = Dict::with_capacity(5);
    e.push("op", Value::str(OP_HEARTBEAT));
    e.push("lane", field(lease, "lane"));
    e.push("loop_ts", field(lease, "loop_ts"));
    e.push("host_id", field(lease, "host_id"));
    if heartbeat_at.truthy() {
        e.push("heartbeat_at", heartbeat_at.clone());
    }
    e
}

/// An ADOPT record moving a live lease to `new_holder`; `heartbeat_at` is
/// the caller's clock when the caller passed none.
pub fn adopt_entry(lease: &Dict, new_holder: &Value, new_pid: &Value, new_host_id: &Value, heartbeat_at: &Value, reason: &Value) -> Dict {
    let mut e = Dict::with_capacity(9);
    e.push("op", Value::str(OP_ADOPT));
    e.push("lane", field(lease, "lane"));
    e.push("loop_ts", field(lease, "loop_ts"));
    e.push("holder", new_holder.clone());
    e.push("pid", new_pid.clone());
    e.push("host_id", or_value(new_host_id, field(lease, "host_id")));
    e.push("prev_holder", field(lease, "holder"));
    e.push("heartbeat_at", heartbeat_at.clone());
    e.push("reason", reason.clone());
    e
}

/// An ATTEMPT record (the only lane-journal record carrying a schema tag).
pub fn attempt_entry(unit_id: &Value, outcome: &Value, run_id: &Value, lane: &Value, loop_ts: &Value, host_id: &Value) -> Dict {
    let mut tag = Dict::with_capacity(2);
    tag.push("family", Value::str(SCHEMA_FAMILY));
    tag.push("version", Value::int(LANE_JOURNAL_SCHEMA));
    let mut e = Dict::with_capacity(8);
    e.push("schema", Value::Dict(tag));
    e.push("op", Value::str(OP_ATTEMPT));
    e.push("unit_id", Value::Str(py_str(unit_id)));
    e.push("outcome", Value::Str(py_str(outcome)));
    e.push("lane", lane.clone());
    e.push("loop_ts", loop_ts.clone());
    e.push("host_id", host_id.clone());
    if !run_id.is_null() {
        e.push("run_id", Value::Str(py_str(run_id)));
    }
    e
}

/// A SPAWN record: a run is about to take `lane`.
pub fn spawn_entry(lane: &Value, loop_ts: &Value, holder: &Value, host_id: &Value, pid: &Value, run_id: &Value, reason: &Value) -> Dict {
    let mut e = Dict::with_capacity(8);
    e.push("op", Value::str(OP_SPAWN));
    e.push("lane", lane.clone());
    e.push("loop_ts", loop_ts.clone());
    e.push("holder", holder.clone());
    e.push("host_id", host_id.clone());
    e.push("pid", pid.clone());
    e.push("reason", reason.clone());
    if !run_id.is_null() {
        e.push("run_id", Value::Str(py_str(run_id)));
    }
    e
}

/// A SCAVENGE record (the reference's default reason is `"scavenged"`).
pub fn scavenge_entry(lease: &Dict, reason: &Value, prev_holder: &Value) -> Dict {
    let mut e = Dict::with_capacity(7);
    e.push("op", Value::str(OP_SCAVENGE));
    e.push("lane", field(lease, "lane"));
    e.push("loop_ts", field(lease, "loop_ts"));
    e.push("host_id", field(lease, "host_id"));
    e.push("pid", field(lease, "pid"));
    e.push("prev_holder", prev_holder.clone());
    e.push("reason", reason.clone());
    e
}

/// A HALT record: the intent to stop `handle` (never a signal).
pub fn halt_entry(handle: &Value, reason: &Value, lane: &Value, loop_ts: &Value, host_id: &Value, run_id: &Value, command: &Value) -> Dict {
    let mut e = Dict::with_capacity(8);
    e.push("op", Value::str(OP_HALT));
    e.push("handle", handle.clone());
    e.push("lane", lane.clone());
    e.push("loop_ts", loop_ts.clone());
    e.push("host_id", host_id.clone());
    e.push("run_id", run_id.clone());
    e.push("command", command.clone());
    e.push("reason", reason.clone());
    e
}

/// A REFUSE record for a denied request; `decision` supplies `lane` and
/// `reason` (as a `LaneDecision` does).
pub fn refuse_entry(
    decision: &Dict,
    owner: &Value,
    lane: &Value,
    loop_ts: &Value,
    host_id: &Value,
    run_id: &Value,
    reason_class: &Value,
) -> Dict {
    let d_lane = field(decision, "lane");
    let mut e = Dict::with_capacity(8);
    e.push("op", Value::str(OP_REFUSE));
    e.push("lane", or_value(lane, or_value(&d_lane, Value::str(""))));
    e.push("loop_ts", loop_ts.clone());
    e.push("host_id", host_id.clone());
    e.push("run_id", run_id.clone());
    e.push("holder", owner.clone());
    e.push("reason", or_value(&field(decision, "reason"), Value::str("")));
    e.push("reason_class", reason_class.clone());
    e
}

/// An ENFORCE record for an effect proposal given as its `to_dict()` body.
pub fn enforce_entry(proposal: &Dict, owner: &Value, lane: &Value, loop_ts: &Value, host_id: &Value, run_id: &Value, tool: &Value) -> Dict {
    let body = proposal;
    let text_or_empty = |k: &str| match body.get(k) {
        Some(v) if v.truthy() => v.clone(),
        _ => Value::str(""),
    };
    let rung = match body.get("intervention") {
        Some(v) if v.truthy() => Value::Str(py_str(v)),
        _ => Value::str(""),
    };
    let dispatch = body.get("dispatch_call").filter(|v| !v.is_null());
    let mut e = Dict::with_capacity(14);
    e.push("op", Value::str(OP_ENFORCE));
    e.push("lane", lane.clone());
    e.push("loop_ts", loop_ts.clone());
    e.push("host_id", host_id.clone());
    e.push("run_id", run_id.clone());
    e.push("holder", owner.clone());
    e.push("tool", tool.clone());
    e.push("intervention", rung);
    e.push("dispatch_call", dispatch.map_or(Value::Null, |d| Value::Bool(d.truthy())));
    e.push("withheld", dispatch.map_or(Value::Null, |d| Value::Bool(!d.truthy())));
    e.push("handler", text_or_empty("handler"));
    e.push("reason", text_or_empty("reason"));
    e.push("reason_class", text_or_empty("reason_class"));
    e.push("proposal", Value::Dict(body.clone()));
    e
}
