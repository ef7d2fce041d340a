//! `exec_capability`: does a command grant arbitrary code execution?
//!
//! The classifier reads the program a command invokes (skipping `VAR=value`
//! assignments and benign wrappers such as `env` or `nice`) and looks it up in
//! a closed set of interpreters, shells, package runners and remote-exec
//! wrappers. It never scans the rest of the command.

use crate::envelope::{CallError, Ctx};
use crate::pyjson::Value;
use crate::route::{self, Const, Describe, Module, Op};
use crate::{dict, pystr};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The default capability set (the reference's `CROSS_PLATFORM_CODE_EXEC`).
pub const CROSS_PLATFORM_CODE_EXEC: &[&str] = &[
    "python", "python3", "python2", "node", "deno", "tsx", "ruby", "perl", "php", "lua", "npx", "bunx", "npm", "yarn", "pnpm", "bun",
    "bash", "sh", "zsh", "fish", "eval", "exec", "xargs", "ssh", "sudo",
];

/// Membership in [`CROSS_PLATFORM_CODE_EXEC`] as one `match` (a length
/// switch, then a short compare), for the shared default policy: a B-tree
/// walk over 25 strings costs a dozen `memcmp` calls.
#[inline]
fn in_default_set(token: &str) -> bool {
    matches!(
        token,
        "python"
            | "python3"
            | "python2"
            | "node"
            | "deno"
            | "tsx"
            | "ruby"
            | "perl"
            | "php"
            | "lua"
            | "npx"
            | "bunx"
            | "npm"
            | "yarn"
            | "pnpm"
            | "bun"
            | "bash"
            | "sh"
            | "zsh"
            | "fish"
            | "eval"
            | "exec"
            | "xargs"
            | "ssh"
            | "sudo"
    )
}

/// Words that wrap the real program (`env X=1 python`, `nice make`).
pub const WRAPPER_TOKENS: &[&str] = &["env", "sudo", "command", "nice", "nohup", "time"];

/// What execution capability a command's invoked program grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Capability {
    /// The program (or a wrapper before it) is an interpreter, shell,
    /// package runner or remote-exec wrapper: it can run any code.
    GrantsArbitraryExec,
    /// The program is not in the declared set (not a safety guarantee).
    Bounded,
    /// The command names no program.
    Empty,
}

impl Capability {
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::GrantsArbitraryExec => "GRANTS_ARBITRARY_EXEC",
            Capability::Bounded => "BOUNDED",
            Capability::Empty => "EMPTY",
        }
    }
}

/// The default capability set, as a set.
pub fn default_programs() -> BTreeSet<String> {
    CROSS_PLATFORM_CODE_EXEC.iter().map(|s| s.to_string()).collect()
}

/// A null read as the field's default (the envelope always took null for
/// "left out").
fn or_default<'de, D: serde::Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn programs_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeSet<String>, D::Error> {
    Ok(Option::deserialize(d)?.unwrap_or_else(default_programs))
}

/// The program tokens whose invocation grants arbitrary code execution
/// (`dos.toml [exec_capability]`): policy, not mechanism.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ExecCapabilityPolicy {
    /// The closed set of program tokens that grant arbitrary execution,
    /// matched against the invoked program's basename, lower-cased.
    #[serde(default = "default_programs", deserialize_with = "programs_or_null")]
    pub programs: BTreeSet<String>,
    /// Envelope only: tokens added as `with_extra` adds them.
    #[serde(default, deserialize_with = "or_default", skip_serializing)]
    #[describe(skip)]
    extra: Vec<String>,
}

impl Default for ExecCapabilityPolicy {
    fn default() -> Self {
        ExecCapabilityPolicy::new(default_programs())
    }
}

impl ExecCapabilityPolicy {
    /// A policy matching exactly `programs`.
    pub fn new(programs: BTreeSet<String>) -> ExecCapabilityPolicy {
        ExecCapabilityPolicy { programs, extra: Vec::new() }
    }

    /// The policy as the envelope gave it: `extra` added.
    fn settled(mut self) -> ExecCapabilityPolicy {
        let extra = std::mem::take(&mut self.extra);
        if extra.is_empty() {
            self
        } else {
            self.with_extra(&extra)
        }
    }

    /// The shared default policy.
    pub fn default_ref() -> &'static ExecCapabilityPolicy {
        static P: OnceLock<ExecCapabilityPolicy> = OnceLock::new();
        P.get_or_init(ExecCapabilityPolicy::default)
    }

    /// `with_extra`: add tokens, stripped and lower-cased, skipping blanks.
    pub fn with_extra<S: AsRef<str>>(&self, extra: &[S]) -> ExecCapabilityPolicy {
        let mut programs = self.programs.clone();
        for p in extra {
            let t = pystr::strip(p.as_ref());
            if !t.is_empty() {
                programs.insert(pystr::lower(t));
            }
        }
        ExecCapabilityPolicy::new(programs)
    }

    pub fn contains(&self, token: &str) -> bool {
        if std::ptr::eq(self, Self::default_ref()) {
            return in_default_set(token);
        }
        self.programs.contains(token)
    }
}

/// What [`classify_command`] finds: the facts of an
/// [`ExecCapabilityVerdict`], whose reason is written from them on demand
/// ([`Classified::verdict`]), so the hot path never formats prose nobody reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classified {
    pub capability: Capability,
    pub program: Option<String>,
    /// The wrapper (such as `sudo`) whose own membership in the set decided
    /// GRANTS_ARBITRARY_EXEC; `None` when the program itself matched, or when
    /// nothing did. Wrappers are a fixed list, so this never allocates.
    pub via_wrapper: Option<&'static str>,
}

impl Classified {
    pub fn grants_arbitrary_exec(&self) -> bool {
        self.capability == Capability::GrantsArbitraryExec
    }

    /// The capability token that matched: the wrapper, or else the program
    /// (only for GRANTS_ARBITRARY_EXEC).
    pub fn matched(&self) -> Option<&str> {
        match (self.capability, self.via_wrapper) {
            (_, Some(w)) => Some(w),
            (Capability::GrantsArbitraryExec, None) => self.program.as_deref(),
            _ => None,
        }
    }

    /// The one-line explanation (our wording; it names the capability and the token).
    pub fn reason(&self) -> String {
        match (self.capability, self.matched(), &self.program) {
            (Capability::GrantsArbitraryExec, Some(hit), _) => {
                format!("GRANTS_ARBITRARY_EXEC: {} can run arbitrary code, so a per-command gate cannot bound it", pystr::repr(hit))
            }
            (Capability::Bounded, _, Some(program)) => {
                format!("BOUNDED: {} is not in the declared arbitrary-exec set (this is not a safety guarantee)", pystr::repr(program))
            }
            _ => "EMPTY: the command names no program to classify".into(),
        }
    }

    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "capability" => self.capability.as_str(),
            "program" => self.program.clone(),
            "reason" => self.reason(),
        })
    }

    /// The verdict record, reason written.
    pub fn verdict(&self) -> ExecCapabilityVerdict {
        ExecCapabilityVerdict { capability: self.capability, program: self.program.clone(), reason: self.reason() }
    }
}

/// The classifier's verdict: the capability, the program token it read
/// (None for an empty command) and a one-line reason naming the token that decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ExecCapabilityVerdict {
    /// The capability the command grants.
    pub capability: Capability,
    /// The invoked program's basename, lower-cased; None for an empty command.
    #[serde(deserialize_with = "route::required")]
    pub program: Option<String>,
    /// Why, in words (it names the capability and the token).
    pub reason: String,
}

/// The ASCII characters Python's `str.isspace()` accepts, as a bit mask
/// over the byte value (all of them are below 64).
const ASCII_SPACE_MASK: u64 = (1 << b' ') | (0b1_1111 << b'\t') | (0b1111 << 0x1c);

#[inline(always)]
fn is_ascii_space(b: u8) -> bool {
    b < 64 && (ASCII_SPACE_MASK >> b) & 1 == 1
}

/// The character at byte `i` of `s` (not ASCII): whether Python calls it a
/// space, and its width in bytes.
#[cold]
#[inline(never)]
fn wide_char_at(s: &str, i: usize) -> (bool, usize) {
    match s[i..].chars().next() {
        Some(c) => (pystr::is_space(c), c.len_utf8()),
        None => (false, 1),
    }
}

/// The whitespace-separated tokens of `s`, as Python's `str.split()` cuts
/// them. ASCII bytes are tested with a mask; only a non-ASCII byte decodes a
/// character (which may be one of Python's non-ASCII spaces).
struct Tokens<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.s.as_bytes();
        let len = bytes.len();
        let mut i = self.pos;
        while i < len {
            let b = bytes[i];
            if b < 0x80 {
                if !is_ascii_space(b) {
                    break;
                }
                i += 1;
            } else {
                let (space, w) = wide_char_at(self.s, i);
                if !space {
                    break;
                }
                i += w;
            }
        }
        if i >= len {
            self.pos = len;
            return None;
        }
        let start = i;
        while i < len {
            let b = bytes[i];
            if b < 0x80 {
                if is_ascii_space(b) {
                    break;
                }
                i += 1;
            } else {
                let (space, w) = wide_char_at(self.s, i);
                if space {
                    break;
                }
                i += w;
            }
        }
        self.pos = i;
        Some(&self.s[start..i])
    }
}

fn is_assignment(tok: &str) -> bool {
    let bytes = tok.as_bytes();
    let Some(eq) = bytes.iter().position(|&b| b == b'=') else {
        return false;
    };
    if eq == 0 {
        return false;
    }
    let head = &bytes[..eq];
    if head.is_ascii() {
        head.iter().all(|&b| b == b'_' || b.is_ascii_alphanumeric())
    } else {
        tok[..eq].chars().all(|c| c == '_' || pystr::is_alnum(c))
    }
}

/// Longest basename lower-cased on the stack; longer or non-ASCII ones take
/// the general (allocating) path.
const STACK_TOKEN: usize = 64;

/// A token's basename, lower-cased as Python's `str.lower()` does: borrowed
/// when it has no upper-case letter, on the stack when it is short ASCII.
enum Lowered<'a> {
    Same(&'a str),
    Stack([u8; STACK_TOKEN], usize),
    Heap(String),
}

impl<'a> Lowered<'a> {
    #[inline]
    fn of(tok: &'a str) -> Lowered<'a> {
        let bytes = tok.as_bytes();
        let start = bytes.iter().rposition(|&b| b == b'/' || b == b'\\').map_or(0, |i| i + 1);
        let base = &tok[start..];
        let b = base.as_bytes();
        if !b.iter().any(|&c| c.is_ascii_uppercase() || c >= 0x80) {
            Lowered::Same(base)
        } else if b.len() <= STACK_TOKEN && b.is_ascii() {
            let mut buf = [0u8; STACK_TOKEN];
            for (d, s) in buf.iter_mut().zip(b) {
                *d = s.to_ascii_lowercase();
            }
            Lowered::Stack(buf, b.len())
        } else {
            Lowered::Heap(pystr::lower(base))
        }
    }

    #[inline]
    fn as_str(&self) -> &str {
        match self {
            Lowered::Same(s) => s,
            // Lower-cased ASCII is always valid UTF-8.
            Lowered::Stack(buf, n) => std::str::from_utf8(&buf[..*n]).unwrap_or(""),
            Lowered::Heap(s) => s,
        }
    }
}

/// The wrapper entry equal to `base`, if it is one.
#[inline]
fn wrapper(base: &str) -> Option<&'static str> {
    match base {
        "env" => Some("env"),
        "sudo" => Some("sudo"),
        "command" => Some("command"),
        "nice" => Some("nice"),
        "nohup" => Some("nohup"),
        "time" => Some("time"),
        _ => None,
    }
}

/// `classify_command`: walk the leading tokens (assignments skipped, wrappers
/// kept) up to the first real program; the first token in the policy's set
/// decides GRANTS_ARBITRARY_EXEC, a program with no hit is BOUNDED, and a
/// command with no program at all is EMPTY.
///
/// Only the returned program allocates: tokens are cut and lower-cased in
/// place (on the stack for ASCII basenames up to 64 bytes).
pub fn classify_command(command: &str, policy: &ExecCapabilityPolicy) -> Classified {
    let mut via_wrapper: Option<&'static str> = None;
    let mut matched = false;
    for tok in (Tokens { s: command, pos: 0 }) {
        if is_assignment(tok) {
            continue;
        }
        let lowered = Lowered::of(tok);
        let base = lowered.as_str();
        let wrap = wrapper(base);
        if !matched && policy.contains(base) {
            matched = true;
            via_wrapper = wrap;
        }
        if wrap.is_none() {
            let capability = if matched { Capability::GrantsArbitraryExec } else { Capability::Bounded };
            let program = match lowered {
                Lowered::Heap(s) => s,
                _ => base.to_owned(),
            };
            return Classified { capability, program: Some(program), via_wrapper };
        }
    }
    Classified { capability: Capability::Empty, program: None, via_wrapper: None }
}

// ------------------------------------------------------------------ the route

/// Classify the execution capability `command` grants: EMPTY when it names
/// no program; GRANTS_ARBITRARY_EXEC when the invoked program, or a wrapper
/// before it (`sudo`), is in the policy's set; else BOUNDED. Only the
/// invoked program's shape is read, never a word elsewhere in the command.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ClassifyCommand {
    /// The command line.
    pub command: String,
    /// The capability set (null: the default). On the envelope it may also
    /// carry `extra`: tokens added as `with_extra` adds them.
    #[serde(default)]
    pub policy: PolicyArg,
}

/// `classify_command`'s policy argument: left out or null, it is the shared
/// default (no 25-program set is built per call); typed as the policy.
#[derive(Default)]
pub struct PolicyArg(pub Option<ExecCapabilityPolicy>);

impl Describe for PolicyArg {
    fn describe(reg: &mut route::Registry) -> route::Type {
        ExecCapabilityPolicy::describe(reg)
    }
}

impl Serialize for PolicyArg {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.as_ref().unwrap_or(ExecCapabilityPolicy::default_ref()).serialize(s)
    }
}

impl<'de> Deserialize<'de> for PolicyArg {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(PolicyArg(Option::deserialize(d)?))
    }
}

impl Op for ClassifyCommand {
    const NAME: &'static str = "exec_capability.classify_command";
    type Verdict = ExecCapabilityVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<ExecCapabilityVerdict, CallError> {
        let shared = ExecCapabilityPolicy::default_ref();
        let Some(policy) = self.policy.0 else { return Ok(classify_command(&self.command, shared).verdict()) };
        let policy = policy.settled();
        let policy = if policy == *shared { shared } else { &policy };
        Ok(classify_command(&self.command, policy).verdict())
    }
}

/// `ExecCapabilityPolicy.with_extra`: a copy of the policy with `extra`
/// tokens added (each stripped and lower-cased; blank ones skipped).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct WithExtra {
    /// The policy copied.
    #[serde(rename = "self")]
    pub this: ExecCapabilityPolicy,
    /// The tokens added (None: none).
    #[serde(deserialize_with = "route::required")]
    pub extra: Option<Vec<String>>,
}

impl Op for WithExtra {
    const NAME: &'static str = "exec_capability.ExecCapabilityPolicy.with_extra";
    type Verdict = ExecCapabilityPolicy;

    fn run(self, _: &Ctx<'_>) -> Result<ExecCapabilityPolicy, CallError> {
        Ok(self.this.settled().with_extra(&self.extra.unwrap_or_default()))
    }
}

/// `ExecCapabilityVerdict.grants_arbitrary_exec`: True when the capability is GRANTS_ARBITRARY_EXEC.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct GrantsArbitraryExec {
    /// The verdict read.
    #[serde(rename = "self")]
    pub this: ExecCapabilityVerdict,
}

impl Op for GrantsArbitraryExec {
    const NAME: &'static str = "exec_capability.ExecCapabilityVerdict.grants_arbitrary_exec";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        Ok(self.this.capability == Capability::GrantsArbitraryExec)
    }
}

pub(crate) const MODULE: Module = Module {
    name: "exec_capability",
    doc: "Does a command grant arbitrary code execution? The classifier reads the program a command invokes \
          (after VAR=value assignments and wrappers such as env, sudo or nice) and looks it up in a closed, \
          declared set of interpreters, shells, package runners and remote-exec wrappers; it never scans the \
          rest of the command. The set is data (ExecCapabilityPolicy, dos.toml [exec_capability]).",
    routes: &[route::route::<ClassifyCommand>(), route::route::<WithExtra>(), route::route::<GrantsArbitraryExec>()],
    consts: &[
        Const {
            name: "CROSS_PLATFORM_CODE_EXEC",
            doc: "The default set of programs whose invocation grants arbitrary code execution.",
            eval: |reg| route::konst(reg, default_programs()),
        },
        Const {
            name: "DEFAULT_POLICY",
            doc: "The ExecCapabilityPolicy with the default set (CROSS_PLATFORM_CODE_EXEC).",
            eval: |reg| route::konst(reg, ExecCapabilityPolicy::default()),
        },
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    fn cap(c: &str) -> (Capability, Option<String>) {
        let v = classify_command(c, ExecCapabilityPolicy::default_ref());
        (v.capability, v.program)
    }

    #[test]
    fn ladder() {
        assert_eq!(cap("   "), (Capability::Empty, None));
        assert_eq!(cap("env"), (Capability::Empty, None));
        assert_eq!(cap("sudo rm -rf /").0, Capability::GrantsArbitraryExec);
        assert_eq!(cap("sudo rm").1.as_deref(), Some("rm"));
        assert_eq!(cap("FOO=1 /usr/bin/Python3 -c x"), (Capability::GrantsArbitraryExec, Some("python3".into())));
        assert_eq!(cap("cat eval.txt"), (Capability::Bounded, Some("cat".into())));
        assert_eq!(cap("=x ls").1.as_deref(), Some("=x"));
        assert_eq!(cap("\u{3000}sudo\u{85}Env\tX\u{e9}=1 \\BIN/Nice PYTHON3"), (Capability::GrantsArbitraryExec, Some("python3".into())));
        assert_eq!(cap("X\u{e9}=1 ls").1.as_deref(), Some("ls"));
        assert_eq!(cap("X\u{2160}=1 ls").1.as_deref(), Some("ls"));
        assert_eq!(cap("\u{212a}SH").1.as_deref(), Some("ksh"));
        let v = classify_command("sudo env python", ExecCapabilityPolicy::default_ref());
        assert_eq!((v.via_wrapper, v.matched()), (Some("sudo"), Some("sudo")));
        let v = classify_command("nice python", ExecCapabilityPolicy::default_ref());
        assert_eq!((v.via_wrapper, v.matched()), (None, Some("python")));
        assert_eq!(classify_command("ls", ExecCapabilityPolicy::default_ref()).matched(), None);
    }

    #[test]
    fn default_match_is_the_default_list() {
        for p in CROSS_PLATFORM_CODE_EXEC {
            assert!(in_default_set(p), "{p}");
        }
        let def = ExecCapabilityPolicy::default_ref();
        assert_eq!(def.programs.len(), CROSS_PLATFORM_CODE_EXEC.len());
        for other in ["", "Python", "python4", "env", "nice", "ls", "shh", "s"] {
            assert!(!in_default_set(other) && !def.contains(other), "{other}");
        }
        // A policy equal to the default but not the shared one takes the set.
        let copy = ExecCapabilityPolicy::default();
        assert!(copy.contains("bash") && !copy.contains("git"));
    }

    #[test]
    fn wrapper_match_is_the_wrapper_list() {
        for w in WRAPPER_TOKENS {
            assert_eq!(wrapper(w), Some(*w));
        }
        for other in ["", "Env", "envs", "nic", "sudo ", "python"] {
            assert_eq!(wrapper(other), None);
        }
        for b in 0u8..128 {
            assert_eq!(is_ascii_space(b), pystr::is_space(char::from(b)), "{b}");
        }
    }

    /// The plain, allocating walk the fast path replaced: Python's `split()`,
    /// `rsplit` and `lower()` spelled with the `pystr` helpers.
    fn classify_plain(command: &str, policy: &ExecCapabilityPolicy) -> (Capability, Option<String>, Option<String>) {
        let mut matched: Option<String> = None;
        for tok in pystr::split(command) {
            if let Some((head, _)) = tok.split_once('=') {
                if !head.is_empty() && head.chars().all(|c| c == '_' || pystr::is_alnum(c)) {
                    continue;
                }
            }
            let base = pystr::lower(tok.rsplit(['/', '\\']).next().unwrap_or(tok));
            let is_wrapper = WRAPPER_TOKENS.contains(&base.as_str());
            if matched.is_none() && policy.programs.contains(&base) {
                matched = Some(base.clone());
            }
            if !is_wrapper {
                let c = if matched.is_some() { Capability::GrantsArbitraryExec } else { Capability::Bounded };
                return (c, Some(base), matched);
            }
        }
        (Capability::Empty, None, None)
    }

    fn word() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just("python3".to_string()),
            Just("SUDO".to_string()),
            Just("env".to_string()),
            Just("Nice".to_string()),
            Just("time".to_string()),
            Just("ls".to_string()),
            Just("X_1=2".to_string()),
            Just("=a".to_string()),
            Just("/usr/bin/".to_string()),
            Just("c:\\bin\\".to_string()),
            Just("\u{e9}".to_string()),
            Just("\u{3a3}".to_string()),
            Just("\u{212a}".to_string()),
            Just("\u{130}".to_string()),
            Just(" ".to_string()),
            Just("\t".to_string()),
            Just("\u{1f}".to_string()),
            Just("\u{85}".to_string()),
            Just("\u{a0}".to_string()),
            Just("\u{3000}".to_string()),
            Just("\u{200b}".to_string()),
            Just("=".to_string()),
            Just("_".to_string()),
            Just("a".repeat(70)),
            "[a-zA-Z0-9_=/ ]{0,6}",
            any::<char>().prop_map(String::from),
        ];
        proptest::collection::vec(piece, 0..8).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]
        #[test]
        fn fast_walk_equals_plain_walk(command in word(), extra in proptest::option::of(word())) {
            // Without extras, the shared default policy (its `match` fast path).
            let owned;
            let policy = match &extra {
                Some(e) => {
                    owned = ExecCapabilityPolicy::default().with_extra(&[e.as_str(), "ls", "nice", "env"]);
                    &owned
                }
                None => ExecCapabilityPolicy::default_ref(),
            };
            let v = classify_command(&command, policy);
            let (c, program, matched) = classify_plain(&command, policy);
            proptest::prop_assert_eq!(v.capability, c);
            proptest::prop_assert_eq!(&v.program, &program);
            proptest::prop_assert_eq!(v.matched(), matched.as_deref());
        }
    }
}
