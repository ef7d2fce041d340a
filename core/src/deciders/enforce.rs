//! `enforce`: what a handler proposes a host do with an intervention
//! decision, held to fail-to-observe and no-escalation.
//!
//! A handler reads an [`InterventionDecision`] and returns an
//! [`EffectProposal`] (run the call or not, a synthetic result in its place,
//! a note). The only handler built in is `observe`: it lets every call run
//! and records the decision's reason as the note. Every other handler is a
//! plugin and runs in its host; what it did is settled here the way
//! `run_handler` settles it: a handler that raised, or answered with
//! something that is not a proposal, or proposed a rung more disruptive
//! than the decision's, gives the observe proposal instead (naming the
//! handler); a proposal that leaves `handler` blank gets the handler's name.

use super::intervention::{Intervention, InterventionDecision};
use crate::envelope::{CallError, Ctx};
use crate::pyjson::{Dict, Str, Value};
use crate::route::{self, Describe, Module, Op};
use serde::{Deserialize, Serialize};

fn empty() -> Str {
    Str::from("")
}

/// What a handler recommends a host do: the rung it actuates, whether the
/// real call runs, the synthetic result that replaces a withheld call (only
/// when it does not run), a note for the agent or the ledger, the handler's
/// name, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct EffectProposal {
    pub intervention: Intervention,
    pub dispatch_call: bool,
    #[serde(default)]
    pub synthetic_result: Option<Dict>,
    #[serde(default = "empty")]
    pub note: Str,
    #[serde(default = "empty")]
    pub handler: Str,
    #[serde(default = "empty")]
    pub reason: Str,
}

impl EffectProposal {
    fn check(&self) -> Result<(), String> {
        if self.synthetic_result.is_some() && self.dispatch_call {
            return Err("a synthetic_result replaces a withheld call: dispatch_call must be False".into());
        }
        Ok(())
    }
}

/// The fixed disruption order of the closed vocabulary.
fn rank(i: Intervention) -> u8 {
    match i {
        Intervention::Observe => 0,
        Intervention::Warn => 1,
        Intervention::Block => 2,
        Intervention::Defer => 3,
    }
}

fn cat(parts: &[&Str]) -> Str {
    super::arg_provenance::cat(parts)
}

fn observe(decision: &InterventionDecision, handler: &Str, reason: Str) -> EffectProposal {
    EffectProposal {
        intervention: Intervention::Observe,
        dispatch_call: true,
        synthetic_result: None,
        note: decision.reason.clone(),
        handler: handler.clone(),
        reason,
    }
}

fn quoted(name: &Str) -> Str {
    Str::from(crate::pyjson::repr_str(name))
}

/// What a host-side handler did with the decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct HandlerOutcome {
    /// It raised: the exception's `repr()` (None when it returned).
    #[serde(default)]
    pub raised: Option<Str>,
    /// What it returned, when that was an EffectProposal.
    #[serde(default)]
    pub proposal: Option<EffectProposal>,
    /// The type name of what it returned, when that was not an EffectProposal.
    #[serde(default)]
    pub returned_type: Option<Str>,
}

/// `run_handler`'s settlement of one handler's outcome.
pub fn settle(name: &Str, decision: &InterventionDecision, outcome: HandlerOutcome) -> Result<EffectProposal, String> {
    let q = quoted(name);
    if let Some(e) = &outcome.raised {
        let head = Str::from("handler ");
        let mid = Str::from(" raised (");
        let tail = Str::from(
            "); observing only: a handler that fails must not withhold the call, so it falls back to the \
             proposal that disrupts nothing.",
        );
        return Ok(observe(decision, name, cat(&[&head, &q, &mid, e, &tail])));
    }
    let Some(p) = outcome.proposal else {
        let t = outcome.returned_type.unwrap_or_else(|| Str::from("NoneType"));
        let head = Str::from("handler ");
        let mid = Str::from(" returned a ");
        let tail = Str::from(", not an EffectProposal; observing only: an answer of another type cannot withhold a call.");
        return Ok(observe(decision, name, cat(&[&head, &q, &mid, &t, &tail])));
    };
    p.check()?;
    if rank(p.intervention) > rank(decision.intervention) {
        let head = Str::from("handler ");
        let body = Str::from(format!(
            " proposed {}, more disruptive than the decision's {}; clamped to OBSERVE (a handler may act softer \
             than the decision, never harder).",
            token(p.intervention),
            token(decision.intervention)
        ));
        return Ok(observe(decision, name, cat(&[&head, &q, &body])));
    }
    if p.handler.code_points().next().is_none() {
        return Ok(EffectProposal { handler: name.clone(), ..p });
    }
    Ok(p)
}

fn token(i: Intervention) -> &'static str {
    match i {
        Intervention::Observe => "OBSERVE",
        Intervention::Warn => "WARN",
        Intervention::Block => "BLOCK",
        Intervention::Defer => "DEFER",
    }
}

/// The names of the handlers libdos runs itself.
pub const BUILT_IN_HANDLERS: [&str; 1] = ["observe"];

/// The built-in observe handler's reason.
pub const OBSERVE_REASON: &str = "no enforcement handler is wired, so the built-in observe handler only records: the call \
                                  runs unchanged and the verdict is kept (a dos.enforce_handlers driver can act on BLOCK \
                                  or DEFER).";

/// Run a built-in handler on a decision (only `observe` is built in: the
/// call runs unchanged and the decision's reason is the note). A plugin
/// handler runs in its host; settle what it did with `settle_handler`.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct RunHandler {
    /// The built-in handler's name (`observe`).
    pub handler: Str,
    pub decision: InterventionDecision,
    /// The host's configuration (the built-in handler does not read it).
    #[serde(default)]
    pub host_config: Value,
}

fn checked(op: &str, d: &InterventionDecision) -> Result<(), CallError> {
    super::intervention::check_decision(d).map_err(|m| CallError::bad_args(format!("{op}: args.decision: {m}")))
}

impl Op for RunHandler {
    const NAME: &'static str = "enforce.run_handler";
    type Verdict = EffectProposal;

    fn run(self, _: &Ctx<'_>) -> Result<EffectProposal, CallError> {
        checked(Self::NAME, &self.decision)?;
        if self.handler.as_str() != Some("observe") {
            return Err(CallError::bad_args(format!(
                "{}: args.handler: {} is not a built-in handler (built in: observe); a plugin runs in its host",
                Self::NAME,
                crate::pyjson::repr_str(&self.handler)
            )));
        }
        let proposal = observe(&self.decision, &self.handler, Str::from(OBSERVE_REASON));
        settle(&self.handler, &self.decision, HandlerOutcome { raised: None, proposal: Some(proposal), returned_type: None })
            .map_err(|m| CallError::bad_args(format!("{}: {m}", Self::NAME)))
    }
}

/// Settle what a host-side handler did, as `run_handler` does: a raise or
/// an answer that is not a proposal gives the observe proposal; a proposal
/// more disruptive than the decision's rung is clamped to observe; a blank
/// `handler` gets the handler's name.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct SettleHandler {
    /// The handler's name.
    pub handler: Str,
    pub decision: InterventionDecision,
    pub outcome: HandlerOutcome,
}

impl Op for SettleHandler {
    const NAME: &'static str = "enforce.settle_handler";
    type Verdict = EffectProposal;

    fn run(self, _: &Ctx<'_>) -> Result<EffectProposal, CallError> {
        checked(Self::NAME, &self.decision)?;
        let o = &self.outcome;
        let given = usize::from(o.raised.is_some()) + usize::from(o.proposal.is_some()) + usize::from(o.returned_type.is_some());
        if given > 1 {
            return Err(CallError::bad_args(format!("{}: args.outcome: give one of raised, proposal and returned_type", Self::NAME)));
        }
        settle(&self.handler, &self.decision, self.outcome)
            .map_err(|m| CallError::bad_args(format!("{}: args.outcome.proposal: {m}", Self::NAME)))
    }
}

/// `EffectProposal.withholds_call`: the host must not run the real call.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct WithholdsCall {
    pub proposal: EffectProposal,
}

impl Op for WithholdsCall {
    const NAME: &'static str = "enforce.withholds_call";
    type Verdict = bool;

    fn run(self, _: &Ctx<'_>) -> Result<bool, CallError> {
        self.proposal.check().map_err(|m| CallError::bad_args(format!("{}: args.proposal: {m}", Self::NAME)))?;
        Ok(!self.proposal.dispatch_call)
    }
}

/// The `enforce` module.
pub(crate) const MODULE: Module = Module {
    name: "enforce",
    doc: "What a handler proposes a host do with an intervention decision (EffectProposal), held to \
          fail-to-observe and no-escalation. The built-in observe handler lets every call run and records the \
          decision; plugin handlers run in their host and their outcome is settled here.",
    routes: &[route::route::<RunHandler>(), route::route::<SettleHandler>(), route::route::<WithholdsCall>()],
    consts: &[route::Const {
        name: "BUILT_IN_HANDLERS",
        doc: "The handlers libdos runs itself.",
        eval: |reg| route::konst(reg, route::Tuple(BUILT_IN_HANDLERS.to_vec())),
    }],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson;

    fn call(op: &str, args: &str) -> Result<Value, CallError> {
        let v = pyjson::parse_str(args).unwrap();
        crate::envelope::dispatch_pure(op, None, v.as_dict().unwrap())
    }

    const D: &str = r#"{"intervention":"WARN","confidence":"LOW","rung":{"token":"WARN","rank":10,"summary":"","actuation":"",
        "dispatches":true},"disruption_cost":0.3333333333333333,"unsupported":["ref"],"reason":"why"}"#;

    #[test]
    fn observe_lets_the_call_run_and_escalation_is_clamped() {
        let p = call("enforce.run_handler", &format!(r#"{{"handler":"observe","decision":{D}}}"#)).unwrap();
        assert_eq!(p.get("intervention"), Some(&Value::str("OBSERVE")));
        assert_eq!(p.get("note"), Some(&Value::str("why")));
        assert_eq!(p.get("handler"), Some(&Value::str("observe")));
        let p = call(
            "enforce.settle_handler",
            &format!(r#"{{"handler":"h","decision":{D},"outcome":{{"proposal":{{"intervention":"DEFER","dispatch_call":false}}}}}}"#),
        )
        .unwrap();
        assert_eq!(p.get("intervention"), Some(&Value::str("OBSERVE")));
        assert!(p.get("reason").and_then(Value::as_str).is_some_and(|r| r.contains("more disruptive") && r.contains("'h'")));
        let e = call("enforce.run_handler", &format!(r#"{{"handler":"mine","decision":{D}}}"#)).unwrap_err();
        assert!(e.message.contains("args.handler"), "{}", e.message);
    }
}
