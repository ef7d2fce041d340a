//! `dos-hook install` and `dos-hook uninstall`: wire the hook verbs into an
//! agent runtime's own settings file, in the shapes docs/hooks.md shows.
//!
//! `install` keeps every key and entry that is not a DOS hook entry, and
//! replaces an older DOS entry for the same event and verb (the native binary
//! wired by hand, or the reference's `dos hook <verb>`) instead of adding a
//! second one, so a verb never fires twice. Running it again changes nothing.
//! It writes through a temporary file renamed over the original, after
//! copying the original to `<file>.dos-hook.bak`. It refuses, writing
//! nothing, when the file is not valid JSON/TOML, has an unexpected shape,
//! is not a regular file, or cannot be written.
//!
//! `uninstall` removes the native entries (`…/dos-hook <verb>`) for the same
//! events and verbs, then the lists, `hooks` table and file that this left
//! empty. An entry `install` replaced is not brought back: the backup keeps it.

mod command;
mod json;
mod toml;

pub use command::{command_line, owner, shell_word, Owner, Verb};

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// A runtime `install` can wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    ClaudeCode,
    Codex,
    Gemini,
    Cursor,
    Antigravity,
}

impl Host {
    pub const ALL: [Host; 5] = [Host::ClaudeCode, Host::Codex, Host::Gemini, Host::Cursor, Host::Antigravity];

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn parse(s: &str) -> Option<Host> {
        Host::ALL.into_iter().find(|h| h.name() == s)
    }

    fn spec(self) -> &'static Spec {
        match self {
            Host::ClaudeCode => &CLAUDE_CODE,
            Host::Codex => &CODEX,
            Host::Gemini => &GEMINI,
            Host::Cursor => &CURSOR,
            Host::Antigravity => &ANTIGRAVITY,
        }
    }
}

/// Where a runtime's settings live and how its hook entries look.
pub(crate) struct Spec {
    name: &'static str,
    /// Under the workspace (`--scope project`).
    project: &'static [&'static str],
    /// Under the home directory (`--scope user`); `env` overrides the
    /// directory holding the file when set (`CODEX_HOME`).
    user: &'static [&'static str],
    user_env: Option<&'static str>,
    toml: bool,
    /// `--dialect` on every command (none for Claude Code, the default).
    dialect: Option<&'static str>,
    /// JSON: each event lists groups `{"hooks": [entry]}` (else bare entries).
    grouped: bool,
    /// JSON: entries carry `"type": "command"`.
    typed: bool,
    /// JSON: a top-level `"version"` the file needs (Cursor: 1).
    version: Option<u64>,
    wires: &'static [Wire],
}

/// One hook entry: which runtime event runs which verb.
#[derive(Debug)]
pub(crate) struct Wire {
    event: &'static str,
    verb: Verb,
    matcher: Option<&'static str>,
}

const fn wire(event: &'static str, verb: Verb) -> Wire {
    Wire { event, verb, matcher: None }
}

static CLAUDE_CODE: Spec = Spec {
    name: "claude-code",
    project: &[".claude", "settings.json"],
    user: &[".claude", "settings.json"],
    user_env: None,
    toml: false,
    dialect: None,
    grouped: true,
    typed: true,
    version: None,
    wires: &[
        wire("PreToolUse", Verb::Pre),
        Wire { event: "PostToolUse", verb: Verb::Post, matcher: Some("Read|Bash|Grep|Glob") },
        wire("Stop", Verb::Stop),
    ],
};

static CODEX: Spec = Spec {
    name: "codex",
    project: &[".codex", "config.toml"],
    user: &[".codex", "config.toml"],
    user_env: Some("CODEX_HOME"),
    toml: true,
    dialect: Some("codex"),
    grouped: true,
    typed: true,
    version: None,
    wires: &[wire("PreToolUse", Verb::Pre), wire("PostToolUse", Verb::Post), wire("Stop", Verb::Stop)],
};

static GEMINI: Spec = Spec {
    name: "gemini",
    project: &[".gemini", "settings.json"],
    user: &[".gemini", "settings.json"],
    user_env: None,
    toml: false,
    dialect: Some("gemini"),
    grouped: true,
    typed: true,
    version: None,
    wires: &[wire("BeforeTool", Verb::Pre), wire("AfterTool", Verb::Post), wire("AfterAgent", Verb::Stop)],
};

static CURSOR: Spec = Spec {
    name: "cursor",
    project: &[".cursor", "hooks.json"],
    user: &[".cursor", "hooks.json"],
    user_env: None,
    toml: false,
    dialect: Some("cursor"),
    grouped: false,
    typed: false,
    version: Some(1),
    wires: &[
        wire("beforeShellExecution", Verb::Pre),
        wire("beforeMCPExecution", Verb::Pre),
        wire("afterFileEdit", Verb::Post),
        wire("stop", Verb::Stop),
    ],
};

static ANTIGRAVITY: Spec = Spec {
    name: "antigravity",
    project: &[".agents", "hooks.json"],
    user: &[".gemini", "config", "hooks.json"],
    user_env: None,
    toml: false,
    dialect: Some("antigravity"),
    grouped: true,
    typed: true,
    version: None,
    wires: &[wire("PreToolUse", Verb::Pre), wire("PostToolUse", Verb::Post), wire("Stop", Verb::Stop)],
};

/// A wire with its command line.
pub(crate) struct Wired {
    wire: &'static Wire,
    command: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Install,
    Uninstall,
}

/// What an edit comes to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Edit {
    Unchanged,
    Write { text: String, removed: usize },
    Delete { removed: usize },
}

/// `--scope`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Project,
    User,
}

/// The parsed command line of `install` / `uninstall`.
#[derive(Clone, Debug)]
pub struct Options {
    pub host: Host,
    pub workspace: Option<PathBuf>,
    pub scope: Scope,
    pub dry_run: bool,
    /// The binary the entries run (default: this executable).
    pub binary: Option<String>,
    /// Add `|| dos hook <verb> …` and the Stop entry (default on).
    pub fallback: bool,
}

const USAGE: &str = "\
usage: dos-hook install   --host HOST [--workspace DIR] [--scope project|user] [--dry-run]
                          [--binary PATH] [--no-fallback]
       dos-hook uninstall --host HOST [--workspace DIR] [--scope project|user] [--dry-run]

HOST: claude-code, codex, gemini, cursor, antigravity.
install merges the hook entries into the runtime's settings file (project scope:
under DIR, default the current directory; user scope: under your home directory),
replacing an older dos-hook or `dos hook` entry for the same event. uninstall
removes the dos-hook entries again. --dry-run prints the new file and writes
nothing. --binary names the dos-hook the entries run (default: this one);
--no-fallback leaves out `|| dos hook <verb>` and the Stop entry.
";

/// Parse `args` (after the `install`/`uninstall` word). `Ok(None)` for `--help`.
pub fn parse_args(args: &[String]) -> Result<Option<Options>, String> {
    let mut host = None;
    let mut workspace = None;
    let mut scope = Scope::Project;
    let mut dry_run = false;
    let mut binary = None;
    let mut fallback = true;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a, None),
        };
        let mut take = |what: &str| -> Result<String, String> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            i += 1;
            args.get(i).cloned().ok_or_else(|| format!("{what} needs a value"))
        };
        match flag {
            "-h" | "--help" => return Ok(None),
            "--host" => {
                let v = take("--host")?;
                let names: Vec<_> = Host::ALL.iter().map(|h| h.name()).collect();
                host = Some(Host::parse(&v).ok_or_else(|| format!("unknown host {v:?} (one of: {})", names.join(", ")))?);
            }
            "--workspace" | "-w" => workspace = Some(PathBuf::from(take("--workspace")?)),
            "--scope" => {
                scope = match take("--scope")?.as_str() {
                    "project" => Scope::Project,
                    "user" => Scope::User,
                    v => return Err(format!("unknown scope {v:?} (project or user)")),
                }
            }
            "--binary" => binary = Some(take("--binary")?),
            "--dry-run" if inline.is_none() => dry_run = true,
            "--no-fallback" if inline.is_none() => fallback = false,
            _ => return Err(format!("unknown argument {a:?}")),
        }
        i += 1;
    }
    let host = host.ok_or("--host is required")?;
    if workspace.is_some() && scope == Scope::User {
        return Err("--workspace applies to --scope project only".into());
    }
    Ok(Some(Options { host, workspace, scope, dry_run, binary, fallback }))
}

/// The settings file `opts` names.
pub fn settings_path(opts: &Options) -> Result<PathBuf, String> {
    let spec = opts.host.spec();
    match opts.scope {
        Scope::Project => {
            let ws = match &opts.workspace {
                Some(w) => w.clone(),
                None => std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?,
            };
            if !ws.is_dir() {
                return Err(format!("the workspace {} is not a directory", ws.display()));
            }
            Ok(spec.project.iter().fold(ws, |p, c| p.join(c)))
        }
        Scope::User => {
            if let Some(dir) = spec.user_env.and_then(std::env::var_os).filter(|d| !d.is_empty()) {
                let last = spec.user.last().copied().unwrap_or_default();
                return Ok(PathBuf::from(dir).join(last));
            }
            let home =
                std::env::var_os("HOME").filter(|h| !h.is_empty()).ok_or("HOME is not set, so there is no user settings file to edit")?;
            Ok(spec.user.iter().fold(PathBuf::from(home), |p, c| p.join(c)))
        }
    }
}

fn wired(opts: &Options, binary: &str) -> Vec<Wired> {
    let spec = opts.host.spec();
    spec.wires
        .iter()
        .filter(|w| opts.fallback || w.verb != Verb::Stop)
        .map(|w| Wired { wire: w, command: command_line(binary, w.verb, spec.dialect, opts.fallback) })
        .collect()
}

/// The edit `mode` makes to `text` (the settings file's content, empty when
/// there is none), without touching any file.
pub(crate) fn plan(text: &str, opts: &Options, binary: &str, mode: Mode) -> Result<Edit, String> {
    let spec = opts.host.spec();
    let wired = wired(opts, binary);
    if spec.toml {
        toml::edit(text, spec, &wired, mode)
    } else {
        json::edit(text, spec, &wired, mode)
    }
}

fn this_binary() -> Result<String, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this executable ({e}); pass --binary"))?;
    exe.to_str().map(str::to_string).ok_or_else(|| format!("this executable's path {} is not UTF-8; pass --binary", exe.display()))
}

/// The file to read and replace: a symlink is followed to what it names.
fn target_of(path: &Path) -> Result<(PathBuf, Option<fs::Metadata>), String> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok((path.to_path_buf(), None)),
        Err(e) => Err(format!("cannot inspect {}: {e}", path.display())),
        Ok(m) if m.file_type().is_symlink() => {
            let real = fs::canonicalize(path).map_err(|e| format!("{} is a symlink that does not resolve ({e})", path.display()))?;
            let meta = fs::metadata(&real).map_err(|e| format!("cannot inspect {}: {e}", real.display()))?;
            Ok((real, Some(meta)))
        }
        Ok(m) => Ok((path.to_path_buf(), Some(m))),
    }
}

fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".dos-hook.bak");
    path.with_file_name(name)
}

/// Write `text` to `path` through a temporary file in the same directory,
/// renamed over it; `mode` is the permission bits to keep.
fn write_atomic(path: &Path, text: &[u8], mode: Option<u32>) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!(".dos-hook.{}.tmp", std::process::id()));
    let tmp = dir.join(name);
    let result = (|| {
        let mut f = fs::OpenOptions::new().write(true).create_new(true).mode(0o666).open(&tmp)?;
        f.write_all(text)?;
        if let Some(m) = mode {
            f.set_permissions(fs::Permissions::from_mode(m & 0o7777))?;
        }
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Run `install` (or `uninstall`) with `args`; messages go to `out` and
/// `err`. Returns the exit code: 0 done (or nothing to do), 1 refused or
/// failed (nothing written), 64 a usage error.
pub fn main(args: &[String], uninstall: bool, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let verb = if uninstall { "uninstall" } else { "install" };
    let opts = match parse_args(args) {
        Ok(Some(o)) => o,
        Ok(None) => {
            let _ = out.write_all(USAGE.as_bytes());
            return 0;
        }
        Err(e) => {
            let _ = writeln!(err, "dos-hook {verb}: {e}");
            let _ = err.write_all(USAGE.as_bytes());
            return 64;
        }
    };
    match run(&opts, uninstall, out, err) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "dos-hook {verb}: {e}; nothing was written");
            1
        }
    }
}

fn run(opts: &Options, uninstall: bool, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), String> {
    let mode = if uninstall { Mode::Uninstall } else { Mode::Install };
    let shown = settings_path(opts)?;
    let (path, meta) = target_of(&shown)?;
    let text = match &meta {
        None => String::new(),
        Some(m) if !m.is_file() => return Err(format!("{} is not a regular file", path.display())),
        Some(_) => {
            let bytes = fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))?
        }
    };
    let binary = match &opts.binary {
        Some(b) => b.clone(),
        None => this_binary()?,
    };
    let edit = plan(&text, opts, &shell_word(&binary), mode).map_err(|e| format!("{} cannot be edited: {e}", path.display()))?;
    let what = if uninstall { "dos-hook entries" } else { "hooks" };
    let (new_text, removed) = match edit {
        Edit::Unchanged => {
            let _ = if uninstall {
                writeln!(out, "{}: no dos-hook entries to remove", shown.display())
            } else {
                writeln!(out, "{}: the {} hooks are already wired", shown.display(), opts.host.name())
            };
            return Ok(());
        }
        Edit::Write { text, removed } => (Some(text), removed),
        Edit::Delete { removed } => (None, removed),
    };
    if opts.dry_run {
        match &new_text {
            Some(t) => {
                let _ = writeln!(err, "dos-hook {}: --dry-run: {} would become:", mode_word(mode), shown.display());
                let _ = out.write_all(t.as_bytes());
            }
            None => {
                let _ = writeln!(err, "dos-hook uninstall: --dry-run: {} would be deleted (nothing else is left in it)", shown.display());
            }
        }
        return Ok(());
    }
    // Refuse a read-only file (also for root, who could write it anyway).
    if let Some(m) = &meta {
        if m.mode() & 0o222 == 0 {
            return Err(format!("{} is read-only", path.display()));
        }
    }
    if let Some(dir) = path.parent() {
        if meta.is_none() {
            fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
    }
    let backup = backup_path(&path);
    if meta.is_some() {
        write_atomic(&backup, text.as_bytes(), meta.as_ref().map(|m| m.mode()))
            .map_err(|e| format!("cannot write the backup {}: {e}", backup.display()))?;
    }
    match &new_text {
        Some(t) => write_atomic(&path, t.as_bytes(), meta.as_ref().map(|m| m.mode()))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?,
    }
    let mut msg = match (uninstall, &new_text) {
        (false, _) => format!("{}: wired the {} {what}", shown.display(), opts.host.name()),
        (true, Some(_)) => format!("{}: removed {removed} {what}", shown.display()),
        (true, None) => format!("{}: removed {removed} {what}; nothing else was left, so the file is gone", shown.display()),
    };
    if !uninstall && removed > 0 {
        msg.push_str(&format!(" (replacing {removed} earlier dos entr{})", if removed == 1 { "y" } else { "ies" }));
    }
    if meta.is_some() {
        msg.push_str(&format!("; backup: {}", backup.display()));
    }
    let _ = writeln!(out, "{msg}");
    Ok(())
}

fn mode_word(m: Mode) -> &'static str {
    match m {
        Mode::Install => "install",
        Mode::Uninstall => "uninstall",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(host: Host) -> Options {
        Options { host, workspace: None, scope: Scope::Project, dry_run: false, binary: None, fallback: true }
    }

    #[test]
    fn each_event_is_wired_once_per_host() {
        for h in Host::ALL {
            let spec = h.spec();
            for (i, w) in spec.wires.iter().enumerate() {
                assert!(spec.wires[..i].iter().all(|o| o.event != w.event), "{} wires {} twice", h.name(), w.event);
            }
            assert_eq!(Host::parse(h.name()), Some(h));
        }
    }

    #[test]
    fn install_then_uninstall_leaves_nothing() {
        for h in Host::ALL {
            let o = opts(h);
            let Edit::Write { text, .. } = plan("", &o, "/b/dos-hook", Mode::Install).unwrap() else { panic!() };
            assert_eq!(plan(&text, &o, "/b/dos-hook", Mode::Install).unwrap(), Edit::Unchanged, "{}", h.name());
            let n = o.host.spec().wires.len();
            assert_eq!(plan(&text, &o, "/b/dos-hook", Mode::Uninstall).unwrap(), Edit::Delete { removed: n }, "{}", h.name());
        }
    }

    #[test]
    fn arguments() {
        let a = |v: &[&str]| parse_args(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let o = a(&["--host", "codex", "--workspace=/w", "--dry-run"]).unwrap().unwrap();
        assert_eq!((o.host, o.workspace.as_deref(), o.dry_run), (Host::Codex, Some(Path::new("/w")), true));
        assert!(a(&["--host", "vim"]).is_err());
        assert!(a(&[]).is_err());
        assert!(a(&["--host", "cursor", "--scope"]).is_err());
        assert!(a(&["--host", "cursor", "--scope", "user", "-w", "x"]).is_err());
        assert!(a(&["--host", "cursor", "--bogus"]).is_err());
        assert!(a(&["--help"]).unwrap().is_none());
    }
}
