//! `commit_audit`: does what a commit's subject claims match what its diff did?
//!
//! The subject is the author's word; the list of touched files is written by
//! git. So the verdict grades the *kind* of claim the subject makes (a code
//! effect, tests, docs, or nothing checkable) against the *shape* of the
//! diff (source files, test files, CI configuration), and never reads who
//! wrote the message. It fires (CLAIM_UNWITNESSED) only where a concrete
//! claim meets a diff that cannot back it: a code-effect claim touching no
//! source file, a test claim touching no test file or net-deleting test
//! lines, a doc claim on an empty commit. Everything uncheckable abstains.
//! A ci-scoped claim (`ci: …`, `fix(ci): …`) is backed by the CI
//! configuration it names; that takes both the scope and the path.
//!
//! Pure: [`classify_claim`], [`classify`], [`sweep_summary`], and
//! [`read_with`], which turns what three git commands printed into the
//! commit's claim and diff facts. Running git is `dos-io`'s
//! (`commit_audit.read_commit`, `audit_commit`, `audit_range`).

use crate::envelope::{CallError, Ctx};
use crate::pyjson::{Dict, Str, Value};
use crate::pystr;
use crate::route::{self, Const, Describe, Module, Op, Tuple};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The kind of claim a subject makes: what the diff can be held to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
pub enum ClaimKind {
    /// A code change (fix, add, implement, remove, …).
    #[serde(rename = "code_effect")]
    CodeEffect,
    /// Tests (added, fixed, passing).
    #[serde(rename = "test")]
    Test,
    /// Documentation.
    #[serde(rename = "doc")]
    Doc,
    /// Nothing a diff could check (wip, merge, bump, …).
    #[serde(rename = "none")]
    NoClaim,
}

/// How the diff stands to the claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[describe(class = "Witness")]
pub enum CommitWitness {
    /// The diff backs the claim.
    #[serde(rename = "diff-witnessed")]
    DiffWitnessed,
    /// Only the subject's text backs the claim.
    #[serde(rename = "subject-only")]
    SubjectOnly,
    /// No checkable claim.
    #[serde(rename = "abstain")]
    Abstain,
}

/// The verdict on one commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[describe(class = "Verdict")]
pub enum CommitVerdict {
    /// The diff backs the claim (or an honest doc-only commit).
    #[serde(rename = "OK")]
    Ok,
    /// A concrete claim the diff does not back.
    #[serde(rename = "CLAIM_UNWITNESSED")]
    ClaimUnwitnessed,
    /// No checkable claim.
    #[serde(rename = "ABSTAIN")]
    Abstain,
}

/// The claim: the commit's (short) sha and its subject line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct CommitClaim {
    pub sha: Str,
    pub subject: Str,
}

fn empty() -> Str {
    Str::from("")
}

fn minus_one() -> i64 {
    -1
}

/// What the diff did: the paths it touched, whether it is empty, and the
/// lines its test files gained and lost (-1 when not counted; the verdict
/// then goes by the presence of a test file alone).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct DiffFacts {
    pub files: Tuple<Str>,
    pub is_empty: bool,
    #[serde(default = "minus_one")]
    pub test_lines_added: i64,
    #[serde(default = "minus_one")]
    pub test_lines_removed: i64,
}

/// The one knob: let a doc-only diff back a code-effect claim.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ClaimPolicy {
    /// Accept a code-effect claim on a diff that touches no source file.
    #[serde(default)]
    pub docs_satisfy_code_claim: bool,
}

/// The graded relation between a commit's claim and its diff, with the
/// touched files that decided it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ClaimVerdict {
    pub sha: Str,
    pub verdict: CommitVerdict,
    pub claim_kind: ClaimKind,
    pub witness: CommitWitness,
    /// One line for the operator.
    pub reason: Str,
    /// The touched source files.
    #[serde(default)]
    pub source_files: Tuple<Str>,
    /// The touched test files.
    #[serde(default)]
    pub test_files: Tuple<Str>,
    /// The touched CI configuration files.
    #[serde(default)]
    pub ci_files: Tuple<Str>,
}

// ------------------------------------------------------------------ vocabularies

const CODE_VERBS: &[&str] = &[
    "fix",
    "fixes",
    "fixed",
    "add",
    "adds",
    "added",
    "implement",
    "implements",
    "implemented",
    "remove",
    "removes",
    "removed",
    "delete",
    "optimize",
    "optimise",
    "refactor",
    "rename",
    "move",
    "support",
    "handle",
    "resolve",
    "resolves",
    "patch",
    "correct",
    "introduce",
    "enable",
    "disable",
    "drop",
    "migrate",
    "upgrade",
    "downgrade",
    "wire",
    "hook",
];
const TEST_MARKERS: &[&str] =
    &["test", "tests", "testing", "unit test", "unit tests", "coverage", "assertion", "assertions", "spec", "specs"];
const TEST_WINDOW_WORDS: &[&str] = &["test", "tests", "testing", "spec", "specs", "coverage"];
const TEST_PASS_PHRASES: &[&str] = &[
    "tests pass",
    "test pass",
    "tests green",
    "all tests",
    "passing tests",
    "tests passing",
    "green build",
    "fix the test",
    "fix failing test",
    "fix the failing test",
    "fixes the test",
];
const DOC_MARKERS: &[&str] =
    &["doc", "docs", "documentation", "readme", "comment", "comments", "typo", "changelog", "wording", "rephrase", "clarify"];
const NOCLAIM_WORDS: &[&str] = &[
    "wip",
    "misc",
    "cleanup",
    "chore",
    "bump",
    "version",
    "release",
    "merge",
    "revert",
    "format",
    "lint",
    "whitespace",
    "style",
    "nit",
    "nits",
];
const NOCLAIM_PHRASES: &[&str] = &["address review", "review feedback", "rename variable"];
const SOURCE_SUFFIXES: &[&str] = &[
    ".py", ".pyi", ".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".go", ".rs", ".java", ".kt", ".kts", ".scala", ".c", ".h", ".cc", ".cpp",
    ".cxx", ".hpp", ".hh", ".cs", ".rb", ".php", ".swift", ".m", ".mm", ".sh", ".bash", ".zsh", ".ps1", ".psm1", ".psd1", ".bat", ".cmd",
    ".pl", ".pm", ".lua", ".r", ".jl", ".dart", ".ex", ".exs", ".erl", ".clj", ".cljs", ".hs", ".ml", ".fs", ".vb", ".sql", ".proto",
    ".tf", ".gradle", ".cmake", ".mk", ".vue", ".svelte", ".elm", ".nim", ".zig", ".v",
];
const DOC_SUFFIXES: &[&str] = &[".md", ".rst", ".txt", ".adoc", ".org"];
const BINARY_OR_DATA_SUFFIXES: &[&str] = &[
    ".png", ".jpg", ".jpeg", ".gif", ".svg", ".pdf", ".ico", ".woff", ".woff2", ".ttf", ".zip", ".tar", ".gz", ".tgz", ".whl", ".egg",
    ".so", ".dll", ".dylib", ".exe", ".o", ".a", ".jar", ".class", ".bin", ".lock", ".sum", ".csv", ".tsv", ".parquet",
];
const SOURCE_NAMES: &[&str] = &["makefile", "dockerfile", "rakefile", "gemfile", "procfile"];
const DOC_NAMES: &[&str] = &["readme", "claude.md", "claude", "license", "contributing", "changelog", "authors", "notice"];
const CI_WORKFLOW_DIR: &str = ".github/workflows/";
const CI_FILES: &[&str] = &[
    ".gitlab-ci.yml",
    ".travis.yml",
    "azure-pipelines.yml",
    "appveyor.yml",
    ".appveyor.yml",
    ".circleci/config.yml",
    "bitbucket-pipelines.yml",
];
const TEST_DIRS: &[&str] = &["test", "tests", "spec", "specs", "__tests__"];

// ------------------------------------------------------------------ text

/// The text to decide on: a lone surrogate reads as U+FFFD, which every
/// test here treats as a surrogate is treated (not a letter, not a space,
/// its own lower case, one code point).
fn text(s: &Str) -> Cow<'_, str> {
    match s {
        Str::Utf8(t) => Cow::Borrowed(t),
        Str::Utf16(units) => Cow::Owned(String::from_utf16_lossy(units)),
    }
}

/// `str.endswith(tuple)`.
fn ends_any(s: &str, suffixes: &[&str]) -> bool {
    suffixes.iter().any(|x| s.ends_with(x))
}

/// `re.findall(r"[a-z][a-z']*", s)`.
fn words(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_lowercase() {
            let start = i;
            i += 1;
            while i < b.len() && (b[i].is_ascii_lowercase() || b[i] == b'\'') {
                i += 1;
            }
            out.push(&s[start..i]);
        } else {
            i += 1;
        }
    }
    out
}

/// A `<prefix>: <rest>` subject whose prefix is scope-shaped: shorter than
/// `limit` code points, no space inside its stripped text.
fn scoped(s: &str, limit: usize) -> Option<(&str, &str)> {
    let (head, rest) = s.split_once(':')?;
    (head.chars().count() < limit && !pystr::strip(head).contains(' ')).then_some((head, rest))
}

/// The words that can lead a claim: the first word of a scope-shaped
/// prefix and the first word after it, else the subject's first word.
fn leading_words(subject: &str) -> Vec<String> {
    let s = pystr::lower(pystr::strip(subject));
    if let Some((head, rest)) = scoped(&s, 30) {
        return words(head).into_iter().take(1).chain(words(rest).into_iter().take(1)).map(str::to_owned).collect();
    }
    words(&s).into_iter().take(1).map(str::to_owned).collect()
}

/// The first `n` words after a scope-shaped prefix, space-joined.
fn phrase_window(subject: &str, n: usize) -> String {
    let lowered = pystr::lower(pystr::strip(subject));
    let s = match scoped(&lowered, 30) {
        Some((_, rest)) => pystr::strip(rest),
        None => lowered.as_str(),
    };
    words(s).into_iter().take(n).collect::<Vec<_>>().join(" ")
}

/// Does a scope-shaped prefix name a documentation target?
fn scope_is_doc(subject: &str) -> bool {
    let s = pystr::lower(pystr::strip(subject));
    let Some((head, _)) = s.split_once(':') else { return false };
    let head = pystr::strip(head);
    if head.contains(' ') || head.chars().count() >= 40 {
        return false;
    }
    if ends_any(head, DOC_SUFFIXES) || head.starts_with("docs/") || head.starts_with("doc/") {
        return true;
    }
    let base = head.rsplit('/').next().unwrap_or(head);
    DOC_NAMES.contains(&base)
}

/// Does the conventional-commit head name `ci` as its type or its scope
/// (`^([a-z][a-z0-9_-]*)(?:\(([^)]*)\))?!?$` on the stripped head)?
fn scope_is_ci(subject: &str) -> bool {
    let s = pystr::lower(pystr::strip(subject));
    let Some((head, _)) = s.split_once(':') else { return false };
    let head = pystr::strip(head);
    let b = head.as_bytes();
    if !b.first().is_some_and(|c| c.is_ascii_lowercase()) {
        return false;
    }
    let mut i = 1;
    while i < b.len() && (b[i].is_ascii_lowercase() || b[i].is_ascii_digit() || b[i] == b'_' || b[i] == b'-') {
        i += 1;
    }
    let kind = &head[..i];
    let mut scope = None;
    let mut rest = &head[i..];
    if let Some(r) = rest.strip_prefix('(') {
        let Some(close) = r.find(')') else { return false };
        scope = Some(&r[..close]);
        rest = &r[close + 1..];
    }
    let rest = rest.strip_prefix('!').unwrap_or(rest);
    rest.is_empty() && (kind == "ci" || scope == Some("ci"))
}

fn is_pure_move_or_rename(subject: &str) -> bool {
    leading_words(subject).iter().any(|w| matches!(w.as_str(), "rename" | "move" | "moved" | "renamed"))
}

/// The kind of claim a subject makes. In order: a no-claim word (whole
/// words) or phrase gives NONE; a test phrase, a test word leading a
/// segment or among the first three words gives TEST; a doc word leading a
/// segment or a doc-target scope gives DOC; a code verb leading a segment
/// gives CODE_EFFECT; else NONE.
pub fn classify_claim(subject: &str) -> ClaimKind {
    let s = pystr::lower(pystr::strip(subject));
    if s.is_empty() {
        return ClaimKind::NoClaim;
    }
    if words(&s).iter().any(|w| NOCLAIM_WORDS.contains(w)) || NOCLAIM_PHRASES.iter().any(|p| s.contains(p)) {
        return ClaimKind::NoClaim;
    }
    let leads = leading_words(&s);
    if TEST_PASS_PHRASES.iter().any(|p| s.contains(p)) || leads.iter().any(|w| TEST_MARKERS.contains(&w.as_str())) {
        return ClaimKind::Test;
    }
    let window = phrase_window(&s, 8);
    if window.split(' ').take(3).any(|w| TEST_WINDOW_WORDS.contains(&w)) {
        return ClaimKind::Test;
    }
    if leads.iter().any(|w| DOC_MARKERS.contains(&w.as_str())) || scope_is_doc(&s) {
        return ClaimKind::Doc;
    }
    if leads.iter().any(|w| CODE_VERBS.contains(&w.as_str())) {
        return ClaimKind::CodeEffect;
    }
    ClaimKind::NoClaim
}

// ------------------------------------------------------------------ paths

/// Backslashes as slashes, whitespace stripped.
fn norm(path: &str) -> String {
    pystr::strip(&path.replace('\\', "/")).to_owned()
}

/// Is the path code? Suffix first; a doc, data or binary suffix is not; a
/// well-known build file or a name without a dot is.
pub fn is_source(path: &str) -> bool {
    let p = pystr::lower(&norm(path));
    if ends_any(&p, SOURCE_SUFFIXES) {
        return true;
    }
    if ends_any(&p, DOC_SUFFIXES) || ends_any(&p, BINARY_OR_DATA_SUFFIXES) {
        return false;
    }
    let base = p.rsplit('/').next().unwrap_or(&p);
    SOURCE_NAMES.contains(&base) || !base.contains('.')
}

/// A character against a lower-case ASCII letter of a case-blind `re`
/// pattern (which also lets U+017F stand for `s`).
fn ci_char(c: char, lit: char) -> bool {
    c.to_ascii_lowercase() == lit || (lit == 's' && c == '\u{17f}')
}

fn ci_eq(s: &str, lit: &str) -> bool {
    s.chars().count() == lit.len() && s.chars().zip(lit.chars()).all(|(c, l)| ci_char(c, l))
}

/// `[A-Za-z0-9]` under `re.IGNORECASE` over `str`.
fn ci_alnum(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '\u{130}' | '\u{131}' | '\u{17f}' | '\u{212a}')
}

/// Is the path a test file: a `test`/`tests`/`spec`/`specs`/`__tests__`
/// directory, or a file named `test_*`, `*_test`, `*.test` or `*.spec`
/// with an alphanumeric extension (case-blind)?
pub fn is_test(path: &str) -> bool {
    let p = norm(path);
    if p.split('/').any(|seg| TEST_DIRS.iter().any(|d| ci_eq(seg, d))) {
        return true;
    }
    let last = p.rsplit('/').next().unwrap_or(&p);
    let Some((stem, ext)) = last.rsplit_once('.') else { return false };
    if ext.is_empty() || !ext.chars().all(ci_alnum) {
        return false;
    }
    let chars: Vec<char> = stem.chars().collect();
    if chars.len() <= 5 {
        return false;
    }
    let head = chars[..5].iter().zip("test_".chars()).all(|(&c, l)| ci_char(c, l));
    let tail = &chars[chars.len() - 5..];
    let tail_is = |lit: &str| tail.iter().zip(lit.chars()).all(|(&c, l)| ci_char(c, l));
    head || tail_is("_test") || tail_is(".test") || tail_is(".spec")
}

/// Is the path CI configuration: a YAML file under `.github/workflows/` or
/// one of the well-known CI files?
pub fn is_ci_config(path: &str) -> bool {
    let p = pystr::lower(&norm(path));
    (p.starts_with(CI_WORKFLOW_DIR) && (p.ends_with(".yml") || p.ends_with(".yaml"))) || CI_FILES.contains(&p.as_str())
}

// ------------------------------------------------------------------ the verdict

fn pick(files: &[Str], keep: fn(&str) -> bool) -> Tuple<Str> {
    Tuple(files.iter().filter(|f| keep(&text(f))).cloned().collect())
}

fn cat(parts: &[&Str]) -> Str {
    super::arg_provenance::cat(parts)
}

/// The verdict on one commit (see [`Classify`]).
pub fn classify(claim: &CommitClaim, diff: &DiffFacts, policy: ClaimPolicy) -> ClaimVerdict {
    let subject = text(&claim.subject);
    let kind = classify_claim(&subject);
    let files = &diff.files.0;
    let out = |verdict, witness, reason: Str| ClaimVerdict {
        sha: claim.sha.clone(),
        verdict,
        claim_kind: kind,
        witness,
        reason,
        source_files: pick(files, is_source),
        test_files: pick(files, is_test),
        ci_files: pick(files, is_ci_config),
    };
    let s = |t: &str| Str::from(t);
    use CommitVerdict as V;
    use CommitWitness as W;
    match kind {
        ClaimKind::NoClaim => out(V::Abstain, W::Abstain, s("the subject carries no code or test claim a diff could check")),
        ClaimKind::Doc if diff.is_empty => {
            out(V::ClaimUnwitnessed, W::SubjectOnly, s("a documentation claim on an empty commit: nothing was touched"))
        }
        ClaimKind::Doc => {
            out(V::Ok, W::DiffWitnessed, s("a documentation claim, and the commit touches files (a docs scope claims no code)"))
        }
        ClaimKind::Test => {
            let (a, r) = (diff.test_lines_added, diff.test_lines_removed);
            let net_deleted = a >= 0 && r >= 0 && r > a;
            if !files.iter().any(|f| is_test(&text(f))) {
                out(V::ClaimUnwitnessed, W::SubjectOnly, s("a test claim, yet no test file is among the touched files"))
            } else if net_deleted && !is_pure_move_or_rename(&subject) {
                out(
                    V::ClaimUnwitnessed,
                    W::SubjectOnly,
                    Str::from(format!(
                        "a test claim whose test files lose more lines than they gain (+{a}/-{r}): it net-DELETES \
                         test lines, the shape of removing an assertion"
                    )),
                )
            } else {
                out(V::Ok, W::DiffWitnessed, s("a test claim, and a touched test file backs it"))
            }
        }
        ClaimKind::CodeEffect => {
            if files.iter().any(|f| is_source(&text(f))) {
                return out(V::Ok, W::DiffWitnessed, s("a code-effect claim, and a touched source file backs it"));
            }
            if files.iter().any(|f| is_ci_config(&text(f))) && scope_is_ci(&subject) {
                return out(
                    V::Ok,
                    W::DiffWitnessed,
                    s("a ci-scoped claim, and the CI configuration it names is touched (the scope is where the \
                       effect lives)"),
                );
            }
            if diff.is_empty {
                return out(V::ClaimUnwitnessed, W::SubjectOnly, s("a code-effect claim on an EMPTY commit: no file was touched"));
            }
            if policy.docs_satisfy_code_claim {
                return out(
                    V::Ok,
                    W::DiffWitnessed,
                    s("a code claim on a diff without source files, accepted under docs_satisfy_code_claim"),
                );
            }
            let sep = s(", ");
            let mut parts: Vec<&Str> = Vec::new();
            for (i, f) in files.iter().take(4).enumerate() {
                if i > 0 {
                    parts.push(&sep);
                }
                parts.push(f);
            }
            let mut touched = cat(&parts);
            if touched.code_points().next().is_none() {
                touched = s("(nothing)");
            }
            let head = s("a code-effect claim, yet no SOURCE file is touched (only: ");
            let tail = s("); only the subject's text stands behind it");
            out(V::ClaimUnwitnessed, W::SubjectOnly, cat(&[&head, &touched, &tail]))
        }
    }
}

/// The drift rate over a set of verdicts: unwitnessed over checkable (the
/// commits that did not abstain), with counts per claim kind and the
/// unwitnessed shas.
pub fn sweep_summary(verdicts: &[ClaimVerdict]) -> Dict {
    let count = |v: CommitVerdict| verdicts.iter().filter(|x| x.verdict == v).count() as i64;
    let (unwitnessed, witnessed, abstained) =
        (count(CommitVerdict::ClaimUnwitnessed), count(CommitVerdict::Ok), count(CommitVerdict::Abstain));
    let checkable = unwitnessed + witnessed;
    let mut by_kind: Vec<(&'static str, [i64; 3])> = Vec::new();
    for v in verdicts {
        let k = kind_token(v.claim_kind);
        let slot = match by_kind.iter().position(|(n, _)| *n == k) {
            Some(i) => i,
            None => {
                by_kind.push((k, [0; 3]));
                by_kind.len() - 1
            }
        };
        let cell = match v.verdict {
            CommitVerdict::ClaimUnwitnessed => 0,
            CommitVerdict::Ok => 1,
            CommitVerdict::Abstain => 2,
        };
        by_kind[slot].1[cell] += 1;
    }
    let mut grid = Dict::with_capacity(by_kind.len());
    for (k, [u, w, a]) in by_kind {
        let mut row = Dict::with_capacity(3);
        row.push("unwitnessed", Value::int(u));
        row.push("witnessed", Value::int(w));
        row.push("abstain", Value::int(a));
        grid.push(k, Value::Dict(row));
    }
    let mut d = Dict::with_capacity(8);
    d.push("commits", Value::int(verdicts.len() as i64));
    d.push("checkable", Value::int(checkable));
    d.push("abstained", Value::int(abstained));
    d.push("witnessed", Value::int(witnessed));
    d.push("unwitnessed", Value::int(unwitnessed));
    d.push("drift_rate", Value::Float(if checkable > 0 { unwitnessed as f64 / checkable as f64 } else { 0.0 }));
    d.push("by_kind", Value::Dict(grid));
    let shas = verdicts.iter().filter(|v| v.verdict == CommitVerdict::ClaimUnwitnessed).map(|v| Value::Str(v.sha.clone())).collect();
    d.push("unwitnessed_shas", Value::List(shas));
    d
}

fn kind_token(k: ClaimKind) -> &'static str {
    match k {
        ClaimKind::CodeEffect => "code_effect",
        ClaimKind::Test => "test",
        ClaimKind::Doc => "doc",
        ClaimKind::NoClaim => "none",
    }
}

// ------------------------------------------------------------------ reading git's output

/// What one git command gave: its exit status and its standard output as
/// text (decoded as UTF-8, `\r\n` and `\r` read as `\n`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct GitOutput {
    /// The exit status (nonzero: the command failed or could not run).
    pub returncode: i64,
    #[serde(default = "empty")]
    pub stdout: Str,
}

/// The git arguments (after `-C <root>`) of the three reads of one commit.
pub fn git_reads(reference: &str) -> [Vec<String>; 3] {
    let r = reference.to_owned();
    [
        vec!["rev-parse".into(), "--short".into(), r.clone()],
        vec!["log".into(), "-1".into(), "--pretty=format:%s".into(), r.clone()],
        vec!["show".into(), "--numstat".into(), "--format=".into(), "--no-renames".into(), r],
    ]
}

/// The git arguments (after `-C <root>`) listing a range's commits.
pub fn git_range(rev_range: &str, limit: i64) -> Vec<String> {
    vec!["log".into(), format!("-{limit}"), "--pretty=format:%H".into(), rev_range.to_owned()]
}

/// `str.splitlines()`.
pub fn split_lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if matches!(c, '\n' | '\r' | '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}') {
            out.push(&text[start..i]);
            let mut end = i + c.len_utf8();
            if c == '\r' && text.as_bytes().get(end) == Some(&b'\n') {
                it.next();
                end += 1;
            }
            start = end;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

fn stdout_text(o: &GitOutput) -> Result<&str, String> {
    o.stdout.as_str().ok_or_else(|| "stdout: git's output is UTF-8 text and holds no lone surrogate".to_owned())
}

/// The claim and diff facts of one commit from what its three reads
/// printed (`git` runs each read, in order, and may stop early: the later
/// reads are not made once one decides there is no commit). None: the
/// reference did not resolve, or its subject could not be read. The
/// numstat lines give the touched paths (binary files count, with no line
/// delta), and the line delta of the test files among them.
pub fn read_with<E: From<String>>(
    reference: &str,
    mut git: impl FnMut(&[String]) -> Result<GitOutput, E>,
) -> Result<Option<(CommitClaim, DiffFacts)>, E> {
    let [rev, log, show] = git_reads(reference);
    let o = git(&rev)?;
    let sha = pystr::strip(stdout_text(&o)?).to_owned();
    if o.returncode != 0 || sha.is_empty() {
        return Ok(None);
    }
    let o = git(&log)?;
    if o.returncode != 0 {
        return Ok(None);
    }
    let subject = pystr::strip(stdout_text(&o)?).to_owned();
    let o = git(&show)?;
    let mut files: Vec<Str> = Vec::new();
    // i128 sums (Python's are unbounded): a count beyond 64 bits is refused
    // only when it reaches the result.
    let (mut added, mut removed, mut counted) = (Some(0i128), Some(0i128), false);
    let add = |sum: Option<i128>, n: crate::pyjson::Int| sum.zip(n.as_i64()).and_then(|(s, n)| s.checked_add(i128::from(n)));
    if o.returncode == 0 {
        for line in split_lines(stdout_text(&o)?) {
            if pystr::strip(line).is_empty() {
                continue;
            }
            let parts: Vec<&str> = line.split('\t').collect();
            let [a, r, path] = parts[..] else { continue };
            let path = pystr::strip(path);
            if path.is_empty() {
                continue;
            }
            files.push(Str::from(path));
            if is_test(path) && a != "-" && r != "-" {
                // As the reference counts: the added lines are kept even when
                // the removed count then fails to read (the line is then not
                // counted as a delta of its own).
                if let Some(a) = pystr::int_from_str(a) {
                    added = add(added, a);
                    if let Some(r) = pystr::int_from_str(r) {
                        removed = add(removed, r);
                        counted = true;
                    }
                }
            }
        }
    }
    let wide = || E::from("stdout: the test line counts go beyond 64 bits".to_owned());
    let narrow = |n: Option<i128>| n.and_then(|n| i64::try_from(n).ok()).ok_or_else(wide);
    let (added, removed) = if counted { (narrow(added)?, narrow(removed)?) } else { (-1, -1) };
    let diff = DiffFacts { is_empty: files.is_empty(), files: Tuple(files), test_lines_added: added, test_lines_removed: removed };
    Ok(Some((CommitClaim { sha: Str::from(sha), subject: Str::from(subject) }, diff)))
}

// ------------------------------------------------------------------ ops

fn bad(op: &str) -> impl Fn(String) -> CallError + '_ {
    move |m| CallError::bad_args(format!("{op}: args.{m}"))
}

/// What kind of claim a subject makes: NONE on a no-claim word or phrase
/// (whole words: `wip`, `merge`, `bump`, …), else TEST on a test phrase or a
/// leading test word, else DOC on a leading doc word or a doc-target scope,
/// else CODE_EFFECT on a leading code verb, else NONE. The leading words are
/// the first word of a scope-shaped `<prefix>:` and the first word after it.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ClassifyClaim {
    /// The commit's subject line.
    pub subject: Str,
}

impl Op for ClassifyClaim {
    const NAME: &'static str = "commit_audit.classify_claim";
    type Verdict = ClaimKind;

    fn run(self, _: &Ctx<'_>) -> Result<ClaimKind, CallError> {
        Ok(classify_claim(&text(&self.subject)))
    }
}

/// Does the commit's claim match its diff? NONE abstains; a doc claim is
/// backed by any touched file; a test claim needs a touched test file and
/// must not net-delete test lines (a rename or move may); a code-effect
/// claim needs a touched source file, or CI configuration under a ci scope,
/// or the docs policy; otherwise CLAIM_UNWITNESSED, subject-only.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Classify {
    pub claim: CommitClaim,
    pub diff: DiffFacts,
    #[serde(default)]
    pub policy: ClaimPolicy,
}

impl Op for Classify {
    const NAME: &'static str = "commit_audit.classify";
    type Verdict = ClaimVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<ClaimVerdict, CallError> {
        Ok(classify(&self.claim, &self.diff, self.policy))
    }
}

/// The drift rate of a set of verdicts (unwitnessed over checkable, the
/// abstentions left out of both), the counts per claim kind and the shas
/// of the unwitnessed commits.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct SweepSummary {
    pub verdicts: Vec<ClaimVerdict>,
}

impl Op for SweepSummary {
    const NAME: &'static str = "commit_audit.sweep_summary";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        Ok(sweep_summary(&self.verdicts))
    }
}

/// `read_commit` over what its git reads printed: the commit's claim and
/// diff facts, or None when `rev-parse` failed or printed nothing or `log`
/// failed. A failed `show` reads as an empty diff.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct CommitFromGit {
    /// `git rev-parse --short <ref>`.
    pub rev_parse: GitOutput,
    /// `git log -1 --pretty=format:%s <ref>`.
    pub log: GitOutput,
    /// `git show --numstat --format= --no-renames <ref>`.
    pub numstat: GitOutput,
}

impl Op for CommitFromGit {
    const NAME: &'static str = "commit_audit.commit_from_git";
    type Verdict = Option<(CommitClaim, DiffFacts)>;

    fn run(self, _: &Ctx<'_>) -> Result<Self::Verdict, CallError> {
        let outputs = [self.rev_parse, self.log, self.numstat];
        for (o, name) in outputs.iter().zip(["rev_parse", "log", "numstat"]) {
            if o.stdout.as_str().is_none() {
                return Err(CallError::bad_args(format!(
                    "{}: args.{name}.stdout: holds a lone surrogate (git prints UTF-8 text)",
                    Self::NAME
                )));
            }
        }
        let mut next = outputs.into_iter();
        read_with("", |_| next.next().ok_or_else(|| "git: more reads than outputs".to_owned())).map_err(bad(Self::NAME))
    }
}

/// The `commit_audit` module (its git-reading ops are `dos-io`'s).
pub(crate) const MODULE: Module = Module {
    name: "commit_audit",
    doc: "Does a commit's claim match its diff? The subject's claim kind (code effect, tests, docs, none) graded \
          against the touched files (source, tests, CI configuration): OK, CLAIM_UNWITNESSED or ABSTAIN, with \
          the witness rung. Author-neutral and advisory.",
    routes: &[route::route::<ClassifyClaim>(), route::route::<Classify>(), route::route::<SweepSummary>(), route::route::<CommitFromGit>()],
    consts: &[Const {
        name: "DEFAULT_POLICY",
        doc: "The default policy (a doc-only diff does not back a code-effect claim).",
        eval: |reg| route::konst(reg, ClaimPolicy::default()),
    }],
};
