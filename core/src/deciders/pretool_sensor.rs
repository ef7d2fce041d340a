//! `pretool_sensor` (its pure half): a PreToolUse event becomes an admission
//! request, and the admission verdict becomes deny, warn or passthrough.
//!
//! * Only a PreToolUse-shaped event is acted on: a non-empty string
//!   `tool_name`, a `hook_event_name` that is absent, empty or
//!   `PreToolUse`, and no result (`tool_response`/`tool_output` absent or
//!   null).
//! * The requested tree: read-only tools take none (known empty); otherwise
//!   the first non-blank string among `file_path`, `path`, `notebook_path`
//!   (any tool); for `Bash`, the path-shaped tokens of the command; anything
//!   else is an unknown tree. Paths are made relative to the event's `cwd`.
//! * The request runs through the admission conjunction over the live
//!   leases. A refusal is a deny when it is provable (it carries a reason
//!   class, or the tree is known and non-empty), else an advisory warn.
//! * The provenance rung with the only built-in handler (`observe`) never
//!   changes the outcome, so an admitted call passes through.
//!
//! Reading the live leases and the runtime-file probe belong to the caller.

use super::admission::{built_in_predicates, run_predicates, AdmissionRequest, Lease, NoExternal, PredicateEnv};
use crate::config::SubstrateConfig;
use crate::dict;
use crate::pyjson::{Dict, Value};
use crate::pystr;

/// Tools that never take an admission tree.
pub const READ_ONLY_TOOLS: [&str; 7] = ["Read", "Grep", "Glob", "LS", "NotebookRead", "WebFetch", "WebSearch"];
/// Tools that write a file named by an argument.
pub const WRITE_TOOLS: [&str; 4] = ["Write", "Edit", "MultiEdit", "NotebookEdit"];
/// The arguments that name a file, in the order they are tried.
pub const PATH_ARG_KEYS: [&str; 3] = ["file_path", "path", "notebook_path"];
/// The result keys whose presence marks a post-call event.
pub const RESULT_KEYS: [&str; 2] = ["tool_response", "tool_output"];

/// `is_pre_event`.
pub fn is_pre_event(event: &Dict) -> bool {
    match event.get("tool_name") {
        Some(Value::Str(s)) if s.code_points().next().is_some() => {}
        _ => return false,
    }
    if let Some(Value::Str(name)) = event.get("hook_event_name") {
        if name.code_points().next().is_some() && name.as_str() != Some("PreToolUse") {
            return false;
        }
    }
    RESULT_KEYS.iter().all(|k| event.get(k).map_or(true, Value::is_null))
}

/// `_repo_relative`: POSIX separators, the event `cwd` prefix removed, else
/// leading slashes removed.
pub fn repo_relative(path: &str, cwd: Option<&str>) -> String {
    let p = path.replace('\\', "/");
    if let Some(cwd) = cwd.filter(|c| !c.is_empty()) {
        let c = cwd.replace('\\', "/");
        let mut prefix = c.trim_end_matches('/').to_string();
        prefix.push('/');
        if let Some(rest) = p.strip_prefix(&prefix) {
            return rest.to_string();
        }
    }
    p.trim_start_matches('/').to_string()
}

/// `_paths_from_command`: path-shaped tokens (a `/`, not a flag, a dot in
/// the last segment), de-duplicated in order. Not a shell parser.
pub fn paths_from_command(cmd: &str) -> Vec<String> {
    let spaced: String = cmd.chars().map(|c| if matches!(c, ';' | '|' | '&') { ' ' } else { c }).collect();
    let mut out: Vec<String> = Vec::new();
    for raw in pystr::split(&spaced) {
        let tok = raw.trim_matches(|c| matches!(c, '"' | '\'' | '(' | ')' | '<' | '>'));
        let last = tok.rsplit('/').next().unwrap_or("");
        if tok.contains('/') && !tok.starts_with('-') && last.contains('.') && !out.iter().any(|t| t == tok) {
            out.push(tok.to_string());
        }
    }
    out
}

/// `_tree_from_event`: the requested tree and whether it is known. `None`
/// when a string the tree depends on holds a lone surrogate.
pub fn tree_from_event(event: &Dict) -> Option<(Vec<String>, bool)> {
    let tool = match event.get("tool_name") {
        Some(Value::Str(s)) => s.as_str()?,
        _ => return Some((Vec::new(), false)),
    };
    if READ_ONLY_TOOLS.contains(&tool) {
        return Some((Vec::new(), true));
    }
    let empty = Dict::new();
    let input = event.get("tool_input").and_then(Value::as_dict).unwrap_or(&empty);
    let cwd = match event.get("cwd") {
        Some(Value::Str(s)) => Some(s.as_str()?),
        _ => None,
    };
    for k in PATH_ARG_KEYS {
        if let Some(Value::Str(v)) = input.get(k) {
            let v = v.as_str()?;
            let s = pystr::strip(v);
            if !s.is_empty() {
                return Some((vec![repo_relative(s, cwd)], true));
            }
        }
    }
    if tool == "Bash" {
        if let Some(Value::Str(cmd)) = input.get("command") {
            let cmd = cmd.as_str()?;
            if !pystr::strip(cmd).is_empty() {
                let paths = paths_from_command(cmd);
                if !paths.is_empty() {
                    return Some((paths.iter().map(|p| repo_relative(p, cwd)).collect(), true));
                }
            }
        }
        return Some((Vec::new(), false));
    }
    Some((Vec::new(), false))
}

/// What the hook does with a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreDecision {
    Passthrough,
    Warn,
    Deny,
}

impl PreDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            PreDecision::Passthrough => "passthrough",
            PreDecision::Warn => "warn",
            PreDecision::Deny => "deny",
        }
    }
}

/// `decide`'s outcome: the Claude Code document to render (None on
/// passthrough) and the fields the OP_ENFORCE record carries.
#[derive(Clone, Debug, PartialEq)]
pub struct PreOutcome {
    pub decision: PreDecision,
    pub rung: &'static str,
    pub reason: String,
    pub reason_class: String,
    pub tree_known: bool,
    pub dialect: Option<Value>,
}

/// The Claude Code PreToolUse deny document.
pub fn deny_payload(reason: &str) -> Value {
    deny_payload_with(reason, "")
}

/// The Claude Code PreToolUse deny document, with `additional_context`
/// surfaced beside the reason when it is not empty.
pub fn deny_payload_with(reason: &str, additional_context: &str) -> Value {
    let mut hso = Dict::with_capacity(4);
    hso.push("hookEventName", Value::str("PreToolUse"));
    hso.push("permissionDecision", Value::str("deny"));
    hso.push("permissionDecisionReason", Value::str(reason));
    if !additional_context.is_empty() {
        hso.push("additionalContext", Value::str(additional_context));
    }
    Value::Dict(dict! { "hookSpecificOutput" => Value::Dict(hso) })
}

/// `is_mutating_tool`: whether the call may change state (fail-open: only a
/// string tool name outside the read-only tools is mutating).
pub fn is_mutating_tool(event: &Dict) -> bool {
    match event.get("tool_name") {
        Some(Value::Str(s)) => !s.as_str().is_some_and(|t| READ_ONLY_TOOLS.contains(&t)),
        _ => false,
    }
}

/// The Claude Code PreToolUse advisory document (context only).
pub fn warn_payload(text: &str) -> Value {
    let mut hso = Dict::with_capacity(2);
    hso.push("hookEventName", Value::str("PreToolUse"));
    hso.push("additionalContext", Value::str(text));
    Value::Dict(dict! { "hookSpecificOutput" => Value::Dict(hso) })
}

/// The text of a deny.
pub fn deny_text(reason: &str) -> String {
    format!("DOS pre-call admission refused this call: {reason}")
}

/// The text of an advisory warn.
pub fn warn_text(reason: &str) -> String {
    format!(
        "DOS pre-call admission (advisory only): {reason} Nothing in this call's footprint proves a \
         collision (a read touches no files, and a write whose footprint could not be resolved is \
         unknown), so the call goes ahead. If it does change shared state, scope it to a declared \
         path or lane."
    )
}

/// `decide` for the admission rung over already-read live leases. `None`
/// when the event cannot be judged natively (a lone surrogate where a tree
/// or lane is read); the caller passes through.
pub fn decide(event: &Dict, cfg: &SubstrateConfig, leases: &[Lease]) -> Option<PreOutcome> {
    let (tree, known) = tree_from_event(event)?;
    let lane = match event.get("tool_name") {
        Some(Value::Str(s)) if s.code_points().next().is_some() => s.as_str()?.to_string(),
        _ => "tool".to_string(),
    };
    let request = AdmissionRequest { lane: &lane, kind: "tool-call", tree: &tree };
    let preds = built_in_predicates(cfg).ok()?;
    let env = PredicateEnv { ratio_max: Some(cfg.overlap_ratio_max) };
    let v = run_predicates(&preds, &request, leases, env, &mut NoExternal).ok()?;
    if v.admitted {
        return Some(PreOutcome {
            decision: PreDecision::Passthrough,
            rung: "none",
            reason: String::new(),
            reason_class: String::new(),
            tree_known: known,
            dialect: None,
        });
    }
    let reason = if v.reason.is_empty() { "DOS admission refused this call (no lane was free).".to_string() } else { v.reason };
    let provable = !v.reason_class.is_empty() || (known && !tree.is_empty());
    let (decision, dialect) = if provable {
        (PreDecision::Deny, deny_payload(&deny_text(&reason)))
    } else {
        (PreDecision::Warn, warn_payload(&warn_text(&reason)))
    };
    Some(PreOutcome { decision, rung: "admission", reason, reason_class: v.reason_class, tree_known: known, dialect: Some(dialect) })
}

/// The OP_ENFORCE proposal body for a non-passthrough outcome (the keys the
/// reference's CLI builds).
pub fn enforce_proposal(o: &PreOutcome) -> Dict {
    let mut body = Dict::with_capacity(7);
    let deny = o.decision == PreDecision::Deny;
    body.push("intervention", Value::str(if deny { "BLOCK" } else { "WARN" }));
    body.push("dispatch_call", Value::Bool(!deny));
    body.push("handler", Value::str(o.rung));
    let reason = if !o.reason.is_empty() {
        o.reason.clone()
    } else if !o.reason_class.is_empty() {
        o.reason_class.clone()
    } else {
        o.rung.to_string()
    };
    body.push("reason", Value::str(reason));
    body.push("rung", Value::str(o.rung));
    body.push("decision", Value::str(o.decision.as_str()));
    body.push("reason_class", Value::str(&o.reason_class));
    body
}

/// `_append_additional_context`: append `text` to the document's
/// `additionalContext` (after a blank line when there is one already).
pub fn append_additional_context(doc: &Value, text: &str) -> Value {
    let mut out = doc.as_dict().cloned().unwrap_or_default();
    let mut hso = out.get("hookSpecificOutput").and_then(Value::as_dict).cloned().unwrap_or_default();
    let existing = match hso.get("additionalContext") {
        Some(Value::Str(s)) => pystr::strip(s.as_str().unwrap_or("")).to_string(),
        _ => String::new(),
    };
    let joined = if existing.is_empty() { text.to_string() } else { format!("{existing}\n\n{text}") };
    hso.insert("additionalContext", Value::str(joined));
    out.insert("hookSpecificOutput", Value::Dict(hso));
    Value::Dict(out)
}

// ------------------------------------------------------------------ help nudge

/// The intervention tokens that count as DOS having helped.
pub const HELP_RUNGS: [&str; 3] = ["BLOCK", "WARN", "DEFER"];

/// The per-session help tally the nudge reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HelpCount {
    pub total: u64,
    pub blocked: u64,
    pub warned: u64,
    pub deferred: u64,
}

impl HelpCount {
    /// Fold one journal record (`summarize` restricted to its counts).
    pub fn add(&mut self, rec: &Dict, holder: &str) {
        if rec.get("op").and_then(Value::as_str) != Some("ENFORCE") {
            return;
        }
        if !holder.is_empty() {
            let h = match rec.get("holder") {
                Some(v) if v.truthy() => super::pyvalue::py_str(v).unwrap_or_default(),
                _ => String::new(),
            };
            if h != holder {
                return;
            }
        }
        let rung = match rec.get("intervention") {
            Some(v) if v.truthy() => pystr::strip(&super::pyvalue::py_str(v).unwrap_or_default()).to_uppercase(),
            _ => String::new(),
        };
        match rung.as_str() {
            "BLOCK" => self.blocked += 1,
            "WARN" => self.warned += 1,
            "DEFER" => self.deferred += 1,
            _ => return,
        }
        self.total += 1;
    }
}

/// `should_nudge`: the first help of a session and every fifth after.
pub fn should_nudge(help_index: u64) -> bool {
    help_index == 1 || (help_index > 0 && help_index % 5 == 0)
}

/// The one-line operator nudge.
pub fn nudge_line(c: &HelpCount) -> String {
    let mut parts = Vec::new();
    if c.blocked > 0 {
        parts.push(format!("{} blocked", c.blocked));
    }
    if c.warned > 0 {
        parts.push(format!("{} warned", c.warned));
    }
    if c.deferred > 0 {
        parts.push(format!("{} deferred", c.deferred));
    }
    let detail = if parts.is_empty() { String::new() } else { format!(": {}", parts.join(", ")) };
    let noun = if c.total == 1 { "time" } else { "times" };
    format!("So far this session DOS has stepped in {} {noun}{detail}. `dos helped` lists them.", c.total)
}

// ------------------------------------------------------------------ the route

use crate::envelope::{CallError, Ctx};
use crate::route::{self, Describe, Module, Op, Tuple};
use serde::Deserialize;

/// Whether a hook event is a PreToolUse call to act on: a non-empty string
/// `tool_name`, a `hook_event_name` absent, empty or `PreToolUse`, and no
/// result (`tool_response` / `tool_output` absent or None). Anything but a
/// dict is not.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct IsPreEvent {
    /// The hook event (any value; only a dict can qualify).
    #[serde(deserialize_with = "route::required")]
    pub event: Value,
}

impl Op for IsPreEvent {
    const NAME: &'static str = "pretool_sensor.is_pre_event";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        Ok(self.event.as_dict().is_some_and(is_pre_event))
    }
}

/// The tree a PreToolUse event requests and whether it is known: none
/// (known) for a read-only tool; the first non-blank `file_path`, `path` or
/// `notebook_path`; for Bash, the command's path-shaped tokens; else
/// unknown. Paths are made relative to the event's `cwd`.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct TreeFromEvent {
    /// The hook event.
    pub event: Dict,
}

impl Op for TreeFromEvent {
    const NAME: &'static str = "pretool_sensor._tree_from_event";
    type Verdict = (Tuple<String>, bool);

    fn run(self, _: &Ctx<'_>) -> Result<(Tuple<String>, bool), CallError> {
        let (tree, known) = tree_from_event(&self.event)
            .ok_or_else(|| CallError::bad_args("args.event: the event holds a lone surrogate where the tree is read"))?;
        Ok((Tuple(tree), known))
    }
}

/// The path-shaped tokens of a shell command (a `/`, not a flag, a dot in
/// the last segment), each once, in order. Not a shell parser.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct PathsFromCommand {
    /// The command text.
    pub cmd: String,
}

impl Op for PathsFromCommand {
    const NAME: &'static str = "pretool_sensor._paths_from_command";
    type Verdict = Tuple<String>;

    fn run(self, _: &Ctx<'_>) -> Result<Tuple<String>, CallError> {
        Ok(Tuple(paths_from_command(&self.cmd)))
    }
}

/// Whether the proposed call may change state: False unless the event's
/// `tool_name` is a string, and False for the read-only tools (when
/// unsure, a read: the provenance check then abstains).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct IsMutatingTool {
    /// The hook event.
    pub event: Dict,
}

impl Op for IsMutatingTool {
    const NAME: &'static str = "pretool_sensor.is_mutating_tool";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        Ok(is_mutating_tool(&self.event))
    }
}

/// The Claude Code PreToolUse deny document (`permissionDecision: deny`
/// with its reason; the additional context beside it when not empty). It
/// never carries a rewritten tool input.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct DenyPayload {
    /// Why the call is refused.
    pub reason: String,
    /// A fact surfaced to the agent beside the refusal.
    #[serde(default)]
    pub additional_context: String,
}

impl Op for DenyPayload {
    const NAME: &'static str = "pretool_sensor.deny_payload";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        match deny_payload_with(&self.reason, &self.additional_context) {
            Value::Dict(d) => Ok(d),
            _ => Err(CallError::new(crate::envelope::ErrorCode::Internal, "deny_payload: not a dict")),
        }
    }
}

/// The Claude Code PreToolUse warn document: additional context only, no
/// permission decision (the call goes ahead).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct WarnPayload {
    /// The context surfaced to the agent.
    pub text: String,
}

impl Op for WarnPayload {
    const NAME: &'static str = "pretool_sensor.warn_payload";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        match warn_payload(&self.text) {
            Value::Dict(d) => Ok(d),
            _ => Err(CallError::new(crate::envelope::ErrorCode::Internal, "warn_payload: not a dict")),
        }
    }
}

pub(crate) const MODULE: Module = Module {
    name: "pretool_sensor",
    doc: "The pure half of the PreToolUse sensor: whether an event is a call to act on, and the tree it \
          requests (read-only tools none, a file argument, or a Bash command's path-shaped tokens). Reading \
          the live leases and deciding over them belong to the hook.",
    routes: &[
        route::route::<PathsFromCommand>(),
        route::route::<TreeFromEvent>(),
        route::route::<IsPreEvent>(),
        route::route::<IsMutatingTool>(),
        route::route::<DenyPayload>(),
        route::route::<WarnPayload>(),
    ],
    consts: &[],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::parse_str;

    fn ev(s: &str) -> Dict {
        parse_str(s).unwrap().as_dict().unwrap().clone()
    }

    #[test]
    fn bash_scrape() {
        assert_eq!(paths_from_command("echo x > src/dos/arbiter.py; cat 'a/b.txt' | wc"), vec!["src/dos/arbiter.py", "a/b.txt"]);
        assert!(paths_from_command("git status").is_empty());
        assert!(paths_from_command("ls -x/y.z").is_empty());
    }

    #[test]
    fn trees() {
        let e = ev(r#"{"tool_name":"Edit","cwd":"/w/","tool_input":{"file_path":" /w/src/a.py "}}"#);
        assert_eq!(tree_from_event(&e), Some((vec!["src/a.py".to_string()], true)));
        let e = ev(r#"{"tool_name":"Read","tool_input":{"file_path":"x"}}"#);
        assert_eq!(tree_from_event(&e), Some((vec![], true)));
        let e = ev(r#"{"tool_name":"Bash","tool_input":{"command":"git status"}}"#);
        assert_eq!(tree_from_event(&e), Some((vec![], false)));
        assert!(is_pre_event(&ev(r#"{"tool_name":"X","tool_response":null}"#)));
        assert!(!is_pre_event(&ev(r#"{"tool_name":"X","tool_output":1}"#)));
        assert!(!is_pre_event(&ev(r#"{"tool_name":"X","hook_event_name":"PostToolUse"}"#)));
    }

    #[test]
    fn nudges() {
        assert!(should_nudge(1) && should_nudge(5) && should_nudge(10) && !should_nudge(2) && !should_nudge(0));
    }
}
