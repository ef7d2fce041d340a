//! The actuation ladder (`[intervention.<TOKEN>]`): which rungs exist, their
//! disruption rank, and whether the real call still fires on each.

use super::reasons::py_upper;
use super::value::{int_is_negative, Fault, FaultKind, Read, Table, Tv};
use crate::dict;
use crate::pyjson::{Int, Value};
use crate::pystr;

/// One rung.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterventionSpec {
    pub token: String,
    /// Disruption cost; unique within a ladder. A Python int (a declared rank
    /// read from a string may exceed 64 bits).
    pub rank: Int,
    pub summary: String,
    pub actuation: String,
    pub dispatches: bool,
    pub returns_synthetic: bool,
    pub see_also: Vec<String>,
}

impl InterventionSpec {
    pub fn key(&self) -> String {
        py_upper(pystr::strip(&self.token))
    }

    fn validate(&self) -> Result<(), String> {
        if pystr::strip(&self.token).is_empty() {
            return Err("an intervention token must be a non-empty string".into());
        }
        if int_is_negative(&self.rank) {
            return Err(format!("rung {} has a negative rank", pystr::repr(&self.token)));
        }
        if self.returns_synthetic && self.dispatches {
            return Err(format!("rung {} returns a synthetic result, so it cannot also dispatch the real call", pystr::repr(&self.token)));
        }
        Ok(())
    }

    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "token" => self.token.as_str(),
            "rank" => Value::Int(self.rank.clone()),
            "summary" => self.summary.as_str(),
            "actuation" => self.actuation.as_str(),
            "dispatches" => self.dispatches,
            "returns_synthetic" => self.returns_synthetic,
            "see_also" => self.see_also.iter().map(|s| Value::str(s.as_str())).collect::<Vec<_>>(),
        })
    }
}

/// The ordered rungs plus the default one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterventionLadder {
    pub specs: Vec<InterventionSpec>,
    pub default_token: String,
}

impl InterventionLadder {
    /// A new ladder with `more` appended; a repeated token or rank is refused.
    pub fn extend(&self, more: Vec<InterventionSpec>) -> Result<InterventionLadder, String> {
        let mut specs = self.specs.clone();
        specs.extend(more);
        let mut toks: Vec<String> = Vec::new();
        let mut ranks: Vec<&Int> = Vec::new();
        for s in &specs {
            let k = s.key();
            if toks.contains(&k) {
                return Err(format!("rung {} is declared twice", pystr::repr(&s.token)));
            }
            if ranks.contains(&&s.rank) {
                return Err(format!("rank {} of rung {} is already taken; ranks must be unique", s.rank, pystr::repr(&s.token)));
            }
            toks.push(k);
            ranks.push(&s.rank);
        }
        let ladder = InterventionLadder { specs: specs.clone(), default_token: self.default_token.clone() };
        if !ladder.specs.is_empty() && ladder.get(&self.default_token).is_none() {
            toks.sort();
            return Err(format!("the default rung {} is not declared ({})", pystr::repr(&self.default_token), toks.join(", ")));
        }
        Ok(ladder)
    }

    pub fn get(&self, token: &str) -> Option<&InterventionSpec> {
        let k = py_upper(pystr::strip(token));
        if token.is_empty() {
            return None;
        }
        self.specs.iter().find(|s| s.key() == k)
    }

    pub fn to_value(&self) -> Value {
        Value::Dict(dict! {
            "default_token" => self.default_token.as_str(),
            "specs" => self.specs.iter().map(InterventionSpec::to_value).collect::<Vec<_>>(),
        })
    }
}

fn rung(token: &str, rank: i64, dispatches: bool, synthetic: bool, summary: &str, actuation: &str, see_also: &[&str]) -> InterventionSpec {
    InterventionSpec {
        token: token.into(),
        rank: Int::Small(rank),
        summary: summary.into(),
        actuation: actuation.into(),
        dispatches,
        returns_synthetic: synthetic,
        see_also: see_also.iter().map(|s| s.to_string()).collect(),
    }
}

/// The built-in ladder OBSERVE < WARN < BLOCK < DEFER, default WARN (the
/// ranks, flags and cross-references are the reference's; the prose is ours).
pub fn base_interventions() -> InterventionLadder {
    InterventionLadder {
        default_token: "WARN".into(),
        specs: vec![
            rung(
                "OBSERVE",
                0,
                true,
                false,
                "Only record the verdict; the agent does not see it and the call runs.",
                "Log the verdict and run the call as it is.",
                &["intervention WARN", "intervention-eval"],
            ),
            rung(
                "WARN",
                10,
                true,
                false,
                "Run the call and attach the verdict so the model reads it on its next turn.",
                "Run the call and add the verdict to its result as a note.",
                &["intervention OBSERVE", "intervention BLOCK", "wedge"],
            ),
            rung(
                "BLOCK",
                20,
                false,
                true,
                "Withhold the call and hand back a corrective result in its place; the turn is kept.",
                "Do not run the call; return a synthetic result that points at the lookup to make first.",
                &["intervention DEFER", "dos apply", "arg_provenance"],
            ),
            rung(
                "DEFER",
                30,
                false,
                false,
                "Skip the call and let the agent try again, at the cost of the turn.",
                "Do not run the call; prompt the agent again so it can retry. The most disruptive rung.",
                &["intervention WARN", "intervention BLOCK"],
            ),
        ],
    }
}

/// `[intervention]`: `{TOKEN: {rank, summary?, actuation?, dispatches?, returns_synthetic?, see_also?}}`.
pub fn specs_from_table(t: &Table) -> Read<Vec<InterventionSpec>> {
    let mut out = Vec::new();
    for (token, body) in t.iter() {
        let Tv::Table(body) = body else {
            return Err(Fault::warn(token, format!("[intervention.{token}] has to be a table, not {}", body.type_name())));
        };
        let Some(rank) = body.get("rank") else {
            return Err(Fault::warn(token, format!("[intervention.{token}] needs a rank")));
        };
        // `see_also` is read before the rung is built, but only iterated after
        // `rank` went through int().
        let see = match body.get("see_also") {
            None => None,
            Some(v) if !v.truthy() => None,
            Some(v) => Some(v),
        };
        let rank = rank.py_int().map_err(|(kind, m)| Fault {
            kind,
            key: token.to_string(),
            message: format!("[intervention.{token}] rank: {m}"),
        })?;
        let see_also = match see {
            None => vec![],
            Some(Tv::Str(s)) => vec![s.clone()],
            Some(v @ (Tv::List(_) | Tv::Table(_))) => v.py_iter().unwrap_or_default().iter().map(Tv::py_str).collect(),
            Some(other) => {
                return Err(Fault {
                    kind: FaultKind::Crash,
                    key: token.to_string(),
                    message: format!("[intervention.{token}] see_also must be a string or a list, not {}", other.type_name()),
                })
            }
        };
        let spec = InterventionSpec {
            token: token.to_string(),
            rank,
            summary: body.get("summary").map_or_else(String::new, Tv::py_str),
            actuation: body.get("actuation").map_or_else(String::new, Tv::py_str),
            dispatches: body.get("dispatches").map_or(true, Tv::truthy),
            returns_synthetic: body.get("returns_synthetic").is_some_and(Tv::truthy),
            see_also,
        };
        spec.validate().map_err(|m| Fault::warn(token, format!("[intervention.{token}]: {m}")))?;
        out.push(spec);
    }
    Ok(out)
}

/// Layer an `[intervention]` table: the declared rungs join `base`.
pub fn layer_interventions(base: &InterventionLadder, t: &Table) -> Read<InterventionLadder> {
    let specs = specs_from_table(t)?;
    base.extend(specs).map_err(|m| Fault::warn("", format!("[intervention]: {m}")))
}
