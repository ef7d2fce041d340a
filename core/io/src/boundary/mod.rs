//! The boundary: the only code in `dos-core` that touches files, the clock,
//! the environment or other processes (the durable files live in the
//! submodules below). Deciders never import it; config
//! builders call it once and hand the results on as data.
//!
//! - workspace root resolution: an explicit path › `DISPATCH_WORKSPACE` ›
//!   the current directory, made absolute with symlinks resolved (Python's
//!   non-strict `Path.resolve()`);
//! - the runtime-file probe behind [`WorkspaceFacts`];
//! - reading `<root>/dos.toml`;
//! - a process-wide cache of configs built from a workspace, checked against
//!   the `dos.toml` on disk so an edit is picked up;
//! - [`wsfile`]: how workspace files are opened and read (non-blocking,
//!   regular files only, capped or streamed), for `dos.toml`, the journal,
//!   the session files and the caches alike.

pub mod archive_lock;
pub mod export_cursor;
pub mod filelock;
pub mod host;
pub mod id_alloc;
pub mod intent_ledger;
pub mod journal;
pub mod jsonl;
pub mod lane_lease;
pub mod lease;
pub(crate) mod ops;
pub mod pg;
pub mod pg_tls;
pub mod run_id;
pub mod store;
pub mod verdict_journal;
pub mod wsfile;

use dos_core::config::facts::DISPATCH_RUNTIME_FILES;
use dos_core::config::layer::{self, Doc, Loaded, Preset};
use dos_core::config::{toml_text, SubstrateConfig, WorkspaceFacts};
use dos_core::envelope::{CallError, ErrorCode};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// The variable naming the workspace when no explicit one is given.
pub const ENV_WORKSPACE: &str = "DISPATCH_WORKSPACE";

fn io_error(what: &str, path: &Path, e: std::io::Error) -> CallError {
    CallError::new(ErrorCode::BadConfig, format!("{what} {}: {e}", path.display()))
}

/// Python's `os.path.realpath(p)` (non-strict): symlinks resolved along the
/// part of the path that exists, the rest kept as written.
pub fn realpath(p: &Path) -> PathBuf {
    let abs =
        if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().map(|c| c.join(p)).unwrap_or_else(|_| p.to_path_buf()) };
    let mut out = PathBuf::from("/");
    resolve_into(&mut out, &abs, 0);
    out
}

fn resolve_into(out: &mut PathBuf, rest: &Path, depth: usize) {
    use std::path::Component;
    for comp in rest.components() {
        match comp {
            Component::RootDir => *out = PathBuf::from("/"),
            Component::Prefix(_) | Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(name) => {
                let next = out.join(name);
                match std::fs::symlink_metadata(&next) {
                    Ok(m) if m.file_type().is_symlink() && depth < 40 => match std::fs::read_link(&next) {
                        Ok(target) => {
                            if target.is_absolute() {
                                *out = PathBuf::from("/");
                            }
                            resolve_into(out, &target, depth + 1);
                        }
                        Err(_) => *out = next,
                    },
                    _ => *out = next,
                }
            }
        }
    }
}

fn path_text(p: &Path) -> Result<String, CallError> {
    p.to_str()
        .map(str::to_string)
        .ok_or_else(|| CallError::new(ErrorCode::BadConfig, format!("the workspace path {} is not UTF-8", p.display())))
}

/// `resolve_workspace_root`: `explicit` › `$DISPATCH_WORKSPACE` › the
/// current directory, absolute and with symlinks resolved.
pub fn resolve_workspace_root(explicit: Option<&str>) -> Result<String, CallError> {
    if let Some(p) = explicit {
        return path_text(&realpath(Path::new(p)));
    }
    if let Some(env) = std::env::var_os(ENV_WORKSPACE) {
        if !env.is_empty() {
            return path_text(&realpath(Path::new(&env)));
        }
    }
    let cwd = std::env::current_dir().map_err(|e| io_error("cannot read the current directory", Path::new("."), e))?;
    path_text(&realpath(&cwd))
}

/// Which of the kernel runtime files exist under `root`, in the list's order.
pub fn probe_runtime_files(root: &str) -> Vec<String> {
    let r = Path::new(root);
    DISPATCH_RUNTIME_FILES.iter().filter(|f| r.join(f).exists()).map(|f| f.to_string()).collect()
}

/// `gather_workspace_facts` for an already-resolved root.
pub fn gather_workspace_facts(root: &str) -> WorkspaceFacts {
    WorkspaceFacts::new(root, probe_runtime_files(root))
}

/// The largest `dos.toml` read ([`read_dos_toml`]); a larger one is an
/// unreadable file.
pub const DOS_TOML_CAP: u64 = 4 << 20;

/// Read `<root>/dos.toml`: absent when there is no such file; text that is
/// not UTF-8 or not TOML becomes [`Doc::Invalid`] (every table warns); a file
/// that exists but cannot be read is an error, as it is for the reference.
/// So is one that is not a regular file (a FIFO, a device, a directory:
/// opened without blocking and refused) or is larger than [`DOS_TOML_CAP`].
pub fn read_dos_toml(root: &str) -> Result<Doc, CallError> {
    let path = Path::new(root).join("dos.toml");
    if !path.exists() {
        return Ok(Doc::Absent);
    }
    let bytes = wsfile::read_whole(&path, DOS_TOML_CAP).map_err(|e| io_error("cannot read", &path, e))?;
    Ok(toml_text::parse_bytes(&bytes))
}

/// `load_workspace_config(workspace, job=…)` / the `--driver workshop` base:
/// resolve the root, probe it, read its `dos.toml` and layer it.
pub fn load_workspace_config(workspace: Option<&str>, preset: Preset) -> Result<Loaded, CallError> {
    let root = resolve_workspace_root(workspace)?;
    let facts = gather_workspace_facts(&root);
    let doc = read_dos_toml(&root)?;
    layer::load(preset, &root, Some(facts), &doc)
}

/// `job_config(workspace)`: the job base with `dos.toml` layered once.
pub fn job_config(workspace: Option<&str>) -> Result<Loaded, CallError> {
    let root = resolve_workspace_root(workspace)?;
    let facts = gather_workspace_facts(&root);
    let doc = read_dos_toml(&root)?;
    layer::job_config(&root, Some(facts), &doc)
}

/// `default_config(workspace)`: the generic preset, facts probed, no `dos.toml`.
pub fn default_config(workspace: Option<&str>) -> Result<SubstrateConfig, CallError> {
    let root = resolve_workspace_root(workspace)?;
    let facts = gather_workspace_facts(&root);
    Ok(SubstrateConfig::generic(&root, Some(facts)))
}

/// `workshop_config(workspace)`: the workshop preset, facts probed, no `dos.toml`.
pub fn workshop_config(workspace: Option<&str>) -> Result<SubstrateConfig, CallError> {
    let root = resolve_workspace_root(workspace)?;
    let facts = gather_workspace_facts(&root);
    Ok(SubstrateConfig::workshop(&root, Some(facts)))
}

// ------------------------------------------------------------- the cache

/// What a cached build saw of `dos.toml`: its device, inode, size, mtime
/// and ctime (seconds and nanoseconds), `None` if absent. The ctime catches
/// a same-size rewrite whose mtime was put back (`cp -p`, `rsync -t`,
/// `tar x`): nothing but the kernel sets it.
type Stamp = Option<[i64; 7]>;

fn stamp_of(root: &str) -> Stamp {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(Path::new(root).join("dos.toml")).ok()?;
    Some([m.dev() as i64, m.ino() as i64, m.size() as i64, m.mtime(), m.mtime_nsec(), m.ctime(), m.ctime_nsec()])
}

struct Entry {
    stamp: Stamp,
    loaded: Arc<Loaded>,
}

const CACHE_LIMIT: usize = 64;

fn cache() -> &'static Mutex<HashMap<String, Entry>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Entry>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// A config built from an inline object that names a workspace, reused while
/// that workspace's `dos.toml` is unchanged. `key` identifies the object
/// (its compact JSON); the root is resolved on every call, so a change of
/// directory or of `DISPATCH_WORKSPACE` is honoured.
pub fn cached(key: &str, root_hint: Option<&str>, build: impl FnOnce() -> Result<Loaded, CallError>) -> Result<Arc<Loaded>, CallError> {
    let root = resolve_workspace_root(root_hint)?;
    let full_key = format!("{root}\u{0}{key}");
    let stamp = stamp_of(&root);
    if let Ok(map) = cache().lock() {
        if let Some(e) = map.get(&full_key) {
            if e.stamp == stamp {
                return Ok(Arc::clone(&e.loaded));
            }
        }
    }
    let loaded = Arc::new(build()?);
    if let Ok(mut map) = cache().lock() {
        if map.len() >= CACHE_LIMIT && !map.contains_key(&full_key) {
            map.clear();
        }
        map.insert(full_key, Entry { stamp, loaded: Arc::clone(&loaded) });
    }
    Ok(loaded)
}

/// A config built from an inline object that names no workspace, reused
/// for the same object text.
pub fn cached_inline(key: &str, build: impl FnOnce() -> Result<Loaded, CallError>) -> Result<Arc<Loaded>, CallError> {
    let full_key = format!("\u{1}{key}");
    if let Ok(map) = cache().lock() {
        if let Some(e) = map.get(&full_key) {
            return Ok(Arc::clone(&e.loaded));
        }
    }
    let loaded = Arc::new(build()?);
    if let Ok(mut map) = cache().lock() {
        if map.len() >= CACHE_LIMIT && !map.contains_key(&full_key) {
            map.clear();
        }
        map.insert(full_key, Entry { stamp: None, loaded: Arc::clone(&loaded) });
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn realpath_keeps_missing_tails() {
        let tmp = std::env::temp_dir();
        let real_tmp = realpath(&tmp);
        let p = realpath(&tmp.join("libdos-no-such-dir/./a/../b"));
        assert_eq!(p, real_tmp.join("libdos-no-such-dir/b"));
    }

    #[test]
    fn probe_and_read() {
        let dir = std::env::temp_dir().join(format!("libdos-boundary-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src/dos")).unwrap();
        std::fs::write(dir.join("src/dos/config.py"), "").unwrap();
        std::fs::write(dir.join("dos.toml"), "[lanes]\nexclusive = [\"x\"]\n").unwrap();
        let root = resolve_workspace_root(dir.to_str()).unwrap();
        assert_eq!(probe_runtime_files(&root), vec!["src/dos/config.py".to_string()]);
        let l = load_workspace_config(Some(&root), Preset::Generic).unwrap();
        assert_eq!(l.config.lanes.exclusive, vec!["x".to_string()]);
        assert!(l.config.workspace.as_ref().unwrap().is_kernel_repo);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
