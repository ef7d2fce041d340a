//! `commit_audit`'s git reads: `read_commit`, `audit_commit`, `audit_range`.
//!
//! git runs as the reference runs it: `git -C <root> <args…>` with the
//! process environment, stdout and stderr captured, 15 seconds at most. A
//! git that cannot start or runs out of time reads as exit status 1 with no
//! output. Output is read as text the way Python's text mode reads it:
//! UTF-8 (output that is not is an IO error: the reference raises on it),
//! `\r\n` and `\r` as `\n`. What the output means is `dos-core`'s
//! (`dos_core::deciders::commit_audit::read_with`), shared with the pure
//! `commit_audit.commit_from_git` op the golden corpus replays.

use dos_core::deciders::commit_audit::{self as ca, split_lines, ClaimPolicy, ClaimVerdict, CommitClaim, DiffFacts, GitOutput};
use dos_core::envelope::{CallError, Ctx, ErrorCode};
use dos_core::pyjson::Str;
use dos_core::route::{self, Describe, Effect, Module, Op};
use serde::Deserialize;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const GIT_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a read stopped: a value the reference refuses (BAD_ARGS) or git
/// output it cannot decode (IO).
enum Stop {
    Args(String),
    Io(String),
}

impl From<String> for Stop {
    fn from(m: String) -> Self {
        Stop::Io(m)
    }
}

fn to_error(op: &str, s: Stop) -> CallError {
    match s {
        Stop::Args(m) => CallError::bad_args(format!("{op}: {m}")),
        Stop::Io(m) => CallError::new(ErrorCode::Io, format!("{op}: {m}")),
    }
}

/// Python's text-mode decoding of a pipe: strict UTF-8, universal newlines.
fn decode(bytes: Vec<u8>, what: &str) -> Result<String, Stop> {
    let s = String::from_utf8(bytes).map_err(|_| Stop::Io(format!("git's {what} is not UTF-8 text")))?;
    Ok(if s.contains('\r') { s.replace("\r\n", "\n").replace('\r', "\n") } else { s })
}

/// Run `git -C root args…` (see the module doc).
fn git(root: &str, args: &[String]) -> Result<GitOutput, Stop> {
    let failed = || GitOutput { returncode: 1, stdout: Str::from("") };
    let child =
        Command::new("git").arg("-C").arg(root).args(args).stdin(Stdio::inherit()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let Ok(mut child) = child else { return Ok(failed()) };
    let (Some(out), Some(err)) = (child.stdout.take(), child.stderr.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Ok(failed());
    };
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = pipe.read_to_end(&mut b);
            b
        })
    };
    let (out, err) = (drain(Box::new(out)), drain(Box::new(err)));
    let deadline = Instant::now() + GIT_TIMEOUT;
    let mut pause = Duration::from_micros(100);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(10));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    let Some(status) = status else { return Ok(failed()) };
    let stdout = decode(stdout, "output")?;
    decode(stderr, "error output")?;
    let returncode = match status.code() {
        Some(c) => i64::from(c),
        None => {
            use std::os::unix::process::ExitStatusExt;
            -i64::from(status.signal().unwrap_or(1))
        }
    };
    Ok(GitOutput { returncode, stdout: Str::from(stdout) })
}

/// A text argument git receives: no lone surrogate (it cannot be given to
/// a process as UTF-8) and no NUL (no process argument holds one; the
/// reference raises on both).
fn arg_text<'a>(name: &str, s: &'a Str) -> Result<&'a str, Stop> {
    let t = s.as_str().ok_or_else(|| Stop::Args(format!("args.{name}: holds a lone surrogate")))?;
    if t.contains('\0') {
        return Err(Stop::Args(format!("args.{name}: holds a NUL character")));
    }
    Ok(t)
}

fn read(root: &str, reference: &str) -> Result<Option<(CommitClaim, DiffFacts)>, Stop> {
    ca::read_with(reference, |args| git(root, args))
}

fn audit(root: &str, reference: &str, policy: ClaimPolicy) -> Result<Option<ClaimVerdict>, Stop> {
    Ok(read(root, reference)?.map(|(claim, diff)| ca::classify(&claim, &diff, policy)))
}

fn dot() -> Str {
    Str::from(".")
}

fn head() -> Str {
    Str::from("HEAD")
}

fn five_hundred() -> i64 {
    500
}

/// Read one commit from git: its short sha and subject, and the paths its
/// diff touched (against its first parent, renames as delete plus add) with
/// the line delta of the test files among them. None when the reference
/// does not resolve, the subject cannot be read, or git cannot run.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ReadCommit {
    /// The commit (any revision git resolves).
    #[serde(rename = "ref")]
    pub reference: Str,
    /// The repository (or a directory inside it).
    pub root: Str,
}

impl Op for ReadCommit {
    const NAME: &'static str = "commit_audit.read_commit";
    const EFFECT: Effect = Effect::ReadsFiles;
    type Verdict = Option<(CommitClaim, DiffFacts)>;

    fn run(self, _: &Ctx<'_>) -> Result<Self::Verdict, CallError> {
        let go = || read(arg_text("root", &self.root)?, arg_text("ref", &self.reference)?);
        go().map_err(|e| to_error(Self::NAME, e))
    }
}

/// Read one commit from git and classify its claim against its diff; None
/// when it cannot be read.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct AuditCommit {
    #[serde(rename = "ref", default = "head")]
    pub reference: Str,
    #[serde(default = "dot")]
    pub root: Str,
    #[serde(default)]
    pub policy: ClaimPolicy,
}

impl Op for AuditCommit {
    const NAME: &'static str = "commit_audit.audit_commit";
    const EFFECT: Effect = Effect::ReadsFiles;
    type Verdict = Option<ClaimVerdict>;

    fn run(self, _: &Ctx<'_>) -> Result<Self::Verdict, CallError> {
        let go = || audit(arg_text("root", &self.root)?, arg_text("ref", &self.reference)?, self.policy);
        go().map_err(|e| to_error(Self::NAME, e))
    }
}

/// Audit every commit of a `git log` range, newest first, at most `limit`
/// of them; commits that cannot be read are left out, and a range git
/// refuses gives an empty list.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct AuditRange {
    /// A revision range (`origin/main..HEAD`).
    pub rev_range: Str,
    #[serde(default = "dot")]
    pub root: Str,
    #[serde(default)]
    pub policy: ClaimPolicy,
    /// The most commits read (passed to `git log` as `-<limit>`).
    #[serde(default = "five_hundred")]
    pub limit: i64,
}

impl Op for AuditRange {
    const NAME: &'static str = "commit_audit.audit_range";
    const EFFECT: Effect = Effect::ReadsFiles;
    type Verdict = Vec<ClaimVerdict>;

    fn run(self, _: &Ctx<'_>) -> Result<Vec<ClaimVerdict>, CallError> {
        let go = || -> Result<Vec<ClaimVerdict>, Stop> {
            let root = arg_text("root", &self.root)?;
            let range = arg_text("rev_range", &self.rev_range)?;
            let listing = git(root, &ca::git_range(range, self.limit))?;
            if listing.returncode != 0 {
                return Ok(Vec::new());
            }
            let text = listing.stdout.as_str().unwrap_or("");
            let mut out = Vec::new();
            for sha in split_lines(text) {
                let sha = dos_core::pystr::strip(sha);
                if sha.is_empty() {
                    continue;
                }
                if let Some(v) = audit(root, sha, self.policy)? {
                    out.push(v);
                }
            }
            Ok(out)
        };
        go().map_err(|e| to_error(Self::NAME, e))
    }
}

/// `commit_audit`'s git-reading ops (the catalog adds them to the module
/// `dos-core` declares).
pub const MODULE: Module = Module {
    name: "commit_audit",
    doc: "",
    routes: &[route::route::<ReadCommit>(), route::route::<AuditCommit>(), route::route::<AuditRange>()],
    consts: &[],
};
