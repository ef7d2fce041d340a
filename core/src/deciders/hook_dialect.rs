//! `hook_dialect` and the bundled host dialects: one host-neutral hook
//! verdict (moment, action, reason, context) read from the Claude Code
//! document the sensors build, and written in each host's stdout shape.
//!
//! Hosts: `claude-code` (the default, also for an empty name), `codex` (the
//! same shape), `gemini`, `antigravity`, `cursor`, `hermes`. Any other name is
//! an error; the hook then prints nothing. No shape ever carries a rewritten
//! tool argument.

use crate::dict;
use crate::pyjson::{Dict, Value};
use crate::pystr;

/// Which hook moment a verdict belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment {
    Pre,
    Post,
    Stop,
}

/// The host-neutral action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Deny,
    Warn,
    Pass,
}

/// `HookVerdict`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub moment: Moment,
    pub action: Action,
    pub reason: String,
    pub context: String,
}

/// The dialect names this build renders.
pub const DIALECTS: [&str; 6] = ["claude-code", "codex", "gemini", "antigravity", "cursor", "hermes"];

/// `parse_cc`: a Claude Code hook document (or anything else) as a verdict.
pub fn parse_cc(doc: Option<&Value>, moment: Moment) -> Verdict {
    let pass = Verdict { moment, action: Action::Pass, reason: String::new(), context: String::new() };
    let Some(hso) = doc.and_then(Value::as_dict).and_then(|d| d.get("hookSpecificOutput")).and_then(Value::as_dict) else {
        return pass;
    };
    let text = |k: &str| match hso.get(k) {
        Some(Value::Str(s)) => s.as_str().unwrap_or("").to_string(),
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

// ------------------------------------------------------------------ envelope

use crate::envelope::{Args, CallError, Ctx, OpSpec};

/// `hook_dialect.render {dialect, moment, cc}`: `resolve_dialect(dialect)
/// .render(parse_cc(cc, moment))`; an unknown dialect is `BAD_ARGS`.
fn op_render(_: &Ctx, a: &Args) -> Result<Value, CallError> {
    let moment = match a.str("moment")? {
        "pre" => Moment::Pre,
        "post" => Moment::Post,
        "stop" => Moment::Stop,
        m => return Err(a.err(format_args!("unknown hook moment {}", pystr::repr(m)))),
    };
    let v = parse_cc(a.get("cc"), moment);
    render(a.opt_str("dialect")?, &v)
        .map(|o| o.unwrap_or(Value::Null))
        .map_err(|e| a.err(format_args!("unknown hook dialect {}", pystr::repr(&e.0))))
}

pub(crate) const OPS: &[OpSpec] = &[OpSpec { name: "hook_dialect.render", args: &["dialect", "moment", "cc"], run: op_render }];

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
