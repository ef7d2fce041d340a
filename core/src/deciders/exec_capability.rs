//! `exec_capability`: does a command grant arbitrary code execution?
//!
//! The classifier reads the program a command invokes (skipping `VAR=value`
//! assignments and benign wrappers such as `env` or `nice`) and looks it up in
//! a closed set of interpreters, shells, package runners and remote-exec
//! wrappers. It never scans the rest of the command.

use crate::envelope::{Args, CallError, Ctx, OpSpec};
use crate::pyjson::Value;
use crate::{dict, pystr};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The default capability set (the reference's `CROSS_PLATFORM_CODE_EXEC`).
pub const CROSS_PLATFORM_CODE_EXEC: &[&str] = &[
    "python", "python3", "python2", "node", "deno", "tsx", "ruby", "perl", "php", "lua", "npx",
    "bunx", "npm", "yarn", "pnpm", "bun", "bash", "sh", "zsh", "fish", "eval", "exec", "xargs",
    "ssh", "sudo",
];

/// Words that wrap the real program (`env X=1 python`, `nice make`).
pub const WRAPPER_TOKENS: &[&str] = &["env", "sudo", "command", "nice", "nohup", "time"];

/// The verdict vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Capability {
    GrantsArbitraryExec,
    Bounded,
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

/// `ExecCapabilityPolicy`: the set of program tokens that grant arbitrary exec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecCapabilityPolicy {
    pub programs: BTreeSet<String>,
}

impl Default for ExecCapabilityPolicy {
    fn default() -> Self {
        ExecCapabilityPolicy { programs: CROSS_PLATFORM_CODE_EXEC.iter().map(|s| s.to_string()).collect() }
    }
}

impl ExecCapabilityPolicy {
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
        ExecCapabilityPolicy { programs }
    }

    pub fn contains(&self, token: &str) -> bool {
        self.programs.contains(token)
    }
}

/// `ExecCapabilityVerdict`. The reason is derived from the structured facts
/// on demand, so the hot path never formats prose nobody reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecCapabilityVerdict {
    pub capability: Capability,
    pub program: Option<String>,
    /// The capability token that matched (a wrapper such as `sudo`, or the program).
    pub matched: Option<String>,
}

impl ExecCapabilityVerdict {
    pub fn grants_arbitrary_exec(&self) -> bool {
        self.capability == Capability::GrantsArbitraryExec
    }

    /// The one-line explanation (our wording; it names the capability and the token).
    pub fn reason(&self) -> String {
        match (self.capability, &self.matched, &self.program) {
            (Capability::GrantsArbitraryExec, Some(hit), _) => format!(
                "GRANTS_ARBITRARY_EXEC: {} can run arbitrary code, so a per-command gate cannot bound it",
                pystr::repr(hit)
            ),
            (Capability::Bounded, _, Some(program)) => format!(
                "BOUNDED: {} is not in the declared arbitrary-exec set (this is not a safety guarantee)",
                pystr::repr(program)
            ),
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
}

fn is_assignment(tok: &str) -> bool {
    if tok.starts_with('=') {
        return false;
    }
    match tok.split_once('=') {
        Some((head, _)) => !head.is_empty() && head.chars().all(|c| c == '_' || pystr::is_alnum(c)),
        None => false,
    }
}

fn basename_lower(tok: &str) -> String {
    let base = tok.rsplit(['/', '\\']).next().unwrap_or(tok);
    pystr::lower(base)
}

/// `classify_command`: walk the leading tokens (assignments skipped, wrappers
/// kept) up to the first real program; the first token in the policy's set
/// decides GRANTS_ARBITRARY_EXEC, a program with no hit is BOUNDED, and a
/// command with no program at all is EMPTY.
pub fn classify_command(command: &str, policy: &ExecCapabilityPolicy) -> ExecCapabilityVerdict {
    let mut matched: Option<String> = None;
    for tok in pystr::split(command) {
        if is_assignment(tok) {
            continue;
        }
        let base = basename_lower(tok);
        let is_wrapper = WRAPPER_TOKENS.contains(&base.as_str());
        if matched.is_none() && policy.contains(&base) {
            if !is_wrapper {
                return ExecCapabilityVerdict {
                    capability: Capability::GrantsArbitraryExec,
                    matched: Some(base.clone()),
                    program: Some(base),
                };
            }
            matched = Some(base.clone());
        }
        if !is_wrapper {
            let capability = if matched.is_some() { Capability::GrantsArbitraryExec } else { Capability::Bounded };
            return ExecCapabilityVerdict { capability, program: Some(base), matched };
        }
    }
    ExecCapabilityVerdict { capability: Capability::Empty, program: None, matched: None }
}

/// Read an `ExecCapabilityPolicy` from `{"programs": [...], "extra": [...]}`.
pub fn policy_from_args(p: &Args) -> Result<ExecCapabilityPolicy, CallError> {
    p.check_known(&["programs", "extra"])?;
    let base = match p.opt_str_list("programs")? {
        Some(list) => ExecCapabilityPolicy { programs: list.into_iter().map(str::to_owned).collect() },
        None => ExecCapabilityPolicy::default(),
    };
    Ok(match p.opt_str_list("extra")? {
        Some(extra) => base.with_extra(&extra),
        None => base,
    })
}

fn op_classify(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let command = a.str("command")?;
    let v = match a.opt_obj("policy")? {
        Some(p) => classify_command(command, &policy_from_args(&p)?),
        None => classify_command(command, ExecCapabilityPolicy::default_ref()),
    };
    Ok(v.to_value())
}

pub(crate) const OPS: &[OpSpec] =
    &[OpSpec { name: "exec_capability.classify_command", args: &["command", "policy"], run: op_classify }];

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
    }
}
