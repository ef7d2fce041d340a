//! `intervention`: how hard a consumer should act on a provenance verdict.
//!
//! The vocabulary is closed ([`Intervention`]: OBSERVE, WARN, DEFER,
//! BLOCK); the ladder of rungs ([`InterventionLadder`]) orders them by a
//! disruption rank (the built-in one: OBSERVE 0 < WARN 10 < BLOCK 20 <
//! DEFER 30, default WARN; its data is the workspace config's
//! `config::interventions::base_interventions()`). `assess_confidence`
//! reads how sure a verdict is that an id was made up (HIGH: one component,
//! unmatched; LOW: any other unsupported shape; NONE: nothing unsupported),
//! and `choose_intervention` maps that through an [`InterventionPolicy`],
//! clamped between the policy's floor and ceiling. A policy whose rung order
//! is unsafe on the ladder in hand yields the ladder's default rung rather
//! than an error. `synthetic_corrective_result` builds the result a BLOCK
//! hands back in place of the withheld call.
//!
//! Records are validated as the reference validates them when they are
//! built (a bad rung, a ladder with a repeated token or rank, a policy that
//! is unsafe on the built-in ladder): such input is refused with BAD_ARGS.
//! Ranks are 64-bit here (the accelerate adapter hands larger ones to the
//! reference).

use super::arg_provenance::{cat, ProvenanceStance, ProvenanceVerdict};
use crate::config::interventions as cfg;
use crate::config::reasons::py_upper;
use crate::envelope::{CallError, Ctx};
use crate::pyjson::{Dict, Str, Value};
use crate::pystr;
use crate::route::{self, Const, Describe, Module, Op, Tuple};
use serde::{Deserialize, Serialize};

/// The closed set of strengths a consumer may act at (the value is the token).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
pub enum Intervention {
    /// Record the verdict only; the call runs.
    #[serde(rename = "OBSERVE")]
    Observe,
    /// Show the verdict to the agent and still run the call.
    #[serde(rename = "WARN")]
    Warn,
    /// Recommend skipping the call and asking again (costs the turn).
    #[serde(rename = "DEFER")]
    Defer,
    /// Recommend refusing the call and answering with a corrective result.
    #[serde(rename = "BLOCK")]
    Block,
}

impl Intervention {
    /// `Intervention(token)`: the member whose value is exactly `token`.
    fn of(token: &str) -> Option<Intervention> {
        Some(match token {
            "OBSERVE" => Intervention::Observe,
            "WARN" => Intervention::Warn,
            "DEFER" => Intervention::Defer,
            "BLOCK" => Intervention::Block,
            _ => return None,
        })
    }
}

/// How sure a verdict is that an id was made up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
pub enum Confidence {
    /// Some unsupported argument has exactly one component, and it is unmatched.
    #[serde(rename = "HIGH")]
    High,
    /// Something is unsupported, but no argument has that whole-value shape.
    #[serde(rename = "LOW")]
    Low,
    /// Nothing is unsupported.
    #[serde(rename = "NONE")]
    None,
}

impl Confidence {
    pub fn token(self) -> &'static str {
        match self {
            Confidence::High => "HIGH",
            Confidence::Low => "LOW",
            Confidence::None => "NONE",
        }
    }
}

/// One rung: its token, its disruption rank (non-negative, unique in a
/// ladder), what it means and what a consumer does, whether the real call
/// still runs, and whether a synthetic result replaces it (only when it
/// does not run).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct InterventionSpec {
    pub token: String,
    pub rank: i64,
    pub summary: String,
    pub actuation: String,
    pub dispatches: bool,
    #[serde(default)]
    pub returns_synthetic: bool,
    #[serde(default)]
    pub see_also: Tuple<String>,
}

impl InterventionSpec {
    /// The lookup key: the token stripped and upper-cased.
    pub fn key(&self) -> String {
        py_upper(pystr::strip(&self.token))
    }

    fn check(&self) -> Result<(), String> {
        if pystr::strip(&self.token).is_empty() {
            return Err("a rung's token must be a non-empty string".into());
        }
        if self.rank < 0 {
            return Err(format!("rung {} has a negative rank", pystr::repr(&self.token)));
        }
        if self.returns_synthetic && self.dispatches {
            return Err(format!("rung {} returns a synthetic result, so it cannot also dispatch the real call", pystr::repr(&self.token)));
        }
        Ok(())
    }
}

impl From<&cfg::InterventionSpec> for InterventionSpec {
    fn from(s: &cfg::InterventionSpec) -> Self {
        InterventionSpec {
            token: s.token.clone(),
            rank: s.rank.as_i64().unwrap_or(i64::MAX),
            summary: s.summary.clone(),
            actuation: s.actuation.clone(),
            dispatches: s.dispatches,
            returns_synthetic: s.returns_synthetic,
            see_also: Tuple(s.see_also.clone()),
        }
    }
}

fn warn() -> String {
    "WARN".into()
}

/// An ordered set of rungs (tokens and ranks unique) and the default rung.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct InterventionLadder {
    #[serde(default)]
    pub specs: Tuple<InterventionSpec>,
    #[serde(default = "warn")]
    pub default_token: String,
}

impl Default for InterventionLadder {
    fn default() -> Self {
        base_interventions()
    }
}

/// The built-in ladder (the workspace config's, as a record).
pub fn base_interventions() -> InterventionLadder {
    base().clone()
}

/// The lookup key of a token as the ladder reads it (None: no token).
fn upper(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_uppercase()
    } else {
        py_upper(s)
    }
}

/// A ladder with its rungs' keys computed once (every lookup compares keys).
pub struct Rungs<'a> {
    specs: &'a [InterventionSpec],
    keys: Vec<String>,
    default_token: &'a str,
}

impl InterventionLadder {
    /// The ladder ready for lookups.
    pub fn rungs(&self) -> Rungs<'_> {
        Rungs {
            specs: &self.specs.0,
            keys: self.specs.0.iter().map(|s| upper(pystr::strip(&s.token))).collect(),
            default_token: &self.default_token,
        }
    }

    /// The reference's construction checks.
    pub fn check(&self) -> Result<(), String> {
        let r = self.rungs();
        let mut ranks: Vec<i64> = Vec::new();
        for (i, s) in self.specs.0.iter().enumerate() {
            s.check()?;
            if r.keys[..i].contains(&r.keys[i]) {
                return Err(format!("rung {} is declared twice", pystr::repr(&s.token)));
            }
            if ranks.contains(&s.rank) {
                return Err(format!("rank {} of rung {} is already taken; ranks must be unique", s.rank, pystr::repr(&s.token)));
            }
            ranks.push(s.rank);
        }
        if !self.specs.0.is_empty() && r.get(Some(&self.default_token)).is_none() {
            let mut keys = r.keys.clone();
            keys.sort();
            return Err(format!("the default rung {} is not declared ({})", pystr::repr(&self.default_token), keys.join(", ")));
        }
        Ok(())
    }
}

impl<'a> Rungs<'a> {
    pub fn get(&self, token: Option<&str>) -> Option<&'a InterventionSpec> {
        let t = match token {
            None | Some("") => return None,
            Some(t) => pystr::strip(t),
        };
        // An ASCII token upper-cases byte by byte, and a key is already
        // upper-cased: compare in place instead of building the key.
        let i = if t.is_ascii() {
            self.keys.iter().position(|k| k.eq_ignore_ascii_case(t))
        } else {
            let k = upper(t);
            self.keys.iter().position(|x| *x == k)
        }?;
        Some(&self.specs[i])
    }

    pub fn rank_of(&self, token: Option<&str>) -> Result<i64, String> {
        self.get(token).map(|s| s.rank).ok_or_else(|| format!("unknown rung {}", token.map_or_else(|| "None".to_owned(), pystr::repr)))
    }

    pub fn by_rank(&self) -> Vec<&'a InterventionSpec> {
        let mut v: Vec<&InterventionSpec> = self.specs.iter().collect();
        v.sort_by_key(|s| s.rank);
        v
    }

    fn at_offset(&self, token: Option<&str>, offset: i128) -> Result<&'a InterventionSpec, String> {
        let r = self.rank_of(token)?;
        let ordered = self.by_rank();
        let idx = ordered.iter().position(|s| s.rank == r).unwrap_or(0) as i128;
        let j = (idx + offset).clamp(0, ordered.len() as i128 - 1);
        Ok(ordered[j as usize])
    }

    pub fn escalate(&self, token: Option<&str>, by: i64) -> Result<&'a InterventionSpec, String> {
        self.at_offset(token, i128::from(by).abs())
    }

    pub fn de_escalate(&self, token: Option<&str>, by: i64) -> Result<&'a InterventionSpec, String> {
        self.at_offset(token, -i128::from(by).abs())
    }

    /// `token` moved into the window `[floor, ceiling]`; an inverted window
    /// gives the ceiling.
    pub fn clamp(&self, token: Option<&str>, floor: Option<&str>, ceiling: Option<&str>) -> Result<&'a InterventionSpec, String> {
        let r = self.rank_of(token)?;
        let rf = self.rank_of(floor)?;
        let rc = self.rank_of(ceiling)?;
        if rf > rc {
            return self.get(ceiling).ok_or_else(|| "unknown ceiling".to_owned());
        }
        let target = rf.max(rc.min(r));
        self.specs.iter().find(|s| s.rank == target).ok_or_else(|| "no rung at the target rank".to_owned())
    }

    pub fn default_spec(&self) -> Result<&'a InterventionSpec, String> {
        self.get(Some(self.default_token))
            .ok_or_else(|| format!("the default rung {} is not on the ladder", pystr::repr(self.default_token)))
    }

    pub fn dispatches(&self, token: Option<&str>) -> bool {
        self.get(token).is_some_and(|s| s.dispatches)
    }

    pub fn returns_synthetic(&self, token: Option<&str>) -> bool {
        self.get(token).is_some_and(|s| s.returns_synthetic)
    }

    pub fn disruption_cost(&self, token: Option<&str>, normalized: bool) -> Result<f64, String> {
        let r = self.rank_of(token)? as f64;
        if !normalized {
            return Ok(r);
        }
        let lo = self.specs.iter().map(|s| s.rank).min();
        let hi = self.specs.iter().map(|s| s.rank).max();
        let (Some(lo), Some(hi)) = (lo, hi) else { return Ok(0.0) };
        if hi == lo {
            return Ok(0.0);
        }
        // Python: float minus int, over an exact int difference.
        Ok((r - lo as f64) / ((hi - lo) as f64))
    }
}

fn block() -> String {
    "BLOCK".into()
}
fn observe() -> String {
    "OBSERVE".into()
}

/// Which rung each confidence maps to, and the window a fired verdict is
/// clamped into. On the ladder in use every rung must be known, the floor
/// no harder than the ceiling nor than the low-confidence rung, low no
/// harder than high, none no harder than low, and each mapped rung within
/// the ceiling.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Describe)]
#[serde(default, deny_unknown_fields)]
pub struct InterventionPolicy {
    #[serde(default = "block")]
    pub on_high_confidence: String,
    #[serde(default = "warn")]
    pub on_low_confidence: String,
    #[serde(default = "observe")]
    pub on_none: String,
    #[serde(default = "warn")]
    pub floor: String,
    #[serde(default = "block")]
    pub ceiling: String,
}

impl Default for InterventionPolicy {
    fn default() -> Self {
        InterventionPolicy { on_high_confidence: block(), on_low_confidence: warn(), on_none: observe(), floor: warn(), ceiling: block() }
    }
}

impl InterventionPolicy {
    /// Is this policy's rung order safe on `ladder`?
    pub fn validate_against(&self, ladder: &InterventionLadder) -> Result<(), String> {
        self.validate_on(&ladder.rungs())
    }

    fn validate_on(&self, ladder: &Rungs<'_>) -> Result<(), String> {
        let fields = [
            ("on_high_confidence", &self.on_high_confidence),
            ("on_low_confidence", &self.on_low_confidence),
            ("on_none", &self.on_none),
            ("floor", &self.floor),
            ("ceiling", &self.ceiling),
        ];
        for (f, v) in fields {
            if ladder.get(Some(v)).is_none() {
                let known: Vec<String> = ladder.keys.iter().map(|k| pystr::repr(k)).collect();
                return Err(format!("policy {f}={} names no rung of the ladder ([{}])", pystr::repr(v), known.join(", ")));
            }
        }
        let rk = |t: &str| ladder.rank_of(Some(t)).unwrap_or(0);
        let q = |t: &str| pystr::repr(t);
        if rk(&self.floor) > rk(&self.ceiling) {
            return Err(format!("the floor {} is harder than the ceiling {}", q(&self.floor), q(&self.ceiling)));
        }
        if rk(&self.floor) > rk(&self.on_low_confidence) {
            return Err(format!(
                "the floor {} is harder than on_low_confidence {}: it would push a low-confidence verdict up",
                q(&self.floor),
                q(&self.on_low_confidence)
            ));
        }
        if rk(&self.on_low_confidence) > rk(&self.on_high_confidence) {
            return Err(format!(
                "on_low_confidence {} is harder than on_high_confidence {}",
                q(&self.on_low_confidence),
                q(&self.on_high_confidence)
            ));
        }
        if rk(&self.on_none) > rk(&self.on_low_confidence) {
            return Err(format!("on_none {} is harder than on_low_confidence {}", q(&self.on_none), q(&self.on_low_confidence)));
        }
        for (f, v) in &fields[..3] {
            if rk(v) > rk(&self.ceiling) {
                return Err(format!("{f} {} is above the ceiling {}: it could never be reached", q(v), q(&self.ceiling)));
            }
        }
        Ok(())
    }
}

/// The recommendation: the rung, the confidence it was chosen for, the
/// rung's normalized disruption cost, and the unsupported arguments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct InterventionDecision {
    pub intervention: Intervention,
    pub confidence: Confidence,
    pub rung: InterventionSpec,
    /// The rung's rank scaled onto [0, 1] over the ladder (unrounded).
    pub disruption_cost: f64,
    pub unsupported: Tuple<Str>,
    pub reason: Str,
}

/// Python's `round(x, 4)` (exact decimal rounding, ties to even).
pub fn round4(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    format!("{x:.4}").parse().unwrap_or(x)
}

impl InterventionDecision {
    /// The reference's `to_dict()` of a decision.
    pub fn to_dict(&self) -> Dict {
        let mut d = Dict::new();
        d.push("intervention", route::default_value(&self.intervention));
        d.push("confidence", route::default_value(&self.confidence));
        d.push("rung", Value::str(self.rung.key()));
        d.push("dispatches", Value::Bool(self.rung.dispatches));
        d.push("returns_synthetic", Value::Bool(self.rung.returns_synthetic));
        d.push("disruption_cost", Value::Float(round4(self.disruption_cost)));
        d.push("unsupported", route::default_value(&self.unsupported));
        d.push("reason", Value::Str(self.reason.clone()));
        d
    }
}

// ------------------------------------------------------------------ decisions

/// A decision is well formed when its rung is (the reference checks the
/// rung when it is built).
pub(crate) fn check_decision(d: &InterventionDecision) -> Result<(), String> {
    d.rung.check()
}

pub fn assess_confidence(v: &ProvenanceVerdict) -> Confidence {
    let args =
        v.args.0.iter().map(|a| (a.stance == ProvenanceStance::Unsupported, a.components_checked.0.len(), a.components_unmatched.0.len()));
    confidence_of(v.believe, !v.unsupported.0.is_empty(), args)
}

/// [`assess_confidence`] on the facts it reads: `believe`, whether any
/// argument is named unsupported, and per argument whether its stance is
/// UNSUPPORTED and how many components it checked and left unmatched.
/// HIGH when one unsupported argument checked exactly one component and
/// left it unmatched (a whole value made up), LOW when something else fired.
pub fn confidence_of(believe: bool, any_unsupported: bool, args: impl IntoIterator<Item = (bool, usize, usize)>) -> Confidence {
    if believe || !any_unsupported {
        return Confidence::None;
    }
    if args.into_iter().any(|(unsupported, checked, unmatched)| unsupported && checked == 1 && unmatched == 1) {
        Confidence::High
    } else {
        Confidence::Low
    }
}

/// Why [`choose_rung`] chose its rung: the facts the decision's reason
/// states, written by [`Why::write`] once the unsupported names are known.
#[derive(Clone, Debug, PartialEq)]
pub enum Why {
    /// The policy is unsafe on this ladder: the ladder's default rung.
    FailSafe { error: String, key: String },
    /// Nothing was made up: the policy's `on_none` rung.
    Observe,
    /// A made-up id of this confidence: its rung, clamped.
    Mint { confidence: Confidence, key: String },
}

impl Why {
    /// Whether the reason names the unsupported arguments.
    pub fn names_arguments(&self) -> bool {
        matches!(self, Why::Mint { .. })
    }

    /// The reason's text before and after the unsupported names (joined by
    /// ", ") for `count` of them; a reason that names none is all `before`.
    pub fn frame(&self, count: usize) -> (String, String) {
        match self {
            Why::FailSafe { error, key } => {
                (format!("fail-safe: the policy is unsafe on this ladder ({error}); using the ladder's default {key}"), String::new())
            }
            Why::Observe => ("no id or key argument was made up: observe only".to_owned(), String::new()),
            Why::Mint { confidence, key } => {
                (format!("{}-confidence made-up id in {count} argument(s) (", confidence.token()), format!(") → {key}"))
            }
        }
    }

    /// The whole reason, naming `unsupported`.
    pub fn write(&self, unsupported: &[Str]) -> Str {
        let (before, after) = self.frame(unsupported.len());
        if !self.names_arguments() {
            return Str::from(before);
        }
        cat(&[&Str::from(before), &names(unsupported), &Str::from(after)])
    }
}

fn names(unsupported: &[Str]) -> Str {
    let sep = Str::from(", ");
    let mut parts: Vec<&Str> = Vec::new();
    for (i, n) in unsupported.iter().enumerate() {
        if i > 0 {
            parts.push(&sep);
        }
        parts.push(n);
    }
    cat(&parts)
}

/// The rung for a verdict of confidence `conf` and why: NONE takes the
/// policy's `on_none` as it is, HIGH and LOW their rungs clamped into
/// `[floor, ceiling]`; a policy unsafe on this ladder takes the ladder's
/// default rung.
pub fn choose_rung<'a>(conf: Confidence, policy: &InterventionPolicy, ladder: &Rungs<'a>) -> Result<(&'a InterventionSpec, Why), String> {
    if let Err(error) = policy.validate_on(ladder) {
        let spec = ladder.default_spec()?;
        return Ok((spec, Why::FailSafe { error, key: spec.key() }));
    }
    let spec = if conf == Confidence::None {
        ladder.get(Some(&policy.on_none))
    } else {
        let base = if conf == Confidence::High { &policy.on_high_confidence } else { &policy.on_low_confidence };
        Some(ladder.clamp(Some(base), Some(&policy.floor), Some(&policy.ceiling))?)
    };
    let spec = match spec {
        Some(s) => s,
        None => ladder.default_spec()?,
    };
    let why = if conf == Confidence::None { Why::Observe } else { Why::Mint { confidence: conf, key: spec.key() } };
    Ok((spec, why))
}

pub fn choose_intervention(
    v: &ProvenanceVerdict,
    policy: &InterventionPolicy,
    ladder: &InterventionLadder,
) -> Result<InterventionDecision, String> {
    let conf = assess_confidence(v);
    let ladder = &ladder.rungs();
    let (spec, why) = choose_rung(conf, policy, ladder)?;
    let intervention =
        Intervention::of(&spec.token).ok_or_else(|| format!("rung {} is not an Intervention token", pystr::repr(&spec.token)))?;
    Ok(InterventionDecision {
        intervention,
        confidence: conf,
        rung: spec.clone(),
        disruption_cost: ladder.disruption_cost(Some(&spec.token), true)?,
        unsupported: v.unsupported.clone(),
        reason: why.write(&v.unsupported.0),
    })
}

/// The result a BLOCK hands back in place of the withheld call: the
/// unresolved arguments by name with their unresolved components (never
/// the value itself), marked `dos_blocked` so the consumer keeps it out of
/// the corpus.
pub fn synthetic_corrective_result(v: &ProvenanceVerdict, tool_name: &Str, read_tool_hint: &Str) -> Dict {
    let missing: Vec<Value> = v
        .args
        .0
        .iter()
        .filter(|a| a.stance == ProvenanceStance::Unsupported)
        .map(|a| {
            let mut d = Dict::new();
            d.push("arg", Value::Str(a.arg_name.clone()));
            d.push("unresolved_components", route::default_value(&a.components_unmatched));
            Value::Dict(d)
        })
        .collect();
    let (error, remediation) = corrective_texts(tool_name, read_tool_hint);
    let mut d = Dict::new();
    d.push("status", Value::str("blocked_unresolved_id"));
    d.push("error", Value::Str(error));
    d.push("unresolved", Value::List(missing));
    d.push("remediation", Value::Str(remediation));
    d.push("dos_blocked", Value::Bool(true));
    d
}

/// The corrective result's `error` text, around the tool's name.
const ERROR_TEXT: [&str; 2] =
    ["`", "` did NOT run: it names id(s) found in no prior tool result and not in the task, so they look made up."];
/// The read-tool hint, when one is given, around its name.
const HINT_TEXT: [&str; 2] = [" (e.g. ", ")"];
/// The `remediation` text, around the hint and the tool's name.
const REMEDIATION_TEXT: [&str; 3] =
    ["Look the id up with a READ/QUERY tool", " first, then call `", "` again. Nothing was changed: the mutation did not run."];

/// The `error` and `remediation` texts of [`synthetic_corrective_result`]
/// for a tool and a read-tool hint (none when empty).
pub fn corrective_texts(tool_name: &Str, read_tool_hint: &Str) -> (Str, Str) {
    if let (Some(tool), Some(hint)) = (tool_name.as_str(), read_tool_hint.as_str()) {
        let (error, remediation) = corrective_texts_utf8(tool, hint);
        return (Str::Utf8(error), Str::Utf8(remediation));
    }
    let piece = |s: &str| Str::from(s);
    let error = cat(&[&piece(ERROR_TEXT[0]), tool_name, &piece(ERROR_TEXT[1])]);
    let hint = if read_tool_hint.code_points().next().is_none() {
        Str::from("")
    } else {
        cat(&[&piece(HINT_TEXT[0]), read_tool_hint, &piece(HINT_TEXT[1])])
    };
    let remediation = cat(&[&piece(REMEDIATION_TEXT[0]), &hint, &piece(REMEDIATION_TEXT[1]), tool_name, &piece(REMEDIATION_TEXT[2])]);
    (error, remediation)
}

/// [`corrective_texts`] for UTF-8 names.
pub fn corrective_texts_utf8(tool: &str, hint: &str) -> (String, String) {
    let error = [ERROR_TEXT[0], tool, ERROR_TEXT[1]].concat();
    let hint = if hint.is_empty() { String::new() } else { [HINT_TEXT[0], hint, HINT_TEXT[1]].concat() };
    let remediation = [REMEDIATION_TEXT[0], &hint, REMEDIATION_TEXT[1], tool, REMEDIATION_TEXT[2]].concat();
    (error, remediation)
}

// ------------------------------------------------------------------ ops

fn bad(op: &str, what: &str, m: String) -> CallError {
    CallError::bad_args(format!("{op}: {what}: {m}"))
}

fn checked_ladder(op: &str, l: &InterventionLadder) -> Result<(), CallError> {
    if l == base() {
        return Ok(()); // the built-in ladder passes its checks (a unit test holds it to that)
    }
    l.check().map_err(|m| bad(op, "args.ladder", m))
}

fn checked_policy(op: &str, p: &InterventionPolicy) -> Result<(), CallError> {
    if *p == InterventionPolicy::default() {
        return Ok(()); // safe on the built-in ladder by construction (a unit test holds it to that)
    }
    p.validate_against(base()).map_err(|m| bad(op, "args.policy", m))
}

/// The built-in ladder, built once.
fn base() -> &'static InterventionLadder {
    static BASE: std::sync::OnceLock<InterventionLadder> = std::sync::OnceLock::new();
    BASE.get_or_init(|| {
        let b = cfg::base_interventions();
        InterventionLadder { specs: Tuple(b.specs.iter().map(InterventionSpec::from).collect()), default_token: b.default_token }
    })
}

/// HIGH when some unsupported argument has exactly one data-bearing
/// component and it is unmatched; LOW when anything else is unsupported;
/// NONE when the verdict believes (or names nothing unsupported).
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct AssessConfidence {
    pub verdict: ProvenanceVerdict,
}

impl Op for AssessConfidence {
    const NAME: &'static str = "intervention.assess_confidence";
    type Verdict = Confidence;

    fn run(self, _: &Ctx<'_>) -> Result<Confidence, CallError> {
        Ok(assess_confidence(&self.verdict))
    }
}

/// The recommended intervention for a provenance verdict: NONE maps to the
/// policy's `on_none` as it is; HIGH and LOW map to their rungs clamped
/// into `[floor, ceiling]`. A policy unsafe on this ladder gives the
/// ladder's default rung.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct ChooseIntervention {
    pub verdict: ProvenanceVerdict,
    #[serde(default)]
    pub policy: InterventionPolicy,
    #[serde(default)]
    pub ladder: InterventionLadder,
}

impl Op for ChooseIntervention {
    const NAME: &'static str = "intervention.choose_intervention";
    type Verdict = InterventionDecision;

    fn run(self, _: &Ctx<'_>) -> Result<InterventionDecision, CallError> {
        checked_policy(Self::NAME, &self.policy)?;
        checked_ladder(Self::NAME, &self.ladder)?;
        choose_intervention(&self.verdict, &self.policy, &self.ladder).map_err(|m| bad(Self::NAME, "args.ladder", m))
    }
}

/// A decision as the reference's `InterventionDecision.to_dict()` writes it:
/// the rung as its key, its `dispatches` and `returns_synthetic`, and the
/// disruption cost rounded to 4 places as Python's `round` does.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct DecisionToDict {
    pub decision: InterventionDecision,
}

impl Op for DecisionToDict {
    const NAME: &'static str = "intervention.decision_to_dict";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        self.decision.rung.check().map_err(|m| bad(Self::NAME, "args.decision.rung", m))?;
        Ok(self.decision.to_dict())
    }
}

/// The tool result a BLOCK returns instead of running the call.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct SyntheticCorrectiveResult {
    pub verdict: ProvenanceVerdict,
    pub tool_name: Str,
    /// A read tool to suggest, if any.
    #[serde(default = "empty")]
    pub read_tool_hint: Str,
}

impl Op for SyntheticCorrectiveResult {
    const NAME: &'static str = "intervention.synthetic_corrective_result";
    type Verdict = Dict;

    fn run(self, _: &Ctx<'_>) -> Result<Dict, CallError> {
        Ok(synthetic_corrective_result(&self.verdict, &self.tool_name, &self.read_tool_hint))
    }
}

/// Whether a policy's rung order is safe on a ladder: None when it is,
/// refused (BAD_ARGS, saying why) when it is not.
#[derive(Deserialize, Describe)]
#[serde(deny_unknown_fields)]
pub struct PolicyValidateAgainst {
    pub policy: InterventionPolicy,
    pub ladder: InterventionLadder,
}

impl Op for PolicyValidateAgainst {
    const NAME: &'static str = "intervention.policy_validate_against";
    type Verdict = ();

    fn run(self, _: &Ctx<'_>) -> Result<(), CallError> {
        checked_policy(Self::NAME, &self.policy)?;
        checked_ladder(Self::NAME, &self.ladder)?;
        self.policy.validate_against(&self.ladder).map_err(|m| bad(Self::NAME, "args.policy", m))
    }
}

macro_rules! ladder_op {
    ($(#[$doc:meta])* $name:ident, $op:literal, $verdict:ty, { $($(#[$fa:meta])* $f:ident : $t:ty),* $(,)? }, |$s:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Deserialize, Describe)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fa])* pub $f: $t,)*
            #[serde(default)]
            pub ladder: InterventionLadder,
        }

        impl Op for $name {
            const NAME: &'static str = $op;
            type Verdict = $verdict;

            fn run(self, _: &Ctx<'_>) -> Result<$verdict, CallError> {
                checked_ladder(Self::NAME, &self.ladder)?;
                let $s = &self;
                let out: Result<$verdict, String> = $body;
                out.map_err(|m| bad(Self::NAME, "args.token", m))
            }
        }
    };
}

fn one() -> i64 {
    1
}

ladder_op!(
    /// `InterventionLadder.get`: the rung of a token (matched stripped and
    /// upper-cased), or None.
    LadderGet, "intervention.ladder_get", Option<InterventionSpec>,
    { #[serde(deserialize_with = "route::required")] token: Option<String> },
    |s| Ok(s.ladder.rungs().get(s.token.as_deref()).cloned())
);
ladder_op!(
    /// `InterventionLadder.is_known`.
    LadderIsKnown, "intervention.ladder_is_known", bool,
    { #[serde(deserialize_with = "route::required")] token: Option<String> },
    |s| Ok(s.ladder.rungs().get(s.token.as_deref()).is_some())
);
ladder_op!(
    /// `InterventionLadder.tokens`: every rung's key, in declaration order.
    LadderTokens, "intervention.ladder_tokens", Tuple<String>, {},
    |s| Ok(Tuple(s.ladder.specs.0.iter().map(InterventionSpec::key).collect()))
);
ladder_op!(
    /// `InterventionLadder.by_rank`: the rungs, least disruptive first.
    LadderByRank, "intervention.ladder_by_rank", Tuple<InterventionSpec>, {},
    |s| Ok(Tuple(s.ladder.rungs().by_rank().into_iter().cloned().collect()))
);
ladder_op!(
    /// `InterventionLadder.rank_of`: a token's rank; an unknown token is refused.
    LadderRankOf, "intervention.ladder_rank_of", i64,
    { #[serde(deserialize_with = "route::required")] token: Option<String> },
    |s| s.ladder.rungs().rank_of(s.token.as_deref())
);
ladder_op!(
    /// `InterventionLadder.escalate`: the rung `|by|` steps more disruptive,
    /// stopping at the top.
    LadderEscalate, "intervention.ladder_escalate", InterventionSpec,
    { #[serde(deserialize_with = "route::required")] token: Option<String>, #[serde(default = "one")] by: i64 },
    |s| s.ladder.rungs().escalate(s.token.as_deref(), s.by).cloned()
);
ladder_op!(
    /// `InterventionLadder.de_escalate`: the rung `|by|` steps less
    /// disruptive, stopping at the bottom.
    LadderDeEscalate, "intervention.ladder_de_escalate", InterventionSpec,
    { #[serde(deserialize_with = "route::required")] token: Option<String>, #[serde(default = "one")] by: i64 },
    |s| s.ladder.rungs().de_escalate(s.token.as_deref(), s.by).cloned()
);
ladder_op!(
    /// `InterventionLadder.clamp`: the token moved into the rank window
    /// `[floor, ceiling]` (an inverted window gives the ceiling).
    LadderClamp, "intervention.ladder_clamp", InterventionSpec,
    {
        #[serde(deserialize_with = "route::required")] token: Option<String>,
        #[serde(deserialize_with = "route::required")] floor: Option<String>,
        #[serde(deserialize_with = "route::required")] ceiling: Option<String>,
    },
    |s| s.ladder.rungs().clamp(s.token.as_deref(), s.floor.as_deref(), s.ceiling.as_deref()).cloned()
);
ladder_op!(
    /// `InterventionLadder.default`: the default rung.
    LadderDefault, "intervention.ladder_default", InterventionSpec, {},
    |s| s.ladder.rungs().default_spec().cloned()
);
ladder_op!(
    /// `InterventionLadder.dispatches`: does the real call run on this rung
    /// (an unknown rung: no)?
    LadderDispatches, "intervention.ladder_dispatches", bool,
    { #[serde(deserialize_with = "route::required")] token: Option<String> },
    |s| Ok(s.ladder.rungs().dispatches(s.token.as_deref()))
);
ladder_op!(
    /// `InterventionLadder.actuates`: is the real call withheld on this rung?
    LadderActuates, "intervention.ladder_actuates", bool,
    { #[serde(deserialize_with = "route::required")] token: Option<String> },
    |s| Ok(!s.ladder.rungs().dispatches(s.token.as_deref()))
);
ladder_op!(
    /// `InterventionLadder.returns_synthetic`.
    LadderReturnsSynthetic, "intervention.ladder_returns_synthetic", bool,
    { #[serde(deserialize_with = "route::required")] token: Option<String> },
    |s| Ok(s.ladder.rungs().returns_synthetic(s.token.as_deref()))
);
ladder_op!(
    /// `InterventionLadder.disruption_cost`: the rank scaled onto [0, 1]
    /// over the ladder (or the raw rank as a float).
    LadderDisruptionCost, "intervention.ladder_disruption_cost", f64,
    { #[serde(deserialize_with = "route::required")] token: Option<String>, #[serde(default = "yes")] normalized: bool },
    |s| s.ladder.rungs().disruption_cost(s.token.as_deref(), s.normalized)
);
ladder_op!(
    /// `InterventionLadder.extend`: a new ladder with more rungs (a repeated
    /// token or rank is refused).
    LadderExtend, "intervention.ladder_extend", InterventionLadder,
    { more: Tuple<InterventionSpec> },
    |s| {
        let mut specs = s.ladder.specs.0.clone();
        specs.extend(s.more.0.iter().cloned());
        let l = InterventionLadder { specs: Tuple(specs), default_token: s.ladder.default_token.clone() };
        l.check().map(|_| l)
    }
);

fn yes() -> bool {
    true
}

fn empty() -> Str {
    Str::from("")
}

/// The `intervention` module.
pub(crate) const MODULE: Module = Module {
    name: "intervention",
    doc: "How hard a consumer should act on a provenance verdict: the closed vocabulary (OBSERVE, WARN, \
          DEFER, BLOCK), the ladder that orders it by disruption, the confidence read off a verdict, the \
          policy that maps confidence to a rung within a floor and a ceiling, and the corrective result a \
          BLOCK returns. Advisory: it recommends, it never acts.",
    routes: &[
        route::route::<AssessConfidence>(),
        route::route::<ChooseIntervention>(),
        route::route::<DecisionToDict>(),
        route::route::<SyntheticCorrectiveResult>(),
        route::route::<PolicyValidateAgainst>(),
        route::route::<LadderGet>(),
        route::route::<LadderIsKnown>(),
        route::route::<LadderTokens>(),
        route::route::<LadderByRank>(),
        route::route::<LadderRankOf>(),
        route::route::<LadderEscalate>(),
        route::route::<LadderDeEscalate>(),
        route::route::<LadderClamp>(),
        route::route::<LadderDefault>(),
        route::route::<LadderDispatches>(),
        route::route::<LadderActuates>(),
        route::route::<LadderReturnsSynthetic>(),
        route::route::<LadderDisruptionCost>(),
        route::route::<LadderExtend>(),
    ],
    consts: &[
        Const {
            name: "BASE_INTERVENTIONS",
            doc: "The built-in ladder: OBSERVE 0 < WARN 10 < BLOCK 20 < DEFER 30, default WARN.",
            eval: |reg| route::konst(reg, base_interventions()),
        },
        Const {
            name: "DEFAULT_POLICY",
            doc: "The InterventionPolicy with every default.",
            eval: |reg| route::konst(reg, InterventionPolicy::default()),
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

    const HIGH: &str = r#"{"believe":false,"unsupported":["id"],"reason":"r","args":[{"arg_name":"id","value_repr":"INC9","stance":"UNSUPPORTED",
        "id_shaped":true,"is_reference":true,"matched_in":[],"components_checked":["9"],"components_unmatched":["9"],"reason":"r"}]}"#;

    #[test]
    fn high_mints_block_and_costs_two_thirds() {
        let v = call("intervention.choose_intervention", &format!(r#"{{"verdict":{HIGH}}}"#)).unwrap();
        assert_eq!(v.get("intervention"), Some(&Value::str("BLOCK")));
        assert_eq!(v.get("confidence"), Some(&Value::str("HIGH")));
        assert_eq!(v.get("disruption_cost"), Some(&Value::Float(2.0 / 3.0)));
        let d = call(
            "intervention.decision_to_dict",
            &format!(r#"{{"decision":{}}}"#, pyjson::dumps_string(&v, pyjson::Options::COMPACT).unwrap()),
        )
        .unwrap();
        assert_eq!(d.get("disruption_cost"), Some(&Value::Float(0.6667)));
        assert_eq!(d.get("rung"), Some(&Value::str("BLOCK")));
    }

    #[test]
    fn the_default_policy_is_safe_on_the_base_ladder() {
        assert_eq!(InterventionPolicy::default().validate_against(&base_interventions()), Ok(()));
        // checked_ladder skips the checks for the built-in ladder: it passes them.
        assert_eq!(base().check(), Ok(()));
        assert!(base() == &base_interventions());
    }

    #[test]
    fn python_round() {
        assert_eq!(round4(0.00005), 0.0001);
        assert_eq!(round4(0.00015), 0.0001);
        assert_eq!(round4(2.5e-5), 0.0);
        assert!(round4(f64::NAN).is_nan());
    }

    #[test]
    fn unsafe_policy_is_refused_and_reordered_ladder_fails_safe() {
        let e = call("intervention.choose_intervention", &format!(r#"{{"verdict":{HIGH},"policy":{{"floor":"BLOCK"}}}}"#)).unwrap_err();
        assert!(e.message.contains("args.policy"), "{}", e.message);
        let ladder = r#"{"specs":[{"token":"OBSERVE","rank":0,"summary":"","actuation":"","dispatches":true},
            {"token":"WARN","rank":30,"summary":"","actuation":"","dispatches":true},
            {"token":"BLOCK","rank":5,"summary":"","actuation":"","dispatches":false,"returns_synthetic":true}]}"#;
        let v = call("intervention.choose_intervention", &format!(r#"{{"verdict":{HIGH},"ladder":{ladder}}}"#)).unwrap();
        assert_eq!(v.get("intervention"), Some(&Value::str("WARN")));
    }
}
