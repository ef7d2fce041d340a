//! Envelope ops over the pure journal: decoding, folding, encoding, builders.
//!
//! Journal contents travel as `text` (the file's text) or as `entries` (the
//! records `read_all` returns). Builder arguments take the reference's
//! defaults when absent; an explicit `null` is passed on as `None`.

use super::records::{self, AcquireExtras};
use super::{codec, fold};
use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::{Dict, Value};

fn entries<'a>(a: &Args<'a>) -> Result<Vec<&'a Dict>, CallError> {
    a.list("entries")?
        .iter()
        .enumerate()
        .map(|(i, v)| v.as_dict().ok_or_else(|| a.err(format_args!("entries[{i}] must be an object, not {}", v.type_name()))))
        .collect()
}

fn dicts(v: Vec<Dict>) -> Value {
    Value::List(v.into_iter().map(Value::Dict).collect())
}

fn op_read_all(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let text = a.str("text")?;
    Ok(dicts(codec::decode(text.as_bytes())))
}

fn op_replay(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(dicts(fold::replay(entries(a)?)))
}

fn op_compact(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let owned: Vec<Dict> = entries(a)?.into_iter().cloned().collect();
    Ok(dicts(fold::compact(&owned)))
}

fn op_next_seq(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::Int(fold::next_seq(entries(a)?)))
}

fn op_encode_line(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let entry = a.req("entry")?;
    if entry.as_dict().is_none() {
        return Err(a.err(format_args!("entry must be an object, not {}", entry.type_name())));
    }
    let line = codec::encode_line(entry)
        .map_err(|e| a.err(format_args!("entry holds a lone surrogate (U+{:04X}); it cannot be written as UTF-8", e.0)))?;
    Ok(Value::str(String::from_utf8_lossy(&line).into_owned()))
}

fn arg(a: &Args, key: &str, default: Value) -> Value {
    a.get(key).cloned().unwrap_or(default)
}

fn null(a: &Args, key: &str) -> Value {
    arg(a, key, Value::Null)
}

fn empty(a: &Args, key: &str) -> Value {
    arg(a, key, Value::str(""))
}

fn obj<'a>(a: &Args<'a>, key: &str) -> Result<&'a Dict, CallError> {
    let v = a.req(key)?;
    v.as_dict().ok_or_else(|| a.err(format_args!("{key} must be an object, not {}", v.type_name())))
}

fn op_acquire_entry(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let x = AcquireExtras {
        reason: empty(a, "reason"),
        prev_holder: null(a, "prev_holder"),
        env_digest: empty(a, "env_digest"),
        children: null(a, "children"),
        run_id: null(a, "run_id"),
    };
    records::acquire_entry(obj(a, "lease")?, &x).map(Value::Dict).map_err(|m| a.err(m))
}

fn op_release_entry(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::Dict(records::release_entry(obj(a, "lease")?, &arg(a, "reason", Value::str("explicit")))))
}

fn op_heartbeat_entry(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::Dict(records::heartbeat_entry(obj(a, "lease")?, &empty(a, "heartbeat_at"))))
}

fn op_adopt_entry(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    // The reference stamps the current time when `heartbeat_at` is empty; a
    // pure op cannot read the clock, so the caller must supply it.
    let hb = a.req("heartbeat_at")?.clone();
    if !hb.truthy() {
        return Err(a.err("heartbeat_at must be given (the op never reads the clock)"));
    }
    Ok(Value::Dict(records::adopt_entry(
        obj(a, "lease")?,
        a.req("new_holder")?,
        &null(a, "new_pid"),
        &empty(a, "new_host_id"),
        &hb,
        &empty(a, "reason"),
    )))
}

fn op_attempt_entry(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::Dict(records::attempt_entry(
        a.req("unit_id")?,
        a.req("outcome")?,
        &null(a, "run_id"),
        &empty(a, "lane"),
        &empty(a, "loop_ts"),
        &null(a, "host_id"),
    )))
}

fn op_spawn_entry(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::Dict(records::spawn_entry(
        a.req("lane")?,
        &empty(a, "loop_ts"),
        &empty(a, "holder"),
        &null(a, "host_id"),
        &null(a, "pid"),
        &null(a, "run_id"),
        &empty(a, "reason"),
    )))
}

fn op_scavenge_entry(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::Dict(records::scavenge_entry(obj(a, "lease")?, &arg(a, "reason", Value::str("scavenged")), &null(a, "prev_holder"))))
}

fn op_halt_entry(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::Dict(records::halt_entry(
        a.req("handle")?,
        &empty(a, "reason"),
        &empty(a, "lane"),
        &empty(a, "loop_ts"),
        &null(a, "host_id"),
        &null(a, "run_id"),
        &null(a, "command"),
    )))
}

fn op_refuse_entry(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(Value::Dict(records::refuse_entry(
        obj(a, "decision")?,
        a.req("owner")?,
        &empty(a, "lane"),
        &empty(a, "loop_ts"),
        &null(a, "host_id"),
        &null(a, "run_id"),
        &empty(a, "reason_class"),
    )))
}

fn op_enforce_entry(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let empty_dict = Dict::new();
    let proposal = match a.get("proposal") {
        None | Some(Value::Null) => &empty_dict,
        Some(Value::Dict(d)) => d,
        Some(other) => return Err(a.err(format_args!("proposal must be an object, not {}", other.type_name()))),
    };
    Ok(Value::Dict(records::enforce_entry(
        proposal,
        &empty(a, "owner"),
        &empty(a, "lane"),
        &empty(a, "loop_ts"),
        &null(a, "host_id"),
        &null(a, "run_id"),
        &empty(a, "tool"),
    )))
}

fn op_checkpoint_entry(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let leases: Vec<Dict> = a
        .list("leases")?
        .iter()
        .map(|v| v.as_dict().cloned().ok_or_else(|| a.err("leases must hold objects")))
        .collect::<Result<_, _>>()?;
    let w = match a.req("seq_watermark")? {
        Value::Int(i) => i.clone(),
        other => return Err(a.err(format_args!("seq_watermark must be an integer, not {}", other.type_name()))),
    };
    Ok(Value::Dict(fold::checkpoint_entry(leases, w)))
}

pub(crate) const OPS: &[OpSpec] = &[
    OpSpec { name: "lane_journal.read_all", args: &["text"], run: op_read_all },
    OpSpec { name: "lane_journal.replay", args: &["entries"], run: op_replay },
    OpSpec { name: "lane_journal.compact", args: &["entries"], run: op_compact },
    OpSpec { name: "lane_journal.next_seq", args: &["entries"], run: op_next_seq },
    OpSpec { name: "lane_journal.encode_line", args: &["entry"], run: op_encode_line },
    OpSpec {
        name: "lane_journal.acquire_entry",
        args: &["lease", "reason", "prev_holder", "env_digest", "children", "run_id"],
        run: op_acquire_entry,
    },
    OpSpec { name: "lane_journal.release_entry", args: &["lease", "reason"], run: op_release_entry },
    OpSpec { name: "lane_journal.heartbeat_entry", args: &["lease", "heartbeat_at"], run: op_heartbeat_entry },
    OpSpec {
        name: "lane_journal.adopt_entry",
        args: &["lease", "new_holder", "new_pid", "new_host_id", "heartbeat_at", "reason"],
        run: op_adopt_entry,
    },
    OpSpec {
        name: "lane_journal.attempt_entry",
        args: &["unit_id", "outcome", "run_id", "lane", "loop_ts", "host_id"],
        run: op_attempt_entry,
    },
    OpSpec {
        name: "lane_journal.spawn_entry",
        args: &["lane", "loop_ts", "holder", "host_id", "pid", "run_id", "reason"],
        run: op_spawn_entry,
    },
    OpSpec { name: "lane_journal.scavenge_entry", args: &["lease", "reason", "prev_holder"], run: op_scavenge_entry },
    OpSpec {
        name: "lane_journal.halt_entry",
        args: &["handle", "reason", "lane", "loop_ts", "host_id", "run_id", "command"],
        run: op_halt_entry,
    },
    OpSpec {
        name: "lane_journal.refuse_entry",
        args: &["decision", "owner", "lane", "loop_ts", "host_id", "run_id", "reason_class"],
        run: op_refuse_entry,
    },
    OpSpec {
        name: "lane_journal.enforce_entry",
        args: &["proposal", "owner", "lane", "loop_ts", "host_id", "run_id", "tool"],
        run: op_enforce_entry,
    },
    OpSpec { name: "lane_journal.checkpoint_entry", args: &["leases", "seq_watermark"], run: op_checkpoint_entry },
];
