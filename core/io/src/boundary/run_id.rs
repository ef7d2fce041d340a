//! Run ids at the boundary: the clock and entropy a mint uses by default,
//! the lineage variables of this process and of a child, and `run.json`.

use super::host;
use dos_core::durable::run_id::{self as rid, MintError, Parent, RunId};
use dos_core::envelope::{Args, CallError, Ctx, OpSpec};
use dos_core::pyjson::{self, Dict, Value};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

/// `CLOCK_MONOTONIC` in nanoseconds.
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64).wrapping_mul(1_000_000_000).wrapping_add(ts.tv_nsec as u64)
}

static MINT_SEQ: AtomicU64 = AtomicU64::new(0);

/// The default entropy: a per-process counter in the low bits (so two ids
/// minted by one process in one millisecond differ), this process's id and
/// the monotonic clock mixed into the rest.
pub fn default_entropy() -> i64 {
    let seq = MINT_SEQ.fetch_add(1, Ordering::Relaxed);
    let raw = seq ^ ((u64::from(host::pid()) << 13) ^ (monotonic_ns() << 7));
    (raw & ((1 << rid::ENTROPY_BITS) - 1)) as i64
}

/// Mint with this host's clock and the default entropy.
pub fn mint(process_id: &str, parent: &Parent, root_id: Option<&str>) -> Result<RunId, MintError> {
    rid::mint(process_id, parent, root_id, host::now_ms(), default_entropy())
}

fn var(name: &str) -> Option<String> {
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
}

/// Mint a child of the run named by this process's `CID_RUN_ID` (a root
/// when it is unset), inheriting `CID_ROOT_ID`.
pub fn mint_child_from_env(process_id: &str) -> Result<RunId, MintError> {
    let (parent, root) = rid::child_lineage(var(rid::ENV_RUN_ID).as_deref(), var(rid::ENV_ROOT_ID).as_deref());
    mint(process_id, &parent, root.as_deref())
}

/// Hand `run`'s lineage to a child process.
pub fn apply_lineage_env(cmd: &mut Command, run: &RunId) {
    for (k, v) in rid::lineage_env(run) {
        cmd.env(k, v);
    }
}

/// Write `run_dir/run.json` atomically (a private temporary file, flushed
/// to disk, then renamed over the old one).
pub fn write_run_json(run_dir: &Path, run: &Value) -> io::Result<PathBuf> {
    fs::create_dir_all(run_dir)?;
    let target = run_dir.join(rid::RUN_JSON_NAME);
    let tmp = run_dir.join(format!("{}.tmp.{}.{}", rid::RUN_JSON_NAME, host::pid(), monotonic_ns()));
    let res = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(&rid::run_json_bytes(run))?;
        f.sync_all()?;
        fs::rename(&tmp, &target)
    })();
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res.map(|()| target)
}

/// `run_dir/run.json` as JSON, `None` when it is missing or unreadable.
pub fn read_run_json(run_dir: &Path) -> Option<Value> {
    let bytes = fs::read(run_dir.join(rid::RUN_JSON_NAME)).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    pyjson::parse_str(text).ok()
}

// ---- envelope ops (the clock and entropy default to this host's) -----------

fn clock_and_entropy(a: &Args) -> Result<(i64, i64), CallError> {
    let clock = match a.opt_i64("clock_ms")? {
        Some(c) => c,
        None => host::now_ms(),
    };
    let entropy = match a.opt_i64("entropy")? {
        Some(e) => e,
        None => default_entropy(),
    };
    Ok((clock, entropy))
}

fn op_mint(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let process_id = a.str("process_id")?;
    let parent = rid::parent_from_value(a.get("parent")).map_err(|m| a.err(m))?;
    let root = a.opt_str("root_id")?;
    let (clock, entropy) = clock_and_entropy(a)?;
    rid::mint(process_id, &parent, root, clock, entropy).map(|r| r.to_value()).map_err(|e| a.err(e))
}

fn env_text<'a>(a: &Args, env: &'a Dict, key: &str) -> Result<Option<&'a str>, CallError> {
    match env.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Str(s)) => s.as_str().map(Some).ok_or_else(|| a.err(format_args!("env.{key} holds a lone surrogate"))),
        Some(other) => Err(a.err(format_args!("env.{key} must be a string, not {}", other.type_name()))),
    }
}

fn op_mint_child_from_env(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let process_id = a.str("process_id")?;
    let (run_var, root_var) = match a.get("env") {
        None => (var(rid::ENV_RUN_ID), var(rid::ENV_ROOT_ID)),
        Some(Value::Dict(env)) => {
            (env_text(a, env, rid::ENV_RUN_ID)?.map(str::to_string), env_text(a, env, rid::ENV_ROOT_ID)?.map(str::to_string))
        }
        Some(other) => return Err(a.err(format_args!("env must be an object, not {}", other.type_name()))),
    };
    let (parent, root) = rid::child_lineage(run_var.as_deref(), root_var.as_deref());
    let (clock, entropy) = clock_and_entropy(a)?;
    rid::mint(process_id, &parent, root.as_deref(), clock, entropy).map(|r| r.to_value()).map_err(|e| a.err(e))
}

fn op_write_run_json(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let run = rid::run_from_value(a.req("run")?).map_err(|m| a.err(m))?;
    let dir = a.str("run_dir")?;
    write_run_json(Path::new(dir), &run.to_value())
        .map(|p| Value::str(p.to_string_lossy().into_owned()))
        .map_err(|e| a.err(format_args!("cannot write run.json under {dir}: {e}")))
}

fn op_read_run_json(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    Ok(read_run_json(Path::new(a.str("run_dir")?)).unwrap_or(Value::Null))
}

pub const OPS: &[OpSpec] = &[
    OpSpec { name: "run_id.mint", args: &["process_id", "parent", "root_id", "clock_ms", "entropy"], run: op_mint },
    OpSpec { name: "run_id.mint_child_from_env", args: &["process_id", "env", "clock_ms", "entropy"], run: op_mint_child_from_env },
    OpSpec { name: "run_id.write_run_json", args: &["run_dir", "run"], run: op_write_run_json },
    OpSpec { name: "run_id.read_run_json", args: &["run_dir"], run: op_read_run_json },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_millisecond_mints_differ_and_run_json_round_trips() {
        let a = mint("t", &Parent::None, None).unwrap();
        let b = mint("t", &Parent::None, None).unwrap();
        assert_ne!(a.run_id, b.run_id);
        assert!(rid::is_run_id(&a.run_id));
        let dir = std::env::temp_dir().join(format!("dos-runjson-{}", host::pid()));
        let _ = fs::remove_dir_all(&dir);
        let p = write_run_json(&dir, &a.to_value()).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), rid::run_json(&a));
        assert_eq!(rid::run_from_value(&read_run_json(&dir).unwrap()), Ok(a.clone()));
        let names: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }
}
