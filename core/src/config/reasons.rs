//! The refusal vocabulary (`[reasons.<TOKEN>]`) and the rung-2 reason
//! recognizer (`[[reasons.morphology]]`).

use super::value::{Fault, Read, Table, Tv};
use crate::dict;
use crate::pyjson::Value;
use crate::pystr;

/// The coarse categories a reason may roll up to.
pub const KNOWN_CATEGORIES: [&str; 5] = ["MISROUTE", "OPERATOR_GATE", "STALE_CLAIM", "TRUE_DRAIN", "UNCLASSIFIED"];

fn known_category(c: &str) -> bool {
    KNOWN_CATEGORIES.contains(&c)
}

/// Python's `str.upper()`.
pub(crate) fn py_upper(s: &str) -> String {
    s.chars().flat_map(char::to_uppercase).collect()
}

/// One declared reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReasonSpec {
    pub token: String,
    pub category: String,
    pub refusal: bool,
    pub fix: String,
    pub see_also: Vec<String>,
    pub summary: String,
}

impl ReasonSpec {
    /// The lookup key: stripped and upper-cased.
    pub fn key(&self) -> String {
        py_upper(pystr::strip(&self.token))
    }

    fn validate(&self) -> Result<(), String> {
        if pystr::strip(&self.token).is_empty() {
            return Err("a reason token must be a non-empty string".into());
        }
        if !known_category(&self.category) {
            return Err(format!(
                "reason {} rolls up to {}, which is not a category ({})",
                pystr::repr(&self.token),
                pystr::repr(&self.category),
                KNOWN_CATEGORIES.join(", ")
            ));
        }
        Ok(())
    }

    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "token" => self.token.as_str(),
            "category" => self.category.as_str(),
            "refusal" => self.refusal,
            "fix" => self.fix.as_str(),
            "see_also" => self.see_also.iter().map(|s| Value::str(s.as_str())).collect::<Vec<_>>(),
            "summary" => self.summary.as_str(),
        })
    }
}

/// The closed, ordered reason set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReasonRegistry {
    pub specs: Vec<ReasonSpec>,
}

impl ReasonRegistry {
    /// A new registry with `more` appended; a token repeated (case-insensitively,
    /// built-ins included) is refused.
    pub fn extend(&self, more: Vec<ReasonSpec>) -> Result<ReasonRegistry, String> {
        let mut specs = self.specs.clone();
        specs.extend(more);
        let mut seen: Vec<String> = Vec::with_capacity(specs.len());
        for s in &specs {
            let k = s.key();
            if seen.contains(&k) {
                return Err(format!("reason token {} is declared twice", pystr::repr(&s.token)));
            }
            seen.push(k);
        }
        Ok(ReasonRegistry { specs })
    }

    pub fn get(&self, token: &str) -> Option<&ReasonSpec> {
        let k = py_upper(pystr::strip(token));
        if k.is_empty() {
            return None;
        }
        self.specs.iter().find(|s| s.key() == k)
    }

    pub fn to_value(&self) -> Value {
        Value::List(self.specs.iter().map(ReasonSpec::to_value).collect())
    }
}

fn base(token: &str, category: &str, summary: &str, fix: &str, see_also: &[&str]) -> ReasonSpec {
    ReasonSpec {
        token: token.into(),
        category: category.into(),
        refusal: true,
        fix: fix.into(),
        see_also: see_also.iter().map(|s| s.to_string()).collect(),
        summary: summary.into(),
    }
}

/// The built-in reasons (tokens, categories and cross-references as the
/// reference declares them; the one-line summaries and fixes are ours).
pub fn base_reasons() -> ReasonRegistry {
    ReasonRegistry {
        specs: vec![
            base(
                "LANE_DRAINED",
                "TRUE_DRAIN",
                "Nothing is left to pick: no plans and no findings in the lane.",
                "No action needed; replan if more work was expected.",
                &["oracle picker_oracle"],
            ),
            base(
                "LANE_BLOCKED_ON_SOAK_GATED_PHASES",
                "OPERATOR_GATE",
                "Every remaining phase waits for a soak window that is still open.",
                "Let the soak window close, or replan the lane.",
                &["meta gates_on_soak", "meta soak_until", "oracle picker_oracle"],
            ),
            base(
                "LANE_LEASE_HELD_BY_LIVE_DISPATCH_LOOP",
                "OPERATOR_GATE",
                "Another live dispatch loop holds this lane's lease.",
                "Wait until the holder releases the lane; the refusal names the holder.",
                &["lane <holder>", "oracle picker_oracle"],
            ),
            base(
                "LANE_ALL_INFLIGHT_OR_DEFERRED",
                "STALE_CLAIM",
                "What remains is claimed by a sibling in flight or deferred by the plan itself.",
                "Wait for the sibling to ship or release, or replan to re-rank.",
                &["oracle picker_oracle"],
            ),
            base(
                "LANE_ALL_SHIPPED_INFLIGHT_OR_STALE_STAMP",
                "STALE_CLAIM",
                "What remains is shipped but unstamped, in flight, or carries a stale stamp.",
                "Replan to reconcile the stale stamps, then dispatch again.",
                &["oracle ship_oracle"],
            ),
            base(
                "LANE_ALL_BLOCKED_OR_STALE_STAMP",
                "OPERATOR_GATE",
                "Every remaining phase is blocked or its stamp has drifted.",
                "Replan to reconcile the stamps and surface the blocks.",
                &["oracle ship_oracle"],
            ),
            base(
                "LANE_BLOCKED_ON_OPERATOR_DECISION",
                "OPERATOR_GATE",
                "The lane waits on an operator decision nobody has answered yet.",
                "Answer the pending decision, then replan.",
                &["oracle picker_oracle"],
            ),
            base(
                "SELF_MODIFY",
                "MISROUTE",
                "The lease would cover the kernel's own running code.",
                "Edit kernel files outside a live loop, or force the lease deliberately.",
                &["dos man lane", "dos arbitrate"],
            ),
            base(
                "SCHEMA_UNREADABLE",
                "MISROUTE",
                "A durable record carries a schema version newer than this kernel reads.",
                "Upgrade the kernel or migrate the record; the refusal lists the versions involved.",
                &["durable_schema", "resume", "dos man wedge SELF_MODIFY"],
            ),
            base(
                "UNKNOWN_LANE",
                "MISROUTE",
                "The request named a lane the workspace taxonomy does not declare.",
                "Name a declared lane, make a bare request to auto-pick, or declare the lane in dos.toml.",
                &["lane", "dos arbitrate", "dos man wedge SELF_MODIFY"],
            ),
        ],
    }
}

/// A `see_also` value: a string is one pointer; falsy means none; otherwise
/// every item (a dict's keys) in its `str()` form.
fn see_also_of(body: &Table, token: &str, table: &str) -> Read<Vec<String>> {
    match body.get("see_also") {
        None => Ok(vec![]),
        Some(v) if !v.truthy() => Ok(vec![]),
        Some(Tv::Str(s)) => Ok(vec![s.clone()]),
        Some(v) => match v {
            Tv::List(_) | Tv::Table(_) => Ok(v.py_iter().unwrap_or_default().iter().map(Tv::py_str).collect()),
            other => Err(Fault::crash(token, format!("[{table}.{token}] see_also must be a string or a list, not {}", other.type_name()))),
        },
    }
}

/// `[reasons]`: `{TOKEN: {category, refusal?, summary?, fix?, see_also?}}`.
pub fn specs_from_table(t: &Table) -> Read<Vec<ReasonSpec>> {
    let mut out = Vec::new();
    for (token, body) in t.iter() {
        let Tv::Table(body) = body else {
            return Err(Fault::warn(token, format!("[reasons.{token}] has to be a table, not {}", body.type_name())));
        };
        let Some(category) = body.get("category") else {
            return Err(Fault::warn(token, format!("[reasons.{token}] needs a category")));
        };
        let see_also = see_also_of(body, token, "reasons")?;
        let spec = ReasonSpec {
            token: token.to_string(),
            category: category.py_str(),
            refusal: body.get("refusal").map_or(true, Tv::truthy),
            fix: body.get("fix").map_or_else(String::new, Tv::py_str),
            see_also,
            summary: body.get("summary").map_or_else(String::new, Tv::py_str),
        };
        spec.validate().map_err(|m| Fault::warn(token, format!("[reasons.{token}]: {m}")))?;
        out.push(spec);
    }
    Ok(out)
}

/// Layer a `[reasons]` table: the declared reasons are added to `base`.
pub fn layer_reasons(base: &ReasonRegistry, t: &Table) -> Read<ReasonRegistry> {
    let specs = specs_from_table(t)?;
    base.extend(specs).map_err(|m| Fault::warn("", format!("[reasons]: {m}")))
}

// ----------------------------------------------------------- morphology

/// One substring → category rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MorphologyRule {
    pub substring: String,
    pub category: String,
}

/// Ordered rules; the first match wins.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MorphologyRuleset {
    pub rules: Vec<MorphologyRule>,
}

impl MorphologyRuleset {
    pub fn to_value(&self) -> Value {
        Value::List(
            self.rules
                .iter()
                .map(|r| Value::Dict(dict! { "substring" => r.substring.as_str(), "category" => r.category.as_str() }))
                .collect(),
        )
    }

    /// `(category, matched substring upper-cased)` of the first rule whose
    /// substring occurs in the token (both upper-cased).
    pub fn classify(&self, token: &str) -> Option<(String, String)> {
        let up = py_upper(token);
        let up = pystr::strip(&up);
        if up.is_empty() {
            return None;
        }
        self.rules.iter().find_map(|r| {
            let sub = py_upper(&r.substring);
            up.contains(sub.as_str()).then(|| (r.category.clone(), sub))
        })
    }
}

/// The generic recognizer every workspace starts with.
pub fn generic_reason_morphology() -> MorphologyRuleset {
    const RULES: [(&str, &str); 16] = [
        ("FALSE_SHIPPED", "STALE_CLAIM"),
        ("FALSE_SHIP", "STALE_CLAIM"),
        ("STALE_STAMP", "STALE_CLAIM"),
        ("STAMP_DRIFT", "STALE_CLAIM"),
        ("STAMPING_DRIFT", "STALE_CLAIM"),
        ("OPERATOR", "OPERATOR_GATE"),
        ("SOAK", "OPERATOR_GATE"),
        ("INFLIGHT", "STALE_CLAIM"),
        ("IN_FLIGHT", "STALE_CLAIM"),
        ("LEASE_HELD", "OPERATOR_GATE"),
        ("GATE", "OPERATOR_GATE"),
        ("DRAINED", "TRUE_DRAIN"),
        ("DRAIN", "TRUE_DRAIN"),
        ("NO_DISPATCHABLE", "TRUE_DRAIN"),
        ("MISROUTE", "MISROUTE"),
        ("MIS_ROUT", "MISROUTE"),
    ];
    MorphologyRuleset { rules: RULES.iter().map(|(s, c)| MorphologyRule { substring: s.to_string(), category: c.to_string() }).collect() }
}

fn rule_from(item: &Tv, i: usize) -> Read<MorphologyRule> {
    let key = format!("{i}");
    let (sub, cat) = match item {
        Tv::Table(t) => match (t.get("substring"), t.get("category")) {
            (Some(s), Some(c)) => (s, c),
            (None, _) => return Err(Fault::warn(key, format!("[reasons.morphology] rule {i} has no substring"))),
            (_, None) => return Err(Fault::warn(key, format!("[reasons.morphology] rule {i} has no category"))),
        },
        Tv::List(pair) if pair.len() == 2 => (&pair[0], &pair[1]),
        other => {
            return Err(Fault::warn(
                key,
                format!(
                    "[reasons.morphology] rule {i} is {}; a rule is a {{substring, category}} table or a [substring, category] pair",
                    other.py_repr()
                ),
            ))
        }
    };
    match (sub, cat) {
        (Tv::Str(s), Tv::Str(c)) => Ok(MorphologyRule { substring: s.clone(), category: c.clone() }),
        _ => Err(Fault::warn(key, format!("[reasons.morphology] rule {i}: substring and category have to be strings"))),
    }
}

/// `[[reasons.morphology]]`: the value found under `reasons.morphology`.
pub fn morphology_from(v: &Tv) -> Read<MorphologyRuleset> {
    if !v.truthy() {
        return Ok(MorphologyRuleset::default());
    }
    let Tv::List(items) = v else {
        return Err(Fault::warn("", format!("[reasons.morphology] has to be a list of rules, not {}", v.type_name())));
    };
    let rules = items.iter().enumerate().map(|(i, x)| rule_from(x, i)).collect::<Read<Vec<_>>>()?;
    for (i, r) in rules.iter().enumerate() {
        if pystr::strip(&r.substring).is_empty() {
            return Err(Fault::warn(
                format!("{i}"),
                format!("[reasons.morphology] rule {i} has an empty substring, which would match every token"),
            ));
        }
        if !known_category(&r.category) {
            return Err(Fault::warn(
                format!("{i}"),
                format!("[reasons.morphology] rule {i}: {} is not a category ({})", pystr::repr(&r.category), KNOWN_CATEGORIES.join(", ")),
            ));
        }
    }
    Ok(MorphologyRuleset { rules })
}
