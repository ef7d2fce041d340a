//! Run ids at the boundary: the clock and entropy a mint uses by default,
//! the lineage variables of this process and of a child, and `run.json`.
//!
//! The routed ops here (`mint`, `mint_child_from_env`, `write_run_json`,
//! `read_run_json`) join `dos-core`'s pure ones under the module name
//! `run_id` (`dos_core::durable::run_id::MODULE`).

use super::host;
use dos_core::durable::run_id::{self as rid, MintError, Parent, RunId};
use dos_core::envelope::{CallError, Ctx, ErrorCode};
use dos_core::pyjson::{self, Dict, Value};
use dos_core::route::{self, Describe, Effect, Module, Op, PyParam};
use serde::Deserialize;
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
pub fn write_run_json(run_dir: &Path, run: &RunId) -> io::Result<PathBuf> {
    fs::create_dir_all(run_dir)?;
    let target = run_dir.join(rid::RUN_JSON_NAME);
    let tmp = run_dir.join(format!("{}.tmp.{}.{}", rid::RUN_JSON_NAME, host::pid(), monotonic_ns()));
    let res = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(&rid::run_json_bytes(&run.to_value()))?;
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

// ------------------------------------------------------------------ routed ops

/// A pinned clock reading, else this host's clock.
fn clock_or_now(clock_ms: Option<i64>) -> i64 {
    clock_ms.unwrap_or_else(host::now_ms)
}

fn minted(op: &str, r: Result<RunId, MintError>) -> Result<RunId, CallError> {
    r.map_err(|e| CallError::bad_args(format!("{op}: {e}")))
}

/// Mint a run id for one invocation of a process: a root, or a child of
/// `parent` (a run, whose root it inherits, or only a parent's token).
/// `root_id` names the root explicitly (an empty one counts as none). The
/// clock and the entropy are this host's and libdos's own unless pinned.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Mint {
    /// The process slug (not empty); `PROC-` is put in front unless there.
    pub process_id: String,
    /// The parent: None for a root, a run (an object; its `run_id` and
    /// `root_id` are read), or anything else as its token (Python's `str`).
    #[serde(default)]
    #[describe(kw_only)]
    pub parent: Value,
    /// The root, when only its token is known.
    #[serde(default)]
    pub root_id: Option<String>,
    /// The epoch milliseconds to encode (None: this host's clock).
    #[serde(default)]
    pub clock_ms: Option<i64>,
    /// The entropy to encode, of which the low 30 bits are used (None:
    /// libdos's per-process entropy).
    #[serde(default)]
    pub entropy: Option<i64>,
}

impl Op for Mint {
    const NAME: &'static str = "run_id.mint";
    const EFFECT: Effect = Effect::ReadsFiles;
    type Verdict = RunId;

    fn run(self, _: &Ctx<'_>) -> Result<RunId, CallError> {
        let parent =
            rid::parent_from_value(Some(&self.parent)).map_err(|m| CallError::bad_args(format!("{}: args.parent: {m}", Self::NAME)))?;
        let clock = clock_or_now(self.clock_ms);
        let entropy = self.entropy.unwrap_or_else(default_entropy);
        minted(Self::NAME, rid::mint(&self.process_id, &parent, self.root_id.as_deref(), clock, entropy))
    }
}

/// A lineage variable of a given environment: None when absent or null.
fn env_text<'a>(op: &str, env: &'a Dict, key: &str) -> Result<Option<&'a str>, CallError> {
    let bad = |m: String| CallError::bad_args(format!("{op}: args.env.{key}: {m}"));
    match env.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Str(s)) => s.as_str().map(Some).ok_or_else(|| bad("holds a lone surrogate".into())),
        Some(other) => Err(bad(format!("must be a string, not {}", other.type_name()))),
    }
}

/// Mint a child run id inheriting the lineage a parent handed down in
/// `CID_*` variables: the parent is `CID_RUN_ID` (a root when unset), the
/// root `CID_ROOT_ID`, else the parent.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct MintChildFromEnv {
    /// The process slug (as for `mint`).
    pub process_id: String,
    /// The variables to read (None: this process's environment).
    #[serde(default)]
    #[describe(kw_only)]
    pub env: Option<Dict>,
    /// The epoch milliseconds to encode (None: this host's clock).
    #[serde(default)]
    pub clock_ms: Option<i64>,
    /// The entropy to encode (None: libdos's per-process entropy).
    #[serde(default)]
    pub entropy: Option<i64>,
}

impl Op for MintChildFromEnv {
    const NAME: &'static str = "run_id.mint_child_from_env";
    const EFFECT: Effect = Effect::ReadsFiles;
    type Verdict = RunId;

    fn run(self, _: &Ctx<'_>) -> Result<RunId, CallError> {
        let (run_var, root_var) = match &self.env {
            None => (var(rid::ENV_RUN_ID), var(rid::ENV_ROOT_ID)),
            Some(env) => (
                env_text(Self::NAME, env, rid::ENV_RUN_ID)?.map(str::to_string),
                env_text(Self::NAME, env, rid::ENV_ROOT_ID)?.map(str::to_string),
            ),
        };
        let (parent, root) = rid::child_lineage(run_var.as_deref(), root_var.as_deref());
        let clock = clock_or_now(self.clock_ms);
        let entropy = self.entropy.unwrap_or_else(default_entropy);
        minted(Self::NAME, rid::mint(&self.process_id, &parent, root.as_deref(), clock, entropy))
    }
}

/// Stamp a run directory's `run.json` (the directory made when missing),
/// through a private temporary file flushed to disk and renamed over the
/// old one; the path written.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct WriteRunJson {
    /// The run directory.
    #[describe(py = "run_dir: Path", via = "path_text")]
    pub run_dir: String,
    /// The run.
    pub run: RunId,
}

impl Op for WriteRunJson {
    const NAME: &'static str = "run_id.write_run_json";
    const EFFECT: Effect = Effect::WritesFiles;
    const PY_RESULT: Option<PyParam> = Some(PyParam { param: "Path", via: "as_path" });
    type Verdict = String;

    fn run(self, _: &Ctx<'_>) -> Result<String, CallError> {
        write_run_json(Path::new(&self.run_dir), &self.run)
            .map(|p| p.to_string_lossy().into_owned())
            .map_err(|e| CallError::new(ErrorCode::Io, format!("{}: cannot write run.json under {}: {e}", Self::NAME, self.run_dir)))
    }
}

/// A run directory's `run.json` as JSON; None when it is missing or
/// unreadable.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ReadRunJson {
    /// The run directory.
    #[describe(py = "run_dir: Path", via = "path_text")]
    pub run_dir: String,
}

impl Op for ReadRunJson {
    const NAME: &'static str = "run_id.read_run_json";
    const EFFECT: Effect = Effect::ReadsFiles;
    type Verdict = Value;

    fn run(self, _: &Ctx<'_>) -> Result<Value, CallError> {
        Ok(read_run_json(Path::new(&self.run_dir)).unwrap_or(Value::Null))
    }
}

/// `dos.run_id`'s clock, environment and file ops (its pure ops are `dos-core`'s).
pub const MODULE: Module = Module {
    name: "run_id",
    doc: rid::DOC,
    routes: &[route::route::<Mint>(), route::route::<MintChildFromEnv>(), route::route::<WriteRunJson>(), route::route::<ReadRunJson>()],
    consts: &[],
};

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
        let p = write_run_json(&dir, &a).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), rid::run_json(&a));
        let back: RunId = pyjson::from_value(&read_run_json(&dir).unwrap()).unwrap();
        assert_eq!(back, a);
        let names: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "{names:?}");
        let _ = fs::remove_dir_all(&dir);
    }
}
