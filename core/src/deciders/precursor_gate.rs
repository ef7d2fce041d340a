//! `precursor_gate`: did the lookup a mutating tool requires run before it?
//!
//! A host declares, as data ([`PrecursorGrammar`]), which precursor tools a
//! mutating tool needs (any one of them suffices) and which other tool
//! names count as the same precursor. The verdict is a tool-name membership
//! test over the prior calls, names compared canonically (stripped,
//! casefolded unless the policy is case-sensitive, `-` and `.` read as
//! `_`): ATTESTED when a required precursor ran, REFUTED when none did,
//! NO_SIGNAL for a read call, a tool with no declared precursor, or an
//! empty stream. A REFUTED verdict maps to a WARN decision (the built-in
//! ladder's WARN rung); anything else to none.
//!
//! The stance tokens are the reference's `EvidenceStance` (which it names
//! `PrecursorStance` here).

use super::intervention::{base_interventions, Confidence, Intervention, InterventionDecision};
use crate::envelope::{CallError, Ctx};
use crate::pyjson::{Dict, Str, Value};
use crate::pystr;
use crate::route::{self, Const, Describe, Map, Module, Op, Tuple};
use serde::{Deserialize, Serialize};

/// What the stream says about the mandated precursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
pub enum PrecursorStance {
    /// A required precursor ran earlier in the stream.
    #[serde(rename = "ATTESTED")]
    Attested,
    /// The call mutates, has a declared precursor, and none ran.
    #[serde(rename = "REFUTED")]
    Refuted,
    /// Nothing to say: a read, an undeclared tool, or an empty stream.
    #[serde(rename = "NO_SIGNAL")]
    NoSignal,
}

fn empty() -> Str {
    Str::from("")
}

fn yes() -> bool {
    true
}

/// One earlier call: the tool that ran (its result text is carried for a
/// consumer's note; the decision reads only the name).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct PriorCall {
    pub tool_name: String,
    #[serde(default = "empty")]
    pub result_text: Str,
}

/// The calls before the one under judgement, in order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct CallStream {
    #[serde(default)]
    pub calls: Tuple<PriorCall>,
}

/// The call under judgement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct MutatingCall {
    pub tool_name: String,
    #[serde(default = "yes")]
    pub is_mutating: bool,
}

/// Compare names case-sensitively (they are still stripped and read with
/// `-` and `.` as `_`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(default, deny_unknown_fields)]
pub struct PrecursorPolicy {
    pub case_sensitive: bool,
}

/// The declared mandates: `requires` maps a mutating tool to the precursor
/// tools any one of which satisfies it; `aliases` maps a precursor to other
/// names that count as it. Keys are looked up canonically.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct PrecursorGrammar {
    #[serde(default)]
    pub requires: Map<Tuple<String>>,
    #[serde(default)]
    pub aliases: Map<Tuple<String>>,
}

/// The verdict: the stance, the tool judged, the canonical precursor names
/// that would satisfy it, and those that ran.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct PrecursorVerdict {
    pub stance: PrecursorStance,
    pub mutating_tool: String,
    pub required: Tuple<String>,
    pub present: Tuple<String>,
    pub reason: Str,
}

/// `_canon`: stripped, casefolded, `-` and `.` as `_`.
pub fn canon(name: &str) -> String {
    let mut out = String::new();
    canon_into(name, &mut out);
    out
}

/// [`canon`] written over `out`.
pub fn canon_into(name: &str, out: &mut String) {
    out.clear();
    let s = pystr::strip(name);
    if s.is_ascii() {
        // One pass: ASCII casefolds to its lowercase.
        let mut bytes = std::mem::take(out).into_bytes();
        bytes.extend(s.bytes().map(|b| match b {
            b'-' | b'.' => b'_',
            b => b.to_ascii_lowercase(),
        }));
        *out = String::from_utf8(bytes).unwrap_or_default();
        return;
    }
    pystr::casefold_into(s, out);
    if out.contains(['-', '.']) {
        *out = out.replace(['-', '.'], "_");
    }
}

fn plain_name(name: &str) -> String {
    pystr::strip(name).replace(['-', '.'], "_")
}

impl PrecursorGrammar {
    /// The canonical names whose presence satisfies `tool`'s mandate (empty:
    /// no declared precursor).
    pub fn required_set(&self, tool: &str) -> Vec<String> {
        let Some(declared) = self.requires.get(&canon(tool)) else { return Vec::new() };
        let mut out: Vec<String> = Vec::new();
        for p in &declared.0 {
            let cp = canon(p);
            if let Some(als) = self.aliases.get(&cp) {
                for a in &als.0 {
                    out.push(canon(a));
                }
            }
            out.push(cp);
        }
        out.sort();
        out.dedup();
        out
    }
}

/// A Python list of `str`s as `repr` writes it.
fn py_list(items: &[String]) -> String {
    let mut out = String::from("[");
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&pystr::repr(s));
    }
    out.push(']');
    out
}

/// Which rung of the ladder decided a verdict (its reason's facts are the
/// tool and the two name lists).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// A read call is never gated.
    NotMutating,
    /// The tool declares no precursor.
    Undeclared,
    /// Nothing ran before this call.
    EmptyStream,
    /// A required precursor is among the prior calls.
    Ran,
    /// None of the required precursors ran.
    NoneRan,
}

/// A verdict before its reason is written.
#[derive(Clone, Debug, PartialEq)]
pub struct Judged {
    pub stance: PrecursorStance,
    /// Canonical, sorted, no repeats.
    pub required: Vec<String>,
    /// Sorted, no repeats.
    pub present: Vec<String>,
    pub why: Why,
}

/// The reason of a verdict on `tool` (see [`judge`]).
pub fn reason(why: Why, tool: &str, required: &[String], present: &[String]) -> String {
    let tool = pystr::repr(tool);
    match why {
        Why::NotMutating => "a read (non-mutating) call is not gated: reads are how precursors enter the stream".into(),
        Why::Undeclared => format!("{tool} declares no required precursor in the grammar, so it is not gated"),
        Why::EmptyStream => "the call stream is empty (first call of the episode): no precursor could have run yet".into(),
        Why::Ran => format!("required precursor(s) {} ran before {tool}: the lookup is in the stream", py_list(present)),
        Why::NoneRan => format!(
            "{tool} is about to change state but none of its required precursor(s) {} ran in the stream: the \
             prerequisite lookup was skipped; repeat the requirement",
            py_list(required)
        ),
    }
}

/// The verdict on a call to `tool` over the names of the calls before it,
/// in order (`calls` is walked only when the verdict depends on it).
pub fn judge<'a, I>(tool: &str, is_mutating: bool, calls: I, grammar: &PrecursorGrammar, policy: &PrecursorPolicy) -> Judged
where
    I: Iterator<Item = &'a str> + Clone,
{
    let required = grammar.required_set(tool);
    let judged = |stance, required, present, why| Judged { stance, required, present, why };
    if !is_mutating {
        return judged(PrecursorStance::NoSignal, required, Vec::new(), Why::NotMutating);
    }
    if required.is_empty() {
        return judged(PrecursorStance::NoSignal, Vec::new(), Vec::new(), Why::Undeclared);
    }
    if calls.clone().next().is_none() {
        return judged(PrecursorStance::NoSignal, required, Vec::new(), Why::EmptyStream);
    }
    let mut present: Vec<String> = if policy.case_sensitive {
        // Names compared without casefolding, on both sides; the aliases
        // are looked up under the precursor's name as declared.
        let mut matching: Vec<String> = Vec::new();
        if let Some(d) = grammar.requires.get(&canon(tool)) {
            matching.extend(d.0.iter().map(|p| plain_name(p)));
            for p in &d.0 {
                if let Some(als) = grammar.aliases.get(p) {
                    matching.extend(als.0.iter().map(|a| plain_name(a)));
                }
            }
        }
        calls.map(plain_name).filter(|n| matching.contains(n)).collect()
    } else {
        let mut out: Vec<String> = Vec::new();
        let mut buf = String::new();
        for c in calls {
            canon_into(c, &mut buf);
            if required.contains(&buf) && !out.contains(&buf) {
                out.push(buf.clone());
            }
        }
        out
    };
    present.sort();
    present.dedup();
    if present.is_empty() {
        judged(PrecursorStance::Refuted, required, present, Why::NoneRan)
    } else {
        judged(PrecursorStance::Attested, required, present, Why::Ran)
    }
}

pub fn classify_call(call: &MutatingCall, stream: &CallStream, grammar: &PrecursorGrammar, policy: &PrecursorPolicy) -> PrecursorVerdict {
    let names = stream.calls.0.iter().map(|c| c.tool_name.as_str());
    let j = judge(&call.tool_name, call.is_mutating, names, grammar, policy);
    PrecursorVerdict {
        stance: j.stance,
        mutating_tool: call.tool_name.clone(),
        reason: Str::from(reason(j.why, &call.tool_name, &j.required, &j.present)),
        required: Tuple(j.required),
        present: Tuple(j.present),
    }
}

/// The reason of the WARN a REFUTED verdict on `tool` maps to.
pub fn warn_reason<S: AsRef<str>>(tool: &str, required: &[S]) -> String {
    let mut miss = String::new();
    for (i, r) in required.iter().enumerate() {
        if i > 0 {
            miss.push_str(", ");
        }
        miss.push_str(r.as_ref());
    }
    if miss.is_empty() {
        miss.push_str("a required lookup");
    }
    format!("required precursor missing for {} (required: {miss}) -> WARN: repeat the requirement; the call still runs", pystr::repr(tool))
}

/// The decision for a verdict: REFUTED gives a WARN on the built-in ladder's
/// WARN rung (confidence NONE, no disruption cost, the tool as the one
/// unsupported subject); any other stance gives None.
pub fn precursor_intervention(v: &PrecursorVerdict) -> Option<InterventionDecision> {
    if v.stance != PrecursorStance::Refuted {
        return None;
    }
    let rung = base_interventions().rungs().get(Some("WARN")).cloned()?;
    Some(InterventionDecision {
        intervention: Intervention::Warn,
        confidence: Confidence::None,
        rung,
        disruption_cost: 0.0,
        unsupported: Tuple(vec![Str::from(v.mutating_tool.as_str())]),
        reason: Str::from(warn_reason(&v.mutating_tool, &v.required.0)),
    })
}

// ------------------------------------------------------------------ ops

/// Did a required precursor of this mutating call run earlier in the stream?
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ClassifyCall {
    pub call: MutatingCall,
    pub stream: CallStream,
    #[serde(default)]
    pub grammar: PrecursorGrammar,
    #[serde(default)]
    pub policy: PrecursorPolicy,
}

impl Op for ClassifyCall {
    const NAME: &'static str = "precursor_gate.classify_call";
    type Verdict = PrecursorVerdict;

    fn run(self, _: &Ctx<'_>) -> Result<PrecursorVerdict, CallError> {
        Ok(classify_call(&self.call, &self.stream, &self.grammar, &self.policy))
    }
}

/// The intervention for a precursor verdict: a WARN for REFUTED, else None.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct PrecursorIntervention {
    pub verdict: PrecursorVerdict,
}

impl Op for PrecursorIntervention {
    const NAME: &'static str = "precursor_gate.precursor_intervention";
    type Verdict = Option<InterventionDecision>;

    fn run(self, _: &Ctx<'_>) -> Result<Option<InterventionDecision>, CallError> {
        Ok(precursor_intervention(&self.verdict))
    }
}

/// `PrecursorGrammar.required_set`: the canonical names that satisfy a
/// tool's mandate, sorted (empty: no declared precursor).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct RequiredSet {
    pub mutating_tool: String,
    #[serde(default)]
    pub grammar: PrecursorGrammar,
}

impl Op for RequiredSet {
    const NAME: &'static str = "precursor_gate.required_set";
    type Verdict = Tuple<String>;

    fn run(self, _: &Ctx<'_>) -> Result<Tuple<String>, CallError> {
        Ok(Tuple(self.grammar.required_set(&self.mutating_tool)))
    }
}

/// A grammar from a `[precursor]` table: `requires` and `aliases` map a
/// name to a list of names or to one name; every name is canonicalized.
/// An empty table gives the empty grammar.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct GrammarFromTable {
    pub table: Dict,
}

fn names_of(op: &str, what: &str, v: &Value) -> Result<Vec<String>, CallError> {
    let text = |x: &Value| -> Result<String, CallError> {
        match x {
            Value::Str(Str::Utf8(s)) => Ok(canon(s)),
            // `(name or "")`: any falsy name reads as "".
            falsy if !falsy.truthy() => Ok(canon("")),
            other => Err(CallError::bad_args(format!("{op}: args.table.{what}: a name must be a str, not {}", other.type_name()))),
        }
    };
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Str(_) => Ok(vec![text(v)?]),
        Value::List(items) => items.iter().map(text).collect(),
        Value::Dict(d) => d.keys().map(|k| text(&Value::Str(k.clone()))).collect(),
        other => Err(CallError::bad_args(format!("{op}: args.table.{what}: expected a name or a list, not {}", other.type_name()))),
    }
}

fn table_map(op: &str, what: &str, v: Option<&Value>) -> Result<Map<Tuple<String>>, CallError> {
    let d = match v {
        None => return Ok(Map::default()),
        Some(v) if !v.truthy() => return Ok(Map::default()),
        Some(Value::Dict(d)) => d,
        Some(other) => return Err(CallError::bad_args(format!("{op}: args.table.{what}: expected a table, not {}", other.type_name()))),
    };
    let mut out: Vec<(String, Tuple<String>)> = Vec::new();
    for (k, v) in d.iter() {
        let Some(k) = k.as_str() else {
            return Err(CallError::bad_args(format!("{op}: args.table.{what}: a key holds a lone surrogate")));
        };
        let key = canon(k);
        let names = Tuple(names_of(op, what, v)?);
        match out.iter_mut().find(|(have, _)| *have == key) {
            Some(slot) => slot.1 = names,
            None => out.push((key, names)),
        }
    }
    Ok(Map(out))
}

impl Op for GrammarFromTable {
    const NAME: &'static str = "precursor_gate.grammar_from_table";
    type Verdict = PrecursorGrammar;

    fn run(self, _: &Ctx<'_>) -> Result<PrecursorGrammar, CallError> {
        if self.table.is_empty() {
            return Ok(PrecursorGrammar::default());
        }
        Ok(PrecursorGrammar {
            requires: table_map(Self::NAME, "requires", self.table.get("requires"))?,
            aliases: table_map(Self::NAME, "aliases", self.table.get("aliases"))?,
        })
    }
}

/// The `precursor_gate` module.
pub(crate) const MODULE: Module = Module {
    name: "precursor_gate",
    doc: "Did the lookup a mutating tool requires run before it? A declared grammar (mutating tool -> \
          precursor tools, precursor -> aliases) and a name-membership test over the prior calls: ATTESTED, \
          REFUTED (which maps to a WARN decision) or NO_SIGNAL.",
    routes: &[
        route::route::<ClassifyCall>(),
        route::route::<PrecursorIntervention>(),
        route::route::<RequiredSet>(),
        route::route::<GrammarFromTable>(),
    ],
    consts: &[
        Const {
            name: "DEFAULT_POLICY",
            doc: "The PrecursorPolicy with every default.",
            eval: |reg| route::konst(reg, PrecursorPolicy::default()),
        },
        Const {
            name: "EMPTY_GRAMMAR",
            doc: "The grammar that declares nothing (every call is NO_SIGNAL).",
            eval: |reg| route::konst(reg, PrecursorGrammar::default()),
        },
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson;

    fn call(op: &str, args: &str) -> Result<Value, CallError> {
        let v = pyjson::parse_str(args).unwrap();
        crate::envelope::dispatch_pure(op, None, v.as_dict().unwrap())
    }

    #[test]
    fn refuted_attested_and_aliases() {
        let g = r#"{"requires":{"create_change":["check_change_authorization"]},"aliases":{"check_change_authorization":["Check-Auth"]}}"#;
        let v = call(
            "precursor_gate.classify_call",
            &format!(r#"{{"call":{{"tool_name":"Create.Change"}},"stream":{{"calls":[{{"tool_name":"get_change"}}]}},"grammar":{g}}}"#),
        )
        .unwrap();
        assert_eq!(v.get("stance"), Some(&Value::str("REFUTED")));
        assert_eq!(v.get("required"), Some(&pyjson::parse_str(r#"["check_auth","check_change_authorization"]"#).unwrap()));
        let v = call(
            "precursor_gate.classify_call",
            &format!(r#"{{"call":{{"tool_name":"create_change"}},"stream":{{"calls":[{{"tool_name":" check.auth "}}]}},"grammar":{g}}}"#),
        )
        .unwrap();
        assert_eq!(v.get("stance"), Some(&Value::str("ATTESTED")));
        assert_eq!(v.get("present"), Some(&pyjson::parse_str(r#"["check_auth"]"#).unwrap()));
    }
}
