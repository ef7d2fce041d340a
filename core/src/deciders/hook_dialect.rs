//! `hook_dialect` and the bundled host dialects: one host-neutral hook
//! verdict (moment, action, reason, context) read from the Claude Code
//! document the sensors build, and written in each host's stdout shape.
//!
//! Hosts: `claude-code` (the default, also for an empty name), `codex` (the
//! same shape), `gemini`, `antigravity`, `cursor`, `hermes`. Any other name is
//! an error; the hook then prints nothing. No shape ever carries a rewritten
//! tool argument.

use crate::dict;
use crate::envelope::{CallError, Ctx};
use crate::pyjson::{Dict, Value};
use crate::pystr;
use crate::route::{self, Const, Describe, Module, Op};
use serde::{Deserialize, Serialize};

/// Which hook moment a verdict belongs to (it selects the host's event name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "lowercase")]
pub enum HookMoment {
    /// Before a tool runs: the only moment a deny is honoured.
    Pre,
    /// After a tool ran: context only.
    Post,
    /// The agent wants to stop.
    Stop,
}

/// The host-neutral action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(rename_all = "lowercase")]
pub enum HookAction {
    /// Withhold the call (or refuse the stop).
    Deny,
    /// Add context without blocking.
    Warn,
    /// Emit nothing.
    Pass,
}

/// The names the hook code reads.
pub use HookAction as Action;
pub use HookMoment as Moment;

/// A hook decision with no host grammar in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct HookVerdict {
    /// The moment it is for.
    pub moment: HookMoment,
    /// What to do.
    pub action: HookAction,
    /// Why, for the operator (on a deny).
    #[serde(default)]
    pub reason: String,
    /// A fact surfaced to the agent (a warning's whole payload, or what
    /// accompanies a deny); never a rewritten tool argument.
    #[serde(default)]
    pub context: String,
}

/// The name the hook code reads.
pub type Verdict = HookVerdict;

/// The dialect names this build renders.
pub const DIALECTS: [&str; 6] = ["claude-code", "codex", "gemini", "antigravity", "cursor", "hermes"];

/// `parse_cc`: a Claude Code hook document (or anything else) as a verdict.
pub fn parse_cc(doc: Option<&Value>, moment: Moment) -> Verdict {
    let pass = Verdict { moment, action: Action::Pass, reason: String::new(), context: String::new() };
    let Some(hso) = doc.and_then(Value::as_dict).and_then(|d| d.get("hookSpecificOutput")).and_then(Value::as_dict) else {
        return pass;
    };
    let text = |k: &str| match hso.get(k) {
        // A lone surrogate is still text (the reference keeps the `str`): it
        // is carried as U+FFFD, so a context made of one still warns.
        Some(Value::Str(s)) => match s.as_str() {
            Some(t) => t.to_string(),
            None => s.code_points().map(|c| char::from_u32(c).unwrap_or('\u{FFFD}')).collect(),
        },
        _ => String::new(),
    };
    let context = text("additionalContext");
    if hso.get("permissionDecision").and_then(Value::as_str) == Some("deny") {
        return Verdict { moment, action: Action::Deny, reason: text("permissionDecisionReason"), context };
    }
    if !context.is_empty() {
        return Verdict { moment, action: Action::Warn, reason: String::new(), context };
    }
    pass
}

/// A dialect name nobody renders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownDialect(pub String);

/// `reason` and `context` joined by one space, empty halves dropped, stripped.
fn joined(v: &Verdict) -> String {
    let parts: Vec<&str> = [v.reason.as_str(), v.context.as_str()].into_iter().filter(|p| !p.is_empty()).collect();
    pystr::strip(&parts.join(" ")).to_string()
}

fn cc_event(m: Moment) -> &'static str {
    match m {
        Moment::Pre => "PreToolUse",
        Moment::Post => "PostToolUse",
        Moment::Stop => "Stop",
    }
}

fn claude_code(v: &Verdict) -> Option<Value> {
    match v.action {
        Action::Pass => None,
        Action::Deny => {
            let mut hso = Dict::with_capacity(4);
            hso.push("hookEventName", Value::str(cc_event(v.moment)));
            hso.push("permissionDecision", Value::str("deny"));
            hso.push("permissionDecisionReason", Value::str(&v.reason));
            if !v.context.is_empty() {
                hso.push("additionalContext", Value::str(&v.context));
            }
            Some(Value::Dict(dict! { "hookSpecificOutput" => Value::Dict(hso) }))
        }
        Action::Warn => {
            let mut hso = Dict::with_capacity(2);
            hso.push("hookEventName", Value::str(cc_event(v.moment)));
            hso.push("additionalContext", Value::str(&v.context));
            Some(Value::Dict(dict! { "hookSpecificOutput" => Value::Dict(hso) }))
        }
    }
}

fn context_only(v: &Verdict) -> Value {
    Value::Dict(dict! { "hookSpecificOutput" => Value::Dict(dict! { "additionalContext" => v.context.as_str() }) })
}

fn gemini(v: &Verdict) -> Option<Value> {
    match v.action {
        Action::Pass => None,
        Action::Warn => Some(context_only(v)),
        Action::Deny => {
            let mut out = if v.moment == Moment::Pre {
                dict! { "continue" => false, "stopReason" => v.reason.as_str() }
            } else {
                dict! { "decision" => "block", "reason" => v.reason.as_str() }
            };
            if !v.context.is_empty() {
                out.push("hookSpecificOutput", Value::Dict(dict! { "additionalContext" => v.context.as_str() }));
            }
            Some(Value::Dict(out))
        }
    }
}

fn antigravity(v: &Verdict) -> Option<Value> {
    match v.action {
        Action::Pass => None,
        Action::Warn => Some(Value::Dict(dict! { "reason" => v.context.as_str() })),
        Action::Deny => {
            let mut out = dict! { "decision" => "deny" };
            let r = joined(v);
            if !r.is_empty() {
                out.push("reason", Value::str(r));
            }
            Some(Value::Dict(out))
        }
    }
}

fn hermes(v: &Verdict) -> Option<Value> {
    match v.action {
        Action::Pass => None,
        Action::Warn => Some(Value::Dict(Dict::new())),
        Action::Deny => {
            let mut out = dict! { "decision" => "block" };
            let r = joined(v);
            if !r.is_empty() {
                out.push("reason", Value::str(r));
            }
            Some(Value::Dict(out))
        }
    }
}

fn cursor(v: &Verdict) -> Option<Value> {
    match v.action {
        Action::Pass => None,
        Action::Warn => Some(Value::Dict(dict! { "permission" => "allow", "agent_message" => v.context.as_str() })),
        Action::Deny => {
            let mut out = dict! { "permission" => "deny" };
            let mut msg: Option<String> = (!v.reason.is_empty()).then(|| v.reason.clone());
            if !v.context.is_empty() {
                let m = format!("{} {}", msg.unwrap_or_default(), v.context);
                msg = Some(pystr::strip(&m).to_string());
            }
            if let Some(m) = msg {
                out.push("agent_message", Value::str(m));
            }
            Some(Value::Dict(out))
        }
    }
}

/// Whether `name` resolves (`None` and `""` are the default).
pub fn is_known(name: Option<&str>) -> bool {
    match name {
        None | Some("") => true,
        Some(n) => DIALECTS.contains(&n),
    }
}

/// `resolve_dialect(name).render(verdict)`.
pub fn render(name: Option<&str>, v: &Verdict) -> Result<Option<Value>, UnknownDialect> {
    Ok(match name.unwrap_or("") {
        "" | "claude-code" | "codex" => claude_code(v),
        "gemini" => gemini(v),
        "antigravity" => antigravity(v),
        "cursor" => cursor(v),
        "hermes" => hermes(v),
        other => return Err(UnknownDialect(other.to_string())),
    })
}

// ------------------------------------------------------------------ the route

/// A Claude Code hook document read as a host-neutral verdict: anything
/// but a dict holding a `hookSpecificOutput` dict passes; a `deny`
/// permission decision denies (its reason and any additional context
/// kept); additional context without a decision warns; else it passes.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ParseCc {
    /// The document (any value; only a dict is read).
    #[serde(deserialize_with = "route::required")]
    pub cc_dict: Value,
    /// The moment the verdict is for.
    pub moment: HookMoment,
}

impl Op for ParseCc {
    const NAME: &'static str = "hook_dialect.parse_cc";
    type Verdict = HookVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<HookVerdict, CallError> {
        Ok(parse_cc(Some(&self.cc_dict), self.moment))
    }
}

/// A Claude Code hook document rendered in a host's dialect (the
/// reference's `resolve_dialect(dialect).render(parse_cc(cc, moment))` with
/// the bundled dialects): the host's stdout document, or None to print
/// nothing. An unknown dialect is BAD_ARGS.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct Render {
    /// The host's dialect name (None or empty: claude-code).
    #[serde(default)]
    pub dialect: Option<String>,
    /// The moment the verdict is for.
    pub moment: HookMoment,
    /// The Claude Code document the sensor built (None: pass).
    #[serde(default)]
    pub cc: Value,
}

impl Op for Render {
    const NAME: &'static str = "hook_dialect.render";
    type Verdict = Option<Value>;

    fn run(self, _: &Ctx<'_>) -> Result<Option<Value>, CallError> {
        let v = parse_cc(Some(&self.cc), self.moment);
        render(self.dialect.as_deref(), &v)
            .map_err(|e| CallError::bad_args(format!("args.dialect: unknown hook dialect {}", pystr::repr(&e.0))))
    }
}

pub(crate) const MODULE: Module = Module {
    name: "hook_dialect",
    doc: "One host-neutral hook verdict (moment, action, reason, context) read from the Claude Code document \
          the sensors build, and written in a host's stdout shape. The bundled dialects are claude-code (the \
          default) and its codex, gemini, antigravity, cursor and hermes renderings; other dialects are \
          plugins and stay in Python.",
    routes: &[route::route::<ParseCc>(), route::route::<Render>()],
    consts: &[Const { name: "DEFAULT_DIALECT", doc: "The dialect used when none is named.", eval: |reg| route::konst(reg, "claude-code") }],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::{dumps_string, Options};

    fn show(name: &str, v: &Verdict) -> String {
        render(Some(name), v).unwrap().map(|x| dumps_string(&x, Options::SORTED_ASCII).unwrap()).unwrap_or_default()
    }

    #[test]
    fn shapes() {
        let d = Verdict { moment: Moment::Pre, action: Action::Deny, reason: "R".into(), context: "C".into() };
        assert_eq!(show("gemini", &d), r#"{"continue": false, "hookSpecificOutput": {"additionalContext": "C"}, "stopReason": "R"}"#);
        assert_eq!(show("cursor", &d), r#"{"agent_message": "R C", "permission": "deny"}"#);
        assert_eq!(show("hermes", &d), r#"{"decision": "block", "reason": "R C"}"#);
        let w = Verdict { moment: Moment::Post, action: Action::Warn, reason: String::new(), context: "C".into() };
        assert_eq!(show("hermes", &w), "{}");
        assert_eq!(show("antigravity", &w), r#"{"reason": "C"}"#);
        assert!(render(Some("nope"), &w).is_err());
    }
}
