//! `log_source`: who authored a log's bytes, and the built-in source that
//! reaches nothing.
//!
//! A log counts as evidence only when the party that wrote its bytes is not
//! the party being judged. Every source declares where it sits on that
//! spectrum ([`Accountability`]) as data, and the facts it gathers
//! ([`LogEvidence`]) carry the tag, so a consumer routes by the tag and never
//! by the content.
//!
//! The reading backends (a pasted buffer, journald, a cloud trail) are
//! plugins and stay in the host: only the built-in `null` source is native.
//! It reaches nothing, so gathering through it gives the fail-safe zero: an
//! unreachable, empty read on the least-trusted rung.

use crate::envelope::{CallError, Ctx};
use crate::pyjson::{Str, Value};
use crate::route::{self, Const, Describe, Module, Op};
use serde::{Deserialize, Serialize};

/// Where a source sits on the accountability spectrum, from the forgeable
/// floor to the strongest rung: the agent (or a process it controls) wrote
/// the bytes; the operating system recorded them; infrastructure the agent
/// does not control recorded them. The tag a source declares is the most a
/// consumer may trust it, never a floor to raise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Describe)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Accountability {
    /// The agent or its own process wrote the bytes: a hint for a judge, never a verdict.
    AgentAuthored,
    /// The operating system recorded them (an exit status, a privileged log).
    OsRecorded,
    /// Infrastructure outside the agent's reach recorded them (an audit trail, a CI record).
    ThirdParty,
}

impl Accountability {
    /// True on the forgeable floor.
    pub fn is_agent_authored(self) -> bool {
        self == Accountability::AgentAuthored
    }

    /// The rung, weakest first (0, 1, 2).
    pub fn rung(self) -> u8 {
        match self {
            Accountability::AgentAuthored => 0,
            Accountability::OsRecorded => 1,
            Accountability::ThirdParty => 2,
        }
    }

    pub fn token(self) -> &'static str {
        match self {
            Accountability::AgentAuthored => "AGENT_AUTHORED",
            Accountability::OsRecorded => "OS_RECORDED",
            Accountability::ThirdParty => "THIRD_PARTY",
        }
    }
}

pub(crate) fn empty() -> Str {
    Str::Utf8(String::new())
}

/// The facts one log source gathered for one subject. `reachable` is false
/// unless the source was actually read (then `lines` holds what it read, in
/// source order); `detail` says in one line what was read or why nothing was.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct LogEvidence {
    /// The source that produced the facts.
    pub source_name: Str,
    /// The source's rung, as it declares it.
    pub accountability: Accountability,
    /// The lines read, in source order (none on a degrade).
    #[serde(default)]
    pub lines: route::Tuple<Str>,
    /// Was the source reached and read?
    #[serde(default)]
    pub reachable: bool,
    /// One line for the operator: what was read, or why nothing was.
    #[serde(default = "empty")]
    pub detail: Str,
}

impl LogEvidence {
    /// An unreachable read: no lines.
    pub fn no_signal(source_name: Str, accountability: Accountability, detail: Str) -> LogEvidence {
        LogEvidence { source_name, accountability, lines: route::Tuple::default(), reachable: false, detail }
    }
}

/// The name of the built-in source that reaches nothing.
pub const NULL_SOURCE: &str = "null";

/// The entry-point group log-source plugins register under (looked up by the host).
pub const LOG_SOURCE_ENTRY_POINT_GROUP: &str = "dos.log_sources";

/// What the built-in `null` log source gathers: nothing, on the floor rung.
pub fn null_log_evidence() -> LogEvidence {
    LogEvidence::no_signal(
        Str::from(NULL_SOURCE),
        Accountability::AgentAuthored,
        Str::from(
            "no log source is configured: the built-in `null` source reads nothing, so there is no log \
             signal for this subject (wire a backend under dos.log_sources)",
        ),
    )
}

/// Check that `source` names a built-in source (only `null` is built in).
pub(crate) fn built_in(op: &str, source: &Str) -> Result<(), CallError> {
    if source.as_str() == Some(NULL_SOURCE) {
        return Ok(());
    }
    Err(CallError::bad_args(format!(
        "{op}: args.source: {} is not a built-in source (only \"null\" is native; plugin sources run in the host)",
        crate::pyjson::repr_str(source)
    )))
}

/// Gather one subject's log facts through a built-in source, fail-safe: the
/// only built-in source, `null`, reaches nothing, so the answer is an
/// unreachable read with no lines on the floor rung. Plugin sources (named
/// by anything else) run in the host.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct GatherLog {
    /// The built-in source's name: `null`.
    pub source: Str,
    /// The subject to read the log of (a run id, a commit, a unit name).
    pub subject: Str,
    /// The active configuration (the null source does not read it).
    #[serde(default)]
    pub config: Value,
}

impl Op for GatherLog {
    const NAME: &'static str = "log_source.gather_log";
    type Verdict = LogEvidence;

    fn run(self, _: &Ctx<'_>) -> Result<LogEvidence, CallError> {
        built_in(Self::NAME, &self.source)?;
        Ok(null_log_evidence())
    }
}

/// The `log_source` module.
pub(crate) const MODULE: Module = Module {
    name: "log_source",
    doc: "Log sources sorted by who authored the bytes (the accountability spectrum), the facts a source \
          gathers, and the built-in `null` source that reaches nothing. Reading backends are plugins and stay \
          in the host.",
    routes: &[route::route::<GatherLog>()],
    consts: &[Const {
        name: "LOG_SOURCE_ENTRY_POINT_GROUP",
        doc: "The entry-point group log-source plugins register under.",
        eval: |reg| route::konst(reg, LOG_SOURCE_ENTRY_POINT_GROUP),
    }],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson;

    fn call(args: &str) -> Result<Value, CallError> {
        let v = pyjson::parse_str(args).unwrap();
        crate::envelope::dispatch_pure("log_source.gather_log", None, v.as_dict().unwrap())
    }

    #[test]
    fn null_source_reaches_nothing_on_the_floor() {
        let v = call(r#"{"source":"null","subject":"run-1","config":{"x":1}}"#).unwrap();
        assert_eq!(v.get("source_name"), Some(&Value::str("null")));
        assert_eq!(v.get("accountability"), Some(&Value::str("AGENT_AUTHORED")));
        assert_eq!(v.get("reachable"), Some(&Value::Bool(false)));
        assert_eq!(v.get("lines"), Some(&Value::List(vec![])));
    }

    #[test]
    fn other_sources_are_refused_naming_the_field() {
        let e = call(r#"{"source":"paste","subject":"s"}"#).unwrap_err();
        assert!(e.message.contains("args.source"), "{}", e.message);
        let e = call(r#"{"source":"null","subject":3}"#).unwrap_err();
        assert_eq!(e.message, "log_source.gather_log: args.subject: expected str, got int");
    }
}
